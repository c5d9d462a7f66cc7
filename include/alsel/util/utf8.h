// Small, fast UTF-8 helpers for readers and writers (validation, decoding, encoding,
// code-point offsets). Character classes and normalization live elsewhere; this file only
// knows the encoding.
//
//   if (!alsel::is_valid_utf8(line)) { ... }
//   std::u32string cps = alsel::decode_utf8("北京");          // {U+5317, U+4EAC}
//   std::string s = alsel::encode_utf8(cps);                   // "北京"
//   std::vector<size_t> off = alsel::code_point_byte_offsets("aé"); // {0, 1, 3}
//
// "Valid" follows RFC 3629: no overlong forms, no surrogates (U+D800..U+DFFF), nothing above
// U+10FFFF, no truncated sequences, no stray continuation bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace alsel {

// Byte length of the valid UTF-8 sequence starting at text[pos], or 0 if the bytes there
// are not a valid sequence (or pos >= text.size()).
size_t utf8_sequence_length(std::string_view text, size_t pos);

// True when the whole of `text` is valid UTF-8.
bool is_valid_utf8(std::string_view text);

// Byte offset of the first invalid sequence, or text.size() when `text` is valid.
size_t find_invalid_utf8(std::string_view text);

// Decodes `text`; throws std::invalid_argument naming the byte offset when it is invalid.
std::u32string decode_utf8(std::string_view text);

// Appends the UTF-8 encoding of `code_point` to `out`; throws std::invalid_argument for
// surrogates and values above U+10FFFF.
void append_utf8(std::string& out, char32_t code_point);

// Encodes `code_points`; throws std::invalid_argument as append_utf8 does.
std::string encode_utf8(std::u32string_view code_points);

// Number of code points in valid UTF-8 `text`. Counts non-continuation bytes, so invalid
// input gives a count but not a meaningful one; validate first when it matters.
size_t count_code_points(std::string_view text);

// Byte offset of each code point of `text`, plus text.size() at the end: size n+1 for n
// code points, so code points [a, b) are bytes [off[a], off[b]). Throws
// std::invalid_argument when `text` is invalid UTF-8.
std::vector<size_t> code_point_byte_offsets(std::string_view text);

// Copy of `text` with every invalid sequence replaced by U+FFFD (one per maximal invalid
// subpart, as the Unicode standard recommends), so the result is always valid UTF-8.
std::string sanitize_utf8(std::string_view text);

// `text` for an error message: unchanged when it has at most `max_bytes` bytes, else its first
// bytes up to a code-point boundary and "... (N bytes)". A 50 MB line stays a short message.
std::string excerpt_utf8(std::string_view text, size_t max_bytes = 200);

}  // namespace alsel
