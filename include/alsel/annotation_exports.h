// Readers of annotation tools' exports that LabeledReader (labeled_data.h) does not cover:
// doccano JSONL whose offsets count UTF-16 code units, and Label Studio's JSON task exports.
//
//   size_t skipped = 0;
//   auto gold = alsel::read_label_studio("export.json", alsel::OffsetUnit::kCodePoint, skipped);
//
// Offsets are converted to code points and checked against the text (and against the span's own
// text where the tool gives it, suggesting the other unit on a mismatch). Every problem, a field
// of the wrong type included, is an InputError naming the file and the line or task.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "alsel/labeled_data.h"
#include "alsel/text_offsets.h"

namespace alsel {

// doccano JSONL ("label": [[start, end, "TAG"]] or "entities": [{start_offset, ...}]) whose
// offsets are UTF-16 code units; spans sorted by start.
std::vector<LabeledSentence> read_doccano_utf16(const std::string& path);

// A Label Studio JSON export (a task array): per task, the last annotation that was not
// cancelled is the gold one; tasks without one are counted in `skipped` and logged. Offsets in
// `unit`.
std::vector<LabeledSentence> read_label_studio(const std::string& path, OffsetUnit unit,
                                               size_t& skipped);

}  // namespace alsel
