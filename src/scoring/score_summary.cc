#include "alsel/scoring/score_summary.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "alsel/util/splitmix.h"

namespace alsel {

namespace {

nlohmann::ordered_json number_or_null(double value) {
  return std::isnan(value) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(value);
}

}  // namespace

ScoreSummary::ScoreSummary(size_t capacity, uint64_t seed)
    : capacity_(std::max<size_t>(capacity, 1)),
      random_state_(seed),
      min_(std::numeric_limits<double>::quiet_NaN()),
      max_(std::numeric_limits<double>::quiet_NaN()) {}

void ScoreSummary::add(double score) {
  if (std::isnan(score)) {
    ++nan_count_;
    return;
  }
  ++count_;
  if (count_ == 1 || score < min_) min_ = score;
  if (count_ == 1 || score > max_) max_ = score;
  const double term = score - compensation_;
  const double total = sum_ + term;
  compensation_ = (total - sum_) - term;
  sum_ = total;
  sorted_valid_ = false;
  if (reservoir_.size() < capacity_) {
    reservoir_.push_back(score);
    return;
  }
  const uint64_t slot = split_mix(random_state_) % count_;  // modulo bias < count / 2^64
  if (slot < capacity_) reservoir_[slot] = score;
}

double ScoreSummary::mean() const {
  return count_ == 0 ? std::numeric_limits<double>::quiet_NaN()
                     : sum_ / static_cast<double>(count_);
}

const std::vector<double>& ScoreSummary::sorted() const {
  if (!sorted_valid_) {
    sorted_ = reservoir_;
    std::sort(sorted_.begin(), sorted_.end());
    sorted_valid_ = true;
  }
  return sorted_;
}

double ScoreSummary::quantile(double q) const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  q = std::clamp(q, 0.0, 1.0);
  if (q == 0.0) return min_;
  if (q == 1.0) return max_;
  const std::vector<double>& values = sorted();
  const double position = q * static_cast<double>(values.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, values.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return values[below] + fraction * (values[above] - values[below]);
}

std::vector<HistogramBin> ScoreSummary::histogram(int bins) const {
  std::vector<HistogramBin> result;
  if (count_ == 0 || bins < 1) return result;
  if (!(max_ > min_)) bins = 1;
  const double width = bins == 1 ? 0.0 : (max_ - min_) / bins;
  result.resize(bins);
  for (int i = 0; i < bins; ++i) {
    result[i].low = min_ + i * width;
    result[i].high = i + 1 == bins ? max_ : min_ + (i + 1) * width;
  }
  const double scale = static_cast<double>(count_) / static_cast<double>(reservoir_.size());
  for (double score : reservoir_) {
    int bin = width > 0 ? static_cast<int>((score - min_) / width) : 0;
    bin = std::clamp(bin, 0, bins - 1);
    result[bin].count += scale;
  }
  return result;
}

nlohmann::ordered_json ScoreSummary::to_json() const {
  nlohmann::ordered_json out;
  out["count"] = count_;
  out["min"] = number_or_null(min_);
  out["mean"] = number_or_null(mean());
  out["median"] = number_or_null(quantile(0.5));
  out["p90"] = number_or_null(quantile(0.9));
  out["max"] = number_or_null(max_);
  out["nan"] = nan_count_;
  out["quantiles"] = exact() ? std::string("exact")
                             : "reservoir sample of " + std::to_string(capacity_) + " scores";
  return out;
}

}  // namespace alsel
