// Test doubles for run_pipeline (alsel/pipeline.h): a model without libtorch and a pool held in
// memory.
//
//   alsel::testing::FakeModel model(/*max_len=*/12);
//   alsel::Annotator annotator(model, config, nullptr);
//   alsel::run_pipeline(alsel::testing::source_of(pool), annotator, 0.99, on_scored, on_rejected);
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "alsel/util/errors.h"
#include "alsel/scoring/pipeline.h"

namespace alsel::testing {

// A model without libtorch: emissions are a fixed function of (token id, position, label),
// whatever the batch, so every run over the same sentences gives the same numbers, cached or
// not, chunked or not. Counts the sequences it is given; optionally slow, or failing on the n-th
// batch. emissions() is called from several threads at once when streams > 1.
class FakeModel : public NerModel {
 public:
  // Labels O, B-PER, I-PER with a CRF; a vocabulary of the special tokens and a..z, ##a..##z.
  // Each emission is `amplitude` * sin(1.7 token + 2.3 label + 0.3 position).
  explicit FakeModel(int max_len, double amplitude = 1.0) : amplitude_(amplitude) {
    std::string text = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
    for (char c = 'a'; c <= 'z'; ++c) text += std::string(1, c) + "\n##" + std::string(1, c) + "\n";
    vocab_ = std::make_shared<Vocabulary>(Vocabulary::from_text(text));
    metadata_.labels = {"O", "B-PER", "I-PER"};
    metadata_.max_len = max_len;
    metadata_.has_crf = true;
    crf_.num_labels = 3;
    crf_.transitions = {0.5f, 0.1f, -2.0f, 0.0f, -0.5f, 1.0f, 0.2f, 0.0f, 0.4f};
    crf_.start_transitions = {0.3f, 0.0f, -3.0f};
    crf_.end_transitions = {0.1f, 0.0f, 0.2f};
  }

  const ModelMetadata& metadata() const override { return metadata_; }
  std::shared_ptr<const Vocabulary> vocabulary() const override { return vocab_; }
  const CrfParameters* crf() const override { return &crf_; }
  int64_t parameter_count() const override { return 0; }
  std::string device() const override { return "fake"; }

  // (B, T, 3) emissions, T the longest sequence; padding positions are 0.
  BatchEmissions emissions(const std::vector<std::vector<int>>& sequences) override {
    sequences_ += sequences.size();
    const int batch = ++batches_;
    if (batch == fail_at_batch)
      throw ModelError("fake model fails on batch " + std::to_string(batch));
    const int now = ++running_;
    int seen = most_at_once_.load();
    while (now > seen && !most_at_once_.compare_exchange_weak(seen, now)) {
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    --running_;
    BatchEmissions out;
    out.batch = static_cast<int>(sequences.size());
    out.labels = 3;
    for (const auto& sequence : sequences)
      out.length = std::max(out.length, static_cast<int>(sequence.size()));
    out.data.assign(static_cast<size_t>(out.batch) * out.length * out.labels, 0.0f);
    for (int b = 0; b < out.batch; ++b) {
      for (size_t t = 0; t < sequences[b].size(); ++t) {
        for (int l = 0; l < 3; ++l) {
          out.data[(static_cast<size_t>(b) * out.length + t) * 3 + l] =
              static_cast<float>(amplitude_ * std::sin(sequences[b][t] * 1.7 + l * 2.3 +
                                                       static_cast<double>(t) * 0.3));
        }
        if (sequences[b][t] == nan_token) out.data[(static_cast<size_t>(b) * out.length + t) * 3 + 1] = NAN;
      }
    }
    return out;
  }

  int fail_at_batch = -1;              // 1-based batch that throws ModelError; -1 = none
  int nan_token = -1;                  // token id whose B-PER emission is NaN; -1 = none
  std::chrono::microseconds delay{0};  // sleep per batch, to let the reader run ahead
  int most_at_once() const { return most_at_once_.load(); }  // most batches in flight together
  size_t sequences() const { return sequences_.load(); }     // sequences given so far

 private:
  double amplitude_;
  std::shared_ptr<Vocabulary> vocab_;
  ModelMetadata metadata_;
  CrfParameters crf_;
  std::atomic<int> batches_{0};
  std::atomic<int> running_{0};
  std::atomic<int> most_at_once_{0};
  std::atomic<size_t> sequences_{0};
};

// A run_pipeline source that yields the items of `pool` in order; `pool` must outlive it.
inline ItemSource source_of(const std::vector<PoolItem>& pool) {
  return [&pool, next = size_t{0}](PoolItem& item) mutable {
    if (next == pool.size()) return false;
    item = pool[next++];
    return true;
  };
}

}  // namespace alsel::testing
