#include "alsel/scoring/score_summary.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace alsel {
namespace {

TEST(ScoreSummaryTest, SmallStreamsAreExact) {
  ScoreSummary summary;
  for (double score : {0.5, 0.1, 0.9, 0.3, 0.7}) summary.add(score);
  EXPECT_TRUE(summary.exact());
  EXPECT_EQ(summary.count(), 5u);
  EXPECT_DOUBLE_EQ(summary.min(), 0.1);
  EXPECT_DOUBLE_EQ(summary.max(), 0.9);
  EXPECT_DOUBLE_EQ(summary.mean(), 0.5);
  EXPECT_DOUBLE_EQ(summary.quantile(0.5), 0.5);
  EXPECT_DOUBLE_EQ(summary.quantile(0.9), 0.82);  // 0.7 + 0.6 * (0.9 - 0.7)
  const auto json = summary.to_json();
  EXPECT_EQ(json["quantiles"], "exact");
  EXPECT_DOUBLE_EQ(json["median"].get<double>(), 0.5);
}

TEST(ScoreSummaryTest, EmptyAndNanScores) {
  ScoreSummary summary;
  EXPECT_TRUE(std::isnan(summary.mean()));
  EXPECT_TRUE(summary.to_json()["min"].is_null());
  EXPECT_TRUE(summary.histogram(10).empty());
  summary.add(std::nan(""));
  summary.add(2.0);
  EXPECT_EQ(summary.count(), 1u);
  EXPECT_EQ(summary.nan_count(), 1u);
  EXPECT_DOUBLE_EQ(summary.quantile(0.5), 2.0);
  ASSERT_EQ(summary.histogram(10).size(), 1u);  // min == max: one bin
  EXPECT_DOUBLE_EQ(summary.histogram(10)[0].count, 1.0);
}

TEST(ScoreSummaryTest, LargeStreamsKeepExactMomentsAndApproximateQuantiles) {
  ScoreSummary summary(4096);
  std::mt19937_64 random(1);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> all;
  for (int i = 0; i < 200000; ++i) {
    all.push_back(uniform(random));
    summary.add(all.back());
  }
  EXPECT_FALSE(summary.exact());
  EXPECT_EQ(summary.count(), all.size());
  EXPECT_DOUBLE_EQ(summary.min(), *std::min_element(all.begin(), all.end()));
  EXPECT_DOUBLE_EQ(summary.max(), *std::max_element(all.begin(), all.end()));
  double sum = 0;
  for (double x : all) sum += x;
  EXPECT_NEAR(summary.mean(), sum / all.size(), 1e-12);
  std::sort(all.begin(), all.end());
  // 5 standard errors of the rank: sqrt(q(1-q)/4096) ~ 0.8% for the median.
  EXPECT_NEAR(summary.quantile(0.5), all[all.size() / 2], 0.04);
  EXPECT_NEAR(summary.quantile(0.9), all[all.size() * 9 / 10], 0.025);
  double total = 0;
  for (const HistogramBin& bin : summary.histogram(20)) {
    total += bin.count;
    EXPECT_NEAR(bin.count, all.size() / 20.0, all.size() / 20.0 * 0.25) << bin.low;
  }
  EXPECT_NEAR(total, static_cast<double>(all.size()), 1e-6);
  EXPECT_NE(summary.to_json()["quantiles"].get<std::string>().find("reservoir"), std::string::npos);
}

TEST(ScoreSummaryTest, SameStreamSameResult) {
  ScoreSummary a(100), b(100);
  for (int i = 0; i < 10000; ++i) {
    a.add(std::sin(i));
    b.add(std::sin(i));
  }
  EXPECT_EQ(a.quantile(0.5), b.quantile(0.5));
  EXPECT_EQ(a.quantile(0.9), b.quantile(0.9));
}

}  // namespace
}  // namespace alsel
