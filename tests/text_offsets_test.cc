#include "alsel/text/text_offsets.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "alsel/util/errors.h"
#include "alsel/util/utf8.h"

namespace alsel {
namespace {

// UTF-16 code units of a UTF-32 string, written out by hand (no codecvt).
std::u16string to_utf16(const std::u32string& text) {
  std::u16string out;
  for (char32_t c : text) {
    if (c < 0x10000) {
      out += static_cast<char16_t>(c);
    } else {
      out += static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10));
      out += static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF));
    }
  }
  return out;
}

TEST(TextOffsetsTest, CodePointUnitIsTheIdentity) {
  const OffsetConverter offsets("😀张伟", OffsetUnit::kCodePoint);
  EXPECT_EQ(offsets.length(), 3);
  for (int i = 0; i <= 3; ++i) {
    EXPECT_EQ(offsets.from_code_points(i), i);
    EXPECT_EQ(offsets.to_code_points(i), i);
  }
}

TEST(TextOffsetsTest, SupplementaryCharactersCountTwoUtf16Units) {
  // emoji, CJK extension B, BMP CJK, full-width A, ASCII, another emoji at the end.
  const std::string text = "😀𠀀张Ａa👍🏽";
  const OffsetConverter offsets(text, OffsetUnit::kUtf16);
  const std::u32string code_points = decode_utf8(text);
  const std::u16string units = to_utf16(code_points);
  EXPECT_EQ(offsets.length(), static_cast<int>(units.size()));
  EXPECT_EQ(utf16_length(text), units.size());
  const int expected[] = {0, 2, 4, 5, 6, 7, 9, 11};
  for (int i = 0; i <= static_cast<int>(code_points.size()); ++i) {
    EXPECT_EQ(offsets.from_code_points(i), expected[i]) << "code point " << i;
    EXPECT_EQ(offsets.to_code_points(expected[i]), i) << "code point " << i;
    // The UTF-16 prefix up to the converted offset holds exactly i code points.
    EXPECT_EQ(to_utf16(code_points.substr(0, i)).size(), static_cast<size_t>(expected[i]));
  }
}

TEST(TextOffsetsTest, OffsetInsideASurrogatePairIsRejected) {
  const OffsetConverter offsets("a😀b", OffsetUnit::kUtf16);
  EXPECT_THROW(offsets.to_code_points(2), std::invalid_argument);
  EXPECT_EQ(offsets.to_code_points(3), 2);
}

TEST(TextOffsetsTest, OutOfRangeAndInvalidInputThrow) {
  const OffsetConverter offsets("张伟", OffsetUnit::kUtf16);
  EXPECT_THROW(offsets.from_code_points(3), std::out_of_range);
  EXPECT_THROW(offsets.from_code_points(-1), std::out_of_range);
  EXPECT_THROW(offsets.to_code_points(3), std::out_of_range);
  EXPECT_THROW(OffsetConverter("bad \xFF", OffsetUnit::kUtf16), std::invalid_argument);
}

TEST(TextOffsetsTest, UnitNamesRoundTrip) {
  EXPECT_EQ(parse_offset_unit("utf16"), OffsetUnit::kUtf16);
  EXPECT_EQ(parse_offset_unit("codepoint"), OffsetUnit::kCodePoint);
  EXPECT_EQ(parse_offset_unit("grapheme"), OffsetUnit::kGrapheme);
  EXPECT_STREQ(offset_unit_name(OffsetUnit::kUtf16), "utf16");
  EXPECT_STREQ(offset_unit_name(OffsetUnit::kGrapheme), "grapheme");
  EXPECT_STREQ(offset_unit_name(OffsetUnit::kCodePoint), "codepoint");
  try {
    parse_offset_unit("bytes");
    FAIL() << "no exception";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("codepoint, utf16, grapheme"), std::string::npos)
        << error.what();
  }
}

// Extended grapheme clusters (UAX #29, as ICU and JavaScript's Intl.Segmenter count them): a ZWJ
// family, a flag (two regional indicators), an emoji with a skin-tone modifier, e + combining
// acute, CR LF, and Hangul jamo each draw as one character.
TEST(TextOffsetsTest, GraphemeClustersCountAsOneCharacter) {
  const std::u32string family = U"\U0001F468\u200D\U0001F469\u200D\U0001F467";  // 5 code points
  const std::u32string flag = U"\U0001F1E8\U0001F1F3";                          // 2
  const std::u32string thumbs = U"\U0001F44D\U0001F3FD";                         // 2
  const std::u32string accented = U"e\u0301";                                     // 2
  const std::u32string crlf = U"\r\n";                                            // 2
  const std::u32string jamo = U"\u1100\u1161";                                    // 2 (가)
  const std::u32string text =
      family + U"张" + flag + U"伟" + thumbs + accented + crlf + jamo + U"a";
  const std::string utf8 = encode_utf8(text);
  // Code-point offset of each cluster start, then the end.
  const std::vector<int> expected = {0, 5, 6, 8, 9, 11, 13, 15, 17, 18};
  EXPECT_EQ(grapheme_boundaries(utf8), expected);
  const OffsetConverter offsets(utf8, OffsetUnit::kGrapheme);
  EXPECT_EQ(offsets.length(), 9);
  for (size_t g = 0; g < expected.size(); ++g) {
    EXPECT_EQ(offsets.from_code_points(expected[g]), static_cast<int>(g));
    EXPECT_EQ(offsets.to_code_points(static_cast<int>(g)), expected[g]);
  }
  EXPECT_FALSE(offsets.is_boundary(1));  // inside the family
  EXPECT_TRUE(offsets.is_boundary(5));
  EXPECT_THROW(offsets.from_code_points(2), std::invalid_argument);
  EXPECT_THROW(offsets.to_code_points(10), std::out_of_range);
}

TEST(TextOffsetsTest, GraphemeSpansWidenToWholeClusters) {
  // "张" + family + "伟": an entity [0, 2) ending inside the family takes the whole family.
  const std::string text = encode_utf8(U"张\U0001F468\u200D\U0001F469伟");
  const OffsetConverter offsets(text, OffsetUnit::kGrapheme);
  EXPECT_EQ(offsets.length(), 3);
  EXPECT_EQ(offsets.span_from_code_points(0, 2), std::make_pair(0, 2));
  EXPECT_EQ(offsets.span_from_code_points(2, 5), std::make_pair(1, 3));
  EXPECT_EQ(offsets.span_from_code_points(4, 5), std::make_pair(2, 3));
  // The other units never widen.
  const OffsetConverter utf16(text, OffsetUnit::kUtf16);
  EXPECT_EQ(utf16.span_from_code_points(0, 2), std::make_pair(0, 3));
  EXPECT_THROW(offsets.span_from_code_points(0, 6), std::out_of_range);
}

TEST(TextOffsetsTest, GraphemeUnitIsTheIdentityOnPlainCjk) {
  const std::string text = "北京大学的张伟, ABC１２３。";
  const OffsetConverter offsets(text, OffsetUnit::kGrapheme);
  const int length = static_cast<int>(count_code_points(text));
  EXPECT_EQ(offsets.length(), length);
  for (int i = 0; i <= length; ++i) EXPECT_EQ(offsets.from_code_points(i), i);
}

TEST(TextOffsetsTest, SupplementaryDetection) {
  EXPECT_TRUE(has_supplementary_code_points("a😀"));
  EXPECT_TRUE(has_supplementary_code_points("𠮷野家"));
  EXPECT_FALSE(has_supplementary_code_points("张伟 é ＡＢＣ"));
}

}  // namespace
}  // namespace alsel
