// The setup and the pass over the pool that every command running a model shares (select,
// score): the files check, the pool reader and its rejects, the outputs, the fingerprints, the
// model (from the caller's ModelFactory), the known entities, the annotator, the cache, the
// progress meter, the shard's line ownership, the manifest's shared parts, and the commit.
//
//   ScoringRun run("score", config);
//   run.open({});                                 // checks files, opens pool and outputs
//   run.load_model(load_model, /*known_entities=*/true);
//   RunSummary summary;
//   summary.counts = run.score_pool(trim, admit_all, [&](ScoredSentence&& s) { ... });
//   nlohmann::ordered_json manifest = run.manifest_header();
//   ...
//   run.commit({}, manifest);                     // outputs and manifest renamed together
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "alsel/output/atomic_file.h"
#include "alsel/app/commands.h"
#include "alsel/util/manifest.h"
#include "alsel/scoring/pipeline.h"
#include "alsel/data/pool_reader.h"
#include "alsel/util/progress.h"
#include "alsel/output/run_files.h"
#include "alsel/scoring/score_cache.h"
#include "run_support.h"

namespace alsel {

class ScoringRun {
 public:
  // `command` names the run in the manifest and the logs.
  ScoringRun(std::string command, const ScoringConfig& config);

  // The command's own files, by setting (a flag such as "--exclude") and paths.
  struct OwnFiles {
    std::vector<std::pair<std::string, std::vector<std::string>>> inputs, outputs;
  };
  // Checks every file against each other (RunFiles: inputs pool, labeled, the command's, model,
  // cache; outputs out, rejects, the command's, manifest), opens the pool (its files checked
  // first), the output, the rejects and the manifest (every temp file created now, so that a
  // missing directory fails in a second, not after hours), and fingerprints the pool and
  // labeled files (timed as "fingerprints"). The command opens its own outputs after this.
  void open(const OwnFiles& own);
  // The model from `load_model`, its file's fingerprint, the known entities of the labeled
  // files (read when `known_entities` or when there are labeled files), the annotator and the
  // cache. Timed as "model_load".
  void load_model(const ModelFactory& load_model, bool known_entities);

  // Decides, for every line the reader accepts (in pool order, other shards' lines included,
  // `owned` false for those), whether it is scored; `position` is the line's 0-based index among
  // the non-blank lines of the pool. Returning false for an owned line drops it (the command
  // logs why); the answer for a line of another shard is ignored.
  using Admit = std::function<bool(const PoolItem& item, bool owned, uint64_t position)>;
  // One pass over the pool: every owned line ends up in `on_scored` or in the rejects. Timed as
  // "scoring".
  PipelineCounts score_pool(double trim_threshold, const Admit& admit, const ScoredSink& on_scored);

  // Records the seconds since the previous lap (or open()) under `name` in timings().
  void lap(const std::string& name);
  nlohmann::ordered_json& timings() { return timings_; }

  // The manifest's start: command, arguments, config file, start time, model, pool and labeled
  // files (manifest_header in run_support.h).
  nlohmann::ordered_json manifest_header() const;
  // Settings every scoring run records: the labeled files' offset unit, inference, the shard.
  void add_settings(nlohmann::ordered_json& settings) const;
  // Finishes (writes and syncs, renames nothing) the output, the rejects and `extra`.
  void finish(const std::vector<AtomicOutputFile*>& extra);
  // Writes `manifest` (when there is one) and renames every output and the manifest together.
  void commit(const std::vector<AtomicOutputFile*>& extra, const nlohmann::ordered_json& manifest);

  const ScoringConfig& config() const { return config_; }
  AtomicOutputFile& out() { return *out_; }
  RejectHandler& rejects() { return *rejects_; }
  NerModel& model() { return *model_; }
  const FileFingerprint& model_file() const { return model_file_; }
  Annotator& annotator() { return *annotator_; }
  ScoreCache* cache() const { return cache_.get(); }
  const std::unordered_set<std::string>& known_entities() const { return known_; }
  const std::vector<FileFingerprint>& pool_files() const { return pool_files_; }
  const std::vector<FileFingerprint>& labeled_files() const { return labeled_files_; }
  const std::string& manifest_path() const { return manifest_path_; }
  std::chrono::system_clock::time_point started_wall() const { return started_wall_; }
  double seconds() const { return seconds_since(started_); }
  // Lines of other shards seen by score_pool.
  size_t foreign_lines() const { return foreign_; }

 private:
  std::string command_;
  const ScoringConfig& config_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::system_clock::time_point started_wall_ = std::chrono::system_clock::now();
  std::chrono::steady_clock::time_point lap_ = started_;
  nlohmann::ordered_json timings_;
  std::string manifest_path_;
  std::optional<PoolReader> reader_;
  std::optional<AtomicOutputFile> out_;
  std::optional<RejectHandler> rejects_;
  std::optional<AtomicOutputFile> manifest_file_;
  std::vector<FileFingerprint> pool_files_, labeled_files_;
  std::unique_ptr<NerModel> model_;
  FileFingerprint model_file_;
  std::unordered_set<std::string> known_;
  std::optional<Annotator> annotator_;
  std::unique_ptr<ScoreCache> cache_;
  size_t foreign_ = 0;
};

}  // namespace alsel
