// CRF inference checked against brute-force enumeration of every label sequence.
#include "alsel/model/crf.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "alsel/util/errors.h"

namespace alsel {
namespace {

struct Case {
  int num_words = 0;
  CrfParameters crf;
  std::vector<float> emissions;  // [W*L]
};

Case random_case(unsigned seed, int num_words, int num_labels, float scale) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> value(-scale, scale);
  Case c;
  c.num_words = num_words;
  c.crf.num_labels = num_labels;
  for (int i = 0; i < num_labels * num_labels; ++i) c.crf.transitions.push_back(value(generator));
  for (int i = 0; i < num_labels; ++i) c.crf.start_transitions.push_back(value(generator));
  for (int i = 0; i < num_labels; ++i) c.crf.end_transitions.push_back(value(generator));
  for (int i = 0; i < num_words * num_labels; ++i) c.emissions.push_back(value(generator));
  return c;
}

// Score written out independently of crf.cc, straight from the definition in crf.h.
double reference_score(const Case& c, const std::vector<int>& path) {
  const int L = c.crf.num_labels;
  double score = static_cast<double>(c.crf.start_transitions[path.front()]) +
                 c.crf.end_transitions[path.back()];
  for (int w = 0; w < c.num_words; ++w) score += c.emissions[w * L + path[w]];
  for (int w = 1; w < c.num_words; ++w) score += c.crf.transitions[path[w - 1] * L + path[w]];
  return score;
}

struct BruteForce {
  std::vector<int> best_path;
  double log_partition = 0;
  std::vector<double> marginals;  // [W*L]
};

// Enumerates all L^W paths like an odometer (W <= 5, L <= 4: at most 1024 paths).
BruteForce brute_force(const Case& c) {
  const int W = c.num_words;
  const int L = c.crf.num_labels;
  std::vector<std::vector<int>> paths;
  std::vector<double> scores;
  std::vector<int> path(W, 0);
  while (true) {
    paths.push_back(path);
    scores.push_back(reference_score(c, path));
    int w = W - 1;
    while (w >= 0 && path[w] == L - 1) path[w--] = 0;
    if (w < 0) break;
    ++path[w];
  }
  BruteForce result;
  const size_t best = std::max_element(scores.begin(), scores.end()) - scores.begin();
  result.best_path = paths[best];
  const double maximum = scores[best];
  double total = 0;
  for (double s : scores) total += std::exp(s - maximum);
  result.log_partition = maximum + std::log(total);
  result.marginals.assign(W * L, 0.0);
  for (size_t p = 0; p < paths.size(); ++p) {
    const double probability = std::exp(scores[p] - result.log_partition);
    for (int w = 0; w < W; ++w) result.marginals[w * L + paths[p][w]] += probability;
  }
  return result;
}

TEST(CrfTest, MatchesBruteForceOnRandomCases) {
  int cases = 0;
  for (unsigned seed = 1; seed <= 6; ++seed) {
    for (int W = 1; W <= 5; ++W) {
      for (int L = 2; L <= 4; ++L) {
        const Case c = random_case(seed * 1000 + W * 10 + L, W, L, 3.0f);
        const BruteForce expected = brute_force(c);
        SCOPED_TRACE("seed=" + std::to_string(seed) + " W=" + std::to_string(W) +
                     " L=" + std::to_string(L));

        EXPECT_EQ(viterbi_decode(c.emissions.data(), W, c.crf), expected.best_path);
        EXPECT_NEAR(log_partition(c.emissions.data(), W, c.crf), expected.log_partition, 1e-6);
        EXPECT_NEAR(path_score(c.emissions.data(), W, expected.best_path, c.crf),
                    reference_score(c, expected.best_path), 1e-6);

        const std::vector<double> marginals = crf_marginals(c.emissions.data(), W, c.crf);
        ASSERT_EQ(marginals.size(), expected.marginals.size());
        for (size_t i = 0; i < marginals.size(); ++i) {
          EXPECT_NEAR(marginals[i], expected.marginals[i], 1e-6)
              << "marginal index " << i << " (word " << i / L << ", label " << i % L << ")";
        }
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 6 * 5 * 3);
}

TEST(CrfTest, MarginalRowsSumToOne) {
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const int W = 7, L = 5;
    const Case c = random_case(seed, W, L, 10.0f);
    const std::vector<double> marginals = crf_marginals(c.emissions.data(), W, c.crf);
    for (int w = 0; w < W; ++w) {
      double sum = 0;
      for (int l = 0; l < L; ++l) {
        EXPECT_GE(marginals[w * L + l], 0.0) << "seed " << seed << " word " << w << " label " << l;
        sum += marginals[w * L + l];
      }
      EXPECT_NEAR(sum, 1.0, 1e-12) << "seed " << seed << " word " << w;
    }
  }
}

TEST(CrfTest, StableWithEmissionsOfMagnitudeOneThousand) {
  // Emissions in [-1000, 1000]: exp() of any single path score overflows a double, so only a
  // log-space implementation gets finite answers. Brute force here is itself log-sum-exp.
  for (unsigned seed = 1; seed <= 4; ++seed) {
    const int W = 4, L = 3;
    const Case c = random_case(seed, W, L, 1000.0f);
    const BruteForce expected = brute_force(c);
    const double log_z = log_partition(c.emissions.data(), W, c.crf);
    ASSERT_TRUE(std::isfinite(log_z)) << "seed " << seed;
    // log Z is ~1e3 here, so compare relative to its size.
    EXPECT_NEAR(log_z, expected.log_partition, 1e-9 * std::abs(expected.log_partition));
    EXPECT_EQ(viterbi_decode(c.emissions.data(), W, c.crf), expected.best_path);
    const std::vector<double> marginals = crf_marginals(c.emissions.data(), W, c.crf);
    for (size_t i = 0; i < marginals.size(); ++i) {
      ASSERT_TRUE(std::isfinite(marginals[i])) << "seed " << seed << " index " << i;
      EXPECT_NEAR(marginals[i], expected.marginals[i], 1e-6) << "seed " << seed << " index " << i;
    }
  }
}

TEST(CrfTest, ShiftingOneWordsEmissionsShiftsLogPartitionOnly) {
  // Adding c to every label's emission at one word adds c to every path score: log Z grows by
  // exactly c and the marginals do not change.
  // Emissions are rounded to multiples of 1/64 so that adding 512 is exact in float.
  const int W = 3, L = 4;
  Case c = random_case(77, W, L, 2.0f);
  for (float& e : c.emissions) e = std::round(e * 64.0f) / 64.0f;
  const double log_z = log_partition(c.emissions.data(), W, c.crf);
  const std::vector<double> marginals = crf_marginals(c.emissions.data(), W, c.crf);
  for (int l = 0; l < L; ++l) c.emissions[1 * L + l] += 512.0f;
  EXPECT_NEAR(log_partition(c.emissions.data(), W, c.crf), log_z + 512.0, 1e-9);
  const std::vector<double> shifted = crf_marginals(c.emissions.data(), W, c.crf);
  for (size_t i = 0; i < marginals.size(); ++i) {
    EXPECT_NEAR(shifted[i], marginals[i], 1e-9) << "index " << i;
  }
}

TEST(CrfTest, ZeroWordsGiveEmptyResults) {
  const Case c = random_case(3, 0, 3, 1.0f);
  EXPECT_TRUE(viterbi_decode(nullptr, 0, c.crf).empty());
  EXPECT_TRUE(crf_marginals(nullptr, 0, c.crf).empty());
  EXPECT_EQ(log_partition(nullptr, 0, c.crf), 0.0);
  EXPECT_EQ(path_score(nullptr, 0, {}, c.crf), 0.0);
  EXPECT_TRUE(softmax_probabilities(nullptr, 0, 3).empty());
  EXPECT_TRUE(argmax_decode(nullptr, 0, 3).empty());
}

TEST(CrfTest, ViterbiTiesBreakTowardLowerLabel) {
  // All scores zero: every path ties, so the all-zeros path must win.
  CrfParameters crf;
  crf.num_labels = 3;
  crf.transitions.assign(9, 0.0f);
  crf.start_transitions.assign(3, 0.0f);
  crf.end_transitions.assign(3, 0.0f);
  const std::vector<float> emissions(4 * 3, 1.5f);
  EXPECT_EQ(viterbi_decode(emissions.data(), 4, crf), std::vector<int>({0, 0, 0, 0}));
  // Labels 1 and 2 tie above label 0 at every word: label 1 wins everywhere.
  const std::vector<float> tied = {0, 2, 2, 0, 2, 2};
  EXPECT_EQ(viterbi_decode(tied.data(), 2, crf), std::vector<int>({1, 1}));
  EXPECT_EQ(argmax_decode(tied.data(), 2, 3), std::vector<int>({1, 1}));
}

TEST(CrfTest, TransitionsCanOverrideEmissions) {
  // Word 1 prefers label 1 by emission (1 vs 0), but the 0 -> 1 transition costs 5.
  CrfParameters crf;
  crf.num_labels = 2;
  crf.transitions = {0.0f, -5.0f, 0.0f, 0.0f};
  crf.start_transitions = {0.0f, 0.0f};
  crf.end_transitions = {0.0f, 0.0f};
  const std::vector<float> emissions = {3.0f, 0.0f, 0.0f, 1.0f};
  // Paths: 00 = 3+0+0 = 3; 01 = 3+1-5 = -1; 10 = 0+0+0 = 0; 11 = 0+1+0 = 1.
  EXPECT_EQ(viterbi_decode(emissions.data(), 2, crf), std::vector<int>({0, 0}));
  EXPECT_NEAR(path_score(emissions.data(), 2, {1, 1}, crf), 1.0, 1e-12);
  // log Z = log(e^3 + e^-1 + e^0 + e^1) = log(20.0855 + 0.3679 + 1 + 2.7183) = log(24.1717)
  EXPECT_NEAR(log_partition(emissions.data(), 2, crf),
              std::log(std::exp(3.0) + std::exp(-1.0) + 1.0 + std::exp(1.0)), 1e-12);
}

TEST(CrfTest, SoftmaxAndArgmax) {
  // Row 0: logits {0, ln 3} -> {1/4, 3/4}. Row 1: {1000, 999}: a naive exp overflows;
  // stable result {1/(1+e^-1), e^-1/(1+e^-1)} = {0.731059, 0.268941}.
  const std::vector<float> logits = {0.0f, static_cast<float>(std::log(3.0)), 1000.0f, 999.0f};
  const std::vector<double> p = softmax_probabilities(logits.data(), 2, 2);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_NEAR(p[0], 0.25, 1e-7);
  EXPECT_NEAR(p[1], 0.75, 1e-7);
  EXPECT_NEAR(p[2], 1.0 / (1.0 + std::exp(-1.0)), 1e-12);
  EXPECT_NEAR(p[3], std::exp(-1.0) / (1.0 + std::exp(-1.0)), 1e-12);
  EXPECT_EQ(argmax_decode(logits.data(), 2, 2), std::vector<int>({1, 0}));
}

TEST(CrfTest, ValidateNamesTheWrongField) {
  CrfParameters crf;
  crf.num_labels = 3;
  crf.transitions.assign(9, 0.0f);
  crf.start_transitions.assign(3, 0.0f);
  crf.end_transitions.assign(2, 0.0f);
  try {
    crf.validate();
    FAIL() << "expected ModelError";
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find("end_transitions has 2"), std::string::npos)
        << error.what();
  }
  crf.end_transitions.assign(3, 0.0f);
  crf.transitions.assign(8, 0.0f);
  EXPECT_THROW(crf.validate(), ModelError);
  crf.transitions.assign(9, 0.0f);
  EXPECT_NO_THROW(crf.validate());
  const std::vector<float> emissions(3, 0.0f);
  EXPECT_THROW(viterbi_decode(emissions.data(), -1, crf), std::invalid_argument);
  EXPECT_THROW(path_score(emissions.data(), 1, {3}, crf), std::invalid_argument);
  EXPECT_THROW(path_score(emissions.data(), 1, {0, 0}, crf), std::invalid_argument);
}


TEST(CrfTest, NonFiniteTransitionsAreAModelError) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    CrfParameters crf;
    crf.num_labels = 2;
    crf.transitions = {0.f, 1.f, bad, 0.f};
    crf.start_transitions = {0.f, 0.f};
    crf.end_transitions = {0.f, 0.f};
    try {
      crf.validate();
      ADD_FAILURE() << "accepted transition " << bad;
    } catch (const ModelError& error) {
      EXPECT_NE(std::string(error.what()).find("transitions[2]"), std::string::npos) << error.what();
    }
    crf.transitions = {0.f, 1.f, 0.f, 0.f};
    crf.end_transitions = {0.f, bad};
    EXPECT_THROW(crf.validate(), ModelError);
  }
}

}  // namespace
}  // namespace alsel
