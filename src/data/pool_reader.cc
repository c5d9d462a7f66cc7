#include "alsel/data/pool_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <utility>

#include "alsel/util/errors.h"
#include "alsel/util/json_output.h"
#include "alsel/util/utf8.h"
#include "util/json_errors.h"

namespace alsel {
namespace {

using nlohmann::json;

bool is_blank_line(const std::string& line) {
  for (char c : line) {
    if (c != ' ' && c != '\t') return false;
  }
  return true;
}

// Unicode White_Space, plus the zero-width characters that tokenizers drop (U+200B, U+FEFF):
// a text made only of these has nothing to label.
bool is_space_code_point(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000 || c == 0xFEFF;
}

// `text` must be valid UTF-8.
bool is_whitespace_only(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    const unsigned char lead = static_cast<unsigned char>(text[pos]);
    if (lead < 0x80) {
      if (!is_space_code_point(lead)) return false;
      ++pos;
      continue;
    }
    const size_t length = utf8_sequence_length(text, pos);
    if (length == 0) return false;
    if (!is_space_code_point(decode_utf8(text.substr(pos, length))[0])) return false;
    pos += length;
  }
  return true;
}


// Id of a parsed JSONL object: sets `id` and returns "" when usable, else returns the reason.
std::string extract_id(const json& object, const std::string& field, std::string& id) {
  const auto it = object.find(field);
  if (it == object.end()) return "missing id field '" + field + "'";
  if (it->is_string()) {
    id = it->get_ref<const std::string&>();
    return id.empty() ? "id is empty" : "";
  }
  if (it->is_number_unsigned()) {
    id = std::to_string(it->get<uint64_t>());
    return "";
  }
  if (it->is_number_integer()) {
    id = std::to_string(it->get<int64_t>());
    return "";
  }
  return std::string("id must be a string or an integer (got ") + it->type_name() + ")";
}

void check_readable(const std::string& path) {
  if (path == "-") return;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw InputError("cannot open pool file '" + path + "': " + std::strerror(errno));
  }
  if (S_ISDIR(info.st_mode))
    throw InputError("cannot read pool file '" + path + "': is a directory");
  std::ifstream probe(path, std::ios::binary);
  if (!probe) {
    throw InputError("cannot open pool file '" + path + "': " + std::strerror(errno));
  }
}

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

void PoolReaderConfig::validate() const {
  if (format != InputFormat::kJsonl) return;
  if (id_field.empty()) throw UsageError("pool id field name is empty");
  if (text_field.empty()) throw UsageError("pool text field name is empty");
  if (id_field == text_field) {
    throw UsageError("pool id field and text field are both '" + id_field + "'");
  }
}

std::string PoolReaderConfig::to_string() const {
  if (format == InputFormat::kText) return "format=text";
  return "format=jsonl id_field=" + id_field + " text_field=" + text_field;
}

void PoolReaderConfig::register_settings(SettingsRegistry& settings) {
  settings.add_choice(Setting("input-format", "jsonl or text (one sentence per line, id = line number)"), format,
                      input_format_names());
  settings.add(Setting("id-field", "JSONL key of the id"), id_field);
  settings.add(Setting("text-field", "JSONL key of the text"), text_field);
}

const EnumNames<InputFormat>& input_format_names() {
  static const EnumNames<InputFormat> names = {{InputFormat::kJsonl, "jsonl"}, {InputFormat::kText, "text"}};
  return names;
}

PoolReader::PoolReader(std::vector<std::string> paths, PoolReaderConfig config)
    : paths_(std::move(paths)), config_(std::move(config)) {
  config_.validate();
  if (paths_.empty()) throw UsageError("no pool file given");
  for (const std::string& path : paths_) check_readable(path);
}

bool PoolReader::open_next_file() {
  if (next_file_ >= paths_.size()) return false;
  const std::string& path = paths_[next_file_++];
  line_number_ = 0;
  if (path == "-") {
    input_ = &std::cin;
    return true;
  }
  file_ = std::ifstream(path, std::ios::binary);
  if (!file_) throw InputError("cannot open pool file '" + path + "': " + std::strerror(errno));
  input_ = &file_;
  return true;
}

bool PoolReader::next(PoolItem& item) {
  while (true) {
    if (input_ == nullptr && !open_next_file()) return false;
    const std::string& path = paths_[next_file_ - 1];
    if (!std::getline(*input_, line_)) {
      if (input_->bad()) throw InputError("error reading pool file '" + path + "'");
      if (input_ == &std::cin) std::cin.clear();  // a later "-" would then read nothing
      file_.close();
      input_ = nullptr;
      continue;
    }
    ++line_number_;
    ++lines_read_;
    if (line_number_ == 1 && line_.rfind("\xEF\xBB\xBF", 0) == 0) line_.erase(0, 3);
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (is_blank_line(line_)) {
      ++blank_lines_;
      continue;
    }

    item.id.clear();
    item.text.clear();
    item.file = path;
    item.line = line_number_;
    item.rejected = false;
    item.reason.clear();
    item.raw.clear();
    if (config_.format == InputFormat::kJsonl) {
      parse_jsonl(item);
    } else {
      parse_text(item);
    }
    if (!item.rejected && !seen_ids_.insert(item.id)) {
      item.rejected = true;
      item.reason = "duplicate id (seen earlier)";
    }
    if (item.rejected) {
      item.raw = line_;
      item.text.clear();
    }
    return true;
  }
}

void PoolReader::parse_text(PoolItem& item) {
  item.id =
      paths_.size() > 1 ? item.file + ":" + std::to_string(item.line) : std::to_string(item.line);
  const size_t invalid = find_invalid_utf8(line_);
  if (invalid != line_.size()) {
    item.rejected = true;
    item.reason = "invalid UTF-8 at byte " + std::to_string(invalid);
    return;
  }
  if (is_whitespace_only(line_)) {
    item.rejected = true;
    item.reason = "text is whitespace only";
    return;
  }
  item.text = line_;
}

void PoolReader::parse_jsonl(PoolItem& item) {
  const auto reject = [&item](std::string reason) {
    item.rejected = true;
    item.reason = std::move(reason);
  };
  const size_t invalid = find_invalid_utf8(line_);
  if (invalid != line_.size()) {
    reject("invalid UTF-8 at byte " + std::to_string(invalid));
    // Best effort: recover the id from a repaired copy, for the warning and rejects file.
    const json repaired = json::parse(sanitize_utf8(line_), nullptr, /*allow_exceptions=*/false);
    std::string id;
    if (repaired.is_object() && extract_id(repaired, config_.id_field, id).empty() &&
        id.find("\xEF\xBF\xBD") == std::string::npos) {
      item.id = std::move(id);
    }
    return;
  }

  json object;
  try {
    object = parse_input_json(line_);
  } catch (const json::parse_error& error) {
    reject("invalid JSON: " + short_parse_message(error));
    return;
  }
  if (!object.is_object()) {
    reject(std::string("not a JSON object (got ") + object.type_name() + ")");
    return;
  }
  std::string id_problem = extract_id(object, config_.id_field, item.id);
  if (!id_problem.empty()) {
    reject(std::move(id_problem));
    return;
  }
  const auto text = object.find(config_.text_field);
  if (text == object.end()) {
    reject("missing text field '" + config_.text_field + "'");
    return;
  }
  if (!text->is_string()) {
    reject(std::string("text must be a string (got ") + text->type_name() + ")");
    return;
  }
  std::string& value = text->get_ref<std::string&>();
  if (value.empty()) {
    reject("text is empty");
    return;
  }
  if (is_whitespace_only(value)) {
    reject("text is whitespace only");
    return;
  }
  item.text = std::move(value);
}

std::string format_reject_line(const PoolItem& item) {
  nlohmann::ordered_json record;
  record["file"] = sanitize_utf8(item.file);
  record["line"] = item.line;
  record["id"] = item.id.empty() ? nlohmann::ordered_json(nullptr)
                                 : nlohmann::ordered_json(sanitize_utf8(item.id));
  record["reason"] = sanitize_utf8(item.reason);
  record["raw"] = sanitize_utf8(item.raw);
  return dump_json(record);
}

std::string format_reject_warning(const PoolItem& item) {
  std::string warning = item.file + ":" + std::to_string(item.line) + ": ";
  if (!item.id.empty()) warning += "id " + item.id + ": ";
  warning += item.reason;
  return one_line(sanitize_utf8(excerpt_utf8(warning, 500)));
}

}  // namespace alsel
