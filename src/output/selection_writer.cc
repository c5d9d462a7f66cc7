#include "alsel/output/selection_writer.h"

#include <functional>
#include <map>
#include <mutex>

#include "alsel/util/errors.h"
#include "alsel/text/tool_offsets.h"
#include "writers/writer_factories.h"

namespace alsel {

namespace {

using WriterFactory =
    std::function<std::unique_ptr<SelectionWriter>(const WriterOptions&, std::ostream&)>;

// Name -> factory, filled once. The one place that lists the formats.
const std::map<std::string, WriterFactory>& registry() {
  static std::once_flag filled;
  static std::map<std::string, WriterFactory> factories;
  std::call_once(filled, [] {
    factories["doccano"] = make_doccano_writer;
    factories["jsonl"] = make_jsonl_writer;
    factories["label-studio"] = make_label_studio_writer;
    factories["prodigy"] = make_prodigy_writer;
  });
  return factories;
}

}  // namespace

void WriterOptions::validate() const {
  if (from_name.empty()) throw UsageError("--ls-from-name is empty");
  if (to_name.empty()) throw UsageError("--ls-to-name is empty");
}

std::unique_ptr<SelectionWriter> make_selection_writer(const std::string& format,
                                                       const WriterOptions& options,
                                                       std::ostream& out) {
  options.validate();
  check_selection_format(format);
  WriterOptions resolved = options;
  resolved.offset_unit = writer_offset_unit(format, options);
  return registry().at(format)(resolved, out);
}

void check_selection_format(const std::string& format) {
  if (registry().count(format) != 0) return;
  std::string names;
  for (const std::string& name : selection_format_names())
    names += (names.empty() ? "" : ", ") + name;
  throw UsageError("unknown output format '" + format + "' (valid: " + names + ")");
}

OffsetUnit writer_offset_unit(const std::string& format, const WriterOptions& options) {
  return options.offset_unit ? *options.offset_unit : tool_offset_unit(format);
}

std::vector<std::string> selection_format_names() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

nlohmann::ordered_json entities_to_json(const std::vector<EntitySpan>& entities,
                                        const OffsetConverter* offsets) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const EntitySpan& entity : entities) {
    const auto [start, end] = offsets ? offsets->span_from_code_points(entity.start, entity.end)
                                      : std::pair<int, int>(entity.start, entity.end);
    list.push_back({{"start", start},
                    {"end", end},
                    {"label", entity.label},
                    {"text", entity.text},
                    {"confidence", entity.confidence}});
  }
  return list;
}

void add_measures_to_json(const Measures& measures, nlohmann::ordered_json& out) {
  for (const MeasureField& field : measure_fields()) {
    if (field.count) {
      out[field.name] = static_cast<int64_t>(field.get(measures));
    } else {
      out[field.name] = field.get(measures);
    }
  }
}

void check_stream(const std::ostream& out, const char* format) {
  if (!out) throw OutputError(std::string("writing the ") + format + " output failed");
}

}  // namespace alsel
