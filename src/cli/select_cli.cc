// `alsel select`: its flags, bound to SelectConfig, and the run.
#include "alsel/app/commands.h"
#include "alsel/model/torchscript_model.h"
#include "cli_options.h"
#include "subcommands.h"

namespace alsel::cli {

namespace {

struct SelectState {
  SelectConfig config;
  ScoringFlags flags;
  std::string offset_unit;
};

void add_batch_options(CLI::App& command, SelectConfig& config) {
  CLI::Option* k = command.add_option("-k", config.k, "how many sentences to select")->capture_default_str();
  command
      .add_option("--budget-chars", config.budget_chars,
                  "select by characters instead: the longest prefix of the ranking that fits in N "
                  "characters (code points); stops before the first sentence that would overflow")
      ->check(CLI::PositiveNumber)
      ->excludes(k);
}

void add_exclusion_options(CLI::App& command, SelectState& state) {
  SelectConfig& config = state.config;
  command.add_option("--labeled", config.labeled,
                     "labeled BIO, doccano, Prodigy or Label Studio files: known entities (ltp-unk); "
                     "their sentences are excluded");
  add_offset_unit_option(command, "--labeled-offset-unit", state.flags.labeled_offset_unit,
                         "unit of the --labeled files' offsets");
  command.add_flag("--keep-labeled", [&config](int64_t) { config.exclusion.exclude_labeled = false; },
                   "do not exclude the --labeled sentences (only use their entities)");
  command.add_option("--exclude", config.exclusion.exclude,
                     "files of items already sent: ids one per line, JSONL, or a JSON task list");
  command.add_option("--exclude-match", config.exclusion.match,
                     "exclude by both (id or normalized text), id, text, or auto (text for "
                     "--input-format text, else both)")
      ->check(CLI::IsMember({"auto", "both", "id", "text"}))
      ->capture_default_str();
}

void add_dedupe_options(CLI::App& command, DedupeOptions& dedupe) {
  command.add_option("--dedupe", dedupe.mode,
                     "none, exact (same normalized text) or near (exact + MinHash near duplicates)")
      ->check(CLI::IsMember({"none", "exact", "near"}))
      ->capture_default_str();
  command.add_option("--near-threshold", dedupe.near.threshold,
                     "near: character n-gram Jaccard similarity that suppresses a candidate")
      ->capture_default_str();
  command.add_option("--ngram", dedupe.near.ngram, "near: characters per n-gram")->capture_default_str();
  command.add_option("--candidate-factor", dedupe.candidate_factor,
                     "near or --max-per-entity: candidates kept while scoring = k x factor")
      ->capture_default_str();
  command.add_option("--max-per-entity", dedupe.max_per_entity,
                     "at most N sentences of the batch may owe their score to the same entity (the "
                     "entity, or word, holding the least confident word); 0 = no cap")
      ->capture_default_str();
}

void add_strategy_options(CLI::App& command, StrategyOptions& options) {
  command.add_option("--trim-threshold", options.trim_threshold,
                     "trimmed: drop words whose top probability is at least this")
      ->capture_default_str();
  command.add_option("--e1", options.e1, "ltp-unk weight of 1 - ltp")->capture_default_str();
  command.add_option("--e2", options.e2, "ltp-unk weight of P(x)")->capture_default_str();
  command.add_option("--unk-cap", options.unk_cap, "ltp-unk N in min(unknown, N) / N")->capture_default_str();
  command.add_option("--seed", options.seed, "random: seed")->capture_default_str();
  command.add_flag("--per-char", options.per_char,
                   "rank by the strategy's score divided by the sentence's characters "
                   "(cost-normalised: \"ltp/char\")");
}

}  // namespace

Subcommand add_select_command(CLI::App& app) {
  auto state = std::make_shared<SelectState>();
  SelectConfig& config = state->config;
  CLI::App* command = app.add_subcommand("select", "rank the pool and write the top-k, best first");
  add_scoring_inputs(*command, config, state->flags);
  command->add_option("-s,--strategy", config.strategy, "strategy (see `alsel strategies`)")->capture_default_str();
  add_batch_options(*command, config);
  command->add_option("-o,--out", config.out, "output file (- = stdout)")->capture_default_str();
  add_exclusion_options(*command, *state);
  add_dedupe_options(*command, config.dedupe);
  add_writer_options(*command, config.format, config.writer, state->offset_unit, "MODEL@SHA256[:12]");
  command->add_option("--report", config.outputs.report, "write a self-contained HTML report here");
  command->add_option("--agreement", config.agreement,
                      "`alsel agreement --json` report of the stop set: recorded in the manifest");
  command->add_option("--dropped", config.outputs.dropped,
                      "write every excluded, duplicate and suppressed sentence here (JSONL)");
  add_scoring_outputs(*command, config, state->flags);
  add_strategy_options(*command, config.strategy_options);
  return {command, [state](const RunContext& context) {
            resolve_scoring_flags(state->flags, context, state->config);
            state->config.writer.offset_unit = optional_offset_unit(state->offset_unit);
            run_select(state->config, load_torchscript_model);
          }};
}

}  // namespace alsel::cli
