// Readers for gold-labeled data: BIO/CoNLL token-per-line files, doccano JSONL, Prodigy JSONL and
// Label Studio JSON exports. Used for --labeled (known entities, exclusion of already-labeled
// ids), `alsel eval` and `alsel convert`.
//
//   alsel::LabeledReader reader("train.bio");        // format detected from name/content
//   alsel::LabeledSentence sentence;
//   std::unordered_set<std::string> known;
//   while (reader.next(sentence)) alsel::add_known_entities(sentence, known);
//
//   auto gold = alsel::read_labeled_file("dev.jsonl", alsel::LabeledFormat::kDoccano);
//
// BIO/CoNLL: one token per line; the token is the first field and the tag the last (TAB-
// separated when the line has a TAB, else whitespace-separated; middle CoNLL columns are
// ignored). A blank line ends a sentence (the last one may lack it); "-DOCSTART-" lines are
// skipped; a UTF-8 BOM and CRLF are accepted. Tags are "O" or <B|I|E|S|L|U|M>-<TYPE>, read
// with conlleval semantics (alsel/entities.h: an I- after O starts an entity). The text is
// the tokens concatenated when every token is one code point (character-level Chinese),
// else joined with single spaces; span offsets are code points into that text. The id is
// "FILE:LINE" of the sentence's first token line.
//
// doccano JSONL, one object per line: {"text": ..., "label": [[start, end, "TAG"], ...]}
// ("labels" is accepted too) or {"text": ..., "entities": [{"start_offset": s,
// "end_offset": e, "label": "TAG"}, ...]}; end exclusive; the id is "id" (string or integer)
// when present, else "FILE:LINE". No label key = no entities.
//
// Prodigy JSONL (ner.manual / ner.correct output, `prodigy db-out`), one task per line: {"text",
// "spans": [{"start", "end", "label", "text"?}], "answer", "meta": {"id"}}; tasks answered
// "reject" or "ignore" are skipped (counted in skipped()); the id is meta.id, else "id", else
// "FILE:LINE".
//
// Label Studio JSON export (a task array): per task the last annotation that was not cancelled
// (annotation_exports.h); tasks without one are skipped.
//
// Offsets are in the unit of the format's tool unless the reader is given one: UTF-16 code units
// for doccano, code points for Prodigy and Label Studio (tool_offsets.h).
//
// Every content error throws InputError starting with "FILE:LINE: ".
#pragma once

#include <cstddef>
#include <fstream>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "alsel/text/text_offsets.h"
#include "alsel/util/settings.h"

namespace alsel {

struct GoldSpan {
  int start = 0;      // first code point in the sentence text
  int end = 0;        // one past the last code point (end exclusive)
  std::string label;  // entity type without prefix, e.g. "PER"
};

struct LabeledSentence {
  std::string id;                   // "id" field (doccano) or "FILE:LINE"
  std::string text;                 // UTF-8
  std::vector<GoldSpan> spans;      // sorted by (start, end)
  std::string file;                 // source path
  size_t line = 0;                  // 1-based first line of the sentence
  std::vector<std::string> tokens;  // BIO only: the tokens; empty for JSONL
  std::vector<std::string> tags;    // BIO only: per-token tags; empty for JSONL
};

enum class LabeledFormat { kAuto, kBio, kDoccano, kProdigy, kLabelStudio };

// "auto", "bio", "doccano", "prodigy" or "label-studio"; UsageError listing them otherwise.
LabeledFormat parse_labeled_format(std::string_view name);
const EnumNames<LabeledFormat>& labeled_format_names();  // auto, bio, doccano, prodigy, label-studio
const char* labeled_format_name(LabeledFormat format);

// Format of `path` for kAuto, from its first non-blank character: '[' -> Label Studio; '{' ->
// Prodigy when that first object has "spans", else doccano; anything else BIO, except in a file
// named *.jsonl or *.json (doccano, whose reader reports the line). Throws InputError when the
// file cannot be read.
LabeledFormat detect_labeled_format(const std::string& path);

// Streaming reader: one sentence at a time, memory bounded by the longest sentence.
class LabeledReader {
 public:
  // Throws InputError naming `path` when it cannot be opened. `unit`: the unit of the file's
  // offsets; unset = the format's tool's unit.
  explicit LabeledReader(const std::string& path, LabeledFormat format = LabeledFormat::kAuto,
                         std::optional<OffsetUnit> unit = std::nullopt);

  // Fills `out` with the next sentence; false at the end of the file. Empty BIO sentences
  // (several blank lines in a row) and blank JSONL lines are skipped. Throws InputError
  // "FILE:LINE: ..." on ill-formed content.
  bool next(LabeledSentence& out);

  LabeledFormat format() const { return format_; }  // never kAuto
  OffsetUnit offset_unit() const { return unit_; }  // of the JSON formats' offsets
  size_t skipped() const { return skipped_; }       // tasks without an accepted annotation

 private:
  bool read_line(std::string& line);  // next line without BOM / '\r'; false at the end
  bool next_bio(LabeledSentence& out);
  bool next_json_line(LabeledSentence& out);  // doccano and Prodigy
  [[noreturn]] void fail(size_t line, const std::string& message) const;

  std::string path_;
  LabeledFormat format_;
  OffsetUnit unit_ = OffsetUnit::kCodePoint;
  size_t skipped_ = 0;
  std::vector<LabeledSentence> tasks_;  // Label Studio: the whole export, read at construction
  size_t next_task_ = 0;
  std::ifstream file_;
  size_t line_number_ = 0;  // 1-based number of the last line read
  std::string line_;        // reused line buffer
};

// Spans in text order: by start, then end; equal spans keep their order (every reader's output).
void sort_gold_spans(std::vector<GoldSpan>& spans);

// All sentences of `path` (see LabeledReader).
std::vector<LabeledSentence> read_labeled_file(const std::string& path,
                                               LabeledFormat format = LabeledFormat::kAuto,
                                               std::optional<OffsetUnit> unit = std::nullopt);

// UTF-8 surface text of `span` in `sentence.text`. Throws InputError when the span lies
// outside the text.
std::string span_text(const LabeledSentence& sentence, const GoldSpan& span);

// Adds the surface text of each span of `sentence` to `out`.
void add_known_entities(const LabeledSentence& sentence, std::unordered_set<std::string>& out);

// Surface texts of all entities in the given labeled files.
std::unordered_set<std::string> known_entity_texts(const std::vector<std::string>& paths,
                                                   LabeledFormat format = LabeledFormat::kAuto,
                                                   std::optional<OffsetUnit> unit = std::nullopt);

}  // namespace alsel
