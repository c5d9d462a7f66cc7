#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "alsel/output/atomic_file.h"
#include "alsel/app/commands.h"
#include "alsel/util/errors.h"
#include "alsel/output/html_report.h"
#include "alsel/util/json_output.h"
#include "alsel/util/manifest.h"
#include "alsel/selection/near_duplicate_refill.h"
#include "alsel/selection/near_duplicate_suppressor.h"
#include "alsel/selection/pool_filter.h"
#include "alsel/output/run_files.h"
#include "alsel/scoring/score_summary.h"
#include "alsel/selection/selector.h"
#include "alsel/util/utf8.h"
#include "run_support.h"
#include "scoring_run.h"
#include "shard_output.h"
#include "alsel/util/settings.h"

namespace alsel {

void PoolOptions::validate() const {
  if (paths.empty()) throw UsageError(show_setting("pool") + " needs at least one file (or - for stdin)");
  reader.validate();
}

void ExclusionOptions::validate() const {}

void DedupeOptions::validate() const {
  near.validate();
  if (candidate_factor < 1) {
    throw UsageError(show_setting("candidate-factor") + " must be >= 1, got " + std::to_string(candidate_factor));
  }
  if (max_per_entity < 0) {
    throw UsageError(show_setting("max-per-entity") + " must be >= 0 (0 = no cap), got " + std::to_string(max_per_entity));
  }
}

void SelectConfig::validate() const {
  ScoringConfig::validate();
  strategy_options.validate();
  exclusion.validate();
  dedupe.validate();
  writer.validate();
  if (k < 0) throw UsageError(show_setting("k") + " must be >= 0, got " + std::to_string(k));
  check_selection_format(format);
  if (shard.enabled() && format != "jsonl") {
    throw UsageError(show_setting("format") + " " + format + " with " + show_setting("shard") +
                     ": a shard writes its candidates file; give " + show_setting("format") + " to alsel merge");
  }
  if (shard.enabled() && !outputs.report.empty()) {
    throw UsageError(show_setting("report") + " is not available with " + show_setting("shard") + " (a shard sees part of the pool)");
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
  if (!in) throw InputError("cannot open " + show_setting("agreement") + " file '" + path + "'");
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

// The sentences that never reach the model: the --labeled files' and the --exclude files'.
struct Exclusions {
  ExclusionMatch match;
  ExclusionSet labeled, sent;
  std::vector<FileFingerprint> exclude_files;
};

Exclusions load_exclusions(const SelectConfig& config) {
  const ExclusionMatch match =
      config.exclusion.match ? *config.exclusion.match
      : config.pool.reader.format == InputFormat::kText ? ExclusionMatch::kText
                                                        : ExclusionMatch::kIdOrText;
  Exclusions exclusions{match, ExclusionSet(match), ExclusionSet(match),
                        fingerprint_files(config.exclusion.exclude)};
  if (config.exclusion.exclude_labeled) {
    for (const std::string& path : config.labeled) exclusions.labeled.add_labeled_file(path, config.labeled_offset_unit);
  }
  size_t sent_entries = 0;
  for (const std::string& path : config.exclusion.exclude) {
    sent_entries += exclusions.sent.add_exclude_file(path, config.pool.reader.id_field, config.pool.reader.text_field);
  }
  if (!config.labeled.empty() || !config.exclusion.exclude.empty()) {
    spdlog::info("exclusions (match {}): {} labeled ids, {} labeled texts; {} sent entries ({} ids, {} texts)",
                 exclusion_match_name(match), exclusions.labeled.id_count(), exclusions.labeled.text_count(),
                 sent_entries, exclusions.sent.id_count(), exclusions.sent.text_count());
  }
  return exclusions;
}

// The first pass's results: the best candidates, the whole ranking when batch rules need it,
// and the pool's score distribution.
struct FirstPass {
  TopKSelector top;
  std::vector<RankEntry> ranking;
  ScoreSummary pool_scores;
  MeasureSums measure_sums;
};

// Reads, filters and scores the whole pool, keeping the best candidates.
FirstPass score_candidates(ScoringRun& run, const SelectConfig& config, const Strategy& strategy,
                           const BatchLimit& limit, const BatchRules& rules, PoolFilter& filter,
                           DroppedLog& dropped, RunSummary& summary) {
  const size_t width = rules.active() ? static_cast<size_t>(config.dedupe.candidate_factor) : 1;
  FirstPass pass{limit.by_chars() ? TopKSelector::within_chars(limit.budget_chars * width)
                                  : TopKSelector(limit.k * width),
                 {}, ScoreSummary(), MeasureSums()};
  const bool sharded = config.shard.enabled();
  PoolPositions positions;  // --shard: ties are broken in pool order, as in a single run
  summary.counts = run.score_pool(
      config.strategy_options.trim_threshold,
      [&](const PoolItem& item, bool owned, uint64_t position) {
        const FilterDecision decision = filter.check(item.id, item.text, owned);
        if (!owned) return false;
        if (decision.verdict == FilterVerdict::kKeep) {
          if (sharded) positions.remember(item.id, position);
          return true;
        }
        dropped.filtered(item, decision);
        return false;
      },
      [&](ScoredSentence&& sentence) {
        const double score = strategy.score(sentence.analysis, sentence.measures);
        pass.pool_scores.add(score);
        pass.measure_sums.add(sentence.measures);
        if (sharded) sentence.order = positions.take(sentence.analysis.id);
        if (rules.active() && !sharded) pass.ranking.push_back(RankEntry{score, hash_id(sentence.analysis.id)});
        pass.top.offer(score, std::move(sentence));
      });
  const PoolFilterCounts& filtered = filter.counts();
  summary.counts.read += filtered.excluded() + filtered.duplicates;  // read, but never scored
  summary.excluded_labeled = filtered.labeled;
  summary.excluded_sent = filtered.sent;
  summary.exact_duplicates = filtered.duplicates;
  return pass;
}

// The batch from the first pass's candidates: as they are (no rules; a shard lists them all),
// or through the suppressor with refill passes that read the pool again.
std::vector<Selected> choose_batch(ScoringRun& run, const SelectConfig& config, FirstPass& pass,
                                   const BatchLimit& limit, const BatchRules& rules, DroppedLog& dropped,
                                   RunSummary& summary) {
  const bool sharded = config.shard.enabled();
  std::vector<Selected> selected;
  double refill_seconds = 0;
  if (!rules.active() || sharded) {
    selected = pass.top.take();  // a shard lists its candidates; alsel merge suppresses
    // A character budget keeps the stopper too (a shard lists it: merges stay exact).
    if (limit.by_chars() && !sharded) selected.resize(chars_prefix(selected, limit.budget_chars));
  } else {
    // stdin cannot be read twice: no refill then.
    const RescoreFunction rescore =
        reads_stdin(config.pool.paths)
            ? RescoreFunction()
            : pool_rescorer(config.pool.paths, config.pool.reader, run.annotator(),
                            config.strategy_options.trim_threshold, pass.ranking, run.cache());
    NearDuplicateBatch batch = select_without_near_duplicates(
        pass.top.take(), pass.ranking, limit, static_cast<size_t>(config.dedupe.candidate_factor), rules, rescore);
    for (const Suppression& suppression : batch.suppressed) {
      dropped.suppressed(suppression);
      ++(suppression.reason == "entity-cap" ? summary.entity_capped : summary.near_duplicates);
    }
    summary.refill_passes = batch.refill_passes;
    refill_seconds = batch.refill_seconds;
    selected = std::move(batch.selected);
  }
  if (limit.by_chars() && !sharded) check_budget_fits(selected, summary.counts.scored, limit);
  run.lap("deduplication");
  run.timings()["deduplication"] = run.timings()["deduplication"].get<double>() - refill_seconds;
  run.timings()["refill"] = refill_seconds;
  return selected;
}

// The HTML report of the batch (--report).
std::string render_report(ScoringRun& run, const SelectConfig& config, const Strategy& strategy,
                          const std::string& model_version, const RunSummary& summary,
                          const FirstPass& pass, const std::vector<Selected>& selected) {
  ReportInput input;
  input.title = "alsel select: " + std::to_string(selected.size()) + " sentences by " + strategy.name();
  const ScoreSummary& scores = pass.pool_scores;
  input.facts = {
      {"generated", utc_timestamp(run.started_wall())},
      {"model", model_version + " (" + config.model.path + ")"},
      {"pool", std::to_string(config.pool.paths.size()) + " file(s): " + config.pool.paths.front() +
                   (config.pool.paths.size() > 1 ? ", ..." : "")},
      {"strategy", strategy.name() + " (" + strategy.definition() + ")"},
      {"counts", "read " + std::to_string(summary.counts.read) + ", scored " + std::to_string(summary.counts.scored) +
                     ", rejected " + std::to_string(summary.counts.rejected) + ", excluded " +
                     std::to_string(summary.excluded_labeled + summary.excluded_sent) + ", duplicates " +
                     std::to_string(summary.exact_duplicates) + " exact + " + std::to_string(summary.near_duplicates) +
                     " near, " + std::to_string(summary.entity_capped) + " over " + show_setting("max-per-entity") + ", selected " +
                     std::to_string(selected.size())},
      {"pool scores", "min " + format_fixed(scores.min(), 4) + ", mean " + format_fixed(scores.mean(), 4) +
                          ", median " + format_fixed(scores.quantile(0.5), 4) + ", p90 " +
                          format_fixed(scores.quantile(0.9), 4) + ", max " + format_fixed(scores.max(), 4)},
  };
  input.histogram = scores.histogram(40);
  input.cutoff = selected.empty() ? std::numeric_limits<double>::quiet_NaN() : selected.back().score;
  int rank = 0;
  for (const Selected& item : selected) input.sentences.push_back(make_report_sentence(item, ++rank));
  return render_html_report(input);
}

// The select manifest: the scoring run's header and settings, then what select decided.
nlohmann::ordered_json select_manifest(ScoringRun& run, const SelectConfig& config, const Strategy& strategy,
                                       const BatchLimit& limit, const BatchRules& rules,
                                       const Exclusions& exclusions, const FirstPass& pass,
                                       const RunSummary& summary, const std::vector<Selected>& selected,
                                       const std::vector<AtomicOutputFile*>& outputs) {
  nlohmann::ordered_json manifest = run.manifest_header();
  manifest["exclude"] = fingerprints_json(exclusions.exclude_files);
  manifest["seed"] = config.strategy_options.seed;
  nlohmann::ordered_json settings;
  settings["strategy"] = strategy.name();
  settings["strategy_options"] = config.strategy_options.to_string();
  // A character budget replaces k.
  settings["k"] = limit.by_chars() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(config.k);
  if (limit.by_chars()) settings["budget_chars"] = limit.budget_chars;
  settings["dedupe"] = dedupe_mode_name(config.dedupe.mode);
  if (rules.near) {
    settings["near_threshold"] = config.dedupe.near.threshold;
    settings["ngram"] = config.dedupe.near.ngram;
    settings["minhash_hashes"] = config.dedupe.near.num_hashes;
  }
  if (rules.active()) settings["candidate_factor"] = config.dedupe.candidate_factor;
  settings["max_per_entity"] = config.dedupe.max_per_entity;
  settings["exclusion_match"] = exclusion_match_name(exclusions.match);
  settings["format"] = config.format;
  settings["offset_unit"] = offset_unit_name(writer_offset_unit(config.format, config.writer));
  run.add_settings(settings);
  manifest["settings"] = settings;
  nlohmann::ordered_json counts;
  counts["read"] = summary.counts.read;
  counts["scored"] = summary.counts.scored;
  counts["rejected"] = summary.counts.rejected;
  counts["excluded"] = summary.excluded_labeled + summary.excluded_sent;
  counts["excluded_labeled"] = summary.excluded_labeled;
  counts["excluded_sent"] = summary.excluded_sent;
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
  manifest["cache"] = cache_json(run.cache(), summary.counts);
  manifest["timings_seconds"] = run.timings();
  nlohmann::ordered_json distribution = pass.pool_scores.to_json();
  distribution["strategy"] = strategy.name();
  manifest["score_distribution"] = distribution;
  manifest["measure_means"] = pass.measure_sums.means_json();
  manifest["selection"] = selection_json(selected);
  if (!config.agreement.empty()) manifest["stopping_rule"] = read_agreement_report(config.agreement);
  manifest["outputs"] = {{"out", output_json(outputs[0])},
                         {"rejects", output_json(outputs[1])},
                         {"dropped", output_json(outputs[2])},
                         {"report", output_json(outputs[3])}};
  return manifest;
}

}  // namespace

RunSummary run_select(const SelectConfig& config, const ModelFactory& load_model) {
  config.validate();
  spdlog::debug("select settings: {}", config.to_string());
  const std::unique_ptr<Strategy> strategy = make_strategy(config.strategy, config.strategy_options);
  const BatchLimit limit = config.budget_chars > 0 ? BatchLimit::chars(config.budget_chars)
                                                   : BatchLimit(static_cast<size_t>(config.k));
  const BatchRules rules{config.dedupe.mode == DedupeMode::kNear, config.dedupe.near, config.dedupe.max_per_entity};
  spdlog::info("strategy {} ({}), {}, dedupe {}", strategy->name(), config.strategy_options.to_string(),
               limit.to_string(), rules.near ? "near (" + config.dedupe.near.to_string() + ")" : std::string(dedupe_mode_name(config.dedupe.mode)));
  ScoringRun run("select", config);
  run.open({{{(show_setting("agreement")), {config.agreement}}, {(show_setting("exclude")), config.exclusion.exclude}},
            {{(show_setting("dropped")), {config.outputs.dropped}}, {(show_setting("report")), {config.outputs.report}}}});
  DroppedLog dropped(config.outputs.dropped);
  std::optional<AtomicOutputFile> report;
  if (!config.outputs.report.empty()) report.emplace(config.outputs.report);
  const Exclusions exclusions = load_exclusions(config);
  run.lap("exclusions");
  run.load_model(load_model, strategy->needs_known_entities());

  RunSummary summary;
  PoolFilter filter(&exclusions.labeled, &exclusions.sent, config.dedupe.mode != DedupeMode::kNone);
  FirstPass pass = score_candidates(run, config, *strategy, limit, rules, filter, dropped, summary);
  const std::vector<Selected> selected = choose_batch(run, config, pass, limit, rules, dropped, summary);
  summary.selected = selected.size();

  WriterOptions writer_options = config.writer;
  writer_options.strategy = strategy->name();
  if (writer_options.model_version.empty()) {
    writer_options.model_version = run.model().metadata().name + "@" + run.model_file().sha256.substr(0, 12);
  }
  if (config.shard.enabled()) {
    const ModelMetadata& meta = run.model().metadata();
    const ShardRunFacts facts{strategy->name(), writer_options.model_version, meta.name, run.model_file().sha256,
                              meta.labels, run.pool_files(), run.labeled_files(), exclusions.exclude_files,
                              exclusion_match_name(exclusions.match)};
    write_shard_candidates(run.out().stream(), config, facts, summary, selected);
  } else {
    std::unique_ptr<SelectionWriter> writer = make_selection_writer(config.format, writer_options, run.out().stream());
    int rank = 0;
    for (const Selected& item : selected) writer->write(item, ++rank);
    writer->finish();
  }
  if (report) {
    report->stream() << render_report(run, config, *strategy, writer_options.model_version, summary, pass, selected);
  }
  // Every output is finished (written, fsynced) before any is renamed: a failure up to the
  // last rename leaves all previous outputs as they were.
  const std::vector<AtomicOutputFile*> extra = {dropped.file(), report ? &*report : nullptr};
  run.finish(extra);
  run.lap("writing");
  summary.seconds = run.seconds();
  run.timings()["total"] = summary.seconds;
  summary.manifest = run.manifest_path();
  const nlohmann::ordered_json manifest =
      run.manifest_path().empty()
          ? nlohmann::ordered_json()
          : select_manifest(run, config, *strategy, limit, rules, exclusions, pass, summary, selected,
                            {&run.out(), run.rejects().file(), extra[0], extra[1]});
  run.commit(extra, manifest);
  log_summary("select", summary);
  return summary;
}

}  // namespace alsel
