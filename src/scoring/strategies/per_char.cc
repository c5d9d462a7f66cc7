// --per-char: any strategy's informativeness divided by the sentence's length in characters, so
// that a batch is ranked by value per unit of annotation cost (Settles and Craven 2008, "An
// analysis of active learning strategies for sequence labeling tasks"). Every registered score
// is >= 0 (docs/strategies.md), so the division keeps "higher = select first".
#include <stdexcept>

#include "alsel/scoring/strategy.h"

namespace alsel {
namespace {

class PerCharStrategy final : public Strategy {
 public:
  explicit PerCharStrategy(std::unique_ptr<Strategy> inner) : inner_(std::move(inner)) {}
  std::string name() const override { return inner_->name() + "/char"; }
  std::string definition() const override {
    return "(" + inner_->definition() + ") / characters of the sentence";
  }
  double score(const SentenceAnalysis& analysis, const Measures& measures) const override {
    if (analysis.num_chars < 1) {
      // A caller that did not fill num_chars would silently get the unnormalised score.
      throw std::logic_error("per-character score of id '" + analysis.id +
                             "': SentenceAnalysis::num_chars is not set");
    }
    return inner_->score(analysis, measures) / analysis.num_chars;
  }
  bool needs_known_entities() const override { return inner_->needs_known_entities(); }

 private:
  std::unique_ptr<Strategy> inner_;
};

}  // namespace

std::unique_ptr<Strategy> make_per_char_strategy(std::unique_ptr<Strategy> inner) {
  return std::make_unique<PerCharStrategy>(std::move(inner));
}

}  // namespace alsel
