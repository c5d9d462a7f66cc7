#include "alsel/data/labeled_data.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "alsel/data/annotation_exports.h"
#include "alsel/data/entities.h"
#include "alsel/util/errors.h"
#include "alsel/text/tool_offsets.h"
#include "alsel/util/utf8.h"
#include "util/json_errors.h"

namespace alsel {
namespace {

using nlohmann::json;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

bool is_blank(const std::string& line) { return std::all_of(line.begin(), line.end(), is_space); }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "O" or <B|I|E|S|L|U|M>-<TYPE> with a non-empty type (the schemes spans_from_tags reads).
bool is_well_formed_tag(std::string_view tag) {
  if (tag == "O") return true;
  return tag.size() >= 3 && tag[1] == '-' &&
         std::string_view("BIESLUM").find(tag[0]) != std::string_view::npos;
}

// First and last field of a BIO/CoNLL line (see the header for the separator rule).
std::pair<std::string_view, std::string_view> token_and_tag(std::string_view line) {
  if (line.find('\t') != std::string_view::npos) {
    return {line.substr(0, line.find('\t')), trim(line.substr(line.rfind('\t') + 1))};
  }
  line = trim(line);
  size_t token_end = 0;
  while (token_end < line.size() && !is_space(line[token_end])) ++token_end;
  size_t tag_begin = line.size();
  while (tag_begin > 0 && !is_space(line[tag_begin - 1])) --tag_begin;
  if (token_end == line.size()) return {line, std::string_view()};  // a single field
  return {line.substr(0, token_end), line.substr(tag_begin)};
}


}  // namespace

LabeledFormat parse_labeled_format(std::string_view name) {
  for (LabeledFormat format : {LabeledFormat::kAuto, LabeledFormat::kBio, LabeledFormat::kDoccano,
                               LabeledFormat::kProdigy, LabeledFormat::kLabelStudio}) {
    if (name == labeled_format_name(format)) return format;
  }
  throw UsageError("unknown labeled-data format '" + std::string(name) +
                   "' (valid: auto, bio, doccano, prodigy, label-studio)");
}

const EnumNames<LabeledFormat>& labeled_format_names() {
  static const EnumNames<LabeledFormat> names = {{LabeledFormat::kAuto, "auto"},
                                                 {LabeledFormat::kBio, "bio"},
                                                 {LabeledFormat::kDoccano, "doccano"},
                                                 {LabeledFormat::kProdigy, "prodigy"},
                                                 {LabeledFormat::kLabelStudio, "label-studio"}};
  return names;
}

const char* labeled_format_name(LabeledFormat format) {
  switch (format) {
    case LabeledFormat::kBio:
      return "bio";
    case LabeledFormat::kDoccano:
      return "doccano";
    case LabeledFormat::kProdigy:
      return "prodigy";
    case LabeledFormat::kLabelStudio:
      return "label-studio";
    default:
      return "auto";
  }
}

LabeledFormat detect_labeled_format(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError("cannot open labeled file '" + path + "': " + std::strerror(errno));
  std::string line;
  for (bool first = true; std::getline(file, line); first = false) {
    if (first && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    const std::string_view content = trim(line);
    if (content.empty() || content == "\r") continue;
    if (content.front() == '[') return LabeledFormat::kLabelStudio;
    if (content.front() != '{') {
      // A .jsonl / .json name that does not start like JSON is reported by the doccano reader.
      return ends_with(path, ".jsonl") || ends_with(path, ".json") ? LabeledFormat::kDoccano
                                                                   : LabeledFormat::kBio;
    }
    // A Prodigy task carries "spans"; doccano's carry "label" or "entities". A line that is not
    // JSON is left to the doccano reader, which reports it with its line number.
    try {
      const json object = parse_input_json(line);
      if (object.is_object() && object.contains("spans")) return LabeledFormat::kProdigy;
    } catch (const json::exception&) {
    }
    return LabeledFormat::kDoccano;
  }
  return LabeledFormat::kBio;  // empty file: no sentences either way
}

LabeledReader::LabeledReader(const std::string& path, LabeledFormat format,
                             std::optional<OffsetUnit> unit)
    : path_(path), format_(format == LabeledFormat::kAuto ? detect_labeled_format(path) : format) {
  if (format_ != LabeledFormat::kBio) {
    unit_ = unit ? *unit : tool_offset_unit(labeled_format_name(format_));
  }
  if (format_ == LabeledFormat::kLabelStudio) {
    tasks_ = read_label_studio(path, unit_, skipped_);
    return;
  }
  file_.open(path, std::ios::binary);
  if (!file_) throw InputError("cannot open labeled file '" + path + "': " + std::strerror(errno));
}

void LabeledReader::fail(size_t line, const std::string& message) const {
  throw InputError(path_ + ":" + std::to_string(line) + ": " + message);
}

bool LabeledReader::read_line(std::string& line) {
  if (!std::getline(file_, line)) {
    if (file_.bad()) throw InputError("error reading labeled file '" + path_ + "'");
    return false;
  }
  ++line_number_;
  if (line_number_ == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

bool LabeledReader::next(LabeledSentence& out) {
  out = LabeledSentence();
  out.file = path_;
  if (format_ == LabeledFormat::kLabelStudio) {
    if (next_task_ >= tasks_.size()) return false;
    out = std::move(tasks_[next_task_++]);
    return true;
  }
  return format_ == LabeledFormat::kBio ? next_bio(out) : next_json_line(out);
}

bool LabeledReader::next_bio(LabeledSentence& out) {
  while (read_line(line_)) {
    if (is_blank(line_) || line_.rfind("-DOCSTART-", 0) == 0) {
      if (!out.tokens.empty()) break;  // end of the sentence (blank lines repeat: skip)
      continue;
    }
    const size_t invalid = find_invalid_utf8(line_);
    if (invalid != line_.size())
      fail(line_number_, "invalid UTF-8 at byte " + std::to_string(invalid));
    const auto [token, tag] = token_and_tag(line_);
    if (tag.empty() || token.empty()) {
      fail(line_number_, "expected 'TOKEN TAG', got '" + line_ + "'");
    }
    if (!is_well_formed_tag(tag)) fail(line_number_, "bad tag '" + std::string(tag) + "'");
    if (out.tokens.empty()) out.line = line_number_;
    out.tokens.emplace_back(token);
    out.tags.emplace_back(tag);
  }
  if (out.tokens.empty()) return false;

  const bool character_level =
      std::all_of(out.tokens.begin(), out.tokens.end(),
                  [](const std::string& token) { return count_code_points(token) == 1; });
  std::vector<int> token_start(out.tokens.size()), token_end(out.tokens.size());
  int code_points = 0;
  for (size_t i = 0; i < out.tokens.size(); ++i) {
    if (i > 0 && !character_level) {
      out.text += ' ';
      ++code_points;
    }
    token_start[i] = code_points;
    out.text += out.tokens[i];
    code_points += static_cast<int>(count_code_points(out.tokens[i]));
    token_end[i] = code_points;
  }
  std::vector<TagSpan> tag_spans;
  try {
    tag_spans = spans_from_tags(out.tags);
  } catch (const std::invalid_argument& error) {
    fail(out.line, error.what());  // not expected: tags were checked line by line
  }
  for (const TagSpan& span : tag_spans) {
    out.spans.push_back({token_start[span.begin], token_end[span.end - 1], span.label});
  }
  sort_gold_spans(out.spans);
  out.id = path_ + ":" + std::to_string(out.line);
  return true;
}

bool LabeledReader::next_json_line(LabeledSentence& out) {
  json object;
  for (;;) {
    do {
      if (!read_line(line_)) return false;
    } while (is_blank(line_));
    out.line = line_number_;
    try {
      object = parse_input_json(line_);
    } catch (const json::parse_error& error) {
      fail(out.line, "invalid JSON: " + short_parse_message(error));
    }
    if (!object.is_object())
      fail(out.line, std::string("not a JSON object (got ") + object.type_name() + ")");
    if (format_ != LabeledFormat::kProdigy) break;
    const auto answer = object.find("answer");
    if (answer == object.end() || !answer->is_string() || answer->get<std::string>() == "accept") break;
    ++skipped_;  // rejected or ignored in Prodigy: not gold
  }

  const auto text = object.find("text");
  if (text == object.end() || !text->is_string()) fail(out.line, "missing or non-string \"text\"");
  out.text = text->get<std::string>();
  const json* id = object.contains("id") ? &object["id"] : nullptr;
  if (format_ == LabeledFormat::kProdigy) {
    const auto meta = object.find("meta");
    if (meta != object.end() && meta->is_object() && meta->contains("id")) id = &(*meta)["id"];
  }
  if (id != nullptr && id->is_string()) {
    out.id = id->get<std::string>();
  } else if (id != nullptr && id->is_number_integer()) {
    out.id = id->dump();
  } else if (id != nullptr && !id->is_null()) {
    fail(out.line, std::string("id must be a string or an integer (got ") + id->type_name() + ")");
  }
  if (out.id.empty()) out.id = path_ + ":" + std::to_string(out.line);

  const auto read_offset = [&](const json& value, const char* what) {
    if (!value.is_number_integer()) fail(out.line, std::string(what) + " is not an integer");
    return value.get<int64_t>();
  };
  const auto read_label = [&](const json& value) {
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
      fail(out.line, "span label is not a non-empty string");
    }
    return value.get<std::string>();
  };
  struct RawSpan {
    int64_t start, end;
    std::string label;
    std::optional<std::string> text;  // the span's text as the tool wrote it (Prodigy)
  };
  std::vector<RawSpan> raw_spans;
  if (format_ == LabeledFormat::kProdigy) {
    const auto spans = object.find("spans");
    if (spans != object.end() && !spans->is_null()) {
      if (!spans->is_array()) fail(out.line, "\"spans\" is not an array");
      for (const json& span : *spans) {
        if (!span.is_object() || !span.contains("start") || !span.contains("end") ||
            !span.contains("label")) {
          fail(out.line, "span " + excerpt_utf8(span.dump(), 200) + " lacks start, end or label");
        }
        RawSpan raw{read_offset(span["start"], "span start"), read_offset(span["end"], "span end"),
                    read_label(span["label"]), std::nullopt};
        if (span.contains("text") && span["text"].is_string()) raw.text = span["text"].get<std::string>();
        raw_spans.push_back(std::move(raw));
      }
    }
  } else {
    auto labels = object.find("label");
    if (labels == object.end()) labels = object.find("labels");
    if (labels != object.end()) {
      if (!labels->is_array()) fail(out.line, "\"label\" is not an array of [start, end, \"TAG\"]");
      for (const json& span : *labels) {
        if (!span.is_array() || span.size() != 3) {
          fail(out.line, "span " + excerpt_utf8(span.dump(), 200) + " is not [start, end, \"TAG\"]");
        }
        raw_spans.push_back({read_offset(span[0], "span start"), read_offset(span[1], "span end"),
                             read_label(span[2]), std::nullopt});
      }
    }
    const auto entities = object.find("entities");
    if (entities != object.end()) {
      if (!entities->is_array()) fail(out.line, "\"entities\" is not an array");
      for (const json& entity : *entities) {
        if (!entity.is_object() || !entity.contains("start_offset") ||
            !entity.contains("end_offset") || !entity.contains("label")) {
          fail(out.line, "entity " + excerpt_utf8(entity.dump(), 200) +
                             " lacks start_offset, end_offset or label");
        }
        raw_spans.push_back({read_offset(entity["start_offset"], "start_offset"),
                             read_offset(entity["end_offset"], "end_offset"),
                             read_label(entity["label"]), std::nullopt});
      }
    }
  }

  if (!raw_spans.empty()) {
    const size_t invalid = find_invalid_utf8(out.text);
    if (invalid != out.text.size())
      fail(out.line, "invalid UTF-8 at byte " + std::to_string(invalid) + " of text");
    const OffsetConverter offsets(out.text, unit_);
    const std::string where = path_ + ":" + std::to_string(out.line);
    for (const RawSpan& raw : raw_spans) {
      out.spans.push_back(gold_span_from_offsets(offsets, out.text, raw.start, raw.end, raw.label,
                                                 raw.text ? &*raw.text : nullptr, where));
    }
  }
  sort_gold_spans(out.spans);
  return true;
}

std::vector<LabeledSentence> read_labeled_file(const std::string& path, LabeledFormat format,
                                               std::optional<OffsetUnit> unit) {
  LabeledReader reader(path, format, unit);
  std::vector<LabeledSentence> sentences;
  LabeledSentence sentence;
  while (reader.next(sentence)) sentences.push_back(std::move(sentence));
  return sentences;
}

std::string span_text(const LabeledSentence& sentence, const GoldSpan& span) {
  const std::vector<size_t> offsets = code_point_byte_offsets(sentence.text);
  const int length = static_cast<int>(offsets.size()) - 1;
  if (span.start < 0 || span.end > length || span.start >= span.end) {
    throw InputError(sentence.file + ":" + std::to_string(sentence.line) + ": span [" +
                     std::to_string(span.start) + ", " + std::to_string(span.end) +
                     ") outside a text of " + std::to_string(length) + " code points");
  }
  return sentence.text.substr(offsets[span.start], offsets[span.end] - offsets[span.start]);
}

void add_known_entities(const LabeledSentence& sentence, std::unordered_set<std::string>& out) {
  if (sentence.spans.empty()) return;
  const std::vector<size_t> offsets = code_point_byte_offsets(sentence.text);
  const int length = static_cast<int>(offsets.size()) - 1;
  for (const GoldSpan& span : sentence.spans) {
    if (span.start < 0 || span.end > length || span.start >= span.end) {
      span_text(sentence, span);  // throws with context
    }
    out.insert(sentence.text.substr(offsets[span.start], offsets[span.end] - offsets[span.start]));
  }
}

std::unordered_set<std::string> known_entity_texts(const std::vector<std::string>& paths,
                                                   LabeledFormat format,
                                                   std::optional<OffsetUnit> unit) {
  std::unordered_set<std::string> known;
  LabeledSentence sentence;
  for (const std::string& path : paths) {
    LabeledReader reader(path, format, unit);
    while (reader.next(sentence)) add_known_entities(sentence, known);
  }
  return known;
}

void sort_gold_spans(std::vector<GoldSpan>& spans) {
  std::stable_sort(spans.begin(), spans.end(), [](const GoldSpan& a, const GoldSpan& b) {
    return std::tie(a.start, a.end) < std::tie(b.start, b.end);
  });
}

}  // namespace alsel
