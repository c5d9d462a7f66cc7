// The decoding constraint that keeps symbols out of entities: a word made of symbols (emoji,
// dingbats, arrows, math and currency signs: Unicode categories S*, with the joiners, variation
// selectors and modifiers that build emoji sequences), or a word the vocabulary lacks ([UNK])
// that holds no letter, can only be labelled O. The model learned entities from news text
// without such characters, and tagged them anyway ("😀" as PER, "🏆华" as ORG); forbidding it
// in decoding also takes them out of the uncertainty measures, which are computed on the same
// constrained emissions.
//
//   std::vector<bool> never = alsel::never_entity_words(text, encoding, vocab.unk_id);
//   alsel::forbid_entity_labels(never, outside_label, num_labels, word_emissions);
//
// Letters (L*) and numbers (N*) are never forced: a word with one letter keeps every label.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "alsel/text/wordpiece_tokenizer.h"

namespace alsel {

// Changes when the rule does: part of the score cache key, so that rows decoded under another
// rule are never served.
inline constexpr const char* kEntityConstraintVersion = "symbols-and-unknown-non-letters-are-O/1";

// True when the code points of one word can only be outside every entity (the rule above).
// `unknown` = the word's first wordpiece is the vocabulary's [UNK].
bool is_never_entity_word(std::u32string_view word, bool unknown);

// Per word of `encoding` (of `text`'s code points), is_never_entity_word.
std::vector<bool> never_entity_words(const std::u32string& text, const Encoding& encoding,
                                     int unk_id);

// Index of label "O" in `labels`, -1 when there is none (the constraint is then not applied).
int outside_label_index(const std::vector<std::string>& labels);

// Lowers every label but `outside` far below any real score (by kForbiddenEmission) in the
// rows of `word_emissions` ([W x num_labels]) whose word is flagged; no-op when outside < 0.
// Returns the number of words changed.
inline constexpr float kForbiddenEmission = 1.0e4f;
int forbid_entity_labels(const std::vector<bool>& never_entity, int outside, int num_labels,
                         std::vector<float>& word_emissions);

}  // namespace alsel
