#include "alsel/text/text_normalizer.h"

#include <gtest/gtest.h>

namespace alsel {
namespace {

TEST(TextNormalizerTest, FoldsWidthCaseSpacesAndPunctuation) {
  EXPECT_EQ(normalize_for_matching("Ｈｅｌｌｏ， World!"), U"helloworld");
  EXPECT_EQ(normalize_for_matching("张伟 在北京。"), U"张伟在北京");
  EXPECT_EQ(normalize_for_matching("张伟\u3000在北京！"), U"张伟在北京");
  EXPECT_EQ(normalize_for_matching("ＣＡＤ软件"), U"cad软件");
  EXPECT_EQ(normalize_for_matching("Ünïcode"), U"ünïcode");  // accents kept
}

TEST(TextNormalizerTest, EqualFormsHashEqualDifferentFormsDiffer) {
  EXPECT_EQ(normalized_text_hash("张伟在北京工作。"), normalized_text_hash(" 张伟在北京工作！ "));
  EXPECT_EQ(normalized_text_hash("Hello, World"), normalized_text_hash("hello world"));
  EXPECT_NE(normalized_text_hash("张伟在北京工作。"), normalized_text_hash("张伟在上海工作。"));
  EXPECT_NE(normalized_text_hash("ab"), normalized_text_hash("ba"));
  EXPECT_NE(normalized_text_hash("a"), 0u);
}

TEST(TextNormalizerTest, PunctuationOnlyTextsKeepTheirCharacters) {
  EXPECT_EQ(normalize_for_matching("? ? ?"), U"???");
  EXPECT_NE(normalized_text_hash("???"), normalized_text_hash("!!!"));
}

TEST(TextNormalizerTest, InvalidUtf8DoesNotThrow) {
  EXPECT_EQ(normalize_for_matching("a\xFF"), U"a\uFFFD");
}

}  // namespace
}  // namespace alsel
