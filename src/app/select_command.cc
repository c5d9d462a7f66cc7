#include <chrono>

#include <spdlog/spdlog.h>

#include "alsel/atomic_file.h"
#include "alsel/commands.h"
#include "alsel/errors.h"
#include "alsel/selector.h"
#include "run_support.h"

namespace alsel {

void PoolOptions::validate() const {
  if (paths.empty()) throw UsageError("--pool needs at least one file (or - for stdin)");
  reader.validate();
}

void SelectConfig::validate() const {
  model.validate();
  inference.validate();
  pool.validate();
  strategy_options.validate();
  if (k < 0) throw UsageError("-k must be >= 0, got " + std::to_string(k));
  if (out.empty()) throw UsageError("--out is empty");
}

RunSummary run_select(const SelectConfig& config) {
  config.validate();
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<Strategy> strategy = make_strategy(config.strategy, config.strategy_options);
  spdlog::info("strategy {} ({}), k={}", strategy->name(), config.strategy_options.to_string(), config.k);
  std::unique_ptr<NerModel> model = load_model_logged(config.model);
  const std::unordered_set<std::string> known =
      load_known_entities(config.labeled, strategy->name() == "ltp-unk");
  Annotator annotator(*model, config.inference, config.labeled.empty() ? nullptr : &known);

  PoolReader reader(config.pool.paths, config.pool.reader);
  RejectHandler rejects(config.pool);
  TopKSelector top(static_cast<size_t>(config.k));
  RunSummary summary;
  summary.counts = run_pipeline(
      [&](PoolItem& item) { return reader.next(item); }, annotator,
      config.strategy_options.trim_threshold,
      [&](ScoredSentence&& sentence) {
        top.offer(strategy->score(sentence.analysis, sentence.measures), std::move(sentence));
      },
      [&](const PoolItem& item) { rejects(item); });

  std::vector<Selected> selected = top.take();
  AtomicOutputFile out(config.out);
  int rank = 0;
  for (const Selected& item : selected) {
    const ScoredSentence& sentence = item.sentence;
    nlohmann::ordered_json line;
    line["id"] = sentence.analysis.id;
    line["text"] = sentence.text;
    line["rank"] = ++rank;
    line["score"] = item.score;
    line["strategy"] = strategy->name();
    add_measures_json(sentence.measures, line);
    line["entities"] = entities_json(sentence.analysis.entities);
    out.stream() << line.dump() << '\n';
  }
  rejects.commit();
  out.commit();
  summary.selected = selected.size();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log_summary("select", summary);
  return summary;
}

}  // namespace alsel
