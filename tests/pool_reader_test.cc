#include "alsel/data/pool_reader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "alsel/util/errors.h"
#include "alsel/util/id_set.h"
#include "alsel/util/utf8.h"

#include "scratch_dir.h"

namespace alsel {
namespace {

namespace fs = std::filesystem;

using alsel::testing::ScratchDir;

std::vector<PoolItem> read_all(const std::vector<std::string>& paths,
                               PoolReaderConfig config = PoolReaderConfig()) {
  PoolReader reader(paths, config);
  std::vector<PoolItem> items;
  PoolItem item;
  while (reader.next(item)) items.push_back(item);
  return items;
}

std::vector<PoolItem> read_jsonl(const std::string& content) {
  ScratchDir dir;
  return read_all({dir.write("pool.jsonl", content)});
}

// The single item read from a one-line JSONL pool.
PoolItem read_one(const std::string& line) {
  const std::vector<PoolItem> items = read_jsonl(line + "\n");
  if (items.size() != 1) throw std::runtime_error("expected one item for: " + line);
  return items[0];
}

void expect_rejected(const std::string& line, const std::string& reason_prefix) {
  const PoolItem item = read_one(line);
  EXPECT_TRUE(item.rejected) << line;
  EXPECT_EQ(item.reason.rfind(reason_prefix, 0), 0u)
      << "line: " << line << "\nreason: " << item.reason << "\nexpected prefix: " << reason_prefix;
  EXPECT_EQ(item.raw, line);
  EXPECT_TRUE(item.text.empty());
}

TEST(PoolReaderTest, AcceptsPlainJsonl) {
  ScratchDir dir;
  const std::string path = dir.write(
      "pool.jsonl",
      "{\"id\": \"s1\", \"text\": \"\xE5\x8C\x97\xE4\xBA\xAC\"}\n"
      "{\"id\": \"s2\", \"text\": \"Hello world\", \"source\": \"web\", \"n\": [1, 2]}\n");
  PoolReader reader({path}, PoolReaderConfig());
  PoolItem item;
  ASSERT_TRUE(reader.next(item));
  EXPECT_FALSE(item.rejected) << item.reason;
  EXPECT_EQ(item.id, "s1");
  EXPECT_EQ(item.text, "\xE5\x8C\x97\xE4\xBA\xAC");
  EXPECT_EQ(item.file, path);
  EXPECT_EQ(item.line, 1u);
  EXPECT_TRUE(item.raw.empty());
  ASSERT_TRUE(reader.next(item));
  EXPECT_FALSE(item.rejected) << item.reason;
  EXPECT_EQ(item.id, "s2");
  EXPECT_EQ(item.text, "Hello world");
  EXPECT_EQ(item.line, 2u);
  EXPECT_FALSE(reader.next(item));
  EXPECT_EQ(reader.lines_read(), 2u);
  EXPECT_EQ(reader.blank_lines(), 0u);
}

TEST(PoolReaderTest, IntegerIdsRenderedAsDecimal) {
  const std::vector<PoolItem> items = read_jsonl(
      "{\"id\": 7, \"text\": \"a\"}\n{\"id\": -3, \"text\": \"b\"}\n"
      "{\"id\": 18446744073709551615, \"text\": \"c\"}\n");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].id, "7");
  EXPECT_EQ(items[1].id, "-3");
  EXPECT_EQ(items[2].id, "18446744073709551615");
  for (const PoolItem& item : items) EXPECT_FALSE(item.rejected) << item.reason;
}

TEST(PoolReaderTest, StripsBomAndCrlfAndSkipsBlankLines) {
  const std::vector<PoolItem> items = read_jsonl(
      "\xEF\xBB\xBF{\"id\": \"a\", \"text\": \"x\"}\r\n"
      "\r\n"
      "   \n"
      "{\"id\": \"b\", \"text\": \"y\"}\r\n");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_FALSE(items[0].rejected) << items[0].reason;
  EXPECT_EQ(items[0].id, "a");
  EXPECT_EQ(items[0].text, "x");
  EXPECT_FALSE(items[1].rejected) << items[1].reason;
  EXPECT_EQ(items[1].text, "y");
  EXPECT_EQ(items[1].line, 4u);
}

TEST(PoolReaderTest, CountsLinesAndBlankLines) {
  ScratchDir dir;
  PoolReader reader(
      {dir.write("p.jsonl", "\n{\"id\":1,\"text\":\"a\"}\n\n\n{\"id\":2,\"text\":\"b\"}")},
      PoolReaderConfig());
  PoolItem item;
  size_t items = 0;
  while (reader.next(item)) ++items;
  EXPECT_EQ(items, 2u);
  EXPECT_EQ(reader.lines_read(), 5u);  // the last line lacks '\n' but is read
  EXPECT_EQ(reader.blank_lines(), 3u);
}

TEST(PoolReaderTest, CustomFieldNames) {
  ScratchDir dir;
  PoolReaderConfig config;
  config.id_field = "uid";
  config.text_field = "sentence";
  const std::vector<PoolItem> items = read_all(
      {dir.write("p.jsonl", "{\"uid\": \"u1\", \"sentence\": \"s\", \"id\": 5, \"text\": 1}\n")},
      config);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_FALSE(items[0].rejected) << items[0].reason;
  EXPECT_EQ(items[0].id, "u1");
  EXPECT_EQ(items[0].text, "s");
}

TEST(PoolReaderTest, RejectsInvalidJsonWithParserMessage) {
  expect_rejected("{\"id\": \"a\", \"text\": ", "invalid JSON: ");
  const PoolItem item = read_one("{\"id\": \"a\" \"text\": \"b\"}");
  EXPECT_NE(item.reason.find("column"), std::string::npos) << item.reason;
  EXPECT_EQ(item.reason.find("json.exception"), std::string::npos) << item.reason;
}

TEST(PoolReaderTest, RejectsNonObjects) {
  expect_rejected("[1, 2]", "not a JSON object (got array)");
  expect_rejected("\"text\"", "not a JSON object (got string)");
}

TEST(PoolReaderTest, RejectsBadIds) {
  expect_rejected("{\"text\": \"a\"}", "missing id field 'id'");
  expect_rejected("{\"id\": 1.5, \"text\": \"a\"}",
                  "id must be a string or an integer (got number)");
  expect_rejected("{\"id\": true, \"text\": \"a\"}",
                  "id must be a string or an integer (got boolean)");
  expect_rejected("{\"id\": null, \"text\": \"a\"}",
                  "id must be a string or an integer (got null)");
  expect_rejected("{\"id\": \"\", \"text\": \"a\"}", "id is empty");
}

TEST(PoolReaderTest, RejectsBadTextAndKeepsTheId) {
  expect_rejected("{\"id\": \"a\"}", "missing text field 'text'");
  expect_rejected("{\"id\": \"a\", \"text\": 3}", "text must be a string (got number)");
  expect_rejected("{\"id\": \"a\", \"text\": [\"x\"]}", "text must be a string (got array)");
  expect_rejected("{\"id\": \"a\", \"text\": \"\"}", "text is empty");
  expect_rejected("{\"id\": \"a\", \"text\": \" \\t\\n\"}", "text is whitespace only");
  // U+3000 IDEOGRAPHIC SPACE only.
  expect_rejected("{\"id\": \"a\", \"text\": \"\xE3\x80\x80\"}", "text is whitespace only");
  EXPECT_EQ(read_one("{\"id\": \"a\", \"text\": \"\"}").id, "a");
}

TEST(PoolReaderTest, RejectsInvalidUtf8BeforeParsingAndRecoversTheId) {
  const std::string line = "{\"id\": \"a\", \"text\": \"ab\xFF\"}";
  expect_rejected(line, "invalid UTF-8 at byte 23");
  EXPECT_EQ(read_one(line).id, "a");
  // Invalid UTF-8 that also breaks the JSON: still a UTF-8 reject, no id.
  const PoolItem broken = read_one("{\"id\": \"\xC0\xAF");
  EXPECT_TRUE(broken.rejected);
  EXPECT_EQ(broken.reason, "invalid UTF-8 at byte 8");
  EXPECT_TRUE(broken.id.empty());
}

TEST(PoolReaderTest, RejectsDuplicateIdsAcrossFiles) {
  ScratchDir dir;
  const std::string first =
      dir.write("a.jsonl",
                "{\"id\": \"x\", \"text\": \"one\"}\n{\"id\": \"x\", \"text\": \"two\"}\n"
                "{\"id\": \"y\", \"text\": \"\"}\n");
  const std::string second = dir.write("b.jsonl",
                                       "{\"id\": \"y\", \"text\": \"fixed\"}\n{\"id\": \"x\", "
                                       "\"text\": \"three\"}\n{\"id\": 1, \"text\": \"n\"}\n"
                                       "{\"id\": \"1\", \"text\": \"s\"}\n");
  const std::vector<PoolItem> items = read_all({first, second});
  ASSERT_EQ(items.size(), 7u);
  EXPECT_FALSE(items[0].rejected);
  EXPECT_TRUE(items[1].rejected);
  EXPECT_EQ(items[1].reason, "duplicate id (seen earlier)");
  EXPECT_EQ(items[1].id, "x");
  EXPECT_TRUE(items[2].rejected);                      // empty text: its id is not registered ...
  EXPECT_FALSE(items[3].rejected) << items[3].reason;  // ... so the fixed line is accepted
  EXPECT_EQ(items[3].file, second);
  EXPECT_EQ(items[3].line, 1u);
  EXPECT_TRUE(items[4].rejected);
  EXPECT_EQ(items[4].reason, "duplicate id (seen earlier)");
  EXPECT_FALSE(items[5].rejected);
  EXPECT_TRUE(items[6].rejected) << "integer id 1 and string id \"1\" are the same id";
}

TEST(PoolReaderTest, TextFormatUsesLineNumbers) {
  ScratchDir dir;
  PoolReaderConfig config;
  config.format = InputFormat::kText;
  const std::vector<PoolItem> items =
      read_all({dir.write("p.txt",
                          "\xEF\xBB\xBF"
                          "first line\r\n\nthird {not json}\nbad \xC3\n")},
               config);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].id, "1");
  EXPECT_EQ(items[0].text, "first line");
  EXPECT_EQ(items[1].id, "3");
  EXPECT_EQ(items[1].text, "third {not json}");
  EXPECT_TRUE(items[2].rejected);
  EXPECT_EQ(items[2].id, "4");
  EXPECT_EQ(items[2].reason, "invalid UTF-8 at byte 4");
}

TEST(PoolReaderTest, TextFormatPrefixesFileWithSeveralFiles) {
  ScratchDir dir;
  PoolReaderConfig config;
  config.format = InputFormat::kText;
  const std::string a = dir.write("a.txt", "alpha\nbeta\n");
  const std::string b = dir.write("b.txt", "gamma\n");
  const std::vector<PoolItem> items = read_all({a, b}, config);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].id, a + ":1");
  EXPECT_EQ(items[1].id, a + ":2");
  EXPECT_EQ(items[2].id, b + ":1");
  EXPECT_EQ(items[2].text, "gamma");
  // The same file twice gives the same ids: duplicates.
  const std::vector<PoolItem> twice = read_all({a, a}, config);
  ASSERT_EQ(twice.size(), 4u);
  EXPECT_TRUE(twice[2].rejected);
  EXPECT_EQ(twice[2].reason, "duplicate id (seen earlier)");
}

TEST(PoolReaderTest, MultiMegabyteLine) {
  ScratchDir dir;
  const std::string text(3 << 20, 'a');
  const std::vector<PoolItem> items =
      read_all({dir.write("big.jsonl", "{\"id\": \"big\", \"text\": \"" + text + "\"}\n")});
  ASSERT_EQ(items.size(), 1u);
  EXPECT_FALSE(items[0].rejected);
  EXPECT_EQ(items[0].text.size(), text.size());
}

TEST(PoolReaderTest, MissingFileThrowsInputErrorNamingIt) {
  ScratchDir dir;
  const std::string good = dir.write("good.jsonl", "{\"id\":1,\"text\":\"a\"}\n");
  const std::string missing = dir.path() + "/missing.jsonl";
  try {
    PoolReader reader({good, missing}, PoolReaderConfig());
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find(missing), std::string::npos) << error.what();
  }
  EXPECT_THROW(PoolReader({dir.path()}, PoolReaderConfig()), InputError);  // a directory
}

TEST(PoolReaderTest, ConfigValidation) {
  PoolReaderConfig config;
  EXPECT_NO_THROW(config.validate());
  config.id_field = "";
  EXPECT_THROW(config.validate(), UsageError);
  config.id_field = "text";
  EXPECT_THROW(config.validate(), UsageError);
  ScratchDir dir;
  EXPECT_THROW(PoolReader({}, PoolReaderConfig()), UsageError);
}

TEST(PoolReaderTest, FormatRejectLineIsValidJsonEvenForInvalidUtf8) {
  PoolItem item;
  item.file = "pool.jsonl";
  item.line = 12;
  item.rejected = true;
  item.reason = "invalid UTF-8 at byte 3";
  item.raw = "ab\xFF\"c";
  const std::string line = format_reject_line(item);
  EXPECT_TRUE(is_valid_utf8(line));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["file"], "pool.jsonl");
  EXPECT_EQ(parsed["line"], 12);
  EXPECT_TRUE(parsed["id"].is_null());
  EXPECT_EQ(parsed["reason"], "invalid UTF-8 at byte 3");
  EXPECT_EQ(parsed["raw"], "ab\xEF\xBF\xBD\"c");
  EXPECT_EQ(line.find("{\"file\""), 0u) << "keys keep the documented order: " << line;

  item.id = "s9";
  EXPECT_EQ(nlohmann::json::parse(format_reject_line(item))["id"], "s9");
}

TEST(PoolReaderTest, FormatRejectWarning) {
  PoolItem item;
  item.file = "pool.jsonl";
  item.line = 3;
  item.id = "s1";
  item.reason = "text is empty";
  EXPECT_EQ(format_reject_warning(item), "pool.jsonl:3: id s1: text is empty");
  item.id.clear();
  item.reason = "invalid JSON: x";
  EXPECT_EQ(format_reject_warning(item), "pool.jsonl:3: invalid JSON: x");
}

TEST(PoolReaderIdHashSetTest, GrowsWithoutFalseNegatives) {
  IdHashSet set(4);
  const size_t initial_capacity = set.capacity();
  constexpr int kIds = 100000;
  for (int i = 0; i < kIds; ++i) {
    ASSERT_TRUE(set.insert("id-" + std::to_string(i))) << "false duplicate at " << i;
    ASSERT_LE(2 * set.size(), set.capacity()) << "load factor above 0.5 at " << i;
  }
  EXPECT_EQ(set.size(), static_cast<size_t>(kIds));
  EXPECT_GT(set.capacity(), initial_capacity);
  for (int i = 0; i < kIds; ++i) {
    ASSERT_FALSE(set.insert("id-" + std::to_string(i))) << "missed duplicate at " << i;
    ASSERT_TRUE(set.contains("id-" + std::to_string(i))) << i;
  }
  EXPECT_EQ(set.size(), static_cast<size_t>(kIds));
  EXPECT_FALSE(set.contains("id-100000"));
  EXPECT_FALSE(set.contains(""));
  EXPECT_TRUE(set.insert(""));
  EXPECT_FALSE(set.insert(""));
}

TEST(PoolReaderIdHashSetTest, HashSpreadsSimilarIds) {
  EXPECT_NE(hash_id("a"), hash_id("b"));
  EXPECT_NE(hash_id("ab"), hash_id("ba"));
  EXPECT_NE(hash_id(""), 0u);
}


TEST(PoolReaderTest, NumbersADoubleCannotHoldCostNothingInIgnoredFields) {
  // JSON allows 1e309; nlohmann alone throws "number overflow" for the whole document.
  const PoolItem item = read_one(R"({"id":"b","text":"李娜","n":1e309,"x":[-2e400,1E+999,"1e999"]})");
  EXPECT_FALSE(item.rejected) << item.reason;
  EXPECT_EQ(item.id, "b");
  EXPECT_EQ(item.text, "李娜");
  // As the id, such a number is kept as its text.
  EXPECT_EQ(read_one(R"({"id":1e400,"text":"t"})").id, "1e400");
  // A text that only looks like a number stays as it is.
  EXPECT_EQ(read_one(R"({"id":"c","text":"1e309","n":1e309})").text, "1e309");
}

TEST(PoolReaderTest, ReasonsOfHugeBadLinesAreShortTheRawLineWhole) {
  const std::string line = "{\"id\": \"z\", \"text\": \"" + std::string(1000000, 'x');  // no closing quote
  const PoolItem item = read_one(line);
  ASSERT_TRUE(item.rejected);
  EXPECT_LT(item.reason.size(), 400u) << item.reason.substr(0, 400);
  EXPECT_EQ(item.raw, line);
  EXPECT_LT(format_reject_warning(item).size(), 600u);
  EXPECT_EQ(nlohmann::json::parse(format_reject_line(item))["raw"], line) << "the rejects file keeps the line";
}

}  // namespace
}  // namespace alsel
