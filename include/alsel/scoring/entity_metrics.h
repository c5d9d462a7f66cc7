// Entity-level precision, recall and F1 (micro-averaged, and per entity type), counting a
// predicted entity as correct only when a gold entity has exactly the same start, end and
// label, as conlleval does. Partial overlaps count as one false positive and one false
// negative.
//
//   alsel::EntityMetrics metrics;
//   for (...) metrics.add(gold_sentence.spans, predicted_spans);
//   std::cout << metrics.to_table();             // conlleval-like text
//   double f1 = metrics.overall().f1();          // fraction in [0, 1]
//   nlohmann::json report = metrics.to_json();   // percentages, 0-100
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "alsel/data/labeled_data.h"

namespace alsel {

struct TypeCounts {
  size_t gold = 0;       // gold entities
  size_t predicted = 0;  // predicted entities
  size_t correct = 0;    // predicted entities that exactly match a gold entity

  double precision() const;  // correct / predicted, fraction in [0, 1]; 0 when predicted = 0
  double recall() const;     // correct / gold, fraction in [0, 1]; 0 when gold = 0
  double f1() const;         // harmonic mean of the two; 0 when both are 0
};

class EntityMetrics {
 public:
  // Adds one sentence. Duplicate spans within a list count once each in gold/predicted,
  // but a gold span can be matched by at most one predicted span.
  void add(const std::vector<GoldSpan>& gold, const std::vector<GoldSpan>& predicted);

  const TypeCounts& overall() const { return overall_; }
  // Keyed by label; contains every label seen in gold or predictions.
  const std::map<std::string, TypeCounts>& per_type() const { return per_type_; }
  size_t sentences() const { return sentences_; }

  // {"scale": "percent", "f1", "precision", "recall" (0-100), "sentences", "gold",
  //  "predicted", "correct", "per_type": {LABEL: {"f1", "precision", "recall", "gold",
  //  "predicted", "correct"}}}
  nlohmann::json to_json() const;

  // conlleval-like report: a summary line, then one line per type, percentages with two
  // decimals. Ends with a newline.
  std::string to_table() const;

 private:
  TypeCounts overall_;
  std::map<std::string, TypeCounts> per_type_;
  size_t sentences_ = 0;
};

}  // namespace alsel
