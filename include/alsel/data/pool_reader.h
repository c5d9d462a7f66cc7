// Streaming reader of the unlabeled pool: JSONL ({"id": ..., "text": ...} per line) or plain
// text (one sentence per line). Every non-blank line yields exactly one PoolItem, accepted
// or rejected with a reason, so callers can count, warn, write a rejects file or stop
// (--strict). Memory does not grow with the pool, except 16 bytes per accepted id for
// duplicate detection (see id_set.h).
//
//   alsel::PoolReader reader({"pool.jsonl"}, alsel::PoolReaderConfig{});
//   alsel::PoolItem item;
//   while (reader.next(item)) {
//     if (item.rejected) { rejects << alsel::format_reject_line(item) << '\n'; continue; }
//     process(item.id, item.text);
//   }
//
// Accepted: a UTF-8 BOM at the start of a file (stripped), CRLF line ends (the '\r' is
// stripped), extra JSON fields, integer ids (rendered in decimal). Blank lines (empty or only
// spaces/tabs) are skipped and counted. Rejected, with `reason`:
//   "invalid UTF-8 at byte N"         N = 0-based byte offset in the line (checked first)
//   "invalid JSON: <parser message>"  "not a JSON object (got array)"
//   "missing id field 'id'"           "id must be a string or an integer (got float)"
//   "id is empty"                     "missing text field 'text'"
//   "text must be a string (got number)"
//   "text is empty"                   "text is whitespace only"
//   "duplicate id (seen earlier)"     an id already accepted earlier, in any file
// Only accepted items register their id, so a corrected copy of a rejected line is accepted.
#pragma once

#include <cstddef>
#include <fstream>
#include <istream>
#include <string>
#include <vector>

#include "alsel/util/id_set.h"
#include "alsel/util/settings.h"

namespace alsel {

enum class InputFormat { kJsonl, kText };
const EnumNames<InputFormat>& input_format_names();  // jsonl, text

struct PoolReaderConfig {
  InputFormat format = InputFormat::kJsonl;  // jsonl: one JSON object per line; text: one
                                             // sentence per line, id = line number
  std::string id_field = "id";               // JSONL key of the id (string or integer accepted;
                                             // integers rendered as decimal)
  std::string text_field = "text";           // JSONL key of the text

  // Throws UsageError when a field name is empty or both names are the same (JSONL).
  void validate() const;
  std::string to_string() const;
  // --input-format, --id-field, --text-field (settings.h).
  void register_settings(SettingsRegistry& settings);
};

struct PoolItem {
  std::string id, text;  // valid when !rejected; id also set on a reject when recoverable
  std::string file;      // source path ("-" = stdin)
  size_t line = 0;       // 1-based line number in `file`
  bool rejected = false;
  std::string reason;  // why the line was rejected, e.g. "invalid JSON: ...", "text is empty"
  std::string raw;     // the raw line without line terminator (and BOM); set only on rejects,
                       // to keep accepted multi-MB lines from being copied twice
};

class PoolReader {
 public:
  // `paths` are read in order; "-" = stdin. Every file is checked here (opened and closed),
  // so a missing or unreadable file or a directory throws InputError naming it before any
  // work is done; files are then opened one at a time while reading.
  // Throws UsageError for an empty `paths` or an invalid config.
  PoolReader(std::vector<std::string> paths, PoolReaderConfig config);

  // Fills `item` with the next non-blank line's item; returns false at the end of all files.
  // Throws InputError naming the file when reading fails (I/O error, not content errors).
  bool next(PoolItem& item);

  size_t lines_read() const { return lines_read_; }    // all lines so far, blank ones included
  size_t blank_lines() const { return blank_lines_; }  // skipped blank lines so far

 private:
  bool open_next_file();
  void parse_jsonl(PoolItem& item);
  void parse_text(PoolItem& item);

  std::vector<std::string> paths_;
  PoolReaderConfig config_;
  size_t next_file_ = 0;           // index in paths_ of the next file to open
  std::ifstream file_;             // the file being read (unused for stdin)
  std::istream* input_ = nullptr;  // file_ or std::cin; null between files
  size_t line_number_ = 0;         // 1-based number of the last line read in the current file
  std::string line_;               // reused line buffer
  IdHashSet seen_ids_;             // hashes of accepted ids
  size_t lines_read_ = 0;
  size_t blank_lines_ = 0;
};

// One JSONL line (no newline) for the rejects file:
// {"file": ..., "line": N, "id": ... or null, "reason": ..., "raw": ...}; invalid UTF-8 in
// `raw` (or elsewhere) is replaced by U+FFFD so the line is always valid JSON.
std::string format_reject_line(const PoolItem& item);

// One human-readable line: "FILE:LINE: id ID: REASON" ("FILE:LINE: REASON" without an id).
std::string format_reject_warning(const PoolItem& item);

}  // namespace alsel
