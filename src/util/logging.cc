#include "alsel/util/logging.h"

#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <regex>

#include "alsel/util/errors.h"
#include "alsel/util/json_output.h"
#include "alsel/util/settings.h"

namespace alsel {
namespace {

LogFormat g_format = LogFormat::kText;

// The fields of the message being logged by log_message(), read by the JSON sink. Thread-local:
// the sink runs synchronously in the logging thread.
thread_local const nlohmann::ordered_json* t_fields = nullptr;

std::string iso_time(spdlog::log_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[96];  // room for any int the compiler cannot rule out
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return text;
}

const char* level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warning";
    default: return "error";
  }
}

// One JSON object per message on stderr, flushed per line so that a collector reading the
// pipe sees whole lines.
class JsonStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string message(msg.payload.data(), msg.payload.size());
    const nlohmann::ordered_json parsed = t_fields == nullptr ? fields_from_message(message) : nullptr;
    const std::string line =
        json_log_line(iso_time(msg.time), level_name(msg.level), message, t_fields ? *t_fields : parsed) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

std::shared_ptr<spdlog::logger> logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto created = spdlog::stderr_logger_st("alsel");
    created->set_pattern("alsel: %^%l%$: %v");
    created->set_level(spdlog::level::info);
    spdlog::set_default_logger(created);
    return created;
  }();
  return instance;
}

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarning: return spdlog::level::warn;
    case LogLevel::kError: break;
  }
  return spdlog::level::err;
}

}  // namespace

void set_verbosity(Verbosity verbosity) {
  const auto& log = logger();
  switch (verbosity) {
    case Verbosity::kQuiet: log->set_level(spdlog::level::warn); break;
    case Verbosity::kNormal: log->set_level(spdlog::level::info); break;
    case Verbosity::kVerbose: log->set_level(spdlog::level::debug); break;
  }
}

LogFormat parse_log_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  throw UsageError(show_setting("log-format") + " must be text or json, got '" + std::string(name) + "'");
}

void set_log_format(LogFormat format) {
  const auto& log = logger();
  if (format == g_format) return;
  log->sinks().clear();
  if (format == LogFormat::kJson) {
    log->sinks().push_back(std::make_shared<JsonStderrSink>());
  } else {
    log->sinks().push_back(std::make_shared<spdlog::sinks::stderr_sink_st>());
    log->set_pattern("alsel: %^%l%$: %v");
  }
  g_format = format;
}

LogFormat log_format() { return g_format; }

void log_message(LogLevel level, const std::string& message, const nlohmann::ordered_json& fields) {
  const auto& log = logger();
  const spdlog::level::level_enum spd_level = to_spdlog(level);
  if (!log->should_log(spd_level)) return;
  const nlohmann::ordered_json* previous = t_fields;
  t_fields = fields.is_object() ? &fields : nullptr;
  log->log(spd_level, "{}", message);
  t_fields = previous;
}

std::string json_log_line(std::string_view time_text, std::string_view level_name, const std::string& message,
                          const nlohmann::ordered_json& fields) {
  nlohmann::ordered_json line;
  line["time"] = time_text;
  line["level"] = level_name;
  line["message"] = message;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      if (key != "time" && key != "level" && key != "message") line[key] = value;
    }
  }
  // dump_json replaces invalid UTF-8 (a pool line's bytes) instead of throwing.
  return dump_json(line);
}

nlohmann::ordered_json fields_from_message(const std::string& message) {
  // FILE:LINE: [id ID: ] — FILE has no ": " (paths with one are not recognised, nothing breaks).
  static const std::regex where(R"(^([^:\n]+(?::[^: \n][^:\n]*)*):([0-9]+): (?:id (.+?): )?)");
  std::smatch match;
  if (!std::regex_search(message, match, where)) return nullptr;
  nlohmann::ordered_json fields;
  fields["file"] = match[1].str();
  try {
    fields["line"] = std::stoull(match[2].str());
  } catch (const std::exception&) {
    return nullptr;  // a number too large to be a line
  }
  if (match[3].matched) fields["id"] = match[3].str();
  return fields;
}

void report_fatal_error(const std::string& message, int exit_code, bool internal) {
  if (g_format == LogFormat::kJson) {
    nlohmann::ordered_json fields;
    fields["exit_code"] = exit_code;
    if (internal) fields["internal"] = true;
    const nlohmann::ordered_json parsed = fields_from_message(message);
    if (parsed.is_object()) {
      for (const auto& [key, value] : parsed.items()) fields[key] = value;
    }
    const std::string line =
        json_log_line(iso_time(spdlog::log_clock::now()), "error", message, fields) + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
  } else {
    const std::string line = std::string(internal ? "alsel: internal error: " : "alsel: error: ") + message + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  std::fflush(stderr);
}

}  // namespace alsel
