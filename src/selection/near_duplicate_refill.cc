#include "alsel/selection/near_duplicate_refill.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <numeric>

#include "alsel/util/id_set.h"
#include "alsel/util/settings.h"

namespace alsel {

RescoreFunction pool_rescorer(const std::vector<std::string>& paths, const PoolReaderConfig& reader,
                              Annotator& annotator, double trim_threshold,
                              const std::vector<RankEntry>& ranking, ScoreCache* cache) {
  return [paths, reader, &annotator, trim_threshold, &ranking, cache](
             const std::unordered_map<uint64_t, uint32_t>& wanted) {
    PoolReader again(paths, reader);
    std::vector<Selected> refill;
    run_pipeline(
        [&](PoolItem& item) {
          while (again.next(item)) {
            if (!item.rejected && wanted.count(hash_id(item.id)) != 0) return true;
          }
          return false;
        },
        annotator, trim_threshold,
        [&](ScoredSentence&& sentence) {
          const auto found = wanted.find(hash_id(sentence.analysis.id));
          if (found == wanted.end()) return;
          sentence.order = found->second;  // the first pass's order and score: ranks agree
          refill.push_back(Selected{ranking[found->second].score, std::move(sentence), std::string()});
        },
        [](const PoolItem&) {}, cache);
    return refill;
  };
}

NearDuplicateBatch select_without_near_duplicates(std::vector<Selected> candidates,
                                                  const std::vector<RankEntry>& ranking, BatchLimit limit,
                                                  size_t candidate_factor,
                                                  const BatchRules& rules,
                                                  const RescoreFunction& rescore) {
  NearDuplicateBatch batch;
  NearDuplicateSuppressor suppressor(limit, rules);
  size_t consumed = candidates.size();  // ranking positions offered so far
  for (Selected& candidate : candidates) {
    if (suppressor.full()) break;
    suppressor.offer(std::move(candidate));
  }
  std::vector<uint32_t> order;   // pool orders, best first; built on the first refill
  size_t last_fetch = consumed;  // candidates fetched by the previous pass
  while (!suppressor.full() && consumed < ranking.size()) {
    if (!rescore) {
      spdlog::warn(
          "{} candidates suppressed and the pool (stdin) cannot be read again: {} selected ({}); "
          "raise {} (now {})",
          suppressor.suppressed().size(), suppressor.accepted(), limit.to_string(), show_setting("candidate-factor"),
          candidate_factor);
      batch.short_of_candidates = true;
      break;
    }
    const auto started = std::chrono::steady_clock::now();
    if (order.empty()) {
      order.resize(ranking.size());
      std::iota(order.begin(), order.end(), 0u);
      std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return TopKSelector::ranks_before(ranking[a].score, a, ranking[b].score, b);
      });
    }
    // At least twice the previous fetch: passes stay logarithmic in the pool even when nearly
    // every candidate is suppressed.
    const size_t wanted_more = limit.by_chars() ? candidate_factor  // sizes unknown: doubling
                                                : (limit.k - suppressor.accepted()) * candidate_factor;
    last_fetch = std::max(wanted_more, 2 * last_fetch);
    const size_t fetch = std::min(last_fetch, ranking.size() - consumed);
    std::unordered_map<uint64_t, uint32_t> wanted;  // id hash -> pool order
    for (size_t i = consumed; i < consumed + fetch; ++i) wanted.emplace(ranking[order[i]].id_hash, order[i]);
    spdlog::info("refill pass {}: {} candidates suppressed, scoring the next {} candidates again",
                 batch.refill_passes + 1, suppressor.suppressed().size(), fetch);
    std::vector<Selected> refill = rescore(wanted);
    if (refill.size() != fetch) {
      spdlog::warn("refill pass found {} of {} candidates: the pool changed since the first pass",
                   refill.size(), fetch);
    }
    std::sort(refill.begin(), refill.end(), [](const Selected& a, const Selected& b) {
      return TopKSelector::ranks_before(a.score, a.sentence.order, b.score, b.sentence.order);
    });
    for (Selected& candidate : refill) {
      if (suppressor.full()) break;
      suppressor.offer(std::move(candidate));
    }
    consumed += fetch;
    ++batch.refill_passes;
    batch.refill_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  batch.suppressed = suppressor.suppressed();
  batch.selected = suppressor.take();
  return batch;
}

}  // namespace alsel
