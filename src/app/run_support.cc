#include "run_support.h"

#include <thread>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cmath>
#include <iostream>

#include "alsel/util/errors.h"
#include "alsel/util/logging.h"
#include "alsel/output/selection_writer.h"
#include "alsel/util/settings.h"

namespace alsel {

std::unique_ptr<NerModel> load_model_logged(const ModelFactory& load_model, const ModelOptions& options) {
  spdlog::debug("loading {}", options.to_string());
  std::unique_ptr<NerModel> model = load_model(options);
  const ModelMetadata& meta = model->metadata();
  spdlog::info("model {} ({}): {} labels, max_len {}, {}, {} parameters, device {}, precision {}{}", meta.name,
               options.path, meta.labels.size(), meta.max_len, meta.has_crf ? "CRF" : "no CRF",
               model->parameter_count(), model->device(), model->precision(),
               options.precision == model->precision() ? "" : " (" + show_setting("precision") + " " + options.precision + ")");
  if (!meta.warning.empty()) spdlog::warn("model {}: {}", meta.name, meta.warning);
  const unsigned cores = std::thread::hardware_concurrency();
  if (cores > 0 && options.threads > static_cast<int>(cores)) {
    spdlog::warn("{} {} is more than the {} cores of this machine: the threads of a forward "
                 "pass then wait for each other (measured up to 80x slower); use at most {}",
                 show_setting("threads"), options.threads, cores, cores);
  }
  return model;
}

void add_model_files(RunFiles& files, const ModelOptions& options) {
  files.input(show_setting("model"), options.path);
  files.input(show_setting("vocab"), options.vocab_path);
  files.input(show_setting("labels"), options.labels_path);
}

std::unordered_set<std::string> load_known_entities(const std::vector<std::string>& labeled,
                                                    std::optional<OffsetUnit> unit, bool needed) {
  std::unordered_set<std::string> known;
  if (labeled.empty()) {
    if (needed) spdlog::info("no {} files: every predicted entity counts as unknown", show_setting("labeled"));
    return known;
  }
  known = known_entity_texts(labeled, LabeledFormat::kAuto, unit);
  spdlog::info("{} known entity texts from {} labeled file(s)", known.size(), labeled.size());
  return known;
}

RejectHandler::RejectHandler(const PoolOptions& options) : strict_(options.strict) {
  if (!options.rejects_path.empty()) file_.emplace(options.rejects_path);
}

void RejectHandler::operator()(const PoolItem& item) {
  const std::string warning = format_reject_warning(item);
  if (strict_) throw InputError(warning + " (" + show_setting("strict") + ")");
  nlohmann::ordered_json fields;
  fields["file"] = item.file;
  fields["line"] = item.line;
  fields["id"] = item.id.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(item.id);
  fields["reason"] = item.reason;
  log_message(LogLevel::kWarning, warning, fields);
  if (file_) file_->stream() << format_reject_line(item) << '\n';
}

void RejectHandler::commit() {
  if (file_) file_->commit();
}

AtomicOutputFile* RejectHandler::file() { return file_ ? &*file_ : nullptr; }

nlohmann::ordered_json entities_json(const std::vector<EntitySpan>& entities) {
  return entities_to_json(entities, nullptr);
}

void add_measures_json(const Measures& measures, nlohmann::ordered_json& out) {
  add_measures_to_json(measures, out);
}

void log_summary(const char* command, const RunSummary& summary) {
  const PipelineCounts& counts = summary.counts;
  const double rate = summary.seconds > 0 ? counts.scored / summary.seconds : 0.0;
  std::string extra;
  if (std::string(command) == "select") {
    extra = ", excluded " + std::to_string(summary.excluded_labeled + summary.excluded_sent) + " (labeled " +
            std::to_string(summary.excluded_labeled) + ", sent " + std::to_string(summary.excluded_sent) +
            "), duplicates " + std::to_string(summary.exact_duplicates + summary.near_duplicates) + " (exact " +
            std::to_string(summary.exact_duplicates) + ", near " + std::to_string(summary.near_duplicates) +
            "), selected " + std::to_string(summary.selected);
  }
  if (counts.cache_hits + counts.cache_misses > 0) {
    extra += ", cache hits " + std::to_string(counts.cache_hits) + ", misses " + std::to_string(counts.cache_misses);
  }
  nlohmann::ordered_json fields;
  fields["command"] = command;
  nlohmann::ordered_json& numbers = fields["counts"];
  numbers["read"] = counts.read;
  numbers["scored"] = counts.scored;
  numbers["rejected"] = counts.rejected;
  if (std::string(command) == "select") {
    numbers["excluded_labeled"] = summary.excluded_labeled;
    numbers["excluded_sent"] = summary.excluded_sent;
    numbers["exact_duplicates"] = summary.exact_duplicates;
    numbers["near_duplicates"] = summary.near_duplicates;
    numbers["selected"] = summary.selected;
  }
  if (counts.cache_hits + counts.cache_misses > 0) {
    numbers["cache_hits"] = counts.cache_hits;
    numbers["cache_misses"] = counts.cache_misses;
  }
  fields["seconds"] = summary.seconds;
  fields["sentences_per_second"] = rate;
  log_message(LogLevel::kInfo,
              fmt::format("{}: read {}, scored {}, rejected {}{} in {:.1f}s ({:.0f} sentences/s)", command,
                          counts.read, counts.scored, counts.rejected, extra, summary.seconds, rate),
              fields);
}

void MeasureSums::add(const Measures& measures) {
  ++count;
  const std::vector<MeasureField>& fields = measure_fields();
  for (size_t i = 0; i < fields.size(); ++i) sums[i] += fields[i].get(measures);
}

nlohmann::ordered_json MeasureSums::means_json() const {
  nlohmann::ordered_json means;
  const std::vector<MeasureField>& fields = measure_fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    means[fields[i].name] = count == 0 ? nlohmann::ordered_json(nullptr)
                                       : nlohmann::ordered_json(sums[i] / static_cast<double>(count));
  }
  return means;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<FileFingerprint> fingerprint_files(const std::vector<std::string>& paths) {
  std::vector<FileFingerprint> fingerprints;
  for (const std::string& path : paths) fingerprints.push_back(fingerprint_file(path));
  return fingerprints;
}

uint64_t total_lines(const std::vector<FileFingerprint>& fingerprints) {
  uint64_t total = 0;
  for (const FileFingerprint& fingerprint : fingerprints) {
    if (fingerprint.sha256.empty()) return 0;  // stdin: unknown
    total += fingerprint.lines;
  }
  return total;
}

nlohmann::ordered_json fingerprints_json(const std::vector<FileFingerprint>& fingerprints) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const FileFingerprint& fingerprint : fingerprints) list.push_back(fingerprint_json(fingerprint));
  return list;
}

nlohmann::ordered_json output_json(const std::string& path) {
  if (path.empty() || path == "-") return nullptr;
  return fingerprint_json(fingerprint_file(path));
}

nlohmann::ordered_json output_json(const AtomicOutputFile* file) {
  if (file == nullptr || file->target().kind == OutputKind::kStdout) return nullptr;
  FileFingerprint fingerprint;
  if (file->target().kind == OutputKind::kAtomic) {
    if (!file->finished()) throw InternalError("output_json: '" + file->path() + "' is not finished");
    fingerprint = fingerprint_file(file->temp_path());
  }
  fingerprint.path = file->path();  // devices and descriptors: the path alone
  return fingerprint_json(fingerprint);
}

nlohmann::ordered_json model_json(const ModelOptions& options, const NerModel& model,
                                  const FileFingerprint& file) {
  const ModelMetadata& meta = model.metadata();
  nlohmann::ordered_json out;
  out["path"] = options.path;
  out["bytes"] = file.bytes;
  out["sha256"] = file.sha256;
  out["name"] = meta.name;
  out["labels"] = meta.labels;
  out["max_len"] = meta.max_len;
  out["crf"] = meta.has_crf;
  out["parameters"] = model.parameter_count();
  out["device"] = model.device();
  out["precision_requested"] = options.precision;
  out["precision"] = model.precision();
  out["meta"] = meta.meta;
  return out;
}

std::unique_ptr<ProgressMeter> make_progress(const ProgressConfig& config, uint64_t total_lines) {
  ProgressConfig resolved = config;
  resolved.mode = spdlog::default_logger()->level() > spdlog::level::info
                      ? ProgressMode::kNone
                      : ProgressMeter::resolve(config.mode, isatty(STDERR_FILENO) == 1);
  // JSON logs are read by programs: a line redrawn in place would break them, so the
  // terminal bar becomes log lines there.
  if (log_format() == LogFormat::kJson && resolved.mode == ProgressMode::kBar) resolved.mode = ProgressMode::kLog;
  return std::make_unique<ProgressMeter>(
      resolved, total_lines, std::cerr, [](const std::string& line, const ProgressReport& report) {
        nlohmann::ordered_json fields;
        fields["progress"] = {{"lines_done", report.lines_done},
                              {"total_lines", report.total_lines == 0 ? nlohmann::ordered_json(nullptr)
                                                                      : nlohmann::ordered_json(report.total_lines)},
                              {"scored", report.scored},
                              {"elapsed_seconds", report.elapsed_seconds}};
        log_message(LogLevel::kInfo, line, fields);
      });
}

std::unique_ptr<ScoreCache> open_cache(const std::string& path, const NerModel& model,
                                       const FileFingerprint& model_file, const Annotator& annotator) {
  if (path.empty()) return nullptr;
  const CacheKey key = make_cache_key(model, model_file.sha256, annotator.config());
  auto cache = std::make_unique<ScoreCache>(path, key);
  spdlog::info("cache {}: {} sentences stored for this model and settings (key {})", path, cache->rows_at_open(),
               cache->key_digest().substr(0, 12));
  spdlog::debug("cache key:\n{}", key.to_string());
  return cache;
}

nlohmann::ordered_json cache_json(const ScoreCache* cache, const PipelineCounts& counts) {
  if (cache == nullptr) return nullptr;
  nlohmann::ordered_json out;
  out["path"] = cache->path();
  out["key"] = cache->key_digest();
  out["rows_at_open"] = cache->rows_at_open();
  out["hits"] = counts.cache_hits;
  out["misses"] = counts.cache_misses;
  out["stored"] = cache->rows_stored();
  return out;
}

nlohmann::ordered_json selection_json(const std::vector<Selected>& selected) {
  nlohmann::ordered_json selection;
  selection["cutoff_score"] = selected.empty() || std::isnan(selected.back().score)
                                  ? nlohmann::ordered_json(nullptr)
                                  : nlohmann::ordered_json(selected.back().score);
  selection["top_score"] = selected.empty() ? nlohmann::ordered_json(nullptr)
                                            : nlohmann::ordered_json(selected.front().score);
  return selection;
}

void check_budget_fits(const std::vector<Selected>& selected, size_t candidates, BatchLimit limit) {
  if (!limit.by_chars()) return;
  if (selected.empty() && candidates > 0) {
    throw InputError(show_setting("budget-chars") + " " + std::to_string(limit.budget_chars) +
                     ": the best-ranked sentence is longer than the budget, so nothing fits (the "
                     "batch stops at the first sentence that would overflow it); raise the budget");
  }
  spdlog::info("batch: {} sentences, {} of {} characters", selected.size(), total_chars(selected),
               limit.budget_chars);
}

nlohmann::ordered_json near_duplicate_json(const Suppression& suppression) {
  nlohmann::ordered_json line;
  line["id"] = suppression.id;
  line["reason"] = suppression.reason;  // near-duplicate or entity-cap
  line["duplicate_of"] = suppression.duplicate_of;
  if (suppression.reason == "entity-cap") {
    line["entity"] = suppression.owner;  // the cap's key: the entity the batch already holds
  } else {
    line["similarity"] = suppression.similarity;
  }
  line["score"] = suppression.score;
  line["file"] = suppression.file;
  line["line"] = suppression.line;
  return line;
}

std::string manifest_path(const RunOutputs& outputs, const std::string& out) {
  if (!outputs.write_manifest) return {};
  return outputs.manifest.empty() ? default_manifest_path(out) : outputs.manifest;
}

nlohmann::ordered_json manifest_start(const std::string& command,
                                      const std::vector<std::string>& arguments,
                                      const std::string& config_file,
                                      std::chrono::system_clock::time_point started) {
  nlohmann::ordered_json manifest;
  manifest["alsel_version"] = ALSEL_VERSION;
  manifest["command"] = command;
  manifest["arguments"] = arguments;
  manifest["config_file"] =
      config_file.empty() ? nlohmann::ordered_json(nullptr) : fingerprint_json(fingerprint_file(config_file));
  manifest["started_at"] = utc_timestamp(started);
  manifest["finished_at"] = utc_timestamp(std::chrono::system_clock::now());
  return manifest;
}

nlohmann::ordered_json manifest_header(const std::string& command, const std::vector<std::string>& arguments,
                                       const std::string& config_file,
                                       std::chrono::system_clock::time_point started,
                                       nlohmann::ordered_json model,
                                       const std::vector<FileFingerprint>& pool,
                                       const std::vector<FileFingerprint>& labeled) {
  nlohmann::ordered_json manifest = manifest_start(command, arguments, config_file, started);
  manifest["model"] = std::move(model);
  manifest["pool"] = fingerprints_json(pool);
  manifest["labeled"] = fingerprints_json(labeled);
  return manifest;
}

}  // namespace alsel
