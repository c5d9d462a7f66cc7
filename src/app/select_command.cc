#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "alsel/atomic_file.h"
#include "alsel/commands.h"
#include "alsel/errors.h"
#include "alsel/html_report.h"
#include "alsel/json_output.h"
#include "alsel/manifest.h"
#include "alsel/near_duplicate_refill.h"
#include "alsel/near_duplicate_suppressor.h"
#include "alsel/pool_filter.h"
#include "alsel/run_files.h"
#include "alsel/score_summary.h"
#include "alsel/selector.h"
#include "alsel/utf8.h"
#include "run_support.h"
#include "shard_output.h"

namespace alsel {

void PoolOptions::validate() const {
  if (paths.empty()) throw UsageError("--pool needs at least one file (or - for stdin)");
  reader.validate();
}

void ExclusionOptions::validate() const {
  if (match != "auto") parse_exclusion_match(match);
}

void DedupeOptions::validate() const {
  if (mode != "none" && mode != "exact" && mode != "near") {
    throw UsageError("--dedupe must be none, exact or near, got '" + mode + "'");
  }
  near.validate();
  if (candidate_factor < 1) {
    throw UsageError("--candidate-factor must be >= 1, got " + std::to_string(candidate_factor));
  }
  if (max_per_entity < 0) {
    throw UsageError("--max-per-entity must be >= 0 (0 = no cap), got " + std::to_string(max_per_entity));
  }
}

void SelectConfig::validate() const {
  model.validate();
  inference.validate();
  pool.validate();
  strategy_options.validate();
  exclusion.validate();
  dedupe.validate();
  writer.validate();
  progress.validate();
  if (k < 0) throw UsageError("-k must be >= 0, got " + std::to_string(k));
  if (out.empty()) throw UsageError("--out is empty");
  check_selection_format(format);
  if (!outputs.write_manifest && !outputs.manifest.empty()) {
    throw UsageError("--manifest and --no-manifest contradict each other");
  }
  shard.validate();
  if (shard.enabled() && format != "jsonl") {
    throw UsageError("--format " + format + " with --shard: a shard writes its candidates file; "
                     "give --format to alsel merge");
  }
  if (shard.enabled() && !outputs.report.empty()) {
    throw UsageError("--report is not available with --shard (a shard sees part of the pool)");
  }
}

namespace {


// Writes the --dropped file: one JSONL line per sentence kept from the batch, with the reason.
class DroppedLog {
 public:
  explicit DroppedLog(const std::string& path) {
    if (!path.empty()) file_.emplace(path);
  }
  void filtered(const PoolItem& item, const FilterDecision& decision) {
    spdlog::debug("{}:{}: id {}: {}", item.file, item.line, item.id, describe(decision));
    if (!file_) return;
    nlohmann::ordered_json line;
    line["id"] = item.id;
    line["reason"] = verdict_name(decision.verdict);
    if (decision.verdict != FilterVerdict::kDuplicate) {
      line["matched_by"] = decision.matched == ExclusionReason::kSameId ? "id" : "text";
    }
    line["file"] = item.file;
    line["line"] = item.line;
    file_->stream() << dump_json(line) << '\n';
  }
  void suppressed(const Suppression& suppression) {
    if (suppression.reason == "entity-cap") {
      spdlog::debug("{}:{}: id {}: the batch already holds the cap of sentences owed to '{}' (first {})",
                    suppression.file, suppression.line, suppression.id, suppression.owner,
                    suppression.duplicate_of);
    } else {
      spdlog::debug("{}:{}: id {}: near duplicate of {} (similarity {:.2f})", suppression.file,
                    suppression.line, suppression.id, suppression.duplicate_of,
                    suppression.similarity);
    }
    if (file_) file_->stream() << dump_json(near_duplicate_json(suppression)) << '\n';
  }
  AtomicOutputFile* file() { return file_ ? &*file_ : nullptr; }

 private:
  std::optional<AtomicOutputFile> file_;
};

// The JSON report of `alsel agreement --json` (kappa, bound, the rule's decision), for the manifest.
nlohmann::ordered_json read_agreement_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open --agreement file '" + path + "'");
  std::ostringstream content;
  content << in.rdbuf();
  try {
    nlohmann::ordered_json report = nlohmann::ordered_json::parse(content.str());
    if (!report.is_object() || !report.contains("kappa") || !report.contains("rule")) {
      throw InputError(path + ": not the JSON report of `alsel agreement --json`");
    }
    report["file"] = fingerprint_json(fingerprint_file(path));
    return report;
  } catch (const nlohmann::json::exception& error) {
    throw InputError(path + ": invalid JSON: " + excerpt_utf8(error.what(), 300));
  }
}

bool reads_stdin(const std::vector<std::string>& paths) {
  return std::find(paths.begin(), paths.end(), "-") != paths.end();
}

std::string format_fixed(double value, int precision) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", precision, value);
  return buffer;
}

}  // namespace

RunSummary run_select(const SelectConfig& config) {
  config.validate();
  const auto started = std::chrono::steady_clock::now();
  const auto started_wall = std::chrono::system_clock::now();
  nlohmann::ordered_json timings;
  std::string summary_manifest_path;
  std::unique_ptr<Strategy> strategy = make_strategy(config.strategy, config.strategy_options);
  const bool near = config.dedupe.mode == "near";
  const BatchLimit limit = config.budget_chars > 0 ? BatchLimit::chars(config.budget_chars)
                                                  : BatchLimit(static_cast<size_t>(config.k));
  spdlog::info("strategy {} ({}), {}, dedupe {}", strategy->name(),
               config.strategy_options.to_string(), limit.to_string(),
               near ? "near (" + config.dedupe.near.to_string() + ")" : config.dedupe.mode);

  // Before any work: no output may be an input or another output, and every output's temp file
  // is created now, so that a missing or read-only directory fails in a second, not after hours.
  summary_manifest_path = manifest_path(config.outputs, config.out);
  RunFiles files;
  files.inputs("--pool", config.pool.paths);
  files.inputs("--labeled", config.labeled);
  files.input("--agreement", config.agreement);
  files.inputs("--exclude", config.exclusion.exclude);
  add_model_files(files, config.model);
  files.input("--cache", config.cache);
  files.output("--out", config.out);
  files.output("--rejects", config.pool.rejects_path);
  files.output("--dropped", config.outputs.dropped);
  files.output("--report", config.outputs.report);
  files.output("--manifest", summary_manifest_path);
  files.check();

  // The reader checks the pool files before anything else; their fingerprints (one read) give
  // the progress meter its total line count.
  PoolReader reader(config.pool.paths, config.pool.reader);
  AtomicOutputFile out(config.out);
  RejectHandler rejects(config.pool);
  DroppedLog dropped(config.outputs.dropped);
  std::optional<AtomicOutputFile> report;
  if (!config.outputs.report.empty()) report.emplace(config.outputs.report);
  std::optional<AtomicOutputFile> manifest_file;
  if (!summary_manifest_path.empty()) manifest_file.emplace(summary_manifest_path);
  auto phase = std::chrono::steady_clock::now();
  const std::vector<FileFingerprint> pool_files = fingerprint_files(config.pool.paths);
  const std::vector<FileFingerprint> labeled_files = fingerprint_files(config.labeled);
  const std::vector<FileFingerprint> exclude_files = fingerprint_files(config.exclusion.exclude);
  timings["fingerprints"] = seconds_since(phase);

  // Exclusions.
  phase = std::chrono::steady_clock::now();
  const ExclusionMatch match =
      config.exclusion.match != "auto" ? parse_exclusion_match(config.exclusion.match)
      : config.pool.reader.format == InputFormat::kText ? ExclusionMatch::kText
                                                        : ExclusionMatch::kIdOrText;
  ExclusionSet labeled_set(match), sent_set(match);
  if (config.exclusion.exclude_labeled) {
    for (const std::string& path : config.labeled) labeled_set.add_labeled_file(path, config.labeled_offset_unit);
  }
  size_t sent_entries = 0;
  for (const std::string& path : config.exclusion.exclude) {
    sent_entries +=
        sent_set.add_exclude_file(path, config.pool.reader.id_field, config.pool.reader.text_field);
  }
  if (!config.labeled.empty() || !config.exclusion.exclude.empty()) {
    spdlog::info(
        "exclusions (match {}): {} labeled ids, {} labeled texts; {} sent entries ({} ids, {} "
        "texts)",
        exclusion_match_name(match), labeled_set.id_count(), labeled_set.text_count(), sent_entries,
        sent_set.id_count(), sent_set.text_count());
  }
  timings["exclusions"] = seconds_since(phase);

  phase = std::chrono::steady_clock::now();
  std::unique_ptr<NerModel> model = load_model_logged(config.model);
  const FileFingerprint model_file = fingerprint_file(config.model.path);
  const std::unordered_set<std::string> known =
      load_known_entities(config.labeled, config.labeled_offset_unit, strategy->needs_known_entities());
  Annotator annotator(*model, config.inference, config.labeled.empty() ? nullptr : &known);
  const std::unique_ptr<ScoreCache> cache = open_cache(config.cache, *model, model_file, annotator);
  timings["model_load"] = seconds_since(phase);

  // Pass 1: read, filter, score everything, keep the best candidates.
  phase = std::chrono::steady_clock::now();
  PoolFilter filter(&labeled_set, &sent_set, config.dedupe.mode != "none");
  const size_t k = static_cast<size_t>(config.k);
  const size_t factor = static_cast<size_t>(config.dedupe.candidate_factor);
  const BatchRules rules{near, config.dedupe.near, config.dedupe.max_per_entity};
  const size_t width = rules.active() ? factor : 1;  // candidates for the rules' refill
  TopKSelector top = limit.by_chars() ? TopKSelector::within_chars(limit.budget_chars * width)
                                      : TopKSelector(k * width);
  std::vector<RankEntry> ranking;
  ScoreSummary pool_scores;
  MeasureSums measure_sums;
  std::unique_ptr<ProgressMeter> progress = make_progress(config.progress, total_lines(pool_files));
  // Progress counts pool lines finished (scored, rejected, dropped or blank), not lines read:
  // the pipeline reads a whole chunk ahead of the model.
  size_t scored = 0, rejected = 0;
  // --shard: every pool line is read and filtered (so that exact duplicates are decided in
  // pool order, as in a single run), only this shard's sentences and rejects go on.
  const bool sharded = config.shard.enabled();
  PoolPositions positions;
  size_t foreign = 0;  // lines of other shards
  if (sharded) spdlog::info("shard {} (from {})", config.shard.to_string(), config.shard.source);
  const auto lines_done = [&] {
    return scored + rejected + filter.counts().excluded() + filter.counts().duplicates +
           reader.blank_lines() + foreign;
  };
  RunSummary summary;
  summary.counts = run_pipeline(
      [&](PoolItem& item) {
        while (reader.next(item)) {
          progress->update(lines_done(), scored);
          const uint64_t position = positions.next();
          if (item.rejected) {
            if (config.shard.owns_reject(item)) return true;
            ++foreign;
            continue;
          }
          const bool owned = config.shard.owns(item.id);
          const FilterDecision decision = filter.check(item.id, item.text, owned);
          if (!owned) {
            ++foreign;
            continue;
          }
          if (decision.verdict == FilterVerdict::kKeep) {
            if (sharded) positions.remember(item.id, position);
            return true;
          }
          dropped.filtered(item, decision);
        }
        return false;
      },
      annotator, config.strategy_options.trim_threshold,
      [&](ScoredSentence&& sentence) {
        const double score = strategy->score(sentence.analysis, sentence.measures);
        pool_scores.add(score);
        measure_sums.add(sentence.measures);
        if (sharded) sentence.order = positions.take(sentence.analysis.id);  // ties: pool order
        if (rules.active() && !sharded) ranking.push_back(RankEntry{score, hash_id(sentence.analysis.id)});
        top.offer(score, std::move(sentence));
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
  const PoolFilterCounts& filtered = filter.counts();
  summary.counts.read += filtered.excluded() + filtered.duplicates;  // read, but never scored
  summary.excluded_labeled = filtered.labeled;
  summary.excluded_sent = filtered.sent;
  summary.exact_duplicates = filtered.duplicates;
  timings["scoring"] = seconds_since(phase);

  // Near duplicates: greedy in rank order over the candidates; refill passes fetch the next
  // candidates of the full ranking (recomputing only those) while the batch is short.
  phase = std::chrono::steady_clock::now();
  std::vector<Selected> selected;
  double refill_seconds = 0;
  if (!rules.active() || sharded) {
    selected = top.take();  // a shard lists its candidates; alsel merge suppresses
    // A character budget keeps the stopper too (a shard lists it: merges stay exact).
    if (limit.by_chars() && !sharded) selected.resize(chars_prefix(selected, limit.budget_chars));
  } else {
    // A refill pass reads the pool again and scores only the wanted sentences (the cache makes
    // that free when given); stdin cannot be read twice.
    RescoreFunction rescore;
    if (!reads_stdin(config.pool.paths)) {
      rescore = [&](const std::unordered_map<uint64_t, uint32_t>& wanted) {
        PoolReader again(config.pool.paths, config.pool.reader);
        std::vector<Selected> refill;
        run_pipeline(
            [&](PoolItem& item) {
              while (again.next(item)) {
                if (!item.rejected && wanted.count(hash_id(item.id)) != 0) return true;
              }
              return false;
            },
            annotator, config.strategy_options.trim_threshold,
            [&](ScoredSentence&& sentence) {
              const auto found = wanted.find(hash_id(sentence.analysis.id));
              if (found == wanted.end()) return;
              sentence.order = found->second;  // pass 1's order and score, so that ranks agree
              refill.push_back(Selected{ranking[found->second].score, std::move(sentence), std::string()});
            },
            [](const PoolItem&) {}, cache.get());
        return refill;
      };
    }
    NearDuplicateBatch batch = select_without_near_duplicates(top.take(), ranking, limit, factor, rules, rescore);
    for (const Suppression& suppression : batch.suppressed) {
      dropped.suppressed(suppression);
      ++(suppression.reason == "entity-cap" ? summary.entity_capped : summary.near_duplicates);
    }
    summary.refill_passes = batch.refill_passes;
    refill_seconds = batch.refill_seconds;
    selected = std::move(batch.selected);
  }
  if (limit.by_chars() && !sharded) check_budget_fits(selected, summary.counts.scored, limit);
  timings["deduplication"] = seconds_since(phase) - refill_seconds;
  timings["refill"] = refill_seconds;

  // Outputs.
  phase = std::chrono::steady_clock::now();
  WriterOptions writer_options = config.writer;
  writer_options.strategy = strategy->name();
  if (writer_options.model_version.empty()) {
    writer_options.model_version = model->metadata().name + "@" + model_file.sha256.substr(0, 12);
  }
  int rank = 0;
  if (sharded) {
    const ModelMetadata& meta = model->metadata();
    const ShardRunFacts facts{strategy->name(), writer_options.model_version, meta.name,
                              model_file.sha256, meta.labels, pool_files, labeled_files,
                              exclude_files, exclusion_match_name(match)};
    write_shard_candidates(out.stream(), config, facts, summary, selected);
  } else {
    std::unique_ptr<SelectionWriter> writer =
        make_selection_writer(config.format, writer_options, out.stream());
    for (const Selected& item : selected) writer->write(item, ++rank);
    writer->finish();
  }
  summary.selected = selected.size();

  const double cutoff =
      selected.empty() ? std::numeric_limits<double>::quiet_NaN() : selected.back().score;
  if (report) {
    ReportInput input;
    input.title =
        "alsel select: " + std::to_string(selected.size()) + " sentences by " + strategy->name();
    input.facts = {
        {"generated", utc_timestamp(started_wall)},
        {"model", writer_options.model_version + " (" + config.model.path + ")"},
        {"pool", std::to_string(config.pool.paths.size()) + " file(s): " +
                     config.pool.paths.front() + (config.pool.paths.size() > 1 ? ", ..." : "")},
        {"strategy", strategy->name() + " (" + strategy->definition() + ")"},
        {"counts", "read " + std::to_string(summary.counts.read) + ", scored " +
                       std::to_string(summary.counts.scored) + ", rejected " +
                       std::to_string(summary.counts.rejected) + ", excluded " +
                       std::to_string(filtered.excluded()) + ", duplicates " +
                       std::to_string(summary.exact_duplicates) + " exact + " +
                       std::to_string(summary.near_duplicates) + " near, " +
                       std::to_string(summary.entity_capped) + " over --max-per-entity, selected " +
                       std::to_string(selected.size())},
        {"pool scores", "min " + format_fixed(pool_scores.min(), 4) + ", mean " +
                            format_fixed(pool_scores.mean(), 4) + ", median " +
                            format_fixed(pool_scores.quantile(0.5), 4) + ", p90 " +
                            format_fixed(pool_scores.quantile(0.9), 4) + ", max " +
                            format_fixed(pool_scores.max(), 4)},
    };
    input.histogram = pool_scores.histogram(40);
    input.cutoff = cutoff;
    rank = 0;
    for (const Selected& item : selected)
      input.sentences.push_back(make_report_sentence(item, ++rank));
    report->stream() << render_html_report(input);
  }
  // Every output is finished (written, fsynced) before any is renamed: a failure up to the
  // last rename leaves all previous outputs as they were.
  const std::vector<AtomicOutputFile*> outputs = {&out, rejects.file(), dropped.file(),
                                                  report ? &*report : nullptr};
  finish_all(outputs);
  timings["writing"] = seconds_since(phase);
  summary.seconds = seconds_since(started);
  timings["total"] = summary.seconds;

  summary.manifest = summary_manifest_path;
  if (manifest_file) {
    nlohmann::ordered_json manifest =
        manifest_header("select", config.arguments, config.config_file, started_wall,
                        model_json(config.model, *model, model_file), pool_files, labeled_files);
    manifest["exclude"] = fingerprints_json(exclude_files);
    manifest["seed"] = config.strategy_options.seed;
    nlohmann::ordered_json settings;
    settings["strategy"] = strategy->name();
    settings["strategy_options"] = config.strategy_options.to_string();
    // A character budget replaces k.
    settings["k"] = limit.by_chars() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(config.k);
    if (limit.by_chars()) settings["budget_chars"] = limit.budget_chars;
    settings["dedupe"] = config.dedupe.mode;
    if (near) {
      settings["near_threshold"] = config.dedupe.near.threshold;
      settings["ngram"] = config.dedupe.near.ngram;
      settings["minhash_hashes"] = config.dedupe.near.num_hashes;
    }
    if (rules.active()) settings["candidate_factor"] = config.dedupe.candidate_factor;
    settings["max_per_entity"] = config.dedupe.max_per_entity;
    settings["exclusion_match"] = exclusion_match_name(match);
    settings["format"] = config.format;
    settings["offset_unit"] = offset_unit_name(writer_offset_unit(config.format, config.writer));
    settings["labeled_offset_unit"] = config.labeled_offset_unit
                                          ? offset_unit_name(*config.labeled_offset_unit)
                                          : "tool";  // each file in its tool's unit
    settings["inference"] = config.inference.to_string();
    if (sharded) {
      settings["shard"] = {{"index", config.shard.index},
                           {"count", config.shard.count},
                           {"source", config.shard.source}};
    }
    manifest["settings"] = settings;
    nlohmann::ordered_json counts;
    counts["read"] = summary.counts.read;
    counts["scored"] = summary.counts.scored;
    counts["rejected"] = summary.counts.rejected;
    counts["excluded"] = filtered.excluded();
    counts["excluded_labeled"] = filtered.labeled;
    counts["excluded_sent"] = filtered.sent;
    counts["deduplicated"] = summary.exact_duplicates + summary.near_duplicates;
    counts["exact_duplicates"] = summary.exact_duplicates;
    counts["near_duplicates"] = summary.near_duplicates;
    counts["entity_capped"] = summary.entity_capped;
    counts["selected"] = summary.selected;
    counts["selected_chars"] = total_chars(selected);
    counts["refill_passes"] = summary.refill_passes;
    counts["windows"] = summary.counts.windows;
    counts["batches"] = summary.counts.batches;
    manifest["counts"] = counts;
    manifest["cache"] = cache_json(cache.get(), summary.counts);
    manifest["timings_seconds"] = timings;
    nlohmann::ordered_json distribution = pool_scores.to_json();
    distribution["strategy"] = strategy->name();
    manifest["score_distribution"] = distribution;
    manifest["measure_means"] = measure_sums.means_json();
    manifest["selection"] = selection_json(selected);
    if (!config.agreement.empty()) manifest["stopping_rule"] = read_agreement_report(config.agreement);
    manifest["outputs"] = {{"out", output_json(&out)},
                           {"rejects", output_json(rejects.file())},
                           {"dropped", output_json(dropped.file())},
                           {"report", output_json(report ? &*report : nullptr)}};
    manifest_file->stream() << dump_json(manifest, 2) << "\n";
  }
  std::vector<AtomicOutputFile*> all = outputs;
  all.push_back(manifest_file ? &*manifest_file : nullptr);
  commit_together(all);
  log_summary("select", summary);
  return summary;
}

}  // namespace alsel
