#include "alsel/data/annotation_exports.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include "alsel/util/errors.h"
#include "alsel/util/json_output.h"
#include "alsel/text/text_offsets.h"
#include "alsel/util/utf8.h"
#include "util/json_errors.h"

namespace alsel {
namespace {

using nlohmann::json;

std::string id_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();
  return {};
}

}  // namespace

GoldSpan gold_span_from_offsets(const OffsetConverter& offsets, const std::string& text,
                                int64_t start, int64_t end, const std::string& label,
                                const std::string* expected_text, const std::string& where) {
  const char* other = offsets.unit() == OffsetUnit::kCodePoint ? "utf16" : "codepoint";
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
    throw InputError(where + ": " + error.what() + " (offsets in another unit? this file is read in " +
                     offset_unit_name(offsets.unit()) + " units; try --offset-unit " + other +
                     ", or --labeled-offset-unit for --labeled)");
  }
  if (expected_text != nullptr) {
    const std::vector<size_t> bytes = code_point_byte_offsets(text);
    const std::string got = text.substr(bytes[span.start], bytes[span.end] - bytes[span.start]);
    if (got != *expected_text) {
      throw InputError(where + ": span [" + std::to_string(start) + ", " + std::to_string(end) +
                       ") is '" + got + "' in the text but the file says '" + *expected_text +
                       "': offsets in another unit? (read in " + offset_unit_name(offsets.unit()) +
                       " units; try --offset-unit " + other + ")");
    }
  }
  return span;
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
        const std::string expected =
            value.contains("text") && value["text"].is_string() ? value["text"].get<std::string>() : "";
        sentence.spans.push_back(gold_span_from_offsets(
            offsets, sentence.text, value["start"].get<int64_t>(), value["end"].get<int64_t>(),
            value["labels"][0].get<std::string>(), expected.empty() ? nullptr : &expected, where));
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
