// `alsel merge`: the candidates files of a sharded `alsel select --shard I/N` into the batch of
// one select over the whole pool (alsel/shard_merge.h), in any output format, with a manifest.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

#include "alsel/output/atomic_file.h"
#include "alsel/app/commands.h"
#include "alsel/util/errors.h"
#include "alsel/util/logging.h"
#include "alsel/output/run_files.h"
#include "alsel/util/json_output.h"
#include "alsel/util/manifest.h"
#include "alsel/distributed/shard_candidates.h"
#include "alsel/distributed/shard_merge.h"
#include "run_support.h"
#include "alsel/util/settings.h"

namespace alsel {

void MergeConfig::validate() const {
  if (inputs.empty()) throw UsageError("alsel merge needs the candidates file of every shard");
  if (k < -1) throw UsageError(show_setting("k") + " must be >= 0, got " + std::to_string(k));
  if (out.empty()) throw UsageError(show_setting("out") + " is empty");
  check_selection_format(format);
  writer.validate();
  outputs.validate();
  if (!outputs.report.empty()) throw UsageError("alsel merge writes no " + show_setting("report"));
}

namespace {

// The first top-level key whose value differs between two settings objects, with both values.
std::string first_difference(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b) {
  const auto shorten = [](const nlohmann::ordered_json& value) {
    std::string text = value.dump();
    return text.size() > 120 ? text.substr(0, 117) + "..." : text;
  };
  for (const auto& [key, value] : a.items()) {
    if (!b.contains(key)) return "'" + key + "' missing";
    if (b[key] != value) return "'" + key + "' " + shorten(value) + " vs " + shorten(b[key]);
  }
  for (const auto& [key, value] : b.items()) {
    if (!a.contains(key)) return "'" + key + "' " + shorten(value) + " only in the second";
  }
  return "none";
}

// Every index 0..N-1 exactly once, one N, one set of settings; sorts the shards by index.
void check_shard_set(std::vector<ShardCandidates>& shards) {
  const ShardCandidates& first = shards.front();
  const uint32_t count = first.header.shard.count;
  std::map<uint32_t, const ShardCandidates*> by_index;
  for (const ShardCandidates& shard : shards) {
    const ShardCandidatesHeader& header = shard.header;
    if (header.shard.count != count) {
      throw InputError(shard.path + " is shard " + header.shard.to_string() + " but " + first.path +
                       " is shard " + first.header.shard.to_string() +
                       ": the shards come from runs with different shard counts");
    }
    const auto [found, inserted] = by_index.emplace(header.shard.index, &shard);
    if (!inserted) {
      throw InputError(shard.path + " and " + found->second->path + " are both shard " +
                       header.shard.to_string() + " (a rerun given twice?)");
    }
    if (header.settings != first.header.settings) {
      throw InputError(shard.path + " was run with other settings than " + first.path + ": " +
                       first_difference(first.header.settings, header.settings) +
                       "; every shard must use the same model, pool, strategy, exclusions and "
                       "dedupe options");
    }
  }
  std::string missing;
  size_t missing_count = 0;
  for (uint32_t index = 0; index < count; ++index) {
    if (by_index.count(index) != 0) continue;
    if (++missing_count <= 20) missing += (missing.empty() ? "" : ", ") + std::to_string(index);
  }
  if (missing_count > 0) {
    throw InputError("incomplete shard set: " + std::to_string(missing_count) + " of " +
                     std::to_string(count) + " shards missing (" + missing +
                     (missing_count > 20 ? ", ..." : "") + "); got " +
                     std::to_string(shards.size()) + " file(s), starting with " + first.path);
  }
  std::sort(shards.begin(), shards.end(), [](const ShardCandidates& a, const ShardCandidates& b) {
    return a.header.shard.index < b.header.shard.index;
  });
}

// The shards' candidates files, checked as one set (check_shard_set), with their fingerprints.
std::vector<ShardCandidates> read_shards(const MergeConfig& config, std::vector<FileFingerprint>& files) {
  std::vector<ShardCandidates> shards;
  for (const std::string& path : config.inputs) {
    if (path == "-") throw UsageError("alsel merge reads files, not stdin");
    shards.push_back(read_shard_candidates(path));
    files.push_back(fingerprint_file(path));
  }
  check_shard_set(shards);
  return shards;
}

// The batch size: merge's own -k or budget, else the shards' (which must agree).
BatchLimit merge_limit(const MergeConfig& config, const std::vector<ShardCandidates>& shards) {
  if (config.budget_chars > 0) return BatchLimit::chars(config.budget_chars);
  if (config.k >= 0) return BatchLimit(static_cast<size_t>(config.k));
  const ShardCandidatesHeader& first = shards.front().header;
  for (const ShardCandidates& shard : shards) {
    if (shard.header.k != first.k || shard.header.budget_chars != first.budget_chars) {
      const auto size = [](const ShardCandidatesHeader& h) {
        return h.budget_chars > 0 ? show_setting("budget-chars") + " " + std::to_string(h.budget_chars)
                                  : show_setting("k") + " " + std::to_string(h.k);
      };
      throw UsageError("the shards were run with different batch sizes (" + size(first) + " in " +
                       shards.front().path + ", " + size(shard.header) + " in " + shard.path +
                       "): give alsel merge -k or " + show_setting("budget-chars"));
    }
  }
  return first.budget_chars > 0 ? BatchLimit::chars(first.budget_chars) : BatchLimit(static_cast<size_t>(first.k));
}

// What the manifest says of the shards, read before merge_shard_candidates consumes them: one
// entry per shard, the summed counts, and how many candidates they listed.
struct ShardFacts {
  nlohmann::ordered_json shards = nlohmann::ordered_json::array();
  nlohmann::ordered_json counts;
  size_t listed = 0;
};

ShardFacts shard_facts(const std::vector<ShardCandidates>& shards, const std::vector<FileFingerprint>& files) {
  ShardFacts facts;
  for (const char* key :
       {"read", "scored", "rejected", "excluded_labeled", "excluded_sent", "exact_duplicates"}) {
    uint64_t sum = 0;
    for (const ShardCandidates& shard : shards) sum += shard.header.counts.value(key, uint64_t{0});
    facts.counts[key] = sum;
  }
  for (size_t i = 0; i < shards.size(); ++i) {
    const ShardCandidatesHeader& header = shards[i].header;
    nlohmann::ordered_json entry = fingerprint_json(files[i]);
    entry["shard"] = header.shard.to_string();
    entry["source"] = header.shard.source;
    entry["k"] = header.k;
    entry["candidate_factor"] = header.candidate_factor;
    entry["scored"] = header.scored;
    entry["candidates"] = header.candidates;
    facts.listed += header.candidates;
    facts.shards.push_back(entry);
  }
  return facts;
}

RunSummary merge_summary(const ShardFacts& facts, const ShardMergeResult& result) {
  RunSummary summary;
  summary.counts.read = facts.counts["read"].get<size_t>();
  summary.counts.scored = facts.counts["scored"].get<size_t>();
  summary.counts.rejected = facts.counts["rejected"].get<size_t>();
  summary.excluded_labeled = facts.counts["excluded_labeled"].get<size_t>();
  summary.excluded_sent = facts.counts["excluded_sent"].get<size_t>();
  summary.exact_duplicates = facts.counts["exact_duplicates"].get<size_t>();
  for (const Suppression& suppression : result.suppressed) {
    ++(suppression.reason == "entity-cap" ? summary.entity_capped : summary.near_duplicates);
  }
  summary.selected = result.selected.size();
  return summary;
}

// The batch in the asked format, and the suppressions in --dropped; finished, not yet renamed.
void write_merged(const MergeConfig& config, const ShardCandidatesHeader& first, const ShardMergeResult& result,
                  AtomicOutputFile& out, AtomicOutputFile* dropped) {
  WriterOptions writer_options = config.writer;
  writer_options.strategy = first.strategy;
  if (writer_options.model_version.empty()) writer_options.model_version = first.model_version;
  std::unique_ptr<SelectionWriter> writer = make_selection_writer(config.format, writer_options, out.stream());
  int rank = 0;
  for (const Selected& item : result.selected) writer->write(item, ++rank);
  writer->finish();
  if (dropped != nullptr) {
    for (const Suppression& suppression : result.suppressed) {
      dropped->stream() << dump_json(near_duplicate_json(suppression)) << '\n';
    }
  }
  finish_all({&out, dropped});  // renamed with the manifest
}

struct MergeRun {
  const MergeConfig& config;
  const ShardCandidatesHeader& first;
  const BatchLimit& limit;
  const ShardFacts& facts;
  const ShardMergeResult& result;
  const RunSummary& summary;
};

nlohmann::ordered_json merge_manifest(const MergeRun& run, std::chrono::system_clock::time_point started,
                                      AtomicOutputFile& out, AtomicOutputFile* dropped) {
  const MergeConfig& config = run.config;
  nlohmann::ordered_json manifest = manifest_start("merge", config.arguments, config.config_file, started);
  manifest["model_version"] = config.writer.model_version.empty() ? run.first.model_version : config.writer.model_version;
  manifest["shards"] = run.facts.shards;
  manifest["shard_settings"] = run.first.settings;
  nlohmann::ordered_json settings;
  settings["strategy"] = run.first.strategy;
  // A character budget replaces k.
  settings["k"] = run.limit.by_chars() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(run.limit.k);
  if (run.limit.by_chars()) settings["budget_chars"] = run.limit.budget_chars;
  settings["dedupe"] = run.first.dedupe;
  settings["max_per_entity"] = run.first.max_per_entity;
  settings["shard_count"] = run.first.shard.count;
  settings["format"] = config.format;
  settings["offset_unit"] = offset_unit_name(writer_offset_unit(config.format, config.writer));
  manifest["settings"] = settings;
  nlohmann::ordered_json counts = run.facts.counts;
  counts["excluded"] = run.summary.excluded_labeled + run.summary.excluded_sent;
  counts["deduplicated"] = run.summary.exact_duplicates + run.summary.near_duplicates;
  counts["near_duplicates"] = run.summary.near_duplicates;
  counts["entity_capped"] = run.summary.entity_capped;
  counts["candidates_used"] = run.result.candidates_used;
  counts["selected"] = run.summary.selected;
  counts["selected_chars"] = total_chars(run.result.selected);
  manifest["counts"] = counts;
  manifest["selection"] = selection_json(run.result.selected);
  manifest["outputs"] = {{"out", output_json(&out)}, {"dropped", output_json(dropped)}};
  return manifest;
}

void log_merge(size_t shards, const RunSummary& summary) {
  nlohmann::ordered_json fields;
  fields["command"] = "merge";
  fields["counts"] = {{"shards", shards},
                      {"scored", summary.counts.scored},
                      {"rejected", summary.counts.rejected},
                      {"excluded", summary.excluded_labeled + summary.excluded_sent},
                      {"exact_duplicates", summary.exact_duplicates},
                      {"near_duplicates", summary.near_duplicates},
                      {"entity_capped", summary.entity_capped},
                      {"selected", summary.selected}};
  fields["seconds"] = summary.seconds;
  log_message(LogLevel::kInfo,
              fmt::format("merge: {} shards, scored {}, rejected {}, excluded {}, duplicates {} (exact {}, near {}), "
                          "{} over {}, selected {} in {:.1f}s",
                          shards, summary.counts.scored, summary.counts.rejected,
                          summary.excluded_labeled + summary.excluded_sent,
                          summary.exact_duplicates + summary.near_duplicates, summary.exact_duplicates,
                          summary.near_duplicates, summary.entity_capped, show_setting("max-per-entity"),
                          summary.selected, summary.seconds),
              fields);
}

}  // namespace

RunSummary run_merge(const MergeConfig& config) {
  config.validate();
  const auto started = std::chrono::steady_clock::now();
  const auto started_wall = std::chrono::system_clock::now();
  const std::string manifest_target = manifest_path(config.outputs, config.out);
  RunFiles files;
  files.inputs("shards", config.inputs);
  files.output(show_setting("out"), config.out);
  files.output(show_setting("dropped"), config.outputs.dropped);
  files.output(show_setting("manifest"), manifest_target);
  files.check();
  AtomicOutputFile out(config.out);
  std::optional<AtomicOutputFile> dropped;
  if (!config.outputs.dropped.empty()) dropped.emplace(config.outputs.dropped);
  std::optional<AtomicOutputFile> manifest_file;
  if (!manifest_target.empty()) manifest_file.emplace(manifest_target);

  std::vector<FileFingerprint> shard_files;
  std::vector<ShardCandidates> shards = read_shards(config, shard_files);
  const ShardCandidatesHeader first = shards.front().header;  // merging consumes the candidates
  const BatchLimit limit = merge_limit(config, shards);
  spdlog::info("merging {} shards: strategy {}, {}, dedupe {}", shards.size(), first.strategy, limit.to_string(),
               first.dedupe == "near" ? "near (" + first.near.to_string() + ")" : first.dedupe);
  const ShardFacts facts = shard_facts(shards, shard_files);
  const ShardMergeResult result = merge_shard_candidates(shards, limit, first.dedupe, first.near, first.max_per_entity);
  check_budget_fits(result.selected, facts.listed, limit);

  AtomicOutputFile* dropped_file = dropped ? &*dropped : nullptr;
  write_merged(config, first, result, out, dropped_file);
  RunSummary summary = merge_summary(facts, result);
  summary.seconds = seconds_since(started);
  summary.manifest = manifest_target;
  if (manifest_file) {
    const MergeRun run{config, first, limit, facts, result, summary};
    manifest_file->stream() << dump_json(merge_manifest(run, started_wall, out, dropped_file), 2) << "\n";
  }
  commit_together({&out, dropped_file, manifest_file ? &*manifest_file : nullptr});
  log_merge(shards.size(), summary);
  return summary;
}

}  // namespace alsel
