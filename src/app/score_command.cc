#include <spdlog/spdlog.h>

#include <chrono>
#include <iterator>

#include "alsel/output/atomic_file.h"
#include "alsel/app/commands.h"
#include "alsel/util/errors.h"
#include "alsel/util/json_output.h"
#include "alsel/scoring/score_summary.h"
#include "run_support.h"
#include "scoring_run.h"

namespace alsel {

void ScoreConfig::validate() const {
  ScoringConfig::validate();
  StrategyOptions options;
  options.trim_threshold = trim_threshold;
  options.validate();
}

namespace {

// Distributions of the raw measures (not the counts) over the pool, for the manifest.
class MeasureDistributions {
 public:
  MeasureDistributions() {
    for (const MeasureField& field : measure_fields()) {
      if (!field.count) fields_.push_back(&field);
    }
    summaries_.resize(fields_.size());
  }
  void add(const Measures& measures) {
    for (size_t i = 0; i < fields_.size(); ++i) summaries_[i].add(fields_[i]->get(measures));
  }
  nlohmann::ordered_json to_json() const {
    nlohmann::ordered_json out;
    for (size_t i = 0; i < fields_.size(); ++i) out[fields_[i]->name] = summaries_[i].to_json();
    return out;
  }

 private:
  std::vector<const MeasureField*> fields_;
  std::vector<ScoreSummary> summaries_;
};

// One JSONL line of `alsel score`: id, raw measures, words, the decoded tags (what `alsel
// agreement` compares between models) and the entities.
nlohmann::ordered_json score_line(const ScoredSentence& sentence, const std::vector<std::string>& labels) {
  nlohmann::ordered_json line;
  line["id"] = sentence.analysis.id;
  add_measures_json(sentence.measures, line);
  line["num_words"] = sentence.analysis.num_words;
  nlohmann::ordered_json tags = nlohmann::ordered_json::array();
  for (int label : sentence.analysis.best_path) tags.push_back(labels.at(label));
  line["tags"] = std::move(tags);
  line["entities"] = entities_json(sentence.analysis.entities);
  return line;
}

}  // namespace

RunSummary run_score(const ScoreConfig& config, const ModelFactory& load_model) {
  config.validate();
  spdlog::debug("score settings: {}", config.to_string());
  ScoringRun run("score", config);
  run.open({});
  run.load_model(load_model, /*known_entities=*/true);
  const std::vector<std::string>& labels = run.model().metadata().labels;
  MeasureDistributions distributions;
  RunSummary summary;
  summary.counts = run.score_pool(
      config.trim_threshold, [](const PoolItem&, bool, uint64_t) { return true; },
      [&](ScoredSentence&& sentence) {
        run.out().stream() << dump_json(score_line(sentence, labels)) << '\n';
        distributions.add(sentence.measures);
      });
  run.finish({});
  run.lap("writing");
  summary.seconds = run.seconds();
  run.timings()["total"] = summary.seconds;
  summary.manifest = run.manifest_path();

  nlohmann::ordered_json manifest;
  if (run.manifest_path().empty()) {
    run.commit({}, manifest);
    log_summary("score", summary);
    return summary;
  }
  manifest = run.manifest_header();
  nlohmann::ordered_json settings;
  settings["trim_threshold"] = config.trim_threshold;
  run.add_settings(settings);
  manifest["settings"] = settings;
  manifest["counts"] = {{"read", summary.counts.read},
                        {"scored", summary.counts.scored},
                        {"rejected", summary.counts.rejected},
                        {"windows", summary.counts.windows},
                        {"batches", summary.counts.batches}};
  manifest["cache"] = cache_json(run.cache(), summary.counts);
  manifest["timings_seconds"] = run.timings();
  manifest["measure_distributions"] = distributions.to_json();
  manifest["outputs"] = {{"out", output_json(&run.out())}, {"rejects", output_json(run.rejects().file())}};
  run.commit({}, manifest);
  log_summary("score", summary);
  return summary;
}

}  // namespace alsel
