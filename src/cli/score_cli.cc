// `alsel score`: its flags, bound to ScoreConfig, and the run.
#include "alsel/app/commands.h"
#include "alsel/model/torchscript_model.h"
#include "cli_options.h"
#include "subcommands.h"

namespace alsel::cli {

namespace {
struct ScoreState {
  ScoreConfig config;
  ScoringFlags flags;
};
}  // namespace

Subcommand add_score_command(CLI::App& app) {
  auto state = std::make_shared<ScoreState>();
  ScoreConfig& config = state->config;
  CLI::App* command = app.add_subcommand("score", "write the raw measures of every sentence, in pool order");
  add_scoring_inputs(*command, config, state->flags);
  command->add_option("-o,--out", config.out, "output JSONL (- = stdout)")->capture_default_str();
  command->add_option("--labeled", config.labeled, "labeled BIO, doccano, Prodigy or Label Studio files: known entities");
  add_offset_unit_option(*command, "--labeled-offset-unit", state->flags.labeled_offset_unit,
                         "unit of the --labeled files' offsets");
  command->add_option("--trim-threshold", config.trim_threshold, "threshold of the trimmed measure")
      ->capture_default_str();
  add_scoring_outputs(*command, config, state->flags);
  return {command, [state](const RunContext& context) {
            resolve_scoring_flags(state->flags, context, state->config);
            run_score(state->config, load_torchscript_model);
          }};
}

}  // namespace alsel::cli
