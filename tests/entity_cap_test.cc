#include "alsel/selection/entity_cap.h"

#include <gtest/gtest.h>

#include <unordered_map>

#include "alsel/util/id_set.h"
#include "alsel/selection/near_duplicate_refill.h"
#include "alsel/selection/near_duplicate_suppressor.h"
#include "alsel/util/utf8.h"

namespace alsel {
namespace {

// A sentence "NAME说了话" of one word per code point, labels O / B-PER / I-PER; the name is
// decoded as PER and its second character is the least confident word when `name_uncertain`.
ScoredSentence sentence_about(const std::string& id, const std::string& name, bool name_uncertain) {
  ScoredSentence sentence;
  sentence.analysis.id = id;
  sentence.text = name + "说了话";
  const int length = static_cast<int>(count_code_points(sentence.text));
  const int name_length = static_cast<int>(count_code_points(name));
  sentence.analysis.num_words = length;
  sentence.analysis.num_labels = 3;
  for (int w = 0; w < length; ++w) {
    sentence.word_spans.emplace_back(w, w + 1);
    const int label = w == 0 ? 1 : w < name_length ? 2 : 0;
    sentence.analysis.best_path.push_back(label);
    double confident = 0.97;
    if (name_uncertain && w == 1) confident = 0.55;    // inside the name
    if (!name_uncertain && w == length - 1) confident = 0.5;  // the last word, 话
    for (int l = 0; l < 3; ++l) {
      sentence.analysis.probabilities.push_back(l == label ? confident : (1 - confident) / 2);
    }
  }
  EntitySpan entity;
  entity.start = 0;
  entity.end = name_length;
  entity.label = "PER";
  entity.text = name;
  sentence.analysis.entities.push_back(entity);
  return sentence;
}

TEST(EntityCapTest, OwnerIsTheEntityHoldingTheLeastConfidentWordElseThatWord) {
  EXPECT_EQ(uncertainty_owner(sentence_about("a", "洛桑", true)), "洛桑");
  EXPECT_EQ(uncertainty_owner(sentence_about("b", "洛桑", false)), "话");
  // Normalized as exclusions are: full width and case fold.
  EXPECT_EQ(uncertainty_owner(sentence_about("c", "ＡＢＣ", true)), "abc");
  ScoredSentence empty;
  EXPECT_EQ(uncertainty_owner(empty), "");  // no words: never counted
}

TEST(EntityCapTest, CapCountsAcceptedSentencesPerOwner) {
  EntityCap cap(2);
  EXPECT_TRUE(cap.enabled());
  EXPECT_TRUE(cap.admits("x"));
  cap.accept("x");
  cap.accept("x");
  EXPECT_FALSE(cap.admits("x"));
  EXPECT_TRUE(cap.admits("y"));
  EXPECT_TRUE(cap.admits(""));
  EntityCap none(0);
  none.accept("x");
  none.accept("x");
  EXPECT_TRUE(none.admits("x"));
}

Selected selected(ScoredSentence sentence, double score, uint64_t order) {
  Selected item;
  item.score = score;
  sentence.order = order;
  sentence.file = "pool.jsonl";
  sentence.line = order + 1;
  item.sentence = std::move(sentence);
  return item;
}

// A batch built to repeat one entity: the five best sentences all owe their score to 洛桑.
TEST(EntityCapTest, SuppressorKeepsAtMostNPerEntityAndTheNextTakesThePlace) {
  NearDuplicateSuppressor suppressor(4, BatchRules{false, NearDuplicateConfig{}, 2});
  std::vector<Selected> ranked;
  const char* contexts[] = {"", "在拉萨", "昨天", "和同事", "今天"};
  for (int i = 0; i < 5; ++i) {
    ranked.push_back(selected(sentence_about("l" + std::to_string(i), std::string("洛桑") , true), 0.9 - i * 0.01, i));
    ranked.back().sentence.text = std::string("洛桑") + contexts[i] + "说了话";
  }
  ranked.push_back(selected(sentence_about("z1", "扎西", true), 0.5, 5));
  ranked.push_back(selected(sentence_about("z2", "卓玛", true), 0.4, 6));
  ranked.push_back(selected(sentence_about("z3", "次仁", true), 0.3, 7));
  for (Selected& item : ranked) {
    if (suppressor.full()) break;
    suppressor.offer(std::move(item));
  }
  const std::vector<Selected> batch = suppressor.take();
  ASSERT_EQ(batch.size(), 4u);
  EXPECT_EQ(batch[0].sentence.analysis.id, "l0");
  EXPECT_EQ(batch[1].sentence.analysis.id, "l1");
  EXPECT_EQ(batch[2].sentence.analysis.id, "z1");
  EXPECT_EQ(batch[3].sentence.analysis.id, "z2");
  ASSERT_EQ(suppressor.suppressed().size(), 3u);
  for (const Suppression& suppression : suppressor.suppressed()) {
    EXPECT_EQ(suppression.reason, "entity-cap");
    EXPECT_EQ(suppression.owner, "洛桑");
    EXPECT_EQ(suppression.duplicate_of, "l0");
  }
  EXPECT_EQ(suppressor.suppressed()[0].id, "l2");
}

// With a cap, the refill passes give the greedy pass over the whole ranking, as for near
// duplicates: the first 30 sentences share one owner, so k x factor candidates run out.
TEST(EntityCapTest, RefillEqualsTheGreedyPassOverTheWholeRanking) {
  std::vector<Selected> pool;
  for (uint64_t i = 0; i < 80; ++i) {
    const std::string name = i < 30 ? "洛桑" : "人" + std::to_string(i);
    pool.push_back(selected(sentence_about("s" + std::to_string(i), name, true), 1.0 - i * 0.001, i));
  }
  std::vector<RankEntry> ranking;
  for (const Selected& item : pool) ranking.push_back(RankEntry{item.score, hash_id(item.sentence.analysis.id)});
  const size_t k = 10, factor = 2;
  TopKSelector top(k * factor);
  for (const Selected& item : pool) {
    ScoredSentence copy = item.sentence;
    top.offer(item.score, std::move(copy));
  }
  const RescoreFunction rescore = [&](const std::unordered_map<uint64_t, uint32_t>& wanted) {
    std::vector<Selected> found;
    for (const Selected& item : pool) {
      if (wanted.count(hash_id(item.sentence.analysis.id)) != 0) found.push_back(item);
    }
    return found;
  };
  const BatchRules rules{false, NearDuplicateConfig{}, 3};
  const NearDuplicateBatch batch = select_without_near_duplicates(top.take(), ranking, k, factor, rules, rescore);
  NearDuplicateSuppressor reference(k, rules);
  for (const Selected& item : pool) {
    if (reference.full()) break;
    Selected copy = item;
    reference.offer(std::move(copy));
  }
  const std::vector<Selected> expected = reference.take();
  ASSERT_EQ(batch.selected.size(), k);
  ASSERT_EQ(expected.size(), k);
  for (size_t i = 0; i < k; ++i) EXPECT_EQ(batch.selected[i].sentence.analysis.id, expected[i].sentence.analysis.id) << i;
  EXPECT_EQ(batch.selected[2].sentence.analysis.id, "s2");
  EXPECT_EQ(batch.selected[3].sentence.analysis.id, "s30");  // the 4th 洛桑 sentence waits
  EXPECT_GE(batch.refill_passes, 1u);
  EXPECT_EQ(batch.suppressed.size(), 27u);  // s3 .. s29
}

}  // namespace
}  // namespace alsel
