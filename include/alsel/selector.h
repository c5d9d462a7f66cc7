// Bounded top-k over a stream of scored sentences: memory holds k sentences, never the pool.
//
//   alsel::TopKSelector top(500);
//   for (...) top.offer(score, std::move(sentence));
//   std::vector<alsel::Selected> best = top.take();   // best first
//
// Order: higher score first; equal scores keep pool order (lower `order` first), so the same
// inputs always give the same selection. NaN scores rank last.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "alsel/pipeline.h"

namespace alsel {

struct Selected {
  double score = 0;
  ScoredSentence sentence;
  std::string owner;  // --max-per-entity: uncertainty_owner (entity_cap.h), set when first needed
};

class TopKSelector {
 public:
  explicit TopKSelector(size_t k);
  void offer(double score, ScoredSentence&& sentence);
  // The selection, best first; the selector is empty afterwards.
  std::vector<Selected> take();
  size_t size() const { return heap_.size(); }

  // True when a ranks before b.
  static bool ranks_before(double score_a, uint64_t order_a, double score_b, uint64_t order_b);

 private:
  size_t k_;
  std::vector<Selected> heap_;  // min-heap: the worst kept item on top
};

}  // namespace alsel
