// The candidates file of `alsel select --shard I/N` (alsel/shard_candidates.h): the shard's best
// candidates and a header with the settings that `alsel merge` checks across shards.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "alsel/app/commands.h"
#include "alsel/util/manifest.h"

namespace alsel {

// What a sharded select knows at the end of its run, for the header.
struct ShardRunFacts {
  std::string strategy;       // resolved strategy name
  std::string model_version;  // MODEL@SHA256[:12]
  std::string model_name;
  std::string model_sha256;
  std::vector<std::string> labels;  // the model's labels
  std::vector<FileFingerprint> pool, labeled, exclude;
  std::string exclusion_match;  // resolved: both | id | text
};

// The settings every shard of one merge must share: what decides scores, exclusions and
// duplicates (machine-specific things such as paths, device and threads are left out).
nlohmann::ordered_json shard_settings_json(const SelectConfig& config, const ShardRunFacts& facts);

// Writes the header and `candidates` (best first, sentence.order = pool position).
void write_shard_candidates(std::ostream& out, const SelectConfig& config,
                            const ShardRunFacts& facts, const RunSummary& summary,
                            const std::vector<Selected>& candidates);

}  // namespace alsel
