#include "alsel/output/selection_writer.h"

#include <functional>
#include <map>
#include <mutex>

#include "alsel/util/errors.h"
#include "alsel/text/tool_offsets.h"
#include "writers/writer_factories.h"
#include "alsel/util/settings.h"

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
  if (from_name.empty()) throw UsageError(show_setting("ls-from-name") + " is empty");
  if (to_name.empty()) throw UsageError(show_setting("ls-to-name") + " is empty");
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

void register_writer_settings(SettingsRegistry& settings, std::string& format, WriterOptions& writer,
                              const std::string& model_version_default) {
  std::string names;
  for (const std::string& name : selection_format_names()) names += (names.empty() ? "" : ", ") + name;
  settings.add(Setting("format", "output format: " + names).with_choices(selection_format_names()), format);
  register_offset_unit_setting(settings, "offset-unit", writer.offset_unit, "unit of the entity offsets");
  settings.add(Setting("ls-from-name", "label-studio: name of the <Labels> control of the labeling config"),
               writer.from_name);
  settings.add(Setting("ls-to-name", "label-studio: name of the <Text> object the labels apply to"), writer.to_name);
  settings.add(Setting("model-version",
                       "label-studio: predictions' model_version (default: " + model_version_default + ")")
                   .without_default(),
               writer.model_version);
}

}  // namespace alsel
