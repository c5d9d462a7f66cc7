// Label paths to entity spans, with conlleval chunk semantics.
//
//   auto spans = alsel::spans_from_tags({"B-PER", "I-PER", "O", "I-LOC"});
//   // {{"PER", 0, 2}, {"LOC", 3, 4}}   (an I- after O starts an entity, as in conlleval)
//
//   auto entities = alsel::decode_entities(best_path, label_names, word_spans, text, &probs);
//
// Tag schemes: "O" and <prefix>-<type> with prefix B, I, E, S (BIO/IOB2, BIOES) or their
// aliases L = E, U = S (BILOU) and M = I. The type is everything after the first '-', so
// "B-WORK-OF-ART" has type "WORK-OF-ART". Rules (conlleval): B- and S- always start an entity;
// I-/E- start one after O, after E-/S-, or after a different type; E- and S- close the entity
// they are in; a change of type closes the current entity.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "alsel/data/sentence_analysis.h"

namespace alsel {

// An entity over tag positions: tags [begin, end) carry `label`.
struct TagSpan {
  std::string label;  // entity type without prefix, e.g. "PER"
  int begin = 0;      // first tag position
  int end = 0;        // one past the last tag position
};

// Entity spans in the order they start. Throws std::invalid_argument naming the tag and its
// position when a tag is neither "O" nor <prefix>-<type> with a known prefix and a non-empty
// type; callers re-throw with file/line context. Shared by the labeled-data reader and the
// evaluator for gold tags.
std::vector<TagSpan> spans_from_tags(const std::vector<std::string>& tags);

// Checks a model's label names: each is "O" or <prefix>-<type> as above, no name twice, at least
// one entity label. Throws std::invalid_argument naming the first bad label and its id.
void validate_label_names(const std::vector<std::string>& label_names);

// Checks entities read back from a file against their sentence: code-point offsets within
// [0, length of `text`], start < end, in text order without overlap, and each entity's text
// equal to the text it covers. `text` is UTF-8 (validated here too). Throws
// std::invalid_argument naming the first bad entity.
void check_entity_spans(const std::string& text, const std::vector<EntitySpan>& entities);

// Entities on a decoded label path of one sentence.
//   path          [W] label ids indexing label_names
//   label_names   [L] tag strings, e.g. {"O", "B-PER", "I-PER"}
//   word_spans    [W] code-point [start, end) of each word in `text`
//   text          the sentence as code points (UTF-32, valid: no surrogates); entity text
//                 is re-encoded to UTF-8 with encode_utf8 (alsel/utf8.h)
//   probabilities nullable [W*L] per-word distribution; when given, each entity's confidence
//                 is min over its words of probabilities[w * L + path[w]], else 0
// Words must be in text order and not overlap. An entity covers [start of its first word,
// end of its last word), including any text between its words. Throws std::invalid_argument
// on mismatched sizes, a label id outside [0, L), a word span outside the text or out of
// order, or an ill-formed label name (see spans_from_tags).
std::vector<EntitySpan> decode_entities(const std::vector<int>& path,
                                        const std::vector<std::string>& label_names,
                                        const std::vector<std::pair<int, int>>& word_spans,
                                        const std::u32string& text,
                                        const std::vector<double>* probabilities);

}  // namespace alsel
