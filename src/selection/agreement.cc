#include "alsel/selection/agreement.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <stdexcept>
#include <unordered_set>

#include "alsel/scoring/entity_metrics.h"
#include "alsel/util/errors.h"
#include "alsel/util/utf8.h"
#include "util/json_errors.h"
#include "alsel/util/settings.h"

namespace alsel {

namespace {

using nlohmann::json;

}  // namespace

StopSetScores read_stop_set_scores(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open stop-set scores '" + path + "'");
  StopSetScores scores;
  scores.path = path;
  std::unordered_set<std::string> seen;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(number);
    json object;
    try {
      object = parse_input_json(line);
    } catch (const json::exception& error) {
      throw InputError(where + ": invalid JSON: " + excerpt_utf8(error.what(), 300));
    }
    try {
      if (!object.is_object() || !object.contains("id") || !object["id"].is_string())
        throw InputError(where + ": expected an `alsel score` line with a string \"id\"");
      const std::string id = object["id"].get<std::string>();
      if (!object.contains("tags") || !object["tags"].is_array()) {
        throw InputError(where + ": id " + id +
                         ": no \"tags\" (the words' labels): score the stop set with this alsel's "
                         "`alsel score`");
      }
      if (!seen.insert(id).second) throw InputError(where + ": id " + id + " appears twice");
      std::vector<std::string> tags;
      for (const json& tag : object["tags"]) tags.push_back(tag.get<std::string>());
      std::vector<GoldSpan> entities;
      for (const json& entity : object.value("entities", json::array())) {
        entities.push_back({entity.at("start").get<int>(), entity.at("end").get<int>(),
                            entity.at("label").get<std::string>()});
      }
      const json& entropy = object.value("entropy", json());
      scores.ids.push_back(id);
      scores.tags.push_back(std::move(tags));
      scores.entities.push_back(std::move(entities));
      scores.entropy.push_back(entropy.is_number() ? entropy.get<double>()
                                                   : std::numeric_limits<double>::quiet_NaN());
    } catch (const json::exception& error) {  // a field of the wrong type
      throw InputError(where + ": " + excerpt_utf8(error.what(), 300));
    }
  }
  if (in.bad()) throw InputError("error reading '" + path + "'");
  return scores;
}

namespace {

struct RaterAgreement {
  double observed = 0;  // p_o
  double expected = 0;  // p_e
};

// p_o and p_e of a square confusion matrix; throws std::invalid_argument as cohen_kappa does.
RaterAgreement rater_agreement(const std::vector<std::vector<double>>& confusion) {
  const size_t n = confusion.size();
  if (n == 0) throw std::invalid_argument("cohen_kappa: empty confusion matrix");
  double total = 0, diagonal = 0;
  std::vector<double> rows(n, 0), columns(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (confusion[i].size() != n) throw std::invalid_argument("cohen_kappa: matrix is not square");
    for (size_t j = 0; j < n; ++j) {
      total += confusion[i][j];
      rows[i] += confusion[i][j];
      columns[j] += confusion[i][j];
    }
    diagonal += confusion[i][i];
  }
  if (total <= 0) throw std::invalid_argument("cohen_kappa: no items");
  RaterAgreement result;
  result.observed = diagonal / total;
  for (size_t i = 0; i < n; ++i) result.expected += (rows[i] / total) * (columns[i] / total);
  return result;
}

double kappa_of(const RaterAgreement& agreement) {
  if (agreement.expected >= 1.0) return 1.0;  // one label for everything, on both sides
  return (agreement.observed - agreement.expected) / (1.0 - agreement.expected);
}

}  // namespace

double cohen_kappa(const std::vector<std::vector<double>>& confusion) {
  return kappa_of(rater_agreement(confusion));
}

nlohmann::ordered_json Agreement::to_json() const {
  nlohmann::ordered_json out;
  out["sentences"] = sentences;
  out["words"] = words;
  out["observed_agreement"] = observed;
  out["expected_agreement"] = expected;
  out["kappa"] = kappa;
  out["f1_bound"] = std::isfinite(f1_bound) ? nlohmann::ordered_json(f1_bound)
                                            : nlohmann::ordered_json("Infinity");
  out["entities"] = {{"a", entities_a}, {"b", entities_b}, {"common", entities_common},
                     {"f1", entity_f1}};
  out["mean_entropy"] = {{"a", mean_entropy_a}, {"b", mean_entropy_b},
                         {"change", mean_entropy_b - mean_entropy_a}};
  return out;
}

Agreement compare_stop_set_predictions(const StopSetScores& a, const StopSetScores& b) {
  if (a.ids.size() != b.ids.size()) {
    throw InputError("the stop sets differ: " + a.path + " has " + std::to_string(a.ids.size()) +
                     " sentences, " + b.path + " " + std::to_string(b.ids.size()) +
                     " (score the same stop set with both models)");
  }
  std::map<std::string, size_t> labels;  // label -> row/column of the confusion matrix
  const auto index_of = [&](const std::string& label) {
    return labels.emplace(label, labels.size()).first->second;
  };
  std::vector<std::pair<size_t, size_t>> pairs;
  Agreement result;
  EntityMetrics entities;
  double entropy_a = 0, entropy_b = 0;
  size_t entropy_count = 0;
  for (size_t s = 0; s < a.ids.size(); ++s) {
    if (a.ids[s] != b.ids[s]) {
      throw InputError("the stop sets differ at sentence " + std::to_string(s + 1) + ": id " +
                       a.ids[s] + " in " + a.path + ", id " + b.ids[s] + " in " + b.path);
    }
    if (a.tags[s].size() != b.tags[s].size()) {
      throw InputError("id " + a.ids[s] + " has " + std::to_string(a.tags[s].size()) +
                       " words in " + a.path + " but " + std::to_string(b.tags[s].size()) +
                       " in " + b.path + " (another text or another tokenizer)");
    }
    for (size_t w = 0; w < a.tags[s].size(); ++w) {
      pairs.emplace_back(index_of(a.tags[s][w]), index_of(b.tags[s][w]));
    }
    entities.add(a.entities[s], b.entities[s]);
    if (std::isfinite(a.entropy[s]) && std::isfinite(b.entropy[s])) {
      entropy_a += a.entropy[s];
      entropy_b += b.entropy[s];
      ++entropy_count;
    }
  }
  result.sentences = a.ids.size();
  result.words = pairs.size();
  if (pairs.empty()) throw InputError("the stop set " + a.path + " has no words to compare");
  std::vector<std::vector<double>> confusion(labels.size(), std::vector<double>(labels.size(), 0));
  for (const auto& [row, column] : pairs) confusion[row][column] += 1;
  const RaterAgreement raters = rater_agreement(confusion);
  result.observed = raters.observed;
  result.expected = raters.expected;
  result.kappa = kappa_of(raters);
  result.f1_bound = result.kappa > 0 ? 4 * (1 - result.kappa) / result.kappa
                                     : std::numeric_limits<double>::infinity();
  result.entities_a = entities.overall().gold;
  result.entities_b = entities.overall().predicted;
  result.entities_common = entities.overall().correct;
  // Both without entities: they agree on every entity there is.
  result.entity_f1 = result.entities_a + result.entities_b == 0 ? 1.0 : entities.overall().f1();
  if (entropy_count > 0) {
    result.mean_entropy_a = entropy_a / static_cast<double>(entropy_count);
    result.mean_entropy_b = entropy_b / static_cast<double>(entropy_count);
  }
  return result;
}

void StoppingRule::validate() const {
  if (window < 1) throw UsageError(show_setting("window") + " must be at least 1, got " + std::to_string(window));
  if (!(threshold > 0 && threshold <= 1))
    throw UsageError(show_setting("kappa-threshold") + " must be in (0, 1], got " + std::to_string(threshold));
}

StopDecision stopping_rule(const std::vector<double>& kappas, const StoppingRule& rule) {
  rule.validate();
  StopDecision decision;
  decision.comparisons = static_cast<int>(kappas.size());
  const size_t used = std::min(kappas.size(), static_cast<size_t>(rule.window));
  double sum = 0;
  for (size_t i = kappas.size() - used; i < kappas.size(); ++i) sum += kappas[i];
  decision.window_mean = used > 0 ? sum / static_cast<double>(used) : 0;
  char mean[32], threshold[32];
  std::snprintf(mean, sizeof mean, "%.4f", decision.window_mean);
  std::snprintf(threshold, sizeof threshold, "%g", rule.threshold);
  if (kappas.size() < static_cast<size_t>(rule.window)) {
    decision.reason = "keep annotating: " + std::to_string(kappas.size()) + " of the " +
                      std::to_string(rule.window) + " comparisons the rule needs";
  } else if (decision.window_mean >= rule.threshold) {
    decision.stop = true;
    decision.reason = "stop suggested: mean kappa " + std::string(mean) + " over the last " +
                      std::to_string(rule.window) + " rounds reaches " + threshold;
  } else {
    decision.reason = "keep annotating: mean kappa " + std::string(mean) + " over the last " +
                      std::to_string(rule.window) + " rounds is below " + threshold;
  }
  return decision;
}

void StoppingRule::register_settings(SettingsRegistry& settings) {
  settings.add(Setting("window", "comparisons the rule averages"), window);
  settings.add(Setting("kappa-threshold", "stop when their mean kappa reaches this"), threshold);
}

}  // namespace alsel
