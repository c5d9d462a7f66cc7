#include "alsel/annotation_exports.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include "alsel/errors.h"
#include "alsel/json_output.h"
#include "alsel/text_offsets.h"
#include "alsel/utf8.h"
#include "json_errors.h"

namespace alsel {
namespace {

using nlohmann::json;

std::string id_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();
  return {};
}

// A span given in `unit` offsets, checked against the text and converted to code points. When
// the tool also gave the span's text, a mismatch is an error that suggests the other unit.
GoldSpan convert_span(const OffsetConverter& offsets, const std::string& text, int64_t start,
                      int64_t end, const std::string& label, const json* expected_text,
                      const std::string& where) {
  if (start < 0 || end > offsets.length() || start >= end) {
    throw InputError(where + ": span [" + std::to_string(start) + ", " + std::to_string(end) +
                     ") '" + label + "' is out of range or empty for a text of " +
                     std::to_string(offsets.length()) + " " + offset_unit_name(offsets.unit()) +
                     " units");
  }
  GoldSpan span;
  try {
    span = GoldSpan{offsets.to_code_points(static_cast<int>(start)),
                    offsets.to_code_points(static_cast<int>(end)), label};
  } catch (const std::exception& error) {
    throw InputError(where + ": " + error.what() +
                     " (are the offsets code points? try --offset-unit codepoint)");
  }
  if (expected_text != nullptr && expected_text->is_string()) {
    const std::vector<size_t> bytes = code_point_byte_offsets(text);
    const std::string got = text.substr(bytes[span.start], bytes[span.end] - bytes[span.start]);
    if (got != expected_text->get<std::string>()) {
      throw InputError(where + ": span [" + std::to_string(start) + ", " + std::to_string(end) +
                       ") is '" + got + "' in the text but the file says '" +
                       expected_text->get<std::string>() +
                       "': offsets in another unit? try --offset-unit " +
                       (offsets.unit() == OffsetUnit::kUtf16 ? "codepoint" : "utf16"));
    }
  }
  return span;
}

}  // namespace

std::vector<LabeledSentence> read_doccano_utf16(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError("cannot open '" + path + "': " + std::strerror(errno));
  std::vector<LabeledSentence> sentences;
  std::string line;
  size_t number = 0;
  while (std::getline(file, line)) {
    ++number;
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(number);
    try {
      json object;
      try {
        object = parse_input_json(line);
      } catch (const json::exception& error) {
        throw InputError(where + ": invalid JSON: " + excerpt_utf8(error.what(), 300));
      }
      if (!object.is_object() || !object.contains("text") || !object["text"].is_string()) {
        throw InputError(where + ": expected an object with a string \"text\"");
      }
      LabeledSentence sentence;
      sentence.text = object["text"].get<std::string>();
      sentence.file = path;
      sentence.line = number;
      sentence.id = object.contains("id") ? id_of(object["id"]) : "";
      if (sentence.id.empty()) sentence.id = where;
      if (!is_valid_utf8(sentence.text)) throw InputError(where + ": invalid UTF-8 in the text");
      const OffsetConverter offsets(sentence.text, OffsetUnit::kUtf16);
      const json* labels = object.contains("label")    ? &object["label"]
                           : object.contains("labels") ? &object["labels"]
                                                       : nullptr;
      if (labels != nullptr) {
        for (const json& span : *labels) {
          if (!span.is_array() || span.size() != 3 || !span[0].is_number_integer() ||
              !span[1].is_number_integer() || !span[2].is_string()) {
            throw InputError(where + ": span " + excerpt_utf8(dump_json(span), 200) +
                             " is not [start, end, \"TAG\"]");
          }
          sentence.spans.push_back(convert_span(offsets, sentence.text, span[0].get<int64_t>(),
                                                span[1].get<int64_t>(), span[2].get<std::string>(),
                                                nullptr, where));
        }
      }
      if (object.contains("entities")) {
        for (const json& entity : object["entities"]) {
          if (!entity.is_object() || !entity.contains("start_offset") ||
              !entity.contains("end_offset") || !entity.contains("label")) {
            throw InputError(where + ": entity " + excerpt_utf8(dump_json(entity), 200) +
                             " lacks start_offset, end_offset or label");
          }
          sentence.spans.push_back(
              convert_span(offsets, sentence.text, entity["start_offset"].get<int64_t>(),
                           entity["end_offset"].get<int64_t>(), entity["label"].get<std::string>(),
                           nullptr, where));
        }
      }
      sort_gold_spans(sentence.spans);
      sentences.push_back(std::move(sentence));
    } catch (const json::exception& error) {  // a field of the wrong type
      throw InputError(where + ": " + excerpt_utf8(error.what(), 300));
    }
  }
  return sentences;
}

std::vector<LabeledSentence> read_label_studio(const std::string& path, OffsetUnit unit,
                                               size_t& skipped) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError("cannot open '" + path + "': " + std::strerror(errno));
  std::ostringstream content;
  content << file.rdbuf();
  json tasks;
  try {
    tasks = parse_input_json(content.str());
  } catch (const json::exception& error) {
    throw InputError(path + ": invalid JSON: " + excerpt_utf8(error.what(), 300));
  }
  if (!tasks.is_array())
    throw InputError(path + ": a Label Studio export is a JSON array of tasks");
  std::vector<LabeledSentence> sentences;
  for (size_t t = 0; t < tasks.size(); ++t) {
    const json& task = tasks[t];
    const std::string where = path + ": task " + std::to_string(t);
    try {
      if (!task.is_object() || !task.contains("data") || !task["data"].is_object()) {
        throw InputError(where + ": expected an object with \"data\"");
      }
      const json& data = task["data"];
      const auto text = data.find("text");
      if (text == data.end() || !text->is_string())
        throw InputError(where + ": data.text is missing or not a string");
      const json* annotation = nullptr;
      if (task.contains("annotations") && task["annotations"].is_array()) {
        for (const json& candidate : task["annotations"]) {
          if (candidate.is_object() && !candidate.value("was_cancelled", false))
            annotation = &candidate;
        }
      }
      if (annotation == nullptr) {
        spdlog::warn("{}: no annotation (only predictions or cancelled ones): skipped", where);
        ++skipped;
        continue;
      }
      LabeledSentence sentence;
      sentence.text = text->get<std::string>();
      sentence.file = path;
      sentence.line = t + 1;
      sentence.id = data.contains("id") ? id_of(data["id"]) : "";
      if (sentence.id.empty()) sentence.id = id_of(task.value("id", json()));
      if (!is_valid_utf8(sentence.text)) throw InputError(where + ": invalid UTF-8 in data.text");
      const OffsetConverter offsets(sentence.text, unit);
      for (const json& region : annotation->value("result", json::array())) {
        if (!region.is_object() || region.value("type", "") != "labels" ||
            !region.contains("value"))
          continue;
        const json& value = region["value"];
        if (!value.contains("start") || !value.contains("end") || !value.contains("labels") ||
            !value["labels"].is_array() || value["labels"].empty() ||
            !value["labels"][0].is_string()) {
          throw InputError(where + ": region " + excerpt_utf8(dump_json(region), 200) +
                           " lacks start, end or labels");
        }
        const json* expected = value.contains("text") ? &value["text"] : nullptr;
        sentence.spans.push_back(convert_span(
            offsets, sentence.text, value["start"].get<int64_t>(), value["end"].get<int64_t>(),
            value["labels"][0].get<std::string>(), expected, where));
      }
      sort_gold_spans(sentence.spans);
      sentences.push_back(std::move(sentence));
    } catch (const json::exception& error) {  // a field of the wrong type
      throw InputError(where + ": " + excerpt_utf8(error.what(), 300));
    }
  }
  return sentences;
}

}  // namespace alsel
