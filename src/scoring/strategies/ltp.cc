// ltp (lowest token probability): 1 - the lowest probability of a best-path label.
#include "alsel/scoring/strategy.h"

namespace alsel {
namespace {

class LtpStrategy final : public Strategy {
 public:
  std::string name() const override { return "ltp"; }
  std::string definition() const override { return "1 - ltp, ltp = min_w p_w[best_path[w]]"; }
  double score(const SentenceAnalysis& /*analysis*/, const Measures& measures) const override {
    return 1.0 - measures.ltp;
  }
};

}  // namespace

std::unique_ptr<Strategy> make_ltp_strategy(const StrategyOptions& /*options*/) {
  return std::make_unique<LtpStrategy>();
}

}  // namespace alsel
