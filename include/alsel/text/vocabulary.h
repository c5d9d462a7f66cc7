// A WordPiece vocabulary: token <-> id, one token per line, id = 0-based line number.
//
//   alsel::Vocabulary vocab = alsel::Vocabulary::from_file("vocab.txt");
//   int id = vocab.id("##ing");          // -1 when absent
//   const std::string& piece = vocab.token(id);
//
// Files are split on '\n' only (bert-base-chinese has tokens that are or contain U+2028, which
// other line splitters break on); one trailing '\r' per line is removed, so CRLF files work; a
// final empty line is ignored. When a token repeats, the last id wins (as in Hugging Face's
// load_vocab), and token(id) still returns the line at `id`. Matches
// scripts/alsel_py/tokenizer.py Vocabulary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace alsel {

class Vocabulary {
 public:
  // Throws alsel::ModelError naming `source` when the text is not valid UTF-8 (the line
  // number is given) or has no [UNK] token.
  static Vocabulary from_text(std::string_view text, const std::string& source = "<text>");
  // Throws alsel::ModelError naming `path` when it cannot be read or is invalid as above.
  static Vocabulary from_file(const std::string& path);

  // Id of `token`, or -1 when it is not in the vocabulary. Allocation-free; this is the
  // WordPiece hot path (one probe of a flat open-addressing table, then one comparison).
  int id(std::string_view token) const;
  // Token of `id`; throws std::out_of_range unless 0 <= id < size().
  const std::string& token(int id) const;
  // Number of lines (ids), duplicates included.
  size_t size() const { return tokens_.size(); }
  // Longest token, in code points; no lookup longer than this can succeed.
  size_t max_token_length() const { return max_token_length_; }

  // Ids of the special tokens, -1 where absent. [UNK] is always present; the model loader
  // is the one that requires [CLS], [SEP] and [PAD].
  int unk_id = -1;
  int pad_id = -1;
  int cls_id = -1;
  int sep_id = -1;

 private:
  // Linear-probing hash table slot; id -1 marks an empty slot.
  struct Slot {
    uint32_t hash;
    int32_t id;
  };

  explicit Vocabulary(std::vector<std::string> tokens);

  std::vector<std::string> tokens_;
  std::vector<Slot> slots_;  // power-of-two size, at most half full
  size_t max_token_length_ = 0;
};

}  // namespace alsel
