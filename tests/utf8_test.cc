#include "alsel/util/utf8.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace alsel {
namespace {

TEST(Utf8Test, AcceptsValidText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ASCII text longer than eight bytes"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9"));               // é
  EXPECT_TRUE(is_valid_utf8("\xE5\x8C\x97\xE4\xBA\xAC"));  // 北京
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));          // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));          // U+10FFFF, the maximum
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));              // U+D7FF, just below surrogates
  EXPECT_TRUE(is_valid_utf8("\xEE\x80\x80"));              // U+E000, just above surrogates
  EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));      // NUL is a valid code point
}

TEST(Utf8Test, RejectsInvalidSequences) {
  EXPECT_FALSE(is_valid_utf8("\x80"));              // stray continuation byte
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong 3-byte
  EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));  // overlong 4-byte
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // U+D800 surrogate
  EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));      // U+DFFF surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));  // lead byte F5
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("ab\xE5\x8C"));  // truncated at the end
  EXPECT_FALSE(
      is_valid_utf8("\xE5\x8C"
                    "a"));  // truncated in the middle
  EXPECT_FALSE(is_valid_utf8("\xC3"));
}

TEST(Utf8Test, FindsFirstInvalidByteAfterAsciiRun) {
  const std::string text =
      "0123456789abcdef\xC3\xA9"
      "xy\xFFz";
  EXPECT_EQ(find_invalid_utf8(text), 20u);
  EXPECT_EQ(find_invalid_utf8("ok"), 2u);
}

TEST(Utf8Test, DecodeEncodeRoundTrip) {
  const std::string text = "a\xC3\xA9\xE5\x8C\x97\xF0\x9F\x98\x80";
  const std::u32string decoded = decode_utf8(text);
  ASSERT_EQ(decoded.size(), 4u);
  EXPECT_EQ(decoded[0], U'a');
  EXPECT_EQ(decoded[1], U'\u00E9');
  EXPECT_EQ(decoded[2], U'\u5317');
  EXPECT_EQ(decoded[3], U'\U0001F600');
  EXPECT_EQ(encode_utf8(decoded), text);
}

TEST(Utf8Test, EncodesEveryLengthBoundary) {
  for (char32_t cp :
       {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xD7FFu, 0xE000u, 0xFFFFu, 0x10000u, 0x10FFFFu}) {
    std::string encoded;
    append_utf8(encoded, cp);
    ASSERT_TRUE(is_valid_utf8(encoded)) << "code point " << cp;
    const std::u32string decoded = decode_utf8(encoded);
    ASSERT_EQ(decoded.size(), 1u) << "code point " << cp;
    EXPECT_EQ(decoded[0], cp);
  }
}

TEST(Utf8Test, DecodeThrowsWithOffset) {
  try {
    decode_utf8("abc\xED\xA0\x80");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("byte 3"), std::string::npos) << error.what();
  }
}

TEST(Utf8Test, EncodeRejectsSurrogatesAndOutOfRange) {
  std::string out;
  EXPECT_THROW(append_utf8(out, 0xD800), std::invalid_argument);
  EXPECT_THROW(append_utf8(out, 0x110000), std::invalid_argument);
  EXPECT_THROW(encode_utf8(std::u32string(1, char32_t{0xDFFF})), std::invalid_argument);
}

TEST(Utf8Test, CountsCodePoints) {
  EXPECT_EQ(count_code_points(""), 0u);
  EXPECT_EQ(count_code_points("abc"), 3u);
  EXPECT_EQ(count_code_points("\xE5\x8C\x97\xE4\xBA\xAC"), 2u);
  EXPECT_EQ(count_code_points("a\xF0\x9F\x98\x80"
                              "b"),
            3u);
}

TEST(Utf8Test, CodePointByteOffsets) {
  const std::vector<size_t> offsets =
      code_point_byte_offsets("a\xC3\xA9\xE5\x8C\x97\xF0\x9F\x98\x80");
  const std::vector<size_t> expected = {0, 1, 3, 6, 10};
  EXPECT_EQ(offsets, expected);
  EXPECT_EQ(code_point_byte_offsets(""), std::vector<size_t>{0});
  EXPECT_THROW(code_point_byte_offsets("a\xC3"), std::invalid_argument);
}

TEST(Utf8Test, SequenceLength) {
  EXPECT_EQ(utf8_sequence_length("\xE5\x8C\x97", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("\xE5\x8C\x97", 1), 0u);  // continuation byte
  EXPECT_EQ(utf8_sequence_length("a", 1), 0u);             // past the end
}

TEST(Utf8Test, SanitizeReplacesMaximalSubparts) {
  EXPECT_EQ(sanitize_utf8("ok \xC3\xA9"), "ok \xC3\xA9");
  // Truncated 3-byte sequence: one U+FFFD for both bytes, then 'a'.
  EXPECT_EQ(sanitize_utf8("\xE5\x8C"
                          "a"),
            "\xEF\xBF\xBD"
            "a");
  // Each stray byte becomes its own U+FFFD.
  EXPECT_EQ(sanitize_utf8("\x80\xFF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  // A surrogate's lead byte alone is a maximal subpart; its continuation bytes are stray.
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid_utf8(sanitize_utf8("x\xF4\x90\x80\x80y\xC0")));
}


TEST(Utf8Test, ExcerptCutsLongTextAtACodePointBoundary) {
  EXPECT_EQ(excerpt_utf8("short", 10), "short");
  const std::string chinese = "北京北京北京";  // 3 bytes per code point
  const std::string cut = excerpt_utf8(chinese, 7);  // 7 falls inside the third character
  EXPECT_EQ(cut, "北京... (18 bytes)");
  EXPECT_TRUE(is_valid_utf8(cut));
  EXPECT_LT(excerpt_utf8(std::string(50000000, 'x')).size(), 250u);
}

}  // namespace
}  // namespace alsel
