#include "alsel/selection/entity_cap.h"

#include "alsel/text/text_normalizer.h"
#include "alsel/util/utf8.h"

namespace alsel {

std::string uncertainty_owner(const ScoredSentence& sentence) {
  const SentenceAnalysis& analysis = sentence.analysis;
  const int words = analysis.num_words;
  const int labels = analysis.num_labels;
  if (words <= 0 || labels <= 0 || analysis.best_path.size() != static_cast<size_t>(words) ||
      analysis.probabilities.size() != static_cast<size_t>(words) * labels ||
      sentence.word_spans.size() != static_cast<size_t>(words)) {
    return {};
  }
  int least = 0;
  double lowest = 2;
  for (int w = 0; w < words; ++w) {
    const double p = analysis.probabilities[static_cast<size_t>(w) * labels + analysis.best_path[w]];
    if (p < lowest) {
      lowest = p;
      least = w;
    }
  }
  const auto [start, end] = sentence.word_spans[least];
  std::string surface;
  for (const EntitySpan& entity : analysis.entities) {
    if (entity.start <= start && end <= entity.end) {
      surface = entity.text;
      break;
    }
  }
  if (surface.empty()) {
    const std::vector<size_t> bytes = code_point_byte_offsets(sentence.text);
    if (end > static_cast<int>(bytes.size()) - 1 || start < 0 || start >= end) return {};
    surface = sentence.text.substr(bytes[start], bytes[end] - bytes[start]);
  }
  const std::string normalized = encode_utf8(normalize_for_matching(surface));
  // A word of punctuation only normalizes to nothing: keep its own text as the owner.
  return normalized.empty() ? surface : normalized;
}

bool EntityCap::admits(const std::string& owner) const {
  if (max_ <= 0 || owner.empty()) return true;
  const auto found = accepted_.find(owner);
  return found == accepted_.end() || found->second < max_;
}

void EntityCap::accept(const std::string& owner) {
  if (max_ <= 0 || owner.empty()) return;
  ++accepted_[owner];
}

}  // namespace alsel
