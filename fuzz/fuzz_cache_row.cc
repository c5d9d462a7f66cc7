// Score cache row decoder: any bytes give a sentence or a std::exception saying what is wrong;
// what it gives round-trips through the encoder.
#include <stdexcept>

#include "alsel/score_cache.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int num_labels = 1 + data[0] % 9;
  alsel::ScoredSentence sentence;
  try {
    sentence = alsel::decode_cache_row(data + 1, size - 1, num_labels);
  } catch (const std::exception&) {
    return 0;
  }
  const std::string again = alsel::encode_cache_row(sentence);
  if (again.size() != size - 1 || again.compare(0, again.size(), reinterpret_cast<const char*>(data + 1), size - 1) != 0) {
    __builtin_trap();  // a row that decodes must be exactly what the encoder writes
  }
  return 0;
}
