// Bounded top-k over a stream of scored sentences: memory holds k sentences, never the pool.
//
//   alsel::TopKSelector top(500);
//   for (...) top.offer(score, std::move(sentence));
//   std::vector<alsel::Selected> best = top.take();   // best first
//
// Order: higher score first; equal scores keep pool order (lower `order` first), so the same
// inputs always give the same selection. NaN scores rank last.
//
// --budget-chars: a batch is sized in characters instead of sentences (BatchLimit). It is the
// longest prefix of the ranking whose characters (SentenceAnalysis::num_chars) sum to at most
// the budget: the walk down the ranking stops at the first sentence that would overflow it, so
// the batch falls short of the budget by less than that sentence's length, and a sentence is
// never skipped for a shorter one ranked below it. TopKSelector::within_chars keeps that prefix
// plus the sentence that stops it (the "stopper"), in memory bounded by the budget.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "alsel/scoring/pipeline.h"

namespace alsel {

// How large a batch is: k sentences, or, when budget_chars > 0, the prefix rule above.
struct BatchLimit {
  size_t k = 0;             // sentences (unused when budget_chars > 0)
  size_t budget_chars = 0;  // > 0: characters instead of sentences
  BatchLimit(size_t sentences = 0) : k(sentences) {}  // NOLINT: a count is a limit
  static BatchLimit chars(size_t budget) {
    BatchLimit limit;
    limit.budget_chars = budget;
    return limit;
  }
  bool by_chars() const { return budget_chars > 0; }
  // "k=100" or "budget_chars=20000", for logs and messages.
  std::string to_string() const;
};

struct Selected {
  double score = 0;
  ScoredSentence sentence;
  std::string owner;  // --max-per-entity: uncertainty_owner (entity_cap.h), set when first needed
};

class TopKSelector {
 public:
  explicit TopKSelector(size_t k);
  // The best prefix of the ranking whose characters fit in `max_chars`, plus its stopper (the
  // next sentence, which does not fit), whatever the order sentences are offered in.
  static TopKSelector within_chars(size_t max_chars);
  void offer(double score, ScoredSentence&& sentence);
  // The selection, best first; the selector is empty afterwards.
  std::vector<Selected> take();
  size_t size() const { return heap_.size(); }

  // True when a ranks before b.
  static bool ranks_before(double score_a, uint64_t order_a, double score_b, uint64_t order_b);

 private:
  size_t k_;
  size_t max_chars_ = 0;        // within_chars: > 0
  size_t kept_chars_ = 0;       // characters of the kept sentences
  std::vector<Selected> heap_;  // min-heap: the worst kept item on top
};

// Characters of a sentence for --budget-chars (at least 1).
size_t sentence_chars(const Selected& item);

// How many of `ranked` (best first) the prefix rule takes under `budget_chars`.
size_t chars_prefix(const std::vector<Selected>& ranked, size_t budget_chars);

// Characters of a batch (the sum of sentence_chars).
size_t total_chars(const std::vector<Selected>& items);

}  // namespace alsel
