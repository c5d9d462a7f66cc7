// Per-sentence uncertainty measures of the article, computed from a SentenceAnalysis.
//
//   alsel::Measures m = alsel::compute_measures(analysis, alsel::kDefaultTrimThreshold);
//   // m.nlc is the mean highest probability (high = confident); strategies turn measures
//   // into informativeness scores (high = select first), e.g. nlc -> 1 - m.nlc.
//
// All measures use natural logarithms and word positions only. Let p_w be row w of
// analysis.probabilities and W = analysis.num_words:
//   nlc      = (1/W) sum_w max_l p_w[l]
//   trimmed  = the same mean over the words with max_l p_w[l] < trim_threshold
//              (= nlc when no word is kept; see compute_measures)
//   mnlp     = (1/W) sum_w log(max(max_l p_w[l], 1e-300))
//   entropy  = (1/W) sum_w -sum_l p_w[l] log p_w[l]      (0 log 0 = 0)
//   ltp      = min_w p_w[best_path[w]]
#pragma once

#include <vector>

#include "alsel/data/sentence_analysis.h"

namespace alsel {

// Words whose highest probability is at or above this are dropped by the trimmed measure.
constexpr double kDefaultTrimThreshold = 0.99;

struct Measures {
  double nlc = 0;            // mean over words of the highest label probability, in [1/L, 1]
  double trimmed = 0;        // nlc over words whose highest probability < trim_threshold
  double mnlp = 0;           // mean over words of log(highest probability), <= 0 (nats)
  double entropy = 0;        // mean over words of the label-distribution entropy (nats)
  double ltp = 0;            // lowest probability of a best-path label over the words, [0, 1]
  int unknown_entities = 0;  // copy of SentenceAnalysis::unknown_entities
};

// One measure by name: the table every writer, the shard candidates files, `alsel score` and the
// manifest read, so that adding a measure is one field here and one row in measures.cc.
struct MeasureField {
  const char* name;                     // JSON key, e.g. "nlc"
  bool count;                           // an integer count (unknown_entities), not a real value
  double (*get)(const Measures&);
  void (*set)(Measures&, double);
};

// nlc, trimmed, mnlp, entropy, ltp, unknown_entities: the order outputs list them in.
const std::vector<MeasureField>& measure_fields();

// Throws std::invalid_argument when num_words == 0 (callers reject empty sentences earlier),
// when num_labels < 1, or when probabilities / best_path do not have [W*L] / [W] entries or a
// best_path label is outside [0, L). trim_threshold is used as given (StrategyOptions::validate
// checks it lies in (0, 1]).
//
// All-dropped trimmed case: if every word has max probability >= trim_threshold, trimmed = nlc.
// That value is >= trim_threshold, while any sentence with a kept word has trimmed < threshold
// (a mean of values below it), so fully confident sentences rank below every sentence with an
// uncertain word, and among themselves still by nlc, instead of getting an undefined mean.
Measures compute_measures(const SentenceAnalysis& analysis, double trim_threshold);

// The trimmed measure alone, bit for bit what compute_measures gives (it calls this): the score
// cache stores the measures that do not depend on run options and recomputes this one for the
// run's --trim-threshold. Same preconditions and exceptions as compute_measures.
double trimmed_measure(const SentenceAnalysis& analysis, double trim_threshold);

}  // namespace alsel
