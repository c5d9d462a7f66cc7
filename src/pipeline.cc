#include "alsel/pipeline.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "alsel/crf.h"
#include "alsel/entities.h"
#include "alsel/entity_constraint.h"
#include "alsel/errors.h"
#include "alsel/id_set.h"
#include "alsel/score_cache.h"
#include "alsel/utf8.h"

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
                     ": the --cache row of this text does not fit it (" + error.what() +
                     "): the cache is corrupt; delete it and the next run scores every sentence again");
  }
}

// Forward streams chosen for streams = 0: one per core, at most this many (each stream holds the
// activations of one batch).
constexpr int kMaxAutoStreams = 8;

}  // namespace

void InferenceConfig::validate() const {
  if (batch_tokens < 1) throw UsageError("--batch-tokens must be >= 1, got " + std::to_string(batch_tokens));
  if (chunk_sentences < 1) {
    throw UsageError("chunk size must be >= 1 sentence, got " + std::to_string(chunk_sentences));
  }
  if (probabilities != "marginal" && probabilities != "softmax") {
    throw UsageError("--probs must be marginal or softmax, got '" + probabilities + "'");
  }
  if (window_overlap < 0) throw UsageError("--window-overlap must be >= 0, got " + std::to_string(window_overlap));
  if (streams < 0) throw UsageError("--streams must be >= 0, got " + std::to_string(streams));
}

std::string InferenceConfig::to_string() const {
  std::ostringstream out;
  out << "batch_tokens=" << batch_tokens << " chunk_sentences=" << chunk_sentences
      << " probabilities=" << probabilities << " window_overlap=" << window_overlap
      << " streams=" << streams << " overlap=" << (overlap ? "true" : "false");
  return out.str();
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
      use_marginals_(model.crf() != nullptr && config_.probabilities == "marginal") {
  config_.validate();
  const int max_pieces = model_.metadata().max_len - 2;
  if (config_.window_overlap == 0) config_.window_overlap = max_pieces / 4;
  if (config_.window_overlap >= max_pieces) {
    throw UsageError("--window-overlap " + std::to_string(config_.window_overlap) +
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

namespace {

// Blocking FIFO of at most `capacity` elements between two threads. close() ends the stream
// (pop drains what is left, then returns false); cancel() ends it at once, dropping the rest.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // False when the queue was closed or cancelled (the value is dropped).
  bool push(T&& value) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(value));
    not_empty_.notify_one();
    return true;
  }

  // False at the end of the stream.
  bool pop(T& value) {
    std::unique_lock<std::mutex> lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return false;
    value = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }

  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  void cancel() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    items_.clear();
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> items_;
  bool closed_ = false;
};

// Reads up to `chunk_size` accepted items into `items`; rejected lines go to `on_rejected` as
// they are read. Returns false when the source is exhausted.
bool read_chunk(const ItemSource& next, const RejectSink& on_rejected, size_t chunk_size,
                std::vector<PoolItem>& items, PipelineCounts& counts) {
  bool more = true;
  PoolItem item;
  while (items.size() < chunk_size && (more = next(item))) {
    ++counts.read;
    if (item.rejected) {
      ++counts.rejected;
      on_rejected(item);
    } else {
      items.push_back(std::move(item));
    }
    item = PoolItem();
  }
  return more;
}

// Reports the items prepare() found without tokens, in pool order.
void reject_untokenized(const PreparedChunk& chunk, const RejectSink& on_rejected, PipelineCounts& counts) {
  for (const PoolItem& item : chunk.items) {
    if (item.rejected) {
      ++counts.rejected;
      on_rejected(item);
    }
  }
}

// The reader's side of a ScoreCache for one run_pipeline call: text keys and lookups, chunk by
// chunk. Without a cache it does nothing and leaves a chunk's `cached` and `text_keys` empty.
class CacheLookup {
 public:
  explicit CacheLookup(ScoreCache* cache) : cache_(cache) {}

  // Prepares `items` (an accepted chunk), with the cached results of those the cache holds.
  PreparedChunk prepare(const Annotator& annotator, std::vector<PoolItem> items, uint64_t first_order,
                        PipelineCounts& counts) {
    if (cache_ == nullptr) return annotator.prepare(std::move(items), first_order);
    std::vector<std::string> keys;
    keys.reserve(items.size());
    std::vector<std::string> wanted;
    std::vector<size_t> wanted_items;
    for (size_t i = 0; i < items.size(); ++i) {
      keys.push_back(ScoreCache::text_key(items[i].text));
      if (!missed_.contains(keys.back())) {
        wanted.push_back(keys.back());
        wanted_items.push_back(i);
      }
    }
    std::vector<std::optional<ScoredSentence>> found = cache_->find(wanted);
    std::vector<std::optional<ScoredSentence>> cached(items.size());
    for (size_t j = 0; j < wanted_items.size(); ++j) cached[wanted_items[j]] = std::move(found[j]);
    for (size_t i = 0; i < items.size(); ++i) {
      if (cached[i]) {
        ++counts.cache_hits;
      } else {
        ++counts.cache_misses;
        missed_.insert(keys[i]);
      }
    }
    PreparedChunk chunk = annotator.prepare(std::move(items), first_order, std::move(cached));
    chunk.text_keys = std::move(keys);
    return chunk;
  }

 private:
  ScoreCache* cache_;
  IdHashSet missed_;  // text keys looked up in vain during this call (see run_pipeline)
};

// The scorer's side: stores the chunk's sentences that went through the model, in one
// transaction, before the sinks take them.
void store_scored(ScoreCache* cache, const PreparedChunk& chunk, const std::vector<ScoredSentence>& results) {
  if (cache == nullptr) return;
  std::vector<std::pair<const std::string*, const ScoredSentence*>> rows;
  rows.reserve(results.size());
  size_t next = 0;  // results hold the items not rejected, in order
  for (size_t i = 0; i < chunk.items.size() && next < results.size(); ++i) {
    if (chunk.items[i].rejected) continue;
    if (!chunk.cached[i]) rows.emplace_back(&chunk.text_keys[i], &results[next]);
    ++next;
  }
  cache->store(rows);
}

PipelineCounts run_in_turn(const ItemSource& source, Annotator& annotator, double trim_threshold,
                           const ScoredSink& on_scored, const RejectSink& on_rejected, ScoreCache* cache) {
  CacheLookup lookup(cache);
  PipelineCounts counts;
  const size_t chunk_size = static_cast<size_t>(annotator.config().chunk_sentences);
  uint64_t next_order = 0;
  bool more = true;
  while (more) {
    std::vector<PoolItem> items;
    more = read_chunk(source, on_rejected, chunk_size, items, counts);
    if (items.empty()) continue;
    PreparedChunk chunk = lookup.prepare(annotator, std::move(items), next_order, counts);
    reject_untokenized(chunk, on_rejected, counts);
    next_order += chunk.scorable();
    annotator.infer(chunk, counts);
    std::vector<ScoredSentence> results = annotator.score(chunk, trim_threshold);
    store_scored(cache, chunk, results);
    counts.scored += results.size();
    for (ScoredSentence& result : results) on_scored(std::move(result));
  }
  return counts;
}

// The first exception of any thread; later ones (usually consequences) are dropped.
class FirstError {
 public:
  void record(std::exception_ptr error) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_) error_ = std::move(error);
  }
  void rethrow_if_any() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mutex_;
  std::exception_ptr error_;
};

// The worker threads of one run: joined whatever way the scope is left. Leaving early (a thread
// could not be started) first cancels the hand-over queues so that no worker waits forever.
class Workers {
 public:
  explicit Workers(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  ~Workers() {
    bool running = false;
    for (std::thread& thread : threads_) running = running || thread.joinable();
    if (running) cancel_();
    join();
  }
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  template <typename Function>
  void start(Function&& function) {
    threads_.emplace_back(std::forward<Function>(function));
  }
  void join() {
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

 private:
  std::function<void()> cancel_;
  std::vector<std::thread> threads_;
};

// The model stage of run_overlapped: `streams` threads (the caller's among them) take the batches
// of the chunks in the stage in order, run them, and hand each chunk on once all its batches are
// done, in pool order. At most kChunksInForward chunks are in the stage at a time.
class ModelStage {
 public:
  static constexpr size_t kChunksInForward = 2;

  ModelStage(Annotator& annotator, BoundedQueue<PreparedChunk>& prepared, BoundedQueue<PreparedChunk>& inferred,
             const std::atomic<bool>& cancelled)
      : annotator_(annotator), prepared_(prepared), inferred_(inferred), cancelled_(cancelled) {}

  // Runs until the prepared chunks are exhausted and handed on, or the run is cancelled.
  void run(PipelineCounts& counts) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!cancelled_.load()) {
      // Hand on finished chunks, in pool order (under the lock, so the order holds).
      while (!chunks_.empty() && chunks_.front()->finished()) {
        PreparedChunk chunk = std::move(chunks_.front()->chunk);
        chunks_.pop_front();
        changed_.notify_all();
        if (!inferred_.push(std::move(chunk))) return;  // cancelled
      }
      // Run the next batch nobody has taken yet.
      InForward* open = nullptr;
      for (const auto& in_forward : chunks_) {
        if (in_forward->next < in_forward->chunk.batches.size()) {
          open = in_forward.get();
          break;
        }
      }
      if (open != nullptr) {
        const size_t batch = open->next++;
        lock.unlock();
        annotator_.infer_batch(open->chunk, batch, counts);  // `open` stays put: chunks_ owns it
        lock.lock();
        if (++open->done == open->chunk.batches.size()) changed_.notify_all();
        continue;
      }
      // Nothing to run: fetch the next chunk when there is room and no other thread is fetching.
      if (!input_done_ && !fetching_ && chunks_.size() < kChunksInForward) {
        fetching_ = true;
        lock.unlock();
        PreparedChunk chunk;
        const bool got = prepared_.pop(chunk);
        lock.lock();
        fetching_ = false;
        if (got) {
          chunks_.push_back(std::make_unique<InForward>(std::move(chunk)));
        } else {
          input_done_ = true;
        }
        changed_.notify_all();
        continue;
      }
      if (input_done_ && chunks_.empty()) return;
      changed_.wait(lock);
    }
  }

  // Wakes every thread of the stage (after `cancelled` was set).
  void wake_all() {
    std::lock_guard<std::mutex> lock(mutex_);
    changed_.notify_all();
  }

 private:
  struct InForward {
    explicit InForward(PreparedChunk&& prepared) : chunk(std::move(prepared)) {}
    bool finished() const { return done == chunk.batches.size(); }
    PreparedChunk chunk;
    size_t next = 0;  // batches taken by a thread
    size_t done = 0;  // batches finished
  };

  Annotator& annotator_;
  BoundedQueue<PreparedChunk>& prepared_;
  BoundedQueue<PreparedChunk>& inferred_;
  const std::atomic<bool>& cancelled_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<InForward>> chunks_;  // in pool order
  bool fetching_ = false;
  bool input_done_ = false;
};

PipelineCounts run_overlapped(const ItemSource& source, Annotator& annotator, double trim_threshold,
                              const ScoredSink& on_scored, const RejectSink& on_rejected, ScoreCache* cache) {
  const size_t chunk_size = static_cast<size_t>(annotator.config().chunk_sentences);
  const size_t streams = static_cast<size_t>(annotator.config().streams);
  // One chunk waits at each hand-over; with the one being read, those in the forward pass and
  // the one being scored, at most 3 + ModelStage::kChunksInForward chunks are alive at a time.
  BoundedQueue<PreparedChunk> prepared(1), inferred(1);
  std::mutex callback_mutex;  // the caller's callbacks never run two at once
  FirstError error;
  std::atomic<bool> cancelled{false};
  ModelStage model_stage(annotator, prepared, inferred, cancelled);
  auto stop_all = [&] {
    error.record(std::current_exception());
    cancelled.store(true);
    prepared.cancel();
    inferred.cancel();
    model_stage.wake_all();
  };
  PipelineCounts reader_counts, scorer_counts;
  std::vector<PipelineCounts> stream_counts(streams);

  Workers workers([&] {
    cancelled.store(true);
    prepared.cancel();
    inferred.cancel();
    model_stage.wake_all();
  });
  workers.start([&] {  // reader: read, tokenize, batch
    try {
      const ItemSource next = [&](PoolItem& item) {
        std::lock_guard<std::mutex> lock(callback_mutex);
        return source(item);
      };
      const RejectSink reject = [&](const PoolItem& item) {
        std::lock_guard<std::mutex> lock(callback_mutex);
        on_rejected(item);
      };
      CacheLookup lookup(cache);  // the reader's connection: this thread only
      uint64_t next_order = 0;
      bool more = true;
      while (more) {
        std::vector<PoolItem> items;
        more = read_chunk(next, reject, chunk_size, items, reader_counts);
        if (items.empty()) continue;
        PreparedChunk chunk = lookup.prepare(annotator, std::move(items), next_order, reader_counts);
        reject_untokenized(chunk, reject, reader_counts);
        next_order += chunk.scorable();
        if (!prepared.push(std::move(chunk))) return;  // cancelled
      }
      prepared.close();
    } catch (...) {
      stop_all();
    }
  });
  workers.start([&] {  // scorer: CRF, entities, measures, sinks
    try {
      PreparedChunk chunk;
      while (inferred.pop(chunk)) {
        std::vector<ScoredSentence> results = annotator.score(chunk, trim_threshold);
        store_scored(cache, chunk, results);  // the writer's connection: this thread only
        scorer_counts.scored += results.size();
        std::lock_guard<std::mutex> lock(callback_mutex);
        for (ScoredSentence& result : results) on_scored(std::move(result));
      }
    } catch (...) {
      stop_all();
    }
  });
  auto model_thread = [&](size_t stream) {
    try {
      model_stage.run(stream_counts[stream]);
    } catch (...) {
      stop_all();
    }
  };
  {
    // Extra forward streams; the caller's thread is stream 0.
    Workers model_workers([&] {
      cancelled.store(true);
      prepared.cancel();
      inferred.cancel();
      model_stage.wake_all();
    });
    for (size_t stream = 1; stream < streams; ++stream) model_workers.start([&, stream] { model_thread(stream); });
    model_thread(0);
    model_workers.join();
  }
  inferred.close();
  workers.join();
  error.rethrow_if_any();

  PipelineCounts counts;
  counts += reader_counts;
  for (const PipelineCounts& stream : stream_counts) counts += stream;
  counts += scorer_counts;
  return counts;
}

}  // namespace

PipelineCounts run_pipeline(const ItemSource& source, Annotator& annotator, double trim_threshold,
                            const ScoredSink& on_scored, const RejectSink& on_rejected, ScoreCache* cache) {
  const auto started = std::chrono::steady_clock::now();
  PipelineCounts counts = annotator.config().overlap
      ? run_overlapped(source, annotator, trim_threshold, on_scored, on_rejected, cache)
      : run_in_turn(source, annotator, trim_threshold, on_scored, on_rejected, cache);
  counts.pipeline_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return counts;
}

}  // namespace alsel
