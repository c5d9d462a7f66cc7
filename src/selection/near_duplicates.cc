#include "alsel/selection/near_duplicates.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <unordered_set>

#include "alsel/util/errors.h"
#include "alsel/text/text_normalizer.h"
#include "alsel/util/splitmix.h"
#include "alsel/util/settings.h"

namespace alsel {

namespace {

// 64-bit hashes of the distinct n-grams of `text` (sorted, unique).
std::vector<uint64_t> ngram_hashes(std::u32string_view text, int ngram) {
  std::vector<uint64_t> hashes;
  if (text.size() <= static_cast<size_t>(ngram)) {
    hashes.push_back(hash_code_points(text));
    return hashes;
  }
  hashes.reserve(text.size() - ngram + 1);
  for (size_t i = 0; i + ngram <= text.size(); ++i)
    hashes.push_back(hash_code_points(text.substr(i, ngram)));
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  return hashes;
}

// The normalized text with every digit replaced by '0': "收盘于3012点" and "收盘于3087点" are
// the same template for an annotator.
std::u32string comparable_form(std::string_view text) {
  std::u32string form = normalize_for_matching(text);
  for (char32_t& c : form) {
    if (c >= U'0' && c <= U'9') c = U'0';
  }
  return form;
}

}  // namespace

void NearDuplicateConfig::validate() const {
  if (!(threshold > 0.0 && threshold <= 1.0)) {
    std::ostringstream message;
    message << show_setting("near-threshold") + " must be in (0, 1], got " << threshold;
    throw UsageError(message.str());
  }
  if (ngram < 1 || ngram > 16)
    throw UsageError(show_setting("ngram") + " must be in 1..16, got " + std::to_string(ngram));
  if (num_hashes < 16 || num_hashes > 1024) {
    throw UsageError("MinHash num_hashes must be in 16..1024, got " + std::to_string(num_hashes));
  }
}

std::string NearDuplicateConfig::to_string() const {
  std::ostringstream out;
  out << "threshold=" << threshold << " ngram=" << ngram << " num_hashes=" << num_hashes
      << " seed=" << seed;
  return out.str();
}

double estimated_jaccard(const MinHashSignature& a, const MinHashSignature& b) {
  if (a.empty() || a.size() != b.size()) return 0.0;
  size_t equal = 0;
  for (size_t i = 0; i < a.size(); ++i) equal += a[i] == b[i];
  return static_cast<double>(equal) / static_cast<double>(a.size());
}

double ngram_jaccard(std::string_view a, std::string_view b, int ngram) {
  const std::vector<uint64_t> x = ngram_hashes(comparable_form(a), ngram);
  const std::vector<uint64_t> y = ngram_hashes(comparable_form(b), ngram);
  std::vector<uint64_t> shared;
  std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(shared));
  const size_t union_size = x.size() + y.size() - shared.size();
  return union_size == 0 ? 1.0
                         : static_cast<double>(shared.size()) / static_cast<double>(union_size);
}

NearDuplicateIndex::NearDuplicateIndex(NearDuplicateConfig config) : config_(config) {
  config_.validate();
  uint64_t state = config_.seed;
  for (int i = 0; i < config_.num_hashes; ++i) {
    multipliers_.push_back(split_mix(state) | 1);  // odd: a bijection modulo 2^64
    offsets_.push_back(split_mix(state));
  }
  // Largest r whose miss probability at the threshold is at most 1e-3 (r = 1 always bands
  // every slot, which never misses a pair sharing a slot).
  for (int r = 8; r >= 1; --r) {
    const int b = config_.num_hashes / r;
    const double miss = std::pow(1.0 - std::pow(config_.threshold, r), b);
    if (miss <= 1e-3 || r == 1) {
      rows_ = r;
      bands_ = b;
      break;
    }
  }
}

MinHashSignature NearDuplicateIndex::signature(std::string_view text) const {
  const std::vector<uint64_t> hashes = ngram_hashes(comparable_form(text), config_.ngram);
  MinHashSignature signature(config_.num_hashes, std::numeric_limits<uint32_t>::max());
  for (int i = 0; i < config_.num_hashes; ++i) {
    const uint64_t a = multipliers_[i], b = offsets_[i];
    uint32_t lowest = std::numeric_limits<uint32_t>::max();
    for (uint64_t x : hashes) lowest = std::min(lowest, static_cast<uint32_t>((a * x + b) >> 32));
    signature[i] = lowest;
  }
  return signature;
}

uint64_t NearDuplicateIndex::band_key(const MinHashSignature& signature, int band) const {
  uint64_t key = 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(band + 1);
  for (int row = 0; row < rows_; ++row) {
    key ^= signature[static_cast<size_t>(band) * rows_ + row];
    key *= 0x100000001b3ULL;
    key ^= key >> 29;
  }
  return key;
}

NearDuplicateIndex::Match NearDuplicateIndex::find(const MinHashSignature& signature) const {
  Match best;
  if (signature.size() != static_cast<size_t>(config_.num_hashes)) return best;
  std::unordered_set<uint32_t> seen;
  for (int band = 0; band < bands_; ++band) {
    const auto bucket = buckets_.find(band_key(signature, band));
    if (bucket == buckets_.end()) continue;
    for (uint32_t index : bucket->second) {
      if (!seen.insert(index).second) continue;
      const double similarity = estimated_jaccard(signature, signatures_[index]);
      // Ties keep the earliest (best-ranked) accepted sentence.
      if (similarity >= config_.threshold &&
          (!best.found || similarity > best.similarity ||
           (similarity == best.similarity && index < best.index))) {
        best.found = true;
        best.index = index;
        best.similarity = similarity;
      }
    }
  }
  return best;
}

size_t NearDuplicateIndex::add(MinHashSignature signature) {
  const size_t index = signatures_.size();
  for (int band = 0; band < bands_; ++band) {
    buckets_[band_key(signature, band)].push_back(static_cast<uint32_t>(index));
  }
  signatures_.push_back(std::move(signature));
  return index;
}

void NearDuplicateConfig::register_settings(SettingsRegistry& settings) {
  settings.add(Setting("near-threshold", "near: character n-gram Jaccard similarity that suppresses a candidate"),
               threshold);
  settings.add(Setting("ngram", "near: characters per n-gram"), ngram);
}

}  // namespace alsel
