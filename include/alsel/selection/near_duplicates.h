// Near-duplicate detection among selection candidates: MinHash signatures of character
// n-gram sets with LSH banding, so that one template sentence ("上证指数收盘于3012点",
// "上证指数收盘于3087点", ...) cannot fill the batch.
//
//   alsel::NearDuplicateConfig config;            // threshold 0.7, 3-grams, 128 hashes
//   alsel::NearDuplicateIndex index(config);
//   for (each candidate in rank order) {
//     auto signature = index.signature(candidate.text);
//     auto match = index.find(signature);          // an accepted near duplicate?
//     if (match.found) suppress(candidate, match.index, match.similarity);
//     else index.add(std::move(signature));        // accepted: later ones are checked against it
//   }
//
// Similarity is the Jaccard index of the sets of character n-grams of the normalized text
// (alsel/text_normalizer.h) with every ASCII digit read as 0 (numbers vary inside a template);
// a text shorter than n is one n-gram, itself. MinHash estimates it
// as the share of equal signature slots (standard error sqrt(J(1-J)/num_hashes): 0.04 at
// J = 0.7 with 128 hashes). Signatures are deterministic: slot i hashes each n-gram with the
// i-th (a, b) pair drawn from a SplitMix64 stream of `seed`.
//
// LSH: the signature is cut into b bands of r slots; two texts are compared only when some band
// is equal. r is the largest value in 1..8 whose miss probability (1 - t^r)^b at the threshold
// t is at most 1e-3, so banding loses (almost) no pair that the estimate would flag.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "alsel/util/settings.h"

namespace alsel {

struct NearDuplicateConfig {
  double threshold = 0.7;  // estimated Jaccard similarity at or above which a candidate is a
                           // near duplicate of an accepted sentence, in (0, 1]
  int ngram = 3;           // characters per n-gram (code points of the normalized text), 1..16
  int num_hashes = 128;    // MinHash signature slots, 16..1024
  uint64_t seed = 0x616c73656c;  // seed of the hash functions ("alsel")
  void validate() const;         // throws UsageError naming the bad field and value
  std::string to_string() const;
  // --near-threshold and --ngram (the signature is not a setting).
  void register_settings(SettingsRegistry& settings);
};

using MinHashSignature = std::vector<uint32_t>;

// Share of equal slots of two signatures of the same length, in [0, 1].
double estimated_jaccard(const MinHashSignature& a, const MinHashSignature& b);

// Exact Jaccard index of the n-gram sets of two texts' comparable forms (normalized, digits
// read as 0), for tests and checks.
double ngram_jaccard(std::string_view a, std::string_view b, int ngram);

class NearDuplicateIndex {
 public:
  explicit NearDuplicateIndex(NearDuplicateConfig config);

  // MinHash signature of the normalized form of UTF-8 `text`.
  MinHashSignature signature(std::string_view text) const;

  struct Match {
    bool found = false;
    size_t index = 0;       // index (order of add()) of the most similar accepted signature
    double similarity = 0;  // its estimated Jaccard similarity
  };
  // The most similar added signature with estimated similarity >= threshold, if any.
  Match find(const MinHashSignature& signature) const;
  // Adds a signature; returns its index.
  size_t add(MinHashSignature signature);

  size_t size() const { return signatures_.size(); }
  int rows_per_band() const { return rows_; }
  int bands() const { return bands_; }
  const NearDuplicateConfig& config() const { return config_; }

 private:
  uint64_t band_key(const MinHashSignature& signature, int band) const;

  NearDuplicateConfig config_;
  std::vector<uint64_t> multipliers_, offsets_;  // per slot: h_i(x) = (a_i x + b_i) >> 32
  int rows_ = 1, bands_ = 1;
  std::vector<MinHashSignature> signatures_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> buckets_;  // band key -> signature indices
};

}  // namespace alsel
