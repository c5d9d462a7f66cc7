#include "alsel/selection/near_duplicate_suppressor.h"

namespace alsel {

NearDuplicateSuppressor::NearDuplicateSuppressor(BatchLimit limit, NearDuplicateConfig config)
    : NearDuplicateSuppressor(limit, BatchRules{true, config, 0}) {}

NearDuplicateSuppressor::NearDuplicateSuppressor(BatchLimit limit, BatchRules rules)
    : limit_(limit), rules_(rules), cap_(rules.max_per_entity), index_(rules.near_config) {}

bool NearDuplicateSuppressor::offer(Selected&& candidate) {
  if (full()) return false;
  const ScoredSentence& sentence = candidate.sentence;
  if (cap_.enabled()) {
    if (candidate.owner.empty()) candidate.owner = uncertainty_owner(sentence);
    if (!cap_.admits(candidate.owner)) {
      Suppression suppression{sentence.analysis.id, "entity-cap", first_of_owner_[candidate.owner],
                              candidate.owner, 0, candidate.score, sentence.file, sentence.line};
      suppressed_.push_back(std::move(suppression));
      return false;
    }
  }
  MinHashSignature signature;
  if (rules_.near) {
    signature = index_.signature(sentence.text);
    const NearDuplicateIndex::Match match = index_.find(signature);
    if (match.found) {
      suppressed_.push_back(Suppression{sentence.analysis.id, "near-duplicate",
                                        accepted_ids_[match.index], "", match.similarity,
                                        candidate.score, sentence.file, sentence.line});
      return false;
    }
  }
  if (limit_.by_chars() && accepted_chars_ + sentence_chars(candidate) > limit_.budget_chars) {
    closed_ = true;  // the prefix rule: the batch ends before the first candidate that overflows
    return false;
  }
  accepted_chars_ += sentence_chars(candidate);
  if (cap_.enabled()) {
    cap_.accept(candidate.owner);
    first_of_owner_.emplace(candidate.owner, sentence.analysis.id);
  }
  if (rules_.near) {
    index_.add(std::move(signature));
    accepted_ids_.push_back(sentence.analysis.id);
  }
  accepted_.push_back(std::move(candidate));
  return true;
}

std::vector<Selected> NearDuplicateSuppressor::take() {
  std::vector<Selected> result = std::move(accepted_);
  accepted_.clear();
  return result;
}

}  // namespace alsel
