// Progress of a long run on stderr: on a terminal, one line redrawn in place (count, rate,
// percent and ETA when the pool's line count is known); elsewhere (cron, a log file), a plain
// log line every `log_interval_seconds`.
//
//   alsel::ProgressConfig config;                      // auto, a log line every 30 s
//   config.mode = alsel::ProgressMeter::resolve(config.mode, isatty(2));
//   alsel::ProgressMeter progress(config, total_lines, std::cerr,
//                                 [](const std::string& line, const alsel::ProgressReport&) {
//                                   spdlog::info("{}", line);
//                                 });
//   ... progress.update(lines_done, scored);   // cheap: prints only when due
//   progress.finish();                                  // ends the terminal line
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "alsel/util/settings.h"

namespace alsel {

enum class ProgressMode {
  kAuto,  // kBar when stderr is a terminal, else kLog
  kBar,   // one line redrawn in place ("\r" + erase line)
  kLog,   // a log line every log_interval_seconds
  kNone,  // silent (-q)
};

// "auto", "bar", "log" or "none"; throws UsageError listing them otherwise.
ProgressMode parse_progress_mode(std::string_view name);
const EnumNames<ProgressMode>& progress_mode_names();

struct ProgressConfig {
  ProgressMode mode = ProgressMode::kAuto;
  double log_interval_seconds = 30;   // kLog: seconds between lines, >= 0 (0 = every update)
  double bar_interval_seconds = 0.2;  // kBar: seconds between redraws
  void validate() const;              // throws UsageError for a negative or NaN interval
  // --progress and --progress-interval (the bar's interval is not a setting).
  void register_settings(SettingsRegistry& settings);
};

// The numbers of one progress report, for structured logs (--log-format json).
struct ProgressReport {
  uint64_t lines_done = 0;   // pool lines finished
  uint64_t total_lines = 0;  // lines of the pool files; 0 = unknown (stdin)
  uint64_t scored = 0;       // sentences scored so far
  double elapsed_seconds = 0;
};

class ProgressMeter {
 public:
  using Clock = std::function<double()>;  // monotonic seconds
  // The text of a log line ("progress: ...") and its numbers.
  using LogLine = std::function<void(const std::string&, const ProgressReport&)>;

  // `total_lines`: lines of the pool files (0 = unknown, e.g. stdin: no percent, no ETA).
  // `config.mode` must be resolved (not kAuto). `bar_out` receives the terminal line,
  // `log_line` the periodic lines. `clock` defaults to std::chrono::steady_clock.
  ProgressMeter(ProgressConfig config, uint64_t total_lines, std::ostream& bar_out,
                LogLine log_line, Clock clock = {});

  // Reports `lines_done` pool lines finished (of total_lines) and `scored` sentences scored,
  // when due.
  void update(uint64_t lines_done, uint64_t scored);
  // Erases the terminal line so that a log message printed next starts on a clean line; the
  // next due update redraws it. No-op in the other modes.
  void clear_line();
  // Final state and newline of the terminal line (no-op in the other modes). Idempotent.
  void finish();

  // kAuto -> kBar or kLog; other modes unchanged.
  static ProgressMode resolve(ProgressMode mode, bool stderr_is_terminal);
  // The text of one report, e.g. "45,678/100,000 lines (45.7%), 12,345 scored, 850/s, ETA 1m05s".
  static std::string describe(uint64_t lines_done, uint64_t total_lines, uint64_t scored,
                              double elapsed_seconds);

 private:
  void print(bool final);

  ProgressConfig config_;
  uint64_t total_lines_;
  std::ostream& bar_out_;
  LogLine log_line_;
  Clock clock_;
  double started_ = 0, last_printed_ = 0;
  uint64_t lines_done_ = 0, scored_ = 0;
  bool finished_ = false;
  bool line_shown_ = false;  // kBar: the terminal line holds a progress report
};

// "1,234,567".
std::string group_thousands(uint64_t value);
// "42s", "3m07s", "2h05m".
std::string format_duration(double seconds);

}  // namespace alsel
