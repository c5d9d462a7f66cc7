#include "alsel/vocabulary.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "alsel/errors.h"
#include "alsel/utf8.h"

namespace alsel {

Vocabulary::Vocabulary(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {
  build_index();
}

Vocabulary::Vocabulary(const Vocabulary& other)
    : unk_id(other.unk_id),
      pad_id(other.pad_id),
      cls_id(other.cls_id),
      sep_id(other.sep_id),
      tokens_(other.tokens_) {
  build_index();
}

Vocabulary& Vocabulary::operator=(const Vocabulary& other) {
  if (this != &other) {
    tokens_ = other.tokens_;
    build_index();
  }
  return *this;
}

void Vocabulary::build_index() {
  ids_.clear();
  ids_.reserve(tokens_.size());
  max_token_length_ = 0;
  for (size_t i = 0; i < tokens_.size(); ++i) {
    ids_[std::string_view(tokens_[i])] = static_cast<int>(i);  // the last duplicate wins
    max_token_length_ = std::max(max_token_length_, count_code_points(tokens_[i]));
  }
  unk_id = id("[UNK]");
  pad_id = id("[PAD]");
  cls_id = id("[CLS]");
  sep_id = id("[SEP]");
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
    throw ModelError(source + ": vocabulary has no [UNK] token (" +
                     std::to_string(vocab.size()) + " tokens read)");
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
