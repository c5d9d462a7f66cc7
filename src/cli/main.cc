// alsel: the command-line front end. It only turns flags into the library's config structs,
// calls one library function per subcommand and maps exceptions to documented exit codes.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "alsel/atomic_file.h"
#include "alsel/commands.h"
#include "alsel/errors.h"
#include "alsel/logging.h"
#include "alsel/model_locator.h"
#include "alsel/precision.h"
#include "alsel/selection_writer.h"
#include "alsel/strategy.h"
#include "alsel/tool_offsets.h"
#include "alsel/torchscript_model.h"
#include "cli_config.h"

namespace {

// Without --model: ALSEL_MODEL, else the shipped model beside the binary (model_locator.h).
void add_model_options(CLI::App& command, alsel::ModelOptions& options) {
  const alsel::ModelLocation location =
      alsel::locate_default_model(alsel::current_executable(), std::getenv("ALSEL_MODEL"));
  options.path = location.path;
  options.source = location.rule;
  command.add_option("-m,--model", options.path,
                     "TorchScript model (default: $ALSEL_MODEL, else the shipped model in "
                     "PREFIX/share/alsel/models; `alsel info` shows which)")
      ->each([&options](const std::string&) { options.source = "--model"; });
  command.add_option("--device", options.device, "cpu or cuda[:N]")->capture_default_str();
  command
      .add_option("--precision", options.precision,
                   "forward pass in auto, fp32, bf16 or fp16 (CUDA); auto = bf16 where the CPU has "
                   "avx512_bf16 or amx_bf16, else fp32")
      ->check(CLI::IsMember(alsel::precision_names()))
      ->capture_default_str();
  command.add_option("--threads", options.threads, "threads of one forward pass (0 = 1: alsel runs one pass per core at once instead)")
      ->capture_default_str();
  command.add_option("--vocab", options.vocab_path, "vocabulary file for models without alsel/vocab.txt");
  command.add_option("--labels", options.labels_path, "label names, one per line, for models without meta");
}

// "doccano utf16, label-studio codepoint, ...": each format's default unit, for --help.
std::string tool_units_help() {
  std::string help;
  for (const alsel::ToolOffsetUnit& tool : alsel::tool_offset_units()) {
    help += (help.empty() ? "" : ", ") + std::string(tool.format) + " " + alsel::offset_unit_name(tool.unit);
  }
  return help;
}

// --offset-unit-like options: empty = each format's tool's unit.
void add_offset_unit_option(CLI::App& command, const std::string& name, std::string& value,
                            const std::string& what) {
  command.add_option(name, value,
                     what + ": codepoint, utf16 or grapheme (default: the tool's own unit: " +
                         tool_units_help() + ")")
      ->check(CLI::IsMember({"codepoint", "utf16", "grapheme"}));
}

std::optional<alsel::OffsetUnit> optional_offset_unit(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return alsel::parse_offset_unit(value);
}

void add_format_option(CLI::App& command, std::string& format) {
  std::string names;
  for (const std::string& name : alsel::selection_format_names()) names += (names.empty() ? "" : ", ") + name;
  command.add_option("--format", format, "output format: " + names)
      ->check(CLI::IsMember(alsel::selection_format_names()))
      ->capture_default_str();
}

void add_inference_options(CLI::App& command, alsel::InferenceConfig& config) {
  command.add_option("--batch-tokens", config.batch_tokens, "padded wordpieces per forward batch")
      ->capture_default_str();
  command.add_option("--probs", config.probabilities, "marginal (CRF forward-backward) or softmax")
      ->check(CLI::IsMember({"marginal", "softmax"}))
      ->capture_default_str();
  command.add_option("--window-overlap", config.window_overlap,
                     "wordpieces shared by windows of long sentences (0 = max_len/4)");
}

void add_pool_options(CLI::App& command, alsel::PoolOptions& pool, std::string& input_format) {
  command.add_option("-p,--pool", pool.paths, "pool files (JSONL with id and text); - = stdin")->required();
  command.add_option("--input-format", input_format, "jsonl or text (one sentence per line, id = line number)")
      ->check(CLI::IsMember({"jsonl", "text"}))
      ->capture_default_str();
  command.add_option("--id-field", pool.reader.id_field, "JSONL key of the id")->capture_default_str();
  command.add_option("--text-field", pool.reader.text_field, "JSONL key of the text")->capture_default_str();
  command.add_option("--rejects", pool.rejects_path, "write rejected lines with their reason here (JSONL)");
  command.add_flag("--strict", pool.strict, "stop at the first bad line (exit 3) and write no output");
}

void add_cache_option(CLI::App& command, std::string& cache) {
  command.add_option("--cache", cache,
                     "SQLite file of scored sentences, keyed by model and text: a rerun runs the model "
                     "only on texts it has not seen (created when missing)");
}

// --shard I/N|auto and --shard-count N, resolved by alsel::resolve_shard once parsed.
struct ShardFlags {
  std::string spec;   // empty = the whole pool
  int64_t count = 0;  // 0 = not given
  CLI::Option* option = nullptr;
  // The spec to resolve; --shard given with an empty value is a usage error, not "unsharded".
  const std::string& checked_spec() const {
    if (option != nullptr && option->count() > 0 && spec.empty()) {
      throw alsel::UsageError("--shard is empty: give I/N (e.g. 0/4) or auto, or leave --shard out");
    }
    return spec;
  }
};

void add_shard_options(CLI::App& command, ShardFlags& flags) {
  flags.option = command.add_option("--shard", flags.spec,
                     "I/N: only shard I of N (stable hash of the id; docs/distributed.md), or auto: "
                     "from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX + --shard-count) or a "
                     "Slurm array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT)");
  command.add_option("--shard-count", flags.count,
                     "--shard auto: the number of shards (required on Kubernetes: the Job's completions)");
}

alsel::InputFormat parse_input_format(const std::string& name) {
  return name == "text" ? alsel::InputFormat::kText : alsel::InputFormat::kJsonl;
}

// Flags of what a run writes besides its main output, and how it reports progress.
struct RunFlags {
  std::string progress = "auto";
};

void add_run_output_options(CLI::App& command, alsel::RunOutputs& outputs, alsel::ProgressConfig& progress,
                            RunFlags& flags) {
  command.add_option("--manifest", outputs.manifest,
                     "run manifest path (default: OUT.manifest.json; none when OUT is stdout)");
  command.add_flag("--no-manifest", [&outputs](int64_t) { outputs.write_manifest = false; },
                   "write no run manifest");
  command.add_option("--progress", flags.progress,
                     "auto (a live line on a terminal, else log lines), bar, log or none")
      ->check(CLI::IsMember({"auto", "bar", "log", "none"}))
      ->capture_default_str();
  command.add_option("--progress-interval", progress.log_interval_seconds,
                     "seconds between progress log lines when stderr is not a terminal")
      ->capture_default_str();
}

std::vector<std::string> command_line(int argc, char** argv) {
  return std::vector<std::string>(argv, argv + argc);
}

const char* kExamples = R"(
Examples:
  alsel select -p pool.jsonl -s ltp -k 500 -o batch.jsonl
  alsel select -p pool.jsonl -s ltp-unk --labeled labeled.bio -k 500 -o batch.jsonl --rejects rejects.jsonl
  alsel select -p pool.jsonl --exclude sent/*.jsonl -k 200 --format label-studio -o tasks.json --report r.html
  alsel convert -i annotated.jsonl --to bio -o annotated.bio
  cat pool.txt | alsel select -p - --input-format text -k 20
  alsel score -p pool.jsonl -o scores.jsonl
  alsel select -p pool.jsonl -k 500 --shard 0/3 -o shard-0.jsonl   # one of 3 machines
  alsel merge -k 500 -o batch.jsonl shard-0.jsonl shard-1.jsonl shard-2.jsonl
  alsel select -p pool.jsonl -k 500 -o batch.jsonl --cache scores.sqlite   # nightly reruns
  alsel eval --data test.bio --json
  alsel info
  alsel strategies

Exit codes: 0 ok, 1 internal error (a bug), 2 usage error (also an output path that is an input
or another output), 3 input error (also a corrupt, foreign or locked --cache or shard file),
4 model error (also NaN/Inf emissions), 5 output error, 128+N killed by signal N (130 SIGINT,
143 SIGTERM, 129 SIGHUP; temp files removed, previous outputs kept).
)";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"alsel: active-learning sample selection for named-entity recognition"};
  app.footer(kExamples);
  app.set_version_flag("--version", std::string("alsel ") + ALSEL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // -q/-v also work after the subcommand
  bool quiet = false;
  int verbose = 0;
  app.add_flag("-q,--quiet", quiet, "only warnings and errors on stderr");
  app.add_flag("-v,--verbose", verbose, "more detail on stderr");
  std::string log_format = "text";
  app.add_option("--log-format", log_format,
                 "stderr lines: text, or json (one object per line: time, level, message, fields)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  alsel::cli::CliConfig config_file(app);

  const std::vector<std::string> arguments = command_line(argc, argv);
  alsel::SelectConfig select;
  std::string select_format = "jsonl";
  std::string select_offset_unit, select_labeled_offset_unit;
  RunFlags select_flags;
  CLI::App* select_command = app.add_subcommand("select", "rank the pool and write the top-k, best first");
  add_model_options(*select_command, select.model);
  add_inference_options(*select_command, select.inference);
  add_pool_options(*select_command, select.pool, select_format);
  add_cache_option(*select_command, select.cache);
  select_command->add_option("-s,--strategy", select.strategy, "strategy (see `alsel strategies`)")
      ->capture_default_str();
  CLI::Option* select_k =
      select_command->add_option("-k", select.k, "how many sentences to select")->capture_default_str();
  select_command
      ->add_option("--budget-chars", select.budget_chars,
                   "select by characters instead: the longest prefix of the ranking that fits in N "
                   "characters (code points); stops before the first sentence that would overflow")
      ->check(CLI::PositiveNumber)
      ->excludes(select_k);
  select_command->add_option("-o,--out", select.out, "output file (- = stdout)")->capture_default_str();
  select_command->add_option("--labeled", select.labeled,
                             "labeled BIO, doccano, Prodigy or Label Studio files: known entities (ltp-unk); "
                             "their sentences are excluded");
  add_offset_unit_option(*select_command, "--labeled-offset-unit", select_labeled_offset_unit,
                         "unit of the --labeled files' offsets");
  select_command->add_flag("--keep-labeled", [&select](int64_t) { select.exclusion.exclude_labeled = false; },
                           "do not exclude the --labeled sentences (only use their entities)");
  select_command->add_option("--exclude", select.exclusion.exclude,
                             "files of items already sent: ids one per line, JSONL, or a JSON task list");
  select_command->add_option("--exclude-match", select.exclusion.match,
                             "exclude by both (id or normalized text), id, text, or auto (text for "
                             "--input-format text, else both)")
      ->check(CLI::IsMember({"auto", "both", "id", "text"}))
      ->capture_default_str();
  select_command->add_option("--dedupe", select.dedupe.mode,
                             "none, exact (same normalized text) or near (exact + MinHash near duplicates)")
      ->check(CLI::IsMember({"none", "exact", "near"}))
      ->capture_default_str();
  select_command->add_option("--near-threshold", select.dedupe.near.threshold,
                             "near: character n-gram Jaccard similarity that suppresses a candidate")
      ->capture_default_str();
  select_command->add_option("--ngram", select.dedupe.near.ngram, "near: characters per n-gram")
      ->capture_default_str();
  select_command->add_option("--candidate-factor", select.dedupe.candidate_factor,
                             "near or --max-per-entity: candidates kept while scoring = k x factor")
      ->capture_default_str();
  select_command->add_option("--max-per-entity", select.dedupe.max_per_entity,
                             "at most N sentences of the batch may owe their score to the same entity (the "
                             "entity, or word, holding the least confident word); 0 = no cap")
      ->capture_default_str();
  add_format_option(*select_command, select.format);
  add_offset_unit_option(*select_command, "--offset-unit", select_offset_unit, "unit of the entity offsets");
  select_command->add_option("--ls-from-name", select.writer.from_name,
                             "label-studio: name of the <Labels> control of the labeling config")
      ->capture_default_str();
  select_command->add_option("--ls-to-name", select.writer.to_name,
                             "label-studio: name of the <Text> object the labels apply to")
      ->capture_default_str();
  select_command->add_option("--model-version", select.writer.model_version,
                             "label-studio: predictions' model_version (default: MODEL@SHA256[:12])");
  select_command->add_option("--report", select.outputs.report, "write a self-contained HTML report here");
  select_command->add_option("--agreement", select.agreement,
                             "`alsel agreement --json` report of the stop set: recorded in the manifest");
  select_command->add_option("--dropped", select.outputs.dropped,
                             "write every excluded, duplicate and suppressed sentence here (JSONL)");
  add_run_output_options(*select_command, select.outputs, select.progress, select_flags);
  ShardFlags select_shard;
  add_shard_options(*select_command, select_shard);
  select_command->add_option("--trim-threshold", select.strategy_options.trim_threshold,
                             "trimmed: drop words whose top probability is at least this")
      ->capture_default_str();
  select_command->add_option("--e1", select.strategy_options.e1, "ltp-unk weight of 1 - ltp")->capture_default_str();
  select_command->add_option("--e2", select.strategy_options.e2, "ltp-unk weight of P(x)")->capture_default_str();
  select_command->add_option("--unk-cap", select.strategy_options.unk_cap, "ltp-unk N in min(unknown, N) / N")
      ->capture_default_str();
  select_command->add_option("--seed", select.strategy_options.seed, "random: seed")->capture_default_str();
  select_command->add_flag("--per-char", select.strategy_options.per_char,
                           "rank by the strategy's score divided by the sentence's characters "
                           "(cost-normalised: \"ltp/char\")");

  alsel::ScoreConfig score;
  std::string score_format = "jsonl";
  RunFlags score_flags;
  CLI::App* score_command = app.add_subcommand("score", "write the raw measures of every sentence, in pool order");
  add_model_options(*score_command, score.model);
  add_inference_options(*score_command, score.inference);
  add_pool_options(*score_command, score.pool, score_format);
  add_cache_option(*score_command, score.cache);
  score_command->add_option("-o,--out", score.out, "output JSONL (- = stdout)")->capture_default_str();
  std::string score_labeled_offset_unit;
  score_command->add_option("--labeled", score.labeled,
                            "labeled BIO, doccano, Prodigy or Label Studio files: known entities");
  add_offset_unit_option(*score_command, "--labeled-offset-unit", score_labeled_offset_unit,
                         "unit of the --labeled files' offsets");
  score_command->add_option("--trim-threshold", score.trim_threshold, "threshold of the trimmed measure")
      ->capture_default_str();
  add_run_output_options(*score_command, score.outputs, score.progress, score_flags);
  ShardFlags score_shard;
  add_shard_options(*score_command, score_shard);

  alsel::MergeConfig merge;
  std::string merge_offset_unit;
  CLI::App* merge_command = app.add_subcommand(
      "merge", "merge the candidates of `select --shard I/N` runs into the single-run batch");
  merge_command->add_option("shards", merge.inputs, "the candidates file of every shard")->required();
  CLI::Option* merge_k =
      merge_command->add_option("-k", merge.k, "how many sentences to select (default: the shards' -k)");
  merge_command
      ->add_option("--budget-chars", merge.budget_chars,
                   "a character budget instead of -k (default: the shards' --budget-chars or -k)")
      ->check(CLI::PositiveNumber)
      ->excludes(merge_k);
  merge_command->add_option("-o,--out", merge.out, "output file (- = stdout)")->capture_default_str();
  add_format_option(*merge_command, merge.format);
  add_offset_unit_option(*merge_command, "--offset-unit", merge_offset_unit, "unit of the entity offsets");
  merge_command->add_option("--ls-from-name", merge.writer.from_name,
                            "label-studio: name of the <Labels> control of the labeling config")
      ->capture_default_str();
  merge_command->add_option("--ls-to-name", merge.writer.to_name,
                            "label-studio: name of the <Text> object the labels apply to")
      ->capture_default_str();
  merge_command->add_option("--model-version", merge.writer.model_version,
                            "label-studio: predictions' model_version (default: the shards' MODEL@SHA256[:12])");
  merge_command->add_option("--dropped", merge.outputs.dropped,
                            "write the near duplicates suppressed across shards here (JSONL)");
  merge_command->add_option("--manifest", merge.outputs.manifest,
                            "run manifest path (default: OUT.manifest.json; none when OUT is stdout)");
  merge_command->add_flag("--no-manifest", [&merge](int64_t) { merge.outputs.write_manifest = false; },
                          "write no run manifest");

  alsel::EvalConfig eval;
  std::string eval_format = "auto", eval_offset_unit;
  CLI::App* eval_command = app.add_subcommand("eval", "entity-level precision, recall and F1 against gold data");
  add_model_options(*eval_command, eval.model);
  add_inference_options(*eval_command, eval.inference);
  eval_command->add_option("-d,--data", eval.data, "BIO/CoNLL, doccano, Prodigy or Label Studio files")->required();
  eval_command->add_option("--data-format", eval_format, "auto, bio, doccano, prodigy or label-studio")
      ->check(CLI::IsMember({"auto", "bio", "doccano", "prodigy", "label-studio"}))
      ->capture_default_str();
  add_offset_unit_option(*eval_command, "--offset-unit", eval_offset_unit, "unit of the data's offsets");
  eval_command->add_flag("--json", eval.json, "print a JSON object (f1 etc. in percent, 0-100)");
  eval_command->add_option("-o,--out", eval.out, "where to write the report (- = stdout)")->capture_default_str();

  alsel::InfoConfig info;
  CLI::App* info_command = app.add_subcommand("info", "describe a model: labels, vocabulary, max_len, CRF");
  add_model_options(*info_command, info.model);
  info_command->add_flag("--json", info.json, "print JSON");

  alsel::ConvertConfig convert;
  std::string convert_offset_unit, convert_out_offset_unit;
  CLI::App* convert_command = app.add_subcommand(
      "convert", "convert labeled data: BIO/CoNLL, doccano JSONL, Prodigy JSONL, Label Studio export");
  convert_command->add_option("-i,--input", convert.inputs, "input files, read in order")->required();
  convert_command->add_option("--from", convert.from, "auto, bio, doccano, prodigy or label-studio")
      ->check(CLI::IsMember({"auto", "bio", "doccano", "prodigy", "label-studio"}))
      ->capture_default_str();
  convert_command->add_option("--to", convert.to, "doccano or bio")
      ->check(CLI::IsMember({"doccano", "bio"}))
      ->capture_default_str();
  convert_command->add_option("-o,--out", convert.out, "output file (- = stdout)")->capture_default_str();
  add_offset_unit_option(*convert_command, "--offset-unit", convert_offset_unit, "unit of the inputs' offsets");
  convert_command->add_option("--out-offset-unit", convert_out_offset_unit,
                              "unit of doccano output offsets: codepoint, utf16 or grapheme (default: utf16, "
                              "doccano's, which --labeled and eval also read by default)")
      ->check(CLI::IsMember({"codepoint", "utf16", "grapheme"}));
  convert_command->add_option("--manifest", convert.outputs.manifest,
                              "run manifest path (default: OUT.manifest.json; none when OUT is stdout)");
  convert_command->add_flag("--no-manifest", [&convert](int64_t) { convert.outputs.write_manifest = false; },
                            "write no run manifest");
  convert_command->add_option("--bio-tokens", convert.bio_tokens,
                              "to bio: char, whitespace, or auto (char unless the text has spaces)")
      ->check(CLI::IsMember({"auto", "char", "whitespace"}))
      ->capture_default_str();

  alsel::AgreementConfig agreement;
  CLI::App* agreement_command = app.add_subcommand(
      "agreement", "kappa between two models' predictions on a stop set: when to stop annotating");
  agreement_command->add_option("before", agreement.before, "`alsel score` output of the stop set, earlier model")
      ->required();
  agreement_command->add_option("after", agreement.after, "`alsel score` output of the same stop set, later model")
      ->required();
  agreement_command->add_option("--history", agreement.history,
                                "JSONL of earlier comparisons: this one is appended and the rule checked over all");
  agreement_command->add_option("--window", agreement.rule.window, "comparisons the rule averages")
      ->capture_default_str();
  agreement_command->add_option("--kappa-threshold", agreement.rule.threshold,
                                "stop when their mean kappa reaches this")
      ->capture_default_str();
  agreement_command->add_flag("--json", agreement.json, "print a JSON object");
  agreement_command->add_option("-o,--out", agreement.out, "where to write the report (- = stdout)")
      ->capture_default_str();

  app.add_subcommand("strategies", "list the selection strategies and their definitions");
  for (CLI::App* command : app.get_subcommands({})) config_file.add_subcommand(*command);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0 && alsel::cli::json_logs_requested(arguments)) {
      alsel::set_log_format(alsel::LogFormat::kJson);
      alsel::report_fatal_error(config_file.explain(e), alsel::kExitUsage, false);
      return alsel::kExitUsage;
    }
    if (e.get_exit_code() != 0 && !config_file.config_path().empty()) {
      std::cerr << "alsel: error: " << config_file.explain(e) << "\nRun with --help for more information.\n";
      return alsel::kExitUsage;
    }
    const int code = app.exit(e);
    return code == 0 ? alsel::kExitOk : alsel::kExitUsage;
  }

  alsel::set_verbosity(quiet ? alsel::Verbosity::kQuiet
                             : verbose > 0 ? alsel::Verbosity::kVerbose : alsel::Verbosity::kNormal);
  alsel::set_log_format(alsel::parse_log_format(log_format));
  alsel::install_interrupt_cleanup();
  try {
    if (CLI::App* command = config_file.print_requested()) {
      config_file.print(*command);
      return alsel::kExitOk;
    }
    const std::string config_path = config_file.config_path();
    select.config_file = score.config_file = merge.config_file = convert.config_file = config_path;
    if (select_command->parsed()) {
      select.pool.reader.format = parse_input_format(select_format);
      select.writer.offset_unit = optional_offset_unit(select_offset_unit);
      select.labeled_offset_unit = optional_offset_unit(select_labeled_offset_unit);
      select.progress.mode = alsel::parse_progress_mode(select_flags.progress);
      select.arguments = arguments;
      select.shard = alsel::resolve_shard(select_shard.checked_spec(), select_shard.count, alsel::process_environment());
      alsel::run_select(select, alsel::load_torchscript_model);
    } else if (score_command->parsed()) {
      score.pool.reader.format = parse_input_format(score_format);
      score.labeled_offset_unit = optional_offset_unit(score_labeled_offset_unit);
      score.progress.mode = alsel::parse_progress_mode(score_flags.progress);
      score.arguments = arguments;
      score.shard = alsel::resolve_shard(score_shard.checked_spec(), score_shard.count, alsel::process_environment());
      alsel::run_score(score, alsel::load_torchscript_model);
    } else if (merge_command->parsed()) {
      merge.writer.offset_unit = optional_offset_unit(merge_offset_unit);
      merge.arguments = arguments;
      alsel::run_merge(merge);
    } else if (convert_command->parsed()) {
      convert.offset_unit = optional_offset_unit(convert_offset_unit);
      convert.out_offset_unit = optional_offset_unit(convert_out_offset_unit);
      convert.arguments = arguments;
      alsel::run_convert(convert);
    } else if (eval_command->parsed()) {
      eval.format = alsel::parse_labeled_format(eval_format);
      eval.offset_unit = optional_offset_unit(eval_offset_unit);
      alsel::run_eval(eval, alsel::load_torchscript_model);
    } else if (agreement_command->parsed()) {
      alsel::run_agreement(agreement);
    } else if (info_command->parsed()) {
      alsel::run_info(info, alsel::load_torchscript_model, std::cout);
    } else {
      alsel::print_strategies(std::cout);
    }
  } catch (const alsel::Error& e) {
    alsel::report_fatal_error(e.what(), e.exit_code(), false);
    return e.exit_code();
  } catch (const std::exception& e) {
    alsel::report_fatal_error(e.what(), alsel::kExitInternal, true);
    return alsel::kExitInternal;
  }
  return alsel::kExitOk;
}
