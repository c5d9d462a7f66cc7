// `alsel eval` and `alsel info`: the model against gold data, and the model's description.
#include <iostream>

#include "alsel/app/commands.h"
#include "alsel/data/labeled_data.h"
#include "alsel/model/torchscript_model.h"
#include "cli_options.h"
#include "subcommands.h"

namespace alsel::cli {

namespace {
struct EvalState {
  EvalConfig config;
  std::string format = "auto", offset_unit;
};
}  // namespace

Subcommand add_eval_command(CLI::App& app) {
  auto state = std::make_shared<EvalState>();
  EvalConfig& config = state->config;
  CLI::App* command = app.add_subcommand("eval", "entity-level precision, recall and F1 against gold data");
  add_model_options(*command, config.model);
  add_inference_options(*command, config.inference);
  command->add_option("-d,--data", config.data, "BIO/CoNLL, doccano, Prodigy or Label Studio files")->required();
  command->add_option("--data-format", state->format, "auto, bio, doccano, prodigy or label-studio")
      ->check(CLI::IsMember({"auto", "bio", "doccano", "prodigy", "label-studio"}))
      ->capture_default_str();
  add_offset_unit_option(*command, "--offset-unit", state->offset_unit, "unit of the data's offsets");
  command->add_flag("--json", config.json, "print a JSON object (f1 etc. in percent, 0-100)");
  command->add_option("-o,--out", config.out, "where to write the report (- = stdout)")->capture_default_str();
  return {command, [state](const RunContext&) {
            state->config.format = parse_labeled_format(state->format);
            state->config.offset_unit = optional_offset_unit(state->offset_unit);
            run_eval(state->config, load_torchscript_model);
          }};
}

Subcommand add_info_command(CLI::App& app) {
  auto config = std::make_shared<InfoConfig>();
  CLI::App* command = app.add_subcommand("info", "describe a model: labels, vocabulary, max_len, CRF");
  add_model_options(*command, config->model);
  command->add_flag("--json", config->json, "print JSON");
  return {command, [config](const RunContext&) { run_info(*config, load_torchscript_model, std::cout); }};
}

Subcommand add_strategies_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand("strategies", "list the selection strategies and their definitions");
  return {command, [](const RunContext&) { print_strategies(std::cout); }};
}

}  // namespace alsel::cli
