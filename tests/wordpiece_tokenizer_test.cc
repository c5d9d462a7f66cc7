#include "alsel/text/wordpiece_tokenizer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "alsel/util/errors.h"
#include "alsel/util/utf8.h"

namespace alsel {
namespace {

using Spans = std::vector<std::pair<int, int>>;
using Strings = std::vector<std::string>;

// A small vocabulary covering the golden cases below; tokens may contain U+2028 (split on '\n'
// only) and the file uses CRLF line endings on purpose.
constexpr char kTestVocab[] =
    "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\n"
    "北\r\n京\r\n欢\r\n迎\r\n你\r\n年\r\n\U00020000\r\n\U0001F600\r\n"
    "play\r\n##ing\r\n##er\r\nun\r\n##aff\r\n##able\r\n"
    "cad\r\n1997\r\ncaf\r\n##e\r\n##\u00E9\r\ni\r\n##\u0307\r\na\r\n##a\r\n"
    ",\r\n.\r\n!\r\n$\r\n\uFF0C\r\n\u3002\r\n"
    "x\u2028y\r\n\u2028\r\n";

std::shared_ptr<const Vocabulary> test_vocab() {
  static const auto vocab = std::make_shared<const Vocabulary>(Vocabulary::from_text(kTestVocab));
  return vocab;
}

WordpieceTokenizer make_tokenizer(TokenizerConfig config = {}) {
  return WordpieceTokenizer(test_vocab(), config);
}

TokenizerConfig config_with(bool lower, int strip, bool fold = true) {
  TokenizerConfig config;
  config.do_lower_case = lower;
  config.strip_accents = strip;
  config.fold_fullwidth = fold;
  return config;
}

// Checks the invariants every encoding has, then returns its piece strings.
Strings checked_tokens(const WordpieceTokenizer& tokenizer, const Encoding& enc) {
  EXPECT_EQ(enc.ids.size(), enc.offsets.size());
  EXPECT_EQ(enc.word_first_token.size(), enc.word_spans.size());
  for (size_t w = 0; w < enc.word_first_token.size(); ++w) {
    const int first = enc.word_first_token[w];
    const int last = w + 1 < enc.word_first_token.size() ? enc.word_first_token[w + 1]
                                                         : static_cast<int>(enc.ids.size());
    EXPECT_LT(first, last) << "word " << w << " has no token";
    if (first >= last) continue;
    EXPECT_EQ(enc.offsets[first].first, enc.word_spans[w].first) << "word " << w;
    EXPECT_EQ(enc.offsets[last - 1].second, enc.word_spans[w].second) << "word " << w;
  }
  return tokenizer.tokens(enc);
}

TEST(TokenizerTest, CjkIdeographsAreOneTokenEach) {
  const WordpieceTokenizer tokenizer = make_tokenizer();
  const Encoding enc = tokenizer.encode("北京欢迎你");
  EXPECT_EQ(checked_tokens(tokenizer, enc), (Strings{"北", "京", "欢", "迎", "你"}));
  EXPECT_EQ(enc.ids, (std::vector<int>{5, 6, 7, 8, 9}));
  EXPECT_EQ(enc.offsets, (Spans{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}}));
  EXPECT_EQ(enc.word_first_token, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(enc.word_spans, enc.offsets);
}

TEST(TokenizerTest, LatinWordsSplitIntoWordpieces) {
  const WordpieceTokenizer tokenizer = make_tokenizer();
  const Encoding enc = tokenizer.encode("Playing  unaffable\tplayer");
  EXPECT_EQ(checked_tokens(tokenizer, enc),
            (Strings{"play", "##ing", "un", "##aff", "##able", "play", "##er"}));
  EXPECT_EQ(enc.offsets, (Spans{{0, 4}, {4, 7}, {9, 11}, {11, 14}, {14, 18}, {19, 23}, {23, 25}}));
  EXPECT_EQ(enc.word_first_token, (std::vector<int>{0, 2, 5}));
  EXPECT_EQ(enc.word_spans, (Spans{{0, 7}, {9, 18}, {19, 25}}));
}

TEST(TokenizerTest, PunctuationIsSplitOff) {
  const WordpieceTokenizer tokenizer = make_tokenizer();
  const Encoding enc = tokenizer.encode("play,北！你。$un");
  // ！ folds to '!'; 。 (U+3002) is not in the folded range but is punctuation itself.
  EXPECT_EQ(checked_tokens(tokenizer, enc),
            (Strings{"play", ",", "北", "!", "你", "\u3002", "$", "un"}));
  EXPECT_EQ(enc.offsets,
            (Spans{{0, 4}, {4, 5}, {5, 6}, {6, 7}, {7, 8}, {8, 9}, {9, 10}, {10, 12}}));
  EXPECT_EQ(enc.word_first_token, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(TokenizerTest, FullwidthFoldsForLookupButOffsetsStayInTheOriginal) {
  const WordpieceTokenizer tokenizer = make_tokenizer();
  const Encoding enc = tokenizer.encode("ＣＡＤ，１９９７年");
  EXPECT_EQ(checked_tokens(tokenizer, enc), (Strings{"cad", ",", "1997", "年"}));
  EXPECT_EQ(enc.offsets, (Spans{{0, 3}, {3, 4}, {4, 8}, {8, 9}}));
  EXPECT_EQ(enc.word_spans, enc.offsets);

  // Without folding, ｃａｄ１９９７ is one unknown word and ， stays full-width.
  const WordpieceTokenizer unfolded = make_tokenizer(config_with(true, -1, false));
  const Encoding raw = unfolded.encode("ＣＡＤ１９９７，年");
  EXPECT_EQ(checked_tokens(unfolded, raw), (Strings{"[UNK]", "\uFF0C", "年"}));
  EXPECT_EQ(raw.offsets, (Spans{{0, 7}, {7, 8}, {8, 9}}));
}

TEST(TokenizerTest, IdeographicSpaceSeparatesWordsWithOrWithoutFolding) {
  for (bool fold : {true, false}) {
    const WordpieceTokenizer tokenizer = make_tokenizer(config_with(true, -1, fold));
    const Encoding enc = tokenizer.encode("play\u3000un");
    EXPECT_EQ(checked_tokens(tokenizer, enc), (Strings{"play", "un"})) << "fold=" << fold;
    EXPECT_EQ(enc.offsets, (Spans{{0, 4}, {5, 7}}));
  }
}

TEST(TokenizerTest, AccentsAreStrippedWithLowerCaseAndKeptWithout) {
  const std::string text = "Caf\u00E9 caf\u00C9";  // Café cafÉ
  const WordpieceTokenizer stripping = make_tokenizer();
  const Encoding stripped = stripping.encode(text);
  EXPECT_EQ(checked_tokens(stripping, stripped), (Strings{"caf", "##e", "caf", "##e"}));
  EXPECT_EQ(stripped.offsets, (Spans{{0, 3}, {3, 4}, {5, 8}, {8, 9}}));

  const WordpieceTokenizer keeping = make_tokenizer(config_with(true, 0));
  const Encoding kept = keeping.encode(text);
  EXPECT_EQ(checked_tokens(keeping, kept), (Strings{"caf", "##\u00E9", "caf", "##\u00E9"}));

  // Without lower-casing, accents are kept by default and "Caf" is unknown.
  const WordpieceTokenizer cased = make_tokenizer(config_with(false, -1));
  const Encoding cased_enc = cased.encode(text);
  // "cafÉ" matches "caf" but not "##É", so the whole word is [UNK] too.
  EXPECT_EQ(checked_tokens(cased, cased_enc), (Strings{"[UNK]", "[UNK]"}));
  EXPECT_EQ(cased_enc.offsets, (Spans{{0, 4}, {5, 9}}));
}

TEST(TokenizerTest, CombiningMarkVanishesWhenStripping) {
  const WordpieceTokenizer tokenizer = make_tokenizer();
  const Encoding enc = tokenizer.encode("cafe\u0301 un");  // e + combining acute
  EXPECT_EQ(checked_tokens(tokenizer, enc), (Strings{"caf", "##e", "un"}));
  // The mark at index 4 is gone, so the word ends at 4 although the text goes on to 5.
  EXPECT_EQ(enc.offsets, (Spans{{0, 3}, {3, 4}, {6, 8}}));
  EXPECT_EQ(enc.word_spans, (Spans{{0, 4}, {6, 8}}));

  const WordpieceTokenizer keeping = make_tokenizer(config_with(true, 0));
  const Encoding kept = keeping.encode("cafe\u0301 un");
  EXPECT_EQ(checked_tokens(keeping, kept), (Strings{"[UNK]", "un"}));
  EXPECT_EQ(kept.offsets, (Spans{{0, 5}, {6, 8}}));
}

TEST(TokenizerTest, DottedCapitalIExpandsToTwoCharactersWithTheSameOffset) {
  const WordpieceTokenizer lower_only = make_tokenizer(config_with(true, 0));
  const Encoding enc = lower_only.encode("\u0130");  // İ -> i + U+0307
  EXPECT_EQ(checked_tokens(lower_only, enc), (Strings{"i", "##\u0307"}));
  EXPECT_EQ(enc.offsets, (Spans{{0, 1}, {0, 1}}));
  EXPECT_EQ(enc.word_spans, (Spans{{0, 1}}));

  const WordpieceTokenizer stripping = make_tokenizer();
  EXPECT_EQ(checked_tokens(stripping, stripping.encode("\u0130")), (Strings{"i"}));
}

TEST(TokenizerTest, UnmatchedWordsBecomeOneUnk) {
  const WordpieceTokenizer tokenizer = make_tokenizer();
  const Encoding enc = tokenizer.encode("xyz playx 北");
  // "playx" matches "play" but not "##x": the whole word is [UNK], not play + [UNK].
  EXPECT_EQ(checked_tokens(tokenizer, enc), (Strings{"[UNK]", "[UNK]", "北"}));
  EXPECT_EQ(enc.ids, (std::vector<int>{1, 1, 5}));
  EXPECT_EQ(enc.offsets, (Spans{{0, 3}, {4, 9}, {10, 11}}));
}

TEST(TokenizerTest, OverlongWordsBecomeOneUnk) {
  const WordpieceTokenizer tokenizer = make_tokenizer();
  const Encoding at_limit = tokenizer.encode(std::string(100, 'a'));
  ASSERT_EQ(at_limit.ids.size(), 100u);
  EXPECT_EQ(at_limit.ids[0], test_vocab()->id("a"));
  EXPECT_EQ(at_limit.ids[99], test_vocab()->id("##a"));
  EXPECT_EQ(at_limit.offsets[99], std::make_pair(99, 100));

  const Encoding over = tokenizer.encode(std::string(101, 'a') + " a");
  EXPECT_EQ(checked_tokens(tokenizer, over), (Strings{"[UNK]", "a"}));
  EXPECT_EQ(over.offsets, (Spans{{0, 101}, {102, 103}}));

  TokenizerConfig config;
  config.max_chars_per_word = 3;
  const WordpieceTokenizer small = make_tokenizer(config);
  EXPECT_EQ(checked_tokens(small, small.encode("aaa aaaa")), (Strings{"a", "##a", "##a", "[UNK]"}));
  // The limit counts normalized characters: İİ is 4 of them when only lower-casing.
  config.strip_accents = 0;
  const WordpieceTokenizer small_lower = make_tokenizer(config);
  EXPECT_EQ(checked_tokens(small_lower, small_lower.encode("\u0130\u0130")), (Strings{"[UNK]"}));
}

TEST(TokenizerTest, EmojiAndSupplementaryCharactersCountAsOneCodePoint) {
  const WordpieceTokenizer tokenizer = make_tokenizer();
  const Encoding enc = tokenizer.encode("你\U0001F600\U00020000!\U0001F642");
  // 😀 is not CJK or punctuation but stands alone between other words here; 𠀀 (extension B)
  // is CJK; 🙂 is not in the vocabulary.
  EXPECT_EQ(checked_tokens(tokenizer, enc),
            (Strings{"你", "\U0001F600", "\U00020000", "!", "[UNK]"}));
  EXPECT_EQ(enc.offsets, (Spans{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}}));

  // An emoji is not split from adjacent letters.
  const Encoding joined = tokenizer.encode("play\U0001F600");
  EXPECT_EQ(checked_tokens(tokenizer, joined), (Strings{"[UNK]"}));
  EXPECT_EQ(joined.offsets, (Spans{{0, 5}}));
}

TEST(TokenizerTest, ControlCharactersAreRemovedButKeepOffsets) {
  const WordpieceTokenizer tokenizer = make_tokenizer();
  const std::u32string text = {U'北', 0x01, U'京', 0x200B, U'欢', 0x00, U'迎', 0xFFFD,
                               U'你', 0x7F, U'p',  U'l',   0xAD,  U'a', U'y',  0xE000};
  const Encoding enc = tokenizer.encode(text);
  EXPECT_EQ(checked_tokens(tokenizer, enc), (Strings{"北", "京", "欢", "迎", "你", "play"}));
  EXPECT_EQ(enc.offsets, (Spans{{0, 1}, {2, 3}, {4, 5}, {6, 7}, {8, 9}, {10, 15}}));
  // Only control characters: nothing at all.
  EXPECT_TRUE(tokenizer.encode(std::u32string{0x01, 0x200B, 0xD800}).ids.empty());
}

TEST(TokenizerTest, U2028InsideAVocabularyTokenStaysOneToken) {
  const WordpieceTokenizer tokenizer = make_tokenizer();
  const Encoding enc = tokenizer.encode("x\u2028y 北\u2028京");
  EXPECT_EQ(checked_tokens(tokenizer, enc), (Strings{"x\u2028y", "北", "\u2028", "京"}));
  EXPECT_EQ(enc.ids[0], test_vocab()->id("x\u2028y"));
  EXPECT_EQ(enc.offsets, (Spans{{0, 3}, {4, 5}, {5, 6}, {6, 7}}));
}

TEST(TokenizerTest, CrlfVocabularyGivesTheSameIdsAsLf) {
  std::string lf = kTestVocab;
  for (size_t pos; (pos = lf.find("\r\n")) != std::string::npos;) lf.erase(pos, 1);
  const auto lf_vocab = std::make_shared<const Vocabulary>(Vocabulary::from_text(lf));
  EXPECT_EQ(lf_vocab->size(), test_vocab()->size());
  const WordpieceTokenizer crlf_tokenizer = make_tokenizer();
  const WordpieceTokenizer lf_tokenizer(lf_vocab, TokenizerConfig{});
  const std::string text = "Playing ＣＡＤ 北京 x\u2028y caf\u00E9";
  EXPECT_EQ(crlf_tokenizer.encode(text).ids, lf_tokenizer.encode(text).ids);
  EXPECT_NE(crlf_tokenizer.encode(text).ids[0], test_vocab()->unk_id);
}

TEST(TokenizerTest, EmptyAndBlankTextGiveNothing) {
  const WordpieceTokenizer tokenizer = make_tokenizer();
  for (const char* text : {"", " ", "\t\r\n", "\u3000\u00A0"}) {
    const Encoding enc = tokenizer.encode(std::string_view(text));
    EXPECT_TRUE(enc.ids.empty()) << text;
    EXPECT_TRUE(enc.word_spans.empty()) << text;
  }
}

TEST(TokenizerTest, InvalidInputThrows) {
  const WordpieceTokenizer tokenizer = make_tokenizer();
  EXPECT_THROW(tokenizer.encode(std::string_view("ab\xFF")), std::invalid_argument);
  EXPECT_THROW(tokenizer.encode(std::string_view("\xED\xA0\x80")), std::invalid_argument);
  EXPECT_THROW(tokenizer.encode(std::u32string{U'a', 0x110000}), std::invalid_argument);
  // The failed call must not leak its half-built word into the next one.
  EXPECT_EQ(checked_tokens(tokenizer, tokenizer.encode("un")), (Strings{"un"}));
}

TEST(TokenizerTest, ConfigValidation) {
  TokenizerConfig config;
  EXPECT_NO_THROW(config.validate());
  EXPECT_EQ(config.to_string(),
            "do_lower_case=true strip_accents=-1 fold_fullwidth=true max_chars_per_word=100");
  config.strip_accents = 2;
  EXPECT_THROW(config.validate(), UsageError);
  EXPECT_THROW(WordpieceTokenizer(test_vocab(), config), UsageError);
  config.strip_accents = 1;
  config.max_chars_per_word = 0;
  try {
    config.validate();
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("max_chars_per_word"), std::string::npos);
  }
  EXPECT_THROW(WordpieceTokenizer(nullptr, TokenizerConfig{}), std::invalid_argument);
}

TEST(TokenizerTest, ConcurrentEncodesAgree) {
  const WordpieceTokenizer tokenizer = make_tokenizer();
  const std::string text = "Playing unaffable ＣＡＤ，１９９７年 北京欢迎你 caf\u00E9 xyz";
  const std::vector<int> expected = tokenizer.encode(text).ids;
  std::vector<std::thread> threads;
  std::array<bool, 4> same{};
  for (size_t t = 0; t < same.size(); ++t) {
    threads.emplace_back([&, t] {
      bool ok = true;
      for (int i = 0; i < 2000; ++i) ok = ok && tokenizer.encode(text).ids == expected;
      same[t] = ok;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t t = 0; t < same.size(); ++t) EXPECT_TRUE(same[t]) << "thread " << t;
}

// ---------------------------------------------------------------------------------------------
// Parity with the Python reference: scripts/dump_tokenization.py tokenizes a file; every
// sentence's "text" is tokenized here and every field compared.

constexpr const char* kPython = "/usr/bin/python3";

std::string shared_dir() {
  const char* env = std::getenv("ALSEL_SHARED_DIR");
  return env && *env ? env : std::string(ALSEL_SOURCE_DIR) + "/../shared";
}

bool readable(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shorten(const std::string& text) {
  const std::u32string cps = decode_utf8(text);
  return cps.size() <= 80 ? text : encode_utf8(cps.substr(0, 80)) + "...";
}

std::string join(const Spans& spans) {
  std::ostringstream out;
  for (const auto& [start, end] : spans) out << "[" << start << "," << end << ")";
  return out.str();
}

template <typename T>
std::string join(const std::vector<T>& values) {
  std::ostringstream out;
  for (const T& v : values) out << v << " ";
  return out.str();
}

struct ParityRun {
  std::string vocab_path;
  std::string input_path;
  TokenizerConfig config;
  int limit = 0;  // 0: every sentence
};

struct ParityResult {
  size_t sentences = 0;
  size_t tokens = 0;
  size_t longest_text = 0;  // code points
};

// Empty when they agree, otherwise the first differing field.
template <typename T>
std::string first_difference(const char* field, const T& python, const T& cpp) {
  if (python == cpp) return "";
  size_t i = 0;
  while (i < python.size() && i < cpp.size() && python[i] == cpp[i]) ++i;
  std::ostringstream out;
  out << "field '" << field << "' differs at index " << i << " (sizes: python " << python.size()
      << ", C++ " << cpp.size() << ")\n  python: " << join(python) << "\n  C++:    " << join(cpp);
  return out.str();
}

// Runs the dump script and compares; adds a gtest failure (and stops) at the first difference.
ParityResult check_parity(const ParityRun& run) {
  ParityResult result;
  std::string command =
      std::string(kPython) + " " +
      quoted(std::string(ALSEL_SOURCE_DIR) + "/scripts/dump_tokenization.py") + " --vocab " +
      quoted(run.vocab_path) + " --input " + quoted(run.input_path) + " --strip-accents " +
      (run.config.strip_accents < 0 ? "auto" : std::to_string(run.config.strip_accents)) +
      " --max-chars-per-word " + std::to_string(run.config.max_chars_per_word);
  if (!run.config.do_lower_case) command += " --no-lower-case";
  if (!run.config.fold_fullwidth) command += " --no-fold-fullwidth";
  if (run.limit > 0) command += " --limit " + std::to_string(run.limit);

  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    ADD_FAILURE() << "cannot run " << command;
    return result;
  }
  const auto vocab = std::make_shared<const Vocabulary>(Vocabulary::from_file(run.vocab_path));
  const WordpieceTokenizer tokenizer(vocab, run.config);
  std::string line;
  std::array<char, 1 << 16> buffer;
  bool failed = false;
  auto compare_line = [&](const std::string& json_line) {
    const nlohmann::json expected = nlohmann::json::parse(json_line);
    const std::string text = expected.at("text").get<std::string>();
    const Encoding enc = tokenizer.encode(text);
    std::string diff =
        first_difference("tokens", expected.at("tokens").get<Strings>(), tokenizer.tokens(enc));
    if (diff.empty()) {
      diff = first_difference("ids", expected.at("ids").get<std::vector<int>>(), enc.ids);
    }
    if (diff.empty())
      diff = first_difference("offsets", expected.at("offsets").get<Spans>(), enc.offsets);
    if (diff.empty()) {
      diff = first_difference("word_first_token",
                              expected.at("word_first_token").get<std::vector<int>>(),
                              enc.word_first_token);
    }
    if (diff.empty())
      diff = first_difference("word_spans", expected.at("word_spans").get<Spans>(), enc.word_spans);
    if (!diff.empty()) {
      ADD_FAILURE() << run.input_path << " (" << run.config.to_string() << "): sentence "
                    << result.sentences << " (0-based) \"" << shorten(text) << "\": " << diff;
      failed = true;
    }
    result.tokens += enc.ids.size();
    result.longest_text = std::max(result.longest_text, count_code_points(text));
    ++result.sentences;
  };
  size_t n;
  while (!failed && (n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    line.append(buffer.data(), n);
    size_t start = 0;
    for (size_t end; !failed && (end = line.find('\n', start)) != std::string::npos;
         start = end + 1) {
      compare_line(line.substr(start, end - start));
    }
    line.erase(0, start);
  }
  if (failed) {  // drain so the script is not killed by SIGPIPE halfway through a write
    while (fread(buffer.data(), 1, buffer.size(), pipe) > 0) {
    }
  }
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << "failed: " << command;
  EXPECT_TRUE(failed || line.empty()) << "unterminated output line: " << line.substr(0, 200);
  return result;
}

// Number of sentences in a .bio file: runs of non-blank lines.
size_t count_bio_sentences(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  size_t count = 0;
  bool in_sentence = false;
  for (std::string line; std::getline(in, line);) {
    const bool blank = line.empty() || line == "\r";
    if (!blank && !in_sentence) ++count;
    in_sentence = !blank;
  }
  return count;
}

// Skips the calling test unless python and the MSRA data and vocabulary are there.
#define ALSEL_REQUIRE_SHARED_DATA(bio_name)                                                \
  if (access(kPython, X_OK) != 0) GTEST_SKIP() << kPython << " is not available";          \
  const std::string vocab_path = shared_dir() + "/data/vocab/bert-base-chinese-vocab.txt"; \
  const std::string bio_path = shared_dir() + "/data/msra/" bio_name;                      \
  if (!readable(vocab_path) || !readable(bio_path)) {                                      \
    GTEST_SKIP() << "shared data not found (" << vocab_path << ", " << bio_path            \
                 << "); set ALSEL_SHARED_DIR";                                             \
  }

TEST(TokenizerParity, MsraTrainFirst3000Sentences) {
  ALSEL_REQUIRE_SHARED_DATA("train.bio");
  const ParityResult result = check_parity({vocab_path, bio_path, TokenizerConfig{}, 3000});
  if (HasFailure()) return;
  EXPECT_EQ(result.sentences, 3000u);
  EXPECT_GT(result.tokens, 3000u * 20);
}

TEST(TokenizerParity, MsraTestAllSentences) {
  ALSEL_REQUIRE_SHARED_DATA("test.bio");
  const ParityResult result = check_parity({vocab_path, bio_path, TokenizerConfig{}, 0});
  if (HasFailure()) return;
  EXPECT_EQ(result.sentences, count_bio_sentences(bio_path));
  EXPECT_GT(result.longest_text, 1000u) << "expected test.bio to hold a sentence over 1000 chars";
}

TEST(TokenizerParity, MsraTestWithoutFoldingOrLowerCase) {
  ALSEL_REQUIRE_SHARED_DATA("test.bio");
  TokenizerConfig config;
  config.do_lower_case = false;
  config.fold_fullwidth = false;
  const ParityResult result = check_parity({vocab_path, bio_path, config, 500});
  if (HasFailure()) return;
  EXPECT_EQ(result.sentences, 500u);
}

// Hand-written hard cases, then seeded random lines: mixed scripts, emoji, accents, full-width,
// control characters, CJK extension B, U+2028, İ, long words, random code points from every
// plane (one sentence per line, so no '\n').
std::string stress_text() {
  std::string text =
      "Hello, World! 北京欢迎你。ＣＡＤ１９９７年\n"
      "Café naïve RÉSUMÉ cafe\u0301 e\u0301\u0301 \u0301alone Ǖǖ Øresund Straße ẞ\n"
      "\u0130stanbul \u0130\u0130 KELVIN\u212A Ωmega \u2126 ΣΊΣΥΦΟΣ ς\n"
      "emoji 😀😀 play😀ing 👍🏽 👨‍👩‍👧 🇨🇳 你😀好\n"
      "ctrl\x01"
      "a\x7F"
      "b\u200Bc\u00AD"
      "d\uFEFF"
      "e\uFFFD"
      "f\U000E0001"
      "g\uE000"
      "h end\n"
      "\U00020000\U0002A6D6\U0002B740\U0002CEA1\U0002CEAF\U0002CEB0 \uF900\uFA0E\U0002F800 "
      "\u9FFF\u9FFE\u4DBF\u4DC0\n"
      "x\u2028y \u2028 a\u2029b \u2028\u2028\n"
      "Ｈｅｌｌｏ，　ｗｏｒｌｄ！ ｆｕｌｌ＿ｗｉｄｔｈ ～ ￥１００ ｡ ﾊﾟ\n"
      "punct$+<=>^`|~ «quotes» “curly” ‘single’ — – … ¡¿ § ¶ · \u037E \u0387 \u1FEF\n"
      "\u3000\u3000leading and trailing ideographic spaces\u3000\n"
      "\t tabs\tand  multiple   spaces \u00A0nbsp\u2003em \u202F\r"
      "inner carriage return\n"
      "한국어 텍스트 \u1100\u1161\u11A8 ㄱ ｱｲｳ アイウ あいう\n"
      "Ελληνικά русский язык עִבְרִית العَرَبِيَّة हिन्दी ไทย\n"
      "\U0001D15E\U0001D400\U0001D7CE \U00010400\U00010428 \U0001F1E6\n" +
      std::string(150, 'x') + " " + std::string(100, 'a') + " " + std::string(101, 'b') + "\n" +
      "supercalifragilisticexpialidocious antidisestablishmentarianism\n"
      "\n"
      "  \n";
  // Seeded random lines mixing likely word characters with arbitrary code points.
  const std::vector<char32_t> interesting = {
      U'a',   U'b',   U'c',    U'e',   U'A',  U'B',   U'É',   U'é',   0x0130,  U'ß',    0x1E9E,
      0x0301, 0x0307, U'ｃ',   U'Ｃ',  U'１', 0x3000, U' ',   U'\t',  U',',    U'。',   U'北',
      U'京',  0xF900, 0x2028,  0x200B, 0x01,  0x7F,   0xFFFD, 0x00,   0x1F600, 0x20000, 0xAC00,
      0x037E, 0x212A, 0x1D15E, 0xFF0E, U'\r', 0xFF5E, 0xFF01, 0xFF00, 0xFF5F,  0x2CEAF, 0xD7A3};
  std::mt19937 rng(20240611);
  for (int line = 0; line < 1500; ++line) {
    const int length = 1 + static_cast<int>(rng() % (line % 50 == 0 ? 300 : 40));
    std::u32string cps;
    for (int i = 0; i < length; ++i) {
      const unsigned kind = rng() % 100;
      char32_t cp;
      if (kind < 30) {
        cp = interesting[rng() % interesting.size()];
      } else if (kind < 65) {
        cp = U'a' + rng() % 5;
      } else if (kind < 85) {
        cp = rng() % 0x10000;
      } else {
        cp = rng() % 0x110000;
      }
      if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == U'\n') cp = U'z';
      cps.push_back(cp);
    }
    text += encode_utf8(cps) + "\n";
  }
  return text;
}

// Vocabulary for the stress file: letters and pieces of the random alphabet, so the greedy
// matching has real choices, plus tokens for some hand-written cases.
std::string stress_vocab() {
  std::string vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (const char* piece : {"a", "b", "c", "e", "ab", "abc", "ba", "cab", "x", "xx"}) {
    vocab += std::string(piece) + "\n##" + piece + "\n";
  }
  for (const char* token : {"hello",
                            "world",
                            ",",
                            "!",
                            "北",
                            "京",
                            "欢",
                            "迎",
                            "你",
                            "cafe",
                            "caf",
                            "##\u00E9",
                            "##e\u0301",
                            "i",
                            "##\u0307",
                            "\u0307",
                            "x\u2028y",
                            "\u2028",
                            "##\u2028",
                            "\U0001F600",
                            "\U00020000",
                            "\u8C48",
                            "cad",
                            "1997",
                            "ß",
                            "ss",
                            "k",
                            "\u1100",
                            "##\u1161",
                            "\u00E9",
                            "istanbul",
                            "\u0130stanbul",
                            "supercal",
                            "##ifragilistic",
                            "##expialidocious"}) {
    vocab += std::string(token) + "\n";
  }
  return vocab;
}

TEST(TokenizerParity, StressFileAllConfigurations) {
  if (access(kPython, X_OK) != 0) GTEST_SKIP() << kPython << " is not available";
  // The process id keeps concurrent runs (several build directories) apart.
  const std::string prefix = testing::TempDir() + "alsel_tokenizer_" + std::to_string(getpid());
  const std::string input_path = prefix + "_stress.txt";
  const std::string vocab_path = prefix + "_stress_vocab.txt";
  std::ofstream(input_path, std::ios::binary) << stress_text();
  std::ofstream(vocab_path, std::ios::binary) << stress_vocab();

  std::vector<std::string> vocabularies = {vocab_path};
  const std::string chinese = shared_dir() + "/data/vocab/bert-base-chinese-vocab.txt";
  if (readable(chinese)) vocabularies.push_back(chinese);
  for (const std::string& vocab : vocabularies) {
    for (int variant = 0; variant < 6 && !HasFailure(); ++variant) {
      TokenizerConfig config;
      config.do_lower_case = variant != 1 && variant != 3;
      config.strip_accents = variant == 2 ? 0 : variant == 3 ? 1 : -1;
      config.fold_fullwidth = variant != 4;
      config.max_chars_per_word = variant == 5 ? 5 : 100;
      SCOPED_TRACE(vocab + " " + config.to_string());
      const ParityResult result = check_parity({vocab, input_path, config, 0});
      if (!HasFailure()) {
        EXPECT_GT(result.sentences, 1500u);
      }
    }
  }
  std::remove(input_path.c_str());
  std::remove(vocab_path.c_str());
}

}  // namespace
}  // namespace alsel
