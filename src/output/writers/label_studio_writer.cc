// Label Studio task import: one JSON array, one task per line, each with the model's entities
// as a prediction that annotators accept or correct. from_name/to_name must match the user's
// labeling config (<Labels name="label" toName="text"> ... <Text name="text" value="$text"/>).
#include "writer_factories.h"

#include <spdlog/spdlog.h>

#include "alsel/util/json_output.h"

namespace alsel {

namespace {

class LabelStudioWriter : public SelectionWriter {
 public:
  LabelStudioWriter(const WriterOptions& options, std::ostream& out)
      : options_(options), out_(out) {
    out_ << '[';
  }

  void write(const Selected& item, int rank) override {
    const ScoredSentence& sentence = item.sentence;
    const OffsetConverter offsets(sentence.text, *options_.offset_unit);
    nlohmann::ordered_json result = nlohmann::ordered_json::array();
    int index = 0;
    for (const EntitySpan& entity : sentence.analysis.entities) {
      nlohmann::ordered_json region;
      // Region ids only need to be unique within the task.
      region["id"] = "r" + std::to_string(rank) + "e" + std::to_string(index++);
      region["from_name"] = options_.from_name;
      region["to_name"] = options_.to_name;
      region["type"] = "labels";
      const auto [start, end] = offsets.span_from_code_points(entity.start, entity.end);
      region["value"] = {{"start", start},
                         {"end", end},
                         {"text", entity.text},
                         {"labels", {entity.label}}};
      region["score"] = entity.confidence;
      result.push_back(std::move(region));
    }
    nlohmann::ordered_json task;
    task["data"] = {{"text", sentence.text},
                    {"id", sentence.analysis.id},
                    {"al_score", item.score},
                    {"al_rank", rank},
                    {"al_strategy", options_.strategy}};
    nlohmann::ordered_json prediction;
    prediction["model_version"] = options_.model_version;
    // The prediction's confidence: the lowest probability on the decoded path (ltp).
    prediction["score"] = sentence.measures.ltp;
    prediction["result"] = std::move(result);
    task["predictions"] = nlohmann::ordered_json::array({std::move(prediction)});
    if (has_supplementary_code_points(sentence.text)) {
      if (astral_tasks_++ == 0) first_astral_id_ = sentence.analysis.id;
    }
    out_ << (first_ ? "\n" : ",\n") << dump_json(task);
    first_ = false;
    check_stream(out_, "label-studio");
  }

  void finish() override {
    out_ << (first_ ? "]\n" : "\n]\n");
    check_stream(out_, "label-studio");
    if (astral_tasks_ > 0) {
      // Label Studio issue #4988: some 1.9+ frontends draw regions shifted after such characters.
      spdlog::warn(
          "label-studio: {} task(s) hold characters above U+FFFF (emoji, CJK extension B+), the "
          "first id {}; their regions are in {} offsets, which Label Studio 1.4 draws right, but "
          "some 1.9+ versions draw them shifted (Label Studio issue #4988): check one such task "
          "in your Label Studio before annotating",
          astral_tasks_, first_astral_id_, offset_unit_name(*options_.offset_unit));
    }
  }

 private:
  WriterOptions options_;
  std::ostream& out_;
  bool first_ = true;
  size_t astral_tasks_ = 0;     // tasks whose text holds a code point above U+FFFF
  std::string first_astral_id_;
};

}  // namespace

std::unique_ptr<SelectionWriter> make_label_studio_writer(const WriterOptions& options,
                                                          std::ostream& out) {
  return std::make_unique<LabelStudioWriter>(options, out);
}

}  // namespace alsel
