#include "alsel/scoring/entity_metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace alsel {
namespace {

GoldSpan span(int start, int end, const std::string& label) { return GoldSpan{start, end, label}; }

TEST(EntityMetricsTest, EmptyIsAllZero) {
  EntityMetrics metrics;
  EXPECT_EQ(metrics.sentences(), 0u);
  EXPECT_EQ(metrics.overall().f1(), 0.0);
  EXPECT_EQ(metrics.overall().precision(), 0.0);
  EXPECT_EQ(metrics.overall().recall(), 0.0);
  metrics.add({}, {});
  EXPECT_EQ(metrics.sentences(), 1u);
  EXPECT_TRUE(metrics.per_type().empty());
  EXPECT_EQ(metrics.to_json()["f1"], 0.0);
}

TEST(EntityMetricsTest, NoPredictionsGivesZeroPrecision) {
  EntityMetrics metrics;
  metrics.add({span(0, 2, "PER"), span(3, 5, "LOC")}, {});
  EXPECT_EQ(metrics.overall().gold, 2u);
  EXPECT_EQ(metrics.overall().predicted, 0u);
  EXPECT_EQ(metrics.overall().precision(), 0.0);
  EXPECT_EQ(metrics.overall().recall(), 0.0);
  EXPECT_EQ(metrics.overall().f1(), 0.0);
}

TEST(EntityMetricsTest, PerfectPrediction) {
  EntityMetrics metrics;
  metrics.add({span(0, 2, "PER")}, {span(0, 2, "PER")});
  EXPECT_DOUBLE_EQ(metrics.overall().f1(), 1.0);
  EXPECT_DOUBLE_EQ(metrics.to_json()["f1"].get<double>(), 100.0);
}

TEST(EntityMetricsTest, PartialOverlapsAndWrongLabelsDoNotCount) {
  EntityMetrics metrics;
  metrics.add({span(0, 3, "PER"), span(5, 7, "LOC")},
              {span(0, 2, "PER"), span(1, 3, "PER"), span(5, 7, "ORG")});
  EXPECT_EQ(metrics.overall().correct, 0u);
  EXPECT_EQ(metrics.overall().gold, 2u);
  EXPECT_EQ(metrics.overall().predicted, 3u);
  EXPECT_EQ(metrics.overall().f1(), 0.0);
}

TEST(EntityMetricsTest, DuplicatePredictionMatchesOnce) {
  EntityMetrics metrics;
  metrics.add({span(0, 2, "PER")}, {span(0, 2, "PER"), span(0, 2, "PER")});
  EXPECT_EQ(metrics.overall().correct, 1u);
  EXPECT_DOUBLE_EQ(metrics.overall().precision(), 0.5);
  EXPECT_DOUBLE_EQ(metrics.overall().recall(), 1.0);
}

TEST(EntityMetricsTest, PerTypeNumbersByHand) {
  EntityMetrics metrics;
  // Sentence 1: gold PER[0,2) LOC[3,5); predicted PER[0,2) (correct), LOC[3,4) (wrong end).
  metrics.add({span(0, 2, "PER"), span(3, 5, "LOC")}, {span(0, 2, "PER"), span(3, 4, "LOC")});
  // Sentence 2: gold LOC[0,2) ORG[4,8); predicted LOC[0,2) (correct), PER[4,8) (wrong type).
  metrics.add({span(0, 2, "LOC"), span(4, 8, "ORG")}, {span(4, 8, "PER"), span(0, 2, "LOC")});
  // Sentence 3: nothing.
  metrics.add({}, {});

  EXPECT_EQ(metrics.sentences(), 3u);
  const TypeCounts& overall = metrics.overall();
  EXPECT_EQ(overall.gold, 4u);
  EXPECT_EQ(overall.predicted, 4u);
  EXPECT_EQ(overall.correct, 2u);
  EXPECT_DOUBLE_EQ(overall.precision(), 0.5);
  EXPECT_DOUBLE_EQ(overall.recall(), 0.5);
  EXPECT_DOUBLE_EQ(overall.f1(), 0.5);

  ASSERT_EQ(metrics.per_type().size(), 3u);
  const TypeCounts& per = metrics.per_type().at("PER");  // gold 1, predicted 2, correct 1
  EXPECT_EQ(per.gold, 1u);
  EXPECT_EQ(per.predicted, 2u);
  EXPECT_EQ(per.correct, 1u);
  EXPECT_DOUBLE_EQ(per.precision(), 0.5);
  EXPECT_DOUBLE_EQ(per.recall(), 1.0);
  EXPECT_DOUBLE_EQ(per.f1(), 2.0 / 3.0);
  const TypeCounts& loc = metrics.per_type().at("LOC");  // gold 2, predicted 2, correct 1
  EXPECT_DOUBLE_EQ(loc.precision(), 0.5);
  EXPECT_DOUBLE_EQ(loc.recall(), 0.5);
  const TypeCounts& org = metrics.per_type().at("ORG");  // gold 1, predicted 0
  EXPECT_EQ(org.predicted, 0u);
  EXPECT_EQ(org.precision(), 0.0);
  EXPECT_EQ(org.recall(), 0.0);
  EXPECT_EQ(org.f1(), 0.0);

  const nlohmann::json report = metrics.to_json();
  EXPECT_EQ(report["scale"], "percent");
  EXPECT_DOUBLE_EQ(report["f1"].get<double>(), 50.0);
  EXPECT_DOUBLE_EQ(report["precision"].get<double>(), 50.0);
  EXPECT_EQ(report["sentences"], 3);
  EXPECT_EQ(report["gold"], 4);
  EXPECT_EQ(report["predicted"], 4);
  EXPECT_EQ(report["correct"], 2);
  EXPECT_NEAR(report["per_type"]["PER"]["f1"].get<double>(), 66.6667, 1e-3);
  EXPECT_EQ(report["per_type"]["ORG"]["gold"], 1);

  const std::string table = metrics.to_table();
  EXPECT_NE(table.find("processed 3 sentences; found: 4 entities; correct: 2"), std::string::npos)
      << table;
  EXPECT_NE(table.find("FB1:  50.00"), std::string::npos) << table;
  EXPECT_NE(table.find("PER: precision:  50.00%; recall: 100.00%; FB1:  66.67"), std::string::npos)
      << table;
}

}  // namespace
}  // namespace alsel
