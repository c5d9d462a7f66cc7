// Pluggable sample-selection strategies, registered by name.
//
//   alsel::StrategyOptions options;            // defaults of the article
//   auto strategy = alsel::make_strategy("ltp-unk", options);
//   alsel::Measures m = alsel::compute_measures(analysis, options.trim_threshold);
//   double informativeness = strategy->score(analysis, m);   // higher = select first
//
// Adding a strategy: one file in src/scoring/strategies/ defining its factory, plus one line in the
// registry table of src/scoring/strategy_registry.cc. Formulas are listed in docs/strategies.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alsel/scoring/measures.h"
#include "alsel/data/sentence_analysis.h"
#include "alsel/util/settings.h"

namespace alsel {

struct StrategyOptions {
  double trim_threshold = kDefaultTrimThreshold;  // trimmed: drop words with max p >= this, (0, 1]
  double e1 = 0.95;                               // ltp-unk: weight of (1 - ltp), >= 0
  double e2 = 0.05;                               // ltp-unk: weight of P(x), >= 0
  int unk_cap = 10;    // ltp-unk: N in P(x) = min(unknown entities, N) / N, count >= 1
  uint64_t seed = 42;  // random: seed mixed into the per-id hash
  // Cost-normalised ranking (issue 19, after Settles and Craven 2008): the strategy's score
  // divided by the sentence's characters (SentenceAnalysis::num_chars), for any strategy. The
  // strategy's name gets "/char" ("ltp/char"), so files and shards say which ranking made them.
  bool per_char = false;

  // Throws UsageError naming the bad field and value: trim_threshold outside (0, 1],
  // e1 or e2 negative or not finite, unk_cap < 1.
  void validate() const;
  // One line, e.g. "trim_threshold=0.99 e1=0.95 e2=0.05 unk_cap=10 seed=42", for the log.
  std::string to_string() const;
  // --trim-threshold, --e1, --e2, --unk-cap, --seed, --per-char (settings.h).
  void register_settings(SettingsRegistry& settings);
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Registry name, e.g. "ltp-unk".
  virtual std::string name() const = 0;
  // One line with the formula, shown by `alsel strategies`.
  virtual std::string definition() const = 0;
  // Informativeness: higher = selected first. `measures` must come from
  // compute_measures(analysis, options.trim_threshold) with the options this strategy was made
  // with; strategies read it rather than recompute.
  virtual double score(const SentenceAnalysis& analysis, const Measures& measures) const = 0;
  // True when the score reads Measures::unknown_entities, which needs the entities of the
  // labeled data (--labeled): the command then loads them and says when there are none.
  virtual bool needs_known_entities() const { return false; }
};

using StrategyFactory = std::function<std::unique_ptr<Strategy>(const StrategyOptions&)>;

// Validates `options`, then builds the named strategy (wrapped by the per-character ranking
// when options.per_char). An unknown name throws UsageError listing the valid names.
std::unique_ptr<Strategy> make_strategy(const std::string& name, const StrategyOptions& options);

// Registered names, sorted.
std::vector<std::string> strategy_names();

}  // namespace alsel
