// doccano sequence-labeling JSONL: {"text", "label": [[start, end, "TAG"], ...]} with the
// model's entities as pre-annotations; id, score, rank and strategy ride along as extra keys
// (doccano keeps them as metadata). Offsets default to UTF-16 code units, what doccano's
// annotation view counts (tool_offsets.h).
#include "writer_factories.h"

#include "alsel/util/json_output.h"

namespace alsel {

namespace {

class DoccanoWriter : public SelectionWriter {
 public:
  DoccanoWriter(const WriterOptions& options, std::ostream& out) : options_(options), out_(out) {}

  void write(const Selected& item, int rank) override {
    const ScoredSentence& sentence = item.sentence;
    const OffsetConverter offsets(sentence.text, *options_.offset_unit);
    nlohmann::ordered_json labels = nlohmann::ordered_json::array();
    for (const EntitySpan& entity : sentence.analysis.entities) {
      const auto [start, end] = offsets.span_from_code_points(entity.start, entity.end);
      labels.push_back({start, end, entity.label});
    }
    nlohmann::ordered_json line;
    line["text"] = sentence.text;
    line["label"] = std::move(labels);
    line["id"] = sentence.analysis.id;
    line["score"] = item.score;
    line["rank"] = rank;
    line["strategy"] = options_.strategy;
    out_ << dump_json(line) << '\n';
    check_stream(out_, "doccano");
  }

 private:
  WriterOptions options_;
  std::ostream& out_;
};

}  // namespace

std::unique_ptr<SelectionWriter> make_doccano_writer(const WriterOptions& options,
                                                     std::ostream& out) {
  return std::make_unique<DoccanoWriter>(options, out);
}

}  // namespace alsel
