#include <chrono>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "alsel/output/atomic_file.h"
#include "alsel/app/commands.h"
#include "alsel/scoring/entity_metrics.h"
#include "alsel/util/errors.h"
#include "alsel/output/run_files.h"
#include "alsel/util/json_output.h"
#include "run_support.h"
#include "alsel/util/settings.h"

namespace alsel {

void EvalConfig::validate() const {
  model.validate();
  inference.validate();
  if (data.empty()) throw UsageError(show_setting("data") + " needs at least one BIO/CoNLL or doccano JSONL file");
  if (out.empty()) throw UsageError(show_setting("out") + " is empty");
}

double run_eval(const EvalConfig& config, const ModelFactory& load_model) {
  config.validate();
  const auto started = std::chrono::steady_clock::now();
  RunFiles files;
  files.inputs(show_setting("data"), config.data);
  add_model_files(files, config.model);
  files.output(show_setting("out"), config.out);
  files.check();
  AtomicOutputFile out(config.out);  // before the model: a bad --out fails now, not after the data
  std::unique_ptr<NerModel> model = load_model_logged(load_model, config.model);
  Annotator annotator(*model, config.inference, nullptr);

  // Gold spans wait here, keyed by sentence id, until their sentence comes back scored; at most
  // one chunk of sentences is pending at a time.
  std::unordered_map<std::string, std::vector<GoldSpan>> pending;
  EntityMetrics metrics;
  size_t file_index = 0;
  std::unique_ptr<LabeledReader> reader;
  LabeledSentence sentence;
  auto source = [&](PoolItem& item) {
    while (true) {
      if (!reader) {
        if (file_index == config.data.size()) return false;
        reader = std::make_unique<LabeledReader>(config.data[file_index++], config.format,
                                                 config.offset_unit);
      }
      if (reader->next(sentence)) break;
      reader.reset();
    }
    item = PoolItem();
    item.id = sentence.id;
    item.text = sentence.text;
    item.file = sentence.file;
    item.line = sentence.line;
    if (!pending.emplace(sentence.id, std::move(sentence.spans)).second) {
      throw InputError(sentence.file + ":" + std::to_string(sentence.line) + ": duplicate sentence id '" +
                       sentence.id + "'");
    }
    return true;
  };
  auto take_gold = [&](const std::string& id) {
    auto found = pending.find(id);
    std::vector<GoldSpan> gold = std::move(found->second);
    pending.erase(found);
    return gold;
  };
  PipelineCounts counts = run_pipeline(
      source, annotator, kDefaultTrimThreshold,
      [&](ScoredSentence&& scored) {
        std::vector<GoldSpan> predicted;
        for (const EntitySpan& entity : scored.analysis.entities) {
          predicted.push_back(GoldSpan{entity.start, entity.end, entity.label});
        }
        metrics.add(take_gold(scored.analysis.id), predicted);
      },
      [&](const PoolItem& item) {
        // A sentence without tokens has no predictions; its gold entities (if any) are missed.
        spdlog::debug("{}", format_reject_warning(item));
        metrics.add(take_gold(item.id), {});
      });

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (config.json) {
    nlohmann::json result = metrics.to_json();
    result["model"] = model->metadata().name;
    result["data"] = config.data;
    result["seconds"] = seconds;
    out.stream() << dump_json(result, 1) << '\n';
  } else {
    out.stream() << metrics.to_table();
  }
  out.commit();
  spdlog::info("eval: {} sentences ({} windows) in {:.1f}s", counts.read, counts.windows, seconds);
  return 100.0 * metrics.overall().f1();
}

}  // namespace alsel
