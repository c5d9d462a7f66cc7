// `alsel convert` and `alsel agreement`: labeled data between formats, and the stopping rule.
#include "alsel/app/commands.h"
#include "cli_options.h"
#include "subcommands.h"

namespace alsel::cli {

Subcommand add_convert_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand(
      "convert", "convert labeled data: BIO/CoNLL, doccano JSONL, Prodigy JSONL, Label Studio export");
  auto bound = bind_settings<ConvertConfig>(*command);
  return {command, [bound](const RunContext& context) {
            bound->config.arguments = context.arguments;
            bound->config.config_file = context.config_file;
            run_convert(bound->config);
          }};
}

Subcommand add_agreement_command(CLI::App& app) {
  CLI::App* command =
      app.add_subcommand("agreement", "kappa between two models' predictions on a stop set: when to stop annotating");
  auto bound = bind_settings<AgreementConfig>(*command);
  return {command, [bound](const RunContext&) { run_agreement(bound->config); }};
}

}  // namespace alsel::cli
