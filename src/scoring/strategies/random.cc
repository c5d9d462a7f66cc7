// random: a seeded pseudo-random score per sentence id, the baseline of the article.
//
// The score depends only on (seed, id), not on pool order, thread count or platform:
//   u = (splitmix64(fnv1a64(id) ^ splitmix64(seed)) >> 11) * 2^-53, in [0, 1)
// where fnv1a64 is 64-bit FNV-1a over the id's UTF-8 bytes and splitmix64 is Vigna's
// finalizer (with its 0x9e3779b97f4a7c15 increment). Keep this formula stable: changing it
// changes every random selection made with a given seed.
#include <cstdint>
#include <sstream>

#include "alsel/scoring/strategy.h"

namespace alsel {
namespace {

uint64_t fnv1a64(const std::string& bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a 64-bit offset basis
  for (const char byte : bytes) {
    hash ^= static_cast<unsigned char>(byte);
    hash *= 0x100000001b3ULL;  // FNV-1a 64-bit prime
  }
  return hash;
}

uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(uint64_t seed) : seed_(seed), mixed_seed_(splitmix64(seed)) {}

  std::string name() const override { return "random"; }
  std::string definition() const override {
    std::ostringstream out;
    out << "uniform [0, 1) hash of (seed, id), seed = " << seed_;
    return out.str();
  }
  double score(const SentenceAnalysis& analysis, const Measures& /*measures*/) const override {
    const uint64_t bits = splitmix64(fnv1a64(analysis.id) ^ mixed_seed_);
    // The top 53 bits fill a double's mantissa exactly, so the result is < 1.
    return static_cast<double>(bits >> 11) * 0x1.0p-53;
  }

 private:
  const uint64_t seed_;        // as given, for definition()
  const uint64_t mixed_seed_;  // splitmix64(seed), computed once
};

}  // namespace

std::unique_ptr<Strategy> make_random_strategy(const StrategyOptions& options) {
  return std::make_unique<RandomStrategy>(options.seed);
}

}  // namespace alsel
