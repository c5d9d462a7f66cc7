#include "alsel/scoring/entity_metrics.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

namespace alsel {
namespace {

double safe_ratio(size_t numerator, size_t denominator) {
  return denominator == 0 ? 0.0 : static_cast<double>(numerator) / static_cast<double>(denominator);
}

bool span_less(const GoldSpan& a, const GoldSpan& b) {
  return std::tie(a.start, a.end, a.label) < std::tie(b.start, b.end, b.label);
}

nlohmann::json counts_to_json(const TypeCounts& counts) {
  return {{"f1", 100.0 * counts.f1()},         {"precision", 100.0 * counts.precision()},
          {"recall", 100.0 * counts.recall()}, {"gold", counts.gold},
          {"predicted", counts.predicted},     {"correct", counts.correct}};
}

}  // namespace

double TypeCounts::precision() const { return safe_ratio(correct, predicted); }

double TypeCounts::recall() const { return safe_ratio(correct, gold); }

double TypeCounts::f1() const {
  const double p = precision(), r = recall();
  return p + r == 0.0 ? 0.0 : 2.0 * p * r / (p + r);
}

void EntityMetrics::add(const std::vector<GoldSpan>& gold, const std::vector<GoldSpan>& predicted) {
  ++sentences_;
  for (const GoldSpan& span : gold) {
    ++overall_.gold;
    ++per_type_[span.label].gold;
  }
  for (const GoldSpan& span : predicted) {
    ++overall_.predicted;
    ++per_type_[span.label].predicted;
  }
  // Multiset intersection of exact (start, end, label) matches.
  std::vector<GoldSpan> sorted_gold = gold, sorted_predicted = predicted;
  std::sort(sorted_gold.begin(), sorted_gold.end(), span_less);
  std::sort(sorted_predicted.begin(), sorted_predicted.end(), span_less);
  auto g = sorted_gold.begin();
  auto p = sorted_predicted.begin();
  while (g != sorted_gold.end() && p != sorted_predicted.end()) {
    if (span_less(*g, *p)) {
      ++g;
    } else if (span_less(*p, *g)) {
      ++p;
    } else {
      ++overall_.correct;
      ++per_type_[g->label].correct;
      ++g;
      ++p;
    }
  }
}

nlohmann::json EntityMetrics::to_json() const {
  nlohmann::json report = counts_to_json(overall_);
  report["scale"] = "percent";
  report["sentences"] = sentences_;
  nlohmann::json per_type = nlohmann::json::object();
  for (const auto& [label, counts] : per_type_) per_type[label] = counts_to_json(counts);
  report["per_type"] = std::move(per_type);
  return report;
}

std::string EntityMetrics::to_table() const {
  std::string table;
  char line[512];
  std::snprintf(line, sizeof(line),
                "processed %zu sentences; found: %zu entities; correct: %zu; gold: %zu.\n",
                sentences_, overall_.predicted, overall_.correct, overall_.gold);
  table += line;
  std::snprintf(line, sizeof(line), "%-17s precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f\n",
                "overall", 100.0 * overall_.precision(), 100.0 * overall_.recall(),
                100.0 * overall_.f1());
  table += line;
  for (const auto& [label, counts] : per_type_) {
    std::snprintf(line, sizeof(line),
                  "%17s: precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  %zu (gold %zu)\n",
                  label.substr(0, 200).c_str(), 100.0 * counts.precision(), 100.0 * counts.recall(),
                  100.0 * counts.f1(), counts.predicted, counts.gold);
    table += line;
  }
  return table;
}

}  // namespace alsel
