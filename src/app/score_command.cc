#include <spdlog/spdlog.h>

#include <chrono>
#include <iterator>

#include "alsel/atomic_file.h"
#include "alsel/commands.h"
#include "alsel/errors.h"
#include "alsel/json_output.h"
#include "alsel/score_summary.h"
#include "run_support.h"

namespace alsel {

void ScoreConfig::validate() const {
  model.validate();
  inference.validate();
  pool.validate();
  StrategyOptions options;
  options.trim_threshold = trim_threshold;
  options.validate();
  if (out.empty()) throw UsageError("--out is empty");
  progress.validate();
  if (!outputs.write_manifest && !outputs.manifest.empty()) {
    throw UsageError("--manifest and --no-manifest contradict each other");
  }
  shard.validate();
}

RunSummary run_score(const ScoreConfig& config) {
  config.validate();
  const auto started = std::chrono::steady_clock::now();
  const auto started_wall = std::chrono::system_clock::now();
  nlohmann::ordered_json timings;
  // Before any work: outputs that are inputs or each other, and their directories (select).
  const std::string manifest_target = manifest_path(config.outputs, config.out);
  RunFiles files;
  files.inputs("--pool", config.pool.paths);
  files.inputs("--labeled", config.labeled);
  add_model_files(files, config.model);
  files.input("--cache", config.cache);
  files.output("--out", config.out);
  files.output("--rejects", config.pool.rejects_path);
  files.output("--manifest", manifest_target);
  files.check();
  PoolReader reader(config.pool.paths, config.pool.reader);  // checks the pool files first
  AtomicOutputFile out(config.out);
  RejectHandler rejects(config.pool);
  std::optional<AtomicOutputFile> manifest_file;
  if (!manifest_target.empty()) manifest_file.emplace(manifest_target);
  auto phase = std::chrono::steady_clock::now();
  const std::vector<FileFingerprint> pool_files = fingerprint_files(config.pool.paths);
  const std::vector<FileFingerprint> labeled_files = fingerprint_files(config.labeled);
  timings["fingerprints"] = seconds_since(phase);

  phase = std::chrono::steady_clock::now();
  std::unique_ptr<NerModel> model = load_model_logged(config.model);
  const FileFingerprint model_file = fingerprint_file(config.model.path);
  const std::vector<std::string>& labels = model->metadata().labels;
  const std::unordered_set<std::string> known = load_known_entities(config.labeled, config.labeled_offset_unit, true);
  Annotator annotator(*model, config.inference, config.labeled.empty() ? nullptr : &known);
  const std::unique_ptr<ScoreCache> cache = open_cache(config.cache, *model, model_file, annotator);
  timings["model_load"] = seconds_since(phase);

  phase = std::chrono::steady_clock::now();
  std::unique_ptr<ProgressMeter> progress = make_progress(config.progress, total_lines(pool_files));
  // Distribution of each raw measure over the pool.
  std::vector<const MeasureField*> real_measures;  // every measure but the counts
  for (const MeasureField& field : measure_fields()) {
    if (!field.count) real_measures.push_back(&field);
  }
  std::vector<ScoreSummary> distributions(real_measures.size());
  // Progress counts pool lines finished (scored, rejected or blank), not lines read ahead.
  size_t scored = 0, rejected = 0;
  size_t foreign = 0;  // --shard: lines of other shards (alsel/shard.h)
  if (config.shard.enabled()) {
    spdlog::info("shard {} (from {})", config.shard.to_string(), config.shard.source);
  }
  const auto lines_done = [&] { return scored + rejected + reader.blank_lines() + foreign; };
  RunSummary summary;
  summary.counts = run_pipeline(
      [&](PoolItem& item) {
        while (reader.next(item)) {
          progress->update(lines_done(), scored);
          if (item.rejected ? config.shard.owns_reject(item) : config.shard.owns(item.id)) {
            return true;
          }
          ++foreign;
        }
        return false;
      },
      annotator, config.trim_threshold,
      [&](ScoredSentence&& sentence) {
        nlohmann::ordered_json line;
        line["id"] = sentence.analysis.id;
        add_measures_json(sentence.measures, line);
        line["num_words"] = sentence.analysis.num_words;
        // The decoded label of every word: what `alsel agreement` compares between models.
        nlohmann::ordered_json tags = nlohmann::ordered_json::array();
        for (int label : sentence.analysis.best_path) tags.push_back(labels.at(label));
        line["tags"] = std::move(tags);
        line["entities"] = entities_json(sentence.analysis.entities);
        out.stream() << dump_json(line) << '\n';
        for (size_t i = 0; i < distributions.size(); ++i)
          distributions[i].add(real_measures[i]->get(sentence.measures));
        ++scored;
        progress->update(lines_done(), scored);
      },
      [&](const PoolItem& item) {
        progress->clear_line();  // the warning gets a line of its own
        rejects(item);
        ++rejected;
        progress->update(lines_done(), scored);
      },
      cache.get());
  progress->finish();
  timings["scoring"] = seconds_since(phase);
  phase = std::chrono::steady_clock::now();
  const std::vector<AtomicOutputFile*> outputs = {&out, rejects.file()};
  finish_all(outputs);  // nothing is renamed before the manifest is finished too
  timings["writing"] = seconds_since(phase);
  summary.seconds = seconds_since(started);
  timings["total"] = summary.seconds;

  summary.manifest = manifest_target;
  if (manifest_file) {
    nlohmann::ordered_json manifest =
        manifest_header("score", config.arguments, config.config_file, started_wall,
                        model_json(config.model, *model, model_file), pool_files, labeled_files);
    nlohmann::ordered_json settings;
    settings["trim_threshold"] = config.trim_threshold;
    settings["labeled_offset_unit"] = config.labeled_offset_unit
                                          ? offset_unit_name(*config.labeled_offset_unit)
                                          : "tool";  // each file in its tool's unit
    settings["inference"] = config.inference.to_string();
    if (config.shard.enabled()) {
      settings["shard"] = {{"index", config.shard.index},
                           {"count", config.shard.count},
                           {"source", config.shard.source}};
    }
    manifest["settings"] = settings;
    manifest["counts"] = {{"read", summary.counts.read},
                          {"scored", summary.counts.scored},
                          {"rejected", summary.counts.rejected},
                          {"windows", summary.counts.windows},
                          {"batches", summary.counts.batches}};
    manifest["cache"] = cache_json(cache.get(), summary.counts);
    manifest["timings_seconds"] = timings;
    nlohmann::ordered_json measures;
    for (size_t i = 0; i < distributions.size(); ++i)
      measures[real_measures[i]->name] = distributions[i].to_json();
    manifest["measure_distributions"] = measures;
    manifest["outputs"] = {{"out", output_json(&out)}, {"rejects", output_json(rejects.file())}};
    manifest_file->stream() << dump_json(manifest, 2) << "\n";
  }
  commit_together({&out, rejects.file(), manifest_file ? &*manifest_file : nullptr});
  log_summary("score", summary);
  return summary;
}

}  // namespace alsel
