#include "alsel/text_offsets.h"

#include <algorithm>
#include <stdexcept>

#include "alsel/errors.h"
#include "alsel/utf8.h"

namespace alsel {

OffsetUnit parse_offset_unit(std::string_view name) {
  if (name == "codepoint") return OffsetUnit::kCodePoint;
  if (name == "utf16") return OffsetUnit::kUtf16;
  throw UsageError("unknown offset unit '" + std::string(name) + "' (valid: codepoint, utf16)");
}

const char* offset_unit_name(OffsetUnit unit) {
  return unit == OffsetUnit::kUtf16 ? "utf16" : "codepoint";
}

OffsetConverter::OffsetConverter(std::string_view utf8_text, OffsetUnit unit) : unit_(unit) {
  const size_t invalid = find_invalid_utf8(utf8_text);
  if (invalid != utf8_text.size()) {
    throw std::invalid_argument("invalid UTF-8 at byte " + std::to_string(invalid));
  }
  // A 4-byte UTF-8 sequence (lead byte >= 0xF0) is exactly a code point above U+FFFF.
  bool has_supplementary = false;
  for (char c : utf8_text) {
    const unsigned char byte = static_cast<unsigned char>(c);
    code_point_length_ += (byte & 0xC0) != 0x80;  // every byte but a continuation byte
    has_supplementary |= byte >= 0xF0;
  }
  if (unit_ != OffsetUnit::kUtf16 || !has_supplementary) return;
  utf16_offsets_.reserve(code_point_length_ + 1);
  int offset = 0;
  for (char c : utf8_text) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) == 0x80) continue;  // continuation byte
    utf16_offsets_.push_back(offset);
    offset += byte >= 0xF0 ? 2 : 1;
  }
  utf16_offsets_.push_back(offset);
}

int OffsetConverter::from_code_points(int code_points) const {
  if (code_points < 0 || code_points > code_point_length_) {
    throw std::out_of_range("code-point offset " + std::to_string(code_points) + " outside [0, " +
                            std::to_string(code_point_length_) + "]");
  }
  return utf16_offsets_.empty() ? code_points : utf16_offsets_[code_points];
}

int OffsetConverter::to_code_points(int offset) const {
  if (offset < 0 || offset > length()) {
    throw std::out_of_range(std::string(offset_unit_name(unit_)) + " offset " +
                            std::to_string(offset) + " outside [0, " + std::to_string(length()) +
                            "]");
  }
  if (utf16_offsets_.empty()) return offset;
  const auto found = std::lower_bound(utf16_offsets_.begin(), utf16_offsets_.end(), offset);
  if (*found != offset) {
    throw std::invalid_argument("UTF-16 offset " + std::to_string(offset) +
                                " splits a surrogate pair");
  }
  return static_cast<int>(found - utf16_offsets_.begin());
}

int OffsetConverter::length() const {
  return utf16_offsets_.empty() ? code_point_length_ : utf16_offsets_.back();
}

size_t utf16_length(std::string_view text) {
  size_t length = 0;
  for (char c : text) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) == 0x80) continue;
    length += byte >= 0xF0 ? 2 : 1;
  }
  return length;
}

}  // namespace alsel
