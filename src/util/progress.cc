#include "alsel/util/progress.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "alsel/util/errors.h"
#include "alsel/util/settings.h"

namespace alsel {

ProgressMode parse_progress_mode(std::string_view name) {
  if (name == "auto") return ProgressMode::kAuto;
  if (name == "bar") return ProgressMode::kBar;
  if (name == "log") return ProgressMode::kLog;
  if (name == "none") return ProgressMode::kNone;
  throw UsageError("unknown progress mode '" + std::string(name) +
                   "' (valid: auto, bar, log, none)");
}

void ProgressConfig::validate() const {
  if (!(log_interval_seconds >= 0)) {
    throw UsageError(show_setting("progress-interval") + " must be >= 0 seconds, got " +
                     std::to_string(log_interval_seconds));
  }
  if (!(bar_interval_seconds >= 0)) {
    throw UsageError("bar interval must be >= 0 seconds, got " +
                     std::to_string(bar_interval_seconds));
  }
}

std::string group_thousands(uint64_t value) {
  std::string digits = std::to_string(value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
    digits.insert(static_cast<size_t>(i), ",");
  return digits;
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
  const uint64_t total = static_cast<uint64_t>(std::llround(seconds));
  char buffer[32];
  if (total < 60) {
    std::snprintf(buffer, sizeof buffer, "%llus", static_cast<unsigned long long>(total));
  } else if (total < 3600) {
    std::snprintf(buffer, sizeof buffer, "%llum%02llus",
                  static_cast<unsigned long long>(total / 60),
                  static_cast<unsigned long long>(total % 60));
  } else {
    std::snprintf(buffer, sizeof buffer, "%lluh%02llum",
                  static_cast<unsigned long long>(total / 3600),
                  static_cast<unsigned long long>(total / 60 % 60));
  }
  return buffer;
}

ProgressMode ProgressMeter::resolve(ProgressMode mode, bool stderr_is_terminal) {
  if (mode != ProgressMode::kAuto) return mode;
  return stderr_is_terminal ? ProgressMode::kBar : ProgressMode::kLog;
}

std::string ProgressMeter::describe(uint64_t lines_done, uint64_t total_lines, uint64_t scored,
                                    double elapsed_seconds) {
  std::ostringstream out;
  out << group_thousands(lines_done);
  if (total_lines > 0) {
    const double percent = 100.0 * static_cast<double>(std::min(lines_done, total_lines)) /
                           static_cast<double>(total_lines);
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%.1f", percent);
    out << "/" << group_thousands(total_lines) << " lines (" << buffer << "%)";
  } else {
    out << " lines";
  }
  out << ", " << group_thousands(scored) << " scored";
  if (elapsed_seconds > 0) {
    out << ", " << group_thousands(static_cast<uint64_t>(std::llround(scored / elapsed_seconds)))
        << "/s";
    if (total_lines > 0 && lines_done > 0 && lines_done < total_lines && elapsed_seconds >= 1.0) {
      const double lines_per_second = static_cast<double>(lines_done) / elapsed_seconds;
      out << ", ETA "
          << format_duration(static_cast<double>(total_lines - lines_done) / lines_per_second);
    }
  }
  out << ", " << format_duration(elapsed_seconds) << " elapsed";
  return out.str();
}

ProgressMeter::ProgressMeter(ProgressConfig config, uint64_t total_lines, std::ostream& bar_out,
                             LogLine log_line, Clock clock)
    : config_(config),
      total_lines_(total_lines),
      bar_out_(bar_out),
      log_line_(std::move(log_line)),
      clock_(std::move(clock)) {
  config_.validate();
  if (config_.mode == ProgressMode::kAuto) config_.mode = ProgressMode::kLog;
  if (!clock_) {
    clock_ = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  }
  started_ = last_printed_ = clock_();
}

void ProgressMeter::update(uint64_t lines_done, uint64_t scored) {
  lines_done_ = lines_done;
  scored_ = scored;
  if (config_.mode == ProgressMode::kNone || finished_) return;
  const double now = clock_();
  const double interval = config_.mode == ProgressMode::kBar ? config_.bar_interval_seconds
                                                             : config_.log_interval_seconds;
  if (now - last_printed_ < interval) return;
  last_printed_ = now;
  print(false);
}

void ProgressMeter::print(bool final) {
  const double elapsed = clock_() - started_;
  const std::string text = describe(lines_done_, total_lines_, scored_, elapsed);
  if (config_.mode == ProgressMode::kBar) {
    bar_out_ << "\r\x1b[K"
             << "alsel: " << text;
    if (final) bar_out_ << '\n';
    bar_out_.flush();
    line_shown_ = !final;
  } else if (config_.mode == ProgressMode::kLog && log_line_) {
    log_line_("progress: " + text, ProgressReport{lines_done_, total_lines_, scored_, elapsed});
  }
}

void ProgressMeter::clear_line() {
  if (config_.mode != ProgressMode::kBar || !line_shown_) return;
  bar_out_ << "\r\x1b[K";
  bar_out_.flush();
  line_shown_ = false;
}

void ProgressMeter::finish() {
  if (finished_) return;
  if (config_.mode == ProgressMode::kBar) print(true);  // the final state, even after a short run
  finished_ = true;
}

void ProgressConfig::register_settings(SettingsRegistry& settings) {
  settings.add_choice(Setting("progress", "auto (a live line on a terminal, else log lines), bar, log or none"), mode,
                      progress_mode_names());
  settings.add(Setting("progress-interval", "seconds between progress log lines when stderr is not a terminal"),
               log_interval_seconds);
}

const EnumNames<ProgressMode>& progress_mode_names() {
  static const EnumNames<ProgressMode> names = {
      {ProgressMode::kAuto, "auto"}, {ProgressMode::kBar, "bar"}, {ProgressMode::kLog, "log"}, {ProgressMode::kNone, "none"}};
  return names;
}

}  // namespace alsel
