// End-to-end tests of sharding through the real alsel binary and the tiny models: three
// `alsel select --shard I/3` runs and `alsel merge` must write byte for byte the batch of one
// `alsel select` over the whole pool, on a pool with exact duplicates across shards, raw-equal
// texts (tied scores) across shards, a near-duplicate template and rejected lines.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "alsel/distributed/shard.h"
#include "alsel/util/utf8.h"
#include "cli_test_support.h"

namespace alsel::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr uint32_t kShards = 3;

class ShardCliTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    const std::vector<json> sample =
        parse_jsonl(read_file(std::string(ALSEL_SOURCE_DIR) + "/data/sample_pool.jsonl"));
    ASSERT_EQ(sample.size(), 40u);
    const auto line = [](const std::string& id, const std::string& text) {
      return json({{"id", id}, {"text", text}}).dump() + "\n";
    };
    // Copies whose normalized text equals a sample's (width, spaces and punctuation changed):
    // three before their original in pool order (they are then the first occurrence), the rest
    // after it.
    const auto variant = [&](size_t i) {
      std::string text = sample[i]["text"];
      return " " + text.substr(0, text.size() - 3) + "！";  // "。" -> " ...！"
    };
    std::string a;
    // A tie whose pool order differs from its order within the shards: 20 sentences of
    // tie-orig's shard come first, then tie-orig, then the same text as the first sentence of
    // another shard.
    const uint32_t tie_shard = shard_of("tie-orig", kShards);
    for (int j = 0, fillers = 0; fillers < 20; ++j) {
      const std::string id = "fill-" + std::to_string(j);
      if (shard_of(id, kShards) != tie_shard) continue;
      const std::u32string reversed = [&] {
        std::u32string text =
            decode_utf8(sample[static_cast<size_t>(fillers)]["text"].get<std::string>());
        std::reverse(text.begin(), text.end());
        return text;
      }();
      a += line(id, encode_utf8(reversed));
      ++fillers;
    }
    const std::string tie_text = "周末的书展吸引了很多来自苏州和无锡的读者。";
    a += line("tie-orig", tie_text);
    for (int j = 0;; ++j) {
      tie_twin_ = "tie-twin-" + std::to_string(j);
      if (shard_of(tie_twin_, kShards) != tie_shard) break;
    }
    a += line(tie_twin_, tie_text);
    for (size_t i = 0; i < 3; ++i) a += line("early-copy-" + std::to_string(i), variant(i));
    a += "{not json\n";  // rejected without id: shard 0
    for (size_t i = 0; i < sample.size(); ++i) {
      a += sample[i].dump() + "\n";
      if (i == 20) a += "\n   \n";  // blank lines
    }
    for (size_t i = 3; i < 15; ++i) a += line("copy-" + std::to_string(i), variant(i));
    // Raw-equal texts: the same scores, kept with --dedupe none, ties broken in pool order.
    for (size_t i = 15; i < 27; ++i) a += line("twin-" + std::to_string(i), sample[i]["text"]);
    a += line("bad-empty", "");                         // rejected with an id
    a += line("sample-005", "同一个编号的另一句话。");  // duplicate id, rejected
    write_file(path("pool-a.jsonl"), a);
    std::string b;
    for (int i = 1; i <= 30; ++i) {
      b += line("tpl-" + std::to_string(i),
                "据交易所最新统计，今日上证综合指数收盘于" + std::to_string(3000 + 7 * i) +
                    "点，两市成交额较上一交易日明显放大，沪深两市个股涨多跌少，市场情绪回暖。");
    }
    write_file(path("pool-b.jsonl"), b);

    // The pool must exercise what the merge has to get right.
    size_t cross_copies = 0, cross_twins = 0;
    for (size_t i = 0; i < 15; ++i) {
      const std::string copy = (i < 3 ? "early-copy-" : "copy-") + std::to_string(i);
      cross_copies +=
          shard_of(copy, kShards) != shard_of(sample[i]["id"].get<std::string>(), kShards);
    }
    for (size_t i = 15; i < 27; ++i) {
      cross_twins += shard_of("twin-" + std::to_string(i), kShards) !=
                     shard_of(sample[i]["id"].get<std::string>(), kShards);
    }
    ASSERT_GE(cross_copies, 3u) << "exact duplicates must straddle shards";
    ASSERT_GE(cross_twins, 3u) << "tied scores must straddle shards";
  }

  std::string tie_twin_;  // same text as tie-orig, from another shard, right after it

  std::string model() const { return (tiny_model_dir() / "tiny-crf.pt").string(); }
  // --batch-tokens 1: one window per forward pass, never padded, so that a sentence's scores do
  // not depend on which other sentences share its batch (they differ in the last bits otherwise;
  // docs/distributed.md "Exactness").
  std::vector<std::string> pool_args() const {
    return {"-m", model(), "-p", path("pool-a.jsonl"), path("pool-b.jsonl"), "--batch-tokens", "1"};
  }

  RunResult select(const std::string& out, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"select"};
    const std::vector<std::string> pool = pool_args();
    args.insert(args.end(), pool.begin(), pool.end());
    args.insert(args.end(), {"-o", path(out)});
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }

  // Runs the three shards; returns their candidates files.
  std::vector<std::string> run_shards(const std::string& prefix,
                                      const std::vector<std::string>& extra) {
    std::vector<std::string> files;
    for (uint32_t i = 0; i < kShards; ++i) {
      std::vector<std::string> args = extra;
      args.insert(args.end(), {"--shard", std::to_string(i) + "/" + std::to_string(kShards)});
      const std::string file = prefix + "-" + std::to_string(i) + ".jsonl";
      const RunResult r = select(file, args);
      EXPECT_EQ(r.exit_code, 0) << "shard " << i << ": " << r.err;
      files.push_back(path(file));
    }
    return files;
  }

  RunResult merge(const std::string& out, const std::vector<std::string>& files,
                  const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"merge", "-o", path(out)};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), files.begin(), files.end());
    return run(args);
  }
};

std::vector<std::string> ids_of(const std::vector<json>& lines) {
  std::vector<std::string> ids;
  for (const json& line : lines) ids.push_back(line["id"].get<std::string>());
  return ids;
}

TEST_F(ShardCliTest, ThreeShardsMergeIntoTheSingleRunBatchByteForByte) {
  struct Case {
    std::string dedupe;
    std::string k;
    std::string factor;
  };
  const std::vector<Case> cases = {{"near", "5", "4"},  {"near", "12", "4"},   {"near", "200", "4"},
                                   {"exact", "5", "1"}, {"exact", "200", "1"}, {"none", "5", "1"},
                                   {"none", "200", "1"}};
  bool saw_near_suppression = false, saw_cross_shard_tie = false;
  for (const Case& c : cases) {
    const std::string name = c.dedupe + "-k" + c.k;
    SCOPED_TRACE(name);
    const std::vector<std::string> options = {
        "-k", c.k, "--dedupe", c.dedupe, "--candidate-factor", c.factor};
    std::vector<std::string> single_options = options;
    single_options.insert(single_options.end(), {"--dropped", path(name + "-dropped.jsonl")});
    RunResult r = select(name + "-single.jsonl", single_options);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::vector<std::string> shards = run_shards(name + "-shard", options);
    r = merge(name + "-merged.jsonl", shards,
              {"-k", c.k, "--dropped", path(name + "-merged-dropped.jsonl")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string single = read_file(path(name + "-single.jsonl"));
    ASSERT_FALSE(single.empty());
    EXPECT_EQ(read_file(path(name + "-merged.jsonl")), single);

    // The manifests agree on what was read, dropped and selected.
    const json single_manifest = json::parse(read_file(path(name + "-single.jsonl.manifest.json")));
    const json merged_manifest = json::parse(read_file(path(name + "-merged.jsonl.manifest.json")));
    for (const char* key : {"read", "scored", "rejected", "exact_duplicates", "near_duplicates",
                            "deduplicated", "selected"}) {
      EXPECT_EQ(merged_manifest["counts"][key], single_manifest["counts"][key]) << key;
    }
    EXPECT_EQ(merged_manifest["command"], "merge");
    EXPECT_EQ(merged_manifest["shards"].size(), kShards);

    // The near duplicates suppressed across shards are those of the single run, in order.
    std::vector<json> single_near;
    for (const json& line : parse_jsonl(read_file(path(name + "-dropped.jsonl")))) {
      if (line["reason"] == "near-duplicate") single_near.push_back(line);
    }
    const std::vector<json> merged_near =
        parse_jsonl(read_file(path(name + "-merged-dropped.jsonl")));
    EXPECT_EQ(merged_near, single_near);
    for (const json& line : merged_near) {
      saw_near_suppression |= shard_of(line["id"].get<std::string>(), kShards) !=
                              shard_of(line["duplicate_of"].get<std::string>(), kShards);
    }
    if (c.dedupe == "none" && c.k == "200") {
      const std::vector<json> batch = parse_jsonl(single);
      const std::vector<std::string> ids = ids_of(batch);
      const auto orig = std::find(ids.begin(), ids.end(), "tie-orig");
      ASSERT_NE(orig, ids.end());
      ASSERT_NE(orig + 1, ids.end());
      EXPECT_EQ(*(orig + 1), tie_twin_) << "equal scores, pool order";
      EXPECT_EQ(batch[orig - ids.begin()]["score"], batch[orig - ids.begin() + 1]["score"]);
      for (size_t i = 1; i < batch.size(); ++i) {
        saw_cross_shard_tie |= batch[i]["score"] == batch[i - 1]["score"] &&
                               shard_of(batch[i]["id"].get<std::string>(), kShards) !=
                                   shard_of(batch[i - 1]["id"].get<std::string>(), kShards);
      }
    }
  }
  EXPECT_TRUE(saw_near_suppression) << "no near duplicate was suppressed across shards";
  EXPECT_TRUE(saw_cross_shard_tie) << "no tied scores from different shards in a batch";

  // The other output formats, from the same candidates files, in each tool's default unit and
  // in an explicit one (Prodigy's tokens need the words the candidates files carry).
  for (const std::string format : {"doccano", "label-studio", "prodigy"}) {
    for (const std::vector<std::string>& unit :
         {std::vector<std::string>{}, std::vector<std::string>{"--offset-unit", "utf16"}}) {
      std::vector<std::string> flags = {"--format", format};
      flags.insert(flags.end(), unit.begin(), unit.end());
      std::vector<std::string> select_flags = {"-k", "12"};
      select_flags.insert(select_flags.end(), flags.begin(), flags.end());
      RunResult r = select("single." + format, select_flags);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      r = merge("merged." + format,
                {path("near-k12-shard-0.jsonl"), path("near-k12-shard-1.jsonl"),
                 path("near-k12-shard-2.jsonl")},
                flags);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_EQ(read_file(path("merged." + format)), read_file(path("single." + format)))
          << format << " " << unit.size();
    }
  }
}

// --max-per-entity: the single run keeps at most N sentences per owner (the jsonl "owner"
// field), suppressions are listed in --dropped with the entity, and the shards plus merge give
// the same batch byte for byte.
TEST_F(ShardCliTest, EntityCapHoldsAndMergesExactly) {
  RunResult r = select("uncapped.jsonl", {"-k", "40", "--dedupe", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, int> uncapped;
  for (const json& line : parse_jsonl(read_file(path("uncapped.jsonl")))) ++uncapped[line["owner"].get<std::string>()];
  int most = 0;
  for (const auto& [owner, count] : uncapped) most = std::max(most, count);
  ASSERT_GT(most, 1) << "no owner repeats without the cap: the pool does not test it";
  for (const std::string dedupe : {"none", "near"}) {
    r = select("capped-" + dedupe + ".jsonl", {"-k", "40", "--dedupe", dedupe, "--max-per-entity", "1",
                                                "--dropped", path("dropped-" + dedupe + ".jsonl")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::vector<json> capped = parse_jsonl(read_file(path("capped-" + dedupe + ".jsonl")));
    EXPECT_EQ(capped.size(), 40u) << "the next candidates take the suppressed places";
    std::map<std::string, std::string> first_of;
    for (const json& line : capped) {
      EXPECT_TRUE(first_of.emplace(line["owner"].get<std::string>(), line["id"].get<std::string>()).second)
          << dedupe << ": owner " << line["owner"] << " twice";
    }
    size_t capped_lines = 0;
    for (const json& line : parse_jsonl(read_file(path("dropped-" + dedupe + ".jsonl")))) {
      if (line["reason"] != "entity-cap") continue;
      ++capped_lines;
      ASSERT_TRUE(first_of.count(line["entity"].get<std::string>())) << line.dump();
      EXPECT_EQ(first_of[line["entity"].get<std::string>()], line["duplicate_of"]) << line.dump();
    }
    EXPECT_GT(capped_lines, 0u);
    const json manifest = json::parse(read_file(path("capped-" + dedupe + ".jsonl.manifest.json")));
    EXPECT_EQ(manifest["counts"]["entity_capped"], capped_lines);
    EXPECT_EQ(manifest["settings"]["max_per_entity"], 1);
    const std::vector<std::string> shards =
        run_shards("cap-" + dedupe, {"-k", "40", "--dedupe", dedupe, "--max-per-entity", "1"});
    r = merge("merged-" + dedupe + ".jsonl", shards, {});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(path("merged-" + dedupe + ".jsonl")), read_file(path("capped-" + dedupe + ".jsonl")))
        << dedupe;
  }
  // Shards with another cap do not merge with these.
  const std::vector<std::string> other = run_shards("cap2", {"-k", "40", "--dedupe", "none", "--max-per-entity", "2"});
  const std::vector<std::string> mixed = {path("cap-none-0.jsonl"), other[1], other[2]};
  EXPECT_EQ(merge("mixed.jsonl", mixed, {}).exit_code, 3);
  r = select("negative.jsonl", {"--max-per-entity", "-1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--max-per-entity"), std::string::npos) << r.err;
}

TEST_F(ShardCliTest, CharacterBudgetsMergeIntoTheSingleRunBatchByteForByte) {
  for (const std::string dedupe : {"none", "near"}) {
    for (const std::string budget : {"150", "900", "100000"}) {
      const std::string name = "budget-" + dedupe + "-" + budget;
      SCOPED_TRACE(name);
      const std::vector<std::string> options = {"--budget-chars", budget, "--dedupe", dedupe,
                                                "--candidate-factor", "4"};
      RunResult r = select(name + "-single.jsonl", options);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const std::vector<std::string> shards = run_shards(name + "-shard", options);
      r = merge(name + "-merged.jsonl", shards, {});  // the shards' budget
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const std::string single = read_file(path(name + "-single.jsonl"));
      ASSERT_FALSE(single.empty());
      EXPECT_EQ(read_file(path(name + "-merged.jsonl")), single);
      size_t chars = 0;
      for (const json& line : parse_jsonl(single)) chars += count_code_points(line["text"].get<std::string>());
      EXPECT_LE(chars, std::stoul(budget));
      const json merged = json::parse(read_file(path(name + "-merged.jsonl.manifest.json")));
      EXPECT_EQ(merged["settings"]["budget_chars"], std::stoul(budget));
      EXPECT_EQ(merged["counts"]["selected_chars"], chars);
    }
  }
  // Shards run with a budget and shards run with -k do not merge without saying which.
  const std::vector<std::string> by_budget = run_shards("mixed-b", {"--budget-chars", "300"});
  const std::vector<std::string> by_k = run_shards("mixed-k", {"-k", "5"});
  const RunResult r = merge("mixed.jsonl", {by_budget[0], by_budget[1], by_k[2]}, {});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("different batch sizes"), std::string::npos) << r.err;
}

TEST_F(ShardCliTest, ExactDuplicatesAcrossShardsKeepTheFirstOccurrenceInPoolOrder) {
  const std::vector<std::string> shards = run_shards("shard", {"-k", "200"});
  ASSERT_EQ(merge("merged.jsonl", shards, {}).exit_code, 0);
  const std::vector<std::string> ids = ids_of(parse_jsonl(read_file(path("merged.jsonl"))));
  for (const std::string& id : ids) {
    EXPECT_NE(id.rfind("copy-", 0), 0u) << id << " copies a sentence earlier in the pool";
    EXPECT_NE(id.rfind("twin-", 0), 0u) << id;
  }
  for (const char* early : {"early-copy-0", "early-copy-1", "early-copy-2"}) {
    EXPECT_EQ(std::count(ids.begin(), ids.end(), early), 1) << early << " came first";
  }
  for (const char* later : {"sample-001", "sample-002", "sample-003"}) {
    EXPECT_EQ(std::count(ids.begin(), ids.end(), later), 0) << later;
  }
}

TEST_F(ShardCliTest, EveryRejectedLineLandsInExactlyOneShard) {
  ASSERT_EQ(select("single.jsonl", {"--rejects", path("single-rejects.jsonl")}).exit_code, 0);
  std::multiset<std::string> from_shards;
  for (uint32_t i = 0; i < kShards; ++i) {
    const std::string rejects = path("rejects-" + std::to_string(i) + ".jsonl");
    const RunResult r = select("shard-" + std::to_string(i) + ".jsonl",
                               {"--shard", std::to_string(i) + "/3", "--rejects", rejects});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const json& line : parse_jsonl(read_file(rejects))) from_shards.insert(line.dump());
  }
  std::multiset<std::string> single;
  for (const json& line : parse_jsonl(read_file(path("single-rejects.jsonl")))) {
    single.insert(line.dump());
  }
  EXPECT_EQ(single.size(), 3u);
  EXPECT_EQ(from_shards, single);
  // The line without an id is shard 0's.
  EXPECT_NE(read_file(path("rejects-0.jsonl")).find("invalid JSON"), std::string::npos);
}

TEST_F(ShardCliTest, MergeRefusesWhenACandidateListRunsOutAndARerunFixesIt) {
  // k 5, factor 1: a shard lists 5 candidates, too few once the template is suppressed.
  ASSERT_EQ(select("single.jsonl", {"-k", "5", "--candidate-factor", "1"}).exit_code, 0);
  std::vector<std::string> shards = run_shards("shard", {"-k", "5", "--candidate-factor", "1"});
  RunResult r = merge("merged.jsonl", shards, {});
  ASSERT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot merge exactly"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--candidate-factor"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("merged.jsonl")));
  EXPECT_FALSE(fs::exists(path("merged.jsonl.manifest.json")));
  // Rerunning the shard the error names with a larger factor (then the next one it names, if
  // any) completes the set.
  std::set<uint32_t> rerun;
  while (r.exit_code == 3 && rerun.size() < kShards) {
    const size_t at = r.err.find("candidates of shard ");
    ASSERT_NE(at, std::string::npos) << r.err;
    const std::string shard = r.err.substr(at + 20, r.err.find(' ', at + 20) - at - 20);
    const uint32_t index = static_cast<uint32_t>(std::stoul(shard.substr(0, shard.find('/'))));
    ASSERT_LT(index, kShards) << shard;
    ASSERT_TRUE(rerun.insert(index).second) << "shard " << shard << " named twice: " << r.err;
    const RunResult again = select("shard-" + std::to_string(index) + ".jsonl",
                                   {"-k", "5", "--candidate-factor", "8", "--shard", shard});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    r = merge("merged.jsonl", shards, {});
  }
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(path("merged.jsonl")), read_file(path("single.jsonl")));
}

TEST_F(ShardCliTest, MergeRejectsInconsistentOrIncompleteShardSets) {
  const std::vector<std::string> shards = run_shards("shard", {"-k", "5"});
  const auto expect_input_error = [&](const std::vector<std::string>& files,
                                      const std::string& message, const std::string& file) {
    const RunResult r = merge("merged.jsonl", files, {});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(path("merged.jsonl")));
  };
  expect_input_error({shards[0], shards[2]}, "missing (1)", shards[0]);
  expect_input_error({shards[0], shards[1], shards[1], shards[2]}, "both shard 1/3", shards[1]);

  // Another strategy, another shard count, a batch file, a truncated copy.
  ASSERT_EQ(select("nlc-1.jsonl", {"-k", "5", "-s", "nlc", "--shard", "1/3"}).exit_code, 0);
  expect_input_error({shards[0], path("nlc-1.jsonl"), shards[2]}, "'strategy'", "nlc-1.jsonl");
  ASSERT_EQ(select("two-1.jsonl", {"-k", "5", "--shard", "1/2"}).exit_code, 0);
  expect_input_error({shards[0], path("two-1.jsonl"), shards[2]}, "different shard counts",
                     "two-1.jsonl");
  ASSERT_EQ(select("batch.jsonl", {"-k", "5"}).exit_code, 0);
  expect_input_error({shards[0], path("batch.jsonl"), shards[2]}, "not a shard candidates file",
                     "batch.jsonl");
  std::string copy = read_file(shards[1]);
  copy.erase(copy.rfind('\n', copy.size() - 2) + 1);  // drop the last candidate
  write_file(path("cut-1.jsonl"), copy);
  expect_input_error({shards[0], path("cut-1.jsonl"), shards[2]}, "truncated", "cut-1.jsonl");
  // Another pool.
  write_file(path("other.jsonl"), read_file(path("pool-a.jsonl")));
  ASSERT_EQ(run({"select", "-m", model(), "-p", path("other.jsonl"), "-k", "5", "--shard", "2/3",
                 "-o", path("other-2.jsonl")})
                .exit_code,
            0);
  expect_input_error({shards[0], shards[1], path("other-2.jsonl")}, "'pool'", "other-2.jsonl");
  ASSERT_EQ(merge("merged.jsonl", shards, {}).exit_code, 0) << "the complete set merges";
}

TEST_F(ShardCliTest, ShardFlagsAreValidatedAndAutoReadsTheScheduler) {
  for (const std::string bad : {"3/3", "1/0", "abc", "-1/3", "1/3x", "/3"}) {
    const RunResult r = select("x.jsonl", {"--shard", bad});
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("--shard"), std::string::npos) << r.err;
  }
  // Runs select with only `env` of the scheduler variables (the test may itself run under one).
  const auto run_with_env = [&](const std::string& env, const std::string& out,
                                const std::vector<std::string>& extra) {
    std::string command = env + " " + shell_quote(ALSEL_BINARY) + " select";
    for (const std::string& arg : pool_args()) command += " " + shell_quote(arg);
    command += " -k 5 -o " + shell_quote(path(out));
    for (const std::string& arg : extra) command += " " + shell_quote(arg);
    std::string unset = "env";
    for (const char* name :
         {"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN",
          "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_STEP"}) {
      unset += std::string(" -u ") + name;
    }
    return run_shell(unset + " " + command + " < /dev/null", dir_);
  };
  RunResult r = run_with_env("", "x.jsonl", {"--shard", "auto"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("JOB_COMPLETION_INDEX"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("SLURM_ARRAY_TASK_ID"), std::string::npos) << r.err;
  r = select("x.jsonl", {"--shard", "0/3", "--format", "doccano"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = select("x.jsonl", {"--shard", "0/3", "--report", path("r.html")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(fs::exists(path("x.jsonl")));
  // Kubernetes: the index from the environment, the count from the flag.
  r = run_with_env("JOB_COMPLETION_INDEX=2", "k8s.jsonl", {"--shard", "auto"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--shard-count"), std::string::npos) << r.err;
  r = run_with_env("JOB_COMPLETION_INDEX=2", "k8s.jsonl",
                   {"--shard", "auto", "--shard-count", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Slurm: an array that starts at 1 (--array=1-3): task 2 is shard 1.
  r = run_with_env(
      "SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=3 "
      "SLURM_ARRAY_TASK_COUNT=3",
      "slurm.jsonl", {"--shard", "auto"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json k8s =
      json::parse(read_file(path("k8s.jsonl")).substr(0, read_file(path("k8s.jsonl")).find('\n')));
  EXPECT_EQ(k8s["shard"]["index"], 2);
  EXPECT_EQ(k8s["shard"]["count"], 3);
  EXPECT_EQ(k8s["shard"]["source"], "kubernetes");
  const json manifest = json::parse(read_file(path("slurm.jsonl.manifest.json")));
  EXPECT_EQ(manifest["settings"]["shard"]["index"], 1);
  EXPECT_EQ(manifest["settings"]["shard"]["count"], 3);
  EXPECT_EQ(manifest["settings"]["shard"]["source"], "slurm");
  r = run_with_env("SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_COUNT=3", "bad.jsonl",
                   {"--shard", "auto"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("not below the shard count 3"), std::string::npos) << r.err;
}

TEST_F(ShardCliTest, ScoreShardsPartitionThePool) {
  ASSERT_EQ(run({"score", "-m", model(), "-p", path("pool-a.jsonl"), path("pool-b.jsonl"),
                 "--batch-tokens", "1", "-o", path("all.jsonl")})
                .exit_code,
            0);
  std::multiset<std::string> from_shards;
  for (uint32_t i = 0; i < kShards; ++i) {
    const std::string out = path("score-" + std::to_string(i) + ".jsonl");
    const RunResult r =
        run({"score", "-m", model(), "-p", path("pool-a.jsonl"), path("pool-b.jsonl"),
             "--batch-tokens", "1", "--shard", std::to_string(i) + "/3", "-o", out});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const json& line : parse_jsonl(read_file(out))) {
      EXPECT_EQ(shard_of(line["id"].get<std::string>(), kShards), i) << line["id"];
      from_shards.insert(line.dump());
    }
    EXPECT_EQ(json::parse(read_file(out + ".manifest.json"))["settings"]["shard"]["index"], i);
  }
  std::multiset<std::string> all;
  for (const json& line : parse_jsonl(read_file(path("all.jsonl")))) all.insert(line.dump());
  EXPECT_EQ(from_shards, all);
}

}  // namespace
}  // namespace alsel::testing
