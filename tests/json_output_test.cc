#include "alsel/util/json_output.h"

#include <gtest/gtest.h>

#include <string>

namespace alsel {
namespace {

TEST(JsonOutputTest, LineAndParagraphSeparatorsAreEscaped) {
  nlohmann::ordered_json record;
  record["id"] = "a\u2028b";
  record["text"] = "one\u2029two\u2028";
  const std::string line = dump_json(record);
  EXPECT_EQ(line, R"({"id":"a\u2028b","text":"one\u2029two\u2028"})");
  EXPECT_EQ(line.find("\xE2\x80\xA8"), std::string::npos);
  EXPECT_EQ(line.find("\xE2\x80\xA9"), std::string::npos);
  // The escapes mean the same characters.
  EXPECT_EQ(nlohmann::json::parse(line)["text"], "one\u2029two\u2028");
}

TEST(JsonOutputTest, OtherCharactersOfTheSameLeadBytesStayRaw) {
  // U+2026 (E2 80 A6) and U+2030 (E2 80 B0) share the first two bytes.
  const nlohmann::json value = "\u2026\u2030\u4E2D";
  EXPECT_EQ(dump_json(value), "\"\u2026\u2030\u4E2D\"");
  EXPECT_EQ(escape_line_separators("x\xE2\x80"), "x\xE2\x80");  // a truncated tail is left alone
}

TEST(JsonOutputTest, IndentedManifestsToo) {
  nlohmann::ordered_json manifest;
  manifest["path"] = "dir\u2028name";
  EXPECT_EQ(dump_json(manifest, 2), "{\n  \"path\": \"dir\\u2028name\"\n}");
}

}  // namespace
}  // namespace alsel
