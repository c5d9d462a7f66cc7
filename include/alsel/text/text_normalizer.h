// Normalized text for matching sentences that differ only in form: "Hello, World!" and
// "hello world" or "ＡＢＣ。" and "abc" are the same sentence to an annotator. Used by the
// exclusion of already-labeled sentences and by exact and near duplicate detection.
//
//   alsel::normalize_for_matching("Ｈｅｌｌｏ， World!");   // U"helloworld"
//   uint64_t key = alsel::normalized_text_hash("张伟 在北京。");  // == hash of "张伟在北京"
//
// Steps per code point: fold_fullwidth (U+FF01..U+FF5E to ASCII, U+3000 to a space), then
// Python's lower() (alsel/unicode.h normalize_char, accents kept), then whitespace,
// punctuation (category P* and ASCII symbols) and control characters are removed. A text that
// normalizes to nothing (only punctuation, say) keeps its code points minus whitespace, so that
// "???" and "!!!" do not match each other.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace alsel {

// The normalized code points of `text`. Invalid UTF-8 sequences count as U+FFFD.
std::u32string normalize_for_matching(std::string_view text);

// 64-bit hash of normalize_for_matching(text) (never 0), for IdHashSet-style sets: two texts
// with equal normalized forms always have equal hashes.
uint64_t normalized_text_hash(std::string_view text);

// 64-bit hash of code points (never 0); normalized_text_hash(t) == hash_code_points(
// normalize_for_matching(t)).
uint64_t hash_code_points(std::u32string_view code_points);

}  // namespace alsel
