#include "alsel/text/unicode.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "text/unicode_tables.h"

namespace alsel {
namespace {

namespace tables = unicode_tables;

constexpr char32_t kMaxCodePoint = 0x10FFFF;
constexpr char32_t kBmpSize = 0x10000;

constexpr char32_t kHangulFirst = 0xAC00;
constexpr char32_t kHangulLast = 0xD7A3;

// Per-code-point class bits for the BMP (where nearly all text lives), built once from the
// range tables so the tokenizer's per-character checks are one load. Supplementary code points
// fall back to binary search.
enum ClassBit : uint8_t {
  kControlBit = 1,
  kWhitespaceBit = 2,
  kPunctuationBit = 4,
  kCjkBit = 8,
  kLowerBit = 16,  // kLower has an entry
  kStripBit = 32,  // stripping changes it: kStrip entry, vanishing range or Hangul syllable
};

bool in_ranges(const tables::RangeTable& table, char32_t cp) {
  const tables::CodePointRange* end = table.ranges + table.size;
  // First range whose last >= cp.
  const tables::CodePointRange* it = std::lower_bound(
      table.ranges, end, cp,
      [](const tables::CodePointRange& range, char32_t value) { return range.last < value; });
  return it != end && it->first <= cp;
}

const tables::NormalizationEntry* find_entry(const tables::NormalizationTable& table, char32_t cp) {
  const tables::NormalizationEntry* end = table.entries + table.size;
  const tables::NormalizationEntry* it = std::lower_bound(
      table.entries, end, cp, [](const tables::NormalizationEntry& entry, char32_t value) {
        return entry.code_point < value;
      });
  return it != end && it->code_point == cp ? it : nullptr;
}

void mark_ranges(std::array<uint8_t, kBmpSize>& flags, const tables::RangeTable& table,
                 uint8_t bit) {
  for (size_t i = 0; i < table.size; ++i) {
    const char32_t first = table.ranges[i].first;
    if (first >= kBmpSize) break;
    const char32_t last = std::min<char32_t>(table.ranges[i].last, kBmpSize - 1);
    for (char32_t cp = first; cp <= last; ++cp) flags[cp] |= bit;
  }
}

void mark_entries(std::array<uint8_t, kBmpSize>& flags, const tables::NormalizationTable& table,
                  uint8_t bit) {
  for (size_t i = 0; i < table.size && table.entries[i].code_point < kBmpSize; ++i) {
    flags[table.entries[i].code_point] |= bit;
  }
}

std::array<uint8_t, kBmpSize> build_bmp_flags() {
  std::array<uint8_t, kBmpSize> flags{};
  mark_ranges(flags, tables::kControl, kControlBit);
  mark_ranges(flags, tables::kWhitespace, kWhitespaceBit);
  mark_ranges(flags, tables::kPunctuation, kPunctuationBit);
  mark_ranges(flags, tables::kCjk, kCjkBit);
  mark_ranges(flags, tables::kStripVanishing, kStripBit);
  mark_entries(flags, tables::kLower, kLowerBit);
  mark_entries(flags, tables::kStrip, kStripBit);
  for (char32_t cp = kHangulFirst; cp <= kHangulLast; ++cp) flags[cp] |= kStripBit;
  return flags;
}

const std::array<uint8_t, kBmpSize>& bmp_flags() {
  static const std::array<uint8_t, kBmpSize> flags = build_bmp_flags();
  return flags;
}

// Class bit `bit` of `cp`; `table` is the range table behind it, for code points past the BMP.
inline bool has_class(char32_t cp, uint8_t bit, const tables::RangeTable& table) {
  if (cp < kBmpSize) return (bmp_flags()[cp] & bit) != 0;
  return cp <= kMaxCodePoint && in_ranges(table, cp);
}

void append_pool(const tables::NormalizationEntry& entry, std::u32string& out) {
  out.append(tables::kNormalizationPool + entry.offset, entry.length);
}

// NFD without category Mn, for one code point.
void append_stripped(char32_t cp, std::u32string& out) {
  if (cp < 0x80) {
    out.push_back(cp);
    return;
  }
  if (cp < kBmpSize && (bmp_flags()[cp] & kStripBit) == 0) {
    out.push_back(cp);
    return;
  }
  if (cp >= kHangulFirst && cp <= kHangulLast) {  // Unicode §3.12, canonical decomposition
    const char32_t index = cp - kHangulFirst;
    out.push_back(0x1100 + index / 588);
    out.push_back(0x1161 + (index % 588) / 28);
    if (index % 28 != 0) out.push_back(0x11A7 + index % 28);
    return;
  }
  if (in_ranges(tables::kStripVanishing, cp)) return;
  if (const tables::NormalizationEntry* entry = find_entry(tables::kStrip, cp)) {
    append_pool(*entry, out);
    return;
  }
  out.push_back(cp);
}

}  // namespace

const char* unicode_version() { return tables::kUnicodeVersion; }

bool is_cjk(char32_t cp) { return has_class(cp, kCjkBit, tables::kCjk); }

bool is_whitespace(char32_t cp) { return has_class(cp, kWhitespaceBit, tables::kWhitespace); }

bool is_control(char32_t cp) { return has_class(cp, kControlBit, tables::kControl); }

bool is_punctuation(char32_t cp) { return has_class(cp, kPunctuationBit, tables::kPunctuation); }

char32_t fold_fullwidth(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) return cp - 0xFEE0;
  if (cp == 0x3000) return U' ';
  return cp;
}

void normalize_char(char32_t cp, bool lower, bool strip_accents, std::u32string& out) {
  if (cp < 0x80) {  // the generator checks that only A-Z change in ASCII
    out.push_back(lower && cp >= U'A' && cp <= U'Z' ? cp + 32 : cp);
    return;
  }
  if (!lower) {
    if (strip_accents) {
      append_stripped(cp, out);
    } else {
      out.push_back(cp);
    }
    return;
  }
  const tables::NormalizationEntry* lowered = nullptr;
  if (cp < kBmpSize ? (bmp_flags()[cp] & kLowerBit) != 0 : cp <= kMaxCodePoint) {
    lowered = find_entry(tables::kLower, cp);
  }
  if (!strip_accents) {
    if (lowered) {
      append_pool(*lowered, out);
    } else {
      out.push_back(cp);
    }
    return;
  }
  if (!lowered) {
    append_stripped(cp, out);
    return;
  }
  // lower + strip = strip of each lower-cased code point (the generator checks this holds).
  for (uint32_t i = 0; i < lowered->length; ++i) {
    append_stripped(tables::kNormalizationPool[lowered->offset + i], out);
  }
}

}  // namespace alsel
