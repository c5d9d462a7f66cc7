// Prodigy JSONL for its ner.manual / ner.correct interfaces: the text, its tokens (the model's
// words, plus every other run of non-space characters, so that Prodigy shows the whole text), the
// model's entities as "spans" on those tokens, and alsel's score in "meta", which Prodigy shows
// beside the task. Offsets are code points (Python string offsets) by default.
//
// _input_hash and _task_hash are left out: Prodigy's loaders compute them (set_hashes) when a
// task has none, from the text and from the text plus spans, so Prodigy's own dedupe applies.
#include "writer_factories.h"

#include <algorithm>

#include "alsel/util/json_output.h"
#include "alsel/text/unicode.h"
#include "alsel/util/utf8.h"

namespace alsel {

namespace {

// Token spans in code points: the words, and the non-whitespace runs between them.
std::vector<std::pair<int, int>> prodigy_tokens(const std::u32string& text,
                                                const std::vector<std::pair<int, int>>& words) {
  std::vector<std::pair<int, int>> tokens;
  const int length = static_cast<int>(text.size());
  size_t w = 0;
  int at = 0;
  while (at < length) {
    while (w < words.size() && words[w].first < at) ++w;  // overlapping or empty word: skip
    if (w < words.size() && words[w].first == at && words[w].second > at) {
      tokens.push_back(words[w]);
      at = std::min(words[w].second, length);
      ++w;
      continue;
    }
    const int gap_end = w < words.size() ? std::min(words[w].first, length) : length;
    while (at < gap_end) {
      if (is_whitespace(text[at])) {
        ++at;
        continue;
      }
      int end = at;
      while (end < gap_end && !is_whitespace(text[end])) ++end;
      tokens.emplace_back(at, end);
      at = end;
    }
    if (at == gap_end && w < words.size() && words[w].first == at && words[w].second <= at) ++w;
  }
  return tokens;
}

// Index of the token holding code point `position` (the last one starting at or before it).
int token_at(const std::vector<std::pair<int, int>>& tokens, int position) {
  const auto after = std::upper_bound(
      tokens.begin(), tokens.end(), position,
      [](int value, const std::pair<int, int>& token) { return value < token.first; });
  return after == tokens.begin() ? 0 : static_cast<int>(after - tokens.begin()) - 1;
}

class ProdigyWriter : public SelectionWriter {
 public:
  ProdigyWriter(const WriterOptions& options, std::ostream& out) : options_(options), out_(out) {}

  void write(const Selected& item, int rank) override {
    const ScoredSentence& sentence = item.sentence;
    const OffsetConverter offsets(sentence.text, *options_.offset_unit);
    const std::u32string code_points = decode_utf8(sentence.text);
    const std::vector<size_t> bytes = code_point_byte_offsets(sentence.text);
    const auto slice = [&](int start, int end) {
      return sentence.text.substr(bytes[start], bytes[end] - bytes[start]);
    };
    const std::vector<std::pair<int, int>> tokens = prodigy_tokens(code_points, sentence.word_spans);

    nlohmann::ordered_json token_list = nlohmann::ordered_json::array();
    for (size_t t = 0; t < tokens.size(); ++t) {
      const auto [start, end] = offsets.span_from_code_points(tokens[t].first, tokens[t].second);
      const bool space_after = tokens[t].second < static_cast<int>(code_points.size()) &&
                               is_whitespace(code_points[tokens[t].second]);
      token_list.push_back({{"text", slice(tokens[t].first, tokens[t].second)},
                            {"start", start},
                            {"end", end},
                            {"id", static_cast<int>(t)},
                            {"ws", space_after}});
    }
    nlohmann::ordered_json spans = nlohmann::ordered_json::array();
    for (const EntitySpan& entity : sentence.analysis.entities) {
      if (entity.end <= entity.start) continue;
      const auto [start, end] = offsets.span_from_code_points(entity.start, entity.end);
      spans.push_back({{"start", start},
                       {"end", end},
                       {"token_start", token_at(tokens, entity.start)},
                       {"token_end", token_at(tokens, entity.end - 1)},  // inclusive
                       {"label", entity.label},
                       {"text", entity.text}});
    }
    nlohmann::ordered_json line;
    line["text"] = sentence.text;
    line["tokens"] = std::move(token_list);
    line["spans"] = std::move(spans);
    line["meta"] = {{"id", sentence.analysis.id},
                    {"score", item.score},
                    {"rank", rank},
                    {"strategy", options_.strategy}};
    out_ << dump_json(line) << '\n';
    check_stream(out_, "prodigy");
  }

 private:
  WriterOptions options_;
  std::ostream& out_;
};

}  // namespace

std::unique_ptr<SelectionWriter> make_prodigy_writer(const WriterOptions& options,
                                                     std::ostream& out) {
  return std::make_unique<ProdigyWriter>(options, out);
}

}  // namespace alsel
