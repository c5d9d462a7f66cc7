// nlc (normalized least confidence): 1 - mean over words of the highest label probability.
#include "alsel/scoring/strategy.h"

namespace alsel {
namespace {

class NlcStrategy final : public Strategy {
 public:
  std::string name() const override { return "nlc"; }
  std::string definition() const override { return "1 - nlc, nlc = (1/W) sum_w max_l p_w[l]"; }
  double score(const SentenceAnalysis& /*analysis*/, const Measures& measures) const override {
    return 1.0 - measures.nlc;
  }
};

}  // namespace

std::unique_ptr<Strategy> make_nlc_strategy(const StrategyOptions& /*options*/) {
  return std::make_unique<NlcStrategy>();
}

}  // namespace alsel
