// Greedy near-duplicate suppression over candidates offered in rank order: a candidate is
// accepted unless its MinHash-estimated similarity to an already accepted sentence reaches the
// threshold (alsel/near_duplicates.h); the next-best candidate then takes its place.
//
//   alsel::NearDuplicateSuppressor suppressor(k, near_config);
//   for (alsel::Selected& candidate : candidates_best_first) {
//     if (suppressor.full()) break;
//     suppressor.offer(std::move(candidate));
//   }
//   std::vector<alsel::Selected> batch = suppressor.take();   // at most k, best first
//
// The result equals the greedy pass over the whole ranking as long as the candidates offered
// are a prefix of that ranking: every accepted sentence is compared with all better-ranked
// accepted ones, never with a worse-ranked one.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "alsel/near_duplicates.h"
#include "alsel/selector.h"

namespace alsel {

struct Suppression {
  std::string id;            // the suppressed candidate
  std::string duplicate_of;  // the accepted sentence it resembles
  double similarity = 0;     // their estimated Jaccard similarity
  double score = 0;          // the suppressed candidate's score
  std::string file;          // where it came from
  size_t line = 0;
};

class NearDuplicateSuppressor {
 public:
  NearDuplicateSuppressor(size_t k, NearDuplicateConfig config);

  // Offers the next candidate (worse-ranked than every earlier one). Returns true when it is
  // accepted; false when it is suppressed (recorded in suppressed()) or the batch is full.
  bool offer(Selected&& candidate);
  bool full() const { return accepted_.size() >= k_; }
  size_t accepted() const { return accepted_.size(); }
  const std::vector<Suppression>& suppressed() const { return suppressed_; }
  const NearDuplicateIndex& index() const { return index_; }

  // The accepted sentences, best first; the suppressor keeps its index and suppressions.
  std::vector<Selected> take();

 private:
  size_t k_;
  NearDuplicateIndex index_;
  std::vector<Selected> accepted_;
  std::vector<std::string> accepted_ids_;  // by index in index_
  std::vector<Suppression> suppressed_;
};

}  // namespace alsel
