#include "alsel/selector.h"

#include <algorithm>
#include <cmath>

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

TopKSelector::TopKSelector(size_t k) : k_(k) {}

void TopKSelector::offer(double score, ScoredSentence&& sentence) {
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
  std::sort(result.begin(), result.end(), better);
  return result;
}

}  // namespace alsel
