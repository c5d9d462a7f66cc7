// Pieces shared by the subcommand implementations (private to src/).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "alsel/output/atomic_file.h"
#include "alsel/app/commands.h"
#include "alsel/util/manifest.h"
#include "alsel/selection/near_duplicate_suppressor.h"
#include "alsel/util/progress.h"
#include "alsel/output/run_files.h"
#include "alsel/scoring/score_cache.h"

namespace alsel {

// Loads the model and logs what was loaded (and the model's own warning, if any).
std::unique_ptr<NerModel> load_model_logged(const ModelFactory& load_model, const ModelOptions& options);

// The model's files as inputs of a run: --model, --vocab, --labels.
void add_model_files(RunFiles& files, const ModelOptions& options);

// Known-entity texts from labeled files; logs how many, or that every entity counts as unknown.
std::unordered_set<std::string> load_known_entities(const std::vector<std::string>& labeled,
                                                    std::optional<OffsetUnit> unit,
                                                    bool needed);

// Receives rejected lines: one-line warning, the rejects file, or (strict) an InputError.
class RejectHandler {
 public:
  explicit RejectHandler(const PoolOptions& options);
  void operator()(const PoolItem& item);
  void commit();  // writes the rejects file atomically (even when it is empty)
  AtomicOutputFile* file();  // the rejects file, nullptr without one
 private:
  bool strict_;
  std::optional<AtomicOutputFile> file_;
};

nlohmann::ordered_json entities_json(const std::vector<EntitySpan>& entities);
void add_measures_json(const Measures& measures, nlohmann::ordered_json& out);
void log_summary(const char* command, const RunSummary& summary);

// Running sums of the raw measures, for their pool means in the manifest.
struct MeasureSums {
  size_t count = 0;
  std::vector<double> sums = std::vector<double>(measure_fields().size(), 0.0);  // per measure_fields()
  void add(const Measures& measures);
  // {"nlc", "trimmed", "mnlp", "entropy", "ltp", "unknown_entities"}: means, null when empty.
  nlohmann::ordered_json means_json() const;
};

// Seconds since `start` on the steady clock.
double seconds_since(std::chrono::steady_clock::time_point start);

// Fingerprints (size, lines, SHA-256) of each file; "-" gives only the path.
std::vector<FileFingerprint> fingerprint_files(const std::vector<std::string>& paths);
// Sum of the line counts (0 when a file is stdin: the total is then unknown).
uint64_t total_lines(const std::vector<FileFingerprint>& fingerprints);
nlohmann::ordered_json fingerprints_json(const std::vector<FileFingerprint>& fingerprints);
// The manifest's entry for an output file: its fingerprint, null when the output went to stdout
// ("-") or was not asked for (empty path).
nlohmann::ordered_json output_json(const std::string& path);
// The same for an output of this run that is finished but not yet published (commit_together):
// the fingerprint of its temp file under its own path; the path alone for a device; null for
// stdout or nullptr.
nlohmann::ordered_json output_json(const AtomicOutputFile* file);

// The fields every manifest starts with: version, command, arguments, the --config file's
// fingerprint (null without one), start and finish times (finished now).
nlohmann::ordered_json manifest_start(const std::string& command,
                                      const std::vector<std::string>& arguments,
                                      const std::string& config_file,
                                      std::chrono::system_clock::time_point started);
// manifest_start, then the model and the pool and labeled files: the start of a manifest of a
// run that scores a pool (select, score).
nlohmann::ordered_json manifest_header(const std::string& command, const std::vector<std::string>& arguments,
                                       const std::string& config_file,
                                       std::chrono::system_clock::time_point started,
                                       nlohmann::ordered_json model,
                                       const std::vector<FileFingerprint>& pool,
                                       const std::vector<FileFingerprint>& labeled);

// {"path", "bytes", "sha256", "name", "labels", "max_len", "crf", "meta"} of a loaded model.
nlohmann::ordered_json model_json(const ModelOptions& options, const NerModel& model,
                                  const FileFingerprint& file);

// The progress meter of a run: -q silences it, auto picks the terminal line or log lines.
std::unique_ptr<ProgressMeter> make_progress(const ProgressConfig& config, uint64_t total_lines);

// The --cache of a run (nullptr when `path` is empty), keyed by the model file's fingerprint and
// the annotator's resolved configuration; logs how many sentences it holds for this key.
std::unique_ptr<ScoreCache> open_cache(const std::string& path, const NerModel& model,
                                       const FileFingerprint& model_file, const Annotator& annotator);
// The manifest's "cache": null without one, else {"path", "key", "rows_at_open", "hits", "misses",
// "stored"} (hits and misses of `counts`, stored over the whole run).
nlohmann::ordered_json cache_json(const ScoreCache* cache, const PipelineCounts& counts);

// The manifest's "selection" of a batch in rank order: {"cutoff_score": the last one's score,
// "top_score": the first one's}, null when the batch is empty (and a NaN cutoff, null).
nlohmann::ordered_json selection_json(const std::vector<Selected>& selected);

// The --dropped line of a sentence suppressed as a near duplicate: {"id", "reason":
// "near-duplicate", "duplicate_of", "similarity", "score", "file", "line"}.
nlohmann::ordered_json near_duplicate_json(const Suppression& suppression);

// --budget-chars: a budget that nothing fits into (the best-ranked sentence is longer) is an
// error rather than an empty batch; logs the batch's size otherwise.
void check_budget_fits(const std::vector<Selected>& selected, size_t candidates, BatchLimit limit);

// Where the manifest of an output goes: --manifest, else OUT.manifest.json; empty = none.
std::string manifest_path(const RunOutputs& outputs, const std::string& out);

}  // namespace alsel
