#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <sstream>

#include "alsel/util/errors.h"
#include "alsel/scoring/strategy.h"
#include "alsel/util/settings.h"

namespace alsel {

// Factories, one per file in src/scoring/strategies/.
std::unique_ptr<Strategy> make_entropy_strategy(const StrategyOptions& options);
std::unique_ptr<Strategy> make_ltp_strategy(const StrategyOptions& options);
std::unique_ptr<Strategy> make_ltp_unk_strategy(const StrategyOptions& options);
std::unique_ptr<Strategy> make_mnlp_strategy(const StrategyOptions& options);
std::unique_ptr<Strategy> make_nlc_strategy(const StrategyOptions& options);
std::unique_ptr<Strategy> make_random_strategy(const StrategyOptions& options);
std::unique_ptr<Strategy> make_trimmed_strategy(const StrategyOptions& options);
// The per-character ranking around any of them (src/scoring/strategies/per_char.cc).
std::unique_ptr<Strategy> make_per_char_strategy(std::unique_ptr<Strategy> inner);

namespace {

// Name -> factory, filled once. The one place that lists the strategies.
const std::map<std::string, StrategyFactory>& registry() {
  static std::once_flag filled;
  static std::map<std::string, StrategyFactory> factories;
  std::call_once(filled, [] {
    factories["entropy"] = make_entropy_strategy;
    factories["ltp"] = make_ltp_strategy;
    factories["ltp-unk"] = make_ltp_unk_strategy;
    factories["mnlp"] = make_mnlp_strategy;
    factories["nlc"] = make_nlc_strategy;
    factories["random"] = make_random_strategy;
    factories["trimmed"] = make_trimmed_strategy;
  });
  return factories;
}

}  // namespace

void StrategyOptions::validate() const {
  // Negated comparisons so that NaN is rejected too.
  if (!(trim_threshold > 0.0 && trim_threshold <= 1.0)) {
    std::ostringstream message;
    message << "trim_threshold must be in (0, 1], got " << trim_threshold;
    throw UsageError(message.str());
  }
  if (!(e1 >= 0.0 && std::isfinite(e1))) {
    std::ostringstream message;
    message << "e1 must be a finite number >= 0, got " << e1;
    throw UsageError(message.str());
  }
  if (!(e2 >= 0.0 && std::isfinite(e2))) {
    std::ostringstream message;
    message << "e2 must be a finite number >= 0, got " << e2;
    throw UsageError(message.str());
  }
  if (unk_cap < 1) {
    throw UsageError("unk_cap must be >= 1, got " + std::to_string(unk_cap));
  }
}

std::string StrategyOptions::to_string() const {
  std::ostringstream out;
  out << "trim_threshold=" << trim_threshold << " e1=" << e1 << " e2=" << e2
      << " unk_cap=" << unk_cap << " seed=" << seed;
  if (per_char) out << " per_char=true";  // only when set: older manifests stay as they were
  return out.str();
}

std::unique_ptr<Strategy> make_strategy(const std::string& name, const StrategyOptions& options) {
  const auto& factories = registry();
  const auto found = factories.find(name);
  if (found == factories.end()) {
    std::string valid;
    for (const std::string& known : strategy_names()) {
      valid += (valid.empty() ? "" : ", ") + known;
    }
    throw UsageError("unknown strategy '" + name + "'; valid strategies: " + valid);
  }
  options.validate();
  std::unique_ptr<Strategy> strategy = found->second(options);
  if (options.per_char) strategy = make_per_char_strategy(std::move(strategy));
  return strategy;
}

std::vector<std::string> strategy_names() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  std::sort(names.begin(), names.end());  // std::map order already; kept explicit
  return names;
}

void StrategyOptions::register_settings(SettingsRegistry& settings) {
  settings.add(Setting("trim-threshold", "trimmed: drop words whose top probability is at least this"),
               trim_threshold);
  settings.add(Setting("e1", "ltp-unk weight of 1 - ltp"), e1);
  settings.add(Setting("e2", "ltp-unk weight of P(x)"), e2);
  settings.add(Setting("unk-cap", "ltp-unk N in min(unknown, N) / N"), unk_cap);
  settings.add(Setting("seed", "random: seed"), seed);
  settings.add_flag(Setting("per-char",
                            "rank by the strategy's score divided by the sentence's characters "
                            "(cost-normalised: \"ltp/char\")"),
                    per_char);
}

}  // namespace alsel
