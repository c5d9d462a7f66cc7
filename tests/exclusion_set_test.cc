#include "alsel/selection/exclusion_set.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "alsel/util/errors.h"
#include "alsel/text/text_normalizer.h"

namespace alsel {
namespace {

namespace fs = std::filesystem;

class ExclusionSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("alsel-exclusion-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }
  static ExclusionReason find(const ExclusionSet& set, const std::string& id,
                              const std::string& text) {
    return set.find(id, normalized_text_hash(text));
  }
  fs::path dir_;
};

TEST_F(ExclusionSetTest, MatchesByIdOrNormalizedText) {
  ExclusionSet set;
  set.add("a", "张伟在北京工作。");
  EXPECT_EQ(find(set, "a", "something else"), ExclusionReason::kSameId);
  EXPECT_EQ(find(set, "zz", "张伟 在北京工作！"), ExclusionReason::kSameText);
  EXPECT_EQ(find(set, "zz", "张伟在上海工作。"), ExclusionReason::kNone);
}

TEST_F(ExclusionSetTest, MatchModesRestrictTheKey) {
  ExclusionSet ids(ExclusionMatch::kId), texts(ExclusionMatch::kText);
  ids.add("a", "text one");
  texts.add("a", "text one");
  EXPECT_EQ(find(ids, "a", "other"), ExclusionReason::kSameId);
  EXPECT_EQ(find(ids, "b", "text one"), ExclusionReason::kNone);
  EXPECT_EQ(find(texts, "a", "other"), ExclusionReason::kNone);
  EXPECT_EQ(find(texts, "b", "Text One!"), ExclusionReason::kSameText);
  EXPECT_EQ(parse_exclusion_match("both"), ExclusionMatch::kIdOrText);
  EXPECT_THROW(parse_exclusion_match("fuzzy"), UsageError);
}

TEST_F(ExclusionSetTest, IdsFileSkipsBlankAndCommentLines) {
  ExclusionSet set;
  EXPECT_EQ(set.add_exclude_file(write("ids.txt", "# sent 2025-01-01\na\n\n  b  \r\n42\n")), 3u);
  EXPECT_EQ(set.id_count(), 3u);
  EXPECT_EQ(find(set, "b", "x"), ExclusionReason::kSameId);
  EXPECT_EQ(find(set, "42", "x"), ExclusionReason::kSameId);
  EXPECT_EQ(find(set, "# sent 2025-01-01", "x"), ExclusionReason::kNone);
}

TEST_F(ExclusionSetTest, JsonlOfAlselDoccanoAndLabelStudioMinRecords) {
  ExclusionSet set;
  const std::string content =
      "\xEF\xBB\xBF{\"id\": \"a\", \"text\": \"张伟在北京。\", \"rank\": 1}\n"   // alsel jsonl
      "{\"text\": \"李娜在上海。\", \"label\": [[0, 2, \"PER\"]], \"id\": 7}\n"  // doccano, integer
                                                                                 // id
      "{\"id\": 99, \"data\": {\"id\": \"c\", \"text\": \"王芳在广州。\"}}\n";   // task: data.id
                                                                                 // wins
  EXPECT_EQ(set.add_exclude_file(write("sent.jsonl", content)), 3u);
  EXPECT_EQ(find(set, "a", "-"), ExclusionReason::kSameId);
  EXPECT_EQ(find(set, "7", "-"), ExclusionReason::kSameId);
  EXPECT_EQ(find(set, "c", "-"), ExclusionReason::kSameId);
  EXPECT_EQ(find(set, "99", "-"), ExclusionReason::kNone);
  EXPECT_EQ(find(set, "new", "王芳在广州"), ExclusionReason::kSameText);
}

TEST_F(ExclusionSetTest, LabelStudioTaskArray) {
  ExclusionSet set;
  const std::string content =
      "[\n{\"data\": {\"text\": \"张伟在北京。\", \"id\": \"s1\", \"al_score\": 0.9}, "
      "\"predictions\": []},\n"
      " {\"data\": {\"text\": \"李娜在上海。\", \"id\": 5}},\n \"plain-id\"\n]\n";
  EXPECT_EQ(set.add_exclude_file(write("tasks.json", content)), 3u);
  EXPECT_EQ(find(set, "s1", "-"), ExclusionReason::kSameId);
  EXPECT_EQ(find(set, "5", "-"), ExclusionReason::kSameId);
  EXPECT_EQ(find(set, "plain-id", "-"), ExclusionReason::kSameId);
  EXPECT_EQ(find(set, "x", "李娜在上海"), ExclusionReason::kSameText);
}

TEST_F(ExclusionSetTest, CustomFieldNames) {
  ExclusionSet set;
  set.add_exclude_file(write("sent.jsonl", "{\"uid\": \"u1\", \"sentence\": \"张伟。\"}\n"), "uid",
                       "sentence");
  EXPECT_EQ(find(set, "u1", "-"), ExclusionReason::kSameId);
  EXPECT_EQ(find(set, "-", "张伟"), ExclusionReason::kSameText);
}

TEST_F(ExclusionSetTest, LabeledFilesGiveTextsAndRealIdsOnly) {
  ExclusionSet set;
  EXPECT_EQ(set.add_labeled_file(
                write("gold.bio", "张\tB-PER\n伟\tI-PER\n。\tO\n\n李\tB-PER\n娜\tI-PER\n")),
            2u);
  EXPECT_EQ(set.id_count(), 0u);  // BIO ids are FILE:LINE, meaningless in a pool
  EXPECT_EQ(set.text_count(), 2u);
  EXPECT_EQ(find(set, "x", "张伟。"), ExclusionReason::kSameText);
  EXPECT_EQ(set.add_labeled_file(
                write("gold.jsonl", "{\"id\": \"d1\", \"text\": \"王芳。\", \"label\": []}\n")),
            1u);
  EXPECT_EQ(find(set, "d1", "-"), ExclusionReason::kSameId);
}

TEST_F(ExclusionSetTest, BadFilesAreInputErrorsNamingTheLine) {
  ExclusionSet set;
  try {
    set.add_exclude_file(write("bad.jsonl", "{\"id\": \"a\"}\n{broken\n"));
    FAIL() << "no exception";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("bad.jsonl:2"), std::string::npos) << error.what();
  }
  EXPECT_THROW(set.add_exclude_file((dir_ / "missing.txt").string()), InputError);
  EXPECT_THROW(set.add_exclude_file(write("bad.json", "[1, 2")), InputError);
}


TEST_F(ExclusionSetTest, BinaryFileIsAnInputErrorNotAListOfIds) {
  std::string binary = "\x7f" "ELF\x02\x01\x01";
  binary += std::string(3, '\0') + "\n\xff\xfe garbage\n";
  ExclusionSet set(ExclusionMatch::kIdOrText);
  try {
    set.add_exclude_file(write("model.bin", binary));
    FAIL() << "a binary file was read as ids";
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("model.bin:1"), std::string::npos) << message;
    EXPECT_NE(message.find("not text"), std::string::npos) << message;
  }
  EXPECT_EQ(set.id_count(), 0u);
}

}  // namespace
}  // namespace alsel
