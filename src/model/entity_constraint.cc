#include "alsel/model/entity_constraint.h"

#include <unicode/uchar.h>

#include <stdexcept>

namespace alsel {

namespace {

bool is_letter_or_number(char32_t c) {
  const uint32_t mask = U_GC_L_MASK | U_GC_N_MASK;
  return (U_GET_GC_MASK(static_cast<UChar32>(c)) & mask) != 0;
}

bool is_symbol(char32_t c) { return (U_GET_GC_MASK(static_cast<UChar32>(c)) & U_GC_S_MASK) != 0; }

}  // namespace

bool is_never_entity_word(std::u32string_view word, bool unknown) {
  bool has_letter = false, has_letter_or_number = false, has_symbol = false;
  for (char32_t c : word) {
    has_letter |= (U_GET_GC_MASK(static_cast<UChar32>(c)) & U_GC_L_MASK) != 0;
    has_letter_or_number |= is_letter_or_number(c);
    has_symbol |= is_symbol(c);
  }
  if (unknown && !has_letter) return true;
  return has_symbol && !has_letter_or_number;
}

std::vector<bool> never_entity_words(const std::u32string& text, const Encoding& encoding,
                                     int unk_id) {
  std::vector<bool> never(encoding.word_spans.size(), false);
  for (size_t w = 0; w < encoding.word_spans.size(); ++w) {
    const auto [start, end] = encoding.word_spans[w];
    if (start < 0 || end < start || static_cast<size_t>(end) > text.size()) {
      throw std::invalid_argument("never_entity_words: word " + std::to_string(w) +
                                  " lies outside the text");
    }
    const int first = encoding.word_first_token[w];
    const bool unknown = first >= 0 && static_cast<size_t>(first) < encoding.ids.size() &&
                         encoding.ids[first] == unk_id;
    never[w] = is_never_entity_word(std::u32string_view(text).substr(start, end - start), unknown);
  }
  return never;
}

int outside_label_index(const std::vector<std::string>& labels) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == "O") return static_cast<int>(i);
  }
  return -1;
}

int forbid_entity_labels(const std::vector<bool>& never_entity, int outside, int num_labels,
                         std::vector<float>& word_emissions) {
  if (outside < 0 || num_labels <= 0) return 0;
  if (word_emissions.size() != never_entity.size() * static_cast<size_t>(num_labels)) {
    throw std::invalid_argument("forbid_entity_labels: " + std::to_string(word_emissions.size()) +
                                " emissions for " + std::to_string(never_entity.size()) +
                                " words of " + std::to_string(num_labels) + " labels");
  }
  int changed = 0;
  for (size_t w = 0; w < never_entity.size(); ++w) {
    if (!never_entity[w]) continue;
    float* row = word_emissions.data() + w * num_labels;
    for (int label = 0; label < num_labels; ++label) {
      if (label != outside) row[label] = row[outside] - kForbiddenEmission;
    }
    ++changed;
  }
  return changed;
}

}  // namespace alsel
