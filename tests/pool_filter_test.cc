#include "alsel/selection/pool_filter.h"

#include <gtest/gtest.h>

namespace alsel {
namespace {

TEST(PoolFilterTest, LabeledThenSentThenDuplicates) {
  ExclusionSet labeled, sent;
  labeled.add("L", "已标注的句子。");
  sent.add("S", "已发送的句子。");
  PoolFilter filter(&labeled, &sent, true);
  EXPECT_EQ(filter.check("L", "anything").verdict, FilterVerdict::kLabeled);
  EXPECT_EQ(filter.check("x1", "已标注的句子").verdict, FilterVerdict::kLabeled);
  EXPECT_EQ(filter.check("S", "anything else").verdict, FilterVerdict::kSent);
  EXPECT_EQ(filter.check("x2", "已发送的句子！").verdict, FilterVerdict::kSent);
  EXPECT_EQ(filter.check("a", "新句子。").verdict, FilterVerdict::kKeep);
  const FilterDecision duplicate = filter.check("b", "新 句子！");
  EXPECT_EQ(duplicate.verdict, FilterVerdict::kDuplicate);
  EXPECT_EQ(filter.check("c", "另一个新句子。").verdict, FilterVerdict::kKeep);
  EXPECT_EQ(filter.counts().labeled, 2u);
  EXPECT_EQ(filter.counts().sent, 2u);
  EXPECT_EQ(filter.counts().duplicates, 1u);
  EXPECT_EQ(filter.counts().excluded(), 4u);
  EXPECT_EQ(describe(filter.check("L", "x")), "already labeled (same id)");
  EXPECT_EQ(describe(duplicate), "exact duplicate of an earlier pool sentence");
  EXPECT_STREQ(verdict_name(FilterVerdict::kSent), "sent");
}

TEST(PoolFilterTest, ExcludedSentencesDoNotClaimTheirText) {
  // An excluded sentence is not "seen": nothing later is its duplicate.
  ExclusionSet sent;
  sent.add("S", "");
  PoolFilter filter(nullptr, &sent, true);
  EXPECT_EQ(filter.check("S", "同一句话。").verdict, FilterVerdict::kSent);
  EXPECT_EQ(filter.check("T", "同一句话。").verdict, FilterVerdict::kKeep);
}

TEST(PoolFilterTest, WithoutDedupeCopiesAreKept) {
  PoolFilter filter(nullptr, nullptr, false);
  EXPECT_EQ(filter.check("a", "同一句话。").verdict, FilterVerdict::kKeep);
  EXPECT_EQ(filter.check("b", "同一句话。").verdict, FilterVerdict::kKeep);
  EXPECT_EQ(filter.counts().duplicates, 0u);
}

}  // namespace
}  // namespace alsel
