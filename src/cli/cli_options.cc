#include "cli_options.h"

#include <cstdlib>

#include "alsel/util/errors.h"
#include "alsel/model/model_locator.h"
#include "alsel/model/precision.h"
#include "alsel/output/selection_writer.h"
#include "alsel/distributed/shard.h"
#include "alsel/text/tool_offsets.h"

namespace alsel::cli {

// Without --model: ALSEL_MODEL, else the shipped model beside the binary (model_locator.h).
void add_model_options(CLI::App& command, ModelOptions& options) {
  const ModelLocation location =
      locate_default_model(current_executable(), std::getenv("ALSEL_MODEL"));
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
      ->check(CLI::IsMember(precision_names()))
      ->capture_default_str();
  command.add_option("--threads", options.threads, "threads of one forward pass (0 = 1: alsel runs one pass per core at once instead)")
      ->capture_default_str();
  command.add_option("--vocab", options.vocab_path, "vocabulary file for models without alsel/vocab.txt");
  command.add_option("--labels", options.labels_path, "label names, one per line, for models without meta");
}

namespace {

// "doccano utf16, label-studio codepoint, ...": each format's default unit, for --help.
std::string tool_units_help() {
  std::string help;
  for (const ToolOffsetUnit& tool : tool_offset_units()) {
    help += (help.empty() ? "" : ", ") + std::string(tool.format) + " " + offset_unit_name(tool.unit);
  }
  return help;
}

}  // namespace

// --offset-unit-like options: empty = each format's tool's unit.
void add_offset_unit_option(CLI::App& command, const std::string& name, std::string& value,
                            const std::string& what) {
  command.add_option(name, value,
                     what + ": codepoint, utf16 or grapheme (default: the tool's own unit: " +
                         tool_units_help() + ")")
      ->check(CLI::IsMember({"codepoint", "utf16", "grapheme"}));
}

std::optional<OffsetUnit> optional_offset_unit(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return parse_offset_unit(value);
}

void add_format_option(CLI::App& command, std::string& format) {
  std::string names;
  for (const std::string& name : selection_format_names()) names += (names.empty() ? "" : ", ") + name;
  command.add_option("--format", format, "output format: " + names)
      ->check(CLI::IsMember(selection_format_names()))
      ->capture_default_str();
}

void add_inference_options(CLI::App& command, InferenceConfig& config) {
  command.add_option("--batch-tokens", config.batch_tokens, "padded wordpieces per forward batch")
      ->capture_default_str();
  command.add_option("--probs", config.probabilities, "marginal (CRF forward-backward) or softmax")
      ->check(CLI::IsMember({"marginal", "softmax"}))
      ->capture_default_str();
  command.add_option("--window-overlap", config.window_overlap,
                     "wordpieces shared by windows of long sentences (0 = max_len/4)");
}

void add_pool_options(CLI::App& command, PoolOptions& pool, std::string& input_format) {
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

const std::string& ShardFlags::checked_spec() const {
  if (option != nullptr && option->count() > 0 && spec.empty()) {
    throw UsageError("--shard is empty: give I/N (e.g. 0/4) or auto, or leave --shard out");
  }
  return spec;
}

void add_shard_options(CLI::App& command, ShardFlags& flags) {
  flags.option = command.add_option("--shard", flags.spec,
                     "I/N: only shard I of N (stable hash of the id; docs/distributed.md), or auto: "
                     "from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX + --shard-count) or a "
                     "Slurm array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT)");
  command.add_option("--shard-count", flags.count,
                     "--shard auto: the number of shards (required on Kubernetes: the Job's completions)");
}

InputFormat parse_input_format(const std::string& name) {
  return name == "text" ? InputFormat::kText : InputFormat::kJsonl;
}

void add_manifest_options(CLI::App& command, RunOutputs& outputs) {
  command.add_option("--manifest", outputs.manifest,
                     "run manifest path (default: OUT.manifest.json; none when OUT is stdout)");
  command.add_flag("--no-manifest", [&outputs](int64_t) { outputs.write_manifest = false; },
                   "write no run manifest");
}

void add_writer_options(CLI::App& command, std::string& format, WriterOptions& writer, std::string& offset_unit,
                        const std::string& model_version_default) {
  add_format_option(command, format);
  add_offset_unit_option(command, "--offset-unit", offset_unit, "unit of the entity offsets");
  command.add_option("--ls-from-name", writer.from_name,
                     "label-studio: name of the <Labels> control of the labeling config")
      ->capture_default_str();
  command.add_option("--ls-to-name", writer.to_name, "label-studio: name of the <Text> object the labels apply to")
      ->capture_default_str();
  command.add_option("--model-version", writer.model_version,
                     "label-studio: predictions' model_version (default: " + model_version_default + ")");
}

void add_run_output_options(CLI::App& command, RunOutputs& outputs, ProgressConfig& progress,
                            std::string& progress_mode) {
  add_manifest_options(command, outputs);
  command.add_option("--progress", progress_mode,
                     "auto (a live line on a terminal, else log lines), bar, log or none")
      ->check(CLI::IsMember({"auto", "bar", "log", "none"}))
      ->capture_default_str();
  command.add_option("--progress-interval", progress.log_interval_seconds,
                     "seconds between progress log lines when stderr is not a terminal")
      ->capture_default_str();
}

void add_scoring_inputs(CLI::App& command, ScoringConfig& config, ScoringFlags& flags) {
  add_model_options(command, config.model);
  add_inference_options(command, config.inference);
  add_pool_options(command, config.pool, flags.input_format);
  add_cache_option(command, config.cache);
}

void add_scoring_outputs(CLI::App& command, ScoringConfig& config, ScoringFlags& flags) {
  add_run_output_options(command, config.outputs, config.progress, flags.progress);
  add_shard_options(command, flags.shard);
}

void resolve_scoring_flags(const ScoringFlags& flags, const RunContext& context, ScoringConfig& config) {
  config.pool.reader.format = parse_input_format(flags.input_format);
  config.labeled_offset_unit = optional_offset_unit(flags.labeled_offset_unit);
  config.progress.mode = parse_progress_mode(flags.progress);
  config.arguments = context.arguments;
  config.config_file = context.config_file;
  config.shard = resolve_shard(flags.shard.checked_spec(), flags.shard.count, process_environment());
}

}  // namespace alsel::cli
