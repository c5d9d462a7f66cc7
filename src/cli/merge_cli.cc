// `alsel merge`: MergeConfig's settings as flags, and the run.
#include "alsel/app/commands.h"
#include "cli_options.h"
#include "subcommands.h"

namespace alsel::cli {

Subcommand add_merge_command(CLI::App& app) {
  CLI::App* command =
      app.add_subcommand("merge", "merge the candidates of `select --shard I/N` runs into the single-run batch");
  auto bound = bind_settings<MergeConfig>(*command);
  return {command, [bound](const RunContext& context) {
            bound->config.arguments = context.arguments;
            bound->config.config_file = context.config_file;
            run_merge(bound->config);
          }};
}

}  // namespace alsel::cli
