#include "run_support.h"

#include <spdlog/spdlog.h>

#include "alsel/errors.h"

namespace alsel {

std::unique_ptr<NerModel> load_model_logged(const ModelOptions& options) {
  spdlog::debug("loading {}", options.to_string());
  std::unique_ptr<NerModel> model = NerModel::load(options);
  const ModelMetadata& meta = model->metadata();
  spdlog::info("model {} ({}): {} labels, max_len {}, {}, {} parameters, device {}", meta.name, options.path,
               meta.labels.size(), meta.max_len, meta.has_crf ? "CRF" : "no CRF", model->parameter_count(),
               model->device());
  if (!meta.warning.empty()) spdlog::warn("model {}: {}", meta.name, meta.warning);
  return model;
}

std::unordered_set<std::string> load_known_entities(const std::vector<std::string>& labeled, bool needed) {
  std::unordered_set<std::string> known;
  if (labeled.empty()) {
    if (needed) spdlog::info("no --labeled files: every predicted entity counts as unknown");
    return known;
  }
  known = known_entity_texts(labeled);
  spdlog::info("{} known entity texts from {} labeled file(s)", known.size(), labeled.size());
  return known;
}

RejectHandler::RejectHandler(const PoolOptions& options) : strict_(options.strict) {
  if (!options.rejects_path.empty()) file_.emplace(options.rejects_path);
}

void RejectHandler::operator()(const PoolItem& item) {
  const std::string warning = format_reject_warning(item);
  if (strict_) throw InputError(warning + " (--strict)");
  spdlog::warn("{}", warning);
  if (file_) file_->stream() << format_reject_line(item) << '\n';
}

void RejectHandler::commit() {
  if (file_) file_->commit();
}

nlohmann::ordered_json entities_json(const std::vector<EntitySpan>& entities) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const EntitySpan& entity : entities) {
    list.push_back({{"start", entity.start},
                    {"end", entity.end},
                    {"label", entity.label},
                    {"text", entity.text},
                    {"confidence", entity.confidence}});
  }
  return list;
}

void add_measures_json(const Measures& measures, nlohmann::ordered_json& out) {
  out["nlc"] = measures.nlc;
  out["trimmed"] = measures.trimmed;
  out["mnlp"] = measures.mnlp;
  out["entropy"] = measures.entropy;
  out["ltp"] = measures.ltp;
  out["unknown_entities"] = measures.unknown_entities;
}

void log_summary(const char* command, const RunSummary& summary) {
  const PipelineCounts& counts = summary.counts;
  const double rate = summary.seconds > 0 ? counts.scored / summary.seconds : 0.0;
  spdlog::info("{}: read {}, scored {}, rejected {}{} in {:.1f}s ({:.0f} sentences/s)", command, counts.read,
               counts.scored, counts.rejected,
               std::string(command) == "select" ? ", selected " + std::to_string(summary.selected) : "",
               summary.seconds, rate);
}

}  // namespace alsel
