// The shard candidates file (round trip, validation) and the merge: on random pools split into
// shards, merging the shards' candidate lists gives exactly the greedy pass over the whole
// pool's ranking, or refuses; it never returns a different batch.
#include "alsel/distributed/shard_merge.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "alsel/util/errors.h"
#include "alsel/distributed/shard_candidates.h"
#include "alsel/util/utf8.h"
#include "scratch_dir.h"

namespace alsel {
namespace {

Selected make_candidate(const std::string& id, const std::string& text, double score,
                        uint64_t position) {
  Selected candidate;
  candidate.score = score;
  candidate.sentence.analysis.id = id;
  candidate.sentence.text = text;
  candidate.sentence.order = position;
  candidate.sentence.file = "pool.jsonl";
  candidate.sentence.line = position + 1;
  return candidate;
}

ShardCandidatesHeader make_header(uint32_t index, uint32_t count, uint64_t scored,
                                  uint64_t candidates) {
  ShardCandidatesHeader header;
  header.shard = ShardSpec{index, count, "--shard"};
  header.k = 3;
  header.candidate_factor = 4;
  header.strategy = "ltp";
  header.model_version = "tiny@0123456789ab";
  header.settings = {{"strategy", "ltp"},
                     {"dedupe",
                      {{"mode", "near"},
                       {"near_threshold", 0.7},
                       {"ngram", 3},
                       {"minhash_hashes", 128},
                       {"seed", 418431329644ULL}}}};
  header.scored = scored;
  header.candidates = candidates;
  header.counts = {{"read", scored}, {"scored", scored}};
  return header;
}

// Ids of shard `index` of `count`: the first ones named prefix + number that hash there.
std::vector<std::string> ids_in_shard(uint32_t index, uint32_t count, size_t how_many) {
  std::vector<std::string> ids;
  for (int i = 0; ids.size() < how_many; ++i) {
    const std::string id = "id-" + std::to_string(i);
    if (shard_of(id, count) == index) ids.push_back(id);
  }
  return ids;
}

std::string write_candidates(const testing::ScratchDir& dir, const std::string& name,
                             const ShardCandidatesHeader& header,
                             const std::vector<Selected>& candidates) {
  std::string content = format_shard_header(header) + "\n";
  for (const Selected& candidate : candidates) content += format_candidate(candidate) + "\n";
  return dir.write(name, content);
}

TEST(ShardCandidatesTest, RoundTripsEveryFieldExactly) {
  const std::vector<std::string> ids = ids_in_shard(1, 3, 4);
  std::vector<Selected> candidates = {
      make_candidate(ids[0], "张伟在北京。😀", std::numeric_limits<double>::infinity(), 7),
      make_candidate(ids[1], "text \"quoted\"", 0.1 + 0.2, 3),
      make_candidate(ids[2], "third", 0.1 + 0.2, 9),
      make_candidate(ids[3], "last", std::numeric_limits<double>::quiet_NaN(), 1),
  };
  Measures& measures = candidates[1].sentence.measures;
  measures = Measures{0.123456789012345678, std::nan(""), -1e-300, 2.5, 1.0 / 3.0, 4};
  candidates[1].sentence.analysis.unknown_entities = 4;
  candidates[1].sentence.analysis.entities = {{0, 2, "PER", "te", 0.987654321}};
  testing::ScratchDir dir;
  const std::string path = write_candidates(dir, "c.jsonl", make_header(1, 3, 10, 4), candidates);
  const ShardCandidates read = read_shard_candidates(path);
  EXPECT_EQ(read.header.shard.to_string(), "1/3");
  EXPECT_EQ(read.header.dedupe, "near");
  EXPECT_EQ(read.header.near.seed, 418431329644ULL);
  EXPECT_TRUE(read.header.truncated());
  ASSERT_EQ(read.candidates.size(), 4u);
  EXPECT_TRUE(std::isinf(read.candidates[0].score));
  EXPECT_EQ(read.candidates[1].score, 0.1 + 0.2);
  EXPECT_TRUE(std::isnan(read.candidates[3].score));
  const Measures& back = read.candidates[1].sentence.measures;
  EXPECT_EQ(back.nlc, measures.nlc);
  EXPECT_TRUE(std::isnan(back.trimmed));
  EXPECT_EQ(back.mnlp, measures.mnlp);
  EXPECT_EQ(back.ltp, measures.ltp);
  EXPECT_EQ(back.unknown_entities, 4);
  ASSERT_EQ(read.candidates[1].sentence.analysis.entities.size(), 1u);
  EXPECT_EQ(read.candidates[1].sentence.analysis.entities[0].confidence, 0.987654321);
  EXPECT_EQ(read.candidates[0].sentence.text, "张伟在北京。😀");
  // Written again, byte for byte the same.
  for (size_t i = 0; i < candidates.size(); ++i) {
    EXPECT_EQ(format_candidate(read.candidates[i]), format_candidate(candidates[i])) << i;
  }
}

TEST(ShardCandidatesTest, RejectsFilesThatAreNotCompleteCandidateLists) {
  testing::ScratchDir dir;
  const std::vector<std::string> ids = ids_in_shard(0, 2, 2);
  const std::string other_shard = ids_in_shard(1, 2, 1)[0];
  const auto expect_error = [&](const std::string& content, const std::string& part) {
    const std::string path = dir.write("bad.jsonl", content);
    try {
      read_shard_candidates(path);
      ADD_FAILURE() << "no error for: " << content;
    } catch (const InputError& error) {
      EXPECT_NE(std::string(error.what()).find(part), std::string::npos) << error.what();
      EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
    }
  };
  const std::string header = format_shard_header(make_header(0, 2, 5, 2)) + "\n";
  const std::string first = format_candidate(make_candidate(ids[0], "a", 0.9, 1)) + "\n";
  const std::string second = format_candidate(make_candidate(ids[1], "b", 0.5, 2)) + "\n";
  expect_error("", "empty");
  expect_error(first, "not a shard candidates file");
  expect_error(header + first, "announces 2 candidates");
  expect_error(header + second + first, ":3: candidates are not best first");
  expect_error(header + first + format_candidate(make_candidate(other_shard, "c", 0.1, 3)) + "\n",
               "does not belong to shard 0/2");
  std::string newer = header;
  newer.replace(newer.find("\"alsel_shard_candidates\":1"), 26, "\"alsel_shard_candidates\":9");
  expect_error(newer + first + second, "version 9");
  expect_error(header + first + "{\"id\": \"x\"\n", ":3:");
  EXPECT_THROW(read_shard_candidates(dir.file("missing.jsonl")), InputError);
  // A hand-edited entity outside its text is the file's fault (exit 3), found when reading.
  Selected edited = make_candidate(ids[0], "李娜", 0.9, 1);
  EntitySpan entity;
  entity.start = 0;
  entity.end = 2;
  entity.label = "PER";
  entity.text = "李娜";
  edited.sentence.analysis.entities.push_back(entity);
  const std::string good = format_candidate(edited);
  std::string bad = good;
  bad.replace(bad.find("\"end\":2"), 7, "\"end\":9");
  const std::string tail = format_candidate(make_candidate(ids[1], "b", 0.5, 2)) + "\n";
  EXPECT_NO_THROW(read_shard_candidates(dir.write("good.jsonl", header + good + "\n" + tail)));
  expect_error(header + bad + "\n" + tail, ":2: entity 0 [0, 9)");
}

// A random pool: texts from a few templates (near duplicates of each other) and unique ones;
// scores from a small set, so that ties are common, and a few NaN.
struct PoolSentence {
  std::string id, text;
  double score;
  uint64_t position;
};

std::vector<PoolSentence> random_pool(std::mt19937_64& random, size_t size) {
  const std::vector<std::string> templates = {
      "the index closed at 3012 points today as trading volume rose across both markets",
      "heavy rain is expected in the north on monday with temperatures near 12 degrees",
      "the company reported revenue of 45 million in the third quarter of the year"};
  std::uniform_int_distribution<int> kind(0, 9), digit(0, 9), letter(0, 25), level(0, 12);
  std::vector<PoolSentence> pool;
  for (size_t i = 0; i < size; ++i) {
    PoolSentence sentence;
    sentence.id = "s" + std::to_string(i) + "-" + std::to_string(random() % 1000);
    const int k = kind(random);
    if (k < 4) {
      sentence.text = templates[static_cast<size_t>(k) % templates.size()];
      for (char& c : sentence.text) {
        if (c >= '0' && c <= '9') c = static_cast<char>('0' + digit(random));
      }
    } else {
      for (int j = 0; j < 30; ++j) sentence.text += static_cast<char>('a' + letter(random));
    }
    const int l = level(random);
    sentence.score = l == 12 ? std::numeric_limits<double>::quiet_NaN() : l / 12.0;
    sentence.position = i * 2 + 1;  // positions need not be dense
    pool.push_back(sentence);
  }
  return pool;
}

bool pool_before(const PoolSentence& a, const PoolSentence& b) {
  return TopKSelector::ranks_before(a.score, a.position, b.score, b.position);
}

TEST(ShardMergeTest, EqualsTheGreedyPassOverTheWholeRankingOrRefuses) {
  std::mt19937_64 random(20250131);
  NearDuplicateConfig near;
  size_t exact = 0, refused = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const std::string dedupe = trial % 3 == 0 ? "none" : "near";
    const uint32_t count = 1 + static_cast<uint32_t>(trial % 5);
    const size_t k = 1 + random() % 12;
    const size_t factor = 1 + random() % 4;
    std::vector<PoolSentence> pool = random_pool(random, 20 + random() % 120);
    SCOPED_TRACE("trial " + std::to_string(trial) + ": " + dedupe + " k=" + std::to_string(k) +
                 " factor=" + std::to_string(factor) + " shards=" + std::to_string(count));

    // The single run: the greedy pass over the whole ranking.
    std::vector<PoolSentence> ranking = pool;
    std::sort(ranking.begin(), ranking.end(), pool_before);
    std::vector<std::string> expected;
    NearDuplicateSuppressor reference(k, near);
    for (const PoolSentence& s : ranking) {
      if (expected.size() == k) break;
      if (dedupe == "none" || reference.offer(make_candidate(s.id, s.text, s.score, s.position))) {
        expected.push_back(s.id);
      }
    }

    // The shards: each lists the best k x factor (near) or k (none) of its own sentences.
    const size_t listed = dedupe == "near" ? k * factor : k;
    std::vector<ShardCandidates> shards(count);
    for (uint32_t index = 0; index < count; ++index) {
      std::vector<PoolSentence> own;
      for (const PoolSentence& s : ranking) {
        if (shard_of(s.id, count) == index) own.push_back(s);
      }
      ShardCandidates& shard = shards[index];
      shard.path = "shard-" + std::to_string(index) + ".jsonl";
      for (size_t i = 0; i < own.size() && i < listed; ++i) {
        shard.candidates.push_back(
            make_candidate(own[i].id, own[i].text, own[i].score, own[i].position));
      }
      shard.header = make_header(index, count, own.size(), shard.candidates.size());
      shard.header.k = static_cast<int>(k);
      shard.header.candidate_factor = static_cast<int>(factor);
    }
    try {
      const ShardMergeResult result = merge_shard_candidates(shards, k, dedupe, near);
      std::vector<std::string> ids;
      for (const Selected& s : result.selected) ids.push_back(s.sentence.analysis.id);
      EXPECT_EQ(ids, expected);
      ++exact;
    } catch (const InputError& error) {
      EXPECT_EQ(dedupe, "near") << "none never runs out with k candidates per shard: "
                                << error.what();
      EXPECT_NE(std::string(error.what()).find("candidate-factor"), std::string::npos);
      ++refused;
    }
  }
  EXPECT_GT(exact, 200u);
  EXPECT_GT(refused, 0u) << "no trial ran out of candidates: the refusal is untested";
}

// --budget-chars: each shard lists the prefix of its ranking that fits (x the factor under
// rules) and its stopper, as select --shard does; the merge equals the single run without rules
// (never refused) and with them, or refuses.
TEST(ShardMergeTest, BudgetMergeEqualsTheSingleRunOrRefuses) {
  std::mt19937_64 random(20261202);
  NearDuplicateConfig near;
  size_t exact = 0, refused = 0, nonempty = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const std::string dedupe = trial % 2 == 0 ? "none" : "near";
    const uint32_t count = 1 + static_cast<uint32_t>(trial % 5);
    const size_t budget = 20 + random() % 400;
    const size_t factor = 1 + random() % 3;
    std::vector<PoolSentence> pool = random_pool(random, 20 + random() % 120);
    SCOPED_TRACE("trial " + std::to_string(trial) + ": " + dedupe + " budget=" + std::to_string(budget) +
                 " factor=" + std::to_string(factor) + " shards=" + std::to_string(count));
    const auto sized = [](const PoolSentence& s) {
      Selected c = make_candidate(s.id, s.text, s.score, s.position);
      c.sentence.analysis.num_chars = static_cast<int>(count_code_points(s.text));
      return c;
    };
    std::vector<PoolSentence> ranking = pool;
    std::sort(ranking.begin(), ranking.end(), pool_before);
    NearDuplicateSuppressor reference(BatchLimit::chars(budget), BatchRules{dedupe == "near", near, 0});
    for (const PoolSentence& s : ranking) {
      if (reference.full()) break;
      reference.offer(sized(s));
    }
    std::vector<std::string> expected;
    for (const Selected& c : reference.take()) expected.push_back(c.sentence.analysis.id);

    std::vector<ShardCandidates> shards(count);
    for (uint32_t index = 0; index < count; ++index) {
      TopKSelector top = TopKSelector::within_chars(budget * (dedupe == "near" ? factor : 1));
      uint64_t own = 0;
      for (const PoolSentence& s : pool) {
        if (shard_of(s.id, count) != index) continue;
        top.offer(s.score, std::move(sized(s).sentence));
        ++own;
      }
      ShardCandidates& shard = shards[index];
      shard.path = "shard-" + std::to_string(index) + ".jsonl";
      shard.candidates = top.take();
      shard.header = make_header(index, count, own, shard.candidates.size());
      shard.header.budget_chars = budget;
      shard.header.candidate_factor = static_cast<int>(factor);
    }
    try {
      const ShardMergeResult result =
          merge_shard_candidates(shards, BatchLimit::chars(budget), dedupe, near);
      std::vector<std::string> ids;
      for (const Selected& c : result.selected) ids.push_back(c.sentence.analysis.id);
      EXPECT_EQ(ids, expected);
      EXPECT_LE(total_chars(result.selected), budget);
      ++exact;
      if (!ids.empty()) ++nonempty;
    } catch (const InputError& error) {
      EXPECT_EQ(dedupe, "near") << "without rules the prefix and its stopper always suffice: " << error.what();
      EXPECT_NE(std::string(error.what()).find("candidate-factor"), std::string::npos) << error.what();
      ++refused;
    }
  }
  EXPECT_GT(exact, 200u);
  EXPECT_GT(nonempty, 150u);
}

TEST(ShardMergeTest, ShortBatchOnlyWhenNoShardWasTruncated) {
  // Two shards that listed everything they scored: fewer than k is simply the pool's size.
  std::vector<ShardCandidates> shards(2);
  for (uint32_t index = 0; index < 2; ++index) {
    const std::vector<std::string> ids = ids_in_shard(index, 2, 2);
    shards[index].path = "s" + std::to_string(index);
    shards[index].candidates = {make_candidate(ids[0], ids[0] + " alpha", 0.9 - index * 0.1, index),
                                make_candidate(ids[1], ids[1] + " omega", 0.5, 10 + index)};
    shards[index].header = make_header(index, 2, 2, 2);
  }
  std::vector<ShardCandidates> copy = shards;
  ShardMergeResult result = merge_shard_candidates(copy, 10, "exact", NearDuplicateConfig{});
  ASSERT_EQ(result.selected.size(), 4u);
  // Equal scores 0.5: pool order (positions 10, 11) decides.
  EXPECT_EQ(result.selected[2].sentence.order, 10u);
  EXPECT_EQ(result.selected[3].sentence.order, 11u);
  // The same lists from a shard that scored more: the batch cannot be known.
  shards[1].header.scored = 7;
  copy = shards;
  try {
    merge_shard_candidates(copy, 10, "exact", NearDuplicateConfig{});
    FAIL() << "merged a short batch although shard 1 had unlisted sentences";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("shard 1/2 (s1: 2 listed of 7 scored)"),
              std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find("-k (now 3)"), std::string::npos) << error.what();
  }
  // k within what every shard listed: exact even though shard 1 is truncated.
  copy = shards;
  EXPECT_EQ(merge_shard_candidates(copy, 2, "exact", NearDuplicateConfig{}).selected.size(), 2u);
  // An id listed by two shards.
  copy = shards;
  copy[1].candidates[1].sentence.analysis.id = copy[0].candidates[0].sentence.analysis.id;
  EXPECT_THROW(merge_shard_candidates(copy, 2, "exact", NearDuplicateConfig{}), InputError);
}

}  // namespace
}  // namespace alsel
