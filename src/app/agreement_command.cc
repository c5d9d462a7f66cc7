// `alsel agreement`: kappa between two models' predictions on a stop set, the F1 bound, and the
// stopping rule over the comparisons so far (agreement.h, docs/cron.md).
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>

#include "alsel/output/atomic_file.h"
#include "alsel/app/commands.h"
#include "alsel/util/errors.h"
#include "alsel/util/json_output.h"
#include "alsel/util/manifest.h"
#include "alsel/output/run_files.h"
#include "alsel/util/utf8.h"
#include "alsel/util/settings.h"

namespace alsel {

void AgreementConfig::validate() const {
  if (before.empty() || after.empty()) throw UsageError("agreement needs two score files");
  if (out.empty()) throw UsageError(show_setting("out") + " is empty");
  rule.validate();
}

namespace {

// Kappas of the history file, oldest first; a missing file is an empty history.
std::vector<nlohmann::ordered_json> read_history(const std::string& path) {
  std::vector<nlohmann::ordered_json> entries;
  std::ifstream in(path, std::ios::binary);
  if (!in) return entries;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      nlohmann::ordered_json entry = nlohmann::ordered_json::parse(line);
      if (!entry.is_object() || !entry.contains("kappa") || !entry["kappa"].is_number())
        throw InputError(path + ":" + std::to_string(number) + ": not an agreement entry with a \"kappa\"");
      entries.push_back(std::move(entry));
    } catch (const nlohmann::json::exception& error) {
      throw InputError(path + ":" + std::to_string(number) + ": invalid JSON: " + excerpt_utf8(error.what(), 300));
    }
  }
  return entries;
}

std::string format_number(double value, const char* format = "%.4f") {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

}  // namespace

std::pair<Agreement, StopDecision> run_agreement(const AgreementConfig& config) {
  config.validate();
  RunFiles files;
  files.input("before", config.before);
  files.input("after", config.after);
  files.output(show_setting("out"), config.out);
  files.output(show_setting("history"), config.history);  // read, then rewritten with this comparison
  files.check();
  const Agreement agreement =
      compare_stop_set_predictions(read_stop_set_scores(config.before), read_stop_set_scores(config.after));
  std::vector<nlohmann::ordered_json> history;
  if (!config.history.empty()) history = read_history(config.history);
  nlohmann::ordered_json entry;
  entry["before"] = config.before;
  entry["after"] = config.after;
  entry["before_sha256"] = fingerprint_file(config.before).sha256;
  entry["after_sha256"] = fingerprint_file(config.after).sha256;
  const nlohmann::ordered_json measured = agreement.to_json();
  for (const auto& item : measured.items()) entry[item.key()] = item.value();
  history.push_back(entry);
  std::vector<double> kappas;
  for (const auto& past : history) kappas.push_back(past["kappa"].get<double>());
  const StopDecision decision = stopping_rule(kappas, config.rule);

  AtomicOutputFile out(config.out);
  std::optional<AtomicOutputFile> history_file;
  if (!config.history.empty()) {
    history_file.emplace(config.history);
    for (const auto& past : history) history_file->stream() << dump_json(past) << '\n';
  }
  if (config.json) {
    nlohmann::ordered_json report = entry;
    report["rule"] = {{"window", config.rule.window}, {"kappa_threshold", config.rule.threshold},
                      {"comparisons", decision.comparisons}, {"window_mean_kappa", decision.window_mean},
                      {"stop", decision.stop}, {"reason", decision.reason}};
    out.stream() << dump_json(report, 2) << '\n';
  } else {
    out.stream() << "stop set:            " << agreement.sentences << " sentences, " << agreement.words
                 << " words\n"
                 << "kappa (words):       " << format_number(agreement.kappa) << "  (observed "
                 << format_number(agreement.observed) << ", chance " << format_number(agreement.expected)
                 << ")\n"
                 << "F1 change bound:     "
                 << (std::isfinite(agreement.f1_bound) ? format_number(agreement.f1_bound) : "unbounded")
                 << "  (4 (1 - kappa) / kappa)\n"
                 << "entity agreement F1: " << format_number(100 * agreement.entity_f1, "%.2f") << "  ("
                 << agreement.entities_common << " common of " << agreement.entities_a << " / "
                 << agreement.entities_b << ")\n"
                 << "mean entropy:        " << format_number(agreement.mean_entropy_a) << " -> "
                 << format_number(agreement.mean_entropy_b) << '\n'
                 << "rule:                " << decision.reason << '\n';
  }
  if (!out.stream()) throw OutputError("writing '" + config.out + "' failed");
  commit_together({&out, history_file ? &*history_file : nullptr});
  if (decision.stop) {
    spdlog::warn("agreement: {}", decision.reason);
  } else {
    spdlog::info("agreement: kappa {} ; {}", format_number(agreement.kappa), decision.reason);
  }
  return {agreement, decision};
}

}  // namespace alsel
