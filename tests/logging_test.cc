#include "alsel/util/logging.h"

#include <gtest/gtest.h>

#include "alsel/util/errors.h"

namespace alsel {
namespace {

using nlohmann::ordered_json;

TEST(LoggingTest, ParseLogFormatAcceptsTextAndJsonOnly) {
  EXPECT_EQ(parse_log_format("text"), LogFormat::kText);
  EXPECT_EQ(parse_log_format("json"), LogFormat::kJson);
  try {
    parse_log_format("xml");
    FAIL() << "xml accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("text or json, got 'xml'"), std::string::npos) << e.what();
  }
}

TEST(LoggingTest, JsonLineHasTimeLevelMessageAndTheFields) {
  ordered_json fields = {{"file", "pool.jsonl"}, {"line", 3}, {"id", "7"}, {"level", "overridden?"}};
  const ordered_json line =
      ordered_json::parse(json_log_line("2025-01-31T02:00:05.123Z", "warning", "pool.jsonl:3: id 7: text is empty", fields));
  EXPECT_EQ(line["time"], "2025-01-31T02:00:05.123Z");
  EXPECT_EQ(line["level"], "warning");  // reserved keys win over fields
  EXPECT_EQ(line["message"], "pool.jsonl:3: id 7: text is empty");
  EXPECT_EQ(line["file"], "pool.jsonl");
  EXPECT_EQ(line["line"], 3);
  EXPECT_EQ(line["id"], "7");
  EXPECT_EQ(line.begin().key(), "time");
}

TEST(LoggingTest, JsonLineStaysOneLineAndValidForAnyMessage) {
  const std::string message = "two\nlines, a tab\t, a quote \" and bad UTF-8 \xff and U+2028 \xe2\x80\xa8";
  const std::string text = json_log_line("t", "info", message, nullptr);
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  const ordered_json line = ordered_json::parse(text);
  EXPECT_EQ(line["message"].get<std::string>().substr(0, 9), "two\nlines");
}

TEST(LoggingTest, FieldsFromMessageReadTheHouseWherePrefix) {
  ordered_json fields = fields_from_message("data/pool.jsonl:12: id s-7: text is empty");
  ASSERT_TRUE(fields.is_object());
  EXPECT_EQ(fields["file"], "data/pool.jsonl");
  EXPECT_EQ(fields["line"], 12);
  EXPECT_EQ(fields["id"], "s-7");

  fields = fields_from_message("pool.jsonl:4: invalid JSON: syntax error");
  ASSERT_TRUE(fields.is_object());
  EXPECT_EQ(fields["line"], 4);
  EXPECT_FALSE(fields.contains("id"));

  fields = fields_from_message("-:2: id 9: duplicate id");  // stdin
  ASSERT_TRUE(fields.is_object());
  EXPECT_EQ(fields["file"], "-");

  for (const char* plain : {"model m (models/x.pt): 7 labels", "refill pass 1: 3 near duplicates",
                            "select: read 40, scored 38", "cache s.sqlite: 12 sentences stored"}) {
    EXPECT_TRUE(fields_from_message(plain).is_null()) << plain << " -> " << fields_from_message(plain).dump();
  }
}

}  // namespace
}  // namespace alsel
