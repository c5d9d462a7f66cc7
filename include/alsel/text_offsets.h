// Character offsets in the unit an annotation tool counts: Unicode code points (Python,
// doccano) or UTF-16 code units (JavaScript: Label Studio's text offsets). alsel computes
// entity offsets in code points; writers convert them on the way out and readers on the way in.
//
//   alsel::OffsetConverter offsets("😀张伟", alsel::OffsetUnit::kUtf16);
//   offsets.from_code_points(1);   // 2: the emoji is a surrogate pair in UTF-16
//   offsets.to_code_points(2);     // 1
//   offsets.length();              // 4 UTF-16 units
//
// The two units differ only for code points above U+FFFF (emoji, CJK extension B and later
// ideographs, some historic scripts): each counts 1 code point but 2 UTF-16 units.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace alsel {

enum class OffsetUnit { kCodePoint, kUtf16 };

// "codepoint" or "utf16"; throws UsageError listing both for any other name.
OffsetUnit parse_offset_unit(std::string_view name);
const char* offset_unit_name(OffsetUnit unit);

class OffsetConverter {
 public:
  // `utf8_text` must be valid UTF-8 (throws std::invalid_argument naming the byte otherwise).
  OffsetConverter(std::string_view utf8_text, OffsetUnit unit);

  // Offset in `unit` of the code-point offset `code_points`, in [0, code-point length].
  // Throws std::out_of_range outside that range.
  int from_code_points(int code_points) const;
  // Code-point offset of the `unit` offset `offset`. Throws std::out_of_range outside
  // [0, length()] and std::invalid_argument when a UTF-16 offset splits a surrogate pair.
  int to_code_points(int offset) const;
  // Length of the text in `unit`.
  int length() const;
  OffsetUnit unit() const { return unit_; }

 private:
  OffsetUnit unit_;
  int code_point_length_ = 0;
  // UTF-16 offset of each code point plus the end (size length + 1); empty when the text has
  // nothing above U+FFFF, so that both units coincide and conversion is the identity.
  std::vector<int> utf16_offsets_;
};

// Number of UTF-16 code units of valid UTF-8 `text`.
size_t utf16_length(std::string_view text);

}  // namespace alsel
