// The scoring pipeline: pool items in, per-sentence analyses and measures out, in pool order.
//
//   alsel::Annotator annotator(*model, inference_config, &known_entities);
//   alsel::PoolReader reader({"pool.jsonl"}, {});
//   alsel::run_pipeline(reader, annotator, trim_threshold,
//       [&](alsel::ScoredSentence&& s) { ... },       // accepted and scored, in pool order
//       [&](const alsel::PoolItem& reject) { ... });  // rejected, with its reason
//
// Stages: read a chunk of items -> tokenize (and cut long sentences into windows) -> sort the
// windows by length and pack them into batches by a padded-token budget -> forward pass ->
// CRF marginals / Viterbi (or softmax / argmax) over word positions -> entities -> measures.
// Memory is bounded by the chunk, never by the pool.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

#include "alsel/measures.h"
#include "alsel/ner_model.h"
#include "alsel/pool_reader.h"
#include "alsel/sentence_analysis.h"
#include "alsel/wordpiece_tokenizer.h"

namespace alsel {

struct InferenceConfig {
  int batch_tokens = 8192;           // padded wordpieces per forward batch (batch size x length)
  int chunk_sentences = 2048;        // sentences read ahead, length-sorted and batched together
  std::string probabilities = "marginal";  // "marginal" (CRF forward-backward) or "softmax"
  int window_overlap = 0;            // wordpieces shared by consecutive windows; 0 = max_len / 4
  void validate() const;             // throws UsageError naming the bad value
  std::string to_string() const;
};

struct ScoredSentence {
  uint64_t order = 0;          // 0-based position among the pool's accepted sentences
  std::string text;            // the sentence (analysis.id holds its id)
  std::string file;            // source file and line, for messages
  size_t line = 0;
  SentenceAnalysis analysis;   // probabilities, best path, entities
  Measures measures;           // raw measures of the article
  std::vector<std::pair<int, int>> word_spans;  // code points of each word
};

struct PipelineCounts {
  size_t read = 0;      // non-blank input lines
  size_t scored = 0;    // sentences scored
  size_t rejected = 0;  // lines rejected (bad input or no tokens)
  size_t windows = 0;   // forward-pass sequences (more than scored when sentences are long)
  size_t batches = 0;   // forward-pass batches
};

class Annotator {
 public:
  // `known_entities`: surface texts of entities already labeled; nullptr = every entity unknown.
  Annotator(NerModel& model, InferenceConfig config,
            const std::unordered_set<std::string>* known_entities);

  // Analyses a chunk of accepted items, returned in the chunk's order. Items whose text has no
  // tokens (only whitespace or control characters) are marked rejected in place and skipped.
  std::vector<ScoredSentence> annotate(std::vector<PoolItem>& items, uint64_t first_order,
                                       double trim_threshold, PipelineCounts& counts);
  const InferenceConfig& config() const { return config_; }

 private:
  NerModel& model_;
  InferenceConfig config_;
  const std::unordered_set<std::string>* known_entities_;
  WordpieceTokenizer tokenizer_;
  bool use_marginals_;
};

using ScoredSink = std::function<void(ScoredSentence&&)>;
using RejectSink = std::function<void(const PoolItem&)>;
using ItemSource = std::function<bool(PoolItem&)>;

// Streams every item of `source` through the annotator. Each item ends in exactly one sink.
PipelineCounts run_pipeline(const ItemSource& source, Annotator& annotator, double trim_threshold,
                            const ScoredSink& on_scored, const RejectSink& on_rejected);

}  // namespace alsel
