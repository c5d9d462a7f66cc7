// `alsel convert` and `alsel agreement`: labeled data between formats, and the stopping rule.
#include "alsel/app/commands.h"
#include "cli_options.h"
#include "subcommands.h"

namespace alsel::cli {

namespace {
struct ConvertState {
  ConvertConfig config;
  std::string offset_unit, out_offset_unit;
};
}  // namespace

Subcommand add_convert_command(CLI::App& app) {
  auto state = std::make_shared<ConvertState>();
  ConvertConfig& config = state->config;
  CLI::App* command = app.add_subcommand(
      "convert", "convert labeled data: BIO/CoNLL, doccano JSONL, Prodigy JSONL, Label Studio export");
  command->add_option("-i,--input", config.inputs, "input files, read in order")->required();
  command->add_option("--from", config.from, "auto, bio, doccano, prodigy or label-studio")
      ->check(CLI::IsMember({"auto", "bio", "doccano", "prodigy", "label-studio"}))
      ->capture_default_str();
  command->add_option("--to", config.to, "doccano or bio")->check(CLI::IsMember({"doccano", "bio"}))->capture_default_str();
  command->add_option("-o,--out", config.out, "output file (- = stdout)")->capture_default_str();
  add_offset_unit_option(*command, "--offset-unit", state->offset_unit, "unit of the inputs' offsets");
  command->add_option("--out-offset-unit", state->out_offset_unit,
                      "unit of doccano output offsets: codepoint, utf16 or grapheme (default: utf16, "
                      "doccano's, which --labeled and eval also read by default)")
      ->check(CLI::IsMember({"codepoint", "utf16", "grapheme"}));
  add_manifest_options(*command, config.outputs);
  command->add_option("--bio-tokens", config.bio_tokens, "to bio: char, whitespace, or auto (char unless the text has spaces)")
      ->check(CLI::IsMember({"auto", "char", "whitespace"}))
      ->capture_default_str();
  return {command, [state](const RunContext& context) {
            state->config.offset_unit = optional_offset_unit(state->offset_unit);
            state->config.out_offset_unit = optional_offset_unit(state->out_offset_unit);
            state->config.arguments = context.arguments;
            state->config.config_file = context.config_file;
            run_convert(state->config);
          }};
}

Subcommand add_agreement_command(CLI::App& app) {
  auto config = std::make_shared<AgreementConfig>();
  CLI::App* command =
      app.add_subcommand("agreement", "kappa between two models' predictions on a stop set: when to stop annotating");
  command->add_option("before", config->before, "`alsel score` output of the stop set, earlier model")->required();
  command->add_option("after", config->after, "`alsel score` output of the same stop set, later model")->required();
  command->add_option("--history", config->history,
                      "JSONL of earlier comparisons: this one is appended and the rule checked over all");
  command->add_option("--window", config->rule.window, "comparisons the rule averages")->capture_default_str();
  command->add_option("--kappa-threshold", config->rule.threshold, "stop when their mean kappa reaches this")
      ->capture_default_str();
  command->add_flag("--json", config->json, "print a JSON object");
  command->add_option("-o,--out", config->out, "where to write the report (- = stdout)")->capture_default_str();
  return {command, [config](const RunContext&) { run_agreement(*config); }};
}

}  // namespace alsel::cli
