// Where in a config file (`alsel --config FILE`, TOML/INI as CLI11 reads it) an error lies:
// CLI11 names the key or the option but not the file or the line; this finds them.
//
//   const std::string text = alsel::read_text_file("nightly.toml");
//   alsel::find_config_line(text, "select", "k");        // 3: the line of "k = 500" in [select]
//   alsel::locate_config_error("nightly.toml", text, "INI was not able to parse select.bogus");
//   // "nightly.toml:4: unknown key 'bogus' in [select] (not an option of `alsel select`; ..."
#pragma once

#include <cstddef>
#include <string>

namespace alsel {

// The 1-based line that sets `key` in table [section] (section "" = before any table; a
// dotted key "section.key" at the top level counts too), or 0 when no line does. Keys match as
// CLI11 matches them: "k" also matches "-k", "near-threshold" also "--near-threshold".
size_t find_config_line(const std::string& text, const std::string& section, const std::string& key);

// The 1-based line holding `fragment` verbatim (e.g. "[select" of a broken table header), or 0.
size_t find_config_fragment(const std::string& text, const std::string& fragment);

// A CLI11 parse error of a run that read config file `path` (content `text`), with the file and
// line of the offending key when the message names one the file sets; otherwise the message
// with "(config file PATH)" appended for CLI11's config errors and unchanged for the others
// (e.g. a bad command-line value).
std::string locate_config_error(const std::string& path, const std::string& text, const std::string& message);

}  // namespace alsel
