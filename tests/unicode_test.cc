#include "alsel/text/unicode.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace alsel {
namespace {

std::u32string normalized(char32_t cp, bool lower, bool strip_accents) {
  std::u32string out;
  normalize_char(cp, lower, strip_accents, out);
  return out;
}

TEST(UnicodeTest, CjkBlocks) {
  EXPECT_TRUE(is_cjk(U'北'));
  EXPECT_TRUE(is_cjk(0x4E00));
  EXPECT_TRUE(is_cjk(0x9FFF));
  EXPECT_TRUE(is_cjk(0x3400));   // extension A
  EXPECT_TRUE(is_cjk(0x20000));  // extension B
  EXPECT_TRUE(is_cjk(0x2B820));  // extension E
  EXPECT_TRUE(is_cjk(0xF900));   // compatibility ideographs
  EXPECT_TRUE(is_cjk(0x2F800));  // compatibility supplement
  EXPECT_FALSE(is_cjk(0x4DFF));  // Yijing hexagram, between A and the main block
  EXPECT_FALSE(is_cjk(0x3042));  // hiragana あ
  EXPECT_FALSE(is_cjk(0xAC00));  // Hangul 가
  EXPECT_FALSE(is_cjk(0x3000));  // ideographic space
  EXPECT_FALSE(is_cjk(U'，'));
  EXPECT_FALSE(is_cjk(U'a'));
  EXPECT_FALSE(is_cjk(0x2CEB0));  // extension F is not in BERT's list
  EXPECT_FALSE(is_cjk(0x110000));
}

TEST(UnicodeTest, Whitespace) {
  for (char32_t cp : {U' ', U'\t', U'\n', U'\r', char32_t{0x3000}, char32_t{0xA0}, char32_t{0x2003},
                      char32_t{0x202F}}) {
    EXPECT_TRUE(is_whitespace(cp)) << "U+" << std::hex << static_cast<uint32_t>(cp);
  }
  // U+2028 is Zl and U+200B is Cf, neither Zs: BERT does not split on them.
  for (char32_t cp : {U'a', char32_t{0x2028}, char32_t{0x2029}, char32_t{0x200B}, char32_t{0x0B},
                      char32_t{0x85}, char32_t{0x110000}}) {
    EXPECT_FALSE(is_whitespace(cp)) << "U+" << std::hex << static_cast<uint32_t>(cp);
  }
}

TEST(UnicodeTest, ControlIncludesFormatPrivateUseSurrogatesAndUnassigned) {
  for (char32_t cp : {char32_t{0x00}, char32_t{0x01}, char32_t{0x0B}, char32_t{0x1F},
                      char32_t{0x7F}, char32_t{0x85}, char32_t{0xAD},        // soft hyphen, Cf
                      char32_t{0x200B}, char32_t{0x200D}, char32_t{0xFEFF},  // Cf
                      char32_t{0xE000}, char32_t{0xF0000},                   // Co
                      char32_t{0xD800}, char32_t{0xDFFF},                    // Cs
                      char32_t{0x0378}, char32_t{0x9FFF + 0x30000},          // Cn
                      char32_t{0x2CEAF},  // unassigned, although inside a BERT CJK block
                      char32_t{0xE0001}, char32_t{0x10FFFF}}) {
    EXPECT_TRUE(is_control(cp)) << "U+" << std::hex << static_cast<uint32_t>(cp);
  }
  for (char32_t cp : {U'\t', U'\n', U'\r', U' ', U'a', U'北', char32_t{0x2028}, char32_t{0x1F600},
                      char32_t{0x0301}}) {
    EXPECT_FALSE(is_control(cp)) << "U+" << std::hex << static_cast<uint32_t>(cp);
  }
}

TEST(UnicodeTest, PunctuationIsAsciiSymbolsOrCategoryP) {
  for (char32_t cp : {U'!',
                      U'/',
                      U':',
                      U'@',
                      U'[',
                      U'`',
                      U'{',
                      U'~',
                      U'$',
                      U'+',
                      U'^',
                      U'|',
                      U'，',
                      U'。',
                      U'、',
                      U'《',
                      U'》',
                      U'“',
                      char32_t{0xA7} /* § Po */,
                      char32_t{0x2014} /* em dash Pd */,
                      char32_t{0xFF0E}}) {
    EXPECT_TRUE(is_punctuation(cp)) << "U+" << std::hex << static_cast<uint32_t>(cp);
  }
  for (char32_t cp :
       {U'a', U'0', U' ', U'北', char32_t{0xA2} /* ¢ Sc */, char32_t{0x20AC} /* € Sc */,
        char32_t{0xFF04} /* ＄ Sc, not ASCII */, char32_t{0x1F600}, char32_t{0x110000}}) {
    EXPECT_FALSE(is_punctuation(cp)) << "U+" << std::hex << static_cast<uint32_t>(cp);
  }
}

TEST(UnicodeTest, FoldFullwidth) {
  EXPECT_EQ(fold_fullwidth(U'Ｃ'), U'C');
  EXPECT_EQ(fold_fullwidth(U'１'), U'1');
  EXPECT_EQ(fold_fullwidth(0xFF01), U'!');
  EXPECT_EQ(fold_fullwidth(0xFF5E), U'~');
  EXPECT_EQ(fold_fullwidth(0x3000), U' ');
  EXPECT_EQ(fold_fullwidth(0xFF00), char32_t{0xFF00});
  EXPECT_EQ(fold_fullwidth(0xFF5F), char32_t{0xFF5F});
  EXPECT_EQ(fold_fullwidth(0xFFE5), char32_t{0xFFE5});  // ￥ is not in the folded range
  EXPECT_EQ(fold_fullwidth(U'北'), U'北');
}

TEST(UnicodeTest, NormalizeAscii) {
  EXPECT_EQ(normalized(U'A', true, true), U"a");
  EXPECT_EQ(normalized(U'Z', true, false), U"z");
  EXPECT_EQ(normalized(U'A', false, true), U"A");
  EXPECT_EQ(normalized(U'[', true, true), U"[");
  EXPECT_EQ(normalized(U'@', true, true), U"@");  // just below 'A'
}

TEST(UnicodeTest, NormalizeAccents) {
  EXPECT_EQ(normalized(U'É', false, false), U"É");
  EXPECT_EQ(normalized(U'É', true, false), U"é");
  EXPECT_EQ(normalized(U'É', false, true), U"E");
  EXPECT_EQ(normalized(U'É', true, true), U"e");
  EXPECT_EQ(normalized(U'ǖ', false, true), U"u");   // two stacked marks
  EXPECT_EQ(normalized(0x0301, false, true), U"");  // a lone combining acute vanishes
  EXPECT_EQ(normalized(0x0301, true, false), std::u32string(1, 0x0301));
  EXPECT_EQ(normalized(U'ø', true, true), U"ø");  // no canonical decomposition
}

TEST(UnicodeTest, NormalizeSpecialCases) {
  // İ lower-cases to two code points; stripping drops the combining dot.
  EXPECT_EQ(normalized(0x0130, true, false), (std::u32string{U'i', 0x0307}));
  EXPECT_EQ(normalized(0x0130, true, true), U"i");
  EXPECT_EQ(normalized(0x0130, false, true), U"I");
  EXPECT_EQ(normalized(0x212A, true, false), U"k");  // KELVIN SIGN
  EXPECT_EQ(normalized(U'ß', true, true), U"ß");
  EXPECT_EQ(normalized(0x1E9E, true, false), U"ß");
  EXPECT_EQ(normalized(0x037E, false, true), U";");  // GREEK QUESTION MARK is ';' under NFD
  EXPECT_EQ(normalized(0xF900, true, true), std::u32string(1, 0x8C48));     // compatibility CJK
  EXPECT_EQ(normalized(0x10400, true, false), std::u32string(1, 0x10428));  // Deseret
  EXPECT_EQ(normalized(0x1D15E, false, true), (std::u32string{0x1D157, 0x1D165}));  // Mc kept
  EXPECT_EQ(normalized(U'北', true, true), U"北");
  EXPECT_EQ(normalized(0x1F600, true, true), std::u32string(1, 0x1F600));
}

TEST(UnicodeTest, NormalizeHangulDecomposesOnlyWhenStripping) {
  EXPECT_EQ(normalized(0xAC00, true, true), (std::u32string{0x1100, 0x1161}));           // 가
  EXPECT_EQ(normalized(0xD55C, false, true), (std::u32string{0x1112, 0x1161, 0x11AB}));  // 한
  EXPECT_EQ(normalized(0xD7A3, false, true), (std::u32string{0x1112, 0x1175, 0x11C2}));  // 힣
  EXPECT_EQ(normalized(0xD55C, true, false), std::u32string(1, 0xD55C));
}

TEST(UnicodeTest, NormalizeAppends) {
  std::u32string out = U"x";
  normalize_char(U'É', true, true, out);
  normalize_char(0x0301, true, true, out);
  normalize_char(U'Ä', false, false, out);
  EXPECT_EQ(out, U"xeÄ");
}

TEST(UnicodeTest, VersionIsRecorded) {
  const std::string version = unicode_version();
  EXPECT_FALSE(version.empty());
  EXPECT_NE(version.find('.'), std::string::npos) << version;
}

// ---------------------------------------------------------------------------------------------
// Every code point against Python: scripts/gen_unicode_tables.py --page-digests prints a CRC-32
// per 256-code-point page of "class bits, then per mode (lower, strip, lower + strip) the length
// and code points of normalize_char"; the same stream is rebuilt here from the C++ functions.

constexpr const char* kPython = "/usr/bin/python3";

uint32_t crc32(const std::vector<uint32_t>& values) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (uint32_t value : values) {
    for (int shift = 0; shift < 32; shift += 8) {  // little-endian, as Python's array('I')
      crc = table[(crc ^ (value >> shift)) & 0xFF] ^ (crc >> 8);
    }
  }
  return crc ^ 0xFFFFFFFFu;
}

// Runs `command` and returns its standard output; fails the test on a non-zero exit.
std::string run_command(const std::string& command, bool* ok) {
  *ok = false;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return "";
  std::string output;
  std::array<char, 1 << 16> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  *ok = pclose(pipe) == 0;
  return output;
}

TEST(UnicodeParity, EveryCodePointMatchesPython) {
  if (access(kPython, X_OK) != 0) GTEST_SKIP() << kPython << " is not available";
  const std::string command = std::string(kPython) + " '" + ALSEL_SOURCE_DIR +
                              "/scripts/gen_unicode_tables.py' --page-digests";
  bool ok;
  std::istringstream lines(run_command(command, &ok));
  ASSERT_TRUE(ok) << "failed: " << command;
  std::string python_version;
  std::getline(lines, python_version);
  if (python_version != unicode_version()) {
    GTEST_SKIP() << kPython << " has Unicode " << python_version << " but the tables are "
                 << unicode_version() << "; regenerate src/text/unicode_tables.cc with it";
  }
  const bool modes[3][2] = {{true, false}, {false, true}, {true, true}};
  std::vector<uint32_t> stream;
  std::u32string out;
  int pages = 0;
  for (std::string expected; std::getline(lines, expected); ++pages) {
    stream.clear();
    const char32_t first = static_cast<char32_t>(pages) * 256;
    for (char32_t cp = first; cp < first + 256; ++cp) {
      stream.push_back((is_control(cp) ? 1u : 0u) | (is_whitespace(cp) ? 2u : 0u) |
                       (is_punctuation(cp) ? 4u : 0u) | (is_cjk(cp) ? 8u : 0u));
      for (const auto& mode : modes) {
        out.clear();
        normalize_char(cp, mode[0], mode[1], out);
        stream.push_back(static_cast<uint32_t>(out.size()));
        stream.insert(stream.end(), out.begin(), out.end());
      }
    }
    char actual[9];
    std::snprintf(actual, sizeof actual, "%08x", crc32(stream));
    ASSERT_EQ(expected, actual) << "code points U+" << std::hex << static_cast<uint32_t>(first)
                                << "..U+" << static_cast<uint32_t>(first + 255)
                                << " differ from Python (class or normalization)";
  }
  EXPECT_EQ(pages, 0x1100);
}

}  // namespace
}  // namespace alsel
