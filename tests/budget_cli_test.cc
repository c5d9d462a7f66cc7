// --budget-chars and --per-char through the real alsel binary and the tiny CRF model, checked
// against the plain ranking of the same run (`-k` larger than the pool, --dedupe none): the
// budgeted batch is that ranking's longest prefix whose characters fit, and the per-character
// ranking orders by ltp's score divided by each sentence's length.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "alsel/util/utf8.h"
#include "cli_test_support.h"

namespace alsel::testing {
namespace {

using nlohmann::json;

class BudgetCliTest : public TempDirTest {
 protected:
  std::string model() const { return (tiny_model_dir() / "tiny-crf.pt").string(); }
  std::string pool() const { return std::string(ALSEL_SOURCE_DIR) + "/data/sample_pool.jsonl"; }

  RunResult select(const std::string& out, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"select", "-m", model(), "-p", pool(), "-o", path(out), "-s", "ltp"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }
  std::vector<json> lines(const std::string& out) { return parse_jsonl(read_file(path(out))); }
};

size_t chars_of(const json& line) { return count_code_points(line["text"].get<std::string>()); }

TEST_F(BudgetCliTest, TheBatchIsTheLongestFittingPrefixOfTheRanking) {
  RunResult r = select("ranking.jsonl", {"-k", "1000", "--dedupe", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json> ranking = lines("ranking.jsonl");
  ASSERT_EQ(ranking.size(), 40u);
  size_t shortest = 1000, total = 0;
  for (const json& line : ranking) {
    shortest = std::min(shortest, chars_of(line));
    total += chars_of(line);
  }
  ASSERT_GT(chars_of(ranking.front()), shortest) << "the test needs a best-ranked sentence longer than the shortest";

  // Budgets: the top sentence exactly, a little more, about a third of the pool, all of it.
  const size_t top = chars_of(ranking.front());
  for (const size_t budget : {top, top + shortest - 1, total / 3, total, total * 2}) {
    SCOPED_TRACE("budget " + std::to_string(budget));
    const std::string out = "budget-" + std::to_string(budget) + ".jsonl";
    r = select(out, {"--budget-chars", std::to_string(budget), "--dedupe", "none"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> expected;
    size_t used = 0;
    for (const json& line : ranking) {
      if (used + chars_of(line) > budget) break;
      used += chars_of(line);
      expected.push_back(line["id"]);
    }
    std::vector<std::string> got;
    size_t got_chars = 0;
    for (const json& line : lines(out)) {
      got.push_back(line["id"]);
      got_chars += chars_of(line);
    }
    EXPECT_EQ(got, expected);
    EXPECT_LE(got_chars, budget);
    EXPECT_NE(r.err.find("of " + std::to_string(budget) + " characters"), std::string::npos) << r.err;
    const json manifest = json::parse(read_file(path(out + ".manifest.json")));
    EXPECT_EQ(manifest["settings"]["budget_chars"], budget);
    EXPECT_TRUE(manifest["settings"]["k"].is_null());
    EXPECT_EQ(manifest["counts"]["selected_chars"], got_chars);
    EXPECT_EQ(manifest["counts"]["selected"], got.size());
  }
  // top + shortest - 1: the second sentence does not fit, so the batch is the top one alone,
  // even if a shorter sentence further down would.
  EXPECT_EQ(lines("budget-" + std::to_string(top + shortest - 1) + ".jsonl").size(), 1u);
  EXPECT_EQ(lines("budget-" + std::to_string(total) + ".jsonl").size(), 40u);

  // Under the default near-duplicate rules the batch fits too.
  r = select("near.jsonl", {"--budget-chars", std::to_string(total / 3)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t near_chars = 0;
  for (const json& line : lines("near.jsonl")) near_chars += chars_of(line);
  EXPECT_LE(near_chars, total / 3);
  EXPECT_GT(near_chars, 0u);
}

TEST_F(BudgetCliTest, ABudgetNothingFitsIntoFailsAndWritesNothing) {
  const RunResult r = select("tight.jsonl", {"--budget-chars", "3", "--dedupe", "none"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--budget-chars 3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing fits"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(path("tight.jsonl")));
  EXPECT_FALSE(std::filesystem::exists(path("tight.jsonl.manifest.json")));
}

TEST_F(BudgetCliTest, BudgetAndKAreExclusiveAndTheBudgetMustBePositive) {
  RunResult r = select("both.jsonl", {"-k", "5", "--budget-chars", "100"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("excludes"), std::string::npos) << r.err;
  r = select("zero.jsonl", {"--budget-chars", "0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("--budget-chars"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(path("both.jsonl")));
}

TEST_F(BudgetCliTest, PerCharRanksByTheScoreDividedByTheLength) {
  RunResult r = select("ltp.jsonl", {"-k", "1000", "--dedupe", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, double> per_char_expected;
  for (const json& line : lines("ltp.jsonl")) {
    per_char_expected[line["id"]] = line["score"].get<double>() / static_cast<double>(chars_of(line));
  }
  r = select("per-char.jsonl", {"-k", "1000", "--dedupe", "none", "--per-char"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json> ranked = lines("per-char.jsonl");
  ASSERT_EQ(ranked.size(), 40u);
  for (size_t i = 0; i < ranked.size(); ++i) {
    EXPECT_EQ(ranked[i]["strategy"], "ltp/char");
    EXPECT_NEAR(ranked[i]["score"].get<double>(), per_char_expected.at(ranked[i]["id"]), 1e-12);
    if (i > 0) {
      EXPECT_GE(ranked[i - 1]["score"].get<double>(), ranked[i]["score"].get<double>()) << i;
    }
  }
  // The two rankings differ on this pool (lengths vary from sentence to sentence).
  std::vector<std::string> plain_order, per_char_order;
  for (const json& line : lines("ltp.jsonl")) plain_order.push_back(line["id"]);
  for (const json& line : ranked) per_char_order.push_back(line["id"]);
  EXPECT_NE(plain_order, per_char_order);
  const json manifest = json::parse(read_file(path("per-char.jsonl.manifest.json")));
  EXPECT_EQ(manifest["settings"]["strategy"], "ltp/char");
  EXPECT_NE(manifest["settings"]["strategy_options"].get<std::string>().find("per_char=true"),
            std::string::npos);

  // `alsel strategies` documents both.
  r = run({"strategies"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("--per-char"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--budget-chars"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace alsel::testing
