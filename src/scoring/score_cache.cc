#include "alsel/scoring/score_cache.h"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <limits>
#include <nlohmann/json.hpp>

#include "alsel/model/entity_constraint.h"
#include "alsel/util/errors.h"
#include "alsel/util/id_set.h"
#include "alsel/util/manifest.h"
#include "alsel/util/sha256.h"
#include "alsel/util/settings.h"

namespace alsel {
namespace {

// PRAGMA application_id of alsel caches: "alse" in ASCII. Tells an alsel cache from any other
// SQLite file before a single table is read.
constexpr int kApplicationId = 0x616c7365;
// First byte of every stored result: its binary layout (encode_result_row).
constexpr uint8_t kResultFormat = 1;

// RAII for the two SQLite handles. sqlite3_close_v2 defers the close until the last statement
// is finalized, so the order in which they go does not matter.
struct DatabaseCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};
using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseCloser>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// "5 s", "0.25 s".
std::string format_seconds(int milliseconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g s", milliseconds / 1000.0);
  return buffer;
}

std::string hex_prefix(const std::string& bytes, size_t count) {
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < bytes.size() && i < count; ++i) {
    hex += kHex[static_cast<uint8_t>(bytes[i]) >> 4];
    hex += kHex[static_cast<uint8_t>(bytes[i]) & 0xF];
  }
  return hex;
}

// Little-endian writer and bounds-checked reader of the result blobs.
class ByteWriter {
 public:
  void u8(uint8_t value) { bytes_.push_back(static_cast<char>(value)); }
  void u32(uint32_t value) {
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
  void i32(int value) { u32(static_cast<uint32_t>(value)); }
  void u64(uint64_t value) {
    for (int i = 0; i < 8; ++i) bytes_.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
  void f64(double value) {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    u64(bits);
  }
  void str(const std::string& value) {
    u32(static_cast<uint32_t>(value.size()));
    bytes_.append(value);
  }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  size_t remaining() const { return size_ - offset_; }
  uint8_t u8() {
    need(1);
    return data_[offset_++];
  }
  uint32_t u32() {
    need(4);
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value |= static_cast<uint32_t>(data_[offset_ + i]) << (8 * i);
    offset_ += 4;
    return value;
  }
  int i32() { return static_cast<int>(u32()); }
  uint64_t u64() {
    need(8);
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value |= static_cast<uint64_t>(data_[offset_ + i]) << (8 * i);
    offset_ += 8;
    return value;
  }
  double f64() {
    const uint64_t bits = u64();
    double value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }
  std::string str() {
    const uint32_t size = u32();
    need(size);
    std::string value(reinterpret_cast<const char*>(data_ + offset_), size);
    offset_ += size;
    return value;
  }
  // Throws unless `count` items of `item_size` bytes remain (guards the size fields).
  void need_items(uint64_t count, size_t item_size) const {
    if (count > remaining() / item_size) throw std::length_error("sizes exceed the row");
  }

 private:
  void need(size_t bytes) const {
    if (bytes > remaining()) throw std::length_error("row ends early");
  }
  const uint8_t* data_;
  size_t size_;
  size_t offset_ = 0;
};

// Layout (little-endian): u8 format, u32 W, u32 L, f64 nlc mnlp entropy ltp, f64 probabilities
// [W*L], i32 best_path [W], i32 word spans [2W], u32 E, E x (i32 start, i32 end, f64
// confidence, str label, str text), u64 checksum (hash_id of everything before it). str = u32
// length + UTF-8 bytes.
std::string encode_result_row(const ScoredSentence& sentence) {
  const SentenceAnalysis& analysis = sentence.analysis;
  ByteWriter out;
  out.u8(kResultFormat);
  out.u32(static_cast<uint32_t>(analysis.num_words));
  out.u32(static_cast<uint32_t>(analysis.num_labels));
  for (double value : {sentence.measures.nlc, sentence.measures.mnlp, sentence.measures.entropy,
                       sentence.measures.ltp}) {
    out.f64(value);
  }
  for (double p : analysis.probabilities) out.f64(p);
  for (int label : analysis.best_path) out.i32(label);
  for (const auto& [start, end] : sentence.word_spans) {
    out.i32(start);
    out.i32(end);
  }
  out.u32(static_cast<uint32_t>(analysis.entities.size()));
  for (const EntitySpan& entity : analysis.entities) {
    out.i32(entity.start);
    out.i32(entity.end);
    out.f64(entity.confidence);
    out.str(entity.label);
    out.str(entity.text);
  }
  out.u64(hash_id(out.bytes()));
  return std::move(out.bytes());
}

// Throws std::runtime_error saying what is wrong; the caller adds the file and the row.
ScoredSentence decode_result_row(const uint8_t* data, size_t size, int num_labels) {
  if (size < 9) throw std::length_error("row too short");
  ByteReader checksum_reader(data + size - 8, 8);
  if (checksum_reader.u64() !=
      hash_id(std::string_view(reinterpret_cast<const char*>(data), size - 8))) {
    throw std::runtime_error("checksum mismatch");
  }
  ByteReader in(data, size - 8);
  const uint8_t format = in.u8();
  if (format != kResultFormat)
    throw std::runtime_error("unknown row format " + std::to_string(format));
  ScoredSentence sentence;
  SentenceAnalysis& analysis = sentence.analysis;
  const uint32_t words = in.u32();
  const uint32_t labels = in.u32();
  if (words < 1 || words > static_cast<uint32_t>(std::numeric_limits<int>::max())) {
    throw std::runtime_error("bad word count " + std::to_string(words));
  }
  if (static_cast<int>(labels) != num_labels) {
    throw std::runtime_error(std::to_string(labels) + " labels, the model has " +
                             std::to_string(num_labels));
  }
  analysis.num_words = static_cast<int>(words);
  analysis.num_labels = static_cast<int>(labels);
  sentence.measures.nlc = in.f64();
  sentence.measures.mnlp = in.f64();
  sentence.measures.entropy = in.f64();
  sentence.measures.ltp = in.f64();
  in.need_items(static_cast<uint64_t>(words) * labels, 8);
  analysis.probabilities.resize(static_cast<size_t>(words) * labels);
  for (double& p : analysis.probabilities) {
    p = in.f64();
    if (!(p >= 0.0 && p <= 1.0)) throw std::runtime_error("probability outside [0, 1]");
  }
  in.need_items(words, 4 * 3);
  analysis.best_path.resize(words);
  for (int& label : analysis.best_path) {
    label = in.i32();
    if (label < 0 || label >= num_labels) throw std::runtime_error("path label outside [0, L)");
  }
  sentence.word_spans.resize(words);
  int previous_end = 0;
  for (auto& [start, end] : sentence.word_spans) {
    start = in.i32();
    end = in.i32();
    if (start < previous_end || end <= start) throw std::runtime_error("word spans out of order");
    previous_end = end;
  }
  const uint32_t entities = in.u32();
  in.need_items(entities, 4 + 4 + 8 + 4 + 4);
  analysis.entities.resize(entities);
  for (EntitySpan& entity : analysis.entities) {
    entity.start = in.i32();
    entity.end = in.i32();
    entity.confidence = in.f64();
    entity.label = in.str();
    entity.text = in.str();
    if (entity.start < 0 || entity.end <= entity.start || entity.end > previous_end) {
      throw std::runtime_error("entity span outside the words");
    }
  }
  if (in.remaining() != 0) throw std::runtime_error("trailing bytes");
  return sentence;
}

}  // namespace

std::string encode_cache_row(const ScoredSentence& sentence) { return encode_result_row(sentence); }

ScoredSentence decode_cache_row(const uint8_t* data, size_t size, int num_labels) {
  return decode_result_row(data, size, num_labels);
}

std::string CacheKey::to_string() const {
  std::string text = "alsel score cache key\n";
  text += "model_sha256=" + model_sha256 + "\n";
  text += "labels=" + nlohmann::json(labels).dump() + "\n";
  text += "vocabulary_sha256=" + vocabulary_sha256 + "\n";
  text += "tokenizer=" + tokenizer.to_string() + "\n";
  text += "max_len=" + std::to_string(max_len) + "\n";
  text += std::string("crf=") + (crf ? "true" : "false") + "\n";
  text += "probabilities=" + probabilities + "\n";
  text += "window_overlap=" + std::to_string(window_overlap) + "\n";
  text += "alsel_version=" + alsel_version + "\n";
  text += "entity_constraint=" + entity_constraint + "\n";
  // Only other precisions add a line: fp32 keys (and the caches under them) stay as they were.
  if (precision != "fp32") text += "precision=" + precision + "\n";
  return text;
}

std::string CacheKey::digest() const { return sha256_hex(to_string()); }

CacheKey make_cache_key(const NerModel& model, const std::string& model_sha256,
                        const InferenceConfig& resolved) {
  const ModelMetadata& meta = model.metadata();
  CacheKey key;
  key.model_sha256 = model_sha256;
  key.labels = meta.labels;
  Sha256 vocabulary;
  const std::shared_ptr<const Vocabulary> vocab = model.vocabulary();
  for (size_t id = 0; id < vocab->size(); ++id) {
    const std::string& token = vocab->token(static_cast<int>(id));
    vocabulary.update(token.data(), token.size());
    vocabulary.update("\n", 1);
  }
  key.vocabulary_sha256 = vocabulary.hex_digest();
  key.tokenizer = meta.tokenizer;
  key.max_len = meta.max_len;
  key.crf = model.crf() != nullptr;
  key.probabilities = key.crf && resolved.probabilities == ProbabilityMode::kMarginal ? "marginal" : "softmax";
  key.window_overlap = resolved.window_overlap;
  key.alsel_version = ALSEL_VERSION;
  key.entity_constraint = kEntityConstraintVersion;
  key.precision = model.precision();
  return key;
}

// One SQLite connection of the cache, used by one thread at a time (opened with
// SQLITE_OPEN_NOMUTEX: SQLite's multi-thread mode, no per-call mutex).
struct ScoreCache::Connection {
  Connection(const std::string& path, int busy_timeout_ms, bool create)
      : path_(path), busy_timeout_ms_(busy_timeout_ms) {
    if (sqlite3_threadsafe() == 0) {
      throw InternalError("the SQLite library was built without thread support; " + show_setting("cache") + " needs it");
    }
    sqlite3* raw = nullptr;
    const int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    db.reset(raw);  // closed by the handle even when the open failed
    if (rc != SQLITE_OK) fail(rc, "opening or creating it", true);
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), busy_timeout_ms);
  }

  StatementHandle prepare(const char* sql, const std::string& what) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v2(db.get(), sql, -1, &raw, nullptr);
    StatementHandle statement(raw);
    if (rc != SQLITE_OK) fail(rc, what, false);
    return statement;
  }

  void exec(const char* sql, const std::string& what, bool writing) {
    const int rc = sqlite3_exec(db.get(), sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(rc, what, writing);
  }

  // Steps a statement that returns at most one row; true when it returned one.
  bool step(sqlite3_stmt* statement, const std::string& what, bool writing) {
    const int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(rc, what, writing);
  }

  void check(int rc, const std::string& what) {
    if (rc != SQLITE_OK) fail(rc, what, false);
  }

  // The error of `rc` with the file, what failed and SQLite's message. Locks, files that are
  // not databases and corruption are InputErrors; other failures of a write are OutputErrors.
  [[noreturn]] void fail(int rc, const std::string& what, bool writing) {
    const std::string message = db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc);
    const std::string sqlite = " (sqlite: " + message + ")";
    const std::string file = "cache '" + path_ + "'";
    switch (rc & 0xFF) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        throw InputError(file + " is locked by another process (waited " +
                         format_seconds(busy_timeout_ms_) + ") while " + what + sqlite +
                         "; rerun when the other run has finished");
      case SQLITE_NOTADB:
        throw InputError(file + " is not an SQLite database" + sqlite +
                         ": pass a new " + show_setting("cache") + " path, or delete the file");
      case SQLITE_CORRUPT:
        throw InputError(file + " is corrupt (found while " + what + ")" + sqlite +
                         ": delete it; the next run scores every sentence again and refills it");
      default:
        if (writing) throw OutputError("cannot write " + file + " while " + what + sqlite);
        throw InputError("cannot read " + file + " while " + what + sqlite);
    }
  }

  // Rolls back an open transaction unless committed (exceptions, early returns).
  class Transaction {
   public:
    Transaction(Connection& connection, const char* begin, const std::string& what, bool writing)
        : connection_(connection) {
      connection_.exec(begin, what, writing);
    }
    ~Transaction() {
      if (!done_) sqlite3_exec(connection_.db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit(const std::string& what, bool writing) {
      connection_.exec("COMMIT", what, writing);
      done_ = true;
    }

   private:
    Connection& connection_;
    bool done_ = false;
  };

  DatabaseHandle db;  // declared first: destroyed after the statements
  StatementHandle find;
  StatementHandle insert;

 private:
  std::string path_;
  int busy_timeout_ms_;
};

ScoreCache::ScoreCache(std::string path, const CacheKey& key, ScoreCacheOptions options)
    : path_(std::move(path)),
      key_digest_(key.digest()),
      num_labels_(static_cast<int>(key.labels.size())),
      options_(options) {
  if (path_.empty() || path_ == "-")
    throw UsageError(show_setting("cache") + " needs a file path, got '" + path_ + "'");
  writer_ = std::make_unique<Connection>(path_, options_.busy_timeout_ms, true);
  Connection& writer = *writer_;

  // Reading the header first: a file that is not SQLite fails here, before anything is written.
  StatementHandle application = writer.prepare("PRAGMA application_id", "reading its header");
  writer.step(application.get(), "reading its header", false);
  const int application_id = sqlite3_column_int(application.get(), 0);
  application.reset();

  // WAL: readers (this run's lookups, other runs) never wait for a writer. Keeps the file's mode
  // when WAL is unavailable (e.g. some network file systems); only concurrency suffers.
  StatementHandle journal =
      writer.prepare("PRAGMA journal_mode=WAL", "setting the WAL journal mode");
  writer.step(journal.get(), "setting the WAL journal mode", true);
  journal.reset();
  writer.exec("PRAGMA synchronous=NORMAL", "setting synchronous=NORMAL", false);

  {
    Connection::Transaction transaction(writer, "BEGIN IMMEDIATE", "starting the schema check",
                                        true);
    StatementHandle tables =
        writer.prepare("SELECT count(*) FROM sqlite_master", "listing its tables");
    writer.step(tables.get(), "listing its tables", false);
    const int table_count = sqlite3_column_int(tables.get(), 0);
    tables.reset();
    if (table_count == 0 && (application_id == 0 || application_id == kApplicationId)) {
      const std::string created_by = std::string("alsel ") + ALSEL_VERSION;
      const std::string schema =
          "CREATE TABLE alsel_cache(name TEXT PRIMARY KEY, value TEXT NOT NULL);"
          "INSERT INTO alsel_cache VALUES('schema_version', '" +
          std::to_string(kSchemaVersion) +
          "');"
          "INSERT INTO alsel_cache VALUES('created_by', '" +
          created_by +
          "');"
          "CREATE TABLE models(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
          " description TEXT NOT NULL, created_at TEXT NOT NULL);"
          "CREATE TABLE scores(model_id INTEGER NOT NULL REFERENCES models(id),"
          " text_sha256 BLOB NOT NULL, result BLOB NOT NULL, PRIMARY KEY(model_id, text_sha256));"
          "PRAGMA application_id=" +
          std::to_string(kApplicationId) + ";";
      writer.exec(schema.c_str(), "creating the cache tables", true);
    } else {
      if (application_id != kApplicationId) {
        throw InputError("cache '" + path_ +
                         "' is an SQLite database but not an alsel score cache "
                         "(application_id " +
                         std::to_string(application_id) + "): pass a new " + show_setting("cache") + " path");
      }
      StatementHandle version =
          writer.prepare("SELECT value FROM alsel_cache WHERE name = 'schema_version'",
                         "reading its schema version");
      if (!writer.step(version.get(), "reading its schema version", false)) {
        throw InputError("cache '" + path_ +
                         "' has no schema version: delete it to start a new cache");
      }
      const char* text = reinterpret_cast<const char*>(sqlite3_column_text(version.get(), 0));
      const std::string schema_version = text != nullptr ? text : "";
      if (schema_version != std::to_string(kSchemaVersion)) {
        throw InputError("cache '" + path_ + "' has schema version " + schema_version +
                         ", this alsel reads version " + std::to_string(kSchemaVersion) +
                         " (a newer alsel wrote it?): use that alsel, or pass a new " + show_setting("cache") + " path");
      }
    }

    StatementHandle find_model =
        writer.prepare("SELECT id FROM models WHERE key = ?1", "looking up the model key");
    writer.check(sqlite3_bind_text(find_model.get(), 1, key_digest_.c_str(), -1, SQLITE_TRANSIENT),
                 "looking up the model key");
    if (writer.step(find_model.get(), "looking up the model key", false)) {
      model_id_ = sqlite3_column_int64(find_model.get(), 0);
    } else {
      StatementHandle add_model =
          writer.prepare("INSERT INTO models(key, description, created_at) VALUES(?1, ?2, ?3)",
                         "adding the model key");
      const std::string description = key.to_string();
      const std::string created_at = utc_timestamp(std::chrono::system_clock::now());
      writer.check(sqlite3_bind_text(add_model.get(), 1, key_digest_.c_str(), -1, SQLITE_TRANSIENT),
                   "adding the model key");
      writer.check(sqlite3_bind_text(add_model.get(), 2, description.c_str(), -1, SQLITE_TRANSIENT),
                   "adding the model key");
      writer.check(sqlite3_bind_text(add_model.get(), 3, created_at.c_str(), -1, SQLITE_TRANSIENT),
                   "adding the model key");
      writer.step(add_model.get(), "adding the model key", true);
      model_id_ = sqlite3_last_insert_rowid(writer.db.get());
    }
    find_model.reset();

    StatementHandle count =
        writer.prepare("SELECT count(*) FROM scores WHERE model_id = ?1", "counting rows");
    writer.check(sqlite3_bind_int64(count.get(), 1, model_id_), "counting rows");
    writer.step(count.get(), "counting rows", false);
    rows_at_open_ = static_cast<size_t>(sqlite3_column_int64(count.get(), 0));
    count.reset();
    transaction.commit("committing the schema", true);
  }
  writer.insert = writer.prepare(
      "INSERT OR IGNORE INTO scores(model_id, text_sha256, result) VALUES(?1, ?2, ?3)",
      "preparing the insert");

  reader_ = std::make_unique<Connection>(path_, options_.busy_timeout_ms, false);
  reader_->find = reader_->prepare(
      "SELECT result FROM scores WHERE model_id = ?1 AND text_sha256 = ?2", "preparing the lookup");
}

ScoreCache::~ScoreCache() = default;

std::string ScoreCache::text_key(std::string_view text) {
  Sha256 hash;
  hash.update(text.data(), text.size());
  const std::array<uint8_t, 32> digest = hash.digest();
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

std::vector<std::optional<ScoredSentence>> ScoreCache::find(
    const std::vector<std::string>& text_keys) {
  std::vector<std::optional<ScoredSentence>> found(text_keys.size());
  if (text_keys.empty()) return found;
  Connection& reader = *reader_;
  sqlite3_stmt* statement = reader.find.get();
  const std::string what = "looking sentences up";
  // One read transaction per call: one snapshot, one lock acquisition for the whole chunk.
  Connection::Transaction transaction(reader, "BEGIN", what, false);
  for (size_t i = 0; i < text_keys.size(); ++i) {
    const std::string& key = text_keys[i];
    sqlite3_reset(statement);  // also after a failed call
    reader.check(sqlite3_bind_int64(statement, 1, model_id_), what);
    reader.check(
        sqlite3_bind_blob(statement, 2, key.data(), static_cast<int>(key.size()), SQLITE_STATIC),
        what);
    if (reader.step(statement, what, false)) {
      const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(statement, 0));
      const size_t size = static_cast<size_t>(sqlite3_column_bytes(statement, 0));
      try {
        found[i] = decode_result_row(data, size, num_labels_);
      } catch (const std::exception& e) {
        sqlite3_reset(statement);
        throw InputError("cache '" + path_ + "' is corrupt: the row of text sha256 " +
                         hex_prefix(key, 8) + "... is unreadable (" + e.what() +
                         "): delete the file; the next run scores every sentence again");
      }
    }
    sqlite3_reset(statement);
  }
  transaction.commit(what, false);
  return found;
}

void ScoreCache::store(
    const std::vector<std::pair<const std::string*, const ScoredSentence*>>& rows) {
  if (rows.empty()) return;
  Connection& writer = *writer_;
  sqlite3_stmt* statement = writer.insert.get();
  const std::string what = "storing scored sentences";
  Connection::Transaction transaction(writer, "BEGIN IMMEDIATE", what, true);
  size_t added = 0;
  for (const auto& [key, sentence] : rows) {
    const std::string result = encode_result_row(*sentence);
    sqlite3_reset(statement);  // also after a failed call
    writer.check(sqlite3_bind_int64(statement, 1, model_id_), what);
    writer.check(
        sqlite3_bind_blob(statement, 2, key->data(), static_cast<int>(key->size()), SQLITE_STATIC),
        what);
    writer.check(sqlite3_bind_blob(statement, 3, result.data(), static_cast<int>(result.size()),
                                   SQLITE_STATIC),
                 what);
    writer.step(statement, what, true);
    added += static_cast<size_t>(sqlite3_changes(writer.db.get()));
  }
  transaction.commit(what, true);
  rows_stored_ += added;
}

}  // namespace alsel
