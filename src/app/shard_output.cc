#include "shard_output.h"

#include "alsel/util/errors.h"
#include "alsel/distributed/shard_candidates.h"

namespace alsel {

namespace {

nlohmann::ordered_json contents_json(const std::vector<FileFingerprint>& files) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const FileFingerprint& file : files) {
    // stdin has no fingerprint: only its presence can be compared.
    list.push_back(file.sha256.empty() ? nlohmann::ordered_json("-")
                                       : nlohmann::ordered_json(file.sha256));
  }
  return list;
}

}  // namespace

nlohmann::ordered_json shard_settings_json(const SelectConfig& config, const ShardRunFacts& facts) {
  nlohmann::ordered_json settings;
  settings["model"] = {
      {"name", facts.model_name}, {"sha256", facts.model_sha256}, {"labels", facts.labels}};
  settings["strategy"] = facts.strategy;
  settings["strategy_options"] = config.strategy_options.to_string();
  nlohmann::ordered_json dedupe;
  dedupe["mode"] = dedupe_mode_name(config.dedupe.mode);
  if (config.dedupe.mode == DedupeMode::kNear) {
    dedupe["near_threshold"] = config.dedupe.near.threshold;
    dedupe["ngram"] = config.dedupe.near.ngram;
    dedupe["minhash_hashes"] = config.dedupe.near.num_hashes;
    dedupe["seed"] = config.dedupe.near.seed;
  }
  if (config.dedupe.max_per_entity > 0) dedupe["max_per_entity"] = config.dedupe.max_per_entity;
  settings["dedupe"] = dedupe;
  nlohmann::ordered_json pool;
  pool["files"] = contents_json(facts.pool);
  const PoolReaderConfig& reader = config.pool.reader;
  pool["input_format"] = reader.format == InputFormat::kText ? "text" : "jsonl";
  if (reader.format == InputFormat::kText) {
    // Text ids are FILE:LINE with several files: the paths as given are part of the ids.
    if (config.pool.paths.size() > 1) pool["paths"] = config.pool.paths;
  } else {
    pool["id_field"] = reader.id_field;
    pool["text_field"] = reader.text_field;
  }
  settings["pool"] = pool;
  settings["labeled"] = contents_json(facts.labeled);
  settings["exclude"] = contents_json(facts.exclude);
  settings["exclude_labeled"] = config.exclusion.exclude_labeled;
  settings["exclusion_match"] = facts.exclusion_match;
  settings["probabilities"] = probability_mode_name(config.inference.probabilities);
  settings["window_overlap"] = config.inference.window_overlap;
  return settings;
}

void write_shard_candidates(std::ostream& out, const SelectConfig& config,
                            const ShardRunFacts& facts, const RunSummary& summary,
                            const std::vector<Selected>& candidates) {
  ShardCandidatesHeader header;
  header.shard = config.shard;
  header.k = config.k;
  header.candidate_factor = config.dedupe.candidate_factor;
  header.budget_chars = config.budget_chars;
  header.strategy = facts.strategy;
  header.model_version = facts.model_version;
  header.dedupe = dedupe_mode_name(config.dedupe.mode);
  header.near = config.dedupe.near;
  header.max_per_entity = config.dedupe.max_per_entity;
  header.settings = shard_settings_json(config, facts);
  header.scored = summary.counts.scored;
  header.candidates = candidates.size();
  header.counts = {{"read", summary.counts.read},
                   {"scored", summary.counts.scored},
                   {"rejected", summary.counts.rejected},
                   {"excluded_labeled", summary.excluded_labeled},
                   {"excluded_sent", summary.excluded_sent},
                   {"exact_duplicates", summary.exact_duplicates}};
  out << format_shard_header(header) << '\n';
  for (const Selected& candidate : candidates) out << format_candidate(candidate) << '\n';
  if (!out) throw OutputError("writing the shard candidates failed");
}

}  // namespace alsel
