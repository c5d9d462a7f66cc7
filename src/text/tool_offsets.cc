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

}  // namespace alsel
