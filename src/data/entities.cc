#include "alsel/data/entities.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "alsel/util/utf8.h"

namespace alsel {
namespace {

// A tag split into its canonical prefix ('O', 'B', 'I', 'E' or 'S') and type ("" for 'O').
struct ParsedTag {
  char prefix = 'O';
  std::string type;
};

ParsedTag parse_tag(const std::string& tag, size_t position) {
  if (tag == "O") return {};
  if (tag.size() >= 3 && tag[1] == '-') {
    // Aliases: BILOU last / unit = BIOES end / single; BMES middle = inside.
    char prefix = tag[0];
    if (prefix == 'L') prefix = 'E';
    if (prefix == 'U') prefix = 'S';
    if (prefix == 'M') prefix = 'I';
    if (prefix == 'B' || prefix == 'I' || prefix == 'E' || prefix == 'S') {
      return {prefix, tag.substr(2)};
    }
  }
  throw std::invalid_argument("tag '" + tag + "' at position " + std::to_string(position) +
                              " is neither 'O' nor <prefix>-<type> with prefix B, I, E, S, L, "
                              "U or M and a non-empty type");
}

// conlleval endOfChunk: does an entity open at `previous` end before `current`?
bool ends_before(const ParsedTag& previous, const ParsedTag& current) {
  const char p = previous.prefix;
  const char c = current.prefix;
  if (p == 'E' || p == 'S') return true;
  if ((p == 'B' || p == 'I') && (c == 'B' || c == 'S' || c == 'O')) return true;
  return p != 'O' && previous.type != current.type;
}

// conlleval startOfChunk: does an entity start at `current`?
bool starts_at(const ParsedTag& previous, const ParsedTag& current) {
  const char p = previous.prefix;
  const char c = current.prefix;
  if (c == 'B' || c == 'S') return true;
  if ((p == 'E' || p == 'S' || p == 'O') && (c == 'E' || c == 'I')) return true;
  return c != 'O' && previous.type != current.type;
}

}  // namespace

std::vector<TagSpan> spans_from_tags(const std::vector<std::string>& tags) {
  std::vector<TagSpan> spans;
  ParsedTag previous;  // the position before the first tag counts as 'O'
  bool open = false;
  for (size_t i = 0; i < tags.size(); ++i) {
    const ParsedTag current = parse_tag(tags[i], i);
    if (open && ends_before(previous, current)) {
      spans.back().end = static_cast<int>(i);
      open = false;
    }
    if (starts_at(previous, current)) {
      spans.push_back({current.type, static_cast<int>(i), static_cast<int>(i) + 1});
      open = true;
    }
    previous = current;
  }
  if (open) spans.back().end = static_cast<int>(tags.size());
  return spans;
}

void validate_label_names(const std::vector<std::string>& label_names) {
  if (label_names.empty()) throw std::invalid_argument("no labels");
  bool entity_label = false;
  for (size_t id = 0; id < label_names.size(); ++id) {
    try {
      entity_label = parse_tag(label_names[id], id).prefix != 'O' || entity_label;
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument("label " + std::to_string(id) + " '" + label_names[id] +
                                  "' is neither 'O' nor <prefix>-<type> with prefix B, I, E, S, "
                                  "L, U or M (BIO, BIOES, BILOU, BMES) and a non-empty type");
    }
    for (size_t earlier = 0; earlier < id; ++earlier) {
      if (label_names[earlier] == label_names[id]) {
        throw std::invalid_argument("label '" + label_names[id] + "' appears twice (ids " +
                                    std::to_string(earlier) + " and " + std::to_string(id) + ")");
      }
    }
  }
  if (!entity_label) throw std::invalid_argument("no entity label (only 'O')");
}

void check_entity_spans(const std::string& text, const std::vector<EntitySpan>& entities) {
  const size_t invalid = find_invalid_utf8(text);
  if (invalid != text.size()) {
    throw std::invalid_argument("text has invalid UTF-8 at byte " + std::to_string(invalid));
  }
  const std::vector<size_t> offsets = code_point_byte_offsets(text);
  const int length = static_cast<int>(offsets.size()) - 1;
  int previous_end = 0;
  for (size_t i = 0; i < entities.size(); ++i) {
    const EntitySpan& entity = entities[i];
    const std::string where = "entity " + std::to_string(i) + " [" + std::to_string(entity.start) +
                              ", " + std::to_string(entity.end) + ")";
    if (entity.start < 0 || entity.end > length || entity.start >= entity.end) {
      throw std::invalid_argument(where + " is not a span of the text's " + std::to_string(length) +
                                  " code points");
    }
    if (entity.start < previous_end) {
      throw std::invalid_argument(where + " overlaps or precedes the entity before it");
    }
    const std::string covered = text.substr(offsets[entity.start], offsets[entity.end] - offsets[entity.start]);
    if (covered != entity.text) {
      throw std::invalid_argument(where + " has text '" + excerpt_utf8(entity.text, 100) +
                                  "' but covers '" + excerpt_utf8(covered, 100) + "'");
    }
    previous_end = entity.end;
  }
}

std::vector<EntitySpan> decode_entities(const std::vector<int>& path,
                                        const std::vector<std::string>& label_names,
                                        const std::vector<std::pair<int, int>>& word_spans,
                                        const std::u32string& text,
                                        const std::vector<double>* probabilities) {
  const size_t num_words = path.size();
  const size_t num_labels = label_names.size();
  if (word_spans.size() != num_words) {
    throw std::invalid_argument("decode_entities: " + std::to_string(word_spans.size()) +
                                " word spans for a path of " + std::to_string(num_words) +
                                " words");
  }
  if (probabilities != nullptr && probabilities->size() != num_words * num_labels) {
    throw std::invalid_argument(
        "decode_entities: probabilities has " + std::to_string(probabilities->size()) +
        " values, expected W*L = " + std::to_string(num_words * num_labels));
  }
  std::vector<std::string> tags(num_words);
  for (size_t w = 0; w < num_words; ++w) {
    if (path[w] < 0 || static_cast<size_t>(path[w]) >= num_labels) {
      throw std::invalid_argument("decode_entities: label id " + std::to_string(path[w]) +
                                  " at word " + std::to_string(w) + " is outside [0, " +
                                  std::to_string(num_labels) + ")");
    }
    const auto& span = word_spans[w];
    if (span.first < 0 || span.first > span.second ||
        static_cast<size_t>(span.second) > text.size()) {
      throw std::invalid_argument("decode_entities: word " + std::to_string(w) + " span [" +
                                  std::to_string(span.first) + ", " + std::to_string(span.second) +
                                  ") is outside the text of " + std::to_string(text.size()) +
                                  " code points");
    }
    // Entities take [start of first word, end of last word), so words must be in text order.
    if (w > 0 && span.first < word_spans[w - 1].second) {
      throw std::invalid_argument("decode_entities: word " + std::to_string(w) + " span [" +
                                  std::to_string(span.first) + ", " + std::to_string(span.second) +
                                  ") starts before the end of the previous word (" +
                                  std::to_string(word_spans[w - 1].second) + ")");
    }
    tags[w] = label_names[path[w]];
  }

  std::vector<TagSpan> spans;
  try {
    spans = spans_from_tags(tags);
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument(std::string("decode_entities: label name ") + error.what());
  }

  std::vector<EntitySpan> entities;
  entities.reserve(spans.size());
  for (const TagSpan& span : spans) {
    EntitySpan entity;
    entity.start = word_spans[span.begin].first;
    entity.end = word_spans[span.end - 1].second;
    entity.label = span.label;
    entity.text =
        encode_utf8(std::u32string_view(text).substr(entity.start, entity.end - entity.start));
    if (probabilities != nullptr) {
      double confidence = 1.0;
      for (int w = span.begin; w < span.end; ++w) {
        confidence = std::min(confidence, (*probabilities)[w * num_labels + path[w]]);
      }
      entity.confidence = confidence;
    }
    entities.push_back(std::move(entity));
  }
  return entities;
}

}  // namespace alsel
