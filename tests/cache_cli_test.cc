// End-to-end tests of `--cache FILE.sqlite` through the real alsel binary and the tiny models of
// scripts/make_tiny_model.py: reruns over the same and a grown pool, run options that the cache
// must not freeze, model changes, corrupt, foreign and locked files, and Ctrl-C.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "alsel/util/utf8.h"
#include "cli_test_support.h"

namespace alsel::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Report pages carry the time they were generated; everything else must match byte for byte.
std::string without_timestamps(const std::string& text) {
  static const std::regex timestamp(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  return std::regex_replace(text, timestamp, "<time>");
}

// The manifest fields that describe results: not timing, arguments, output fingerprints, the
// cache itself, or the forward passes run (counts.windows and counts.batches: fewer with hits).
json result_fields(const json& manifest) {
  json fields;
  for (const char* key : {"counts", "score_distribution", "measure_means", "selection",
                          "measure_distributions", "settings", "model", "pool", "labeled"}) {
    if (manifest.contains(key)) fields[key] = manifest[key];
  }
  fields["counts"].erase("windows");
  fields["counts"].erase("batches");
  return fields;
}

class CacheCliTest : public TempDirTest {
 protected:
  static std::string model(const std::string& name = "tiny-crf.pt") {
    return (tiny_model_dir() / name).string();
  }
  static std::vector<std::string> sample_lines() {
    std::vector<std::string> lines;
    std::istringstream in(read_file(std::string(ALSEL_SOURCE_DIR) + "/data/sample_pool.jsonl"));
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) lines.push_back(line);
    }
    return lines;
  }
  // A pool file of the sample lines [first, last).
  std::string pool(const std::string& name, size_t first, size_t last) {
    const std::vector<std::string> lines = sample_lines();
    std::string content;
    for (size_t i = first; i < last && i < lines.size(); ++i) content += lines[i] + "\n";
    write_file(path(name), content);
    return path(name);
  }
  // A pool file of `copies` copies of all sample lines, each copy with its own ids and texts
  // (the copy number appended to both).
  std::string repeated_pool(const std::string& name, int copies) {
    const std::vector<std::string> lines = sample_lines();
    std::string content;
    for (int copy = 0; copy < copies; ++copy) {
      for (const std::string& line : lines) {
        json item = json::parse(line);
        item["id"] = item["id"].get<std::string>() + "-" + std::to_string(copy);
        item["text"] = item["text"].get<std::string>() + std::to_string(copy);
        content += item.dump() + "\n";
      }
    }
    write_file(path(name), content);
    return path(name);
  }
  json manifest(const std::string& out) {
    return json::parse(read_file(path(out + ".manifest.json")));
  }
  // Runs `command` (select or score) writing `out` (and for select a report beside it).
  RunResult run_command(const std::string& command, const std::string& pool_path,
                        const std::string& out, std::vector<std::string> extra,
                        const std::string& model_path = "") {
    std::vector<std::string> args = {
        command, "-m", model_path.empty() ? model() : model_path, "-p", pool_path, "-o", path(out)};
    if (command == "select") {
      for (const char* arg : {"-k", "8", "-s", "ltp-unk", "--report"}) args.push_back(arg);
      args.push_back(path(out + ".html"));
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }
  void expect_same_outputs(const std::string& command, const std::string& expected,
                           const std::string& actual) {
    EXPECT_EQ(read_file(path(actual)), read_file(path(expected)))
        << command << ": " << actual << " vs " << expected;
    if (command == "select") {
      EXPECT_EQ(without_timestamps(read_file(path(actual + ".html"))),
                without_timestamps(read_file(path(expected + ".html"))))
          << actual << ".html";
    }
    EXPECT_EQ(result_fields(manifest(actual)), result_fields(manifest(expected)))
        << actual << ".manifest.json";
  }
  // A doccano file naming, as known entities, every other entity text the model predicts on
  // `pool_path` (from an uncached score run), so that unknown-entity counts change with it.
  std::string labeled_from_predictions(const std::string& pool_path) {
    const RunResult scored =
        run({"score", "-m", model(), "-p", pool_path, "-o", path("entities.jsonl"), "-q"});
    EXPECT_EQ(scored.exit_code, 0) << scored.err;
    std::set<std::string> texts;
    for (const json& line : parse_jsonl(read_file(path("entities.jsonl")))) {
      for (const json& entity : line["entities"]) texts.insert(entity["text"].get<std::string>());
    }
    std::string content;
    size_t i = 0;
    for (const std::string& text : texts) {
      if (i++ % 2 == 0) continue;
      const int length = static_cast<int>(decode_utf8(text).size());
      const json line = {{"text", text}, {"label", json::array({json::array({0, length, "PER"})})}};
      content += line.dump() + "\n";
    }
    EXPECT_FALSE(content.empty()) << "the tiny model predicts no entities on the sample pool";
    write_file(path("labeled.jsonl"), content);
    return path("labeled.jsonl");
  }
};

class CacheCommandTest : public CacheCliTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(CacheCommandTest, RerunOverTheSamePoolIsAllHitsAndByteIdentical) {
  const std::string command = GetParam();
  const std::string p = pool("pool.jsonl", 0, 32);
  const std::string cache = path("cache.sqlite");
  ASSERT_EQ(run_command(command, p, "plain.jsonl", {}).exit_code, 0);

  RunResult fill = run_command(command, p, "fill.jsonl", {"--cache", cache});
  ASSERT_EQ(fill.exit_code, 0) << fill.err;
  EXPECT_NE(fill.err.find("cache hits 0, misses 32"), std::string::npos) << fill.err;
  RunResult rerun = run_command(command, p, "rerun.jsonl", {"--cache", cache});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("cache hits 32, misses 0"), std::string::npos) << rerun.err;
  const json record = manifest("rerun.jsonl")["cache"];
  EXPECT_EQ(record["path"], cache);
  EXPECT_EQ(record["hits"], 32);
  EXPECT_EQ(record["misses"], 0);
  EXPECT_EQ(record["rows_at_open"], 32);
  EXPECT_EQ(record["stored"], 0);
  EXPECT_EQ(manifest("rerun.jsonl")["counts"]["windows"], 0) << "no forward pass";
  EXPECT_GT(manifest("fill.jsonl")["counts"]["windows"], 0);
  EXPECT_EQ(manifest("fill.jsonl")["cache"]["stored"], 32);
  EXPECT_TRUE(manifest("plain.jsonl")["cache"].is_null());

  expect_same_outputs(command, "plain.jsonl", "fill.jsonl");
  expect_same_outputs(command, "plain.jsonl", "rerun.jsonl");
}

TEST_P(CacheCommandTest, GrownPoolRunsTheModelOnlyOnNewLinesAndMatchesAnUncachedRun) {
  const std::string command = GetParam();
  // New lines at the start, in the middle and at the end of the pool.
  const std::vector<std::string> lines = sample_lines();
  ASSERT_EQ(lines.size(), 40u);
  std::string old_pool, grown_pool;
  for (size_t i = 0; i < lines.size(); ++i) {
    const bool is_new = i == 0 || (i >= 18 && i < 22) || i >= 37;
    if (!is_new) old_pool += lines[i] + "\n";
    grown_pool += lines[i] + "\n";
  }
  write_file(path("old.jsonl"), old_pool);
  write_file(path("grown.jsonl"), grown_pool);
  const std::string cache = path("cache.sqlite");
  const std::string labeled = labeled_from_predictions(path("grown.jsonl"));
  // One sentence per forward batch: a sentence's emissions then do not depend on the sentences
  // batched with it (padding changes a forward pass in the last bits), so an uncached run over
  // the grown pool is a bit-exact reference for the cached one.
  const std::vector<std::string> exact = {"--batch-tokens", "1"};
  std::vector<std::string> fill_flags = exact;
  fill_flags.insert(fill_flags.end(), {"--cache", cache});
  RunResult fill = run_command(command, path("old.jsonl"), "fill.jsonl", fill_flags);
  ASSERT_EQ(fill.exit_code, 0) << fill.err;
  EXPECT_NE(fill.err.find("cache hits 0, misses 32"), std::string::npos) << fill.err;

  // The rerun changes the options the cache must not freeze: known entities and the trim
  // threshold.
  std::vector<std::string> options = exact;
  options.insert(options.end(), {"--labeled", labeled, "--trim-threshold", "0.6"});
  ASSERT_EQ(run_command(command, path("grown.jsonl"), "plain.jsonl", options).exit_code, 0);
  std::vector<std::string> cached_options = options;
  cached_options.insert(cached_options.end(), {"--cache", cache});
  RunResult rerun = run_command(command, path("grown.jsonl"), "rerun.jsonl", cached_options);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("cache hits 32, misses 8"), std::string::npos) << rerun.err;
  EXPECT_EQ(manifest("rerun.jsonl")["cache"]["hits"], 32);
  EXPECT_EQ(manifest("rerun.jsonl")["cache"]["misses"], 8);
  EXPECT_EQ(manifest("rerun.jsonl")["cache"]["stored"], 8);
  // --batch-tokens 1: one forward batch per window, so batches count the windows of new lines.
  EXPECT_LT(manifest("rerun.jsonl")["counts"]["batches"].get<int>(),
            manifest("plain.jsonl")["counts"]["batches"].get<int>() / 3);
  expect_same_outputs(command, "plain.jsonl", "rerun.jsonl");

  if (command == "score") {
    // The options did change results, so the comparison above tested their recomputation.
    std::map<std::string, json> before;
    for (const json& line : parse_jsonl(read_file(path("fill.jsonl")))) before[line["id"]] = line;
    size_t changed_unknown = 0, changed_trimmed = 0;
    for (const json& line : parse_jsonl(read_file(path("rerun.jsonl")))) {
      if (before.count(line["id"]) == 0) continue;
      const json& old = before[line["id"]];
      changed_unknown += old["unknown_entities"] != line["unknown_entities"];
      changed_trimmed += old["trimmed"] != line["trimmed"];
      EXPECT_EQ(old["ltp"], line["ltp"]) << line["id"];
    }
    EXPECT_GT(changed_unknown, 0u);
    EXPECT_GT(changed_trimmed, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(SelectAndScore, CacheCommandTest, ::testing::Values("select", "score"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST_F(CacheCliTest, ChangedModelOrSettingsNeverReadOldRows) {
  const std::string p = pool("pool.jsonl", 0, 40);
  const std::string cache = path("cache.sqlite");
  ASSERT_EQ(
      run({"score", "-m", model(), "-p", p, "-o", path("crf.jsonl"), "--cache", cache}).exit_code,
      0);

  // Another model file: a fresh key, every sentence scored again, results of that model.
  RunResult other = run({"score", "-m", model("tiny-softmax.pt"), "-p", p, "-o",
                         path("softmax.jsonl"), "--cache", cache});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_NE(other.err.find("cache hits 0, misses 40"), std::string::npos) << other.err;
  ASSERT_EQ(
      run({"score", "-m", model("tiny-softmax.pt"), "-p", p, "-o", path("softmax-plain.jsonl")})
          .exit_code,
      0);
  EXPECT_EQ(read_file(path("softmax.jsonl")), read_file(path("softmax-plain.jsonl")));
  EXPECT_NE(read_file(path("softmax.jsonl")), read_file(path("crf.jsonl")));

  // The same weights exported without vocabulary and labels (given by --vocab and --labels):
  // another file, another key.
  RunResult novocab =
      run({"score", "-m", model("tiny-novocab.pt"), "--vocab", model("tiny-vocab.txt"), "--labels",
           model("tiny-labels.txt"), "-p", p, "-o", path("novocab.jsonl"), "--cache", cache});
  ASSERT_EQ(novocab.exit_code, 0) << novocab.err;
  EXPECT_NE(novocab.err.find("cache hits 0, misses 40"), std::string::npos) << novocab.err;

  // Softmax probabilities of the CRF model: another key as well.
  RunResult softmax = run({"score", "-m", model(), "--probs", "softmax", "-p", p, "-o",
                           path("probs.jsonl"), "--cache", cache});
  ASSERT_EQ(softmax.exit_code, 0) << softmax.err;
  EXPECT_NE(softmax.err.find("cache hits 0, misses 40"), std::string::npos) << softmax.err;

  // A byte-identical copy of the model elsewhere is the same model: all hits.
  fs::copy_file(model(), path("copy.pt"));
  RunResult copy =
      run({"score", "-m", path("copy.pt"), "-p", p, "-o", path("copy.jsonl"), "--cache", cache});
  ASSERT_EQ(copy.exit_code, 0) << copy.err;
  EXPECT_NE(copy.err.find("cache hits 40, misses 0"), std::string::npos) << copy.err;
  EXPECT_EQ(read_file(path("copy.jsonl")), read_file(path("crf.jsonl")));
}

TEST_F(CacheCliTest, ModelFileWithOtherContentIsKeyedApart) {
  // Bytes appended after the zip archive change the file's SHA-256 but not what loads: the
  // worst case for a content key, which must still treat it as another model (a retrained
  // model with the same meta differs the same way, in its bytes only).
  const std::string p = pool("pool.jsonl", 0, 20);
  const std::string cache = path("cache.sqlite");
  ASSERT_EQ(
      run({"score", "-m", model(), "-p", p, "-o", path("a.jsonl"), "--cache", cache}).exit_code, 0);
  fs::copy_file(model(), path("retrained.pt"));
  {
    std::ofstream append(path("retrained.pt"), std::ios::binary | std::ios::app);
    append << "retrained";
  }
  RunResult changed =
      run({"score", "-m", path("retrained.pt"), "-p", p, "-o", path("b.jsonl"), "--cache", cache});
  if (changed.exit_code == 4)
    GTEST_SKIP() << "libtorch refuses the appended archive: " << changed.err;
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_NE(changed.err.find("cache hits 0, misses 20"), std::string::npos) << changed.err;
  EXPECT_NE(manifest("b.jsonl")["cache"]["key"], manifest("a.jsonl")["cache"]["key"]);
}

TEST_F(CacheCliTest, FileThatIsNotADatabaseFailsWithExitCode3AndNoOutput) {
  const std::string p = pool("pool.jsonl", 0, 10);
  write_file(path("notes.sqlite"), "my notes\nnot a database\n");
  for (const std::string command : {"select", "score"}) {
    RunResult r = run_command(command, p, "out.jsonl", {"--cache", path("notes.sqlite")});
    EXPECT_EQ(r.exit_code, 3) << command << ": " << r.err;
    EXPECT_NE(r.err.find(path("notes.sqlite")), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("not an SQLite database"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(path("out.jsonl"))) << command;
    EXPECT_FALSE(fs::exists(path("out.jsonl.manifest.json"))) << command;
    EXPECT_FALSE(fs::exists(path("out.jsonl.html"))) << command;
  }
  EXPECT_EQ(read_file(path("notes.sqlite")), "my notes\nnot a database\n")
      << "the file must be left alone";
}

TEST_F(CacheCliTest, TruncatedCacheFailsWithExitCode3AndNoOutput) {
  repeated_pool("pool.jsonl", 10);  // enough rows that the database spans many pages
  const std::string cache = path("cache.sqlite");
  ASSERT_EQ(run({"score", "-m", model(), "-p", path("pool.jsonl"), "-o", path("a.jsonl"), "--cache",
                 cache})
                .exit_code,
            0);
  ASSERT_FALSE(fs::exists(cache + "-wal") && fs::file_size(cache + "-wal") > 0)
      << "checkpointed on close";
  const auto size = fs::file_size(cache);
  ASSERT_GT(size, 64u * 1024);
  fs::resize_file(cache, size / 3);
  RunResult r = run(
      {"score", "-m", model(), "-p", path("pool.jsonl"), "-o", path("b.jsonl"), "--cache", cache});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("corrupt"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(cache), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("b.jsonl")));
}

TEST_F(CacheCliTest, LockedCacheFailsWithExitCode3SayingLocked) {
  const std::string p = pool("pool.jsonl", 0, 10);
  const std::string cache = path("cache.sqlite");
  ASSERT_EQ(
      run({"score", "-m", model(), "-p", p, "-o", path("a.jsonl"), "--cache", cache}).exit_code, 0);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(cache.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  RunResult r = run({"select", "-m", model(), "-p", p, "-o", path("b.jsonl"), "--cache", cache});
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("locked"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(cache), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("b.jsonl")));
  // Without the lock the same command works and hits.
  RunResult again =
      run({"select", "-m", model(), "-p", p, "-o", path("b.jsonl"), "--cache", cache});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("cache hits 10, misses 0"), std::string::npos) << again.err;
}

TEST_F(CacheCliTest, InterruptedRunLeavesAConsistentCache) {
  repeated_pool("pool.jsonl", 60);
  const std::string cache = path("cache.sqlite");
  // Small chunks and batches: many transactions, a long run to interrupt.
  const std::string command = shell_quote(ALSEL_BINARY) + " score -q -m " + shell_quote(model()) +
                              " -p " + shell_quote(path("pool.jsonl")) + " -o " +
                              shell_quote(path("a.jsonl")) + " --batch-tokens 1 --cache " +
                              shell_quote(cache);
  RunResult interrupted =
      run_shell(command + " & pid=$!; sleep 0.7; kill -INT $pid; wait $pid; echo $?", dir_);
  const std::string status = interrupted.out.substr(0, interrupted.out.find('\n'));
  EXPECT_TRUE(status == "130" || status == "0") << interrupted.out << interrupted.err;

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(cache.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* check = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &check, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(check), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(check, 0)), "ok");
  sqlite3_finalize(check);
  sqlite3_close(db);

  RunResult rerun = run({"score", "-m", model(), "-p", path("pool.jsonl"), "-o", path("b.jsonl"),
                         "--batch-tokens", "1", "--cache", cache});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  ASSERT_EQ(run({"score", "-m", model(), "-p", path("pool.jsonl"), "-o", path("c.jsonl"),
                 "--batch-tokens", "1"})
                .exit_code,
            0);
  EXPECT_EQ(read_file(path("b.jsonl")), read_file(path("c.jsonl")));
}

}  // namespace
}  // namespace alsel::testing
