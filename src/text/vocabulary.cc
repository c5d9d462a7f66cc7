#include "alsel/text/vocabulary.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "alsel/util/errors.h"
#include "alsel/util/utf8.h"

namespace alsel {

namespace {

// FNV-1a, 64-bit, folded to 32: tokens are short (most are 1-6 bytes) and the table is small.
uint32_t hash_token(std::string_view token) {
  uint64_t hash = 0xCBF29CE484222325ULL;
  for (char c : token) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001B3ULL;
  }
  return static_cast<uint32_t>(hash ^ (hash >> 32));
}

}  // namespace

Vocabulary::Vocabulary(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
  size_t capacity = 16;
  while (capacity < 2 * tokens_.size()) capacity *= 2;
  slots_.assign(capacity, Slot{0, -1});
  const size_t mask = capacity - 1;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const uint32_t hash = hash_token(tokens_[i]);
    size_t slot = hash & mask;
    // A repeated token overwrites its earlier id: the last duplicate wins.
    while (slots_[slot].id >= 0 && !(slots_[slot].hash == hash &&
                                     tokens_[static_cast<size_t>(slots_[slot].id)] == tokens_[i])) {
      slot = (slot + 1) & mask;
    }
    slots_[slot] = Slot{hash, static_cast<int32_t>(i)};
    max_token_length_ = std::max(max_token_length_, count_code_points(tokens_[i]));
  }
  unk_id = id("[UNK]");
  pad_id = id("[PAD]");
  cls_id = id("[CLS]");
  sep_id = id("[SEP]");
}

int Vocabulary::id(std::string_view token) const {
  const uint32_t hash = hash_token(token);
  const size_t mask = slots_.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    const Slot& entry = slots_[slot];
    if (entry.id < 0) return -1;
    if (entry.hash == hash && tokens_[static_cast<size_t>(entry.id)] == token) return entry.id;
  }
}

Vocabulary Vocabulary::from_text(std::string_view text, const std::string& source) {
  std::vector<std::string> tokens;
  size_t line_start = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    const size_t next = line_end == std::string_view::npos ? text.size() : line_end + 1;
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(line_start, line_end - line_start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!is_valid_utf8(line)) {
      throw ModelError(source + ": line " + std::to_string(tokens.size() + 1) +
                       " is not valid UTF-8 (byte " +
                       std::to_string(line_start + find_invalid_utf8(line)) + ")");
    }
    tokens.emplace_back(line);
    line_start = next;
  }
  if (tokens.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw ModelError(source + ": too many tokens (" + std::to_string(tokens.size()) + ")");
  }
  Vocabulary vocab(std::move(tokens));
  if (vocab.unk_id < 0) {
    throw ModelError(source + ": vocabulary has no [UNK] token (" + std::to_string(vocab.size()) +
                     " tokens read)");
  }
  return vocab;
}

Vocabulary Vocabulary::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ModelError("cannot open vocabulary " + path + ": " + std::strerror(errno));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) throw ModelError("cannot read vocabulary " + path);
  return from_text(contents.str(), path);
}

const std::string& Vocabulary::token(int id) const {
  if (id < 0 || static_cast<size_t>(id) >= tokens_.size()) {
    throw std::out_of_range("token id " + std::to_string(id) + " is outside the vocabulary of " +
                            std::to_string(tokens_.size()) + " tokens");
  }
  return tokens_[static_cast<size_t>(id)];
}

}  // namespace alsel
