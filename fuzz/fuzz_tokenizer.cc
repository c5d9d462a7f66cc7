// Tokenizer: any valid UTF-8 text gives pieces whose word spans lie inside the text, in order.
#include <memory>

#include "alsel/util/utf8.h"
#include "alsel/text/vocabulary.h"
#include "alsel/text/wordpiece_tokenizer.h"
#include "fuzz_input.h"

namespace {

std::shared_ptr<const alsel::Vocabulary> fuzz_vocabulary() {
  std::string text = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (char c = 'a'; c <= 'z'; ++c) text += std::string(1, c) + "\n##" + std::string(1, c) + "\n";
  for (const char* piece : {"北", "京", "李", "娜", "##ing", "un", "##able", "0", "1", "##1"})
    text += std::string(piece) + "\n";
  return std::make_shared<alsel::Vocabulary>(alsel::Vocabulary::from_text(text, "fuzz vocabulary"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::shared_ptr<const alsel::Vocabulary> vocab = fuzz_vocabulary();
  if (size == 0) return 0;
  alsel::TokenizerConfig config;
  config.do_lower_case = data[0] & 1;
  config.strip_accents = (data[0] >> 1) % 3 - 1;
  config.fold_fullwidth = data[0] & 8;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (!alsel::is_valid_utf8(text)) return 0;
  const alsel::WordpieceTokenizer tokenizer(vocab, config);
  const alsel::Encoding encoding = tokenizer.encode(text);
  const int length = static_cast<int>(alsel::count_code_points(text));
  int previous_end = 0;
  for (const auto& [start, end] : encoding.word_spans) {
    if (start < previous_end || end < start || end > length) __builtin_trap();
    previous_end = end;
  }
  for (int id : encoding.ids) {
    if (id < 0 || id >= vocab->size()) __builtin_trap();
  }
  return 0;
}
