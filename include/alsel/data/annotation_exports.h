// Readers of Label Studio's JSON task exports (which LabeledReader serves, labeled_data.h), and
// the span check every reader of tool offsets shares.
//
//   size_t skipped = 0;
//   auto gold = alsel::read_label_studio("export.json", alsel::OffsetUnit::kCodePoint, skipped);
//
// Offsets are converted to code points and checked against the text (and against the span's own
// text where the tool gives it, suggesting the other unit on a mismatch). Every problem, a field
// of the wrong type included, is an InputError naming the file and the line or task.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "alsel/data/labeled_data.h"
#include "alsel/text/text_offsets.h"

namespace alsel {

// The span [start, end) given in `offsets.unit()` units of `text`, checked and converted to code
// points. `expected_text` (may be null) is the span's text as the tool wrote it: a mismatch is an
// InputError that suggests another unit. Every error starts with `where`.
GoldSpan gold_span_from_offsets(const OffsetConverter& offsets, const std::string& text,
                                int64_t start, int64_t end, const std::string& label,
                                const std::string* expected_text, const std::string& where);

// A Label Studio JSON export (a task array): per task, the last annotation that was not
// cancelled is the gold one; tasks without one are counted in `skipped` and logged. Offsets in
// `unit`.
std::vector<LabeledSentence> read_label_studio(const std::string& path, OffsetUnit unit,
                                               size_t& skipped);

}  // namespace alsel
