#include "alsel/model/entity_constraint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "alsel/util/utf8.h"
#include "alsel/text/vocabulary.h"
#include "alsel/text/wordpiece_tokenizer.h"

namespace alsel {
namespace {

TEST(EntityConstraintTest, SymbolWordsCanOnlyBeOutside) {
  EXPECT_TRUE(is_never_entity_word(U"\U0001F600", false));                          // 😀 So
  EXPECT_TRUE(is_never_entity_word(U"\U0001F3C6", true));                           // 🏆
  EXPECT_TRUE(is_never_entity_word(U"\U0001F468\u200D\U0001F469\u200D\U0001F467", false));  // ZWJ family
  EXPECT_TRUE(is_never_entity_word(U"\u2764\uFE0F", false));     // ❤️ with a variation selector
  EXPECT_TRUE(is_never_entity_word(U"\U0001F1E8\U0001F1F3", false));  // 🇨🇳 regional indicators
  EXPECT_TRUE(is_never_entity_word(U"$", false));                // Sc
  EXPECT_TRUE(is_never_entity_word(U"\u2192", false));           // → Sm
  EXPECT_TRUE(is_never_entity_word(U"\u00B7", true));  // unknown punctuation (no letter)
}

TEST(EntityConstraintTest, LettersNumbersAndKnownPunctuationKeepEveryLabel) {
  EXPECT_FALSE(is_never_entity_word(U"张", false));
  EXPECT_FALSE(is_never_entity_word(U"张", true));       // an unknown letter may still be a name
  EXPECT_FALSE(is_never_entity_word(U"\U00020BB7", true));  // 𠮷, CJK extension B: a letter
  EXPECT_FALSE(is_never_entity_word(U"ＡＢＣ", false));  // full-width letters
  EXPECT_FALSE(is_never_entity_word(U"\u00B7", false));  // · inside names such as 阿卜杜拉·阿齐兹
  EXPECT_FALSE(is_never_entity_word(U"1\uFE0F\u20E3", false));  // keycap one: holds a number
  EXPECT_FALSE(is_never_entity_word(U"C++", false));     // letters with symbols
  EXPECT_FALSE(is_never_entity_word(U"", false));
}

TEST(EntityConstraintTest, WordsOfAnEncodingAreFlaggedFromTheirTextAndPieces) {
  auto vocab = std::make_shared<Vocabulary>(
      Vocabulary::from_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n张\n伟\n·\n"));
  WordpieceTokenizer tokenizer(vocab, TokenizerConfig{});
  const std::u32string text = U"张\U0001F600伟 \u00B7 \u2022 ж";
  const Encoding encoding = tokenizer.encode(text);
  ASSERT_EQ(encoding.word_spans.size(), 6u);  // 张 😀 伟 · • ж
  const std::vector<bool> never = never_entity_words(text, encoding, vocab->unk_id);
  const std::vector<bool> expected = {false, true, false, false, true, false};
  EXPECT_EQ(never, expected);
}

TEST(EntityConstraintTest, ForbiddenRowsLeaveOnlyTheOutsideLabel) {
  std::vector<float> emissions = {1, 5, 3,   // word 0: flagged, B-PER was the best
                                  0, 9, 1};  // word 1: not flagged
  const std::vector<bool> never = {true, false};
  EXPECT_EQ(outside_label_index({"B-PER", "O", "I-PER"}), 1);
  EXPECT_EQ(outside_label_index({"B-PER", "I-PER"}), -1);
  EXPECT_EQ(forbid_entity_labels(never, 0, 3, emissions), 1);
  EXPECT_FLOAT_EQ(emissions[0], 1);
  EXPECT_FLOAT_EQ(emissions[1], 1 - kForbiddenEmission);
  EXPECT_FLOAT_EQ(emissions[2], 1 - kForbiddenEmission);
  EXPECT_FLOAT_EQ(emissions[4], 9);
  for (float value : emissions) EXPECT_TRUE(std::isfinite(value));
  // No O label: nothing changes.
  std::vector<float> untouched = {1, 5, 3, 0, 9, 1};
  EXPECT_EQ(forbid_entity_labels(never, -1, 3, untouched), 0);
  EXPECT_EQ(untouched, (std::vector<float>{1, 5, 3, 0, 9, 1}));
  std::vector<float> wrong_size = {1, 2};
  EXPECT_THROW(forbid_entity_labels(never, 0, 3, wrong_size), std::invalid_argument);
}

}  // namespace
}  // namespace alsel
