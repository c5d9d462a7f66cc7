// Greedy suppression over candidates offered in rank order: a candidate is accepted unless
// (1) the batch already holds --max-per-entity sentences owned by the same entity (entity_cap.h),
// or (2) its MinHash-estimated similarity to an already accepted sentence reaches the threshold
// (alsel/near_duplicates.h); the next-best candidate then takes its place. Either rule can be off.
//
//   alsel::NearDuplicateSuppressor suppressor(k, near_config);
//   for (alsel::Selected& candidate : candidates_best_first) {
//     if (suppressor.full()) break;
//     suppressor.offer(std::move(candidate));
//   }
//   std::vector<alsel::Selected> batch = suppressor.take();   // at most k, best first
//
// With a character budget (BatchLimit::chars) the batch closes at the first candidate that
// passes the rules but does not fit in what is left of the budget (selector.h's prefix rule over
// the accepted candidates); that candidate is neither accepted nor suppressed.
//
// The result equals the greedy pass over the whole ranking as long as the candidates offered
// are a prefix of that ranking: every accepted sentence is compared with all better-ranked
// accepted ones, never with a worse-ranked one.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "alsel/selection/entity_cap.h"
#include "alsel/selection/near_duplicates.h"
#include "alsel/selection/selector.h"

namespace alsel {

// Which rules a batch is built under.
struct BatchRules {
  bool near = true;                // suppress near duplicates (--dedupe near)
  NearDuplicateConfig near_config;
  int max_per_entity = 0;          // sentences a batch may owe to one entity; 0 = no cap
  bool active() const { return near || max_per_entity > 0; }
};

struct Suppression {
  std::string id;            // the suppressed candidate
  std::string reason = "near-duplicate";  // or "entity-cap"
  std::string duplicate_of;  // the accepted sentence it resembles; entity-cap: the first
                             // accepted sentence of the same owner
  std::string owner;         // entity-cap: the entity text (normalized) the cap counts
  double similarity = 0;     // near duplicates: their estimated Jaccard similarity
  double score = 0;          // the suppressed candidate's score
  std::string file;          // where it came from
  size_t line = 0;
};

class NearDuplicateSuppressor {
 public:
  NearDuplicateSuppressor(BatchLimit limit, NearDuplicateConfig config);  // near duplicates only
  NearDuplicateSuppressor(BatchLimit limit, BatchRules rules);

  // Offers the next candidate (worse-ranked than every earlier one). Returns true when it is
  // accepted; false when it is suppressed (recorded in suppressed()) or the batch is full.
  bool offer(Selected&& candidate);
  bool full() const { return closed_ || (!limit_.by_chars() && accepted_.size() >= limit_.k); }
  size_t accepted() const { return accepted_.size(); }
  size_t accepted_chars() const { return accepted_chars_; }
  const std::vector<Suppression>& suppressed() const { return suppressed_; }
  const NearDuplicateIndex& index() const { return index_; }

  // The accepted sentences, best first; the suppressor keeps its index and suppressions.
  std::vector<Selected> take();

 private:
  BatchLimit limit_;
  bool closed_ = false;        // budget: a candidate did not fit
  size_t accepted_chars_ = 0;
  BatchRules rules_;
  EntityCap cap_;
  std::unordered_map<std::string, std::string> first_of_owner_;  // owner -> first accepted id
  NearDuplicateIndex index_;
  std::vector<Selected> accepted_;
  std::vector<std::string> accepted_ids_;  // by index in index_
  std::vector<Suppression> suppressed_;
};

}  // namespace alsel
