#include "alsel/text/text_offsets.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "alsel/util/errors.h"
#include "alsel/util/utf8.h"

namespace alsel {

OffsetUnit parse_offset_unit(std::string_view name) {
  if (name == "codepoint") return OffsetUnit::kCodePoint;
  if (name == "utf16") return OffsetUnit::kUtf16;
  if (name == "grapheme") return OffsetUnit::kGrapheme;
  throw UsageError("unknown offset unit '" + std::string(name) +
                   "' (valid: codepoint, utf16, grapheme)");
}

const char* offset_unit_name(OffsetUnit unit) {
  switch (unit) {
    case OffsetUnit::kUtf16:
      return "utf16";
    case OffsetUnit::kGrapheme:
      return "grapheme";
    default:
      return "codepoint";
  }
}

bool has_supplementary_code_points(std::string_view text) {
  // A 4-byte UTF-8 sequence (lead byte >= 0xF0) is exactly a code point above U+FFFF.
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0xF0; });
}

std::vector<int> grapheme_boundaries(std::string_view text) {
  const icu::UnicodeString utf16 =
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  // One iterator per thread: creating one loads ICU's rules, setText only rescans.
  thread_local std::unique_ptr<icu::BreakIterator> iterator;
  if (!iterator) {
    UErrorCode status = U_ZERO_ERROR;
    iterator.reset(icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !iterator) {
      iterator.reset();
      throw std::runtime_error(std::string("ICU grapheme segmentation is unavailable: ") +
                               u_errorName(status));
    }
  }
  iterator->setText(utf16);
  std::vector<int> boundaries;
  int code_points = 0;
  int32_t previous = 0;
  for (int32_t at = iterator->first(); at != icu::BreakIterator::DONE; at = iterator->next()) {
    code_points += utf16.countChar32(previous, at - previous);
    previous = at;
    boundaries.push_back(code_points);
  }
  if (boundaries.empty()) boundaries.push_back(0);
  return boundaries;
}

OffsetConverter::OffsetConverter(std::string_view utf8_text, OffsetUnit unit) : unit_(unit) {
  const size_t invalid = find_invalid_utf8(utf8_text);
  if (invalid != utf8_text.size()) {
    throw std::invalid_argument("invalid UTF-8 at byte " + std::to_string(invalid));
  }
  for (char c : utf8_text) {
    code_point_length_ += (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation
  }
  if (unit_ == OffsetUnit::kUtf16) {
    if (!has_supplementary_code_points(utf8_text)) return;
    unit_offsets_.reserve(code_point_length_ + 1);
    int offset = 0;
    for (char c : utf8_text) {
      const unsigned char byte = static_cast<unsigned char>(c);
      if ((byte & 0xC0) == 0x80) continue;  // continuation byte
      unit_offsets_.push_back(offset);
      offset += byte >= 0xF0 ? 2 : 1;
    }
    unit_offsets_.push_back(offset);
  } else if (unit_ == OffsetUnit::kGrapheme) {
    boundaries_ = grapheme_boundaries(utf8_text);
    if (static_cast<int>(boundaries_.size()) == code_point_length_ + 1) return;  // identity
    unit_offsets_.assign(code_point_length_ + 1, -1);
    for (size_t g = 0; g < boundaries_.size(); ++g) unit_offsets_[boundaries_[g]] = static_cast<int>(g);
  }
}

bool OffsetConverter::is_boundary(int code_points) const {
  if (code_points < 0 || code_points > code_point_length_) return false;
  return unit_offsets_.empty() || unit_offsets_[code_points] >= 0;
}

int OffsetConverter::from_code_points(int code_points) const {
  if (code_points < 0 || code_points > code_point_length_) {
    throw std::out_of_range("code-point offset " + std::to_string(code_points) + " outside [0, " +
                            std::to_string(code_point_length_) + "]");
  }
  if (unit_offsets_.empty()) return code_points;
  const int offset = unit_offsets_[code_points];
  if (offset < 0) {
    throw std::invalid_argument("code-point offset " + std::to_string(code_points) +
                                " falls inside a grapheme cluster");
  }
  return offset;
}

std::pair<int, int> OffsetConverter::span_from_code_points(int start, int end) const {
  if (start < 0 || end > code_point_length_ || start > end) {
    throw std::out_of_range("code-point span [" + std::to_string(start) + ", " +
                            std::to_string(end) + ") outside [0, " +
                            std::to_string(code_point_length_) + "]");
  }
  if (unit_ == OffsetUnit::kGrapheme && !unit_offsets_.empty()) {
    // Widen: the cluster holding `start` starts the span, the one holding end - 1 ends it.
    while (unit_offsets_[start] < 0) --start;
    while (unit_offsets_[end] < 0) ++end;
  }
  return {from_code_points(start), from_code_points(end)};
}

int OffsetConverter::to_code_points(int offset) const {
  if (offset < 0 || offset > length()) {
    throw std::out_of_range(std::string(offset_unit_name(unit_)) + " offset " +
                            std::to_string(offset) + " outside [0, " + std::to_string(length()) +
                            "]");
  }
  if (unit_offsets_.empty()) return offset;
  if (unit_ == OffsetUnit::kGrapheme) return boundaries_[offset];
  const auto found = std::lower_bound(unit_offsets_.begin(), unit_offsets_.end(), offset);
  if (*found != offset) {
    throw std::invalid_argument("UTF-16 offset " + std::to_string(offset) +
                                " splits a surrogate pair");
  }
  return static_cast<int>(found - unit_offsets_.begin());
}

int OffsetConverter::length() const {
  if (unit_offsets_.empty()) return code_point_length_;
  return unit_ == OffsetUnit::kGrapheme ? static_cast<int>(boundaries_.size()) - 1
                                        : unit_offsets_.back();
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
