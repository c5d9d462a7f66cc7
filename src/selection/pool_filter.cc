#include "alsel/selection/pool_filter.h"

#include "alsel/text/text_normalizer.h"

namespace alsel {

PoolFilter::PoolFilter(const ExclusionSet* labeled, const ExclusionSet* sent,
                       bool drop_exact_duplicates)
    : labeled_(labeled != nullptr && !labeled->empty() ? labeled : nullptr),
      sent_(sent != nullptr && !sent->empty() ? sent : nullptr),
      drop_exact_duplicates_(drop_exact_duplicates) {}

FilterDecision PoolFilter::check(std::string_view id, std::string_view text, bool counted) {
  if (labeled_ == nullptr && sent_ == nullptr && !drop_exact_duplicates_) return {};
  const uint64_t text_hash = normalized_text_hash(text);
  const size_t increment = counted ? 1 : 0;
  FilterDecision decision;
  if (labeled_ != nullptr &&
      (decision.matched = labeled_->find(id, text_hash)) != ExclusionReason::kNone) {
    decision.verdict = FilterVerdict::kLabeled;
    counts_.labeled += increment;
    return decision;
  }
  if (sent_ != nullptr &&
      (decision.matched = sent_->find(id, text_hash)) != ExclusionReason::kNone) {
    decision.verdict = FilterVerdict::kSent;
    counts_.sent += increment;
    return decision;
  }
  if (drop_exact_duplicates_ && !seen_texts_.insert(text_hash_key(text_hash))) {
    decision.verdict = FilterVerdict::kDuplicate;
    counts_.duplicates += increment;
  }
  return decision;
}

std::string describe(const FilterDecision& decision) {
  const char* by = decision.matched == ExclusionReason::kSameId ? " (same id)" : " (same text)";
  switch (decision.verdict) {
    case FilterVerdict::kLabeled:
      return std::string("already labeled") + by;
    case FilterVerdict::kSent:
      return std::string("already sent for annotation") + by;
    case FilterVerdict::kDuplicate:
      return "exact duplicate of an earlier pool sentence";
    default:
      return "kept";
  }
}

const char* verdict_name(FilterVerdict verdict) {
  switch (verdict) {
    case FilterVerdict::kLabeled:
      return "labeled";
    case FilterVerdict::kSent:
      return "sent";
    case FilterVerdict::kDuplicate:
      return "duplicate";
    default:
      return "kept";
  }
}

}  // namespace alsel
