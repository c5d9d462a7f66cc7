#include "alsel/selector.h"

#include <gtest/gtest.h>

#include <cmath>

namespace alsel {
namespace {

ScoredSentence sentence(uint64_t order) {
  ScoredSentence s;
  s.order = order;
  s.analysis.id = "s" + std::to_string(order);
  return s;
}

TEST(SelectorTest, KeepsTheBestKBestFirstWithTiesInPoolOrder) {
  TopKSelector top(3);
  const double scores[] = {0.5, 0.9, 0.1, 0.9, 0.7, 0.5};
  for (uint64_t i = 0; i < 6; ++i) top.offer(scores[i], sentence(i));
  std::vector<Selected> best = top.take();
  ASSERT_EQ(best.size(), 3u);
  EXPECT_EQ(best[0].sentence.order, 1u);  // 0.9, earlier
  EXPECT_EQ(best[1].sentence.order, 3u);  // 0.9, later
  EXPECT_EQ(best[2].sentence.order, 4u);  // 0.7
}

TEST(SelectorTest, EqualScoresAtTheCutKeepTheEarliest) {
  TopKSelector top(2);
  for (uint64_t i = 0; i < 5; ++i) top.offer(1.0, sentence(i));
  std::vector<Selected> best = top.take();
  ASSERT_EQ(best.size(), 2u);
  EXPECT_EQ(best[0].sentence.order, 0u);
  EXPECT_EQ(best[1].sentence.order, 1u);
}

TEST(SelectorTest, FewerItemsThanKAndZeroK) {
  TopKSelector top(10);
  top.offer(0.2, sentence(0));
  top.offer(0.4, sentence(1));
  std::vector<Selected> best = top.take();
  ASSERT_EQ(best.size(), 2u);
  EXPECT_EQ(best[0].sentence.order, 1u);
  TopKSelector none(0);
  none.offer(1.0, sentence(0));
  EXPECT_TRUE(none.take().empty());
}

TEST(SelectorTest, NanRanksLast) {
  TopKSelector top(2);
  top.offer(std::nan(""), sentence(0));
  top.offer(-5.0, sentence(1));
  top.offer(-7.0, sentence(2));
  std::vector<Selected> best = top.take();
  ASSERT_EQ(best.size(), 2u);
  EXPECT_EQ(best[0].sentence.order, 1u);
  EXPECT_EQ(best[1].sentence.order, 2u);
}

}  // namespace
}  // namespace alsel
