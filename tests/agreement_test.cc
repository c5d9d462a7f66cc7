#include "alsel/selection/agreement.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "alsel/util/errors.h"
#include "scratch_dir.h"

namespace alsel {
namespace {

using alsel::testing::ScratchDir;

// Hand-computed: 50 items, 35 on the diagonal (p_o = 0.7); rows 25/25, columns 30/20, so
// p_e = 0.5 x 0.6 + 0.5 x 0.4 = 0.5 and kappa = (0.7 - 0.5) / 0.5 = 0.4.
TEST(AgreementTest, CohenKappaOfHandComputedTables) {
  EXPECT_NEAR(cohen_kappa({{20, 5}, {10, 15}}), 0.4, 1e-12);
  EXPECT_NEAR(cohen_kappa({{5, 0}, {0, 5}}), 1.0, 1e-12);
  EXPECT_NEAR(cohen_kappa({{0, 5}, {5, 0}}), -1.0, 1e-12);
  // 3 labels: 100 items, diagonal 80; rows 50/30/20, columns 45/35/20:
  // p_e = .5*.45 + .3*.35 + .2*.2 = .37; kappa = (.8 - .37) / .63.
  EXPECT_NEAR(cohen_kappa({{40, 8, 2}, {4, 24, 2}, {1, 3, 16}}), 0.43 / 0.63, 1e-12);
  EXPECT_DOUBLE_EQ(cohen_kappa({{7}}), 1.0);  // one label everywhere: full agreement
  EXPECT_THROW(cohen_kappa({}), std::invalid_argument);
  EXPECT_THROW(cohen_kappa({{1, 2}}), std::invalid_argument);
  EXPECT_THROW(cohen_kappa({{0, 0}, {0, 0}}), std::invalid_argument);
}

std::string score_line(const std::string& id, const std::string& tags, const std::string& entities,
                       double entropy) {
  return "{\"id\": \"" + id + "\", \"entropy\": " + std::to_string(entropy) + ", \"tags\": " + tags +
         ", \"entities\": " + entities + "}\n";
}

TEST(AgreementTest, StopSetComparisonCountsWordsEntitiesAndUncertainty) {
  ScratchDir dir;
  // 8 words: a and b disagree on one (s2's last word): p_o = 7/8.
  const std::string a = dir.write(
      "a.jsonl",
      score_line("s1", R"(["B-PER","I-PER","O","O"])", R"([{"start":0,"end":2,"label":"PER"}])", 0.2) +
          score_line("s2", R"(["O","O","B-LOC","I-LOC"])", R"([{"start":2,"end":4,"label":"LOC"}])", 0.4));
  const std::string b = dir.write(
      "b.jsonl",
      score_line("s1", R"(["B-PER","I-PER","O","O"])", R"([{"start":0,"end":2,"label":"PER"}])", 0.1) +
          score_line("s2", R"(["O","O","B-LOC","O"])", R"([{"start":2,"end":3,"label":"LOC"}])", 0.3));
  const Agreement agreement =
      compare_stop_set_predictions(read_stop_set_scores(a), read_stop_set_scores(b));
  EXPECT_EQ(agreement.sentences, 2u);
  EXPECT_EQ(agreement.words, 8u);
  EXPECT_DOUBLE_EQ(agreement.observed, 7.0 / 8);
  // Labels a: O 4, B-PER 1, I-PER 1, B-LOC 1, I-LOC 1; b: O 5, B-PER 1, I-PER 1, B-LOC 1.
  const double expected = (4 * 5 + 1 * 1 + 1 * 1 + 1 * 1 + 1 * 0) / 64.0;
  EXPECT_DOUBLE_EQ(agreement.expected, expected);
  const double kappa = (7.0 / 8 - expected) / (1 - expected);
  EXPECT_NEAR(agreement.kappa, kappa, 1e-12);
  EXPECT_NEAR(agreement.f1_bound, 4 * (1 - kappa) / kappa, 1e-12);
  EXPECT_EQ(agreement.entities_a, 2u);
  EXPECT_EQ(agreement.entities_b, 2u);
  EXPECT_EQ(agreement.entities_common, 1u);
  EXPECT_DOUBLE_EQ(agreement.entity_f1, 0.5);
  EXPECT_NEAR(agreement.mean_entropy_a, 0.3, 1e-9);
  EXPECT_NEAR(agreement.mean_entropy_b, 0.2, 1e-9);
  const nlohmann::ordered_json json = agreement.to_json();
  EXPECT_NEAR(json["mean_entropy"]["change"].get<double>(), -0.1, 1e-9);
  // Against itself: kappa 1, bound 0.
  const Agreement same = compare_stop_set_predictions(read_stop_set_scores(a), read_stop_set_scores(a));
  EXPECT_DOUBLE_EQ(same.kappa, 1.0);
  EXPECT_DOUBLE_EQ(same.f1_bound, 0.0);
}

TEST(AgreementTest, MismatchedStopSetsAreRefusedWithTheIds) {
  ScratchDir dir;
  const std::string a = dir.write("a.jsonl", score_line("s1", R"(["O"])", "[]", 0) +
                                                 score_line("s2", R"(["O"])", "[]", 0));
  const std::string other_id = dir.write("b.jsonl", score_line("s1", R"(["O"])", "[]", 0) +
                                                        score_line("s3", R"(["O"])", "[]", 0));
  const std::string other_words = dir.write("c.jsonl", score_line("s1", R"(["O","O"])", "[]", 0) +
                                                           score_line("s2", R"(["O"])", "[]", 0));
  const std::string shorter = dir.write("d.jsonl", score_line("s1", R"(["O"])", "[]", 0));
  const StopSetScores base = read_stop_set_scores(a);
  try {
    compare_stop_set_predictions(base, read_stop_set_scores(other_id));
    FAIL() << "no exception";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("sentence 2: id s2"), std::string::npos) << error.what();
  }
  EXPECT_THROW(compare_stop_set_predictions(base, read_stop_set_scores(other_words)), InputError);
  EXPECT_THROW(compare_stop_set_predictions(base, read_stop_set_scores(shorter)), InputError);
  // Score lines without tags (an older alsel) or a repeated id.
  const std::string untagged = dir.write("e.jsonl", "{\"id\": \"s1\", \"entities\": []}\n");
  try {
    read_stop_set_scores(untagged);
    FAIL() << "no exception";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(untagged + ":1: id s1: no \"tags\""), std::string::npos)
        << error.what();
  }
  const std::string twice = dir.write("f.jsonl", score_line("s1", R"(["O"])", "[]", 0) +
                                                      score_line("s1", R"(["O"])", "[]", 0));
  EXPECT_THROW(read_stop_set_scores(twice), InputError);
}

TEST(AgreementTest, StoppingRuleNeedsAFullWindowAboveTheThreshold) {
  const StoppingRule rule{3, 0.99};
  EXPECT_FALSE(stopping_rule({}, rule).stop);
  EXPECT_FALSE(stopping_rule({0.995, 0.999}, rule).stop);       // only 2 of 3
  EXPECT_TRUE(stopping_rule({0.5, 0.99, 0.995, 0.995}, rule).stop);  // the first one is out
  const StopDecision below = stopping_rule({0.999, 0.999, 0.97}, rule);
  EXPECT_FALSE(below.stop);
  EXPECT_NEAR(below.window_mean, (0.999 + 0.999 + 0.97) / 3, 1e-12);
  EXPECT_NE(below.reason.find("below 0.99"), std::string::npos) << below.reason;
  EXPECT_TRUE(stopping_rule({0.95}, StoppingRule{1, 0.95}).stop);
  EXPECT_THROW(stopping_rule({1}, StoppingRule{0, 0.99}), UsageError);
  EXPECT_THROW(stopping_rule({1}, StoppingRule{3, 1.5}), UsageError);
}

}  // namespace
}  // namespace alsel
