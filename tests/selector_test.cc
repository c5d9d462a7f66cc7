#include "alsel/selection/selector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

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

ScoredSentence sized(uint64_t order, int chars) {
  ScoredSentence s = sentence(order);
  s.analysis.num_chars = chars;
  return s;
}

TEST(SelectorTest, BudgetTakesTheLongestFittingPrefixNeverASkippedSentence) {
  // Ranked: s0 (0.9, 6 chars), s1 (0.8, 5), s2 (0.7, 1). Budget 10: s0 fits (6), s1 would
  // overflow (11): the batch stops there, although s2 alone would still fit.
  TopKSelector top = TopKSelector::within_chars(10);
  top.offer(0.7, sized(2, 1));
  top.offer(0.9, sized(0, 6));
  top.offer(0.8, sized(1, 5));
  std::vector<Selected> kept = top.take();
  ASSERT_EQ(kept.size(), 2u);  // the prefix and its stopper
  EXPECT_EQ(kept[0].sentence.order, 0u);
  EXPECT_EQ(kept[1].sentence.order, 1u);
  EXPECT_EQ(chars_prefix(kept, 10), 1u);
  EXPECT_EQ(chars_prefix(kept, 11), 2u);  // exactly full
  EXPECT_EQ(total_chars(kept), 11u);
  // A best-ranked sentence longer than the budget: nothing fits.
  TopKSelector tight = TopKSelector::within_chars(5);
  tight.offer(0.9, sized(0, 6));
  tight.offer(0.1, sized(1, 1));
  kept = tight.take();
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(chars_prefix(kept, 5), 0u);
}

TEST(SelectorTest, BudgetSelectionEqualsTheSortedRankingWhateverTheOfferOrder) {
  std::mt19937 random(7);
  for (int trial = 0; trial < 400; ++trial) {
    const size_t n = 1 + random() % 60;
    const size_t budget = 1 + random() % 200;
    std::vector<std::pair<double, int>> items;  // score (with ties), chars
    for (size_t i = 0; i < n; ++i) {
      items.emplace_back(static_cast<double>(random() % 8), 1 + static_cast<int>(random() % 30));
    }
    // Expected: sort by the ranking, take the prefix that fits, plus the stopper.
    std::vector<uint64_t> order(n);
    for (uint64_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) {
      return TopKSelector::ranks_before(items[a].first, a, items[b].first, b);
    });
    std::vector<uint64_t> expected;
    size_t used = 0;
    for (uint64_t i : order) {
      expected.push_back(i);
      if (used + static_cast<size_t>(items[i].second) > budget) break;  // the stopper
      used += static_cast<size_t>(items[i].second);
    }
    std::vector<uint64_t> offers = order;
    std::shuffle(offers.begin(), offers.end(), random);
    TopKSelector top = TopKSelector::within_chars(budget);
    for (uint64_t i : offers) top.offer(items[i].first, sized(i, items[i].second));
    const std::vector<Selected> kept = top.take();
    std::vector<uint64_t> got;
    for (const Selected& item : kept) got.push_back(item.sentence.order);
    ASSERT_EQ(got, expected) << "trial " << trial << ", budget " << budget;
    const size_t fitting = chars_prefix(kept, budget);
    EXPECT_LE(total_chars(std::vector<Selected>(kept.begin(), kept.begin() + static_cast<long>(fitting))),
              budget);
  }
}

TEST(SelectorTest, BatchLimitNamesItsUnit) {
  EXPECT_EQ(BatchLimit(7).to_string(), "k=7");
  EXPECT_FALSE(BatchLimit(7).by_chars());
  EXPECT_EQ(BatchLimit::chars(300).to_string(), "budget_chars=300");
  EXPECT_TRUE(BatchLimit::chars(300).by_chars());
}

}  // namespace
}  // namespace alsel
