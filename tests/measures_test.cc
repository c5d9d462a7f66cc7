// Measures on hand-built distributions; every expected number is worked out in the comments.
#include "alsel/scoring/measures.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace alsel {
namespace {

SentenceAnalysis make_analysis(int num_words, int num_labels, std::vector<double> probabilities,
                               std::vector<int> best_path, int unknown_entities = 0) {
  SentenceAnalysis analysis;
  analysis.id = "s";
  analysis.num_words = num_words;
  analysis.num_labels = num_labels;
  analysis.probabilities = std::move(probabilities);
  analysis.best_path = std::move(best_path);
  analysis.unknown_entities = unknown_entities;
  return analysis;
}

// Two words, three labels:
//   word 0: {0.5, 0.3, 0.2}  max 0.5
//   word 1: {0.1, 0.1, 0.8}  max 0.8
SentenceAnalysis two_word_sentence(std::vector<int> best_path) {
  return make_analysis(2, 3, {0.5, 0.3, 0.2, 0.1, 0.1, 0.8}, std::move(best_path), 3);
}

TEST(MeasuresTest, HandComputedTwoWordSentence) {
  const Measures m = compute_measures(two_word_sentence({0, 2}), 0.81);
  // nlc = (0.5 + 0.8) / 2 = 0.65
  EXPECT_NEAR(m.nlc, 0.65, 1e-12);
  // threshold 0.81 keeps both words: trimmed = nlc = 0.65
  EXPECT_NEAR(m.trimmed, 0.65, 1e-12);
  // mnlp = (ln 0.5 + ln 0.8) / 2 = (-0.693147181 - 0.223143551) / 2 = -0.458145366
  EXPECT_NEAR(m.mnlp, -0.458145366, 1e-9);
  // word 0: -(0.5 ln 0.5 + 0.3 ln 0.3 + 0.2 ln 0.2)
  //       = 0.5 * 0.693147181 + 0.3 * 1.203972804 + 0.2 * 1.609437912
  //       = 0.346573590 + 0.361191841 + 0.321887582 = 1.029653014
  // word 1: -(2 * 0.1 ln 0.1 + 0.8 ln 0.8) = 0.2 * 2.302585093 + 0.8 * 0.223143551
  //       = 0.460517019 + 0.178514841 = 0.639031860
  // entropy = (1.029653014 + 0.639031860) / 2 = 0.834342437
  EXPECT_NEAR(m.entropy, 0.834342437, 1e-9);
  // path {0, 2}: min(p[0][0], p[1][2]) = min(0.5, 0.8) = 0.5
  EXPECT_NEAR(m.ltp, 0.5, 1e-12);
  EXPECT_EQ(m.unknown_entities, 3);
}

TEST(MeasuresTest, LtpFollowsTheBestPathNotTheArgmax) {
  // A Viterbi path may differ from the per-word argmax. Path {1, 2}: min(0.3, 0.8) = 0.3.
  const Measures m = compute_measures(two_word_sentence({1, 2}), kDefaultTrimThreshold);
  EXPECT_NEAR(m.ltp, 0.3, 1e-12);
}

TEST(MeasuresTest, TrimmedDropsWordsAtOrAboveTheThreshold) {
  // Threshold 0.8: word 1 (max exactly 0.8) is dropped, word 0 (0.5) kept -> trimmed = 0.5.
  EXPECT_NEAR(compute_measures(two_word_sentence({0, 2}), 0.8).trimmed, 0.5, 1e-12);
  // Threshold 0.7: same split -> 0.5. nlc is untouched by the threshold: 0.65.
  const Measures m = compute_measures(two_word_sentence({0, 2}), 0.7);
  EXPECT_NEAR(m.trimmed, 0.5, 1e-12);
  EXPECT_NEAR(m.nlc, 0.65, 1e-12);
}

TEST(MeasuresTest, TrimmedFallsBackToNlcWhenEveryWordIsDropped) {
  // Maxima 0.995 and 1.0, both >= 0.99: no word kept, trimmed = nlc = (0.995 + 1.0) / 2 = 0.9975.
  const SentenceAnalysis confident = make_analysis(2, 2, {0.995, 0.005, 1.0, 0.0}, {0, 0});
  const Measures m = compute_measures(confident, 0.99);
  EXPECT_NEAR(m.trimmed, 0.9975, 1e-12);
  EXPECT_NEAR(m.nlc, 0.9975, 1e-12);
  // Any sentence with a kept word has trimmed < 0.99, so the confident one ranks below it.
  const SentenceAnalysis one_kept = make_analysis(2, 2, {0.989, 0.011, 1.0, 0.0}, {0, 0});
  EXPECT_NEAR(compute_measures(one_kept, 0.99).trimmed, 0.989, 1e-12);
  EXPECT_GT(m.trimmed, compute_measures(one_kept, 0.99).trimmed);
}

TEST(MeasuresTest, ZeroProbabilitiesAreHandled) {
  // Word {1, 0}: entropy -1 ln 1 - 0 ln 0 = 0 (0 ln 0 = 0), log max = ln 1 = 0.
  // Word {0, 0} (corrupt, not normalized): max 0 clamps to 1e-300, ln 1e-300 = -690.7755279.
  // mnlp = (0 - 690.7755279) / 2 = -345.3877639; entropy = 0; ltp = min(1, 0) = 0.
  const Measures m = compute_measures(make_analysis(2, 2, {1.0, 0.0, 0.0, 0.0}, {0, 1}), 0.99);
  EXPECT_EQ(m.entropy, 0.0);
  EXPECT_NEAR(m.mnlp, -345.3877639, 1e-6);
  EXPECT_EQ(m.ltp, 0.0);
  EXPECT_NEAR(m.nlc, 0.5, 1e-12);
}

TEST(MeasuresTest, UniformDistributionHasLogLEntropy) {
  // Four labels at 0.25 each: entropy = ln 4 = 1.386294361, mnlp = ln 0.25 = -1.386294361.
  const Measures m = compute_measures(make_analysis(1, 4, {0.25, 0.25, 0.25, 0.25}, {3}), 0.99);
  EXPECT_NEAR(m.entropy, 1.386294361, 1e-9);
  EXPECT_NEAR(m.mnlp, -1.386294361, 1e-9);
  EXPECT_NEAR(m.nlc, 0.25, 1e-12);
  EXPECT_NEAR(m.trimmed, 0.25, 1e-12);
  EXPECT_NEAR(m.ltp, 0.25, 1e-12);
}

TEST(MeasuresTest, RejectsEmptyAndMisshapenInput) {
  EXPECT_THROW(compute_measures(make_analysis(0, 3, {}, {}), 0.99), std::invalid_argument);
  // probabilities one value short of W*L = 6
  EXPECT_THROW(compute_measures(make_analysis(2, 3, {0.5, 0.3, 0.2, 0.1, 0.9}, {0, 2}), 0.99),
               std::invalid_argument);
  // best_path length 1 for 2 words
  EXPECT_THROW(compute_measures(two_word_sentence({0}), 0.99), std::invalid_argument);
  // best_path label 3 outside [0, 3)
  try {
    compute_measures(two_word_sentence({0, 3}), 0.99);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("best_path[1] = 3"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace alsel
