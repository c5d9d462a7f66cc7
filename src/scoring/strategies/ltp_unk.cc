// ltp-unk: ltp plus a bonus for sentences whose predicted entities are not yet known.
#include <algorithm>
#include <sstream>

#include "alsel/scoring/strategy.h"

namespace alsel {
namespace {

class LtpUnkStrategy final : public Strategy {
 public:
  LtpUnkStrategy(double e1, double e2, int unk_cap) : e1_(e1), e2_(e2), unk_cap_(unk_cap) {}

  std::string name() const override { return "ltp-unk"; }
  bool needs_known_entities() const override { return true; }
  std::string definition() const override {
    std::ostringstream out;
    out << "e1 * (1 - ltp) + e2 * min(unknown_entities, N) / N, e1 = " << e1_ << ", e2 = " << e2_
        << ", N = " << unk_cap_;
    return out.str();
  }
  double score(const SentenceAnalysis& /*analysis*/, const Measures& measures) const override {
    // A negative count (corrupt input) counts as none.
    const int unknown = std::clamp(measures.unknown_entities, 0, unk_cap_);
    const double unknown_fraction = static_cast<double>(unknown) / unk_cap_;
    return e1_ * (1.0 - measures.ltp) + e2_ * unknown_fraction;
  }

 private:
  const double e1_;    // weight of (1 - ltp)
  const double e2_;    // weight of the unknown-entity fraction P(x)
  const int unk_cap_;  // N: unknown-entity count at which P(x) saturates at 1
};

}  // namespace

std::unique_ptr<Strategy> make_ltp_unk_strategy(const StrategyOptions& options) {
  return std::make_unique<LtpUnkStrategy>(options.e1, options.e2, options.unk_cap);
}

}  // namespace alsel
