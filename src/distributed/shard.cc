#include "alsel/distributed/shard.h"

#include <cstdlib>
#include <stdexcept>

#include "alsel/util/errors.h"
#include "alsel/util/settings.h"

namespace alsel {

uint64_t shard_hash(std::string_view id) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : id) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  hash ^= hash >> 30;
  hash *= 0xbf58476d1ce4e5b9ULL;
  hash ^= hash >> 27;
  hash *= 0x94d049bb133111ebULL;
  hash ^= hash >> 31;
  return hash;
}

uint32_t shard_of(std::string_view id, uint32_t count) {
  if (count == 0) throw std::invalid_argument("shard_of: count is 0");
  return static_cast<uint32_t>(shard_hash(id) % count);
}

bool ShardSpec::owns(std::string_view id) const {
  return !enabled() || shard_of(id, count) == index;
}

bool ShardSpec::owns_reject(const PoolItem& item) const {
  if (!enabled()) return true;
  return item.id.empty() ? index == 0 : owns(item.id);
}

void ShardSpec::validate() const {
  if (count > kMaxShards) {
    throw UsageError(show_setting("shard") + ": at most " + std::to_string(kMaxShards) + " shards, got " +
                     std::to_string(count));
  }
  if (enabled() && index >= count) {
    throw UsageError(show_setting("shard") + ": index " + std::to_string(index) + " is not below the count " +
                     std::to_string(count) + " (shards are numbered 0 to N-1)");
  }
}

std::string ShardSpec::to_string() const {
  return enabled() ? std::to_string(index) + "/" + std::to_string(count) : "none";
}

namespace {

// A decimal integer without sign, spaces or leading '+'; nullopt-like false when not.
bool parse_decimal(const std::string& text, uint64_t& value) {
  if (text.empty() || text.size() > 18) return false;
  value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

uint64_t env_number(const EnvironmentLookup& environment, const char* name, const std::string& context) {
  const char* value = environment(name);
  uint64_t number = 0;
  if (value == nullptr) throw UsageError(std::string(context) + ": " + name + " is not set");
  if (!parse_decimal(value, number)) {
    throw UsageError(std::string(context) + ": " + name + "='" + value +
                     "' is not a non-negative integer");
  }
  return number;
}

}  // namespace

ShardSpec parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  uint64_t index = 0, count = 0;
  if (slash == std::string::npos || !parse_decimal(text.substr(0, slash), index) ||
      !parse_decimal(text.substr(slash + 1), count)) {
    throw UsageError(show_setting("shard") + " must be I/N (e.g. 0/4) or auto, got '" + text + "'");
  }
  if (count == 0) throw UsageError(show_setting("shard") + " " + text + ": the shard count must be >= 1");
  if (count > kMaxShards) {
    throw UsageError(show_setting("shard") + " " + text + ": at most " + std::to_string(kMaxShards) + " shards");
  }
  if (index >= count) {
    throw UsageError(show_setting("shard") + " " + text + ": the index must be below the count (shards are " +
                     "numbered 0 to " + std::to_string(count - 1) + ")");
  }
  ShardSpec spec;
  spec.index = static_cast<uint32_t>(index);
  spec.count = static_cast<uint32_t>(count);
  spec.source = show_setting("shard");
  return spec;
}

EnvironmentLookup process_environment() {
  return [](const char* name) -> const char* { return std::getenv(name); };
}

ShardSpec resolve_shard(const std::string& spec, int64_t count_flag,
                        const EnvironmentLookup& environment) {
  if (count_flag < 0) {
    throw UsageError(show_setting("shard-count") + " must be >= 1, got " + std::to_string(count_flag));
  }
  if (spec.empty()) {
    if (count_flag > 0) throw UsageError(show_setting("shard-count") + " needs " + show_setting("shard") + " auto");
    return {};
  }
  if (spec != "auto") {
    ShardSpec parsed = parse_shard(spec);
    if (count_flag > 0 && static_cast<uint64_t>(count_flag) != parsed.count) {
      throw UsageError(show_setting("shard") + " " + spec + " contradicts " + show_setting("shard-count") + " " +
                       std::to_string(count_flag));
    }
    return parsed;
  }
  ShardSpec resolved;
  uint64_t index = 0, count = 0;
  if (environment("JOB_COMPLETION_INDEX") != nullptr) {
    const std::string context = show_setting("shard") + " auto (Kubernetes Indexed Job)";
    index = env_number(environment, "JOB_COMPLETION_INDEX", context);
    if (count_flag == 0) {
      throw UsageError(std::string(context) +
                       ": JOB_COMPLETION_INDEX is set but the shard count is not: pass " +
                       show_setting("shard-count") + " N (the Job's spec.completions)");
    }
    count = static_cast<uint64_t>(count_flag);
    resolved.source = "kubernetes";
  } else if (environment("SLURM_ARRAY_TASK_ID") != nullptr) {
    const std::string context = show_setting("shard") + " auto (Slurm job array)";
    const uint64_t id = env_number(environment, "SLURM_ARRAY_TASK_ID", context);
    const uint64_t min = environment("SLURM_ARRAY_TASK_MIN") != nullptr
                             ? env_number(environment, "SLURM_ARRAY_TASK_MIN", context)
                             : 0;
    if (environment("SLURM_ARRAY_TASK_STEP") != nullptr &&
        env_number(environment, "SLURM_ARRAY_TASK_STEP", context) != 1) {
      throw UsageError(std::string(context) +
                       ": SLURM_ARRAY_TASK_STEP=" + environment("SLURM_ARRAY_TASK_STEP") +
                       ": the array must be a contiguous range (--array=0-N-1, step 1)");
    }
    if (id < min) {
      throw UsageError(std::string(context) + ": SLURM_ARRAY_TASK_ID " + std::to_string(id) +
                       " is below SLURM_ARRAY_TASK_MIN " + std::to_string(min));
    }
    index = id - min;
    if (count_flag > 0) {
      count = static_cast<uint64_t>(count_flag);
    } else {
      if (environment("SLURM_ARRAY_TASK_COUNT") == nullptr) {
        throw UsageError(std::string(context) +
                         ": SLURM_ARRAY_TASK_COUNT is not set: pass " + show_setting("shard-count") + " N");
      }
      count = env_number(environment, "SLURM_ARRAY_TASK_COUNT", context);
      if (environment("SLURM_ARRAY_TASK_MAX") != nullptr) {
        const uint64_t max = env_number(environment, "SLURM_ARRAY_TASK_MAX", context);
        if (max < min || max - min + 1 != count) {
          throw UsageError(std::string(context) + ": the array " + std::to_string(min) + "-" +
                           std::to_string(max) + " has " + std::to_string(count) +
                           " tasks: it must be a contiguous range (--array=0-N-1)");
        }
      }
    }
    resolved.source = "slurm";
  } else {
    throw UsageError(
        show_setting("shard") + " auto: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor "
        "SLURM_ARRAY_TASK_ID (Slurm job array) is set; pass " + show_setting("shard") + " I/N");
  }
  if (count == 0 || count > kMaxShards) {
    throw UsageError(show_setting("shard") + " auto: the shard count must be in 1.." + std::to_string(kMaxShards) +
                     ", got " + std::to_string(count));
  }
  if (index >= count) {
    throw UsageError(show_setting("shard") + " auto (" + resolved.source + "): index " + std::to_string(index) +
                     " is not below the shard count " + std::to_string(count));
  }
  resolved.index = static_cast<uint32_t>(index);
  resolved.count = static_cast<uint32_t>(count);
  return resolved;
}

uint64_t PoolPositions::take(const std::string& id) {
  const auto found = in_flight_.find(id);
  if (found == in_flight_.end()) {
    throw std::logic_error("PoolPositions: no position for id '" + id + "'");
  }
  const uint64_t position = found->second;
  in_flight_.erase(found);
  return position;
}

void ShardRequest::register_settings(SettingsRegistry& settings) {
  settings.add_parsed(Setting("shard",
                              "I/N: only shard I of N (stable hash of the id; docs/distributed.md), or auto: "
                              "from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX + " + show_setting("shard-count") +
                                  ") or a Slurm array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT)")
                          .without_default(),
                      spec, [this](const std::string& text) {
                        spec = text;
                        given = true;
                      });
  settings.add(Setting("shard-count", show_setting("shard") +
                                          " auto: the number of shards (required on Kubernetes: the Job's completions)")
                   .without_default(),
               count);
}

ShardSpec ShardRequest::resolve(const EnvironmentLookup& environment) const {
  if (given && spec.empty()) {
    throw UsageError(show_setting("shard") + " is empty: give I/N (e.g. 0/4) or auto, or leave " +
                     show_setting("shard") + " out");
  }
  return resolve_shard(spec, count, environment);
}

}  // namespace alsel
