#include "alsel/selection/near_duplicates.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>

#include "alsel/util/errors.h"
#include "alsel/util/id_set.h"
#include "alsel/selection/near_duplicate_refill.h"
#include "alsel/selection/near_duplicate_suppressor.h"

namespace alsel {
namespace {

TEST(NearDuplicatesTest, EstimateTracksExactJaccard) {
  NearDuplicateIndex index(NearDuplicateConfig{});
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"今日上证指数收盘于3012点，成交额较上日放大。",
       "今日上证指数收盘于3087点，成交额较上日放大。"},
      {"张伟昨天在北京参加了清华大学举办的人工智能论坛。",
       "李娜昨天在北京参加了清华大学举办的人工智能论坛。"},
      {"张伟昨天在北京参加了清华大学举办的人工智能论坛。", "华为公司在深圳发布了新一代手机芯片。"},
      {"The quick brown fox jumps over the lazy dog.",
       "The quick brown fox jumped over the lazy dog!"},
  };
  for (const auto& [a, b] : pairs) {
    const double exact = ngram_jaccard(a, b, 3);
    const double estimate = estimated_jaccard(index.signature(a), index.signature(b));
    // 4 standard errors of a 128-slot estimate.
    const double tolerance = 4 * std::sqrt(std::max(exact * (1 - exact), 0.01) / 128);
    EXPECT_NEAR(estimate, exact, tolerance) << a << " | " << b;
  }
}

TEST(NearDuplicatesTest, SignaturesAreDeterministicAndNormalized) {
  NearDuplicateIndex one(NearDuplicateConfig{}), two(NearDuplicateConfig{});
  EXPECT_EQ(one.signature("张伟在北京工作。"), two.signature("张伟在北京工作。"));
  EXPECT_EQ(one.signature("Hello, World"), one.signature("hello world!"));
  NearDuplicateConfig other_seed;
  other_seed.seed = 7;
  EXPECT_NE(NearDuplicateIndex(other_seed).signature("张伟在北京工作。"),
            one.signature("张伟在北京工作。"));
  EXPECT_EQ(estimated_jaccard(one.signature("张伟"), one.signature("张伟")),
            1.0);  // shorter than n
  // Numbers inside a template do not make sentences different.
  EXPECT_EQ(one.signature("郭靖和黄蓉的故事发生在襄阳城。第4034号"),
            one.signature("郭靖和黄蓉的故事发生在襄阳城。第４１９４号"));
  EXPECT_DOUBLE_EQ(ngram_jaccard("收盘于3012点", "收盘于3087点", 3), 1.0);
  EXPECT_EQ(estimated_jaccard(one.signature("张伟"), one.signature("李娜")), 0.0);
}

TEST(NearDuplicatesTest, FindsTheAcceptedNearDuplicateOnly) {
  NearDuplicateIndex index(NearDuplicateConfig{});
  index.add(index.signature("今日上证指数收盘于3012点，成交额较上日放大，沪市个股涨多跌少。"));
  index.add(index.signature("华为公司在深圳发布了新一代手机芯片。"));
  const auto match =
      index.find(index.signature("今日上证指数收盘于3087点，成交额较上日放大，沪市个股涨多跌少。"));
  EXPECT_TRUE(match.found);
  EXPECT_EQ(match.index, 0u);
  EXPECT_GE(match.similarity, 0.7);
  EXPECT_FALSE(index.find(index.signature("周杰伦的新专辑在台北首发。")).found);
}

TEST(NearDuplicatesTest, BandingFollowsTheThreshold) {
  for (double threshold : {0.5, 0.7, 0.9}) {
    NearDuplicateConfig config;
    config.threshold = threshold;
    NearDuplicateIndex index(config);
    const int r = index.rows_per_band(), b = index.bands();
    EXPECT_LE(r * b, config.num_hashes);
    EXPECT_LE(std::pow(1 - std::pow(threshold, r), b), 1e-3) << threshold;
    if (r < 8) {  // r + 1 would miss too often
      EXPECT_GT(std::pow(1 - std::pow(threshold, r + 1), config.num_hashes / (r + 1)), 1e-3)
          << threshold;
    }
  }
}

TEST(NearDuplicatesTest, InvalidConfigIsAUsageError) {
  NearDuplicateConfig config;
  config.threshold = 0;
  EXPECT_THROW(config.validate(), UsageError);
  config = NearDuplicateConfig();
  config.ngram = 0;
  EXPECT_THROW(NearDuplicateIndex{config}, UsageError);
}

Selected candidate(const std::string& id, const std::string& text, double score, uint64_t order) {
  Selected item;
  item.score = score;
  item.sentence.analysis.id = id;
  item.sentence.text = text;
  item.sentence.order = order;
  return item;
}

TEST(NearDuplicateSuppressorTest, NextBestTakesTheSuppressedPlace) {
  NearDuplicateSuppressor suppressor(3, NearDuplicateConfig{});
  const std::string base = "今日上证指数收盘于3012点，成交额较上日放大，沪市个股涨多跌少。";
  std::vector<Selected> ranked = {
      candidate("t1", base, 0.9, 0),
      candidate("t2", "今日上证指数收盘于3087点，成交额较上日放大，沪市个股涨多跌少。", 0.8, 1),
      candidate("t3", "今日上证指数收盘于3013点，成交额较上日放大，沪市个股涨多跌少。", 0.7, 2),
      candidate("a", "华为公司在深圳发布了新一代手机芯片。", 0.6, 3),
      candidate("b", "周杰伦的新专辑在台北首发。", 0.5, 4),
      candidate("c", "长江流域今年夏天出现了罕见的高温干旱。", 0.4, 5),
  };
  for (Selected& item : ranked) {
    if (suppressor.full()) break;
    suppressor.offer(std::move(item));
  }
  std::vector<Selected> batch = suppressor.take();
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0].sentence.analysis.id, "t1");
  EXPECT_EQ(batch[1].sentence.analysis.id, "a");
  EXPECT_EQ(batch[2].sentence.analysis.id, "b");
  ASSERT_EQ(suppressor.suppressed().size(), 2u);
  EXPECT_EQ(suppressor.suppressed()[0].id, "t2");
  EXPECT_EQ(suppressor.suppressed()[0].duplicate_of, "t1");
  EXPECT_EQ(suppressor.suppressed()[1].id, "t3");
}

// Measured speed of signatures and lookups (printed; the bound only catches pathologies).
// A pool where the best third are near copies of one template: the first pass's candidates run
// out and refill passes must reach far down the ranking.
TEST(NearDuplicateRefillTest, EqualsTheGreedyPassOverTheWholeRanking) {
  std::vector<Selected> pool;
  for (uint64_t i = 0; i < 90; ++i) {
    const bool copy = i < 30;
    const std::string text = copy ? "the same long template sentence about the weather number " + std::to_string(i % 3)
                                  : "distinct sentence " + std::to_string(i * 7919) + " on topic " + std::to_string(i);
    pool.push_back(candidate("s" + std::to_string(i), text, copy ? 1.0 - i * 0.001 : 0.5 - i * 0.001, i));
  }
  std::vector<RankEntry> ranking;
  for (const Selected& item : pool) ranking.push_back(RankEntry{item.score, hash_id(item.sentence.analysis.id)});
  const size_t k = 10, factor = 2;
  // The first pass keeps only the best k x factor.
  TopKSelector top(k * factor);
  for (const Selected& item : pool) {
    ScoredSentence copy = item.sentence;
    top.offer(item.score, std::move(copy));
  }
  size_t rescored = 0;
  const RescoreFunction rescore = [&](const std::unordered_map<uint64_t, uint32_t>& wanted) {
    std::vector<Selected> found;
    for (const Selected& item : pool) {
      const auto hit = wanted.find(hash_id(item.sentence.analysis.id));
      if (hit != wanted.end()) found.push_back(item);
    }
    rescored += found.size();
    return found;
  };
  NearDuplicateConfig near;
  const NearDuplicateBatch batch = select_without_near_duplicates(top.take(), ranking, k, factor, BatchRules{true, near, 0}, rescore);
  // The reference: the suppressor over the whole ranking at once.
  NearDuplicateSuppressor reference(k, near);
  for (const Selected& item : pool) {
    if (reference.full()) break;
    Selected copy = item;
    reference.offer(std::move(copy));
  }
  const std::vector<Selected> expected = reference.take();
  ASSERT_EQ(batch.selected.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(batch.selected[i].sentence.analysis.id, expected[i].sentence.analysis.id) << i;
  }
  EXPECT_GE(batch.refill_passes, 1u);
  EXPECT_GT(rescored, 0u);
  EXPECT_LT(rescored, pool.size()) << "a refill rescored the whole pool";
  EXPECT_EQ(batch.suppressed.size(), reference.suppressed().size());
  EXPECT_FALSE(batch.short_of_candidates);
  // Without a way to read the pool again, the batch stays short and says so.
  TopKSelector again(k * factor);
  for (const Selected& item : pool) {
    ScoredSentence copy = item.sentence;
    again.offer(item.score, std::move(copy));
  }
  const NearDuplicateBatch stdin_batch = select_without_near_duplicates(again.take(), ranking, k, factor, BatchRules{true, near, 0}, nullptr);
  EXPECT_TRUE(stdin_batch.short_of_candidates);
  EXPECT_LT(stdin_batch.selected.size(), k);
  EXPECT_EQ(stdin_batch.refill_passes, 0u);
}

// The same pool under a character budget: the refilled batch is the greedy pass over the whole
// ranking that stops at the first accepted sentence that would overflow the budget.
TEST(NearDuplicateRefillTest, BudgetEqualsTheGreedyPassOverTheWholeRanking) {
  std::vector<Selected> pool;
  std::mt19937 letters(11);
  for (uint64_t i = 0; i < 90; ++i) {
    const bool copy = i < 30;
    std::string distinct;  // 20-60 random letters: no two alike
    for (size_t j = 0, n = 20 + letters() % 41; j < n; ++j) distinct += static_cast<char>('a' + letters() % 26);
    const std::string text = copy ? "the same long template sentence about the weather number " + std::to_string(i % 3)
                                  : distinct;
    pool.push_back(candidate("s" + std::to_string(i), text, copy ? 1.0 - i * 0.001 : 0.5 - i * 0.001, i));
    pool.back().sentence.analysis.num_chars = static_cast<int>(text.size());
  }
  std::vector<RankEntry> ranking;
  for (const Selected& item : pool) ranking.push_back(RankEntry{item.score, hash_id(item.sentence.analysis.id)});
  const NearDuplicateConfig near;
  for (const size_t budget : {30u, 150u, 400u, 1000u}) {
    SCOPED_TRACE("budget " + std::to_string(budget));
    const size_t factor = 2;
    TopKSelector top = TopKSelector::within_chars(budget * factor);
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
    const NearDuplicateBatch batch = select_without_near_duplicates(
        top.take(), ranking, BatchLimit::chars(budget), factor, BatchRules{true, near, 0}, rescore);
    NearDuplicateSuppressor reference(BatchLimit::chars(budget), near);
    for (const Selected& item : pool) {
      if (reference.full()) break;
      Selected copy = item;
      reference.offer(std::move(copy));
    }
    const size_t reference_chars = reference.accepted_chars();
    const std::vector<Selected> expected = reference.take();
    ASSERT_EQ(batch.selected.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(batch.selected[i].sentence.analysis.id, expected[i].sentence.analysis.id) << i;
    }
    EXPECT_EQ(total_chars(batch.selected), reference_chars);
    EXPECT_LE(total_chars(batch.selected), budget);
    if (budget >= 150) {
      EXPECT_GT(batch.selected.size(), 2u);
    }
    if (budget == 30) {
      EXPECT_TRUE(batch.selected.empty()) << "the best-ranked sentence is longer than 30";
    }
  }
}

TEST(NearDuplicatesTest, SpeedOfSignaturesAndLookups) {
  std::mt19937 random(5);
  const std::u32string alphabet =
      U"的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下"
      U"过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都"
      U"两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重"
      U"新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想"
      U"已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知"
      U"较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造"
      U"百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白"
      U"教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集"
      U"温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿"
      U"千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存"
      U"候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该"
      U"铁价严";
  std::vector<std::string> texts;
  for (int i = 0; i < 2000; ++i) {
    std::u32string text;
    for (int j = 0; j < 40; ++j) text += alphabet[random() % alphabet.size()];
    std::string utf8;
    for (char32_t c : text) {
      utf8 += static_cast<char>(0xE0 | (c >> 12));
      utf8 += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      utf8 += static_cast<char>(0x80 | (c & 0x3F));
    }
    texts.push_back(utf8);
  }
  NearDuplicateIndex index(NearDuplicateConfig{});
  const auto started = std::chrono::steady_clock::now();
  size_t found = 0;
  for (const std::string& text : texts) {
    MinHashSignature signature = index.signature(text);
    found += index.find(signature).found;
    index.add(std::move(signature));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "[ MEASURED ] MinHash near-dedupe: %zu sentences of 40 characters in %.3f s (%.1f us each), "
      "r=%d b=%d\n",
      texts.size(), seconds, 1e6 * seconds / texts.size(), index.rows_per_band(), index.bands());
  EXPECT_EQ(found, 0u);  // random texts share almost no 3-grams
  EXPECT_LT(seconds, 10.0);
}

}  // namespace
}  // namespace alsel
