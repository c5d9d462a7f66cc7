#include "alsel/scoring/annotator.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "alsel/model/crf.h"
#include "alsel/data/entities.h"
#include "alsel/model/entity_constraint.h"
#include "alsel/util/errors.h"
#include "alsel/util/id_set.h"
#include "alsel/scoring/score_cache.h"
#include "alsel/util/utf8.h"
#include "alsel/util/settings.h"

namespace alsel {
namespace {

// A cached row whose words or entities do not fit the sentence's text (a hand-edited or foreign
// cache whose checksum still holds) must not reach the writers.
void check_cached_row(const PoolItem& item, const ScoredSentence& stored) {
  try {
    const size_t length = count_code_points(item.text);
    const int words_end = stored.word_spans.empty() ? 0 : stored.word_spans.back().second;
    if (words_end < 0 || static_cast<size_t>(words_end) > length) {
      throw std::invalid_argument("its words end at code point " + std::to_string(words_end) +
                                  " of a text of " + std::to_string(length));
    }
    check_entity_spans(item.text, stored.analysis.entities);
  } catch (const std::invalid_argument& error) {
    throw InputError(item.file + ":" + std::to_string(item.line) + ": id " + item.id +
                     ": the " + show_setting("cache") + " row of this text does not fit it (" + error.what() +
                     "): the cache is corrupt; delete it and the next run scores every sentence again");
  }
}

// Forward streams chosen for streams = 0: one per core, at most this many (each stream holds the
// activations of one batch).
constexpr int kMaxAutoStreams = 8;

}  // namespace

void InferenceConfig::validate() const {
  if (batch_tokens < 1) throw UsageError(show_setting("batch-tokens") + " must be >= 1, got " + std::to_string(batch_tokens));
  if (chunk_sentences < 1) {
    throw UsageError("chunk size must be >= 1 sentence, got " + std::to_string(chunk_sentences));
  }
  if (window_overlap < 0) throw UsageError(show_setting("window-overlap") + " must be >= 0, got " + std::to_string(window_overlap));
  if (streams < 0) throw UsageError(show_setting("streams") + " must be >= 0, got " + std::to_string(streams));
}

std::string InferenceConfig::to_string() const {
  std::ostringstream out;
  out << "batch_tokens=" << batch_tokens << " chunk_sentences=" << chunk_sentences
      << " probabilities=" << probability_mode_name(probabilities) << " window_overlap=" << window_overlap
      << " streams=" << streams << " overlap=" << (overlap ? "true" : "false");
  return out.str();
}

void InferenceConfig::register_settings(SettingsRegistry& settings) {
  settings.add(Setting("batch-tokens", "padded wordpieces per forward batch"), batch_tokens);
  settings.add_choice(Setting("probs", "marginal (CRF forward-backward) or softmax"), probabilities,
                      probability_mode_names());
  settings.add(Setting("window-overlap", "wordpieces shared by windows of long sentences (0 = max_len/4)")
                   .without_default(),
               window_overlap);
}

const EnumNames<ProbabilityMode>& probability_mode_names() {
  static const EnumNames<ProbabilityMode> names = {{ProbabilityMode::kMarginal, "marginal"},
                                                   {ProbabilityMode::kSoftmax, "softmax"}};
  return names;
}

const char* probability_mode_name(ProbabilityMode mode) {
  for (const auto& [value, name] : probability_mode_names()) {
    if (value == mode) return name.c_str();
  }
  return "?";
}

PipelineCounts& PipelineCounts::operator+=(const PipelineCounts& other) {
  read += other.read;
  scored += other.scored;
  rejected += other.rejected;
  windows += other.windows;
  batches += other.batches;
  forward_seconds += other.forward_seconds;
  pipeline_seconds += other.pipeline_seconds;
  cache_hits += other.cache_hits;
  cache_misses += other.cache_misses;
  return *this;
}

size_t ForwardBatch::padded_tokens() const {
  size_t longest = 0;
  for (const auto& sequence : sequences) longest = std::max(longest, sequence.size());
  return longest * sequences.size();
}

size_t PreparedChunk::scorable() const {
  return static_cast<size_t>(
      std::count_if(items.begin(), items.end(), [](const PoolItem& item) { return !item.rejected; }));
}

Annotator::Annotator(NerModel& model, InferenceConfig config,
                     const std::unordered_set<std::string>* known_entities)
    : model_(model),
      config_(std::move(config)),
      known_entities_(known_entities),
      tokenizer_(model.vocabulary(), model.metadata().tokenizer),
      use_marginals_(model.crf() != nullptr && config_.probabilities == ProbabilityMode::kMarginal) {
  config_.validate();
  const int max_pieces = model_.metadata().max_len - 2;
  if (config_.window_overlap == 0) config_.window_overlap = max_pieces / 4;
  if (config_.window_overlap >= max_pieces) {
    throw UsageError(show_setting("window-overlap") + " " + std::to_string(config_.window_overlap) +
                     " must be below max_len - 2 = " + std::to_string(max_pieces));
  }
  if (config_.streams == 0) {
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    config_.streams = model_.device() == "cpu" ? std::clamp(cores, 1, kMaxAutoStreams) : 1;
  }
}

PreparedChunk Annotator::prepare(std::vector<PoolItem> items, uint64_t first_order,
                                 std::vector<std::optional<ScoredSentence>> cached) const {
  if (!cached.empty() && cached.size() != items.size()) {
    throw std::invalid_argument("Annotator::prepare: " + std::to_string(cached.size()) +
                                " cached entries for " + std::to_string(items.size()) + " items");
  }
  const int max_pieces = model_.metadata().max_len - 2;
  const int num_labels = static_cast<int>(model_.metadata().labels.size());
  const Vocabulary& vocab = tokenizer_.vocab();

  PreparedChunk chunk;
  chunk.first_order = first_order;
  chunk.items = std::move(items);
  chunk.sentences.resize(chunk.items.size());
  chunk.cached = std::move(cached);

  // Tokenize and cut into windows; one forward sequence per window, [CLS] and [SEP] included.
  struct Segment {
    uint32_t item;
    uint32_t window;
    size_t length;
  };
  std::vector<Segment> segments;
  segments.reserve(chunk.items.size());
  for (size_t i = 0; i < chunk.items.size(); ++i) {
    if (!chunk.cached.empty() && chunk.cached[i]) continue;  // score() rebuilds it
    PoolItem& item = chunk.items[i];
    PreparedSentence& sentence = chunk.sentences[i];
    sentence.text = decode_utf8(item.text);  // the reader validated the UTF-8
    sentence.encoding = tokenizer_.encode(sentence.text);
    const Encoding& encoding = sentence.encoding;
    if (encoding.word_first_token.empty()) {
      item.rejected = true;
      item.reason = "text has no tokens (only whitespace or control characters)";
      sentence = PreparedSentence();
      continue;
    }
    const int num_words = static_cast<int>(encoding.word_first_token.size());
    sentence.windows = plan_windows(encoding.word_first_token, static_cast<int>(encoding.ids.size()),
                                    max_pieces, config_.window_overlap);
    sentence.word_owner = assign_words(sentence.windows, num_words);
    sentence.word_emissions.assign(static_cast<size_t>(num_words) * num_labels, 0.0f);
    for (size_t w = 0; w < sentence.windows.size(); ++w) {
      const Window& window = sentence.windows[w];
      segments.push_back(Segment{static_cast<uint32_t>(i), static_cast<uint32_t>(w),
                                 static_cast<size_t>(window.end_piece - window.first_piece + 2)});
    }
  }

  // Length-sorted (stable: ties keep pool order) and packed so that padded size stays within
  // the budget; a single sequence longer than the budget gets a batch of its own.
  std::stable_sort(segments.begin(), segments.end(),
                   [](const Segment& a, const Segment& b) { return a.length < b.length; });
  const size_t budget = static_cast<size_t>(config_.batch_tokens);
  size_t begin = 0;
  while (begin < segments.size()) {
    size_t end = begin;
    size_t longest = 0;
    while (end < segments.size()) {
      const size_t length = std::max(longest, segments[end].length);
      if (end > begin && length * (end - begin + 1) > budget) break;
      longest = length;
      ++end;
    }
    ForwardBatch batch;
    batch.sequences.reserve(end - begin);
    batch.rows.reserve(end - begin);
    for (size_t k = begin; k < end; ++k) {
      const Segment& segment = segments[k];
      const PreparedSentence& sentence = chunk.sentences[segment.item];
      const Window& window = sentence.windows[segment.window];
      std::vector<int> ids;
      ids.reserve(segment.length);
      ids.push_back(vocab.cls_id);
      ids.insert(ids.end(), sentence.encoding.ids.begin() + window.first_piece,
                 sentence.encoding.ids.begin() + window.end_piece);
      ids.push_back(vocab.sep_id);
      batch.sequences.push_back(std::move(ids));
      batch.rows.emplace_back(segment.item, segment.window);
    }
    chunk.batches.push_back(std::move(batch));
    begin = end;
  }
  return chunk;
}

void Annotator::infer(PreparedChunk& chunk, PipelineCounts& counts) {
  for (size_t b = 0; b < chunk.batches.size(); ++b) infer_batch(chunk, b, counts);
}

void Annotator::infer_batch(PreparedChunk& chunk, size_t batch_index, PipelineCounts& counts) {
  const int num_labels = static_cast<int>(model_.metadata().labels.size());
  ForwardBatch& batch = chunk.batches.at(batch_index);
  const auto started = std::chrono::steady_clock::now();
  const BatchEmissions emissions = model_.emissions(batch.sequences);
  counts.forward_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ++counts.batches;
  counts.windows += batch.sequences.size();
  for (size_t row = 0; row < batch.rows.size(); ++row) {
    PreparedSentence& sentence = chunk.sentences[batch.rows[row].first];
    const int window_index = static_cast<int>(batch.rows[row].second);
    const Window& window = sentence.windows[window_index];
    const Encoding& encoding = sentence.encoding;
    for (int word = window.first_word; word < window.end_word; ++word) {
      if (sentence.word_owner[word] != window_index) continue;
      // +1 skips [CLS].
      const int position = encoding.word_first_token[word] - window.first_piece + 1;
      const float* scores = emissions.at(static_cast<int>(row), position);
      for (int label = 0; label < num_labels; ++label) {
        if (!std::isfinite(scores[label])) {
          const PoolItem& item = chunk.items[batch.rows[row].first];
          throw ModelError("the model returned a non-finite emission (" + std::to_string(scores[label]) +
                           ") for " + item.file + ":" + std::to_string(item.line) + ": id " + item.id +
                           ", word " + std::to_string(word) + ", label " +
                           model_.metadata().labels[label] +
                           ": its scores would be meaningless; check the model on this sentence");
        }
      }
      std::copy(scores, scores + num_labels, sentence.word_emissions.begin() + static_cast<size_t>(word) * num_labels);
    }
  }
  // The sequences are no longer needed; free them now rather than with the chunk.
  std::vector<std::vector<int>>().swap(batch.sequences);
}

std::vector<ScoredSentence> Annotator::score(PreparedChunk& chunk, double trim_threshold) const {
  const ModelMetadata& meta = model_.metadata();
  const int num_labels = static_cast<int>(meta.labels.size());
  const int outside = outside_label_index(meta.labels);
  std::vector<ScoredSentence> results;
  results.reserve(chunk.items.size());
  uint64_t next_order = chunk.first_order;
  for (size_t i = 0; i < chunk.items.size(); ++i) {
    PoolItem& item = chunk.items[i];
    if (item.rejected) continue;
    PreparedSentence& sentence = chunk.sentences[i];
    ScoredSentence result;
    result.order = next_order++;
    result.file = item.file;
    result.line = item.line;
    SentenceAnalysis& analysis = result.analysis;
    if (!chunk.cached.empty() && chunk.cached[i]) {
      // Stored by an earlier run: only what depends on this run's options is computed. The
      // optional stays engaged (moved from), which tells the scorer not to store it again.
      ScoredSentence& stored = *chunk.cached[i];
      check_cached_row(item, stored);
      analysis = std::move(stored.analysis);
      analysis.id = item.id;
      analysis.num_chars = static_cast<int>(count_code_points(item.text));
      analysis.unknown_entities = count_unknown_entities(analysis.entities);
      result.measures = stored.measures;
      result.measures.trimmed = trimmed_measure(analysis, trim_threshold);
      result.measures.unknown_entities = analysis.unknown_entities;
      result.word_spans = std::move(stored.word_spans);
      result.text = std::move(item.text);
      results.push_back(std::move(result));
      continue;
    }
    analysis.id = item.id;
    analysis.num_chars = static_cast<int>(count_code_points(item.text));
    analysis.num_words = static_cast<int>(sentence.encoding.word_first_token.size());
    analysis.num_labels = num_labels;
    // Symbols and unknown non-letters are O (entity_constraint.h), in decoding and measures.
    forbid_entity_labels(never_entity_words(sentence.text, sentence.encoding, tokenizer_.vocab().unk_id),
                         outside, num_labels, sentence.word_emissions);
    const float* emissions = sentence.word_emissions.data();
    if (model_.crf() != nullptr) {
      analysis.best_path = viterbi_decode(emissions, analysis.num_words, *model_.crf());
    } else {
      analysis.best_path = argmax_decode(emissions, analysis.num_words, num_labels);
    }
    analysis.probabilities = use_marginals_
        ? crf_marginals(emissions, analysis.num_words, *model_.crf())
        : softmax_probabilities(emissions, analysis.num_words, num_labels);
    analysis.entities = decode_entities(analysis.best_path, meta.labels, sentence.encoding.word_spans,
                                        sentence.text, &analysis.probabilities);
    analysis.unknown_entities = count_unknown_entities(analysis.entities);
    result.measures = compute_measures(analysis, trim_threshold);
    result.word_spans = std::move(sentence.encoding.word_spans);
    result.text = std::move(item.text);
    sentence = PreparedSentence();  // release the chunk's per-sentence memory as we go
    results.push_back(std::move(result));
  }
  return results;
}

int Annotator::count_unknown_entities(const std::vector<EntitySpan>& entities) const {
  int unknown = 0;
  for (const EntitySpan& entity : entities) {
    if (known_entities_ == nullptr || known_entities_->count(entity.text) == 0) ++unknown;
  }
  return unknown;
}

std::vector<ScoredSentence> Annotator::annotate(std::vector<PoolItem>& items, uint64_t first_order,
                                                double trim_threshold, PipelineCounts& counts) {
  PreparedChunk chunk = prepare(std::move(items), first_order);
  infer(chunk, counts);
  std::vector<ScoredSentence> results = score(chunk, trim_threshold);
  items = std::move(chunk.items);
  return results;
}

}  // namespace alsel
