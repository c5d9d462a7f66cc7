// The candidates file of one shard: what `alsel select --shard I/N` writes instead of a batch,
// and what `alsel merge` reads (docs/distributed.md).
//
//   alsel::ShardCandidatesHeader header;  // shard, settings, counts
//   out << alsel::format_shard_header(header) << '\n';
//   for (const alsel::Selected& c : best_first) out << alsel::format_candidate(c) << '\n';
//   alsel::ShardCandidates shard = alsel::read_shard_candidates("shard-0.jsonl");
//
// JSONL. Line 1, the header:
//   {"alsel_shard_candidates": 1, "shard": {"index", "count", "source"}, "k", "candidate_factor",
//    "strategy", "model_version", "settings": {...}, "scored", "candidates", "counts": {...}}
// `settings` holds everything that decides scores and duplicates (model SHA-256, strategy and
// options, dedupe mode and near-duplicate parameters, exclusions, pool and labeled file
// fingerprints, inference settings that change results): `alsel merge` refuses shards whose
// settings differ. Then `candidates` lines, the shard's best sentences, best first:
//   {"id", "text", "score", "position", "file", "line", "nlc", "trimmed", "mnlp", "entropy",
//    "ltp", "unknown_entities", "entities": [{"start", "end", "label", "text", "confidence"}],
//    "words": [[start, end], ...], "owner"}   (the model's words, for Prodigy's tokens, and the
//    entity the sentence owes its score to, for --max-per-entity; both optional)
// `position` is the line's index among the non-blank lines of the whole pool (alsel/shard.h),
// entity offsets are code points. Numbers round-trip exactly (shortest form that parses back to
// the same double); NaN and infinities, which JSON lacks, are the strings "NaN", "Infinity",
// "-Infinity".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "alsel/selection/near_duplicates.h"
#include "alsel/selection/selector.h"
#include "alsel/distributed/shard.h"

namespace alsel {

constexpr int kShardCandidatesVersion = 1;

struct ShardCandidatesHeader {
  ShardSpec shard;
  int k = 0;                        // the shard run's -k
  int candidate_factor = 1;         // its --candidate-factor (near: k x factor candidates listed)
  uint64_t budget_chars = 0;        // its --budget-chars; 0 = none (-k counts sentences)
  std::string strategy;             // strategy name, written with each selected sentence
  std::string model_version;        // MODEL@SHA256[:12], Label Studio's default model_version
  std::string dedupe = "near";      // none | exact | near (also in settings)
  NearDuplicateConfig near;         // near-duplicate parameters (also in settings)
  int max_per_entity = 0;           // --max-per-entity (also in settings); 0 = no cap
  nlohmann::ordered_json settings;  // must be equal across the shards of one merge
  uint64_t scored = 0;              // sentences this shard scored
  uint64_t candidates = 0;          // candidate lines that follow the header
  nlohmann::ordered_json counts;    // read, scored, rejected, excluded_labeled, excluded_sent,
                                    // exact_duplicates of this shard's lines
  // True when the shard scored sentences it did not list: its ranking continues beyond the file.
  bool truncated() const { return scored > candidates; }
};

struct ShardCandidates {
  std::string path;
  ShardCandidatesHeader header;
  std::vector<Selected> candidates;  // best first; sentence.order = pool position
};

// One line (no newline) each. The candidate's position is its sentence.order.
std::string format_shard_header(const ShardCandidatesHeader& header);
std::string format_candidate(const Selected& candidate);

// Reads and checks a candidates file: header first, then exactly `candidates` lines, each a
// sentence of this shard (shard_of(id) == index), best first. Throws InputError naming the file
// and line for anything else (not a candidates file, a newer version, a truncated copy, ...).
ShardCandidates read_shard_candidates(const std::string& path);

// Number <-> JSON with NaN and infinities as strings (above).
nlohmann::ordered_json number_to_json(double value);
double number_from_json(const nlohmann::json& value);  // throws std::invalid_argument

}  // namespace alsel
