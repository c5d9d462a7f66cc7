// A persistent cache of scored sentences (`--cache FILE.sqlite`): a rerun over a pool that grew
// by 5% runs the model only on the new 5%.
//
//   alsel::Annotator annotator(*model, inference_config, &known_entities);
//   alsel::ScoreCache cache("scores.sqlite",
//                           alsel::make_cache_key(*model, model_file.sha256, annotator.config()));
//   alsel::run_pipeline(source, annotator, trim_threshold, on_scored, on_rejected, &cache);
//
// Rows are keyed by (CacheKey, SHA-256 of the exact text). The CacheKey covers everything that
// decides a sentence's results besides its text: the model file's SHA-256, labels, vocabulary,
// tokenizer settings, max_len, CRF or not, the probabilities actually used (marginal/softmax),
// the window overlap and the alsel version. A changed model therefore never meets old rows; they
// stay in the file until it is deleted. A row holds the per-word probabilities [W*L], the best
// path, the word spans, the entities and the measures that do not depend on run options (nlc,
// mnlp, entropy, ltp); trimmed (--trim-threshold) and unknown entities (--labeled) are
// recomputed for each run, so cached and uncached runs write the same bytes. Each row carries a
// checksum, checked when it is read.
//
// What is not in the key: batch size, streams, threads and device. They change a forward pass
// only in the last bits (padding and GEMM blocking), as between two uncached runs with different
// --batch-tokens; a cached row holds exactly what the model gave the run that stored it.
//
// SQLite file (schema version kSchemaVersion, application_id "alse", WAL journal):
//   alsel_cache(name TEXT PRIMARY KEY, value TEXT)    schema_version, created_by
//   models(id INTEGER PRIMARY KEY, key TEXT UNIQUE,   key = CacheKey::digest(),
//          description TEXT, created_at TEXT)          description = CacheKey::to_string()
//   scores(model_id, text_sha256 BLOB(32), result BLOB, PRIMARY KEY(model_id, text_sha256))
//
// Errors (never a wrong result): a file that is not SQLite, a corrupt database or row, a cache
// of another application or of a newer schema, and a lock held by another process for longer
// than ScoreCacheOptions::busy_timeout_ms throw InputError (exit 3) naming the file and what
// failed; a failed write (disk full, read-only file) throws OutputError (exit 5). Writes are
// transactions: an error or Ctrl-C loses at most the chunk being stored, never the file.
//
// Threads: find() and store() use separate connections and may run at once on two threads
// (run_pipeline's reader and scorer); neither may be called from two threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alsel/model/ner_model.h"
#include "alsel/scoring/pipeline.h"

namespace alsel {

// Everything besides the text that decides a sentence's results. Two runs share rows only when
// every field is equal.
struct CacheKey {
  std::string model_sha256;         // SHA-256 (hex) of the model file, as in the run manifest
  std::vector<std::string> labels;  // label names in id order (meta or --labels)
  std::string vocabulary_sha256;    // SHA-256 (hex) of the vocabulary, one token a line
  TokenizerConfig tokenizer;        // lower case, accents, full-width folding, word length
  int max_len = 0;                  // wordpieces per window, [CLS] and [SEP] included
  bool crf = false;                 // the model has CRF transitions
  std::string probabilities;        // "marginal" or "softmax": what the run computes (softmax
                                    // also when --probs marginal meets a model without CRF)
  int window_overlap = 0;           // wordpieces shared by windows (resolved, never 0)
  std::string alsel_version;        // a new release never reads an older one's rows
  std::string entity_constraint;    // kEntityConstraintVersion (entity_constraint.h): rows
                                    // decoded under another rule are never served
  std::string precision = "fp32";   // the forward pass's resolved precision (precision.h): a
                                    // bf16 score is never served to an fp32 run

  // Canonical description, one "name=value" line per field (stored in the models table).
  std::string to_string() const;
  // SHA-256 (hex) of to_string(): the key rows are stored under.
  std::string digest() const;
};

// The key of a run: `model_sha256` is the model file's fingerprint, `resolved` the annotator's
// configuration (Annotator::config(), window_overlap resolved).
CacheKey make_cache_key(const NerModel& model, const std::string& model_sha256,
                        const InferenceConfig& resolved);

// The binary row a scored sentence is stored as (layout version, measures, probabilities, path,
// word spans, entities, checksum), and back for a model of `num_labels` labels. The decoder
// checks every length and range and throws std::exception saying what is wrong; find() turns that
// into an InputError naming the file. Public for tests and the fuzz target.
std::string encode_cache_row(const ScoredSentence& sentence);
ScoredSentence decode_cache_row(const uint8_t* data, size_t size, int num_labels);

struct ScoreCacheOptions {
  int busy_timeout_ms = 5000;  // how long to wait for another process's lock before failing
};

class ScoreCache {
 public:
  static constexpr int kSchemaVersion = 1;

  // Opens or creates the cache at `path` and registers `key` in it. Throws InputError (not a
  // database, corrupt, not an alsel cache, newer schema, locked) or OutputError (cannot create
  // or write it), each naming the file and what failed.
  ScoreCache(std::string path, const CacheKey& key, ScoreCacheOptions options = {});
  ~ScoreCache();
  ScoreCache(const ScoreCache&) = delete;
  ScoreCache& operator=(const ScoreCache&) = delete;

  // The SHA-256 of the exact text bytes, 32 raw bytes: the row key of a text.
  static std::string text_key(std::string_view text);

  // Lookup side. For each text key (32 bytes), the stored results or nullopt, in one read
  // transaction. A found sentence has analysis.num_words, num_labels, probabilities, best_path
  // and entities, word_spans, and measures nlc, mnlp, entropy and ltp; id, text, order, file,
  // line, measures.trimmed and the unknown-entity counts are left for the caller
  // (Annotator::score). Throws InputError on a corrupt row or database, or a lock.
  std::vector<std::optional<ScoredSentence>> find(const std::vector<std::string>& text_keys);

  // Store side: stores each (text key, scored sentence) in one transaction; a text already
  // stored keeps its row. All or nothing: on an error nothing of the call is stored.
  void store(const std::vector<std::pair<const std::string*, const ScoredSentence*>>& rows);

  const std::string& path() const { return path_; }
  const std::string& key_digest() const { return key_digest_; }
  size_t rows_at_open() const { return rows_at_open_; }  // rows of this key when opened
  size_t rows_stored() const { return rows_stored_; }    // rows this object added

 private:
  struct Connection;  // one sqlite3* and its statements, RAII (score_cache.cc)

  std::string path_;
  std::string key_digest_;
  int num_labels_ = 0;
  ScoreCacheOptions options_;
  long long model_id_ = 0;              // models.id of the key
  std::unique_ptr<Connection> writer_;  // schema, model row, store()
  std::unique_ptr<Connection> reader_;  // find()
  size_t rows_at_open_ = 0;
  size_t rows_stored_ = 0;
};

}  // namespace alsel
