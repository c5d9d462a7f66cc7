#include "alsel/selection/selector.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace alsel {

bool TopKSelector::ranks_before(double score_a, uint64_t order_a, double score_b, uint64_t order_b) {
  const bool nan_a = std::isnan(score_a), nan_b = std::isnan(score_b);
  if (nan_a != nan_b) return nan_b;
  if (!nan_a && score_a != score_b) return score_a > score_b;
  return order_a < order_b;
}

namespace {
bool better(const Selected& a, const Selected& b) {
  return TopKSelector::ranks_before(a.score, a.sentence.order, b.score, b.sentence.order);
}
}  // namespace

std::string BatchLimit::to_string() const {
  return by_chars() ? "budget_chars=" + std::to_string(budget_chars) : "k=" + std::to_string(k);
}

size_t sentence_chars(const Selected& item) {
  return static_cast<size_t>(std::max(1, item.sentence.analysis.num_chars));
}

size_t chars_prefix(const std::vector<Selected>& ranked, size_t budget_chars) {
  size_t used = 0, n = 0;
  for (const Selected& item : ranked) {
    if (used + sentence_chars(item) > budget_chars) break;
    used += sentence_chars(item);
    ++n;
  }
  return n;
}

size_t total_chars(const std::vector<Selected>& items) {
  size_t total = 0;
  for (const Selected& item : items) total += sentence_chars(item);
  return total;
}

TopKSelector::TopKSelector(size_t k) : k_(k) {}

TopKSelector TopKSelector::within_chars(size_t max_chars) {
  TopKSelector selector(std::numeric_limits<size_t>::max());
  selector.max_chars_ = std::max<size_t>(1, max_chars);
  return selector;
}

void TopKSelector::offer(double score, ScoredSentence&& sentence) {
  if (max_chars_ > 0) {
    // The heap is a prefix of the ranking of everything offered. Once its characters exceed the
    // budget, its worst item is the stopper and nothing ranked after it can enter; an item
    // ranked before it pushes the stopper (and whatever no longer fits before it) out.
    if (kept_chars_ > max_chars_) {
      const Selected& worst = heap_.front();
      if (!ranks_before(score, sentence.order, worst.score, worst.sentence.order)) return;
    }
    heap_.push_back(Selected{score, std::move(sentence), std::string()});
    kept_chars_ += sentence_chars(heap_.back());
    std::push_heap(heap_.begin(), heap_.end(), better);
    // Drop the worst while the others alone overflow: it is then beyond the stopper.
    while (heap_.size() >= 2 && kept_chars_ - sentence_chars(heap_.front()) > max_chars_) {
      kept_chars_ -= sentence_chars(heap_.front());
      std::pop_heap(heap_.begin(), heap_.end(), better);
      heap_.pop_back();
    }
    return;
  }
  if (k_ == 0) return;
  if (heap_.size() == k_) {
    const Selected& worst = heap_.front();
    if (!ranks_before(score, sentence.order, worst.score, worst.sentence.order)) return;
    std::pop_heap(heap_.begin(), heap_.end(), better);
    heap_.pop_back();
  }
  heap_.push_back(Selected{score, std::move(sentence), std::string()});
  std::push_heap(heap_.begin(), heap_.end(), better);
}

std::vector<Selected> TopKSelector::take() {
  std::vector<Selected> result = std::move(heap_);
  heap_.clear();
  kept_chars_ = 0;
  std::sort(result.begin(), result.end(), better);
  return result;
}

}  // namespace alsel
