// entropy: mean per-word entropy of the label distribution.
#include "alsel/scoring/strategy.h"

namespace alsel {
namespace {

class EntropyStrategy final : public Strategy {
 public:
  std::string name() const override { return "entropy"; }
  std::string definition() const override {
    return "entropy = (1/W) sum_w -sum_l p_w[l] log p_w[l]";
  }
  double score(const SentenceAnalysis& /*analysis*/, const Measures& measures) const override {
    return measures.entropy;
  }
};

}  // namespace

std::unique_ptr<Strategy> make_entropy_strategy(const StrategyOptions& /*options*/) {
  return std::make_unique<EntropyStrategy>();
}

}  // namespace alsel
