#include "alsel/model/crf.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "alsel/util/errors.h"

namespace alsel {
namespace {

constexpr double kNegativeInfinity = -std::numeric_limits<double>::infinity();

// log(sum_i exp(values[i])) over `count` entries spaced `stride` apart. Subtracting the maximum
// keeps every exp() in (0, 1]; an all -inf input stays -inf instead of becoming NaN.
double log_sum_exp(const double* values, int count, int stride = 1) {
  double maximum = kNegativeInfinity;
  for (int i = 0; i < count; ++i) maximum = std::max(maximum, values[i * stride]);
  if (maximum == kNegativeInfinity) return kNegativeInfinity;
  double sum = 0.0;
  for (int i = 0; i < count; ++i) sum += std::exp(values[i * stride] - maximum);
  return maximum + std::log(sum);
}

void check_emissions(const float* emissions, int num_words, const char* function) {
  if (num_words < 0) {
    throw std::invalid_argument(std::string(function) + ": num_words must be >= 0, got " +
                                std::to_string(num_words));
  }
  if (num_words > 0 && emissions == nullptr) {
    throw std::invalid_argument(std::string(function) + ": emissions is null for " +
                                std::to_string(num_words) + " words");
  }
}

void check_num_labels(int num_labels, const char* function) {
  if (num_labels < 1) {
    throw std::invalid_argument(std::string(function) + ": num_labels must be >= 1, got " +
                                std::to_string(num_labels));
  }
}

// Forward log-potentials alpha, [W*L]: alpha[w, l] = log-sum-exp of the scores of all prefixes
// y_0..y_w with y_w = l (start and emissions included, end transition not).
std::vector<double> forward_scores(const float* emissions, int num_words,
                                   const CrfParameters& crf) {
  const int L = crf.num_labels;
  std::vector<double> alpha(static_cast<size_t>(num_words) * L);
  for (int l = 0; l < L; ++l) {
    alpha[l] = static_cast<double>(crf.start_transitions[l]) + emissions[l];
  }
  std::vector<double> incoming(L);
  for (int w = 1; w < num_words; ++w) {
    const double* previous = &alpha[static_cast<size_t>(w - 1) * L];
    for (int to = 0; to < L; ++to) {
      for (int from = 0; from < L; ++from) {
        incoming[from] = previous[from] + crf.transitions[static_cast<size_t>(from) * L + to];
      }
      alpha[static_cast<size_t>(w) * L + to] =
          log_sum_exp(incoming.data(), L) + emissions[static_cast<size_t>(w) * L + to];
    }
  }
  return alpha;
}

// Backward log-potentials beta, [W*L]: beta[w, l] = log-sum-exp of the scores of all suffixes
// y_{w+1}..y_{W-1} given y_w = l (transitions out of l, later emissions, end transition).
std::vector<double> backward_scores(const float* emissions, int num_words,
                                    const CrfParameters& crf) {
  const int L = crf.num_labels;
  std::vector<double> beta(static_cast<size_t>(num_words) * L);
  for (int l = 0; l < L; ++l) {
    beta[static_cast<size_t>(num_words - 1) * L + l] = crf.end_transitions[l];
  }
  std::vector<double> outgoing(L);
  for (int w = num_words - 2; w >= 0; --w) {
    const double* next = &beta[static_cast<size_t>(w + 1) * L];
    const float* next_emissions = emissions + static_cast<size_t>(w + 1) * L;
    for (int from = 0; from < L; ++from) {
      for (int to = 0; to < L; ++to) {
        // Cast first: float + float would round to float before reaching double.
        outgoing[to] = static_cast<double>(crf.transitions[static_cast<size_t>(from) * L + to]) +
                       next_emissions[to] + next[to];
      }
      beta[static_cast<size_t>(w) * L + from] = log_sum_exp(outgoing.data(), L);
    }
  }
  return beta;
}

}  // namespace

void CrfParameters::validate() const {
  if (num_labels < 1) {
    throw ModelError("CRF: num_labels must be >= 1, got " + std::to_string(num_labels));
  }
  const size_t L = static_cast<size_t>(num_labels);
  auto check = [&](const std::vector<float>& field, size_t expected, const char* name,
                   const char* shape) {
    if (field.size() != expected) {
      throw ModelError(std::string("CRF: ") + name + " has " + std::to_string(field.size()) +
                       " values, expected " + shape + " = " + std::to_string(expected) +
                       " for num_labels = " + std::to_string(num_labels));
    }
  };
  check(transitions, L * L, "transitions", "L*L");
  check(start_transitions, L, "start_transitions", "L");
  check(end_transitions, L, "end_transitions", "L");
  auto check_finite = [](const std::vector<float>& field, const char* name) {
    for (size_t i = 0; i < field.size(); ++i) {
      if (!std::isfinite(field[i])) {
        throw ModelError(std::string("CRF: ") + name + "[" + std::to_string(i) + "] is " +
                         std::to_string(field[i]) + "; every transition score must be finite (use a large negative number such as -1e4 to forbid a transition)");
      }
    }
  };
  check_finite(transitions, "transitions");
  check_finite(start_transitions, "start_transitions");
  check_finite(end_transitions, "end_transitions");
}

std::vector<int> viterbi_decode(const float* emissions, int num_words, const CrfParameters& crf) {
  check_emissions(emissions, num_words, "viterbi_decode");
  crf.validate();
  if (num_words == 0) return {};
  const int L = crf.num_labels;

  // best[l]: score of the best prefix ending in label l; backpointers[w, l]: its label at w-1.
  std::vector<double> best(L), next_best(L);
  std::vector<int> backpointers(static_cast<size_t>(num_words) * L, 0);
  for (int l = 0; l < L; ++l)
    best[l] = static_cast<double>(crf.start_transitions[l]) + emissions[l];
  for (int w = 1; w < num_words; ++w) {
    for (int to = 0; to < L; ++to) {
      // Strict '>' keeps the lowest `from` among equal scores.
      int best_from = 0;
      double best_score = best[0] + crf.transitions[to];
      for (int from = 1; from < L; ++from) {
        const double score = best[from] + crf.transitions[static_cast<size_t>(from) * L + to];
        if (score > best_score) {
          best_score = score;
          best_from = from;
        }
      }
      next_best[to] = best_score + emissions[static_cast<size_t>(w) * L + to];
      backpointers[static_cast<size_t>(w) * L + to] = best_from;
    }
    best.swap(next_best);
  }

  int last = 0;
  double last_score = best[0] + crf.end_transitions[0];
  for (int l = 1; l < L; ++l) {
    const double score = best[l] + crf.end_transitions[l];
    if (score > last_score) {
      last_score = score;
      last = l;
    }
  }
  std::vector<int> path(num_words);
  path[num_words - 1] = last;
  for (int w = num_words - 1; w > 0; --w) {
    path[w - 1] = backpointers[static_cast<size_t>(w) * L + path[w]];
  }
  return path;
}

double path_score(const float* emissions, int num_words, const std::vector<int>& path,
                  const CrfParameters& crf) {
  check_emissions(emissions, num_words, "path_score");
  crf.validate();
  const int L = crf.num_labels;
  if (path.size() != static_cast<size_t>(num_words)) {
    throw std::invalid_argument("path_score: path has " + std::to_string(path.size()) +
                                " labels for " + std::to_string(num_words) + " words");
  }
  for (int w = 0; w < num_words; ++w) {
    if (path[w] < 0 || path[w] >= L) {
      throw std::invalid_argument("path_score: label " + std::to_string(path[w]) + " at word " +
                                  std::to_string(w) + " is outside [0, " + std::to_string(L) + ")");
    }
  }
  if (num_words == 0) return 0.0;
  double score = static_cast<double>(crf.start_transitions[path[0]]) +
                 crf.end_transitions[path[num_words - 1]];
  for (int w = 0; w < num_words; ++w) {
    score += emissions[static_cast<size_t>(w) * L + path[w]];
    if (w > 0) score += crf.transitions[static_cast<size_t>(path[w - 1]) * L + path[w]];
  }
  return score;
}

double log_partition(const float* emissions, int num_words, const CrfParameters& crf) {
  check_emissions(emissions, num_words, "log_partition");
  crf.validate();
  if (num_words == 0) return 0.0;
  const int L = crf.num_labels;
  const std::vector<double> alpha = forward_scores(emissions, num_words, crf);
  std::vector<double> final_scores(L);
  for (int l = 0; l < L; ++l) {
    final_scores[l] = alpha[static_cast<size_t>(num_words - 1) * L + l] + crf.end_transitions[l];
  }
  return log_sum_exp(final_scores.data(), L);
}

std::vector<double> crf_marginals(const float* emissions, int num_words, const CrfParameters& crf) {
  check_emissions(emissions, num_words, "crf_marginals");
  crf.validate();
  if (num_words == 0) return {};
  const int L = crf.num_labels;
  const std::vector<double> alpha = forward_scores(emissions, num_words, crf);
  const std::vector<double> beta = backward_scores(emissions, num_words, crf);

  // alpha + beta at word w is the log of the summed scores of all paths through (w, l); its
  // log-sum-exp over l equals log Z for every w. Normalizing each row by its own sum instead of
  // one global log Z makes every row sum to 1 up to a few ulps, whatever the rounding upstream.
  std::vector<double> marginals(static_cast<size_t>(num_words) * L);
  for (int w = 0; w < num_words; ++w) {
    double* row = &marginals[static_cast<size_t>(w) * L];
    for (int l = 0; l < L; ++l) {
      row[l] = alpha[static_cast<size_t>(w) * L + l] + beta[static_cast<size_t>(w) * L + l];
    }
    const double row_log_total = log_sum_exp(row, L);
    for (int l = 0; l < L; ++l) row[l] = std::exp(row[l] - row_log_total);
  }
  return marginals;
}

std::vector<double> softmax_probabilities(const float* emissions, int num_words, int num_labels) {
  check_emissions(emissions, num_words, "softmax_probabilities");
  check_num_labels(num_labels, "softmax_probabilities");
  const int L = num_labels;
  std::vector<double> probabilities(static_cast<size_t>(num_words) * L);
  for (int w = 0; w < num_words; ++w) {
    const float* logits = emissions + static_cast<size_t>(w) * L;
    double* row = &probabilities[static_cast<size_t>(w) * L];
    const double maximum = *std::max_element(logits, logits + L);
    double total = 0.0;
    for (int l = 0; l < L; ++l) {
      row[l] = std::exp(static_cast<double>(logits[l]) - maximum);
      total += row[l];
    }
    for (int l = 0; l < L; ++l) row[l] /= total;
  }
  return probabilities;
}

std::vector<int> argmax_decode(const float* emissions, int num_words, int num_labels) {
  check_emissions(emissions, num_words, "argmax_decode");
  check_num_labels(num_labels, "argmax_decode");
  std::vector<int> path(num_words);
  for (int w = 0; w < num_words; ++w) {
    const float* logits = emissions + static_cast<size_t>(w) * num_labels;
    // std::max_element returns the first maximum, i.e. the lowest label id among ties.
    path[w] = static_cast<int>(std::max_element(logits, logits + num_labels) - logits);
  }
  return path;
}

}  // namespace alsel
