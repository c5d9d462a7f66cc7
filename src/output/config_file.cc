#include "alsel/output/config_file.h"

#include <regex>
#include <sstream>
#include <vector>

namespace alsel {
namespace {

std::string trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const size_t last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

std::string strip_dashes(std::string key) {
  while (!key.empty() && key.front() == '-') key.erase(key.begin());
  return key;
}

std::string unquote(std::string key) {
  if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'') && key.back() == key.front()) {
    return key.substr(1, key.size() - 2);
  }
  return key;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

size_t find_config_line(const std::string& text, const std::string& section, const std::string& key) {
  const std::string wanted = strip_dashes(key);
  std::string current;  // the table of the lines being read
  const std::vector<std::string> lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string line = trim(lines[i]);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      const size_t close = line.find(']');
      current = trim(line.substr(1, close == std::string::npos ? std::string::npos : close - 1));
      continue;
    }
    const size_t equals = line.find_first_of("=:");
    if (equals == std::string::npos) continue;
    std::string name = strip_dashes(unquote(trim(line.substr(0, equals))));
    std::string table = current;
    if (current.empty() && !section.empty() && name.rfind(section + ".", 0) == 0) {
      table = section;
      name = name.substr(section.size() + 1);
    }
    if (table == section && name == wanted) return i + 1;
  }
  return 0;
}

size_t find_config_fragment(const std::string& text, const std::string& fragment) {
  if (fragment.empty()) return 0;
  const std::vector<std::string> lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find(fragment) != std::string::npos) return i + 1;
  }
  return 0;
}

std::string locate_config_error(const std::string& path, const std::string& text, const std::string& message) {
  std::smatch match;
  // An unknown key (CLI11's ConfigError::Extras), "SECTION.KEY" or "KEY", or a line it could
  // not read at all ("[select" of a table header without its bracket).
  static const std::regex extras(R"(^INI was not able to parse (.+)$)");
  if (std::regex_match(message, match, extras)) {
    const std::string item = match[1].str();
    const size_t dot = item.rfind('.');
    const std::string section = dot == std::string::npos ? "" : item.substr(0, dot);
    const std::string key = dot == std::string::npos ? item : item.substr(dot + 1);
    size_t line = find_config_line(text, section, key);
    if (line == 0) line = find_config_fragment(text, item);
    const std::string where = path + (line > 0 ? ":" + std::to_string(line) : "") + ": ";
    if (item.find_first_of("[]=\"'") != std::string::npos || line == 0) {
      return where + "cannot read '" + item + "' (config file, TOML/INI: [subcommand] tables of key = value)";
    }
    if (section.empty()) {
      return where + "unknown key '" + key +
             "' outside a table (top-level keys are the global options: log-format, quiet, verbose; "
             "put a subcommand's options under [select], [score], [merge], ...)";
    }
    return where + "unknown key '" + key + "' in [" + section + "] (not an option of `alsel " + section +
           "`; see alsel " + section + " --help)";
  }
  // "FILE: This option is not allowed in a configuration file" (e.g. --config itself).
  static const std::regex not_configurable(R"(^(.+): This option is not allowed in a configuration file$)");
  if (std::regex_match(message, match, not_configurable)) {
    const std::string item = match[1].str();
    const size_t dot = item.rfind('.');
    const size_t line = find_config_line(text, dot == std::string::npos ? "" : item.substr(0, dot),
                                         dot == std::string::npos ? item : item.substr(dot + 1));
    return path + (line > 0 ? ":" + std::to_string(line) : "") + ": '" + item +
           "' cannot be set in a config file";
  }
  // A bad value: "Could not convert: -k = seven", "--format: xml not in {...}".
  static const std::regex option(R"((?:^|[ :])(--?[A-Za-z][A-Za-z0-9_-]*))");
  if (std::regex_search(message, match, option)) {
    const std::string key = strip_dashes(match[1].str());
    const std::string value_text = [&] {
      static const std::regex value(R"(= (.+)$)");
      std::smatch value_match;
      return std::regex_search(message, value_match, value) ? value_match[1].str() : std::string();
    }();
    for (const std::string& section : {std::string(), std::string("select"), std::string("score"),
                                       std::string("merge"), std::string("eval"), std::string("info"),
                                       std::string("convert")}) {
      const size_t line = find_config_line(text, section, key);
      if (line == 0) continue;
      // The value may have come from the command line instead: cite the file only when the
      // line holds the value CLI11 complains about (or the message shows none).
      const std::string line_text = split_lines(text)[line - 1];
      if (!value_text.empty() && line_text.find(value_text) == std::string::npos) continue;
      return path + ":" + std::to_string(line) + ": " + message;
    }
  }
  return message;
}

}  // namespace alsel
