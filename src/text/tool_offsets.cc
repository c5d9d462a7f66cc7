#include "alsel/text/tool_offsets.h"

#include <string>

#include "alsel/util/errors.h"

namespace alsel {

const std::vector<ToolOffsetUnit>& tool_offset_units() {
  static const std::vector<ToolOffsetUnit> units = {
      {"doccano", OffsetUnit::kUtf16,
       "doccano's viewer counts JavaScript string offsets (UTF-16; doccano #2290, #2484)"},
      {"label-studio", OffsetUnit::kCodePoint,
       "Label Studio's frontend places code-point offsets on the right characters"},
      {"prodigy", OffsetUnit::kCodePoint, "Prodigy counts Python string offsets (code points)"},
      {"jsonl", OffsetUnit::kCodePoint, "alsel's own JSONL counts code points, as Python does"},
  };
  return units;
}

OffsetUnit tool_offset_unit(std::string_view format) {
  std::string names;
  for (const ToolOffsetUnit& tool : tool_offset_units()) {
    if (tool.format == format) return tool.unit;
    names += (names.empty() ? "" : ", ") + std::string(tool.format);
  }
  throw UsageError("format '" + std::string(format) + "' has no character offsets (formats with offsets: " +
                   names + ")");
}

void register_offset_unit_setting(SettingsRegistry& settings, const std::string& name, std::optional<OffsetUnit>& unit,
                                  const std::string& what) {
  std::string tools;
  for (const ToolOffsetUnit& tool : tool_offset_units()) {
    tools += (tools.empty() ? "" : ", ") + std::string(tool.format) + " " + offset_unit_name(tool.unit);
  }
  settings.add_parsed(Setting(name, what + ": codepoint, utf16 or grapheme (default: the tool's own unit: " + tools + ")")
                          .with_choices({"codepoint", "utf16", "grapheme"})
                          .without_default(),
                      unit ? offset_unit_name(*unit) : "",
                      [&unit](const std::string& text) { unit = parse_offset_unit(text); });
}

}  // namespace alsel
