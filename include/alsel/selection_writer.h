// Writers of the selected batch, one per annotation tool, behind one interface and
// registered by name (src/selection_writer.cc lists them; one file each in src/writers/).
//
//   alsel::WriterOptions options;
//   options.strategy = "ltp";
//   options.offset_unit = alsel::OffsetUnit::kUtf16;
//   auto writer = alsel::make_selection_writer("label-studio", options, out_stream);
//   int rank = 0;
//   for (const alsel::Selected& item : selected) writer->write(item, ++rank);
//   writer->finish();   // closes the JSON array of Label Studio; no-op for JSONL formats
//
// Formats:
//   jsonl         alsel's own line per sentence (README "Output schema")
//   doccano       JSONL {"text", "label": [[start, end, "TAG"], ...], "id", "score", "rank",
//                 "strategy"}: the model's entities as pre-annotations
//   label-studio  one JSON array of tasks {"data": {"text", "id", "al_score", "al_rank",
//                 "al_strategy"}, "predictions": [{"model_version", "score", "result": [...]}]}
// Every entity offset is written in `offset_unit` (code points by default).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "alsel/selector.h"
#include "alsel/text_offsets.h"

namespace alsel {

struct WriterOptions {
  std::string strategy;                             // strategy name written with each sentence
  OffsetUnit offset_unit = OffsetUnit::kCodePoint;  // unit of every entity start/end
  std::string from_name = "label";                  // Label Studio: name of the <Labels> control
  std::string to_name = "text";  // Label Studio: name of the <Text> object it labels
  std::string model_version;     // Label Studio: predictions' model_version
  void validate() const;         // throws UsageError for empty Label Studio names
};

class SelectionWriter {
 public:
  virtual ~SelectionWriter() = default;
  // Writes one selected sentence; `rank` 1 = most informative. Throws OutputError when the
  // stream fails and std::invalid_argument when an entity lies outside the text.
  virtual void write(const Selected& item, int rank) = 0;
  // Writes what follows the last sentence (the closing bracket of a JSON array). Call once.
  virtual void finish() {}
};

// Builds the writer registered as `format` over `out`, which must outlive it. An unknown
// format throws UsageError listing the valid names.
std::unique_ptr<SelectionWriter> make_selection_writer(const std::string& format,
                                                       const WriterOptions& options,
                                                       std::ostream& out);

// Throws UsageError listing the valid names unless a writer is registered as `format`.
void check_selection_format(const std::string& format);

// Registered format names, sorted.
std::vector<std::string> selection_format_names();

// [{"start", "end", "label", "text", "confidence"}, ...] with offsets converted by `offsets`
// (nullptr = code points).
nlohmann::ordered_json entities_to_json(const std::vector<EntitySpan>& entities,
                                        const OffsetConverter* offsets);

// Adds nlc, trimmed, mnlp, entropy, ltp and unknown_entities to `out`.
void add_measures_to_json(const Measures& measures, nlohmann::ordered_json& out);

}  // namespace alsel
