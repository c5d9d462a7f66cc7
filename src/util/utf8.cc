#include "alsel/util/utf8.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace alsel {
namespace {

// Scans the sequence at text[pos] (pos < text.size()). Returns its length when valid, or
// minus the length of its maximal invalid subpart (at least 1) when not: the longest
// prefix that could start a well-formed sequence, per Unicode 15 §3.9 (U+FFFD substitution).
int scan_sequence(std::string_view text, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) return 1;
  int length;
  unsigned char second_low = 0x80, second_high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;   // overlong below U+0800
    if (lead == 0xED) second_high = 0x9F;  // surrogates U+D800..U+DFFF
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;   // overlong below U+10000
    if (lead == 0xF4) second_high = 0x8F;  // above U+10FFFF
  } else {
    return -1;  // continuation byte, C0/C1 (always overlong) or F5..FF
  }
  for (int k = 1; k < length; ++k) {
    if (pos + k >= text.size()) return -k;  // truncated
    const unsigned char b = byte(pos + k);
    const unsigned char low = k == 1 ? second_low : 0x80;
    const unsigned char high = k == 1 ? second_high : 0xBF;
    if (b < low || b > high) return -k;
  }
  return length;
}

// Skips ASCII eight bytes at a time; returns the first position at or after `pos` whose
// byte is not ASCII (or text.size()).
size_t skip_ascii(std::string_view text, size_t pos) {
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  while (pos + 8 <= text.size()) {
    uint64_t word;
    std::memcpy(&word, text.data() + pos, 8);
    if (word & kHighBits) break;
    pos += 8;
  }
  while (pos < text.size() && static_cast<unsigned char>(text[pos]) < 0x80) ++pos;
  return pos;
}

char32_t decode_at(std::string_view text, size_t pos, int length) {
  const auto byte = [&](size_t i) {
    return static_cast<char32_t>(static_cast<unsigned char>(text[i]));
  };
  switch (length) {
    case 1:
      return byte(pos);
    case 2:
      return ((byte(pos) & 0x1F) << 6) | (byte(pos + 1) & 0x3F);
    case 3:
      return ((byte(pos) & 0x0F) << 12) | ((byte(pos + 1) & 0x3F) << 6) | (byte(pos + 2) & 0x3F);
    default:
      return ((byte(pos) & 0x07) << 18) | ((byte(pos + 1) & 0x3F) << 12) |
             ((byte(pos + 2) & 0x3F) << 6) | (byte(pos + 3) & 0x3F);
  }
}

[[noreturn]] void throw_invalid(size_t offset) {
  throw std::invalid_argument("invalid UTF-8 at byte " + std::to_string(offset));
}

}  // namespace

size_t utf8_sequence_length(std::string_view text, size_t pos) {
  if (pos >= text.size()) return 0;
  const int length = scan_sequence(text, pos);
  return length > 0 ? static_cast<size_t>(length) : 0;
}

size_t find_invalid_utf8(std::string_view text) {
  size_t pos = 0;
  while (true) {
    pos = skip_ascii(text, pos);
    if (pos >= text.size()) return text.size();
    const int length = scan_sequence(text, pos);
    if (length < 0) return pos;
    pos += static_cast<size_t>(length);
  }
}

bool is_valid_utf8(std::string_view text) { return find_invalid_utf8(text) == text.size(); }

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const int length = scan_sequence(text, pos);
    if (length < 0) throw_invalid(pos);
    out.push_back(decode_at(text, pos, length));
    pos += static_cast<size_t>(length);
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      throw std::invalid_argument("cannot encode surrogate code point " + std::to_string(cp));
    }
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp <= 0x10FFFF) {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    throw std::invalid_argument("code point above U+10FFFF: " + std::to_string(cp));
  }
}

std::string encode_utf8(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (char32_t cp : code_points) append_utf8(out, cp);
  return out;
}

size_t count_code_points(std::string_view text) {
  size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

std::vector<size_t> code_point_byte_offsets(std::string_view text) {
  std::vector<size_t> offsets;
  offsets.reserve(text.size() + 1);
  size_t pos = 0;
  while (pos < text.size()) {
    const int length = scan_sequence(text, pos);
    if (length < 0) throw_invalid(pos);
    offsets.push_back(pos);
    pos += static_cast<size_t>(length);
  }
  offsets.push_back(text.size());
  return offsets;
}

std::string sanitize_utf8(std::string_view text) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t ascii_end = skip_ascii(text, pos);
    out.append(text.data() + pos, ascii_end - pos);
    pos = ascii_end;
    if (pos >= text.size()) break;
    const int length = scan_sequence(text, pos);
    if (length > 0) {
      out.append(text.data() + pos, static_cast<size_t>(length));
      pos += static_cast<size_t>(length);
    } else {
      out.append(kReplacement, 3);
      pos += static_cast<size_t>(-length);
    }
  }
  return out;
}

std::string excerpt_utf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes;
  // Back off continuation bytes (10xxxxxx) so that the cut falls between code points.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "... (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace alsel
