#include "alsel/util/progress.h"

#include <gtest/gtest.h>

#include <sstream>

#include "alsel/util/errors.h"

namespace alsel {
namespace {

TEST(ProgressTest, DescribeShowsCountsRateAndEta) {
  EXPECT_EQ(ProgressMeter::describe(25000, 100000, 24000, 10.0),
            "25,000/100,000 lines (25.0%), 24,000 scored, 2,400/s, ETA 30s, 10s elapsed");
  // Unknown total (stdin): no percent, no ETA.
  EXPECT_EQ(ProgressMeter::describe(1234, 0, 1200, 2.0),
            "1,234 lines, 1,200 scored, 600/s, 2s elapsed");
  EXPECT_EQ(format_duration(187), "3m07s");
  EXPECT_EQ(format_duration(7500), "2h05m");
  EXPECT_EQ(group_thousands(1234567), "1,234,567");
  EXPECT_EQ(group_thousands(12), "12");
}

struct FakeClock {
  double now = 100;
  ProgressMeter::Clock clock() {
    return [this] { return now; };
  }
};

TEST(ProgressTest, LogModePrintsEveryIntervalOnly) {
  FakeClock time;
  std::ostringstream bar;
  std::vector<std::string> lines;
  ProgressConfig config;
  config.mode = ProgressMode::kLog;
  config.log_interval_seconds = 30;
  ProgressMeter meter(
      config, 1000, bar, [&](const std::string& line, const ProgressReport&) { lines.push_back(line); }, time.clock());
  for (int i = 1; i <= 100; ++i) {
    time.now += 1;  // 100 seconds in all: a line at 30, 60 and 90
    meter.update(i * 10, i * 10);
  }
  meter.finish();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind("progress: 300/1,000 lines (30.0%), 300 scored, 10/s, ETA 1m10s", 0), 0u)
      << lines[0];
  EXPECT_TRUE(bar.str().empty());
}

TEST(ProgressTest, LogLinesCarryTheirNumbers) {
  FakeClock time;
  std::ostringstream bar;
  std::vector<ProgressReport> reports;
  ProgressConfig config;
  config.mode = ProgressMode::kLog;
  config.log_interval_seconds = 0;
  ProgressMeter meter(
      config, 500, bar, [&](const std::string&, const ProgressReport& report) { reports.push_back(report); },
      time.clock());
  time.now += 4;
  meter.update(120, 100);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].lines_done, 120u);
  EXPECT_EQ(reports[0].total_lines, 500u);
  EXPECT_EQ(reports[0].scored, 100u);
  EXPECT_DOUBLE_EQ(reports[0].elapsed_seconds, 4.0);
}

TEST(ProgressTest, BarModeRedrawsOneLineAndEndsIt) {
  FakeClock time;
  std::ostringstream bar;
  ProgressConfig config;
  config.mode = ProgressMode::kBar;
  ProgressMeter meter(config, 100, bar, {}, time.clock());
  for (int i = 1; i <= 10; ++i) {
    time.now += 0.5;
    meter.update(i * 10, i * 10);
  }
  meter.finish();
  meter.finish();  // idempotent
  const std::string out = bar.str();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\r'), 11);  // 10 redraws + the final state
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
  EXPECT_NE(out.find("\x1b[K"), std::string::npos);
  EXPECT_NE(out.find("100/100 lines (100.0%)"), std::string::npos) << out;
}

TEST(ProgressTest, ClearLineMakesRoomForALogMessage) {
  FakeClock time;
  std::ostringstream bar;
  ProgressConfig config;
  config.mode = ProgressMode::kBar;
  ProgressMeter meter(config, 100, bar, {}, time.clock());
  meter.clear_line();  // nothing shown yet: nothing to erase
  EXPECT_TRUE(bar.str().empty());
  time.now += 1;
  meter.update(10, 10);
  const size_t drawn = bar.str().size();
  meter.clear_line();
  EXPECT_EQ(bar.str().substr(drawn), "\r\x1b[K");
  meter.clear_line();  // already clean
  EXPECT_EQ(bar.str().size(), drawn + 4);
}

TEST(ProgressTest, NoneIsSilentAndAutoResolves) {
  FakeClock time;
  std::ostringstream bar;
  int lines = 0;
  ProgressConfig config;
  config.mode = ProgressMode::kNone;
  ProgressMeter meter(
      config, 10, bar, [&](const std::string&, const ProgressReport&) { ++lines; }, time.clock());
  time.now += 1000;
  meter.update(5, 5);
  meter.finish();
  EXPECT_EQ(lines, 0);
  EXPECT_TRUE(bar.str().empty());
  EXPECT_EQ(ProgressMeter::resolve(ProgressMode::kAuto, true), ProgressMode::kBar);
  EXPECT_EQ(ProgressMeter::resolve(ProgressMode::kAuto, false), ProgressMode::kLog);
  EXPECT_EQ(ProgressMeter::resolve(ProgressMode::kNone, true), ProgressMode::kNone);
  EXPECT_THROW(parse_progress_mode("fancy"), UsageError);
  config.log_interval_seconds = -1;
  EXPECT_THROW(config.validate(), UsageError);
}

}  // namespace
}  // namespace alsel
