// `alsel convert`: annotated batches back into the formats --labeled and `alsel eval` read.
//
// Inputs: BIO/CoNLL and doccano JSONL (through LabeledReader, like --labeled), and Label Studio
// JSON exports (a task array; the last annotation that was not cancelled is the gold one; tasks
// without one are skipped). Outputs: doccano JSONL or BIO (tab-separated, blank line between
// sentences).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include "alsel/atomic_file.h"
#include "alsel/commands.h"
#include "alsel/errors.h"
#include "alsel/run_files.h"
#include "alsel/json_output.h"
#include "../json_errors.h"
#include "alsel/unicode.h"
#include "alsel/utf8.h"
#include "run_support.h"

namespace alsel {

void ConvertConfig::validate() const {
  if (inputs.empty()) throw UsageError("--input needs at least one file");
  if (from != "auto" && from != "bio" && from != "doccano" && from != "label-studio") {
    throw UsageError("--from must be auto, bio, doccano or label-studio, got '" + from + "'");
  }
  if (to != "doccano" && to != "bio")
    throw UsageError("--to must be doccano or bio, got '" + to + "'");
  if (bio_tokens != "auto" && bio_tokens != "char" && bio_tokens != "whitespace") {
    throw UsageError("--bio-tokens must be auto, char or whitespace, got '" + bio_tokens + "'");
  }
  if (out.empty()) throw UsageError("--out is empty");
  if (!outputs.write_manifest && !outputs.manifest.empty()) {
    throw UsageError("--manifest and --no-manifest contradict each other");
  }
}

namespace {

using nlohmann::json;

// Characters that cannot be part of a BIO token: whitespace separates fields and ASCII
// controls would break the line.
bool separates_tokens(char32_t c) { return is_whitespace(c) || c < 0x20 || c == 0x7F; }

// First non-blank character of a file, 0 when there is none.
char first_character(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError("cannot open '" + path + "': " + std::strerror(errno));
  char c;
  int position = 0;
  while (file.get(c)) {
    // Skip a UTF-8 BOM and whitespace.
    if (position++ < 3 &&
        (static_cast<unsigned char>(c) == 0xEF || static_cast<unsigned char>(c) == 0xBB ||
         static_cast<unsigned char>(c) == 0xBF)) {
      continue;
    }
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c;
  }
  return 0;
}

std::string input_format(const ConvertConfig& config, const std::string& path) {
  if (config.from != "auto") return config.from;
  if (first_character(path) == '[') return "label-studio";
  return detect_labeled_format(path) == LabeledFormat::kDoccano ? "doccano" : "bio";
}

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

// doccano JSONL whose offsets are UTF-16 units (LabeledReader reads code points).
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
          throw InputError(where + ": span " + span.dump() + " is not [start, end, \"TAG\"]");
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
          throw InputError(where + ": entity " + entity.dump() +
                           " lacks start_offset, end_offset or label");
        }
        sentence.spans.push_back(convert_span(offsets, sentence.text,
                                              entity["start_offset"].get<int64_t>(),
                                              entity["end_offset"].get<int64_t>(),
                                              entity["label"].get<std::string>(), nullptr, where));
      }
    }
    std::stable_sort(sentence.spans.begin(), sentence.spans.end(),
                     [](const GoldSpan& a, const GoldSpan& b) {
                       return std::tie(a.start, a.end) < std::tie(b.start, b.end);
                     });
    sentences.push_back(std::move(sentence));
  }
  return sentences;
}

// Label Studio JSON export: the last non-cancelled annotation of each task.
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
      if (!region.is_object() || region.value("type", "") != "labels" || !region.contains("value"))
        continue;
      const json& value = region["value"];
      if (!value.contains("start") || !value.contains("end") || !value.contains("labels") ||
          !value["labels"].is_array() || value["labels"].empty() ||
          !value["labels"][0].is_string()) {
        throw InputError(where + ": region " + region.dump() + " lacks start, end or labels");
      }
      const json* expected = value.contains("text") ? &value["text"] : nullptr;
      sentence.spans.push_back(convert_span(
          offsets, sentence.text, value["start"].get<int64_t>(), value["end"].get<int64_t>(),
          value["labels"][0].get<std::string>(), expected, where));
    }
    std::stable_sort(sentence.spans.begin(), sentence.spans.end(),
                     [](const GoldSpan& a, const GoldSpan& b) {
                       return std::tie(a.start, a.end) < std::tie(b.start, b.end);
                     });
    sentences.push_back(std::move(sentence));
  }
  return sentences;
}

void write_doccano(std::ostream& out, const LabeledSentence& sentence, OffsetUnit unit) {
  const OffsetConverter offsets(sentence.text, unit);
  nlohmann::ordered_json line;
  line["id"] = sentence.id;
  line["text"] = sentence.text;
  nlohmann::ordered_json labels = nlohmann::ordered_json::array();
  for (const GoldSpan& span : sentence.spans) {
    labels.push_back(
        {offsets.from_code_points(span.start), offsets.from_code_points(span.end), span.label});
  }
  line["label"] = std::move(labels);
  out << dump_json(line) << '\n';
}

// Writes one BIO sentence; returns the number of entities written (spans covering no token, i.e.
// only whitespace, are dropped with a warning).
size_t write_bio(std::ostream& out, const LabeledSentence& sentence,
                 const std::string& token_mode) {
  const std::u32string text = decode_utf8(sentence.text);
  bool has_space = false;
  for (char32_t c : text) has_space |= separates_tokens(c);
  const bool per_character = token_mode == "char" || (token_mode == "auto" && !has_space);
  // Token boundaries: whitespace separates tokens; entity edges always cut; in char mode every
  // code point is its own token.
  std::vector<bool> cut(text.size() + 1, false);
  for (const GoldSpan& span : sentence.spans) {
    cut[span.start] = true;
    cut[span.end] = true;
  }
  // Per code point: index of the span covering it, -1 = none. Overlapping spans keep the first.
  std::vector<int> owner(text.size(), -1);
  for (size_t s = 0; s < sentence.spans.size(); ++s) {
    for (int i = sentence.spans[s].start; i < sentence.spans[s].end; ++i) {
      if (owner[i] == -1) owner[i] = static_cast<int>(s);
    }
  }
  std::vector<bool> written(sentence.spans.size(), false);
  size_t tokens = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (separates_tokens(text[i])) {
      ++i;
      continue;
    }
    size_t end = i + 1;
    if (!per_character) {
      while (end < text.size() && !cut[end] && !separates_tokens(text[end])) ++end;
    }
    const int span = owner[i];
    std::string tag = "O";
    if (span >= 0) {
      tag = (written[span] ? "I-" : "B-") + sentence.spans[span].label;
      written[span] = true;
    }
    out << encode_utf8(text.substr(i, end - i)) << '\t' << tag << '\n';
    ++tokens;
    i = end;
  }
  if (tokens > 0) out << '\n';
  size_t entities = 0;
  for (size_t s = 0; s < written.size(); ++s) {
    if (written[s]) {
      ++entities;
    } else {
      spdlog::warn(
          "{}:{}: id {}: entity [{}, {}) {} covers no token (whitespace only or overlapping): "
          "dropped",
          sentence.file, sentence.line, sentence.id, sentence.spans[s].start, sentence.spans[s].end,
          sentence.spans[s].label);
    }
  }
  if (tokens == 0)
    spdlog::warn("{}:{}: id {}: text has no tokens: skipped", sentence.file, sentence.line,
                 sentence.id);
  return entities;
}

}  // namespace

ConvertSummary run_convert(const ConvertConfig& config) {
  config.validate();
  const auto started = std::chrono::system_clock::now();
  const std::string manifest_target = manifest_path(config.outputs, config.out);
  RunFiles files;
  files.inputs("--input", config.inputs);
  files.output("--out", config.out);
  files.output("--manifest", manifest_target);
  files.check();
  const std::vector<FileFingerprint> input_files = fingerprint_files(config.inputs);
  ConvertSummary summary;
  AtomicOutputFile out(config.out);
  std::optional<AtomicOutputFile> manifest_file;
  if (!manifest_target.empty()) manifest_file.emplace(manifest_target);
  const auto emit = [&](const LabeledSentence& sentence) {
    ++summary.sentences;
    if (config.to == "doccano") {
      write_doccano(out.stream(), sentence, config.out_offset_unit);
      summary.entities += sentence.spans.size();
    } else {
      summary.entities += write_bio(out.stream(), sentence, config.bio_tokens);
    }
  };
  for (const std::string& path : config.inputs) {
    const std::string format = input_format(config, path);
    if (format == "label-studio") {
      for (const LabeledSentence& sentence :
           read_label_studio(path, config.offset_unit, summary.skipped))
        emit(sentence);
    } else if (format == "doccano" && config.offset_unit == OffsetUnit::kUtf16) {
      for (const LabeledSentence& sentence : read_doccano_utf16(path)) emit(sentence);
    } else {
      LabeledReader reader(path, format == "bio" ? LabeledFormat::kBio : LabeledFormat::kDoccano);
      LabeledSentence sentence;
      while (reader.next(sentence)) emit(sentence);
    }
  }
  if (!out.stream()) throw OutputError("writing '" + config.out + "' failed");
  out.finish();  // renamed together with the manifest
  if (manifest_file) {
    nlohmann::ordered_json manifest = manifest_start("convert", config.arguments, started);
    manifest["inputs"] = fingerprints_json(input_files);
    manifest["settings"] = {{"from", config.from},
                            {"to", config.to},
                            {"offset_unit", offset_unit_name(config.offset_unit)},
                            {"out_offset_unit", offset_unit_name(config.out_offset_unit)},
                            {"bio_tokens", config.bio_tokens}};
    manifest["counts"] = {{"sentences", summary.sentences},
                          {"entities", summary.entities},
                          {"skipped", summary.skipped}};
    manifest["outputs"] = {{"out", output_json(&out)}};
    manifest_file->stream() << dump_json(manifest, 2) << "\n";
  }
  commit_together({&out, manifest_file ? &*manifest_file : nullptr});
  spdlog::info(
      "convert: {} sentences, {} entities{} -> {} ({})", summary.sentences, summary.entities,
      summary.skipped ? ", " + std::to_string(summary.skipped) + " tasks skipped" : std::string(),
      config.out, config.to);
  return summary;
}

}  // namespace alsel
