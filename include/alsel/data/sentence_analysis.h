// What the model stage hands to measures and strategies for one pool sentence: per-word label
// distributions, the decoded label path, and the entities on that path.
//
//   SentenceAnalysis a;
//   a.num_words = 3; a.num_labels = 5;
//   a.probabilities = alsel::crf_marginals(emissions, 3, crf);   // [3*5]
//   a.best_path = alsel::viterbi_decode(emissions, 3, crf);       // [3]
//   Measures m = alsel::compute_measures(a, kDefaultTrimThreshold);
//
// All per-word arrays cover word positions only (first sub-token of each word; no [CLS], [SEP]
// or padding).
#pragma once

#include <string>
#include <vector>

namespace alsel {

// One entity decoded from a label path.
struct EntitySpan {
  int start = 0;          // first code point of the entity in the sentence text
  int end = 0;            // one past the last code point (end exclusive)
  std::string label;      // entity type without its B-/I-/... prefix, e.g. "PER"
  std::string text;       // the text's code points [start, end), UTF-8 encoded
  double confidence = 0;  // min over the entity's words of the probability of its path label,
                          // in [0, 1]; 0 when no probabilities were available
};

struct SentenceAnalysis {
  std::string id;                     // pool id (the seeded random strategy hashes it)
  int num_words = 0;                  // W, number of words (>= 1 for scored sentences)
  int num_labels = 0;                 // L, number of labels of the model
  int num_chars = 0;                  // code points of the sentence text: what an annotator
                                      // reads (--per-char divides by it, --budget-chars sums it)
  std::vector<double> probabilities;  // [W*L] row-major per-word label distribution
                                      // (CRF marginals or softmax); each row sums to 1
  std::vector<int> best_path;         // [W] Viterbi (or argmax) label ids in [0, L)
  std::vector<EntitySpan> entities;   // entities decoded from best_path
  int unknown_entities = 0;           // entities whose surface text is absent from the
                                      // known-entity set (count, >= 0)
};

}  // namespace alsel
