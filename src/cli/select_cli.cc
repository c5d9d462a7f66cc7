// `alsel select` and `alsel score`: SelectConfig's and ScoreConfig's settings as flags, and the run.
#include "alsel/app/commands.h"
#include "alsel/model/torchscript_model.h"
#include "cli_options.h"
#include "subcommands.h"

namespace alsel::cli {

Subcommand add_select_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand("select", "rank the pool and write the top-k, best first");
  auto bound = bind_settings<SelectConfig>(*command);
  return {command, [bound](const RunContext& context) {
            resolve_scoring_config(context, bound->config);
            run_select(bound->config, load_torchscript_model);
          }};
}

Subcommand add_score_command(CLI::App& app) {
  CLI::App* command = app.add_subcommand("score", "write the raw measures of every sentence, in pool order");
  auto bound = bind_settings<ScoreConfig>(*command);
  return {command, [bound](const RunContext& context) {
            resolve_scoring_config(context, bound->config);
            run_score(bound->config, load_torchscript_model);
          }};
}

}  // namespace alsel::cli
