#include "alsel/scoring/pipeline.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "alsel/util/errors.h"
#include "alsel/util/id_set.h"
#include "alsel/scoring/score_cache.h"

namespace alsel {

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

// The pool a chunk at a time, prepared for the model: read (rejects reported), cache lookups,
// tokenized (untokenizable sentences rejected), numbered in pool order. One per reading thread.
class ChunkReader {
 public:
  ChunkReader(const ItemSource& source, const RejectSink& reject, const Annotator& annotator, ScoreCache* cache,
              PipelineCounts& counts)
      : source_(source),
        reject_(reject),
        annotator_(annotator),
        lookup_(cache),
        counts_(counts),
        chunk_size_(static_cast<size_t>(annotator.config().chunk_sentences)) {}

  // The next chunk that holds an accepted sentence; false once the pool is exhausted.
  bool next(PreparedChunk& chunk) {
    while (more_) {
      std::vector<PoolItem> items;
      more_ = read_chunk(source_, reject_, chunk_size_, items, counts_);
      if (items.empty()) continue;
      chunk = lookup_.prepare(annotator_, std::move(items), next_order_, counts_);
      reject_untokenized(chunk, reject_, counts_);
      next_order_ += chunk.scorable();
      return true;
    }
    return false;
  }

 private:
  const ItemSource& source_;
  const RejectSink& reject_;
  const Annotator& annotator_;
  CacheLookup lookup_;
  PipelineCounts& counts_;
  const size_t chunk_size_;
  uint64_t next_order_ = 0;
  bool more_ = true;
};

PipelineCounts run_in_turn(const ItemSource& source, Annotator& annotator, double trim_threshold,
                           const ScoredSink& on_scored, const RejectSink& on_rejected, ScoreCache* cache) {
  PipelineCounts counts;
  ChunkReader reader(source, on_rejected, annotator, cache, counts);
  PreparedChunk chunk;
  while (reader.next(chunk)) {
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
      ChunkReader reader(next, reject, annotator, cache, reader_counts);  // the cache connection: this thread only
      PreparedChunk chunk;
      while (reader.next(chunk)) {
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
