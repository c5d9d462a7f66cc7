// Private to alsel_core: the raw character tables that scripts/gen_unicode_tables.py writes
// into unicode_tables.cc. Use the functions of alsel/unicode.h instead of reading these.
#pragma once

#include <cstddef>
#include <cstdint>

namespace alsel::unicode_tables {

struct CodePointRange {
  char32_t first;  // first code point of the range
  char32_t last;   // last code point, inclusive
};

// Sorted, disjoint, non-adjacent ranges.
struct RangeTable {
  const CodePointRange* ranges;
  size_t size;
};

// normalize_char(code_point) = kNormalizationPool[offset, offset + length).
struct NormalizationEntry {
  char32_t code_point;
  uint32_t offset;
  uint32_t length;  // number of code points, >= 1
};

// Sorted by code_point; code points without an entry normalize to themselves, except, when
// stripping accents, Hangul syllables (decomposed in code) and kStripVanishing (to nothing).
struct NormalizationTable {
  const NormalizationEntry* entries;
  size_t size;
};

extern const char kUnicodeVersion[];  // unicodedata.unidata_version the tables come from
extern const RangeTable kControl;
extern const RangeTable kWhitespace;
extern const RangeTable kPunctuation;
extern const RangeTable kCjk;
extern const RangeTable kStripVanishing;  // code points whose stripped form is empty
extern const char32_t* const kNormalizationPool;
extern const size_t kNormalizationPoolSize;
extern const NormalizationTable kLower;  // str.lower()
extern const NormalizationTable kStrip;  // NFD without category Mn
// lower + strip is kStrip applied to each code point of kLower's result (checked by the
// generator for every code point).

}  // namespace alsel::unicode_tables
