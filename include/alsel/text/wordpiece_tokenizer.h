// BERT BasicTokenizer + WordPiece with code-point offsets into the original text; gives the
// same tokens, ids and offsets as scripts/alsel_py/tokenizer.py for every input.
//
//   auto vocab = std::make_shared<const alsel::Vocabulary>(
//       alsel::Vocabulary::from_file("bert-base-chinese-vocab.txt"));
//   alsel::WordpieceTokenizer tokenizer(vocab, alsel::TokenizerConfig{});
//   alsel::Encoding enc = tokenizer.encode("ＣＡＤ软件");
//   // words: ＣＡＤ 软 件; enc.offsets == {{0, 3}, {3, 4}, {4, 5}} ("cad" is one piece)
//
// Per original character, in order: fold full-width forms (config); drop U+0000, U+FFFD and
// control characters; split words on whitespace; make each CJK ideograph its own word;
// lower-case and strip accents; make each punctuation character its own word. Each word then
// becomes greedy longest-match WordPiece pieces ("##" marks a continuation), or a single [UNK]
// when it has more than max_chars_per_word (normalized) characters or cannot be matched.
// A character that normalizes to several (İ -> i + U+0307) gives each of them its offsets.
//
// Thread safety: encode() is const and may be called from several threads at once (its scratch
// buffers are thread-local).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alsel/text/vocabulary.h"

namespace alsel {

struct TokenizerConfig {
  bool do_lower_case = true;     // lower-case (Python str.lower, per character) before lookup
  int strip_accents = -1;        // NFD then drop category Mn: -1 follow do_lower_case, 0 keep,
                                 // 1 strip
  bool fold_fullwidth = true;    // U+FF01..U+FF5E -> ASCII, U+3000 -> space before everything
                                 // else (lookup normalization; offsets stay in the original)
  int max_chars_per_word = 100;  // words with more normalized characters become one [UNK]

  // Throws alsel::UsageError naming the field and its value.
  void validate() const;
  // One line, "do_lower_case=true strip_accents=-1 ...", for logs.
  std::string to_string() const;
};

struct Encoding {
  std::vector<int> ids;                         // wordpiece ids, no [CLS]/[SEP]
  std::vector<std::pair<int, int>> offsets;     // per token: [start, end) code points into the
                                                // original text
  std::vector<int> word_first_token;            // per word: index of its first token
  std::vector<std::pair<int, int>> word_spans;  // per word: [start, end) code points
};

class WordpieceTokenizer {
 public:
  // Validates `config`; throws std::invalid_argument when `vocab` is null.
  WordpieceTokenizer(std::shared_ptr<const Vocabulary> vocab, TokenizerConfig config);

  // Throws std::invalid_argument (naming the byte offset) when `utf8_text` is not valid UTF-8.
  Encoding encode(std::string_view utf8_text) const;
  // Throws std::invalid_argument for a value above U+10FFFF; surrogates are control
  // characters and vanish, as in Python.
  Encoding encode(const std::u32string& code_points) const;

  // Piece strings of `encoding`'s ids ("##ing", "[UNK]"), for debugging and tests.
  std::vector<std::string> tokens(const Encoding& encoding) const;

  const Vocabulary& vocab() const { return *vocab_; }
  const TokenizerConfig& config() const { return config_; }

 private:
  struct Scratch;
  void push_word(Scratch& scratch, Encoding& encoding) const;

  std::shared_ptr<const Vocabulary> vocab_;
  TokenizerConfig config_;
  bool strip_accents_;  // config_.strip_accents resolved against do_lower_case
};

}  // namespace alsel
