#include "alsel/selection/exclusion_set.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "alsel/util/errors.h"
#include "alsel/util/utf8.h"
#include "util/json_errors.h"
#include "alsel/data/labeled_data.h"
#include "alsel/text/text_normalizer.h"
#include "alsel/util/settings.h"

namespace alsel {

namespace {

using nlohmann::json;

std::string_view trim(std::string_view text) {
  const char* spaces = " \t\r\n";
  const size_t begin = text.find_first_not_of(spaces);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(spaces) - begin + 1);
}

// The id of a JSON value as the pool reader renders it; empty when it is not one.
std::string id_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();
  return {};
}

// Id and text of one exclude-file entry (an object or an id string).
void add_entry(ExclusionSet& set, const json& entry, const std::string& id_field,
               const std::string& text_field) {
  if (entry.is_string() || entry.is_number_integer()) {
    set.add(id_of(entry), {});
    return;
  }
  if (!entry.is_object()) return;
  const auto data = entry.find("data");
  const json& fields = data != entry.end() && data->is_object() ? *data : entry;
  std::string id, text;
  if (const auto found = fields.find(id_field); found != fields.end()) id = id_of(*found);
  if (const auto found = fields.find(text_field); found != fields.end() && found->is_string()) {
    text = found->get<std::string>();
  }
  set.add(id, text);
}

}  // namespace

ExclusionMatch parse_exclusion_match(std::string_view name) {
  if (name == "both") return ExclusionMatch::kIdOrText;
  if (name == "id") return ExclusionMatch::kId;
  if (name == "text") return ExclusionMatch::kText;
  throw UsageError("unknown exclusion match '" + std::string(name) + "' (valid: both, id, text)");
}

const char* exclusion_match_name(ExclusionMatch match) {
  switch (match) {
    case ExclusionMatch::kId:
      return "id";
    case ExclusionMatch::kText:
      return "text";
    default:
      return "both";
  }
}

std::string_view text_hash_key(const uint64_t& text_hash) {
  return std::string_view(reinterpret_cast<const char*>(&text_hash), sizeof text_hash);
}

ExclusionSet::ExclusionSet(ExclusionMatch match) : match_(match) {}

void ExclusionSet::add(std::string_view id, std::string_view text) {
  if (!id.empty() && match_ != ExclusionMatch::kText) ids_.insert(id);
  if (!text.empty() && match_ != ExclusionMatch::kId) {
    const uint64_t hash = normalized_text_hash(text);
    texts_.insert(text_hash_key(hash));
  }
}

ExclusionReason ExclusionSet::find(std::string_view id, uint64_t text_hash) const {
  if (match_ != ExclusionMatch::kText && ids_.size() > 0 && ids_.contains(id)) {
    return ExclusionReason::kSameId;
  }
  if (match_ != ExclusionMatch::kId && texts_.size() > 0 &&
      texts_.contains(text_hash_key(text_hash))) {
    return ExclusionReason::kSameText;
  }
  return ExclusionReason::kNone;
}

size_t ExclusionSet::add_labeled_file(const std::string& path, std::optional<OffsetUnit> unit) {
  LabeledReader reader(path, LabeledFormat::kAuto, unit);
  LabeledSentence sentence;
  size_t count = 0;
  while (reader.next(sentence)) {
    const bool generated_id = sentence.id == sentence.file + ":" + std::to_string(sentence.line);
    add(generated_id ? std::string_view() : std::string_view(sentence.id), sentence.text);
    ++count;
  }
  return count;
}

size_t ExclusionSet::add_exclude_file(const std::string& path, const std::string& id_field,
                                      const std::string& text_field) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError("cannot open exclude file '" + path + "': " + std::strerror(errno));
  std::string line;
  size_t line_number = 0, count = 0;
  enum class Format { kUnknown, kIds, kJsonl } format = Format::kUnknown;
  while (std::getline(file, line)) {
    ++line_number;
    if (line_number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    const std::string_view content = trim(line);
    if (content.empty()) continue;
    // An id list, JSONL or JSON is text: a NUL byte or invalid UTF-8 means a binary file (or the
    // wrong file), whose "lines" must not become ids.
    const size_t invalid = find_invalid_utf8(line);
    if (line.find('\0') != std::string::npos || invalid != line.size()) {
      throw InputError(path + ":" + std::to_string(line_number) + ": not text (" +
                       (invalid != line.size() ? "invalid UTF-8 at byte " + std::to_string(invalid)
                                               : std::string("a NUL byte")) +
                       "): " + show_setting("exclude") + " takes id lists, JSONL or JSON task lists");
    }
    if (format == Format::kUnknown) {
      if (content.front() == '[') {
        // A JSON array: read the whole file (Label Studio task lists are written this way).
        std::ostringstream rest;
        rest << file.rdbuf();
        json array;
        try {
          array = parse_input_json(line + "\n" + rest.str());
        } catch (const json::exception& error) {
          throw InputError(path + ": invalid JSON array: " + excerpt_utf8(error.what(), 300));
        }
        if (!array.is_array()) throw InputError(path + ": expected a JSON array");
        for (const json& entry : array) add_entry(*this, entry, id_field, text_field);
        return array.size();
      }
      format = content.front() == '{' ? Format::kJsonl : Format::kIds;
    }
    if (format == Format::kIds) {
      if (content.front() == '#') continue;
      add(content, {});
      ++count;
      continue;
    }
    json entry;
    try {
      entry = parse_input_json(std::string(content));
    } catch (const json::exception& error) {
      throw InputError(path + ":" + std::to_string(line_number) +
                       ": invalid JSON: " + excerpt_utf8(error.what(), 300));
    }
    if (!entry.is_object()) {
      throw InputError(path + ":" + std::to_string(line_number) + ": expected a JSON object");
    }
    add_entry(*this, entry, id_field, text_field);
    ++count;
  }
  if (file.bad()) throw InputError("error reading exclude file '" + path + "'");
  return count;
}

}  // namespace alsel
