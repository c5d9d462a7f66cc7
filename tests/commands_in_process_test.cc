// The subcommands called in-process (alsel_app, no libtorch) with the FakeModel of
// pipeline_test_support.h as their ModelFactory: rejects, strict mode, exclusions, refill, cache
// hits, shard output and merge, manifests, eval and info. The end-to-end tests run the binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "alsel/app/commands.h"
#include "alsel/util/errors.h"
#include "pipeline_test_support.h"
#include "scratch_dir.h"

namespace alsel::testing {
namespace {

using nlohmann::json;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> lines;
  std::istringstream in(read_text(path));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  return lines;
}

// A factory that hands out FakeModels and counts the loads.
struct FakeFactory {
  int loads = 0;
  ModelFactory factory() {
    return [this](const ModelOptions&) -> std::unique_ptr<NerModel> {
      ++loads;
      return std::make_unique<FakeModel>(24);
    };
  }
};

class CommandsInProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_path_ = dir_.write("fake-model.pt", "not a TorchScript archive: the FakeModel is used");
    // Words of a..z only (the FakeModel's vocabulary); every text distinct.
    const std::vector<std::string> words = {"alpha", "beta", "gamma", "delta", "omega", "kappa",
                                            "sigma", "zeta", "theta", "lambda", "rho", "tau"};
    std::string pool;
    for (int i = 0; i < 30; ++i) {
      std::string text;
      for (int w = 0; w < 2 + i % 5; ++w) text += (w ? " " : "") + words[(i * 7 + w * 5) % words.size()];
      text += " n" + std::string(1, static_cast<char>('a' + i % 26)) + std::string(i / 26 + 1, 'q');
      pool += json({{"id", "s" + std::to_string(i)}, {"text", text}}).dump() + "\n";
      if (i == 10) pool += "{not json\n";                                   // rejected, no id
      if (i == 20) pool += json({{"id", "empty"}, {"text", ""}}).dump() + "\n";  // rejected
    }
    pool_path_ = dir_.write("pool.jsonl", pool);
  }

  SelectConfig select_config(const std::string& out) const {
    SelectConfig config;
    config.model.path = model_path_;
    config.pool.paths = {pool_path_};
    config.pool.rejects_path = dir_.file(out + ".rejects.jsonl");
    config.k = 5;
    config.out = dir_.file(out);
    config.progress.mode = ProgressMode::kNone;
    return config;
  }

  ScratchDir dir_;
  std::string model_path_, pool_path_;
  FakeFactory fake_;
};

TEST_F(CommandsInProcessTest, SelectRanksAsScoreMeasuresAndRejectsWhatItCannotRead) {
  SelectConfig select = select_config("batch.jsonl");
  select.dedupe.mode = DedupeMode::kNone;
  const RunSummary summary = run_select(select, fake_.factory());
  EXPECT_EQ(fake_.loads, 1);
  EXPECT_EQ(summary.counts.scored, 30u);
  EXPECT_EQ(summary.counts.rejected, 2u);
  EXPECT_EQ(summary.selected, 5u);
  const std::vector<json> batch = read_jsonl(select.out);
  ASSERT_EQ(batch.size(), 5u);
  const std::vector<json> rejects = read_jsonl(select.pool.rejects_path);
  ASSERT_EQ(rejects.size(), 2u);
  for (const json& reject : rejects) {
    EXPECT_FALSE(reject.value("reason", "").empty()) << reject.dump();
    EXPECT_GT(reject["line"].get<int>(), 0) << reject.dump();
  }

  // alsel score's ltp measures, ranked by 1 - ltp (ties in pool order), give the same batch.
  ScoreConfig score;
  score.model.path = model_path_;
  score.pool.paths = {pool_path_};
  score.out = dir_.file("scores.jsonl");
  score.progress.mode = ProgressMode::kNone;
  run_score(score, fake_.factory());
  std::vector<std::pair<double, size_t>> ranked;
  std::vector<std::string> ids;
  for (const json& line : read_jsonl(score.out)) {
    ranked.emplace_back(1.0 - line["ltp"].get<double>(), ids.size());
    ids.push_back(line["id"]);
  }
  ASSERT_EQ(ids.size(), 30u);
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(batch[i]["id"], ids[ranked[i].second]) << "rank " << i + 1;
    EXPECT_NEAR(batch[i]["score"].get<double>(), ranked[i].first, 1e-12);
  }

  // The manifest says what happened.
  const json manifest = json::parse(read_text(select.out + ".manifest.json"));
  EXPECT_EQ(manifest["command"], "select");
  EXPECT_EQ(manifest["counts"]["scored"], 30);
  EXPECT_EQ(manifest["counts"]["rejected"], 2);
  EXPECT_EQ(manifest["counts"]["selected"], 5);
  EXPECT_EQ(manifest["settings"]["strategy"], "ltp");
  EXPECT_EQ(manifest["settings"]["k"], 5);
}

TEST_F(CommandsInProcessTest, StrictModeStopsAtTheFirstBadLineAndWritesNothing) {
  SelectConfig select = select_config("strict.jsonl");
  select.pool.strict = true;
  EXPECT_THROW(run_select(select, fake_.factory()), InputError);
  for (const std::string& name : dir_.entries()) {
    EXPECT_EQ(name.find("strict"), std::string::npos) << name << " was left behind";
  }
}

TEST_F(CommandsInProcessTest, ExclusionsNeverReachTheBatch) {
  SelectConfig all = select_config("all.jsonl");
  all.k = 30;
  all.dedupe.mode = DedupeMode::kNone;
  run_select(all, fake_.factory());
  const std::vector<json> everything = read_jsonl(all.out);
  ASSERT_EQ(everything.size(), 30u);
  // Exclude the three best-ranked ids: the batch is the next five.
  const std::string sent = dir_.write("sent.txt", everything[0]["id"].get<std::string>() + "\n" +
                                                      everything[1]["id"].get<std::string>() + "\n" +
                                                      everything[2]["id"].get<std::string>() + "\n");
  SelectConfig select = select_config("excluded.jsonl");
  select.dedupe.mode = DedupeMode::kNone;
  select.exclusion.exclude = {sent};
  const RunSummary summary = run_select(select, fake_.factory());
  EXPECT_EQ(summary.excluded_sent, 3u);
  const std::vector<json> batch = read_jsonl(select.out);
  ASSERT_EQ(batch.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(batch[i]["id"], everything[i + 3]["id"]) << i;
}

TEST_F(CommandsInProcessTest, RefillKeepsTheBatchFullWhenNearDuplicatesAreSuppressed) {
  // The same sentence, with one letter changed, many times: near duplicates of each other.
  std::string pool;
  for (int i = 0; i < 12; ++i) {
    pool += json({{"id", "copy" + std::to_string(i)},
                  {"text", "alpha beta gamma delta omega kappa sigma zeta theta lambda x" +
                               std::string(1, static_cast<char>('a' + i))}}).dump() + "\n";
  }
  pool += read_text(pool_path_);
  SelectConfig select = select_config("refill.jsonl");
  select.pool.paths = {dir_.write("near.jsonl", pool)};
  select.dedupe.candidate_factor = 1;  // the first pass keeps only k: refill must fetch more
  const RunSummary summary = run_select(select, fake_.factory());
  EXPECT_EQ(summary.selected, 5u);
  int copies = 0;
  for (const json& line : read_jsonl(select.out)) copies += line["id"].get<std::string>().rfind("copy", 0) == 0;
  EXPECT_LE(copies, 1) << "near duplicates in the batch";
  EXPECT_GT(summary.near_duplicates, 0u);
  const json manifest = json::parse(read_text(select.out + ".manifest.json"));
  EXPECT_EQ(manifest["counts"]["near_duplicates"], summary.near_duplicates);
  EXPECT_EQ(manifest["counts"]["refill_passes"], summary.refill_passes);
}

TEST_F(CommandsInProcessTest, ASecondRunReadsTheCacheAndWritesTheSameBatch) {
  SelectConfig first = select_config("first.jsonl");
  first.cache = dir_.file("scores.sqlite");
  const RunSummary cold = run_select(first, fake_.factory());
  EXPECT_EQ(cold.counts.cache_hits, 0u);
  SelectConfig second = select_config("second.jsonl");
  second.cache = first.cache;
  const RunSummary warm = run_select(second, fake_.factory());
  EXPECT_EQ(warm.counts.cache_hits, 30u);
  EXPECT_EQ(read_text(second.out), read_text(first.out));
  const json manifest = json::parse(read_text(second.out + ".manifest.json"));
  EXPECT_EQ(manifest["cache"]["hits"], 30);
}

TEST_F(CommandsInProcessTest, ShardsMergeIntoTheSingleRunBatch) {
  SelectConfig single = select_config("single.jsonl");
  run_select(single, fake_.factory());
  std::vector<std::string> shards;
  for (uint32_t index = 0; index < 2; ++index) {
    SelectConfig shard = select_config("shard-" + std::to_string(index) + ".jsonl");
    shard.shard = ShardSpec{index, 2, "--shard"};
    const RunSummary summary = run_select(shard, fake_.factory());
    EXPECT_LT(summary.counts.scored, 30u);
    shards.push_back(shard.out);
  }
  MergeConfig merge;
  merge.inputs = shards;
  merge.out = dir_.file("merged.jsonl");
  const RunSummary merged = run_merge(merge);
  EXPECT_EQ(merged.selected, 5u);
  EXPECT_EQ(read_text(merge.out), read_text(single.out));
}

TEST_F(CommandsInProcessTest, EvalOfTheModelsOwnPredictionsIsPerfect) {
  // Gold = the FakeModel's own decoded tags (alsel score's "tags"), as BIO with one word a line.
  ScoreConfig score;
  score.model.path = model_path_;
  score.pool.paths = {pool_path_};
  score.out = dir_.file("scores.jsonl");
  score.progress.mode = ProgressMode::kNone;
  run_score(score, fake_.factory());
  std::map<std::string, std::string> texts;
  std::string bio;
  size_t entities = 0;
  std::istringstream pool(read_text(pool_path_));
  for (std::string line; std::getline(pool, line);) {
    try {
      const json item = json::parse(line);
      texts[item["id"]] = item["text"];
    } catch (const json::exception&) {
    }
  }
  for (const json& line : read_jsonl(score.out)) {
    std::istringstream words(texts.at(line["id"]));
    size_t w = 0;
    for (std::string word; words >> word; ++w) {
      const std::string tag = line["tags"].at(w);
      bio += word + "\t" + tag + "\n";
      entities += tag.rfind("B-", 0) == 0;
    }
    bio += "\n";
  }
  ASSERT_GT(entities, 0u) << "the FakeModel predicts no entity: the test would be vacuous";
  EvalConfig eval;
  eval.model.path = model_path_;
  eval.data = {dir_.write("gold.bio", bio)};
  eval.json = true;
  eval.out = dir_.file("eval.json");
  EXPECT_DOUBLE_EQ(run_eval(eval, fake_.factory()), 100.0);
  // One gold tag changed: no longer perfect.
  const size_t b = bio.find("\tB-PER");
  ASSERT_NE(b, std::string::npos);
  bio.replace(b, 6, "\tO");
  eval.data = {dir_.write("gold-changed.bio", bio)};
  EXPECT_LT(run_eval(eval, fake_.factory()), 100.0);
}

TEST_F(CommandsInProcessTest, InfoPrintsTheModelsLabels) {
  InfoConfig info;
  info.model.path = model_path_;
  info.json = true;
  std::ostringstream out;
  run_info(info, fake_.factory(), out);
  const json printed = json::parse(out.str());
  EXPECT_EQ(printed["labels"], json({"O", "B-PER", "I-PER"}));
  EXPECT_EQ(printed["crf"], true);
  EXPECT_EQ(printed["device"], "fake");
}

}  // namespace
}  // namespace alsel::testing
