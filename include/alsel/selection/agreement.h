// Agreement between the predictions of two models on the same stop set: the stabilizing-
// predictions stopping rule of Bloodgood and Vijay-Shanker (2009). Keep a fixed unlabeled stop
// set, score it with each round's model (`alsel score`), compare consecutive rounds with Cohen's
// kappa on the predicted word labels, and stop annotating when the mean kappa over the last
// `window` comparisons reaches `threshold` (0.99 over 3 in the paper). Bloodgood and
// Grothendieck bound the F1 change between the two models by 4(1 - kappa) / kappa.
//
//   auto before = alsel::read_stop_set_scores("stop/2025-01-30.jsonl");
//   auto after = alsel::read_stop_set_scores("stop/2025-01-31.jsonl");
//   alsel::Agreement a = alsel::compare_stop_set_predictions(before, after);
//   a.kappa;           // token-level Cohen's kappa on the per-word BIO labels
//   a.f1_bound;        // 4 (1 - kappa) / kappa
//   alsel::StopDecision d = alsel::stopping_rule(history_with_a, {3, 0.99});
//
// Inputs are `alsel score` outputs (one JSON object per scored sentence with "id", "tags" (the
// decoded label of every word), "entities" and the measures); the two must list the same ids, in
// the same order, with the same number of words: anything else is an InputError naming the file,
// line and id (a different stop set, or a model with another tokenizer).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "alsel/data/labeled_data.h"
#include "alsel/util/settings.h"

namespace alsel {

struct StopSetScores {
  std::string path;
  std::vector<std::string> ids;
  std::vector<std::vector<std::string>> tags;      // per sentence, one label per word
  std::vector<std::vector<GoldSpan>> entities;     // per sentence, code-point spans
  std::vector<double> entropy;                     // per sentence, the `entropy` measure (nats)
};

// Reads an `alsel score` output. Throws InputError "FILE:LINE: ..." on a malformed line, a line
// without "tags" (written before alsel score recorded them) or a repeated id.
StopSetScores read_stop_set_scores(const std::string& path);

// Cohen's kappa of a square confusion matrix (rows: the first rater's labels, columns: the
// second's): (p_o - p_e) / (1 - p_e). When p_e is 1 (both used one and the same label for
// everything) the raters agree completely and kappa is 1. Throws std::invalid_argument for an
// empty or non-square matrix.
double cohen_kappa(const std::vector<std::vector<double>>& confusion);

struct Agreement {
  size_t sentences = 0;
  size_t words = 0;
  double observed = 0;   // p_o: share of words with the same label
  double expected = 0;   // p_e: agreement expected by chance from the two label distributions
  double kappa = 0;
  double f1_bound = 0;   // 4 (1 - kappa) / kappa, the bound on |F1(a) - F1(b)|; +inf at kappa <= 0
  size_t entities_a = 0, entities_b = 0, entities_common = 0;  // exact span and label matches
  double entity_f1 = 0;  // F1 of b's entities against a's, in [0, 1]
  double mean_entropy_a = 0, mean_entropy_b = 0;  // overall uncertainty (Zhu et al. 2008)
  nlohmann::ordered_json to_json() const;
};

// Compares the predictions of two models on one stop set (see the header comment).
Agreement compare_stop_set_predictions(const StopSetScores& a, const StopSetScores& b);

struct StoppingRule {
  int window = 3;           // consecutive comparisons averaged
  double threshold = 0.99;  // stop when their mean kappa is at least this
  void validate() const;    // throws UsageError: window >= 1, threshold in (0, 1]
  void register_settings(SettingsRegistry& settings);  // --window, --kappa-threshold
};

struct StopDecision {
  bool stop = false;          // the rule holds
  int comparisons = 0;        // kappas available
  double window_mean = 0;     // mean kappa of the last `window` (of all when fewer)
  std::string reason;         // one sentence for the log
};

// The rule over a history of kappas, oldest first: holds when at least `window` kappas exist
// and the mean of the last `window` is >= threshold.
StopDecision stopping_rule(const std::vector<double>& kappas, const StoppingRule& rule);

}  // namespace alsel
