// The selection over all shards from their candidate lists: exactly the batch one `alsel select`
// over the whole pool writes, or an error when the lists are too short to know it.
//
//   std::vector<alsel::ShardCandidates> shards = ...;   // read_shard_candidates, one per shard
//   alsel::ShardMergeResult result = alsel::merge_shard_candidates(shards, k, "near", near);
//   // result.selected: best first, at most k
//
// Why it is exact. Every shard sees every pool line, so exclusions and exact duplicates (first
// occurrence in pool order) are decided there exactly as in a single run. A single run ranks
// the scored sentences by score, ties in pool order, and accepts them greedily (near: unless
// similar to an accepted one). Each shard lists a prefix of its own ranking, and sentences carry
// their pool position, so the merged lists, sorted the same way, are a prefix of the global
// ranking up to the worst listed candidate of any truncated shard (one that scored more than it
// listed): the bound. The greedy pass over the merged lists equals the single run's as long as
// it needs no candidate ranked after the bound. If it does (too many near duplicates suppressed,
// or k larger than a shard listed), the merge throws InputError naming that shard and
// --candidate-factor rather than return a different batch. When no shard is truncated, a short
// batch means the pool has fewer sentences, as in a single run.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "alsel/selection/near_duplicate_suppressor.h"
#include "alsel/distributed/shard_candidates.h"

namespace alsel {

struct ShardMergeResult {
  std::vector<Selected> selected;       // best first, at most k
  std::vector<Suppression> suppressed;  // near duplicates, in rank order
  size_t candidates_used = 0;           // merged candidates the greedy pass looked at
};

// Consumes the shards' candidates. `dedupe` is "none", "exact" or "near" (near uses `near`).
// Shards must be complete (one per index) and agree on their settings; alsel merge checks that.
// Throws InputError when the result could differ from the single run (see above) and when one id
// appears in two candidate lists.
// `limit`: k sentences or a character budget (selector.h); with a budget each shard lists the
// prefix of its ranking that fits (x candidate factor under rules) and its stopper, which makes
// the merge exact without rules. `max_per_entity` > 0 caps the sentences owed to one entity (the candidates' owners), as
// alsel select --max-per-entity does.
ShardMergeResult merge_shard_candidates(std::vector<ShardCandidates>& shards, BatchLimit limit,
                                        const std::string& dedupe, const NearDuplicateConfig& near,
                                        int max_per_entity = 0);

}  // namespace alsel
