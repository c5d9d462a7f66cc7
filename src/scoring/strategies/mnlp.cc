// mnlp (maximum normalized log-probability): minus the mean log of each word's top probability.
#include "alsel/scoring/strategy.h"

namespace alsel {
namespace {

class MnlpStrategy final : public Strategy {
 public:
  std::string name() const override { return "mnlp"; }
  std::string definition() const override { return "-mnlp, mnlp = (1/W) sum_w log max_l p_w[l]"; }
  double score(const SentenceAnalysis& /*analysis*/, const Measures& measures) const override {
    return -measures.mnlp;
  }
};

}  // namespace

std::unique_ptr<Strategy> make_mnlp_strategy(const StrategyOptions& /*options*/) {
  return std::make_unique<MnlpStrategy>();
}

}  // namespace alsel
