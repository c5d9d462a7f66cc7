// Factories of the selection writers, one per file in src/output/writers/ (private to src/). They get
// options whose offset_unit is set (make_selection_writer resolves it).
#pragma once

#include <memory>
#include <ostream>

#include "alsel/output/selection_writer.h"

namespace alsel {

std::unique_ptr<SelectionWriter> make_jsonl_writer(const WriterOptions& options, std::ostream& out);
std::unique_ptr<SelectionWriter> make_doccano_writer(const WriterOptions& options,
                                                     std::ostream& out);
std::unique_ptr<SelectionWriter> make_label_studio_writer(const WriterOptions& options,
                                                          std::ostream& out);
std::unique_ptr<SelectionWriter> make_prodigy_writer(const WriterOptions& options,
                                                     std::ostream& out);

// Throws OutputError when `out` is in a failed state (disk full, closed pipe).
void check_stream(const std::ostream& out, const char* format);

}  // namespace alsel
