// Score cache row decoder: any bytes give a sentence or a std::exception saying what is wrong;
// what it gives round-trips through the encoder. First byte: bits 0-6 pick the label count; bit 7
// set appends the row's valid checksum, so that mutations reach the parser behind it.
#include <stdexcept>
#include <string>

#include "alsel/util/id_set.h"
#include "alsel/scoring/score_cache.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int num_labels = 1 + (data[0] & 0x7F) % 9;
  std::string row(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 0x80) {
    const uint64_t checksum = alsel::hash_id(row);
    for (int i = 0; i < 8; ++i) row.push_back(static_cast<char>((checksum >> (8 * i)) & 0xFF));
  }
  alsel::ScoredSentence sentence;
  try {
    sentence = alsel::decode_cache_row(reinterpret_cast<const uint8_t*>(row.data()), row.size(), num_labels);
  } catch (const std::exception&) {
    return 0;
  }
  if (alsel::encode_cache_row(sentence) != row) {
    __builtin_trap();  // a row that decodes must be exactly what the encoder writes
  }
  return 0;
}
