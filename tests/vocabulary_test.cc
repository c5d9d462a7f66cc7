#include "alsel/text/vocabulary.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "alsel/util/errors.h"

namespace alsel {
namespace {

TEST(VocabularyTest, IdsAreLineNumbers) {
  const Vocabulary vocab = Vocabulary::from_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\nplay\n##ing\n");
  EXPECT_EQ(vocab.size(), 6u);
  EXPECT_EQ(vocab.id("play"), 4);
  EXPECT_EQ(vocab.id("##ing"), 5);
  EXPECT_EQ(vocab.id("ing"), -1);
  EXPECT_EQ(vocab.id(""), -1);
  EXPECT_EQ(vocab.token(5), "##ing");
  EXPECT_EQ(vocab.pad_id, 0);
  EXPECT_EQ(vocab.unk_id, 1);
  EXPECT_EQ(vocab.cls_id, 2);
  EXPECT_EQ(vocab.sep_id, 3);
  EXPECT_EQ(vocab.max_token_length(), 5u);
  // Code points, not bytes: 北京欢迎你们 is 6 code points and 18 bytes.
  EXPECT_EQ(Vocabulary::from_text("[UNK]\n\xE5\x8C\x97\xE4\xBA\xAC\xE6\xAC\xA2\xE8\xBF\x8E"
                                  "\xE4\xBD\xA0\xE4\xBB\xAC\n")
                .max_token_length(),
            6u);
}

TEST(VocabularyTest, SpecialTokensMayBeAbsentExceptUnk) {
  const Vocabulary vocab = Vocabulary::from_text("a\n[UNK]");  // no final newline
  EXPECT_EQ(vocab.size(), 2u);
  EXPECT_EQ(vocab.unk_id, 1);
  EXPECT_EQ(vocab.pad_id, -1);
  EXPECT_EQ(vocab.cls_id, -1);
  EXPECT_EQ(vocab.sep_id, -1);
}

TEST(VocabularyTest, MissingUnkIsAModelErrorNamingTheSource) {
  try {
    Vocabulary::from_text("[PAD]\n[CLS]\n", "tiny-vocab.txt");
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("tiny-vocab.txt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[UNK]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Vocabulary::from_text(""), ModelError);
  EXPECT_THROW(Vocabulary::from_text("[unk]\n"), ModelError);  // case matters
}

TEST(VocabularyTest, CrlfLinesLoseOneCarriageReturn) {
  const Vocabulary vocab = Vocabulary::from_text("[UNK]\r\nab\r\nc\r\r\n");
  EXPECT_EQ(vocab.size(), 3u);
  EXPECT_EQ(vocab.unk_id, 0);
  EXPECT_EQ(vocab.id("ab"), 1);
  EXPECT_EQ(vocab.id("ab\r"), -1);
  EXPECT_EQ(vocab.id("c\r"), 2);  // only one '\r' is removed, as in Python
}

TEST(VocabularyTest, SplitsOnNewlineOnlyNotU2028) {
  // "x\u2028y" and a bare U+2028 are single tokens; str.splitlines() would break them.
  const Vocabulary vocab =
      Vocabulary::from_text("[UNK]\nx\u2028y\n\u2028\n##\u2028\nz\vw\nv\x1Cu\n");
  EXPECT_EQ(vocab.size(), 6u);
  EXPECT_EQ(vocab.id("x\u2028y"), 1);
  EXPECT_EQ(vocab.id("\u2028"), 2);
  EXPECT_EQ(vocab.id("##\u2028"), 3);
  EXPECT_EQ(vocab.id("z\vw"), 4);
  EXPECT_EQ(vocab.id("v\x1Cu"), 5);
}

TEST(VocabularyTest, EmptyLinesAreTokensButTheFinalNewlineIsNot) {
  const Vocabulary vocab = Vocabulary::from_text("[UNK]\n\nb\n\n");
  ASSERT_EQ(vocab.size(), 4u);
  EXPECT_EQ(vocab.token(1), "");
  EXPECT_EQ(vocab.token(3), "");
  EXPECT_EQ(vocab.id(""), 3);
  EXPECT_EQ(vocab.id("b"), 2);
}

TEST(VocabularyTest, LastDuplicateWins) {
  const Vocabulary vocab = Vocabulary::from_text("a\n[UNK]\na\n[UNK]\nb\n");
  EXPECT_EQ(vocab.size(), 5u);
  EXPECT_EQ(vocab.id("a"), 2);
  EXPECT_EQ(vocab.unk_id, 3);
  EXPECT_EQ(vocab.token(0), "a");  // the earlier line keeps its text
}

TEST(VocabularyTest, InvalidUtf8IsAModelErrorWithTheLine) {
  try {
    Vocabulary::from_text("[UNK]\nok\nbad\xFF\n", "v.txt");
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("v.txt: line 3"), std::string::npos) << e.what();
  }
}

TEST(VocabularyTest, TokenOutOfRangeThrows) {
  const Vocabulary vocab = Vocabulary::from_text("[UNK]\n");
  EXPECT_THROW(vocab.token(1), std::out_of_range);
  EXPECT_THROW(vocab.token(-1), std::out_of_range);
}

TEST(VocabularyTest, CopiesAndMovesKeepWorkingLookups) {
  // The lookup table must never refer to a moved-from or destroyed object's strings.
  Vocabulary original = Vocabulary::from_text("[UNK]\na\nbb\n");
  Vocabulary copy = original;
  Vocabulary moved = std::move(original);
  original = Vocabulary::from_text("[UNK]\nq\n");
  EXPECT_EQ(copy.id("bb"), 2);
  EXPECT_EQ(moved.id("bb"), 2);
  EXPECT_EQ(original.id("q"), 1);
  Vocabulary assigned = Vocabulary::from_text("[UNK]\n");
  assigned = copy;
  copy = Vocabulary::from_text("[UNK]\n");
  EXPECT_EQ(assigned.id("a"), 1);
  EXPECT_EQ(assigned.unk_id, 0);
  EXPECT_EQ(copy.id("a"), -1);
}

TEST(VocabularyTest, FromFile) {
  const std::string path =
      testing::TempDir() + "alsel_vocabulary_test_" + std::to_string(getpid()) + ".txt";
  {
    std::ofstream out(path, std::ios::binary);
    out << "[PAD]\r\n[UNK]\r\n\xE5\x8C\x97\r\n";  // CRLF, 北
  }
  const Vocabulary vocab = Vocabulary::from_file(path);
  EXPECT_EQ(vocab.size(), 3u);
  EXPECT_EQ(vocab.id("\xE5\x8C\x97"), 2);
  EXPECT_EQ(vocab.unk_id, 1);
  std::remove(path.c_str());
  try {
    Vocabulary::from_file(path);
    FAIL() << "expected ModelError";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace alsel
