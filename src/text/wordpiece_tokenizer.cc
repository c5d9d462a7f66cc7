#include "alsel/text/wordpiece_tokenizer.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "alsel/util/errors.h"
#include "alsel/text/unicode.h"
#include "alsel/util/utf8.h"

namespace alsel {

void TokenizerConfig::validate() const {
  if (strip_accents < -1 || strip_accents > 1) {
    throw UsageError("TokenizerConfig.strip_accents must be -1, 0 or 1, got " +
                     std::to_string(strip_accents));
  }
  if (max_chars_per_word < 1) {
    throw UsageError("TokenizerConfig.max_chars_per_word must be >= 1, got " +
                     std::to_string(max_chars_per_word));
  }
}

std::string TokenizerConfig::to_string() const {
  return std::string("do_lower_case=") + (do_lower_case ? "true" : "false") +
         " strip_accents=" + std::to_string(strip_accents) +
         " fold_fullwidth=" + (fold_fullwidth ? "true" : "false") +
         " max_chars_per_word=" + std::to_string(max_chars_per_word);
}

// The word being built, reused across words and calls so the hot path does not allocate once
// the buffers have grown to the longest word seen.
struct WordpieceTokenizer::Scratch {
  std::u32string normalized;         // normalize_char output for one original character
  std::vector<int> source_index;     // per word character: its original code-point index
  std::string bytes;                 // UTF-8 of the word's (normalized) characters
  std::vector<size_t> byte_offsets;  // per word character k: bytes [offsets[k], offsets[k+1])
  std::string lookup;                // "##" + continuation candidate

  void clear_word() {
    source_index.clear();
    bytes.clear();
    byte_offsets.assign(1, 0);
  }
  void push(char32_t c, int index) {
    source_index.push_back(index);
    append_utf8(bytes, c);
    byte_offsets.push_back(bytes.size());
  }
};

WordpieceTokenizer::WordpieceTokenizer(std::shared_ptr<const Vocabulary> vocab,
                                       TokenizerConfig config)
    : vocab_(std::move(vocab)), config_(config) {
  if (!vocab_) throw std::invalid_argument("WordpieceTokenizer: vocabulary is null");
  config_.validate();
  strip_accents_ = config_.strip_accents < 0 ? config_.do_lower_case : config_.strip_accents == 1;
}

Encoding WordpieceTokenizer::encode(std::string_view utf8_text) const {
  return encode(decode_utf8(utf8_text));
}

Encoding WordpieceTokenizer::encode(const std::u32string& text) const {
  if (text.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw std::invalid_argument("text of " + std::to_string(text.size()) +
                                " code points is too long to tokenize");
  }
  Encoding encoding;
  encoding.ids.reserve(text.size());
  encoding.offsets.reserve(text.size());
  thread_local Scratch scratch;
  scratch.clear_word();  // a previous call may have thrown half-way through a word
  const bool lower = config_.do_lower_case;
  for (size_t i = 0; i < text.size(); ++i) {
    char32_t cp = text[i];
    if (cp > 0x10FFFF) {
      throw std::invalid_argument("code point " + std::to_string(cp) + " at index " +
                                  std::to_string(i) + " is above U+10FFFF");
    }
    if (config_.fold_fullwidth) cp = fold_fullwidth(cp);
    const int index = static_cast<int>(i);
    if (cp == 0 || cp == 0xFFFD || is_control(cp)) continue;
    if (is_whitespace(cp)) {
      push_word(scratch, encoding);
      continue;
    }
    scratch.normalized.clear();
    normalize_char(cp, lower, strip_accents_, scratch.normalized);
    if (is_cjk(cp)) {  // one word of its own, whatever it normalizes to
      push_word(scratch, encoding);
      for (char32_t c : scratch.normalized) scratch.push(c, index);
      push_word(scratch, encoding);
      continue;
    }
    for (char32_t c : scratch.normalized) {
      if (is_punctuation(c)) {
        push_word(scratch, encoding);
        scratch.push(c, index);
        push_word(scratch, encoding);
      } else {
        scratch.push(c, index);
      }
    }
  }
  push_word(scratch, encoding);
  return encoding;
}

// Appends the word in `scratch` (if any) to `encoding` as WordPiece tokens and clears it.
void WordpieceTokenizer::push_word(Scratch& scratch, Encoding& encoding) const {
  const size_t length = scratch.source_index.size();
  if (length == 0) return;
  const int word_start = scratch.source_index.front();
  const int word_end = scratch.source_index.back() + 1;
  const size_t first_token = encoding.ids.size();
  encoding.word_first_token.push_back(static_cast<int>(first_token));
  encoding.word_spans.emplace_back(word_start, word_end);

  const Vocabulary& vocab = *vocab_;
  // Candidates longer than the longest vocabulary token cannot match; skipping them changes
  // nothing but the running time on long words.
  const size_t max_piece = vocab.max_token_length();
  const size_t max_continuation = max_piece >= 2 ? max_piece - 2 : 0;  // without the "##"
  bool matched = length <= static_cast<size_t>(config_.max_chars_per_word);
  size_t start = 0;
  while (matched && start < length) {
    size_t end = std::min(length, start + (start == 0 ? max_piece : max_continuation));
    int id = -1;
    for (; end > start; --end) {
      const size_t byte_begin = scratch.byte_offsets[start];
      const size_t byte_count = scratch.byte_offsets[end] - byte_begin;
      if (start == 0) {
        id = vocab.id(std::string_view(scratch.bytes.data(), byte_count));
      } else {
        scratch.lookup.assign("##");
        scratch.lookup.append(scratch.bytes, byte_begin, byte_count);
        id = vocab.id(scratch.lookup);
      }
      if (id >= 0) break;
    }
    if (id < 0) {
      matched = false;
      break;
    }
    encoding.ids.push_back(id);
    encoding.offsets.emplace_back(scratch.source_index[start], scratch.source_index[end - 1] + 1);
    start = end;
  }
  if (!matched) {  // the whole word becomes one [UNK], dropping any pieces already matched
    encoding.ids.resize(first_token);
    encoding.offsets.resize(first_token);
    encoding.ids.push_back(vocab.unk_id);
    encoding.offsets.emplace_back(word_start, word_end);
  }
  scratch.clear_word();
}

std::vector<std::string> WordpieceTokenizer::tokens(const Encoding& encoding) const {
  std::vector<std::string> pieces;
  pieces.reserve(encoding.ids.size());
  for (int id : encoding.ids) pieces.push_back(vocab_->token(id));
  return pieces;
}

}  // namespace alsel
