// The model stage of scoring, as plain steps over a chunk of pool items (Annotator):
//
//   alsel::Annotator annotator(*model, inference_config, &known_entities);
//   alsel::PreparedChunk chunk = annotator.prepare(std::move(items), first_order, &counts);
//   annotator.infer(chunk, counts);                                   // the forward passes
//   std::vector<alsel::ScoredSentence> scored = annotator.score(chunk, trim_threshold);
//
//   prepare  tokenize (and cut long sentences into windows) -> sort the windows by length and
//            pack them into batches by a padded-token budget;
//   infer    the forward passes, emissions gathered at word positions;
//   score    CRF marginals / Viterbi (or softmax / argmax) -> entities -> measures.
//
// run_pipeline (pipeline.h) schedules these steps over a whole pool, overlapped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "alsel/scoring/measures.h"
#include "alsel/model/ner_model.h"
#include "alsel/data/pool_reader.h"
#include "alsel/data/sentence_analysis.h"
#include "alsel/text/windows.h"
#include "alsel/text/wordpiece_tokenizer.h"

namespace alsel {

class ScoreCache;

// Defaults measured on a 2-core AMD EPYC (Zen 4) with the 3-layer MSRA BERT-CRF; see
// docs/performance.md for the sweeps behind them. On CPU, one single-threaded forward pass per
// core beats one pass spread over every core: the many small ops between the GEMMs do not scale
// across threads, while independent passes do.
// Word probabilities: CRF marginals (forward-backward) or a softmax of each word's emissions.
enum class ProbabilityMode { kMarginal, kSoftmax };
const EnumNames<ProbabilityMode>& probability_mode_names();  // marginal, softmax
const char* probability_mode_name(ProbabilityMode mode);

struct InferenceConfig {
  int batch_tokens = 2048;           // padded wordpieces per forward batch (batch size x length)
  int chunk_sentences = 2048;        // sentences read ahead, length-sorted and batched together
  ProbabilityMode probabilities = ProbabilityMode::kMarginal;  // marginal needs a CRF model
  int window_overlap = 0;            // wordpieces shared by consecutive windows; 0 = max_len / 4
  int streams = 0;                   // forward passes run at once, each on its own thread (the
                                     // caller's and streams - 1 more), taking batches in turn;
                                     // 0 = one per core (at most 8) on CPU, 1 on other devices.
                                     // Each pass uses ModelOptions::threads threads, so keep
                                     // streams x threads <= cores
  bool overlap = true;               // run_pipeline: read/tokenize and score on two worker
                                     // threads while the forward passes run; false = every
                                     // stage on the caller's thread, in turn (streams unused)
  void validate() const;             // throws UsageError naming the bad value
  std::string to_string() const;
  // --batch-tokens, --probs, --window-overlap (streams, chunks and overlap are not settings).
  void register_settings(SettingsRegistry& settings);
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
  double forward_seconds = 0;   // wall time inside the model's forward passes, summed over the
                                // streams (Annotator::infer)
  double pipeline_seconds = 0;  // wall time of the whole run_pipeline call; forward_seconds /
                                // (pipeline_seconds x streams) = how busy the streams were
  size_t cache_hits = 0;    // sentences whose results came from the ScoreCache (no model)
  size_t cache_misses = 0;  // sentences looked up in vain (they went through the model)

  PipelineCounts& operator+=(const PipelineCounts& other);
};

// One forward-pass batch of a prepared chunk, its sequences in ascending length.
struct ForwardBatch {
  std::vector<std::vector<int>> sequences;  // [CLS] wordpieces [SEP] of one window each;
                                            // moved out (emptied) by Annotator::infer
  std::vector<std::pair<uint32_t, uint32_t>> rows;  // per sequence: (item index in the chunk,
                                                    // window index in that item's windows)
  size_t padded_tokens() const;                     // sequences x longest sequence
};

// One accepted item after tokenization, and (after infer) its emissions at word positions.
struct PreparedSentence {
  std::u32string text;                // the item's text as code points
  Encoding encoding;                  // wordpieces and words (no [CLS]/[SEP])
  std::vector<Window> windows;        // forward-pass windows (one unless the sentence is long)
  std::vector<int> word_owner;        // [W] per word: the window whose emissions represent it
  std::vector<float> word_emissions;  // [W*L] filled by Annotator::infer
};

// A chunk between the stages. `items` are the chunk's accepted pool items; prepare() flags
// those whose text has no tokens as rejected (with a reason) and leaves their sentence empty.
struct PreparedChunk {
  uint64_t first_order = 0;               // ScoredSentence::order of the first scored item
  std::vector<PoolItem> items;            // accepted items, in pool order
  std::vector<PreparedSentence> sentences;  // parallel to items
  std::vector<ForwardBatch> batches;      // length-sorted, packed by InferenceConfig::batch_tokens
  std::vector<std::optional<ScoredSentence>> cached;  // empty (no cache), or parallel to items:
                                                      // results found in the ScoreCache (the
                                                      // item skips tokenization and the model;
                                                      // score() completes it), else nullopt
  std::vector<std::string> text_keys;     // empty (no cache), or parallel to items: the
                                          // ScoreCache::text_key of each text
  size_t scorable() const;                // items not flagged rejected
};

class Annotator {
 public:
  // `known_entities`: surface texts of entities already labeled; nullptr = every entity unknown.
  Annotator(NerModel& model, InferenceConfig config,
            const std::unordered_set<std::string>* known_entities);

  // Analyses a chunk of accepted items, returned in the chunk's order. Items whose text has no
  // tokens (only whitespace or control characters) are marked rejected in place and skipped.
  // Equivalent to score(infer(prepare(items))) on the calling thread.
  std::vector<ScoredSentence> annotate(std::vector<PoolItem>& items, uint64_t first_order,
                                       double trim_threshold, PipelineCounts& counts);

  // Stage 1, thread-safe (const, touches no model state): tokenize, cut windows, sort and pack
  // the forward batches of `items` (accepted items, in pool order). `cached` is empty or
  // parallel to `items`: the items it holds results for are neither tokenized nor batched.
  PreparedChunk prepare(std::vector<PoolItem> items, uint64_t first_order,
                        std::vector<std::optional<ScoredSentence>> cached = {}) const;
  // Stage 2: runs every batch of `chunk` through the model and fills each sentence's
  // word_emissions. Adds the windows, batches and forward time to `counts`.
  void infer(PreparedChunk& chunk, PipelineCounts& counts);
  // One batch of infer(): chunk.batches[batch_index] (throws std::out_of_range past the end).
  // Different batches of one chunk may run on different threads at once (each writes only the
  // words its windows own); `counts` must belong to the calling thread.
  void infer_batch(PreparedChunk& chunk, size_t batch_index, PipelineCounts& counts);
  // Stage 3, thread-safe: probabilities, best path, entities and measures of every item not
  // flagged rejected, in the chunk's order; consumes the chunk's texts and encodings. Items
  // with cached results take their analysis, word spans and option-free measures from there;
  // trimmed and unknown_entities are recomputed for this run's threshold and known entities.
  std::vector<ScoredSentence> score(PreparedChunk& chunk, double trim_threshold) const;

  // The configuration in use: window_overlap and streams resolved (never 0).
  const InferenceConfig& config() const { return config_; }

 private:
  // Entities whose text is not among the known entities (all of them without known entities).
  int count_unknown_entities(const std::vector<EntitySpan>& entities) const;

  NerModel& model_;
  InferenceConfig config_;
  const std::unordered_set<std::string>* known_entities_;
  WordpieceTokenizer tokenizer_;
  bool use_marginals_;
};

}  // namespace alsel
