// `alsel merge`: its flags, bound to MergeConfig, and the run.
#include "alsel/app/commands.h"
#include "cli_options.h"
#include "subcommands.h"

namespace alsel::cli {

namespace {
struct MergeState {
  MergeConfig config;
  std::string offset_unit;
};
}  // namespace

Subcommand add_merge_command(CLI::App& app) {
  auto state = std::make_shared<MergeState>();
  MergeConfig& config = state->config;
  CLI::App* command =
      app.add_subcommand("merge", "merge the candidates of `select --shard I/N` runs into the single-run batch");
  command->add_option("shards", config.inputs, "the candidates file of every shard")->required();
  CLI::Option* k = command->add_option("-k", config.k, "how many sentences to select (default: the shards' -k)");
  command
      ->add_option("--budget-chars", config.budget_chars,
                   "a character budget instead of -k (default: the shards' --budget-chars or -k)")
      ->check(CLI::PositiveNumber)
      ->excludes(k);
  command->add_option("-o,--out", config.out, "output file (- = stdout)")->capture_default_str();
  add_writer_options(*command, config.format, config.writer, state->offset_unit, "the shards' MODEL@SHA256[:12]");
  command->add_option("--dropped", config.outputs.dropped,
                      "write the near duplicates suppressed across shards here (JSONL)");
  add_manifest_options(*command, config.outputs);
  return {command, [state](const RunContext& context) {
            state->config.writer.offset_unit = optional_offset_unit(state->offset_unit);
            state->config.arguments = context.arguments;
            state->config.config_file = context.config_file;
            run_merge(state->config);
          }};
}

}  // namespace alsel::cli
