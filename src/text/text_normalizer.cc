#include "alsel/text/text_normalizer.h"

#include "alsel/text/unicode.h"
#include "alsel/util/utf8.h"

namespace alsel {

std::u32string normalize_for_matching(std::string_view text) {
  const std::u32string code_points =
      is_valid_utf8(text) ? decode_utf8(text) : decode_utf8(sanitize_utf8(text));
  std::u32string normalized, lowered;
  normalized.reserve(code_points.size());
  for (char32_t code_point : code_points) {
    const char32_t folded = fold_fullwidth(code_point);
    if (is_whitespace(folded) || is_control(folded) || is_punctuation(folded)) continue;
    lowered.clear();
    normalize_char(folded, /*lower=*/true, /*strip_accents=*/false, lowered);
    normalized += lowered;
  }
  if (!normalized.empty()) return normalized;
  for (char32_t code_point : code_points) {
    const char32_t folded = fold_fullwidth(code_point);
    if (!is_whitespace(folded)) normalized += folded;
  }
  return normalized;
}

uint64_t hash_code_points(std::u32string_view code_points) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a over the 4 bytes of each code point
  for (char32_t code_point : code_points) {
    for (int shift = 0; shift < 32; shift += 8) {
      hash ^= (code_point >> shift) & 0xFF;
      hash *= 0x100000001b3ULL;
    }
  }
  hash ^= hash >> 30;  // SplitMix64 finalizer
  hash *= 0xbf58476d1ce4e5b9ULL;
  hash ^= hash >> 27;
  hash *= 0x94d049bb133111ebULL;
  hash ^= hash >> 31;
  return hash == 0 ? 1 : hash;
}

uint64_t normalized_text_hash(std::string_view text) {
  return hash_code_points(normalize_for_matching(text));
}

}  // namespace alsel
