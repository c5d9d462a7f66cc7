// Writers of the selected batch, one per annotation tool, behind one interface and
// registered by name (src/output/selection_writer.cc lists them; one file each in src/output/writers/).
//
//   alsel::WriterOptions options;
//   options.strategy = "ltp";
//   options.offset_unit = alsel::OffsetUnit::kUtf16;   // unset: the tool's unit (tool_offsets.h)
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
//                 "al_strategy"}, "predictions": [{"model_version", "score", "result": [...]}]};
//                 logs a warning when a task's text holds characters above U+FFFF
//   prodigy       JSONL {"text", "tokens": [{"text", "start", "end", "id", "ws"}], "spans":
//                 [{"start", "end", "token_start", "token_end", "label", "text"}], "meta": {"id",
//                 "score", "rank", "strategy"}}; token_end is inclusive, as in Prodigy; no
//                 _input_hash / _task_hash (Prodigy's loaders set them on import)
// Every entity offset is written in `offset_unit`, by default the unit the format's tool counts
// (tool_offsets.h: UTF-16 for doccano, code points for the others). In grapheme units a span is
// widened to whole grapheme clusters.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "alsel/selection/selector.h"
#include "alsel/text/text_offsets.h"
#include "alsel/util/settings.h"

namespace alsel {

struct WriterOptions {
  std::string strategy;                             // strategy name written with each sentence
  std::optional<OffsetUnit> offset_unit;  // unit of every entity start/end; unset = the
                                          // format's tool's unit (tool_offset_unit)
  std::string from_name = "label";                  // Label Studio: name of the <Labels> control
  std::string to_name = "text";  // Label Studio: name of the <Text> object it labels
  std::string model_version;     // Label Studio: predictions' model_version
  void validate() const;         // throws UsageError for empty Label Studio names
};

// What select and merge write: --format (into `format`; the writer registry's names),
// --offset-unit, --ls-from-name, --ls-to-name, --model-version (`model_version_default` says what
// an empty one means).
void register_writer_settings(SettingsRegistry& settings, std::string& format, WriterOptions& writer,
                              const std::string& model_version_default);

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

// The unit `format` is written in under `options`: options.offset_unit, else the tool's unit.
OffsetUnit writer_offset_unit(const std::string& format, const WriterOptions& options);

// Registered format names, sorted.
std::vector<std::string> selection_format_names();

// [{"start", "end", "label", "text", "confidence"}, ...] with spans converted by `offsets`
// (OffsetConverter::span_from_code_points; nullptr = code points).
nlohmann::ordered_json entities_to_json(const std::vector<EntitySpan>& entities,
                                        const OffsetConverter* offsets);

// Adds nlc, trimmed, mnlp, entropy, ltp and unknown_entities to `out`.
void add_measures_to_json(const Measures& measures, nlohmann::ordered_json& out);

}  // namespace alsel
