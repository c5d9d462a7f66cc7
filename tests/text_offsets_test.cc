#include "alsel/text_offsets.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "alsel/errors.h"
#include "alsel/utf8.h"

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
  EXPECT_STREQ(offset_unit_name(OffsetUnit::kUtf16), "utf16");
  try {
    parse_offset_unit("bytes");
    FAIL() << "no exception";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("codepoint, utf16"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace alsel
