// Sharding of the pool by a stable hash of the sentence id, so that N machines each score one
// shard (`alsel select --shard I/N`) and `alsel merge` combines their candidates
// (docs/distributed.md).
//
//   alsel::ShardSpec shard = alsel::parse_shard("1/3");
//   shard.owns("sample-001");                        // shard_of("sample-001", 3) == 1
//   alsel::ShardSpec from_env = alsel::resolve_shard("auto", 0, alsel::process_environment());
//
// The hash is part of the file format of a sharded run and never changes: FNV-1a 64 over the
// id's UTF-8 bytes (offset basis 0xcbf29ce484222325, prime 0x100000001b3), then the SplitMix64
// finalizer (x ^= x >> 30; x *= 0xbf58476d1ce4e5b9; x ^= x >> 27; x *= 0x94d049bb133111eb;
// x ^= x >> 31); the shard is that value modulo N. Integer ids hash as their decimal text (the
// pool reader renders them so). Nine lines of Python reproduce it (docs/distributed.md).
//
// Every shard reads the whole pool: the reader's duplicate-id check and the exact-duplicate
// filter see every line, as in a single run, and only the owned sentences reach the model.
// A rejected line belongs to the shard of its id, or to shard 0 when it has no id (invalid
// JSON, missing id, ...), so every rejected line lands in exactly one shard's --rejects.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "alsel/data/pool_reader.h"
#include "alsel/util/settings.h"

namespace alsel {

// FNV-1a 64 of the bytes followed by the SplitMix64 finalizer (see above).
uint64_t shard_hash(std::string_view id);
// shard_hash(id) % count; count >= 1.
uint32_t shard_of(std::string_view id, uint32_t count);

struct ShardSpec {
  uint32_t index = 0;  // this shard, in [0, count)
  uint32_t count = 0;  // number of shards; 0 = not sharded (the whole pool)
  std::string source;  // where index and count came from: "--shard", "kubernetes", "slurm"

  bool enabled() const { return count > 0; }
  // True when the sentence with this id belongs to this shard (always when not sharded).
  bool owns(std::string_view id) const;
  // True when this shard reports the rejected pool line: its id's shard, or shard 0 without id.
  bool owns_reject(const PoolItem& item) const;
  void validate() const;          // throws UsageError unless count == 0 or index < count
  std::string to_string() const;  // "I/N", or "none"
};

// "I/N" with decimal 0 <= I < N <= kMaxShards. Throws UsageError naming the value otherwise.
ShardSpec parse_shard(const std::string& text);
constexpr uint32_t kMaxShards = 1u << 20;

// Looks up an environment variable; nullptr when unset.
using EnvironmentLookup = std::function<const char*(const char* name)>;
// std::getenv.
EnvironmentLookup process_environment();

// The shard of a run from `--shard` (`spec`, empty = not sharded) and `--shard-count`
// (`count_flag`, 0 = not given):
//   "I/N"   as parse_shard; --shard-count must then be absent (or equal to N);
//   "auto"  a Kubernetes Indexed Job: index JOB_COMPLETION_INDEX, count --shard-count (the Job's
//           completions; Kubernetes does not export it). Else a Slurm job array: index
//           SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN (arrays may start at 1), count
//           --shard-count or SLURM_ARRAY_TASK_COUNT; the array must be a contiguous range with
//           step 1 (SLURM_ARRAY_TASK_MAX - MIN + 1 == COUNT).
// Throws UsageError saying which variable or flag is missing or bad.
ShardSpec resolve_shard(const std::string& spec, int64_t count_flag,
                        const EnvironmentLookup& environment);

// --shard and --shard-count as given, resolved once parsed (resolve_shard).
struct ShardRequest {
  std::string spec;    // I/N or auto; empty = the whole pool
  bool given = false;  // --shard was given (an empty spec then is a usage error, not "unsharded")
  int64_t count = 0;   // --shard-count; 0 = not given
  void register_settings(SettingsRegistry& settings);
  ShardSpec resolve(const EnvironmentLookup& environment) const;
};

// Tracks, for a sharded run, the pool position of each owned sentence between the reader and
// the scored sink: a sentence's position is the 0-based index of its line among the non-blank
// lines of the whole pool (all files, in order), the same in every shard, so that `alsel merge`
// breaks ties of equal scores in pool order exactly as a single run does.
class PoolPositions {
 public:
  // Called once per item the reader yields (rejects included), in pool order: its position.
  uint64_t next() { return next_++; }
  // Remembers the position of an accepted sentence handed to the pipeline.
  void remember(const std::string& id, uint64_t position) { in_flight_[id] = position; }
  // The position of a scored sentence, forgotten afterwards. Throws std::logic_error for an id
  // never remembered.
  uint64_t take(const std::string& id);
  uint64_t lines() const { return next_; }  // items yielded so far

 private:
  uint64_t next_ = 0;
  std::unordered_map<std::string, uint64_t> in_flight_;  // ids unique among accepted items;
                                                         // at most the pipeline's chunks
};

}  // namespace alsel
