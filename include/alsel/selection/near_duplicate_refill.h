// The batch of k sentences without near duplicates, and with at most --max-per-entity sentences
// owed to one entity (BatchRules), from a pass that kept only the best k x factor candidates:
// when suppressions leave the batch short, the next candidates of the whole ranking are scored
// again and offered, in passes that at least double each time (so their number stays
// logarithmic in the pool even when nearly every candidate is suppressed).
//
//   std::vector<alsel::RankEntry> ranking;   // every scored sentence, in pool order
//   alsel::NearDuplicateBatch batch = alsel::select_without_near_duplicates(
//       top.take(), ranking, k, factor, rules, rescore);
//
// The result is the greedy pass of NearDuplicateSuppressor over the whole ranking
// (near_duplicate_suppressor.h), as long as `rescore` gives back what the first pass scored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "alsel/selection/near_duplicate_suppressor.h"
#include "alsel/selection/near_duplicates.h"
#include "alsel/scoring/pipeline.h"
#include "alsel/data/pool_reader.h"
#include "alsel/scoring/score_cache.h"
#include "alsel/selection/selector.h"

namespace alsel {

// One scored sentence of the first pass, indexed by its pool order: enough to rank the whole
// pool again and find the sentences of a refill pass (16 bytes a sentence).
struct RankEntry {
  double score;
  uint64_t id_hash;  // hash_id of the sentence id (id_set.h)
};

// Scores again the sentences whose id hash is a key of `wanted` (the value is the sentence's pool
// order) and returns them, each with the first pass's score and with sentence.order set to that
// pool order, in any order.
using RescoreFunction =
    std::function<std::vector<Selected>(const std::unordered_map<uint64_t, uint32_t>& wanted)>;

struct NearDuplicateBatch {
  std::vector<Selected> selected;        // at most k, best first
  std::vector<Suppression> suppressed;   // in the order they were suppressed
  size_t refill_passes = 0;              // passes of `rescore`
  double refill_seconds = 0;             // their wall time
  bool short_of_candidates = false;      // the batch is short because `rescore` was null
};

// The refill passes of a pool that can be read again: reads `paths` anew and scores only the
// wanted sentences through `annotator` (the cache, when given, makes that free), each with the
// first pass's score from `ranking`, so that ranks agree. `ranking` must outlive the function.
RescoreFunction pool_rescorer(const std::vector<std::string>& paths, const PoolReaderConfig& reader,
                              Annotator& annotator, double trim_threshold,
                              const std::vector<RankEntry>& ranking, ScoreCache* cache);

// `candidates`: the first pass's best, best first (TopKSelector::take). `ranking`: every scored
// sentence by pool order. `limit`: k sentences or a character budget (selector.h). `rescore` null = the pool cannot be read again (stdin): the batch then
// stays short, with a warning that names the candidate factor.
NearDuplicateBatch select_without_near_duplicates(std::vector<Selected> candidates,
                                                  const std::vector<RankEntry>& ranking, BatchLimit limit,
                                                  size_t candidate_factor,
                                                  const BatchRules& rules,
                                                  const RescoreFunction& rescore);

}  // namespace alsel
