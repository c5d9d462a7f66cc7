#include "alsel/near_duplicate_suppressor.h"

namespace alsel {

NearDuplicateSuppressor::NearDuplicateSuppressor(size_t k, NearDuplicateConfig config)
    : k_(k), index_(config) {}

bool NearDuplicateSuppressor::offer(Selected&& candidate) {
  if (full()) return false;
  MinHashSignature signature = index_.signature(candidate.sentence.text);
  const NearDuplicateIndex::Match match = index_.find(signature);
  if (match.found) {
    const ScoredSentence& sentence = candidate.sentence;
    suppressed_.push_back(Suppression{sentence.analysis.id, accepted_ids_[match.index],
                                      match.similarity, candidate.score, sentence.file,
                                      sentence.line});
    return false;
  }
  index_.add(std::move(signature));
  accepted_ids_.push_back(candidate.sentence.analysis.id);
  accepted_.push_back(std::move(candidate));
  return true;
}

std::vector<Selected> NearDuplicateSuppressor::take() {
  std::vector<Selected> result = std::move(accepted_);
  accepted_.clear();
  return result;
}

}  // namespace alsel
