#include "scoring_run.h"

#include <spdlog/spdlog.h>

#include "alsel/util/errors.h"
#include "alsel/util/json_output.h"
#include "alsel/util/settings.h"

namespace alsel {

void ScoringConfig::validate() const {
  model.validate();
  inference.validate();
  pool.validate();
  if (out.empty()) throw UsageError(show_setting("out") + " is empty");
  progress.validate();
  outputs.validate();
  shard.validate();
}

ScoringRun::ScoringRun(std::string command, const ScoringConfig& config)
    : command_(std::move(command)), config_(config) {}

void ScoringRun::open(const OwnFiles& own) {
  manifest_path_ = alsel::manifest_path(config_.outputs, config_.out);
  RunFiles files;
  files.inputs(show_setting("pool"), config_.pool.paths);
  files.inputs(show_setting("labeled"), config_.labeled);
  for (const auto& [setting, paths] : own.inputs) files.inputs(setting, paths);
  add_model_files(files, config_.model);
  files.input(show_setting("cache"), config_.cache);
  files.output(show_setting("out"), config_.out);
  files.output(show_setting("rejects"), config_.pool.rejects_path);
  for (const auto& [setting, paths] : own.outputs) {
    for (const std::string& path : paths) files.output(setting, path);
  }
  files.output(show_setting("manifest"), manifest_path_);
  files.check();
  reader_.emplace(config_.pool.paths, config_.pool.reader);  // checks the pool files first
  out_.emplace(config_.out);
  rejects_.emplace(config_.pool);
  if (!manifest_path_.empty()) manifest_file_.emplace(manifest_path_);
  lap_ = std::chrono::steady_clock::now();
  pool_files_ = fingerprint_files(config_.pool.paths);
  labeled_files_ = fingerprint_files(config_.labeled);
  lap("fingerprints");
}

void ScoringRun::load_model(const ModelFactory& load_model, bool known_entities) {
  lap_ = std::chrono::steady_clock::now();
  model_ = load_model_logged(load_model, config_.model);
  model_file_ = fingerprint_file(config_.model.path);
  known_ = load_known_entities(config_.labeled, config_.labeled_offset_unit, known_entities);
  annotator_.emplace(*model_, config_.inference, config_.labeled.empty() ? nullptr : &known_);
  cache_ = open_cache(config_.cache, *model_, model_file_, *annotator_);
  lap("model_load");
}

PipelineCounts ScoringRun::score_pool(double trim_threshold, const Admit& admit, const ScoredSink& on_scored) {
  lap_ = std::chrono::steady_clock::now();
  std::unique_ptr<ProgressMeter> progress = make_progress(config_.progress, total_lines(pool_files_));
  const ShardSpec& shard = config_.shard;
  if (shard.enabled()) spdlog::info("shard {} (from {})", shard.to_string(), shard.source);
  // Progress counts pool lines finished (scored, rejected, dropped, other shards' or blank),
  // not lines read: the pipeline reads a whole chunk ahead of the model.
  size_t scored = 0, rejected = 0, dropped = 0;
  uint64_t position = 0;
  const auto lines_done = [&] { return scored + rejected + dropped + foreign_ + reader_->blank_lines(); };
  PoolReader& reader = *reader_;
  const PipelineCounts counts = run_pipeline(
      [&](PoolItem& item) {
        while (reader.next(item)) {
          progress->update(lines_done(), scored);
          const uint64_t here = position++;
          if (item.rejected) {
            if (shard.owns_reject(item)) return true;
            ++foreign_;
            continue;
          }
          // Every line is offered, other shards' too (exact duplicates are decided in pool
          // order, as in a single run); only this shard's go on.
          const bool owned = shard.owns(item.id);
          const bool admitted = admit(item, owned, here);
          if (!owned) {
            ++foreign_;
            continue;
          }
          if (admitted) return true;
          ++dropped;
        }
        return false;
      },
      *annotator_, trim_threshold,
      [&](ScoredSentence&& sentence) {
        on_scored(std::move(sentence));
        ++scored;
        progress->update(lines_done(), scored);
      },
      [&](const PoolItem& item) {
        progress->clear_line();  // the warning gets a line of its own
        (*rejects_)(item);
        ++rejected;
        progress->update(lines_done(), scored);
      },
      cache_.get());
  progress->finish();
  lap("scoring");
  return counts;
}

void ScoringRun::lap(const std::string& name) {
  timings_[name] = seconds_since(lap_);
  lap_ = std::chrono::steady_clock::now();
}

nlohmann::ordered_json ScoringRun::manifest_header() const {
  return alsel::manifest_header(command_, config_.arguments, config_.config_file, started_wall_,
                                model_json(config_.model, *model_, model_file_), pool_files_,
                                labeled_files_);
}

void ScoringRun::add_settings(nlohmann::ordered_json& settings) const {
  settings["labeled_offset_unit"] = config_.labeled_offset_unit
                                        ? offset_unit_name(*config_.labeled_offset_unit)
                                        : "tool";  // each file in its tool's unit
  settings["inference"] = config_.inference.to_string();
  if (config_.shard.enabled()) {
    settings["shard"] = {{"index", config_.shard.index},
                         {"count", config_.shard.count},
                         {"source", config_.shard.source}};
  }
}

void ScoringRun::finish(const std::vector<AtomicOutputFile*>& extra) {
  std::vector<AtomicOutputFile*> files = {&*out_, rejects_->file()};
  files.insert(files.end(), extra.begin(), extra.end());
  finish_all(files);  // nothing is renamed before the manifest is finished too
}

void ScoringRun::commit(const std::vector<AtomicOutputFile*>& extra, const nlohmann::ordered_json& manifest) {
  if (manifest_file_) manifest_file_->stream() << dump_json(manifest, 2) << "\n";
  std::vector<AtomicOutputFile*> files = {&*out_, rejects_->file()};
  files.insert(files.end(), extra.begin(), extra.end());
  files.push_back(manifest_file_ ? &*manifest_file_ : nullptr);
  commit_together(files);
}

}  // namespace alsel
