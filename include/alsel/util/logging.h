// Logging of the library: verbosity, the format of stderr lines, and messages with structured
// fields. Messages go to stderr; spdlog stays private to src/.
//
//   alsel::set_verbosity(alsel::Verbosity::kQuiet);   // -q: warnings and errors only
//   alsel::set_log_format(alsel::LogFormat::kJson);    // --log-format json
//   alsel::log_message(alsel::LogLevel::kWarning, "pool.jsonl:3: id 7: text is empty",
//                      {{"file", "pool.jsonl"}, {"line", 3}, {"id", "7"}});
//
// Text (the default) prints "alsel: LEVEL: MESSAGE". JSON prints one object per line:
//   {"time":"2025-01-31T02:00:05.123Z","level":"warning","message":"...","file":"pool.jsonl",
//    "line":3,"id":"7"}
// with the message's fields beside level, time and message. A message logged without fields
// that starts "FILE:LINE: " (optionally followed by "id ID: ") gets file, line (and id) parsed
// from it, so every "where" of the house format is a field.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace alsel {

enum class Verbosity { kQuiet, kNormal, kVerbose };

void set_verbosity(Verbosity verbosity);

enum class LogFormat {
  kText,  // "alsel: info: ..." lines, for people
  kJson,  // one JSON object per line, for CI and log collectors
};

// "text" or "json"; throws UsageError naming the valid values otherwise.
LogFormat parse_log_format(std::string_view name);
void set_log_format(LogFormat format);
LogFormat log_format();

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// Logs `message` at `level`. `fields` is a JSON object (or null): its keys become keys of the
// JSON line ("time", "level" and "message" are reserved and win); the text format prints the
// message alone.
void log_message(LogLevel level, const std::string& message, const nlohmann::ordered_json& fields = nullptr);

// The JSON line of one message (what kJson prints, without the newline): `time_text` is an ISO
// 8601 UTC time, `level_name` "debug", "info", "warning" or "error".
std::string json_log_line(std::string_view time_text, std::string_view level_name, const std::string& message,
                          const nlohmann::ordered_json& fields);

// file, line and id parsed from a "FILE:LINE: [id ID: ]..." message; null when it has no such
// prefix.
nlohmann::ordered_json fields_from_message(const std::string& message);

// The last words of a failed run, whatever the verbosity: text "alsel: error: MESSAGE" (or
// "alsel: internal error: MESSAGE"), JSON an error line with "exit_code" (and "internal").
void report_fatal_error(const std::string& message, int exit_code, bool internal);

}  // namespace alsel
