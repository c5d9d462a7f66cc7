// Linear-chain CRF inference in plain C++ (no libtorch), following pytorch-crf conventions.
//
//   alsel::CrfParameters crf = ...;           // exported next to the TorchScript model
//   crf.validate();
//   std::vector<int> path = alsel::viterbi_decode(emissions, num_words, crf);
//   std::vector<double> p = alsel::crf_marginals(emissions, num_words, crf);  // [W*L]
//
// Shapes: `emissions` is one sentence, row-major (W, L) floats over word positions only
// (no [CLS]/[SEP]/padding), W = num_words, L = crf.num_labels. All accumulation is done in
// double precision and in log space, so emissions of magnitude 1e3 neither overflow nor
// underflow. The score of a path y is
//   start[y_0] + sum_w emissions[w, y_w] + sum_{w>0} transitions[y_{w-1}, y_w] + end[y_{W-1}].
// Functions taking emissions validate `crf` and throw std::invalid_argument when num_words < 0
// or emissions is null with num_words > 0.
#pragma once

#include <vector>

namespace alsel {

struct CrfParameters {
  int num_labels = 0;                    // L, number of labels (>= 1)
  std::vector<float> transitions;        // [L*L], transitions[from * L + to] = score of moving
                                         // from label `from` to label `to` (log-space units)
  std::vector<float> start_transitions;  // [L], score of starting a sentence with each label
  std::vector<float> end_transitions;    // [L], score of ending a sentence with each label

  // Throws alsel::ModelError naming the field whose size does not match num_labels.
  void validate() const;
};

// Best-scoring label sequence, [W]. Ties break toward the lower label id: the final label and
// every backpointer pick the lowest id among equal scores. W = 0 gives an empty path.
std::vector<int> viterbi_decode(const float* emissions, int num_words, const CrfParameters& crf);

// Unnormalized log score of `path` ([W] label ids in [0, L)); throws std::invalid_argument on a
// wrong length or an out-of-range label. W = 0 with an empty path scores 0.
double path_score(const float* emissions, int num_words, const std::vector<int>& path,
                  const CrfParameters& crf);

// log Z = log-sum-exp of path_score over all L^W label sequences (forward algorithm).
// W = 0 gives 0 (the single empty sequence, of score 0).
double log_partition(const float* emissions, int num_words, const CrfParameters& crf);

// Posterior marginals P(y_w = l | x), [W*L] row-major; each row sums to 1 (forward-backward in
// log space, each row normalized by its own log-sum-exp). W = 0 gives an empty vector.
std::vector<double> crf_marginals(const float* emissions, int num_words, const CrfParameters& crf);

// Per-word softmax over labels, [W*L], for models without a CRF layer. The row maximum is
// subtracted before exp, so large logits are safe. Throws std::invalid_argument if L < 1.
std::vector<double> softmax_probabilities(const float* emissions, int num_words, int num_labels);

// Per-word argmax label id, [W]; ties break toward the lower label id.
std::vector<int> argmax_decode(const float* emissions, int num_words, int num_labels);

}  // namespace alsel
