// `alsel eval`, `alsel info` and `alsel strategies`: the model against gold data, the model's
// description, the strategies.
#include <iostream>

#include "alsel/app/commands.h"
#include "alsel/model/torchscript_model.h"
#include "cli_options.h"
#include "subcommands.h"

namespace alsel::cli {

Subcommand add_eval_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand("eval", "entity-level precision, recall and F1 against gold data");
  auto bound = bind_settings<EvalConfig>(*command);
  return {command, [bound](const RunContext&) { run_eval(bound->config, load_torchscript_model); }};
}

Subcommand add_info_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand("info", "describe a model: labels, vocabulary, max_len, CRF");
  auto bound = bind_settings<InfoConfig>(*command);
  return {command, [bound](const RunContext&) { run_info(bound->config, load_torchscript_model, std::cout); }};
}

Subcommand add_strategies_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand("strategies", "list the selection strategies and their definitions");
  return {command, [](const RunContext&) { print_strategies(std::cout); }};
}

}  // namespace alsel::cli
