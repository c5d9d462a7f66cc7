// Character offsets in the unit an annotation tool counts: Unicode code points (Label Studio,
// Prodigy, Python), UTF-16 code units (doccano's annotation view: JavaScript string offsets) or
// extended grapheme clusters (doccano with "Count grapheme clusters as one character"; UAX #29,
// segmented by ICU's BreakIterator). alsel computes entity offsets in code points; writers
// convert them on the way out and readers on the way in.
//
//   alsel::OffsetConverter offsets("😀张伟", alsel::OffsetUnit::kUtf16);
//   offsets.from_code_points(1);   // 2: the emoji is a surrogate pair in UTF-16
//   offsets.to_code_points(2);     // 1
//   offsets.length();              // 4 UTF-16 units
//
// Code points and UTF-16 units differ only for code points above U+FFFF (emoji, CJK extension B
// and later ideographs, some historic scripts): each counts 1 code point but 2 UTF-16 units.
// Grapheme clusters differ wherever several code points draw as one character (emoji ZWJ
// sequences and modifiers, flags, combining marks, Hangul jamo).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace alsel {

enum class OffsetUnit { kCodePoint, kUtf16, kGrapheme };

// "codepoint", "utf16" or "grapheme"; throws UsageError listing them for any other name.
OffsetUnit parse_offset_unit(std::string_view name);
const char* offset_unit_name(OffsetUnit unit);

class OffsetConverter {
 public:
  // `utf8_text` must be valid UTF-8 (throws std::invalid_argument naming the byte otherwise).
  OffsetConverter(std::string_view utf8_text, OffsetUnit unit);

  // Offset in `unit` of the code-point offset `code_points`, in [0, code-point length].
  // Throws std::out_of_range outside that range and std::invalid_argument when, in grapheme
  // units, the offset falls inside a cluster.
  int from_code_points(int code_points) const;
  // The code-point span [start, end) in `unit`, widened to whole grapheme clusters in grapheme
  // units (a cluster is one character to the tool: a span cannot end inside it); exact in the
  // other units. Throws std::out_of_range for offsets outside the text.
  std::pair<int, int> span_from_code_points(int start, int end) const;
  // Code-point offset of the `unit` offset `offset`. Throws std::out_of_range outside
  // [0, length()] and std::invalid_argument when a UTF-16 offset splits a surrogate pair.
  int to_code_points(int offset) const;
  // True when the code-point offset lies on a boundary of `unit` (always, except inside a
  // grapheme cluster in grapheme units).
  bool is_boundary(int code_points) const;
  // Length of the text in `unit`.
  int length() const;
  OffsetUnit unit() const { return unit_; }

 private:
  OffsetUnit unit_;
  int code_point_length_ = 0;
  // Offset in `unit` of each code point plus the end (size length + 1), -1 inside a grapheme
  // cluster; empty when both units coincide on this text and conversion is the identity.
  std::vector<int> unit_offsets_;
  // Grapheme units: code-point offset of each cluster start plus the end.
  std::vector<int> boundaries_;
};

// Number of UTF-16 code units of valid UTF-8 `text`.
size_t utf16_length(std::string_view text);

// True when valid UTF-8 `text` holds a code point above U+FFFF (the texts where code points and
// UTF-16 offsets differ).
bool has_supplementary_code_points(std::string_view text);

// Code-point offsets of the extended grapheme cluster boundaries of valid UTF-8 `text` (ICU),
// from 0 to the code-point length, ascending.
std::vector<int> grapheme_boundaries(std::string_view text);

}  // namespace alsel
