// One library function per subcommand; the CLI (src/cli/) only fills these config structs, and
// each config declares its own settings (register_settings, settings.h), which the CLI binds to
// flags:
//
//   alsel::SelectConfig config;
//   config.model.path = "models/msra-bert3-crf.pt";
//   config.pool.paths = {"pool.jsonl"};
//   config.strategy = "ltp";
//   config.k = 500;
//   config.out = "batch.jsonl";
//   alsel::RunSummary summary = alsel::run_select(config, alsel::load_torchscript_model);
#pragma once

#include <ostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alsel/selection/agreement.h"
#include "alsel/data/labeled_data.h"
#include "alsel/selection/near_duplicates.h"
#include "alsel/model/ner_model.h"
#include "alsel/scoring/pipeline.h"
#include "alsel/data/pool_reader.h"
#include "alsel/util/progress.h"
#include "alsel/output/selection_writer.h"
#include "alsel/distributed/shard.h"
#include "alsel/scoring/strategy.h"
#include "alsel/text/text_offsets.h"
#include "alsel/selection/exclusion_set.h"
#include "alsel/util/settings.h"

namespace alsel {

struct PoolOptions {
  std::vector<std::string> paths;  // pool files in order; "-" = stdin
  PoolReaderConfig reader;         // format and field names
  std::string rejects_path;        // JSONL file receiving every rejected line; empty = none
  bool strict = false;             // stop at the first rejected line: exit code 3, no output
  void validate() const;
  // --pool/-p, the reader's settings, --rejects, --strict.
  void register_settings(SettingsRegistry& settings);
};

// Sentences that never reach the model: already labeled, already sent, exact duplicates.
struct ExclusionOptions {
  std::vector<std::string> exclude;  // files of items already sent: ids, JSONL, JSON task lists
  std::optional<ExclusionMatch> match;  // both | id | text; unset = auto (text for the text
                                        // input format, whose ids are line numbers, else both)
  bool exclude_labeled = true;       // also exclude every sentence of the labeled files
  void validate() const;
  // --keep-labeled, --exclude, --exclude-match (--labeled is the scoring config's).
  void register_settings(SettingsRegistry& settings);
};

enum class DedupeMode {
  kNone,   // every sentence is a candidate
  kExact,  // the first of sentences with the same normalized text
  kNear,   // exact, then MinHash near duplicates among the selection candidates
};
const EnumNames<DedupeMode>& dedupe_mode_names();  // none, exact, near
const char* dedupe_mode_name(DedupeMode mode);

struct DedupeOptions {
  DedupeMode mode = DedupeMode::kNear;
  NearDuplicateConfig near;    // threshold, n-gram size, signature length
  int candidate_factor = 4;    // near or a cap: candidates kept while scoring = k x factor (>= 1);
                               // more are fetched in a refill pass when too many are suppressed
  int max_per_entity = 0;      // sentences of a batch owed to one entity (entity_cap.h);
                               // 0 = no cap
  void validate() const;
  // --dedupe, the near-duplicate settings, --candidate-factor, --max-per-entity.
  void register_settings(SettingsRegistry& settings);
};

// What a run writes besides the batch.
struct RunOutputs {
  std::string manifest;        // run manifest; empty = OUT.manifest.json (none for stdout)
  bool write_manifest = true;  // false: --no-manifest
  std::string report;          // self-contained HTML report; empty = none
  std::string dropped;         // JSONL of every excluded / duplicate / suppressed sentence
  // --manifest and --no-manifest (report and dropped: each command's own help).
  void register_manifest_settings(SettingsRegistry& settings);
  void validate() const;  // throws UsageError when manifest and no-manifest are both given
};

// What every command that runs a model over a pool shares (select, score): the model, the pool
// and its rejects, the labeled files, the outputs, progress, cache and shard (ScoringRun).
struct ScoringConfig {
  ModelOptions model;
  InferenceConfig inference;
  PoolOptions pool;
  std::string out = "-";                 // the command's output; "-" = stdout
  std::vector<std::string> labeled;      // BIO, doccano, Prodigy or Label Studio files: known
                                         // entities (unknown_entities, ltp-unk); select also
                                         // excludes their sentences
  std::optional<OffsetUnit> labeled_offset_unit;  // their offsets' unit; unset = each tool's
  RunOutputs outputs;
  ProgressConfig progress;
  std::vector<std::string> arguments;    // the command line, recorded in the manifest
  std::string config_file;               // --config FILE, recorded with its SHA-256 in the
                                         // manifest; empty = none
  std::string cache;                     // --cache: SQLite file of scored sentences
                                         // (score_cache.h); empty = none
  ShardSpec shard;                       // only this shard's sentences (and rejects); count 0
                                         // = the whole pool (shard.h)
  ShardRequest shard_request;            // the shard as given; resolve_shard_request() fills
                                         // `shard` from it and the environment
  // Checks the shared settings; throws UsageError naming the first bad one.
  void validate() const;
  // Settings in the order --help lists them: the model, inference, pool and cache settings; the
  // labeled files (`labeled_help`) and their unit; the manifest, progress and shard settings.
  void register_inputs(SettingsRegistry& settings);
  void register_labeled(SettingsRegistry& settings, const std::string& labeled_help);
  void register_outputs(SettingsRegistry& settings);
  // `shard` from `shard_request` (a Kubernetes or Slurm environment for --shard auto).
  void resolve_shard_request(const EnvironmentLookup& environment);
};

struct SelectConfig : ScoringConfig {
  std::string strategy = "ltp";          // registered strategy name (`alsel strategies`)
  StrategyOptions strategy_options;
  int k = 100;                           // sentences to select (fewer if the pool is smaller)
  uint64_t budget_chars = 0;             // > 0: select the longest prefix of the ranking whose
                                         // characters fit in this many, instead of k sentences
                                         // (selector.h's prefix rule)
  ExclusionOptions exclusion;
  DedupeOptions dedupe;
  std::string format = "jsonl";          // jsonl | doccano | label-studio | prodigy
  WriterOptions writer;                  // offsets unit, Label Studio names, model_version
                                         // (empty = MODEL_NAME@SHA256[:12]); strategy is set
  std::string agreement;                 // --agreement: `alsel agreement --json` report of the
                                         // night's stop set, copied into the manifest
  // With --shard, out is the shard's candidates file for `alsel merge` (shard_candidates.h).
  void validate() const;
  void register_settings(SettingsRegistry& settings);
  std::string to_string() const;  // every setting, "name=value ...", for the log
};

struct ScoreConfig : ScoringConfig {
  double trim_threshold = kDefaultTrimThreshold;  // for the `trimmed` measure
  // out: JSONL in pool order; outputs.report and outputs.dropped are unused.
  void validate() const;
  void register_settings(SettingsRegistry& settings);
  std::string to_string() const;
};

// `alsel merge`: the candidates files of the N shards of `alsel select --shard I/N` into the
// batch one `alsel select` over the whole pool writes (shard_merge.h), in any output format.
struct MergeConfig {
  std::vector<std::string> inputs;  // one candidates file per shard index, any order
  int k = -1;                       // sentences to select; -1 = the shards' -k
  uint64_t budget_chars = 0;        // > 0: a character budget instead; 0 = the shards' limit
  std::string out = "-";            // the batch, best first; "-" = stdout
  std::string format = "jsonl";     // jsonl | doccano | label-studio | prodigy
  WriterOptions writer;             // offsets unit, Label Studio names, model_version (empty =
                                    // the shards' MODEL@SHA256[:12]); strategy is set
  RunOutputs outputs;               // manifest; dropped = near-duplicate suppressions (JSONL);
                                    // report unused
  std::vector<std::string> arguments;  // the command line, recorded in the manifest
  std::string config_file;             // --config FILE (manifest); empty = none
  void validate() const;
  void register_settings(SettingsRegistry& settings);
};

enum class ConvertTarget { kDoccano, kBio };
const EnumNames<ConvertTarget>& convert_target_names();  // doccano, bio
enum class BioTokens {
  kAuto,        // char unless the text has spaces
  kChar,        // one token per character
  kWhitespace,  // tokens between spaces
};
const EnumNames<BioTokens>& bio_tokens_names();  // auto, char, whitespace

// `alsel convert`: labeled data between BIO/CoNLL, doccano JSONL and Label Studio exports.
struct ConvertConfig {
  std::vector<std::string> inputs;   // files, read in order
  LabeledFormat from = LabeledFormat::kAuto;
  ConvertTarget to = ConvertTarget::kDoccano;
  std::string out = "-";
  std::optional<OffsetUnit> offset_unit;      // unit of the inputs' offsets; unset = each
                                              // format's tool's unit (tool_offsets.h)
  std::optional<OffsetUnit> out_offset_unit;  // unit of doccano output offsets; unset = UTF-16,
                                              // doccano's, which --labeled and eval read too
  RunOutputs outputs;                // manifest (report and dropped unused)
  std::vector<std::string> arguments;  // the command line, for the manifest
  std::string config_file;             // --config FILE (manifest); empty = none
  BioTokens bio_tokens = BioTokens::kAuto;  // to bio; tokens are always split at entity edges
  void validate() const;
  void register_settings(SettingsRegistry& settings);
};

struct EvalConfig {
  ModelOptions model;
  InferenceConfig inference;
  std::vector<std::string> data;               // gold files: BIO/CoNLL, doccano, Prodigy, Label
                                               // Studio (labeled_data.h)
  LabeledFormat format = LabeledFormat::kAuto;
  std::optional<OffsetUnit> offset_unit;       // of the data's offsets; unset = each tool's
  bool json = false;                           // print a JSON object instead of the table
  std::string out = "-";
  void validate() const;
  void register_settings(SettingsRegistry& settings);
};

// `alsel agreement`: the stabilizing-predictions stopping rule on two `alsel score` outputs of
// one stop set (agreement.h). With a history file, the comparison is appended to it and the rule
// is checked over the history.
struct AgreementConfig {
  std::string before;   // the earlier model's scores of the stop set
  std::string after;    // the later model's
  std::string history;  // JSONL of earlier comparisons, appended to (empty = none)
  StoppingRule rule;    // window and kappa threshold
  bool json = false;    // a JSON object instead of text
  std::string out = "-";
  void validate() const;
  void register_settings(SettingsRegistry& settings);
};

struct InfoConfig {
  ModelOptions model;
  bool json = false;
  void register_settings(SettingsRegistry& settings);
};

struct RunSummary {
  PipelineCounts counts;          // counts.read covers every non-blank pool line, dropped included
  size_t excluded_labeled = 0;    // dropped: already labeled
  size_t excluded_sent = 0;       // dropped: already sent for annotation (--exclude)
  size_t exact_duplicates = 0;    // dropped: same normalized text as an earlier sentence
  size_t near_duplicates = 0;     // selection candidates suppressed as near duplicates
  size_t entity_capped = 0;       // selection candidates suppressed by --max-per-entity
  size_t refill_passes = 0;       // extra passes fetching candidates after suppressions
  size_t selected = 0;
  double seconds = 0;
  std::string manifest;           // path of the manifest written, empty if none
};

struct ConvertSummary {
  size_t sentences = 0;
  size_t entities = 0;
  size_t skipped = 0;  // Label Studio tasks without a usable annotation
};

// The commands that run a model get it from `load_model` (ner_model.h): the CLI passes
// load_torchscript_model, tests a FakeModel.
RunSummary run_select(const SelectConfig& config, const ModelFactory& load_model);
RunSummary run_score(const ScoreConfig& config, const ModelFactory& load_model);
// Throws InputError (exit 3) naming the file for inconsistent or incomplete shard sets and when
// the candidates cannot give the exact batch (shard_merge.h).
RunSummary run_merge(const MergeConfig& config);
// Returns the overall entity F1 in percent.
double run_eval(const EvalConfig& config, const ModelFactory& load_model);
void run_info(const InfoConfig& config, const ModelFactory& load_model, std::ostream& out);
// Returns the comparison and the rule's decision (over the history, this comparison included).
std::pair<Agreement, StopDecision> run_agreement(const AgreementConfig& config);
ConvertSummary run_convert(const ConvertConfig& config);
void print_strategies(std::ostream& out);

}  // namespace alsel
