#include "alsel/distributed/shard_merge.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "alsel/util/errors.h"
#include "alsel/util/settings.h"

namespace alsel {

namespace {

struct Entry {
  Selected* candidate;
  size_t shard;  // index into the shards vector
};

bool entry_before(const Entry& a, const Entry& b) {
  return TopKSelector::ranks_before(a.candidate->score, a.candidate->sentence.order,
                                    b.candidate->score, b.candidate->sentence.order);
}

[[noreturn]] void refuse(const ShardCandidates& shard, size_t accepted, BatchLimit limit,
                         size_t suppressed, const std::string& dedupe) {
  const ShardCandidatesHeader& header = shard.header;
  std::string message = "cannot merge exactly: " + std::to_string(accepted) + " sentences accepted (" +
                        limit.to_string() + ")";
  if (suppressed > 0 || dedupe == "near") {
    message += " after " + std::to_string(suppressed) + " suppressions (near duplicates, " + show_setting("max-per-entity") + ")";
  }
  message +=
      " when the candidates of shard " + header.shard.to_string() + " (" + shard.path + ": " +
      std::to_string(header.candidates) + " listed of " + std::to_string(header.scored) +
      " scored) ran out, and its unlisted sentences could change the batch; rerun that "
      "shard (or all) with a larger " +
      (dedupe == "near" || header.max_per_entity > 0
           ? show_setting("candidate-factor") + " (now " + std::to_string(header.candidate_factor) + ")"
       : header.budget_chars > 0 ? show_setting("budget-chars") + " (now " + std::to_string(header.budget_chars) + ")"
                                 : "-k (now " + std::to_string(header.k) + ")");
  throw InputError(message);
}

}  // namespace

ShardMergeResult merge_shard_candidates(std::vector<ShardCandidates>& shards, BatchLimit limit,
                                        const std::string& dedupe,
                                        const NearDuplicateConfig& near, int max_per_entity) {
  std::vector<Entry> merged;
  std::unordered_map<std::string, size_t> owner;  // id -> shard, to catch an id listed twice
  // The bound: the best-ranked among the last candidates of truncated shards. A truncated shard
  // that listed nothing makes every candidate unsafe.
  struct Bound {
    double score;
    uint64_t position;
    size_t shard;
  };
  std::optional<Bound> bound;
  std::optional<size_t> empty_truncated;
  for (size_t s = 0; s < shards.size(); ++s) {
    for (Selected& candidate : shards[s].candidates) {
      const auto [found, inserted] = owner.emplace(candidate.sentence.analysis.id, s);
      if (!inserted) {
        throw InputError("id '" + candidate.sentence.analysis.id + "' is listed by both " +
                         shards[found->second].path + " and " + shards[s].path);
      }
      merged.push_back(Entry{&candidate, s});
    }
    if (!shards[s].header.truncated()) continue;
    if (shards[s].candidates.empty()) {
      if (!empty_truncated) empty_truncated = s;
      continue;
    }
    const Selected& last = shards[s].candidates.back();
    if (!bound || TopKSelector::ranks_before(last.score, last.sentence.order, bound->score,
                                             bound->position)) {
      bound = Bound{last.score, last.sentence.order, s};
    }
  }
  std::sort(merged.begin(), merged.end(), entry_before);

  ShardMergeResult result;
  if (!limit.by_chars() && limit.k == 0) return result;
  if (empty_truncated) refuse(shards[*empty_truncated], 0, limit, 0, dedupe);
  // Without rules the suppressor accepts every candidate until the limit: the same pass.
  NearDuplicateSuppressor suppressor(limit, BatchRules{dedupe == "near", near, max_per_entity});
  for (const Entry& entry : merged) {
    if (suppressor.full()) break;
    if (bound && TopKSelector::ranks_before(bound->score, bound->position, entry.candidate->score,
                                            entry.candidate->sentence.order)) {
      refuse(shards[bound->shard], suppressor.accepted(), limit, suppressor.suppressed().size(), dedupe);
    }
    ++result.candidates_used;
    suppressor.offer(std::move(*entry.candidate));
  }
  if (!suppressor.full() && bound) {
    refuse(shards[bound->shard], suppressor.accepted(), limit, suppressor.suppressed().size(), dedupe);
  }
  result.suppressed = suppressor.suppressed();
  result.selected = suppressor.take();
  return result;
}

}  // namespace alsel
