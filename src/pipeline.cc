#include "alsel/pipeline.h"

#include <algorithm>
#include <numeric>
#include <sstream>

#include "alsel/crf.h"
#include "alsel/entities.h"
#include "alsel/errors.h"
#include "alsel/utf8.h"
#include "alsel/windows.h"

namespace alsel {

void InferenceConfig::validate() const {
  if (batch_tokens < 1) throw UsageError("--batch-tokens must be >= 1, got " + std::to_string(batch_tokens));
  if (chunk_sentences < 1) {
    throw UsageError("chunk size must be >= 1 sentence, got " + std::to_string(chunk_sentences));
  }
  if (probabilities != "marginal" && probabilities != "softmax") {
    throw UsageError("--probs must be marginal or softmax, got '" + probabilities + "'");
  }
  if (window_overlap < 0) throw UsageError("--window-overlap must be >= 0, got " + std::to_string(window_overlap));
}

std::string InferenceConfig::to_string() const {
  std::ostringstream out;
  out << "batch_tokens=" << batch_tokens << " chunk_sentences=" << chunk_sentences
      << " probabilities=" << probabilities << " window_overlap=" << window_overlap;
  return out.str();
}

namespace {

// One forward-pass sequence: a window of one sentence, [CLS] and [SEP] included.
struct Segment {
  size_t sentence = 0;  // index in the chunk
  int window_index = 0;  // index in the sentence's windows
  Window window;
  std::vector<int> ids;
};

}  // namespace

Annotator::Annotator(NerModel& model, InferenceConfig config,
                     const std::unordered_set<std::string>* known_entities)
    : model_(model),
      config_(std::move(config)),
      known_entities_(known_entities),
      tokenizer_(model.vocabulary(), model.metadata().tokenizer),
      use_marginals_(model.crf() != nullptr && config_.probabilities == "marginal") {
  config_.validate();
  const int max_pieces = model_.metadata().max_len - 2;
  if (config_.window_overlap == 0) config_.window_overlap = max_pieces / 4;
  if (config_.window_overlap >= max_pieces) {
    throw UsageError("--window-overlap " + std::to_string(config_.window_overlap) +
                     " must be below max_len - 2 = " + std::to_string(max_pieces));
  }
}

std::vector<ScoredSentence> Annotator::annotate(std::vector<PoolItem>& items, uint64_t first_order,
                                                double trim_threshold, PipelineCounts& counts) {
  const ModelMetadata& meta = model_.metadata();
  const int num_labels = static_cast<int>(meta.labels.size());
  const int max_pieces = meta.max_len - 2;
  const Vocabulary& vocab = *model_.vocabulary();

  // Tokenize and cut into windows.
  std::vector<Encoding> encodings(items.size());
  std::vector<std::u32string> texts(items.size());
  std::vector<std::vector<Window>> windows(items.size());
  std::vector<Segment> segments;
  for (size_t i = 0; i < items.size(); ++i) {
    texts[i] = decode_utf8(items[i].text);  // the reader validated the UTF-8
    encodings[i] = tokenizer_.encode(texts[i]);
    const Encoding& encoding = encodings[i];
    if (encoding.word_first_token.empty()) {
      items[i].rejected = true;
      items[i].reason = "text has no tokens (only whitespace or control characters)";
      continue;
    }
    windows[i] = plan_windows(encoding.word_first_token, static_cast<int>(encoding.ids.size()),
                              max_pieces, config_.window_overlap);
    for (size_t w = 0; w < windows[i].size(); ++w) {
      const Window& window = windows[i][w];
      Segment segment;
      segment.sentence = i;
      segment.window_index = static_cast<int>(w);
      segment.window = window;
      segment.ids.reserve(window.end_piece - window.first_piece + 2);
      segment.ids.push_back(vocab.cls_id);
      segment.ids.insert(segment.ids.end(), encoding.ids.begin() + window.first_piece,
                         encoding.ids.begin() + window.end_piece);
      segment.ids.push_back(vocab.sep_id);
      segments.push_back(std::move(segment));
    }
  }

  // Per sentence, emissions at word positions: [W * L], filled window by window.
  std::vector<std::vector<float>> word_emissions(items.size());
  std::vector<std::vector<int>> owners(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].rejected) continue;
    const int num_words = static_cast<int>(encodings[i].word_first_token.size());
    word_emissions[i].assign(static_cast<size_t>(num_words) * num_labels, 0.0f);
    owners[i] = assign_words(windows[i], num_words);
  }

  // Length-sorted segments packed by padded-token budget.
  std::vector<size_t> order(segments.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return segments[a].ids.size() < segments[b].ids.size();
  });
  size_t begin = 0;
  while (begin < order.size()) {
    size_t end = begin;
    size_t longest = 0;
    while (end < order.size()) {
      size_t length = std::max(longest, segments[order[end]].ids.size());
      if (end > begin && length * (end - begin + 1) > static_cast<size_t>(config_.batch_tokens)) break;
      longest = length;
      ++end;
    }
    std::vector<std::vector<int>> batch;
    batch.reserve(end - begin);
    for (size_t k = begin; k < end; ++k) batch.push_back(std::move(segments[order[k]].ids));
    BatchEmissions emissions = model_.emissions(batch);
    ++counts.batches;
    counts.windows += batch.size();
    for (size_t k = begin; k < end; ++k) {
      const Segment& segment = segments[order[k]];
      const size_t i = segment.sentence;
      const Encoding& encoding = encodings[i];
      for (int word = segment.window.first_word; word < segment.window.end_word; ++word) {
        if (owners[i][word] != segment.window_index) continue;
        // +1 skips [CLS].
        const int position = encoding.word_first_token[word] - segment.window.first_piece + 1;
        const float* row = emissions.at(static_cast<int>(k - begin), position);
        std::copy(row, row + num_labels, word_emissions[i].begin() + static_cast<size_t>(word) * num_labels);
      }
    }
    begin = end;
  }

  // Probabilities, paths, entities, measures.
  std::vector<ScoredSentence> results;
  results.reserve(items.size());
  uint64_t next_order = first_order;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].rejected) continue;
    ScoredSentence result;
    result.order = next_order++;
    result.file = items[i].file;
    result.line = items[i].line;
    SentenceAnalysis& analysis = result.analysis;
    analysis.id = items[i].id;
    analysis.num_words = static_cast<int>(encodings[i].word_first_token.size());
    analysis.num_labels = num_labels;
    const float* emissions = word_emissions[i].data();
    if (model_.crf() != nullptr) {
      analysis.best_path = viterbi_decode(emissions, analysis.num_words, *model_.crf());
    } else {
      analysis.best_path = argmax_decode(emissions, analysis.num_words, num_labels);
    }
    analysis.probabilities = use_marginals_
        ? crf_marginals(emissions, analysis.num_words, *model_.crf())
        : softmax_probabilities(emissions, analysis.num_words, num_labels);
    analysis.entities = decode_entities(analysis.best_path, meta.labels, encodings[i].word_spans, texts[i],
                                        &analysis.probabilities);
    analysis.unknown_entities = 0;
    for (const EntitySpan& entity : analysis.entities) {
      if (known_entities_ == nullptr || known_entities_->count(entity.text) == 0) ++analysis.unknown_entities;
    }
    result.measures = compute_measures(analysis, trim_threshold);
    result.word_spans = std::move(encodings[i].word_spans);
    result.text = std::move(items[i].text);
    results.push_back(std::move(result));
  }
  return results;
}

PipelineCounts run_pipeline(const ItemSource& source, Annotator& annotator, double trim_threshold,
                            const ScoredSink& on_scored, const RejectSink& on_rejected) {
  PipelineCounts counts;
  std::vector<PoolItem> chunk;
  const size_t chunk_size = static_cast<size_t>(annotator.config().chunk_sentences);
  uint64_t next_order = 0;
  bool more = true;
  while (more) {
    chunk.clear();
    PoolItem item;
    while (chunk.size() < chunk_size && (more = source(item))) {
      ++counts.read;
      if (item.rejected) {
        ++counts.rejected;
        on_rejected(item);
        continue;
      }
      chunk.push_back(std::move(item));
      item = PoolItem();
    }
    if (chunk.empty()) continue;
    std::vector<ScoredSentence> results = annotator.annotate(chunk, next_order, trim_threshold, counts);
    // Rejects found while tokenizing (no tokens) are reported before this chunk's results.
    for (const PoolItem& rejected : chunk) {
      if (rejected.rejected) {
        ++counts.rejected;
        on_rejected(rejected);
      }
    }
    next_order += results.size();
    counts.scored += results.size();
    for (ScoredSentence& result : results) on_scored(std::move(result));
  }
  return counts;
}

}  // namespace alsel
