#include "alsel/scoring/measures.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>
#include <stdexcept>
#include <string>

namespace alsel {
namespace {

// Smallest probability fed to log(): keeps mnlp finite for a word whose top probability
// underflowed to 0 (cannot happen for a normalized row, but guards corrupt input).
constexpr double kMinimumProbability = 1e-300;

void check_shapes(const SentenceAnalysis& analysis) {
  const std::string where = "compute_measures (id '" + analysis.id + "'): ";
  if (analysis.num_words <= 0) {
    throw std::invalid_argument(where + "num_words must be >= 1, got " +
                                std::to_string(analysis.num_words));
  }
  if (analysis.num_labels < 1) {
    throw std::invalid_argument(where + "num_labels must be >= 1, got " +
                                std::to_string(analysis.num_labels));
  }
  const size_t expected = static_cast<size_t>(analysis.num_words) * analysis.num_labels;
  if (analysis.probabilities.size() != expected) {
    throw std::invalid_argument(where + "probabilities has " +
                                std::to_string(analysis.probabilities.size()) +
                                " values, expected W*L = " + std::to_string(expected));
  }
  if (analysis.best_path.size() != static_cast<size_t>(analysis.num_words)) {
    throw std::invalid_argument(where + "best_path has " +
                                std::to_string(analysis.best_path.size()) +
                                " labels, expected W = " + std::to_string(analysis.num_words));
  }
  for (int w = 0; w < analysis.num_words; ++w) {
    const int label = analysis.best_path[w];
    if (label < 0 || label >= analysis.num_labels) {
      throw std::invalid_argument(where + "best_path[" + std::to_string(w) +
                                  "] = " + std::to_string(label) + " is outside [0, " +
                                  std::to_string(analysis.num_labels) + ")");
    }
  }
}

// The trimmed measure from the words' top probabilities, in word order: the mean of those below
// the threshold; all words dropped: nlc, the mean of all (see the contract in measures.h).
double trimmed_from_tops(const std::vector<double>& tops, double trim_threshold) {
  double sum_max = 0.0;
  double sum_kept_max = 0.0;
  int kept_words = 0;
  for (const double top : tops) {
    sum_max += top;
    if (top < trim_threshold) {
      sum_kept_max += top;
      ++kept_words;
    }
  }
  return kept_words > 0 ? sum_kept_max / kept_words : sum_max / static_cast<double>(tops.size());
}

}  // namespace

double trimmed_measure(const SentenceAnalysis& analysis, double trim_threshold) {
  check_shapes(analysis);
  const int L = analysis.num_labels;
  std::vector<double> tops(static_cast<size_t>(analysis.num_words));
  for (size_t w = 0; w < tops.size(); ++w) {
    const double* row = &analysis.probabilities[w * L];
    tops[w] = *std::max_element(row, row + L);
  }
  return trimmed_from_tops(tops, trim_threshold);
}

Measures compute_measures(const SentenceAnalysis& analysis, double trim_threshold) {
  check_shapes(analysis);
  const int W = analysis.num_words;
  const int L = analysis.num_labels;

  double sum_max = 0.0;
  double sum_log_max = 0.0;
  double sum_entropy = 0.0;
  double lowest_path_probability = std::numeric_limits<double>::infinity();
  std::vector<double> tops;  // each word's top probability, for the trimmed measure
  tops.reserve(static_cast<size_t>(W));
  for (int w = 0; w < W; ++w) {
    const double* row = &analysis.probabilities[static_cast<size_t>(w) * L];
    const double max_probability = *std::max_element(row, row + L);
    tops.push_back(max_probability);
    sum_max += max_probability;
    sum_log_max += std::log(std::max(max_probability, kMinimumProbability));
    double word_entropy = 0.0;
    for (int l = 0; l < L; ++l) {
      if (row[l] > 0.0) word_entropy -= row[l] * std::log(row[l]);
    }
    sum_entropy += word_entropy;
    lowest_path_probability = std::min(lowest_path_probability, row[analysis.best_path[w]]);
  }

  Measures measures;
  measures.nlc = sum_max / W;
  measures.trimmed = trimmed_from_tops(tops, trim_threshold);
  measures.mnlp = sum_log_max / W;
  measures.entropy = sum_entropy / W;
  measures.ltp = lowest_path_probability;
  measures.unknown_entities = analysis.unknown_entities;
  return measures;
}

const std::vector<MeasureField>& measure_fields() {
  static const std::vector<MeasureField> fields = {
      {"nlc", false, [](const Measures& m) { return m.nlc; }, [](Measures& m, double v) { m.nlc = v; }},
      {"trimmed", false, [](const Measures& m) { return m.trimmed; },
       [](Measures& m, double v) { m.trimmed = v; }},
      {"mnlp", false, [](const Measures& m) { return m.mnlp; }, [](Measures& m, double v) { m.mnlp = v; }},
      {"entropy", false, [](const Measures& m) { return m.entropy; },
       [](Measures& m, double v) { m.entropy = v; }},
      {"ltp", false, [](const Measures& m) { return m.ltp; }, [](Measures& m, double v) { m.ltp = v; }},
      {"unknown_entities", true, [](const Measures& m) { return static_cast<double>(m.unknown_entities); },
       [](Measures& m, double v) { m.unknown_entities = static_cast<int>(v); }},
  };
  return fields;
}

}  // namespace alsel
