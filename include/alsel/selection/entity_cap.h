// --max-per-entity: at most N sentences of a batch may owe their score to the same entity.
// Uncertainty sampling picks the sentences around one unfamiliar name again and again (INCEpTION
// issue #3426); near-duplicate suppression does not catch it when the sentences differ.
//
//   std::string owner = alsel::uncertainty_owner(sentence);   // "洛桑" (normalized)
//   alsel::EntityCap cap(2);
//   if (cap.admits(owner)) cap.accept(owner); else /* suppressed: the next candidate moves up */;
//
// A sentence's owner is the surface text of what holds its least confident word (the word whose
// decoded label has the lowest marginal probability, the one `ltp` measures; the first on ties):
// the decoded entity containing it, else the word itself. The text is normalized as exclusions
// normalize it (text_normalizer.h: width, case, punctuation and spaces), so "ＡＢＣ" and "abc" are
// one owner.
#pragma once

#include <string>
#include <unordered_map>

#include "alsel/scoring/pipeline.h"

namespace alsel {

// The normalized owner text (UTF-8) of a scored sentence; empty when it has no words or no
// probabilities (a sentence scored without them never counts against the cap).
std::string uncertainty_owner(const ScoredSentence& sentence);

class EntityCap {
 public:
  // `max_per_entity` 0 = no cap.
  explicit EntityCap(int max_per_entity) : max_(max_per_entity) {}
  bool enabled() const { return max_ > 0; }
  // True when one more sentence owned by `owner` fits (always for an empty owner or no cap).
  bool admits(const std::string& owner) const;
  void accept(const std::string& owner);
  int max() const { return max_; }

 private:
  int max_;
  std::unordered_map<std::string, int> accepted_;  // owner -> sentences accepted
};

}  // namespace alsel
