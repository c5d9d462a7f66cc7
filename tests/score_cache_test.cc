#include "alsel/scoring/score_cache.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <sstream>
#include <unordered_set>

#include "alsel/util/errors.h"
#include "pipeline_test_support.h"
#include "scratch_dir.h"

namespace alsel {
namespace {

using testing::FakeModel;
using testing::ScratchDir;
using testing::source_of;

CacheKey test_key(const std::string& model_sha256 = std::string(64, 'a')) {
  CacheKey key;
  key.model_sha256 = model_sha256;
  key.labels = {"O", "B-PER", "I-PER"};
  key.vocabulary_sha256 = std::string(64, 'b');
  key.max_len = 24;
  key.crf = true;
  key.probabilities = "marginal";
  key.window_overlap = 5;
  key.alsel_version = "test";
  return key;
}

// A scored sentence with values that only survive a bit-exact round trip: thirds, a subnormal,
// a value next to 1, multi-byte UTF-8 in the entities.
ScoredSentence sample_sentence() {
  ScoredSentence s;
  SentenceAnalysis& a = s.analysis;
  a.num_words = 3;
  a.num_labels = 3;
  a.probabilities = {1.0 / 3,
                     1.0 / 3,
                     1.0 / 3,
                     std::nextafter(1.0, 0.0),
                     std::numeric_limits<double>::denorm_min(),
                     0.0,
                     0.1,
                     0.7,
                     0.2};
  a.best_path = {0, 0, 1};
  a.entities = {EntitySpan{4, 6, "PER", "张伟", 0.7}};
  s.word_spans = {{0, 2}, {2, 4}, {4, 6}};
  s.measures.nlc = 0.6777777777777777;
  s.measures.mnlp = -0.5;
  s.measures.entropy = std::nextafter(0.8, 1.0);
  s.measures.ltp = 1.0 / 3;
  return s;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Runs SQL on the cache file through a connection of the test's own.
void exec_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

// Flips the lowest bit of byte `index` of the first stored result, behind the cache's back.
void flip_bit_of_first_row(const std::string& path, size_t index) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* read = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT rowid, result FROM scores LIMIT 1", -1, &read, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(read), SQLITE_ROW);
  const sqlite3_int64 rowid = sqlite3_column_int64(read, 0);
  std::string result(static_cast<const char*>(sqlite3_column_blob(read, 1)),
                     static_cast<size_t>(sqlite3_column_bytes(read, 1)));
  sqlite3_finalize(read);
  ASSERT_LT(index, result.size());
  result[index] = static_cast<char>(result[index] ^ 1);
  sqlite3_stmt* write = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(db, "UPDATE scores SET result = ?1 WHERE rowid = ?2", -1, &write, nullptr),
      SQLITE_OK);
  sqlite3_bind_blob(write, 1, result.data(), static_cast<int>(result.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(write, 2, rowid);
  EXPECT_EQ(sqlite3_step(write), SQLITE_DONE);
  sqlite3_finalize(write);
  sqlite3_close(db);
}

// The message of the InputError `open` throws; fails the test when it throws nothing or another
// type.
template <typename Function>
std::string input_error_of(Function open) {
  try {
    open();
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected an InputError, got: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected an InputError, nothing was thrown";
  return "";
}

TEST(ScoreCacheTest, RoundTripKeepsEveryStoredFieldBitForBit) {
  ScratchDir dir;
  const std::string key = ScoreCache::text_key("张伟在北京");
  ASSERT_EQ(key.size(), 32u);
  const ScoredSentence stored = sample_sentence();
  {
    ScoreCache cache(dir.file("c.sqlite"), test_key());
    EXPECT_EQ(cache.rows_at_open(), 0u);
    cache.store({{&key, &stored}});
    EXPECT_EQ(cache.rows_stored(), 1u);
  }
  ScoreCache cache(dir.file("c.sqlite"), test_key());
  EXPECT_EQ(cache.rows_at_open(), 1u);
  const std::string other = ScoreCache::text_key("张伟在北京 ");
  const auto found = cache.find({other, key});
  ASSERT_EQ(found.size(), 2u);
  EXPECT_FALSE(found[0].has_value()) << "a text differing by one space must not hit";
  ASSERT_TRUE(found[1].has_value());
  const ScoredSentence& s = *found[1];
  EXPECT_EQ(s.analysis.num_words, 3);
  EXPECT_EQ(s.analysis.num_labels, 3);
  ASSERT_EQ(s.analysis.probabilities.size(), stored.analysis.probabilities.size());
  for (size_t i = 0; i < s.analysis.probabilities.size(); ++i) {
    EXPECT_TRUE(same_bits(s.analysis.probabilities[i], stored.analysis.probabilities[i]))
        << "probability " << i;
  }
  EXPECT_EQ(s.analysis.best_path, stored.analysis.best_path);
  EXPECT_EQ(s.word_spans, stored.word_spans);
  ASSERT_EQ(s.analysis.entities.size(), 1u);
  EXPECT_EQ(s.analysis.entities[0].start, 4);
  EXPECT_EQ(s.analysis.entities[0].end, 6);
  EXPECT_EQ(s.analysis.entities[0].label, "PER");
  EXPECT_EQ(s.analysis.entities[0].text, "张伟");
  EXPECT_TRUE(same_bits(s.analysis.entities[0].confidence, 0.7));
  EXPECT_TRUE(same_bits(s.measures.nlc, stored.measures.nlc));
  EXPECT_TRUE(same_bits(s.measures.mnlp, stored.measures.mnlp));
  EXPECT_TRUE(same_bits(s.measures.entropy, stored.measures.entropy));
  EXPECT_TRUE(same_bits(s.measures.ltp, stored.measures.ltp));
}

TEST(ScoreCacheTest, StoringATextTwiceKeepsTheFirstRow) {
  ScratchDir dir;
  ScoreCache cache(dir.file("c.sqlite"), test_key());
  const std::string key = ScoreCache::text_key("abc");
  ScoredSentence first = sample_sentence();
  ScoredSentence second = sample_sentence();
  second.measures.nlc = 0.5;
  cache.store({{&key, &first}});
  cache.store({{&key, &second}});
  EXPECT_EQ(cache.rows_stored(), 1u);
  EXPECT_EQ(cache.find({key})[0]->measures.nlc, first.measures.nlc);
}

TEST(ScoreCacheTest, AnotherKeyNeverSeesTheRowsOfTheFirst) {
  ScratchDir dir;
  const std::string text = ScoreCache::text_key("abc");
  const ScoredSentence stored = sample_sentence();
  ScoreCache(dir.file("c.sqlite"), test_key()).store({{&text, &stored}});
  CacheKey changed = test_key(std::string(64, 'c'));  // another model file
  ScoreCache other(dir.file("c.sqlite"), changed);
  EXPECT_EQ(other.rows_at_open(), 0u);
  EXPECT_FALSE(other.find({text})[0].has_value());
  ScoreCache same(dir.file("c.sqlite"), test_key());
  EXPECT_TRUE(same.find({text})[0].has_value());
}

TEST(CacheKeyTest, EveryFieldChangesTheDigest) {
  const std::string base = test_key().digest();
  std::vector<std::pair<std::string, CacheKey>> changed;
  auto add = [&](const std::string& name, auto change) {
    CacheKey key = test_key();
    change(key);
    changed.emplace_back(name, key);
  };
  add("model", [](CacheKey& k) { k.model_sha256[0] = 'f'; });
  add("labels", [](CacheKey& k) { k.labels[1] = "B-LOC"; });
  add("label order", [](CacheKey& k) { std::swap(k.labels[1], k.labels[2]); });
  add("vocabulary", [](CacheKey& k) { k.vocabulary_sha256[0] = 'f'; });
  add("lower case", [](CacheKey& k) { k.tokenizer.do_lower_case = false; });
  add("full width", [](CacheKey& k) { k.tokenizer.fold_fullwidth = false; });
  add("max_len", [](CacheKey& k) { k.max_len = 25; });
  add("crf", [](CacheKey& k) { k.crf = false; });
  add("probabilities", [](CacheKey& k) { k.probabilities = "softmax"; });
  add("window overlap", [](CacheKey& k) { k.window_overlap = 6; });
  add("version", [](CacheKey& k) { k.alsel_version = "test2"; });
  for (const auto& [name, key] : changed) EXPECT_NE(key.digest(), base) << name;
  EXPECT_EQ(test_key().digest(), base);
}

TEST(ScoreCacheTest, TextFileIsNotADatabase) {
  ScratchDir dir;
  const std::string path = dir.write("notes.sqlite", "these are my notes, not a database\n");
  const std::string message = input_error_of([&] { ScoreCache cache(path, test_key()); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("not an SQLite database"), std::string::npos) << message;
}

TEST(ScoreCacheTest, TruncatedDatabaseIsCorrupt) {
  ScratchDir dir;
  const std::string path = dir.file("c.sqlite");
  {
    ScoreCache cache(path, test_key());
    std::vector<std::string> keys;
    const ScoredSentence stored = sample_sentence();
    for (int i = 0; i < 400; ++i) keys.push_back(ScoreCache::text_key("text " + std::to_string(i)));
    std::vector<std::pair<const std::string*, const ScoredSentence*>> rows;
    for (const std::string& key : keys) rows.emplace_back(&key, &stored);
    cache.store(rows);
  }
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 8192u);
  std::filesystem::resize_file(path, size / 2);
  const std::string message = input_error_of([&] {
    ScoreCache cache(path, test_key());
    std::vector<std::string> keys;
    for (int i = 0; i < 400; ++i) keys.push_back(ScoreCache::text_key("text " + std::to_string(i)));
    cache.find(keys);
  });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("corrupt"), std::string::npos) << message;
}

TEST(ScoreCacheTest, DamagedRowIsAnErrorNotAResult) {
  ScratchDir dir;
  const std::string path = dir.file("c.sqlite");
  const std::string key = ScoreCache::text_key("abc");
  const ScoredSentence stored = sample_sentence();
  ScoreCache(path, test_key()).store({{&key, &stored}});
  // Flip the lowest bit of the first probability (byte 41 of the row: after the format byte,
  // W, L and the four measures): still a valid probability, so only the checksum can tell.
  flip_bit_of_first_row(path, 41);
  ScoreCache cache(path, test_key());
  const std::string message = input_error_of([&] { cache.find({key}); });
  EXPECT_NE(message.find("corrupt"), std::string::npos) << message;
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

TEST(ScoreCacheTest, NewerSchemaIsRefused) {
  ScratchDir dir;
  const std::string path = dir.file("c.sqlite");
  { ScoreCache cache(path, test_key()); }
  exec_sql(path, "UPDATE alsel_cache SET value = '2' WHERE name = 'schema_version'");
  const std::string message = input_error_of([&] { ScoreCache cache(path, test_key()); });
  EXPECT_NE(message.find("schema version 2"), std::string::npos) << message;
  EXPECT_NE(message.find("reads version 1"), std::string::npos) << message;
}

TEST(ScoreCacheTest, DatabaseOfAnotherApplicationIsRefused) {
  ScratchDir dir;
  const std::string path = dir.file("other.sqlite");
  exec_sql(path, "CREATE TABLE invoices(id INTEGER PRIMARY KEY, amount REAL)");
  const std::string message = input_error_of([&] { ScoreCache cache(path, test_key()); });
  EXPECT_NE(message.find("not an alsel score cache"), std::string::npos) << message;
  // Nothing of ours was added to it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &statement, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(statement, 0), 1);
  sqlite3_finalize(statement);
  sqlite3_close(db);
}

// Holds an exclusive write transaction on `path` while alive.
class WriteLock {
 public:
  explicit WriteLock(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  ~WriteLock() {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
  }

 private:
  sqlite3* db_ = nullptr;
};

TEST(ScoreCacheTest, LockedCacheFailsAfterTheBusyTimeout) {
  ScratchDir dir;
  const std::string path = dir.file("c.sqlite");
  { ScoreCache cache(path, test_key()); }
  ScoreCacheOptions options;
  options.busy_timeout_ms = 200;
  {
    WriteLock lock(path);
    const std::string message =
        input_error_of([&] { ScoreCache cache(path, test_key(), options); });
    EXPECT_NE(message.find("locked"), std::string::npos) << message;
    EXPECT_NE(message.find(path), std::string::npos) << message;
  }
  // Once the lock is gone the same cache opens.
  EXPECT_NO_THROW(ScoreCache(path, test_key(), options));
}

TEST(ScoreCacheTest, StoreWhileLockedFailsAndStoresNothing) {
  ScratchDir dir;
  const std::string path = dir.file("c.sqlite");
  ScoreCacheOptions options;
  options.busy_timeout_ms = 200;
  ScoreCache cache(path, test_key(), options);
  const std::string a = ScoreCache::text_key("a"), b = ScoreCache::text_key("b");
  const ScoredSentence stored = sample_sentence();
  {
    WriteLock lock(path);
    const std::string message = input_error_of([&] {
      cache.store({{&a, &stored}, {&b, &stored}});
    });
    EXPECT_NE(message.find("locked"), std::string::npos) << message;
    // Readers are not blocked by the writer (WAL).
    EXPECT_NO_THROW(cache.find({a}));
  }
  EXPECT_EQ(cache.rows_stored(), 0u);
  const auto found = cache.find({a, b});
  EXPECT_FALSE(found[0].has_value());
  EXPECT_FALSE(found[1].has_value());
  cache.store({{&a, &stored}});  // and the cache still works
  EXPECT_TRUE(cache.find({a})[0].has_value());
}

// ---- run_pipeline with a cache

// The model of these tests is testing::FakeModel(12, 2.0): max_len 12, emissions of amplitude 2.
// Its emissions do not depend on the batch, so cached and uncached runs must agree bit for bit.

// Pool items "s<i>": texts of 1-20 short words (some longer than max_len: several windows), a
// text without tokens every 19th item; `salt` changes every text.
std::vector<PoolItem> make_items(size_t first, size_t count, const std::string& salt = "") {
  std::vector<PoolItem> items;
  for (size_t i = first; i < first + count; ++i) {
    PoolItem item;
    item.id = "s" + std::to_string(i);
    item.file = "pool.jsonl";
    item.line = i + 1;
    if (i % 19 == 4) {
      item.text = "\x01";
    } else {
      const size_t words = 1 + (i * 7) % 20;
      for (size_t w = 0; w < words; ++w) {
        item.text += (w > 0 ? " " : "") +
                     std::string(1 + (i + w) % 3, static_cast<char>('a' + (i * 3 + w * 5) % 26));
      }
      item.text += salt;
    }
    items.push_back(item);
  }
  return items;
}

// Every field a writer or the report reads, printed exactly.
std::string describe(const ScoredSentence& s) {
  std::ostringstream out;
  out.precision(17);
  out << s.order << ' ' << s.analysis.id << ' ' << s.text << ' ' << s.file << ':' << s.line << " |";
  for (double p : s.analysis.probabilities) out << ' ' << p;
  out << " |";
  for (int label : s.analysis.best_path) out << ' ' << label;
  out << " |";
  for (const auto& [start, end] : s.word_spans) out << ' ' << start << '-' << end;
  out << " |";
  for (const EntitySpan& e : s.analysis.entities) {
    out << ' ' << e.start << '-' << e.end << ' ' << e.label << ' ' << e.text << ' ' << e.confidence;
  }
  out << " | " << s.measures.nlc << ' ' << s.measures.trimmed << ' ' << s.measures.mnlp << ' '
      << s.measures.entropy << ' ' << s.measures.ltp << ' ' << s.measures.unknown_entities << ' '
      << s.analysis.unknown_entities;
  return out.str();
}

struct RunTrace {
  std::vector<std::string> scored;
  std::vector<std::string> rejected;
  PipelineCounts counts;
};

RunTrace run(const std::vector<PoolItem>& pool, Annotator& annotator, ScoreCache* cache,
             double trim = 0.99) {
  RunTrace result;
  result.counts = run_pipeline(
      source_of(pool), annotator, trim,
      [&](ScoredSentence&& s) { result.scored.push_back(describe(s)); },
      [&](const PoolItem& item) { result.rejected.push_back(item.id); }, cache);
  return result;
}

InferenceConfig small_config(bool overlap) {
  InferenceConfig config;
  config.batch_tokens = 40;
  config.chunk_sentences = 7;
  config.overlap = overlap;
  config.streams = 2;
  return config;
}

class PipelineCacheTest : public ::testing::TestWithParam<bool> {};

TEST_P(PipelineCacheTest, GrownPoolRunsTheModelOnlyOnNewTextsAndGivesTheSameResults) {
  ScratchDir dir;
  FakeModel model(12, 2.0);
  const std::unordered_set<std::string> known = {"aa", "ccc"};
  Annotator annotator(model, small_config(GetParam()), &known);
  const CacheKey key = make_cache_key(model, std::string(64, 'a'), annotator.config());
  const std::vector<PoolItem> pool = make_items(0, 60);
  std::vector<PoolItem> grown = pool;
  for (const PoolItem& item : make_items(60, 6))
    grown.insert(grown.begin() + 25, item);  // new texts inside

  const RunTrace uncached = run(grown, annotator, nullptr);
  const size_t without_cache = model.sequences();
  ScoreCache cache(dir.file("c.sqlite"), key);
  const RunTrace fill = run(pool, annotator, &cache);
  EXPECT_EQ(fill.counts.cache_hits, 0u);
  EXPECT_EQ(fill.counts.cache_misses, 60u);
  const size_t texts_without_tokens = fill.rejected.size();
  ASSERT_GT(texts_without_tokens, 0u);
  EXPECT_EQ(cache.rows_stored(), 60u - texts_without_tokens)
      << "texts without tokens are not stored";

  const size_t before = model.sequences();
  const RunTrace rerun = run(grown, annotator, &cache);
  EXPECT_EQ(rerun.counts.cache_hits, 60u - texts_without_tokens);
  EXPECT_EQ(rerun.counts.cache_misses, 6u + texts_without_tokens);
  EXPECT_EQ(rerun.counts.scored, uncached.counts.scored);
  // Only the new texts reached the model (each needs at least one window)...
  const size_t new_sequences = model.sequences() - before;
  EXPECT_GE(new_sequences, 6u - 1);  // one of the six may have no tokens
  EXPECT_LT(new_sequences, without_cache / 4);
  // ...and the results, in pool order, are those of the uncached run.
  ASSERT_EQ(rerun.scored.size(), uncached.scored.size());
  for (size_t i = 0; i < uncached.scored.size(); ++i)
    EXPECT_EQ(rerun.scored[i], uncached.scored[i]) << i;
  EXPECT_EQ(rerun.rejected, uncached.rejected);

  // Everything is cached now: no forward pass at all.
  const size_t after = model.sequences();
  const RunTrace third = run(grown, annotator, &cache);
  EXPECT_EQ(model.sequences(), after);
  EXPECT_EQ(third.scored, uncached.scored);
}

TEST_P(PipelineCacheTest, OptionDependentMeasuresFollowTheRunNotTheCache) {
  ScratchDir dir;
  FakeModel model(12, 2.0);
  const std::vector<PoolItem> pool = make_items(0, 40);
  Annotator no_known(model, small_config(GetParam()), nullptr);
  ScoreCache cache(dir.file("c.sqlite"),
                   make_cache_key(model, std::string(64, 'a'), no_known.config()));
  run(pool, no_known, &cache, 0.99);  // fills the cache without known entities, threshold 0.99

  const std::unordered_set<std::string> known = {"a", "bb", "ccc", "d"};
  Annotator with_known(model, small_config(GetParam()), &known);
  const RunTrace expected = run(pool, with_known, nullptr, 0.6);
  const RunTrace cached = run(pool, with_known, &cache, 0.6);
  EXPECT_EQ(cached.counts.cache_misses, cached.rejected.size());
  ASSERT_EQ(cached.scored.size(), expected.scored.size());
  for (size_t i = 0; i < expected.scored.size(); ++i)
    EXPECT_EQ(cached.scored[i], expected.scored[i]) << i;
}

TEST_P(PipelineCacheTest, TextRepeatedInOneRunIsScoredAgainNotTakenFromThisRun) {
  ScratchDir dir;
  FakeModel model(12, 2.0);
  Annotator annotator(model, small_config(GetParam()), nullptr);
  ScoreCache cache(dir.file("c.sqlite"),
                   make_cache_key(model, std::string(64, 'a'), annotator.config()));
  std::vector<PoolItem> pool = make_items(0, 30);
  std::vector<PoolItem> again = make_items(0, 30);
  for (PoolItem& item : again) item.id += "-again";
  pool.insert(pool.end(), again.begin(), again.end());
  const RunTrace first = run(pool, annotator, &cache);
  EXPECT_EQ(first.counts.cache_hits, 0u) << "hits must not depend on how far the scorer got";
  EXPECT_EQ(first.counts.cache_misses, 60u);
  const RunTrace second = run(pool, annotator, &cache);
  EXPECT_EQ(second.counts.cache_hits, 60u - second.rejected.size());
}

INSTANTIATE_TEST_SUITE_P(InTurnAndOverlapped, PipelineCacheTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Overlapped" : "InTurn";
                         });

TEST(ScoreCacheTest, KeyOfARunFollowsProbabilitiesAndOverlap) {
  FakeModel model(12, 2.0);
  InferenceConfig config = small_config(false);
  const CacheKey marginal =
      make_cache_key(model, std::string(64, 'a'), Annotator(model, config, nullptr).config());
  EXPECT_EQ(marginal.probabilities, "marginal");
  EXPECT_EQ(marginal.window_overlap, (12 - 2) / 4) << "the resolved overlap, never 0";
  EXPECT_EQ(marginal.labels, model.metadata().labels);
  EXPECT_EQ(marginal.vocabulary_sha256.size(), 64u);
  config.probabilities = ProbabilityMode::kSoftmax;
  const CacheKey softmax =
      make_cache_key(model, std::string(64, 'a'), Annotator(model, config, nullptr).config());
  EXPECT_NE(softmax.digest(), marginal.digest());
  config.probabilities = ProbabilityMode::kMarginal;
  config.window_overlap = 3;
  const CacheKey overlap =
      make_cache_key(model, std::string(64, 'a'), Annotator(model, config, nullptr).config());
  EXPECT_NE(overlap.digest(), marginal.digest());
}

}  // namespace
}  // namespace alsel
