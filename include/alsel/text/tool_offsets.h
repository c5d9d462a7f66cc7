// Which offset unit each annotation tool counts: the default of alsel's writer and reader of that
// tool's format (`--offset-unit` overrides it). Measured in the real clients where they run here
// (tests/clients/):
//
//   doccano       utf16      its annotation view slices text with JavaScript string offsets
//                            (doccano issues #2290, #2484); `grapheme` for projects with "Count
//                            grapheme clusters as one character" on
//   label-studio  codepoint  its frontend (1.4.0, rendered in Chromium) puts code-point regions
//                            on the right characters and shifts UTF-16 ones after astral text
//   prodigy       codepoint  Python string offsets
//   jsonl         codepoint  alsel's own format (Python's len() and slicing)
//
//   alsel::tool_offset_unit("doccano");   // OffsetUnit::kUtf16
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alsel/text/text_offsets.h"
#include "alsel/util/settings.h"

namespace alsel {

struct ToolOffsetUnit {
  std::string_view format;  // the --format / --from name
  OffsetUnit unit;          // what the tool counts
  std::string_view why;     // one line for --help and the README
};

// Every format with offsets, in the order above.
const std::vector<ToolOffsetUnit>& tool_offset_units();

// The unit of `format`; throws UsageError for a format without offsets (bio) or unknown.
OffsetUnit tool_offset_unit(std::string_view format);

// An --offset-unit-like setting: codepoint, utf16 or grapheme into `unit`; unset = each format's
// tool's unit (the help lists them). `what` opens the help ("unit of the entity offsets").
void register_offset_unit_setting(SettingsRegistry& settings, const std::string& name, std::optional<OffsetUnit>& unit,
                                  const std::string& what);

}  // namespace alsel
