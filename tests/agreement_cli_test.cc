// `alsel agreement` through the binary: two tiny models score one stop set; kappa is recomputed
// here from the two files' tags, the history accumulates, the rule decides, mismatched stop sets
// are refused, and select copies the report into its manifest.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "cli_test_support.h"

namespace alsel::testing {
namespace {

using nlohmann::json;

class AgreementCliTest : public TempDirTest {
 protected:
  std::string model(const std::string& name) const { return (tiny_model_dir() / name).string(); }
  std::string sample_pool() const { return std::string(ALSEL_SOURCE_DIR) + "/data/sample_pool.jsonl"; }
};

double kappa_of(const std::vector<json>& a, const std::vector<json>& b) {
  return alsel::testing::kappa_of_score_lines(a, b);
}

TEST_F(AgreementCliTest, KappaHistoryRuleAndManifest) {
  ASSERT_EQ(run({"score", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "-o", path("a.jsonl")}).exit_code, 0);
  ASSERT_EQ(run({"score", "-m", model("tiny-softmax.pt"), "-p", sample_pool(), "-o", path("b.jsonl")}).exit_code, 0);
  const std::vector<json> a = parse_jsonl(read_file(path("a.jsonl")));
  const std::vector<json> b = parse_jsonl(read_file(path("b.jsonl")));
  ASSERT_EQ(a.size(), b.size());
  ASSERT_TRUE(a[0].contains("tags"));
  EXPECT_EQ(a[0]["tags"].size(), a[0]["num_words"]);
  const double expected = kappa_of(a, b);

  RunResult r = run({"agreement", path("a.jsonl"), path("b.jsonl"), "--json", "-o", path("ab.json"),
                     "--history", path("kappa.jsonl"), "--window", "2", "--kappa-threshold", "0.99"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json report = json::parse(read_file(path("ab.json")));
  EXPECT_NEAR(report["kappa"].get<double>(), expected, 1e-9);
  EXPECT_LT(report["kappa"].get<double>(), 0.99) << "two different models should disagree somewhere";
  EXPECT_EQ(report["sentences"], a.size());
  EXPECT_FALSE(report["rule"]["stop"].get<bool>());  // one comparison of the two needed
  EXPECT_EQ(report["rule"]["comparisons"], 1);
  // Against itself, twice: the history now holds 1 + 2 comparisons, the last two agree fully.
  for (int i = 0; i < 2; ++i) {
    r = run({"agreement", path("b.jsonl"), path("b.jsonl"), "--json", "-o", path("bb.json"), "--history",
             path("kappa.jsonl"), "--window", "2", "--kappa-threshold", "0.99"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const json same = json::parse(read_file(path("bb.json")));
  EXPECT_DOUBLE_EQ(same["kappa"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(same["f1_bound"].get<double>(), 0.0);
  EXPECT_TRUE(same["rule"]["stop"].get<bool>());
  EXPECT_EQ(same["rule"]["comparisons"], 3);
  EXPECT_NE(r.err.find("stop suggested"), std::string::npos) << r.err;
  EXPECT_EQ(parse_jsonl(read_file(path("kappa.jsonl"))).size(), 3u);
  // Text output names the rule.
  r = run({"agreement", path("a.jsonl"), path("b.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("kappa (words):"), std::string::npos) << r.out;

  // Another stop set is refused, naming the first differing id; nothing is written.
  const std::vector<json> pool = parse_jsonl(read_file(sample_pool()));
  std::string shorter;
  for (size_t i = 1; i < pool.size(); ++i) shorter += pool[i].dump() + "\n";
  write_file(path("other.jsonl"), shorter);
  ASSERT_EQ(run({"score", "-m", model("tiny-crf.pt"), "-p", path("other.jsonl"), "-o", path("c.jsonl")}).exit_code, 0);
  r = run({"agreement", path("a.jsonl"), path("c.jsonl"), "-o", path("ac.txt"), "--history", path("kappa.jsonl")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("stop sets differ"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(path("ac.txt")));
  EXPECT_EQ(parse_jsonl(read_file(path("kappa.jsonl"))).size(), 3u);
  // The history cannot be one of the score files.
  EXPECT_EQ(run({"agreement", path("a.jsonl"), path("b.jsonl"), "--history", path("a.jsonl")}).exit_code, 2);

  // select records the report in its manifest.
  r = run({"select", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "-k", "3", "-o", path("batch.jsonl"),
           "--agreement", path("ab.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json manifest = json::parse(read_file(path("batch.jsonl.manifest.json")));
  EXPECT_NEAR(manifest["stopping_rule"]["kappa"].get<double>(), expected, 1e-9);
  EXPECT_EQ(manifest["stopping_rule"]["rule"]["stop"], false);
}

}  // namespace
}  // namespace alsel::testing
