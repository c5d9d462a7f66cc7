// alsel's own JSONL: one line per selected sentence with the raw measures and entities.
#include "writer_factories.h"

#include "alsel/selection/entity_cap.h"
#include "alsel/util/json_output.h"

namespace alsel {

namespace {

class JsonlWriter : public SelectionWriter {
 public:
  JsonlWriter(const WriterOptions& options, std::ostream& out) : options_(options), out_(out) {}

  void write(const Selected& item, int rank) override {
    const ScoredSentence& sentence = item.sentence;
    const OffsetConverter offsets(sentence.text, *options_.offset_unit);
    nlohmann::ordered_json line;
    line["id"] = sentence.analysis.id;
    line["text"] = sentence.text;
    line["rank"] = rank;
    line["score"] = item.score;
    line["strategy"] = options_.strategy;
    add_measures_to_json(sentence.measures, line);
    line["entities"] = entities_to_json(sentence.analysis.entities, &offsets);
    // What the sentence owes its uncertainty to (entity_cap.h): --max-per-entity counts it.
    line["owner"] = item.owner.empty() ? uncertainty_owner(sentence) : item.owner;
    out_ << dump_json(line) << '\n';
    check_stream(out_, "jsonl");
  }

 private:
  WriterOptions options_;
  std::ostream& out_;
};

}  // namespace

std::unique_ptr<SelectionWriter> make_jsonl_writer(const WriterOptions& options,
                                                   std::ostream& out) {
  return std::make_unique<JsonlWriter>(options, out);
}

}  // namespace alsel
