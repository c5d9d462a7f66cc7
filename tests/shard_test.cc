// The shard hash (stable, documented, platform-independent), --shard parsing and --shard auto
// from Kubernetes and Slurm environments.
#include "alsel/distributed/shard.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "alsel/util/errors.h"

namespace alsel {
namespace {

TEST(ShardTest, HashMatchesValuesComputedIndependently) {
  // From the nine-line Python of docs/distributed.md (FNV-1a 64 + SplitMix64 finalizer).
  const std::map<std::string, uint64_t> expected = {
      {"", 0xf52a15e9a9b5e89bULL},       {"sample-001", 0x5d7044ccb2cb1d5eULL},
      {"42", 0xa428ce5471163b02ULL},     {"张伟", 0x561014f7c209f3ccULL},
      {"tpl-17", 0x4b2e8043479a1d87ULL}, {"pool.txt:3", 0xea419c48d3d93dccULL},
  };
  for (const auto& [id, hash] : expected) EXPECT_EQ(shard_hash(id), hash) << id;
  EXPECT_EQ(shard_of("张伟", 3), 2u);
  EXPECT_EQ(shard_of("pool.txt:3", 7), 6u);
  EXPECT_EQ(shard_of("tpl-17", 7), 2u);
}

TEST(ShardTest, ShardsAreBalancedForSequentialIds) {
  constexpr int kIds = 60000;
  for (uint32_t count : {2u, 3u, 7u, 16u, 100u}) {
    std::vector<int> sizes(count, 0);
    for (int i = 0; i < kIds; ++i) ++sizes[shard_of("doc-" + std::to_string(i), count)];
    const double expected = static_cast<double>(kIds) / count;
    double chi_square = 0;
    for (uint32_t s = 0; s < count; ++s) {
      chi_square += (sizes[s] - expected) * (sizes[s] - expected) / expected;
      EXPECT_NEAR(sizes[s], expected, 6 * std::sqrt(expected)) << "shard " << s << " of " << count;
    }
    // Chi-square with count - 1 degrees of freedom: mean count - 1, far below 3 x that.
    EXPECT_LT(chi_square, 3.0 * count + 20) << count << " shards";
  }
}

TEST(ShardTest, OwnershipCoversEveryIdExactlyOnce) {
  for (const std::string id : {"a", "b", "sample-007", "123", "x:9"}) {
    int owners = 0;
    for (uint32_t index = 0; index < 5; ++index) owners += ShardSpec{index, 5, ""}.owns(id);
    EXPECT_EQ(owners, 1) << id;
  }
  EXPECT_TRUE(ShardSpec{}.owns("anything"));  // not sharded
  PoolItem no_id;
  no_id.rejected = true;
  EXPECT_TRUE((ShardSpec{0, 4, ""}.owns_reject(no_id)));
  EXPECT_FALSE((ShardSpec{1, 4, ""}.owns_reject(no_id)));
  PoolItem with_id = no_id;
  with_id.id = "sample-007";
  const uint32_t owner = shard_of("sample-007", 4);
  EXPECT_TRUE((ShardSpec{owner, 4, ""}.owns_reject(with_id)));
  EXPECT_FALSE((ShardSpec{(owner + 1) % 4, 4, ""}.owns_reject(with_id)));
}

TEST(ShardTest, ParsesIndexSlashCount) {
  const ShardSpec spec = parse_shard("2/5");
  EXPECT_EQ(spec.index, 2u);
  EXPECT_EQ(spec.count, 5u);
  EXPECT_EQ(spec.to_string(), "2/5");
  EXPECT_EQ(parse_shard("0/1").count, 1u);
  for (const std::string bad : {"", "5/5", "6/5", "1/0", "-1/3", "1/-3", "a/3", "1/3/4", "1", "/3",
                                "1/", " 1/3", "1/3 ", "+1/3", "1/99999999999"}) {
    EXPECT_THROW(parse_shard(bad), UsageError) << "'" << bad << "'";
  }
  try {
    parse_shard("3/3");
    FAIL();
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("0 to 2"), std::string::npos) << error.what();
  }
}

// An environment made of a map.
EnvironmentLookup environment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const char* name) -> const char* {
    const auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
  };
}

std::string usage_error(const std::string& spec, int64_t count,
                        std::map<std::string, std::string> variables) {
  try {
    resolve_shard(spec, count, environment(std::move(variables)));
  } catch (const UsageError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(ShardTest, ResolvesFlagsAndKubernetesAndSlurmEnvironments) {
  EXPECT_FALSE(resolve_shard("", 0, environment({})).enabled());
  EXPECT_EQ(resolve_shard("1/4", 0, environment({{"JOB_COMPLETION_INDEX", "3"}})).index, 1u);
  EXPECT_EQ(resolve_shard("1/4", 4, environment({})).count, 4u);

  ShardSpec k8s = resolve_shard("auto", 8, environment({{"JOB_COMPLETION_INDEX", "7"}}));
  EXPECT_EQ(k8s.to_string(), "7/8");
  EXPECT_EQ(k8s.source, "kubernetes");

  ShardSpec slurm = resolve_shard(
      "auto", 0, environment({{"SLURM_ARRAY_TASK_ID", "0"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}));
  EXPECT_EQ(slurm.to_string(), "0/4");
  EXPECT_EQ(slurm.source, "slurm");
  // --array=1-4: task ids 1..4 are shards 0..3.
  slurm = resolve_shard("auto", 0,
                        environment({{"SLURM_ARRAY_TASK_ID", "4"},
                                     {"SLURM_ARRAY_TASK_MIN", "1"},
                                     {"SLURM_ARRAY_TASK_MAX", "4"},
                                     {"SLURM_ARRAY_TASK_COUNT", "4"}}));
  EXPECT_EQ(slurm.to_string(), "3/4");
  // --shard-count overrides a missing SLURM_ARRAY_TASK_COUNT.
  EXPECT_EQ(resolve_shard("auto", 6, environment({{"SLURM_ARRAY_TASK_ID", "5"}})).to_string(),
            "5/6");
}

TEST(ShardTest, ExplainsWhatIsMissingOrWrong) {
  const auto expect_message = [](const std::string& message, const std::string& part) {
    EXPECT_NE(message.find(part), std::string::npos) << message;
  };
  expect_message(usage_error("auto", 0, {}), "neither JOB_COMPLETION_INDEX");
  expect_message(usage_error("auto", 0, {{"JOB_COMPLETION_INDEX", "1"}}), "shard-count");
  expect_message(usage_error("auto", 3, {{"JOB_COMPLETION_INDEX", "3"}}), "not below");
  expect_message(usage_error("auto", 3, {{"JOB_COMPLETION_INDEX", "x1"}}),
                 "JOB_COMPLETION_INDEX='x1'");
  expect_message(usage_error("auto", 0, {{"SLURM_ARRAY_TASK_ID", "1"}}), "SLURM_ARRAY_TASK_COUNT");
  expect_message(
      usage_error("auto", 0, {{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "3"}}),
      "not below the shard count 3");
  expect_message(usage_error("auto", 0,
                             {{"SLURM_ARRAY_TASK_ID", "0"},
                              {"SLURM_ARRAY_TASK_COUNT", "3"},
                              {"SLURM_ARRAY_TASK_STEP", "2"}}),
                 "contiguous");
  expect_message(usage_error("auto", 0,
                             {{"SLURM_ARRAY_TASK_ID", "1"},
                              {"SLURM_ARRAY_TASK_MIN", "1"},
                              {"SLURM_ARRAY_TASK_MAX", "5"},
                              {"SLURM_ARRAY_TASK_COUNT", "3"}}),
                 "contiguous");
  expect_message(usage_error("auto", 0,
                             {{"SLURM_ARRAY_TASK_ID", "0"},
                              {"SLURM_ARRAY_TASK_MIN", "1"},
                              {"SLURM_ARRAY_TASK_COUNT", "3"}}),
                 "below SLURM_ARRAY_TASK_MIN");
  expect_message(usage_error("1/3", 4, {}), "contradicts shard-count 4");
  expect_message(usage_error("", 3, {}), "shard-count needs shard auto");
}

TEST(ShardTest, PoolPositionsFollowItemsToTheirScores) {
  PoolPositions positions;
  EXPECT_EQ(positions.next(), 0u);
  const uint64_t second = positions.next();
  positions.remember("b", second);
  positions.remember("c", positions.next());
  EXPECT_EQ(positions.take("c"), 2u);
  EXPECT_EQ(positions.take("b"), 1u);
  EXPECT_THROW(positions.take("b"), std::logic_error);
  EXPECT_EQ(positions.lines(), 3u);
}

}  // namespace
}  // namespace alsel
