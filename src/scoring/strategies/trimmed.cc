// trimmed: nlc over the words the model is not already sure about.
#include <sstream>

#include "alsel/scoring/strategy.h"

namespace alsel {
namespace {

class TrimmedStrategy final : public Strategy {
 public:
  explicit TrimmedStrategy(double trim_threshold) : trim_threshold_(trim_threshold) {}

  std::string name() const override { return "trimmed"; }
  std::string definition() const override {
    std::ostringstream out;
    out << "1 - trimmed, trimmed = mean of max_l p_w[l] over words with max_l p_w[l] < "
        << trim_threshold_ << " (= nlc if no word is kept)";
    return out.str();
  }
  // measures.trimmed was computed with the same threshold (see Strategy::score).
  double score(const SentenceAnalysis& /*analysis*/, const Measures& measures) const override {
    return 1.0 - measures.trimmed;
  }

 private:
  const double trim_threshold_;  // probability at or above which a word is dropped
};

}  // namespace

std::unique_ptr<Strategy> make_trimmed_strategy(const StrategyOptions& options) {
  return std::make_unique<TrimmedStrategy>(options.trim_threshold);
}

}  // namespace alsel
