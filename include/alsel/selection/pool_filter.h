// The gate between the pool reader and the model: drops sentences that are already labeled,
// already sent for annotation, or exact duplicates (same normalized text) of an earlier pool
// sentence, before any inference is spent on them.
//
//   alsel::PoolFilter filter(&labeled, &sent, /*drop_exact_duplicates=*/true);
//   alsel::FilterDecision decision = filter.check(item.id, item.text);
//   if (decision.verdict != alsel::FilterVerdict::kKeep) log(alsel::describe(decision));
//
// Memory: 16 bytes per distinct pool text for exact duplicates (a 64-bit hash of the
// normalized text at load factor <= 0.5, alsel/id_set.h), whatever the texts' length. The first
// occurrence in pool order is kept. A hash collision (probability ~n^2/2^65 over n texts:
// 3e-8 for a million) would drop a sentence that is not a duplicate.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "alsel/selection/exclusion_set.h"
#include "alsel/util/id_set.h"

namespace alsel {

enum class FilterVerdict {
  kKeep,       // goes on to the model
  kLabeled,    // in the --labeled data
  kSent,       // in an --exclude file (already sent for annotation)
  kDuplicate,  // same normalized text as an earlier pool sentence
};

struct FilterDecision {
  FilterVerdict verdict = FilterVerdict::kKeep;
  ExclusionReason matched = ExclusionReason::kNone;  // for kLabeled / kSent: by id or by text
};

struct PoolFilterCounts {
  size_t labeled = 0;     // dropped as already labeled
  size_t sent = 0;        // dropped as already sent
  size_t duplicates = 0;  // dropped as exact duplicates
  size_t excluded() const { return labeled + sent; }
};

class PoolFilter {
 public:
  // Either set may be null (no such exclusion). Both must outlive the filter.
  PoolFilter(const ExclusionSet* labeled, const ExclusionSet* sent, bool drop_exact_duplicates);

  // Decides for one accepted pool sentence and counts the decision (unless `counted` is false:
  // a sharded run checks every pool sentence but counts only its own). A kept sentence's text
  // is remembered, so that a later copy is a duplicate.
  FilterDecision check(std::string_view id, std::string_view text, bool counted = true);

  const PoolFilterCounts& counts() const { return counts_; }

 private:
  const ExclusionSet* labeled_;
  const ExclusionSet* sent_;
  bool drop_exact_duplicates_;
  IdHashSet seen_texts_;  // normalized-text hashes of kept sentences
  PoolFilterCounts counts_;
};

// A short reason: "already labeled (same id)", "already sent (same text)",
// "exact duplicate of an earlier pool sentence"; "kept" for kKeep.
std::string describe(const FilterDecision& decision);
// "labeled", "sent", "duplicate" or "kept": the reason key of the --dropped file.
const char* verdict_name(FilterVerdict verdict);

}  // namespace alsel
