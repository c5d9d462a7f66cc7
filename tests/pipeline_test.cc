#include "alsel/scoring/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>

#include "alsel/util/errors.h"
#include "alsel/scoring/score_cache.h"
#include "pipeline_test_support.h"
#include "scratch_dir.h"

namespace alsel {
namespace {

using testing::FakeModel;
using testing::source_of;

// A pool with short and long sentences (longer than max_len: several windows), texts without
// tokens (control characters only) and lines the reader rejected.
std::vector<PoolItem> make_pool(size_t n) {
  std::vector<PoolItem> pool;
  for (size_t i = 0; i < n; ++i) {
    PoolItem item;
    item.id = "s" + std::to_string(i);
    item.file = "pool.jsonl";
    item.line = i + 1;
    if (i % 17 == 5) {
      item.rejected = true;
      item.reason = "invalid JSON: fake";
    } else if (i % 23 == 7) {
      item.text = "\x01\x02";
    } else {
      std::string text;
      const size_t words = 1 + (i * 7) % 13 + (i % 11 == 0 ? 30 : 0);
      for (size_t w = 0; w < words; ++w) {
        if (w > 0) text += ' ';
        text += std::string(1 + (i + w) % 4, static_cast<char>('a' + (i * 3 + w * 5) % 26));
      }
      item.text = text;
    }
    pool.push_back(item);
  }
  return pool;
}

// Everything the sinks saw, in the order they saw it, one line per call.
struct Trace {
  std::vector<std::string> scored;
  std::vector<std::string> rejected;
};

std::string describe(const ScoredSentence& s) {
  std::ostringstream out;
  out.precision(17);
  out << s.order << ' ' << s.analysis.id << ' ' << s.text << " |";
  for (int label : s.analysis.best_path) out << ' ' << label;
  out << " | " << s.measures.nlc << ' ' << s.measures.trimmed << ' ' << s.measures.mnlp << ' '
      << s.measures.entropy << ' ' << s.measures.ltp << ' ' << s.analysis.entities.size();
  return out.str();
}

PipelineCounts run(const std::vector<PoolItem>& pool, Annotator& annotator, Trace& trace) {
  return run_pipeline(
      source_of(pool), annotator, 0.99,
      [&](ScoredSentence&& s) { trace.scored.push_back(describe(s)); },
      [&](const PoolItem& item) { trace.rejected.push_back(item.id + ": " + item.reason); });
}

InferenceConfig small_config(bool overlap, int streams = 2) {
  InferenceConfig config;
  config.batch_tokens = 40;
  config.chunk_sentences = 5;
  config.overlap = overlap;
  config.streams = streams;
  return config;
}

class PipelineStreamsTest : public ::testing::TestWithParam<int> {};

TEST_P(PipelineStreamsTest, OverlappedRunGivesTheSameResultsInPoolOrder) {
  const std::vector<PoolItem> pool = make_pool(200);
  FakeModel model(12);
  model.delay = std::chrono::microseconds(100);
  Annotator in_turn(model, small_config(false), nullptr);
  Annotator overlapped(model, small_config(true, GetParam()), nullptr);
  ASSERT_EQ(overlapped.config().streams, GetParam());
  Trace expected, actual;
  const PipelineCounts expected_counts = run(pool, in_turn, expected);
  const PipelineCounts counts = run(pool, overlapped, actual);

  ASSERT_EQ(actual.scored.size(), expected.scored.size());
  for (size_t i = 0; i < expected.scored.size(); ++i) {
    EXPECT_EQ(actual.scored[i], expected.scored[i]) << "scored sentence " << i;
  }
  EXPECT_EQ(actual.rejected, expected.rejected);
  EXPECT_EQ(counts.read, 200u);
  EXPECT_EQ(counts.scored + counts.rejected, 200u);
  EXPECT_EQ(counts.scored, expected_counts.scored);
  EXPECT_EQ(counts.rejected, expected_counts.rejected);
  EXPECT_EQ(counts.windows, expected_counts.windows);
  EXPECT_EQ(counts.batches, expected_counts.batches);
  EXPECT_GT(counts.windows, counts.scored) << "the pool should hold sentences longer than max_len";
  EXPECT_GT(counts.forward_seconds, 0.0);
  EXPECT_GE(counts.pipeline_seconds * GetParam(), counts.forward_seconds);  // summed over streams
  // Orders are consecutive from 0 and ids come in pool order.
  for (size_t i = 0; i < actual.scored.size(); ++i) {
    EXPECT_EQ(actual.scored[i].rfind(std::to_string(i) + " s", 0), 0u) << actual.scored[i];
  }
  EXPECT_LE(model.most_at_once(), GetParam());
  if (GetParam() > 1) {
    EXPECT_GT(model.most_at_once(), 1) << "the streams should overlap";
  }
}

INSTANTIATE_TEST_SUITE_P(Streams, PipelineStreamsTest, ::testing::Values(1, 2, 3),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "Streams" + std::to_string(info.param);
                         });

TEST(PipelineTest, StreamsDefaultToOneOffCpu) {
  FakeModel model(12);  // device "fake"
  InferenceConfig config;
  config.streams = 0;
  Annotator annotator(model, config, nullptr);
  EXPECT_EQ(annotator.config().streams, 1);
  config.streams = -1;
  EXPECT_THROW(config.validate(), UsageError);
}

TEST(PipelineTest, RunMatchesAnnotatingTheWholePoolAtOnce) {
  const std::vector<PoolItem> pool = make_pool(60);
  FakeModel model(12);
  Annotator overlapped(model, small_config(true), nullptr);
  Trace actual;
  run(pool, overlapped, actual);

  // Batches differ with the chunking, but a sentence's emissions do not depend on its batch.
  InferenceConfig whole = small_config(false);
  whole.chunk_sentences = 1000;
  Annotator at_once(model, whole, nullptr);
  std::vector<PoolItem> accepted;
  for (const PoolItem& item : pool) {
    if (!item.rejected) accepted.push_back(item);
  }
  PipelineCounts counts;
  std::vector<ScoredSentence> results = at_once.annotate(accepted, 0, 0.99, counts);
  ASSERT_EQ(results.size(), actual.scored.size());
  for (size_t i = 0; i < results.size(); ++i) EXPECT_EQ(describe(results[i]), actual.scored[i]) << i;
  EXPECT_EQ(std::count_if(accepted.begin(), accepted.end(), [](const PoolItem& item) { return item.rejected; }),
            static_cast<long>(std::count_if(actual.rejected.begin(), actual.rejected.end(), [](const std::string& r) {
              return r.find("no tokens") != std::string::npos;
            })));
}

TEST(PipelineTest, CallbacksNeverRunAtOnceAndMemoryStaysWithinSixChunks) {
  const std::vector<PoolItem> pool = make_pool(300);
  FakeModel model(12);
  model.delay = std::chrono::microseconds(300);
  InferenceConfig config = small_config(true);
  Annotator annotator(model, config, nullptr);
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  size_t read = 0, done = 0, most_ahead = 0;
  auto enter = [&] {
    const int now = ++inside;
    int seen = most_inside.load();
    while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  };
  run_pipeline(
      [&](PoolItem& item) {
        enter();
        const bool more = read < pool.size();
        if (more) item = pool[read++];
        --inside;
        return more;
      },
      annotator, 0.99,
      [&](ScoredSentence&&) {
        enter();
        ++done;
        most_ahead = std::max(most_ahead, read - done);
        --inside;
      },
      [&](const PoolItem&) {
        enter();
        ++done;
        --inside;
      });
  EXPECT_EQ(most_inside.load(), 1);
  EXPECT_EQ(done, pool.size());
  // Read but not yet handed to a sink: the chunk being read, one queued, two in the forward
  // passes, one queued, one being scored.
  EXPECT_LE(most_ahead, 6u * config.chunk_sentences);
  EXPECT_GT(most_ahead, 0u);
}

class PipelineErrorTest : public ::testing::TestWithParam<bool> {};

TEST_P(PipelineErrorTest, SourceErrorReachesTheCaller) {
  const std::vector<PoolItem> pool = make_pool(100);
  FakeModel model(12);
  Annotator annotator(model, small_config(GetParam()), nullptr);
  size_t next = 0;
  EXPECT_THROW(run_pipeline(
                   [&](PoolItem& item) {
                     if (next == 42) throw InputError("pool.jsonl: read error at line 43");
                     item = pool[next++];
                     return true;
                   },
                   annotator, 0.99, [](ScoredSentence&&) {}, [](const PoolItem&) {}),
               InputError);
}

TEST_P(PipelineErrorTest, StrictRejectStopsTheRunBeforeLaterSentencesAreScored) {
  const std::vector<PoolItem> pool = make_pool(400);
  FakeModel model(12);
  model.delay = std::chrono::microseconds(200);
  Annotator annotator(model, small_config(GetParam()), nullptr);
  size_t next = 0;
  size_t scored = 0;
  EXPECT_THROW(run_pipeline(
                   [&](PoolItem& item) {
                     if (next == pool.size()) return false;
                     item = pool[next++];
                     return true;
                   },
                   annotator, 0.99, [&](ScoredSentence&&) { ++scored; },
                   [](const PoolItem& item) { throw InputError(item.file + ": " + item.reason + " (--strict)"); }),
               InputError);
  EXPECT_LT(scored, 20u);   // the first reject is line 6
  EXPECT_LT(next, 100u);    // reading stopped soon after it
}

TEST_P(PipelineErrorTest, SinkErrorReachesTheCaller) {
  const std::vector<PoolItem> pool = make_pool(100);
  FakeModel model(12);
  Annotator annotator(model, small_config(GetParam()), nullptr);
  Trace trace;
  EXPECT_THROW(run_pipeline(
                   source_of(pool), annotator, 0.99,
                   [&](ScoredSentence&& s) {
                     if (s.order == 30) throw OutputError("disk full");
                   },
                   [](const PoolItem&) {}),
               OutputError);
}

TEST_P(PipelineErrorTest, ModelErrorReachesTheCaller) {
  const std::vector<PoolItem> pool = make_pool(100);
  FakeModel model(12);
  model.fail_at_batch = 4;
  Annotator annotator(model, small_config(GetParam()), nullptr);
  Trace trace;
  EXPECT_THROW(run(pool, annotator, trace), ModelError);
}

INSTANTIATE_TEST_SUITE_P(InTurnAndOverlapped, PipelineErrorTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("Overlapped") : std::string("InTurn");
                         });

TEST(PipelineTest, EmptyAndAllRejectedPools) {
  FakeModel model(12);
  for (bool overlap : {false, true}) {
    Annotator annotator(model, small_config(overlap), nullptr);
    Trace trace;
    PipelineCounts counts = run({}, annotator, trace);
    EXPECT_EQ(counts.read, 0u);
    std::vector<PoolItem> bad(12);
    for (size_t i = 0; i < bad.size(); ++i) {
      bad[i].id = "b" + std::to_string(i);
      bad[i].rejected = true;
      bad[i].reason = "text is empty";
    }
    counts = run(bad, annotator, trace);
    EXPECT_EQ(counts.read, 12u);
    EXPECT_EQ(counts.rejected, 12u);
    EXPECT_EQ(counts.scored, 0u);
    EXPECT_EQ(trace.rejected.size(), 12u);
    EXPECT_EQ(trace.rejected.front(), "b0: text is empty");
    EXPECT_EQ(trace.rejected.back(), "b11: text is empty");
  }
}

TEST(PipelineTest, PreparedBatchesRespectTheBudgetAndAreLengthSorted) {
  const std::vector<PoolItem> pool = make_pool(80);
  FakeModel model(12);
  Annotator annotator(model, small_config(false), nullptr);
  std::vector<PoolItem> accepted;
  for (const PoolItem& item : pool) {
    if (!item.rejected) accepted.push_back(item);
  }
  PreparedChunk chunk = annotator.prepare(accepted, 0);
  size_t sequences = 0, last_length = 0;
  for (const ForwardBatch& batch : chunk.batches) {
    ASSERT_EQ(batch.rows.size(), batch.sequences.size());
    EXPECT_TRUE(batch.padded_tokens() <= 40u || batch.sequences.size() == 1u) << batch.padded_tokens();
    for (const auto& sequence : batch.sequences) {
      EXPECT_GE(sequence.size(), last_length);
      EXPECT_LE(sequence.size(), 12u);
      last_length = sequence.size();
      ++sequences;
    }
  }
  size_t windows = 0;
  for (const PreparedSentence& sentence : chunk.sentences) windows += sentence.windows.size();
  EXPECT_EQ(sequences, windows);
}


TEST_P(PipelineErrorTest, NonFiniteEmissionsAreAModelErrorNamingTheSentence) {
  std::vector<PoolItem> pool = make_pool(60);
  FakeModel model(12);
  model.nan_token = model.vocabulary()->id("q");
  ASSERT_GE(model.nan_token, 0);
  PoolItem poisoned;
  poisoned.id = "poisoned";
  poisoned.file = "pool.jsonl";
  poisoned.line = 61;
  poisoned.text = "abc q de";
  pool.push_back(poisoned);
  for (PoolItem& item : pool) {  // only the poisoned sentence holds the word "q"
    if (item.id != "poisoned") std::replace(item.text.begin(), item.text.end(), 'q', 'r');
  }
  Annotator annotator(model, small_config(GetParam()), nullptr);
  Trace trace;
  try {
    run(pool, annotator, trace);
    FAIL() << "NaN emissions were scored";
  } catch (const ModelError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("pool.jsonl:61: id poisoned"), std::string::npos) << message;
    EXPECT_NE(message.find("nan"), std::string::npos) << message;
  }
}

TEST(PipelineTest, CachedRowThatDoesNotFitItsTextIsAnInputError) {
  testing::ScratchDir dir;
  FakeModel model(12);
  InferenceConfig config = small_config(false);
  Annotator annotator(model, config, nullptr);
  ScoreCache cache(dir.file("c.sqlite"), make_cache_key(model, std::string(64, 'a'), annotator.config()));
  // Score a long text, then store its row under the key of a short one (a hand-edited cache
  // whose rows still pass their checksum).
  std::vector<PoolItem> long_pool(1);
  long_pool[0].id = "long";
  long_pool[0].file = "pool.jsonl";
  long_pool[0].line = 1;
  long_pool[0].text = "abc def ghi jkl";
  std::vector<ScoredSentence> scored;
  run_pipeline(source_of(long_pool), annotator, 0.99, [&](ScoredSentence&& s) { scored.push_back(std::move(s)); },
               [](const PoolItem&) {});
  ASSERT_EQ(scored.size(), 1u);
  ASSERT_EQ(scored[0].word_spans.size(), 4u);
  const std::string short_key = ScoreCache::text_key("ab");
  cache.store({{&short_key, &scored[0]}});
  std::vector<PoolItem> short_pool = long_pool;
  short_pool[0].id = "short";
  short_pool[0].line = 7;
  short_pool[0].text = "ab";
  try {
    run_pipeline(source_of(short_pool), annotator, 0.99, [](ScoredSentence&&) {}, [](const PoolItem&) {},
                 &cache);
    FAIL() << "a cached row of another text was used";
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("pool.jsonl:7: id short"), std::string::npos) << message;
    EXPECT_NE(message.find("cache"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace alsel

namespace alsel {
namespace {

// The fake model scores a token by its id and position only, so "ab ж cd" and "ab 😀 cd" get the
// same emissions (ж and 😀 are both [UNK]): the letter may be tagged, the emoji never is.
TEST(PipelineTest, SymbolWordsAreDecodedAndScoredAsOutside) {
  testing::FakeModel model(64, /*amplitude=*/6.0);
  InferenceConfig config = small_config(false);
  config.batch_tokens = 4096;
  Annotator annotator(model, config, nullptr);
  std::vector<PoolItem> letters, symbols;
  for (int position = 0; position < 8; ++position) {
    std::string prefix;
    for (int w = 0; w < position; ++w) prefix += std::string(1, static_cast<char>('a' + w)) + " ";
    PoolItem item;
    item.id = "p" + std::to_string(position);
    item.file = "pool.jsonl";
    item.line = static_cast<size_t>(position) + 1;
    item.text = prefix + "\xD0\xB6 z";  // ж
    letters.push_back(item);
    item.text = prefix + "\xF0\x9F\x98\x80 z";  // 😀
    symbols.push_back(item);
  }
  PipelineCounts counts;
  const std::vector<ScoredSentence> tagged = annotator.annotate(letters, 0, 0.99, counts);
  const std::vector<ScoredSentence> constrained = annotator.annotate(symbols, 0, 0.99, counts);
  ASSERT_EQ(tagged.size(), 8u);
  ASSERT_EQ(constrained.size(), 8u);
  int letter_entities = 0;
  for (int p = 0; p < 8; ++p) {
    const SentenceAnalysis& letter = tagged[p].analysis;
    const SentenceAnalysis& symbol = constrained[p].analysis;
    ASSERT_EQ(letter.num_words, p + 2);
    ASSERT_EQ(symbol.num_words, p + 2);
    letter_entities += letter.best_path[p] != 0;
    EXPECT_EQ(symbol.best_path[p], 0) << "position " << p;
    EXPECT_GT(symbol.probabilities[static_cast<size_t>(p) * 3], 0.999999) << "position " << p;
    for (const EntitySpan& entity : symbol.entities) {
      EXPECT_EQ(entity.text.find("\xF0\x9F\x98\x80"), std::string::npos) << entity.text;
    }
  }
  // Without the constraint the same emissions tag the unknown word somewhere.
  EXPECT_GT(letter_entities, 0);
}

}  // namespace
}  // namespace alsel
