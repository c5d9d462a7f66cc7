// The active-learning simulation driver (scripts/al_experiment.py) and its report
// (scripts/al_report.py), end to end with the real alsel binary, on the driver's tiny --smoke
// protocol (120 MSRA training sentences as the pool, 60 test sentences, a one-layer model trained
// for a few steps: the F1 values mean nothing, the bookkeeping is what is checked).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_test_support.h"

namespace {

namespace fs = std::filesystem;
using alsel::testing::RunResult;
using alsel::testing::TempDirTest;
using alsel::testing::read_file;
using alsel::testing::run_shell;
using alsel::testing::shared_dir;
using alsel::testing::shell_quote;
using json = nlohmann::json;

struct Row {
  std::string strategy;
  int round = 0;
  int labeled = 0;
  double f1 = 0;
};

// results.csv rows keyed by (strategy, round); the header must name the required columns.
std::map<std::pair<std::string, int>, Row> read_results(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line.rfind("strategy,seed,round,labeled_fraction,labeled_sentences,f1", 0), 0u) << line;
  std::map<std::pair<std::string, int>, Row> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    EXPECT_GE(cells.size(), 6u) << line;
    if (cells.size() < 6) continue;
    Row row{cells[0], std::stoi(cells[2]), std::stoi(cells[4]), std::stod(cells[5])};
    EXPECT_EQ(cells[1], "1") << line;
    EXPECT_TRUE(rows.emplace(std::make_pair(row.strategy, row.round), row).second) << "duplicate row " << line;
  }
  return rows;
}

// One CSV line's cells, empty ones (trailing included) kept.
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> cells(1);
  for (const char c : line) {
    if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

// Kappa of two rounds' stop-set score files (cli_test_support.h), independently of alsel.
double kappa_of_score_files(const std::string& a_text, const std::string& b_text) {
  return alsel::testing::kappa_of_score_lines(alsel::testing::parse_jsonl(a_text), alsel::testing::parse_jsonl(b_text));
}

std::vector<std::string> labeled_ids(const fs::path& done) {
  return json::parse(read_file(done))["labeled_ids"].get<std::vector<std::string>>();
}

class AlExperimentTest : public TempDirTest {
 protected:
  RunResult drive(const std::string& extra) {
    const std::string source(ALSEL_SOURCE_DIR);
    return run_shell("/usr/bin/python3 " + shell_quote(source + "/scripts/al_experiment.py") + " --smoke --work " +
                         shell_quote(path("work")) + " --train " + shell_quote((shared_dir() / "data/msra/train.bio").string()) +
                         " --test " + shell_quote((shared_dir() / "data/msra/test.bio").string()) + " --alsel " +
                         shell_quote(ALSEL_BINARY) + " --seeds 1 --strategies random ltp-unk " + extra,
                     dir_);
  }
};

TEST_F(AlExperimentTest, SmokeProtocolRunsResumesAndReports) {
  if (!fs::exists(shared_dir() / "data/msra/train.bio")) {
    GTEST_SKIP() << "MSRA data not found under " << shared_dir() << " (set ALSEL_SHARED_DIR)";
  }
  // A partial run (as if killed after round 2), then the rest.
  RunResult r = drive("--max-rounds 2");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto rows = read_results(read_file(path("work/results.csv")));
  EXPECT_EQ(rows.size(), 6u);  // rounds 0-2 of both strategies
  const fs::path round2 = path("work/seed-1/ltp-unk/round-02/done.json");
  ASSERT_TRUE(fs::exists(round2));
  const auto round2_time = fs::last_write_time(round2);
  const std::vector<std::string> round2_ids = labeled_ids(round2);

  r = drive("");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(fs::last_write_time(round2), round2_time) << "a finished round was run again";
  EXPECT_EQ(labeled_ids(round2), round2_ids);
  const std::string results = read_file(path("work/results.csv"));
  rows = read_results(results);

  // 5%, 10%, ..., 30%, 40%, 50% of the 120-sentence pool, and random also at 100%.
  const std::vector<int> sizes = {6, 12, 18, 24, 30, 36, 48, 60, 120};
  for (const std::string strategy : {"random", "ltp-unk"}) {
    const size_t rounds = strategy == std::string("random") ? sizes.size() : sizes.size() - 1;
    for (size_t round = 0; round < rounds; ++round) {
      const auto found = rows.find({strategy, static_cast<int>(round)});
      ASSERT_NE(found, rows.end()) << strategy << " round " << round;
      EXPECT_EQ(found->second.labeled, sizes[round]) << strategy << " round " << round;
      EXPECT_GE(found->second.f1, 0.0);
      EXPECT_LE(found->second.f1, 100.0);
    }
    EXPECT_EQ(rows.count({strategy, static_cast<int>(rounds)}), 0u) << strategy;
  }
  // Round 0 is shared: one model, one F1.
  EXPECT_EQ(rows.at({"random", 0}).f1, rows.at({"ltp-unk", 0}).f1);

  // Each round keeps the labeled part and adds new, distinct sentences of the pool.
  std::vector<std::string> previous = labeled_ids(path("work/seed-1/round-00/done.json"));
  std::vector<std::string> first_picks;
  for (int round = 1; round <= 7; ++round) {
    char name[32];
    std::snprintf(name, sizeof name, "round-%02d", round);
    const std::vector<std::string> ids = labeled_ids(path("work/seed-1/ltp-unk/") + name + "/done.json");
    ASSERT_EQ(static_cast<int>(ids.size()), sizes[round]);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "duplicates in " << name;
    EXPECT_TRUE(std::equal(previous.begin(), previous.end(), ids.begin())) << name << " lost labeled sentences";
    if (round == 1) first_picks.assign(ids.begin() + static_cast<long>(previous.size()), ids.end());
    previous = ids;
  }
  const std::vector<std::string> random_round1 = labeled_ids(path("work/seed-1/random/round-01/done.json"));
  const std::vector<std::string> random_picks(random_round1.begin() + 6, random_round1.end());
  EXPECT_NE(std::set<std::string>(first_picks.begin(), first_picks.end()),
            std::set<std::string>(random_picks.begin(), random_picks.end()))
      << "ltp-unk picked exactly what random picked";

  // A finished experiment started again changes nothing.
  r = drive("");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(path("work/results.csv")), results);

  // The same work directory with another protocol is refused.
  r = run_shell("/usr/bin/python3 " + shell_quote(std::string(ALSEL_SOURCE_DIR) + "/scripts/al_experiment.py") +
                    " --work " + shell_quote(path("work")) + " --alsel " + shell_quote(ALSEL_BINARY) + " --seeds 1",
                dir_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("another protocol"), std::string::npos) << r.err;

  // The report: a PNG and the tables.
  r = run_shell("/usr/bin/python3 " + shell_quote(std::string(ALSEL_SOURCE_DIR) + "/scripts/al_report.py") +
                    " --results " + shell_quote(path("work/results.csv")) + " --out " + shell_quote(path("report")),
                dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string png = read_file(path("report/learning-curves.png"));
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  const std::string summary = read_file(path("report/summary.md"));
  EXPECT_NE(summary.find("Full-data F1"), std::string::npos) << summary;
  EXPECT_NE(summary.find("| ltp-unk |"), std::string::npos) << summary;
  EXPECT_EQ(read_results(read_file(path("report/results.csv"))).size(), rows.size());
}

// The issue-19 protocol's code paths on a tiny universe: a BiLSTM-CRF, warm-started rounds, the
// 100% point trained from scratch, the cost columns, and the per-character LTP curve.
TEST_F(AlExperimentTest, ScaleProtocolWarmStartsAndRecordsCost) {
  if (!fs::exists(shared_dir() / "data/msra/train.bio")) {
    GTEST_SKIP() << "MSRA data not found under " << shared_dir() << " (set ALSEL_SHARED_DIR)";
  }
  const std::string source(ALSEL_SOURCE_DIR);
  const RunResult r = run_shell(
      "/usr/bin/python3 " + shell_quote(source + "/scripts/al_experiment.py") + " --protocol smoke-scale --work " +
          shell_quote(path("work")) + " --train " + shell_quote((shared_dir() / "data/msra/train.bio").string()) +
          " --test " + shell_quote((shared_dir() / "data/msra/test.bio").string()) + " --alsel " +
          shell_quote(ALSEL_BINARY) + " --seeds 1 --strategies random ltp-per-char ltp-entity-cap-2",
      dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json protocol = json::parse(read_file(path("work/protocol.json")))["protocol"];
  EXPECT_EQ(protocol["name"], "smoke-scale");
  EXPECT_EQ(protocol["arch"], "bilstm");

  // Warm starts: every round but the first and the 100% point continues the previous weights.
  for (const std::string strategy : {"random", "ltp-per-char", "ltp-entity-cap-2"}) {
    const int rounds = strategy == "random" ? 8 : 7;
    for (int round = 1; round <= rounds; ++round) {
      char name[32];
      std::snprintf(name, sizeof name, "round-%02d", round);
      const json done = json::parse(read_file(path("work/seed-1/" + strategy + "/" + name + "/done.json")));
      const bool full_point = strategy == "random" && round == 8;
      EXPECT_EQ(done["warm_start"].get<bool>(), !full_point) << strategy << " " << name;
      EXPECT_GT(done["train_steps"].get<int>(), 0);
      // The stopping rule's measurement (issue 18): kappa between this round's model and the
      // previous one's on the fixed stop set, as recomputed here from the two rounds' score files.
      if (full_point) {
        EXPECT_FALSE(done.contains("agreement")) << name;
        continue;
      }
      ASSERT_TRUE(done.contains("agreement")) << strategy << " " << name;
      char before[32];
      std::snprintf(before, sizeof before, "round-%02d", round - 1);
      const std::string before_dir = round == 1 ? "work/seed-1/round-00" : "work/seed-1/" + strategy + "/" + before;
      const double kappa = kappa_of_score_files(read_file(path(before_dir + "/stop-scores.jsonl")),
                                                read_file(path("work/seed-1/" + strategy + "/" + name + "/stop-scores.jsonl")));
      EXPECT_NEAR(done["agreement"]["stop_kappa"].get<double>(), kappa, 1e-5) << strategy << " " << name;
      EXPECT_LE(done["agreement"]["stop_kappa"].get<double>(), 1.0);
    }
  }
  EXPECT_FALSE(json::parse(read_file(path("work/seed-1/round-00/done.json")))["warm_start"].get<bool>());
  // The stop set: a quarter of the 120-sentence universe, ids from it, the same for every run.
  const std::string stop_set = read_file(path("work/stop-set.jsonl"));
  EXPECT_EQ(std::count(stop_set.begin(), stop_set.end(), '\n'), 30);
  EXPECT_EQ(stop_set.rfind("{\"id\": \"train-", 0), 0u) << stop_set.substr(0, 80);

  // The cost columns add up: each round's labeled characters are the previous round's plus its
  // batch's, and the batch is the sentences the round added.
  std::istringstream in(read_file(path("work/results.csv")));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) header.push_back(cell);
  }
  const auto column = [&](const std::string& name) {
    const auto found = std::find(header.begin(), header.end(), name);
    EXPECT_NE(found, header.end()) << name;
    return static_cast<size_t>(found - header.begin());
  };
  const size_t strategy_col = column("strategy"), labeled_col = column("labeled_sentences"),
               chars_col = column("labeled_chars"), pieces_col = column("labeled_pieces"),
               batch_col = column("batch_sentences"), batch_chars_col = column("batch_chars"),
               round_col = column("round"), kappa_col = column("stop_kappa");
  std::map<std::string, std::pair<long, long>> previous;  // strategy -> (sentences, chars)
  size_t rows = 0;
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = split_csv(line);
    ASSERT_EQ(cells.size(), header.size()) << line;
    const std::string strategy = cells[strategy_col];
    // Kappa for every round but the first (no previous model) and random's 100% point.
    const bool has_kappa = cells[round_col] != "0" && !(strategy == "random" && cells[round_col] == "8");
    EXPECT_EQ(cells[kappa_col].empty(), !has_kappa) << line;
    const long sentences = std::stol(cells[labeled_col]), chars = std::stol(cells[chars_col]);
    EXPECT_GE(std::stol(cells[pieces_col]), sentences) << line;
    EXPECT_GT(std::stol(cells[batch_chars_col]), 0) << line;
    const auto found = previous.find(strategy);
    const long before_sentences = found == previous.end() ? 0 : found->second.first;
    const long before_chars = found == previous.end() ? 0 : found->second.second;
    EXPECT_EQ(std::stol(cells[batch_col]), sentences - before_sentences) << line;
    EXPECT_EQ(std::stol(cells[batch_chars_col]), chars - before_chars) << line;
    previous[strategy] = {sentences, chars};
    ++rows;
  }
  EXPECT_EQ(rows, 9u + 8u + 8u);  // random: rounds 0-8; ltp-per-char and ltp-entity-cap-2: rounds 0-7

  // The report's stopping-rule table lists every run with kappas.
  const RunResult report = run_shell("/usr/bin/python3 " + shell_quote(source + "/scripts/al_report.py") +
                                         " --results " + shell_quote(path("work/results.csv")) + " --out " +
                                         shell_quote(path("report")),
                                     dir_);
  ASSERT_EQ(report.exit_code, 0) << report.out << report.err;
  const std::string summary = read_file(path("report/summary.md"));
  EXPECT_NE(summary.find("When the stopping rule would have stopped"), std::string::npos) << summary;
  for (const std::string strategy : {"random", "ltp-per-char", "ltp-entity-cap-2"})
    EXPECT_NE(summary.find("| " + strategy + " | 1 | "), std::string::npos) << strategy << "\n" << summary;
}

// A new machine keeps no run directory: --pack-state keeps what resuming needs (no models),
// --unpack-state restores it elsewhere, and the next run trains the lost models again from the
// recorded labeled ids and finishes, keeping every finished round as it was.
TEST_F(AlExperimentTest, ScaleStateMovesToANewWorkDirectoryAndResumes) {
  if (!fs::exists(shared_dir() / "data/msra/train.bio")) {
    GTEST_SKIP() << "MSRA data not found under " << shared_dir() << " (set ALSEL_SHARED_DIR)";
  }
  const std::string source(ALSEL_SOURCE_DIR);
  const auto driver = [&](const std::string& work, const std::string& extra) {
    return run_shell("/usr/bin/python3 " + shell_quote(source + "/scripts/al_experiment.py") +
                         " --protocol smoke-scale --work " + shell_quote(path(work)) + " --train " +
                         shell_quote((shared_dir() / "data/msra/train.bio").string()) + " --test " +
                         shell_quote((shared_dir() / "data/msra/test.bio").string()) + " --alsel " +
                         shell_quote(ALSEL_BINARY) + " --seeds 1 --strategies ltp " + extra,
                     dir_);
  };
  RunResult r = driver("old", "--max-rounds 3");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = driver("old", "--pack-state " + shell_quote(path("state.json.gz")));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = driver("new", "--unpack-state " + shell_quote(path("state.json.gz")));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(read_file(path("new/results.csv")), read_file(path("old/results.csv")));
  for (const std::string round : {"seed-1/round-00", "seed-1/ltp/round-01", "seed-1/ltp/round-03"}) {
    EXPECT_EQ(labeled_ids(path("new/" + round + "/done.json")), labeled_ids(path("old/" + round + "/done.json")))
        << round;
  }
  EXPECT_FALSE(fs::exists(path("new/seed-1/ltp/round-03/model.pt"))) << "a packed state holds no model";
  // Unpacking over an experiment is refused.
  r = driver("old", "--unpack-state " + shell_quote(path("state.json.gz")));
  EXPECT_NE(r.exit_code, 0);

  // The rest of the run in the new directory: round 3's model (and those it continues) trained again.
  r = driver("new", "");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("replay: training"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(path("new/seed-1/ltp/round-03/replayed.json")));
  EXPECT_EQ(labeled_ids(path("new/seed-1/ltp/round-03/done.json")), labeled_ids(path("old/seed-1/ltp/round-03/done.json")));
  auto rows = read_results(read_file(path("new/results.csv")));
  EXPECT_EQ(rows.size(), 8u);  // rounds 0-7 of ltp
  const std::vector<std::string> round7 = labeled_ids(path("new/seed-1/ltp/round-07/done.json"));
  EXPECT_EQ(round7.size(), 60u);
  EXPECT_EQ(std::set<std::string>(round7.begin(), round7.end()).size(), 60u);
}

}  // namespace
