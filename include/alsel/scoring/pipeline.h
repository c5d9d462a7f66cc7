// The scoring pipeline: pool items in, per-sentence analyses and measures out, in pool order.
//
//   alsel::Annotator annotator(*model, inference_config, &known_entities);
//   alsel::PoolReader reader({"pool.jsonl"}, {});
//   alsel::run_pipeline(reader, annotator, trim_threshold,
//       [&](alsel::ScoredSentence&& s) { ... },       // accepted and scored, in pool order
//       [&](const alsel::PoolItem& reject) { ... });  // rejected, with its reason
//
// Stages, with plain data between them (Annotator::prepare / infer / score):
//   prepare  read a chunk of items -> tokenize (and cut long sentences into windows) -> sort
//            the windows by length and pack them into batches by a padded-token budget;
//   infer    the forward passes, emissions gathered at word positions;
//   score    CRF marginals / Viterbi (or softmax / argmax) -> entities -> measures.
// run_pipeline overlaps them (InferenceConfig::overlap): a reader thread prepares the next
// chunk and a scorer thread scores the previous one while the forward passes of the current
// one run on the caller's thread and InferenceConfig::streams - 1 more, so the model never waits
// for the CPU work around it. At most six chunks are alive at a time (one being read, one queued,
// two in the forward passes, one queued, one being scored): memory is bounded by the chunk
// size, never by the pool.
//
// With a ScoreCache (score_cache.h, --cache), the reader looks each chunk up before tokenizing:
// stored sentences skip tokenization and the model, and score() rebuilds them from the stored
// results; the scorer stores what the model scored (one transaction per chunk) before handing
// the chunk to the sinks.
#pragma once

#include <functional>

#include "alsel/scoring/annotator.h"
#include "alsel/data/pool_reader.h"

namespace alsel {

class ScoreCache;

using ScoredSink = std::function<void(ScoredSentence&&)>;
using RejectSink = std::function<void(const PoolItem&)>;
using ItemSource = std::function<bool(PoolItem&)>;

// Streams every item of `source` through the annotator. Each item ends in exactly one sink.
// Scored sentences arrive in pool order. Rejects arrive in pool order per chunk (the reader's as
// they are read, then the chunk's texts without tokens once it is tokenized), before that
// chunk's scored sentences, so --strict stops at the first bad line without waiting for the model.
//
// Threads (config().overlap): `source` and `on_rejected` are called on a reader thread and
// `on_scored` on a scorer thread, but never two callbacks at once (one mutex serializes them),
// so callbacks may share state without locks of their own. The forward passes run on the
// calling thread and config().streams - 1 more (NerModel::emissions is called concurrently). An exception from any stage or callback stops every thread and is rethrown
// here, unchanged, once all of them have ended (a reader blocked inside `source`, e.g. on a
// silent stdin, is waited for).
//
// `cache` (nullable): looked up on the reader thread, written on the scorer thread (it keeps a
// connection for each). A text looked up in vain gets the model again when it recurs later in
// the same call, even if the scorer has stored it by then, so results never depend on timing.
PipelineCounts run_pipeline(const ItemSource& source, Annotator& annotator, double trim_threshold,
                            const ScoredSink& on_scored, const RejectSink& on_rejected,
                            ScoreCache* cache = nullptr);

}  // namespace alsel
