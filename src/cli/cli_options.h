// The flags several subcommands share, registered on a CLI11 subcommand: each helper binds one
// config struct of the library (commands.h), so a config's flags are spelled in one place.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "alsel/app/commands.h"
#include "subcommands.h"

namespace alsel::cli {

// -m/--model (default: $ALSEL_MODEL, else the shipped model; model_locator.h), --device,
// --precision, --threads, --vocab, --labels.
void add_model_options(CLI::App& command, ModelOptions& options);
// --batch-tokens, --probs, --window-overlap.
void add_inference_options(CLI::App& command, InferenceConfig& config);
// -p/--pool, --input-format (into `input_format`; parse_input_format), --id-field, --text-field,
// --rejects, --strict.
void add_pool_options(CLI::App& command, PoolOptions& pool, std::string& input_format);
InputFormat parse_input_format(const std::string& name);
// --cache.
void add_cache_option(CLI::App& command, std::string& cache);
// --offset-unit-like options into `value`; empty = each format's tool's unit (optional_offset_unit).
void add_offset_unit_option(CLI::App& command, const std::string& name, std::string& value, const std::string& what);
std::optional<OffsetUnit> optional_offset_unit(const std::string& value);
// --format, its choices from the writer registry.
void add_format_option(CLI::App& command, std::string& format);
// What select and merge write: --format, --offset-unit (into `offset_unit`), --ls-from-name,
// --ls-to-name, --model-version (`model_version_default` says what an empty one means).
void add_writer_options(CLI::App& command, std::string& format, WriterOptions& writer, std::string& offset_unit,
                        const std::string& model_version_default);
// --manifest and --no-manifest.
void add_manifest_options(CLI::App& command, RunOutputs& outputs);

// --shard I/N|auto and --shard-count N, resolved by resolve_shard once parsed.
struct ShardFlags {
  std::string spec;   // empty = the whole pool
  int64_t count = 0;  // 0 = not given
  CLI::Option* option = nullptr;
  // The spec to resolve; --shard given with an empty value is a usage error, not "unsharded".
  const std::string& checked_spec() const;
};
void add_shard_options(CLI::App& command, ShardFlags& flags);

// --manifest, --no-manifest, --progress (into `progress_mode`; parse_progress_mode) and
// --progress-interval.
void add_run_output_options(CLI::App& command, RunOutputs& outputs, ProgressConfig& progress,
                            std::string& progress_mode);

// The flags of a command that runs a model over a pool (ScoringConfig: select, score) that are
// strings until parsed.
struct ScoringFlags {
  std::string input_format = "jsonl";
  std::string labeled_offset_unit;
  std::string progress = "auto";
  ShardFlags shard;
};
// The model, inference, pool and cache flags of such a command.
void add_scoring_inputs(CLI::App& command, ScoringConfig& config, ScoringFlags& flags);
// --labeled-offset-unit; the outputs and progress flags; --shard.
void add_scoring_outputs(CLI::App& command, ScoringConfig& config, ScoringFlags& flags);
// Once parsed: the pool format, the labeled files' unit, the progress mode, the shard (from the
// flags or the scheduler's environment), the command line and the config file.
void resolve_scoring_flags(const ScoringFlags& flags, const RunContext& context, ScoringConfig& config);

}  // namespace alsel::cli
