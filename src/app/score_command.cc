#include <chrono>

#include <spdlog/spdlog.h>

#include "alsel/atomic_file.h"
#include "alsel/commands.h"
#include "alsel/errors.h"
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
}

RunSummary run_score(const ScoreConfig& config) {
  config.validate();
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<NerModel> model = load_model_logged(config.model);
  const std::unordered_set<std::string> known = load_known_entities(config.labeled, true);
  Annotator annotator(*model, config.inference, config.labeled.empty() ? nullptr : &known);

  PoolReader reader(config.pool.paths, config.pool.reader);
  RejectHandler rejects(config.pool);
  AtomicOutputFile out(config.out);
  RunSummary summary;
  summary.counts = run_pipeline(
      [&](PoolItem& item) { return reader.next(item); }, annotator, config.trim_threshold,
      [&](ScoredSentence&& sentence) {
        nlohmann::ordered_json line;
        line["id"] = sentence.analysis.id;
        add_measures_json(sentence.measures, line);
        line["num_words"] = sentence.analysis.num_words;
        line["entities"] = entities_json(sentence.analysis.entities);
        out.stream() << line.dump() << '\n';
      },
      [&](const PoolItem& item) { rejects(item); });
  rejects.commit();
  out.commit();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log_summary("score", summary);
  return summary;
}

}  // namespace alsel
