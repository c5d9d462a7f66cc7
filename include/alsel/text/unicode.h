// BERT character classes and per-character normalization, exactly as the Python reference
// tokenizer (scripts/alsel_py/tokenizer.py) computes them with unicodedata.
//
//   alsel::is_cjk(U'北');                                   // true
//   alsel::is_punctuation(U'，');                            // true (category Po)
//   std::u32string out;
//   alsel::normalize_char(U'É', /*lower=*/true, /*strip_accents=*/true, out);  // out == U"e"
//
// The tables come from scripts/gen_unicode_tables.py (src/text/unicode_tables.cc, generated; see
// unicode_version()). Code points above U+10FFFF have no class and normalize to themselves;
// surrogates are "control", as in Python. Encoding and decoding live in alsel/utf8.h.
#pragma once

#include <string>

namespace alsel {

// Unicode version of the Python unicodedata the tables were generated from, e.g. "14.0.0".
const char* unicode_version();

// BERT's CJK ideograph blocks (U+4E00..U+9FFF, extensions A..E, compatibility ideographs).
// Note that unassigned code points inside these blocks are also is_control().
bool is_cjk(char32_t code_point);

// \t \n \r, space, or category Zs.
bool is_whitespace(char32_t code_point);

// Category C* (Cc, Cf, Cs, Co and unassigned Cn) except \t \n \r.
bool is_control(char32_t code_point);

// ASCII 33-47, 58-64, 91-96, 123-126 (so $ + < = > ^ ` | ~ count), or category P*.
bool is_punctuation(char32_t code_point);

// alsel's lookup normalization: U+FF01..U+FF5E to U+0021..U+007E, U+3000 to a space; every
// other code point is returned unchanged.
char32_t fold_fullwidth(char32_t code_point);

// Appends the normalized form of one (already folded) code point to `out`: Python's
// ch.lower() when `lower`, then NFD without category Mn when `strip_accents`. Appends 0..3
// code points (İ lower-cases to "i\u0307"; a combining mark strips to nothing). Does not
// allocate when `out` has capacity.
void normalize_char(char32_t code_point, bool lower, bool strip_accents, std::u32string& out);

}  // namespace alsel
