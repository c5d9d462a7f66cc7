// `alsel eval` through the real binary: gold files are built from the tiny model's own
// predictions, so the expected precision and recall are known exactly.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "alsel/util/utf8.h"
#include "cli_test_support.h"

using nlohmann::json;
using namespace alsel::testing;

namespace {

class EvalTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    RunResult r = run({"score", "-m", model(), "-p", std::string(ALSEL_SOURCE_DIR) + "/data/sample_pool.jsonl",
                       "-o", path("scores.jsonl")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // score does not echo the text: take it from the pool, in the same order.
    std::vector<json> pool = parse_jsonl(read_file(std::string(ALSEL_SOURCE_DIR) + "/data/sample_pool.jsonl"));
    predictions_ = parse_jsonl(read_file(path("scores.jsonl")));
    ASSERT_EQ(pool.size(), predictions_.size());
    for (size_t i = 0; i < pool.size(); ++i) predictions_[i]["text"] = pool[i]["text"];
  }
  std::string model() const { return (tiny_model_dir() / "tiny-crf.pt").string(); }

  // doccano JSONL with the model's entities as gold; `edit` may change each sentence's spans.
  std::string doccano_gold(const std::function<void(size_t, json&)>& edit) const {
    std::string out;
    for (size_t i = 0; i < predictions_.size(); ++i) {
      json spans = json::array();
      for (const json& e : predictions_[i]["entities"]) spans.push_back({e["start"], e["end"], e["label"]});
      edit(i, spans);
      out += json({{"id", predictions_[i]["id"]}, {"text", predictions_[i]["text"]}, {"label", spans}}).dump() + "\n";
    }
    return out;
  }

  size_t predicted_entities() const {
    size_t n = 0;
    for (const json& p : predictions_) n += p["entities"].size();
    return n;
  }

  std::vector<json> predictions_;
};

TEST_F(EvalTest, OwnPredictionsAsGoldScoreOneHundred) {
  write_file(path("gold.jsonl"), doccano_gold([](size_t, json&) {}));
  RunResult r = run({"eval", "-m", model(), "--data", path("gold.jsonl"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json result = json::parse(r.out);
  ASSERT_GT(predicted_entities(), 0u);
  EXPECT_DOUBLE_EQ(result["f1"].get<double>(), 100.0);
  EXPECT_EQ(result["gold"].get<size_t>(), predicted_entities());
  EXPECT_EQ(result["sentences"].get<size_t>(), predictions_.size());
}

TEST_F(EvalTest, MissingAndSpuriousGoldGiveExactPrecisionAndRecall) {
  // Drop the first entity of every even sentence that has one; add one span no model predicts.
  size_t dropped = 0;
  write_file(path("gold.jsonl"), doccano_gold([&](size_t i, json& spans) {
    if (i % 2 == 0 && !spans.empty()) {
      spans.erase(spans.begin());
      ++dropped;
    }
    if (i == 1) spans.push_back({0, 1, "ZZZ"});
  }));
  RunResult r = run({"eval", "-m", model(), "--data", path("gold.jsonl"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json result = json::parse(r.out);
  const double predicted = static_cast<double>(predicted_entities());
  const double correct = predicted - dropped;
  const double gold = correct + 1;
  EXPECT_NEAR(result["precision"].get<double>(), 100.0 * correct / predicted, 1e-9);
  EXPECT_NEAR(result["recall"].get<double>(), 100.0 * correct / gold, 1e-9);
  EXPECT_EQ(result["per_type"]["ZZZ"]["gold"], 1);
  EXPECT_EQ(result["per_type"]["ZZZ"]["correct"], 0);
}

TEST_F(EvalTest, CharacterBioGoldAndTableOutput) {
  // The same gold as char-level BIO (one character per line, as MSRA is written).
  std::string bio;
  size_t gold_entities = 0;
  for (const json& p : predictions_) {
    std::u32string text = alsel::decode_utf8(p["text"].get<std::string>());
    if (text.find(U' ') != std::u32string::npos) continue;  // BIO holds no whitespace tokens
    gold_entities += p["entities"].size();
    std::vector<std::string> tags(text.size(), "O");
    for (const json& e : p["entities"]) {
      const int start = e["start"], end = e["end"];
      tags[start] = "B-" + e["label"].get<std::string>();
      for (int c = start + 1; c < end; ++c) tags[c] = "I-" + e["label"].get<std::string>();
    }
    for (size_t c = 0; c < text.size(); ++c) {
      bio += alsel::encode_utf8(text.substr(c, 1)) + "\t" + tags[c] + "\n";
    }
    bio += "\n";
  }
  write_file(path("gold.bio"), bio);
  RunResult r = run({"eval", "-m", model(), "--data", path("gold.bio"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json result = json::parse(r.out);
  EXPECT_DOUBLE_EQ(result["f1"].get<double>(), 100.0);
  EXPECT_EQ(result["gold"].get<size_t>(), gold_entities);
  r = run({"eval", "-m", model(), "--data", path("gold.bio")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("100.00"), std::string::npos) << r.out;
}

TEST_F(EvalTest, EmptyAndTokenlessSentencesCountTheirGoldAsMissed) {
  write_file(path("gold.jsonl"),
             json({{"id", "a"}, {"text", "   "}, {"label", json::array({json::array({0, 1, "PER"})})}}).dump() +
                 "\n" + json({{"id", "b"}, {"text", ""}, {"label", json::array()}}).dump() + "\n");
  RunResult r = run({"eval", "-m", model(), "--data", path("gold.jsonl"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json result = json::parse(r.out);
  EXPECT_EQ(result["gold"], 1);
  EXPECT_EQ(result["predicted"], 0);
  EXPECT_DOUBLE_EQ(result["f1"].get<double>(), 0.0);
}

TEST_F(EvalTest, IllFormedGoldIsAnInputErrorNamingFileAndLine) {
  write_file(path("gold.bio"), "张\tB-PER\n伟\tQ\n\n");
  RunResult r = run({"eval", "-m", model(), "--data", path("gold.bio")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find(path("gold.bio") + ":2"), std::string::npos) << r.err;
}

}  // namespace
