#include "alsel/data/labeled_data.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "alsel/util/errors.h"

#include "scratch_dir.h"

namespace alsel {
namespace {

namespace fs = std::filesystem;

using alsel::testing::ScratchDir;

// "LABEL[start,end)" for compact comparisons.
std::vector<std::string> describe(const std::vector<GoldSpan>& spans) {
  std::vector<std::string> out;
  for (const GoldSpan& span : spans) {
    out.push_back(span.label + "[" + std::to_string(span.start) + "," + std::to_string(span.end) +
                  ")");
  }
  return out;
}

// The InputError message from reading `path`, or "" if nothing was thrown.
std::string read_error(const std::string& path, LabeledFormat format = LabeledFormat::kAuto) {
  try {
    read_labeled_file(path, format);
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(LabeledDataTest, CharacterLevelBio) {
  ScratchDir dir;
  // 北京是中国首都 / 张三去上海 (two sentences, BOM and CRLF, double blank line between).
  const std::string path = dir.write(
      "train.bio",
      "\xEF\xBB\xBF\xE5\x8C\x97\tB-LOC\r\n\xE4\xBA\xAC\tI-LOC\r\n\xE6\x98\xAF\tO\r\n"
      "\xE4\xB8\xAD\tB-LOC\r\n\xE5\x9B\xBD\tI-LOC\r\n\xE9\xA6\x96\tO\r\n\xE9\x83\xBD\tO\r\n\r\n\r\n"
      "\xE5\xBC\xA0\tB-PER\n\xE4\xB8\x89\tI-PER\n\xE5\x8E\xBB\tO\n\xE4\xB8\x8A\tB-LOC\n"
      "\xE6\xB5\xB7\tI-LOC\n\n");
  EXPECT_EQ(detect_labeled_format(path), LabeledFormat::kBio);
  const std::vector<LabeledSentence> sentences = read_labeled_file(path);
  ASSERT_EQ(sentences.size(), 2u);
  EXPECT_EQ(sentences[0].text,
            "\xE5\x8C\x97\xE4\xBA\xAC\xE6\x98\xAF\xE4\xB8\xAD\xE5\x9B\xBD\xE9\xA6\x96\xE9\x83\xBD");
  EXPECT_EQ(describe(sentences[0].spans), (std::vector<std::string>{"LOC[0,2)", "LOC[3,5)"}));
  EXPECT_EQ(sentences[0].id, path + ":1");
  EXPECT_EQ(sentences[0].line, 1u);
  EXPECT_EQ(sentences[0].tokens.size(), 7u);
  EXPECT_EQ(sentences[0].tags[0], "B-LOC");
  EXPECT_EQ(sentences[1].id, path + ":10");
  EXPECT_EQ(describe(sentences[1].spans), (std::vector<std::string>{"PER[0,2)", "LOC[3,5)"}));

  std::unordered_set<std::string> known;
  for (const LabeledSentence& sentence : sentences) add_known_entities(sentence, known);
  EXPECT_EQ(known.size(), 4u);
  EXPECT_TRUE(known.count("\xE5\x8C\x97\xE4\xBA\xAC"));  // 北京
  EXPECT_TRUE(known.count("\xE5\xBC\xA0\xE4\xB8\x89"));  // 张三
  EXPECT_EQ(known_entity_texts({path}), known);
}

TEST(LabeledDataTest, EnglishConllWithFourColumns) {
  ScratchDir dir;
  const std::string path = dir.write(
      "eng.conll",
      "-DOCSTART- -X- -X- O\n\n"
      "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\ncall NN I-NP O\n"
      "to TO B-VP O\nboycott VB I-VP O\nBritish JJ B-NP B-MISC\nlamb NN I-NP O\n. . O O\n\n"
      "Peter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n");  // last sentence: no blank line
  const std::vector<LabeledSentence> sentences = read_labeled_file(path);
  ASSERT_EQ(sentences.size(), 2u);
  EXPECT_EQ(sentences[0].text, "EU rejects German call to boycott British lamb .");
  EXPECT_EQ(describe(sentences[0].spans),
            (std::vector<std::string>{"ORG[0,2)", "MISC[11,17)", "MISC[34,41)"}));
  EXPECT_EQ(sentences[0].id, path + ":3");
  EXPECT_EQ(sentences[1].text, "Peter Blackburn");
  EXPECT_EQ(describe(sentences[1].spans), std::vector<std::string>{"PER[0,15)"});
  EXPECT_EQ(span_text(sentences[0], sentences[0].spans[1]), "German");
}

TEST(LabeledDataTest, MixedTokenLengthsAreSpaceJoined) {
  ScratchDir dir;
  const std::string path = dir.write("mixed.bio", "I O\nlove O\nNY B-LOC\n");
  const std::vector<LabeledSentence> sentences = read_labeled_file(path);
  ASSERT_EQ(sentences.size(), 1u);
  EXPECT_EQ(sentences[0].text, "I love NY");
  EXPECT_EQ(describe(sentences[0].spans), std::vector<std::string>{"LOC[7,9)"});
}

TEST(LabeledDataTest, IllFormedIAfterOStartsAnEntity) {
  ScratchDir dir;
  const std::string path = dir.write("ill.bio", "a\tO\nb\tI-PER\nc\tI-PER\nd\tI-LOC\ne\tO\n");
  const std::vector<LabeledSentence> sentences = read_labeled_file(path);
  ASSERT_EQ(sentences.size(), 1u);
  EXPECT_EQ(sentences[0].text, "abcde");
  EXPECT_EQ(describe(sentences[0].spans), (std::vector<std::string>{"PER[1,3)", "LOC[3,4)"}));
}

TEST(LabeledDataTest, BadTagNamesFileAndLine) {
  ScratchDir dir;
  const std::string path = dir.write("bad.bio", "a\tO\n\nb\tB-PER\nc\tQ\n");
  EXPECT_EQ(read_error(path), path + ":4: bad tag 'Q'");
  const std::string no_type = dir.write("notype.bio", "a\tB-\n");
  EXPECT_EQ(read_error(no_type), no_type + ":1: bad tag 'B-'");
  const std::string one_field = dir.write("one.bio", "a O\nlonely\n");
  EXPECT_NE(read_error(one_field).find(one_field + ":2: "), std::string::npos)
      << read_error(one_field);
}

TEST(LabeledDataTest, DoccanoLabelSchema) {
  ScratchDir dir;
  const std::string path = dir.write(
      "gold.jsonl",
      "{\"id\": 17, \"text\": \"\xE5\xBC\xA0\xE4\xB8\x89\xE5\x8E\xBB\xE4\xB8\x8A\xE6\xB5\xB7\", "
      "\"label\": [[3, 5, \"LOC\"], [0, 2, \"PER\"]]}\n"
      "\n"
      "{\"text\": \"no entities here\", \"labels\": []}\n"
      "{\"id\": \"x\", \"text\": \"Paris\", \"labels\": [[0, 5, \"LOC\"]]}\n");
  EXPECT_EQ(detect_labeled_format(path), LabeledFormat::kDoccano);
  const std::vector<LabeledSentence> sentences = read_labeled_file(path);
  ASSERT_EQ(sentences.size(), 3u);
  EXPECT_EQ(sentences[0].id, "17");
  EXPECT_EQ(describe(sentences[0].spans), (std::vector<std::string>{"PER[0,2)", "LOC[3,5)"}));
  EXPECT_TRUE(sentences[0].tokens.empty());
  EXPECT_EQ(span_text(sentences[0], sentences[0].spans[1]), "\xE4\xB8\x8A\xE6\xB5\xB7");
  EXPECT_EQ(sentences[1].id, path + ":3");
  EXPECT_TRUE(sentences[1].spans.empty());
  EXPECT_EQ(sentences[2].id, "x");
  EXPECT_EQ(describe(sentences[2].spans), std::vector<std::string>{"LOC[0,5)"});
}

TEST(LabeledDataTest, DoccanoEntitiesSchemaDetectedByContent) {
  ScratchDir dir;
  const std::string path =
      dir.write("gold.data",
                "\n{\"text\": \"Bob met Ann\", \"entities\": [{\"id\": 1, \"start_offset\": 8, "
                "\"end_offset\": 11, \"label\": \"PER\"}, {\"start_offset\": 0, \"end_offset\": 3, "
                "\"label\": \"PER\"}]}\n");
  EXPECT_EQ(detect_labeled_format(path), LabeledFormat::kDoccano);
  const std::vector<LabeledSentence> sentences = read_labeled_file(path);
  ASSERT_EQ(sentences.size(), 1u);
  EXPECT_EQ(sentences[0].line, 2u);
  EXPECT_EQ(describe(sentences[0].spans), (std::vector<std::string>{"PER[0,3)", "PER[8,11)"}));
}

TEST(LabeledDataTest, DoccanoOutOfRangeSpansAreErrors) {
  ScratchDir dir;
  // Offsets are UTF-16 units (doccano's): 北京 has 2, so [0, 3) is out of range although it has 6 bytes.
  const std::string path =
      dir.write("oor.jsonl",
                "{\"text\": \"ok\", \"label\": []}\n"
                "{\"text\": \"\xE5\x8C\x97\xE4\xBA\xAC\", \"label\": [[0, 3, \"LOC\"]]}\n");
  const std::string message = read_error(path);
  EXPECT_EQ(message.rfind(path + ":2: span [0, 3) 'LOC' is out of range", 0), 0u) << message;
  const std::string empty_span =
      dir.write("empty.jsonl", "{\"text\": \"abc\", \"label\": [[2, 2, \"X\"]]}\n");
  EXPECT_EQ(read_error(empty_span).rfind(empty_span + ":1: span [2, 2)", 0), 0u)
      << read_error(empty_span);
  const std::string negative =
      dir.write("neg.jsonl", "{\"text\": \"abc\", \"label\": [[-1, 2, \"X\"]]}\n");
  EXPECT_EQ(read_error(negative).rfind(negative + ":1: ", 0), 0u);
  const std::string bad_json =
      dir.write("bad.jsonl", "{\"text\": \"abc\", \"label\": [[0, 1, \"X\"]]\n");
  EXPECT_EQ(read_error(bad_json).rfind(bad_json + ":1: invalid JSON", 0), 0u)
      << read_error(bad_json);
  const std::string no_text = dir.write("notext.jsonl", "{\"label\": []}\n");
  EXPECT_EQ(read_error(no_text).rfind(no_text + ":1: ", 0), 0u);
}

TEST(LabeledDataTest, ExplicitFormatOverridesDetection) {
  ScratchDir dir;
  const std::string path = dir.write("tokens.jsonl", "a B-X\nb O\n");
  EXPECT_EQ(read_labeled_file(path, LabeledFormat::kBio).size(), 1u);
  EXPECT_FALSE(read_error(path).empty()) << "auto-detected as doccano by extension";
}

TEST(LabeledDataTest, MissingFileThrows) {
  ScratchDir dir;
  EXPECT_THROW(LabeledReader("/nonexistent/alsel/file.bio"), InputError);
  EXPECT_THROW(LabeledReader("/nonexistent/alsel/file.jsonl"), InputError);
}

TEST(LabeledDataTest, StreamingReaderMatchesReadAll) {
  ScratchDir dir;
  const std::string path = dir.write("s.bio", "a B-X\n\n\n\nb O\nc B-Y\n\n");
  LabeledReader reader(path);
  EXPECT_EQ(reader.format(), LabeledFormat::kBio);
  LabeledSentence sentence;
  ASSERT_TRUE(reader.next(sentence));
  EXPECT_EQ(sentence.text, "a");
  ASSERT_TRUE(reader.next(sentence));
  EXPECT_EQ(sentence.text, "bc");
  EXPECT_EQ(sentence.line, 5u);
  EXPECT_FALSE(reader.next(sentence));
}


TEST(LabeledDataTest, DoccanoLineWithAnOverflowingNumberIsRead) {
  ScratchDir dir;
  const std::string path = dir.write(
      "big.jsonl", "{\"id\": 1, \"text\": \"李娜在北京\", \"label\": [[0, 2, \"PER\"]], \"score\": 1e309}\n");
  const std::vector<LabeledSentence> sentences = read_labeled_file(path, LabeledFormat::kDoccano);
  ASSERT_EQ(sentences.size(), 1u);
  EXPECT_EQ(describe(sentences[0].spans), std::vector<std::string>{"PER[0,2)"});
}

}  // namespace
}  // namespace alsel

namespace alsel {
namespace {

// doccano counts UTF-16 code units (its viewer slices JavaScript strings): after an emoji, 李娜
// starts at 2. Read as code points the same file puts the span on the wrong characters, so the
// unit is the reader's business, with doccano's as the default.
TEST(LabeledDataTest, DoccanoOffsetsAreUtf16ByDefault) {
  ScratchDir dir;
  const std::string path = dir.write(
      "d.jsonl", "{\"id\": \"a\", \"text\": \"\xF0\x9F\x8E\x89李娜在北京\", \"label\": [[2, 4, \"PER\"], [5, 7, \"LOC\"]]}\n");
  LabeledReader reader(path);
  EXPECT_EQ(reader.format(), LabeledFormat::kDoccano);
  EXPECT_EQ(reader.offset_unit(), OffsetUnit::kUtf16);
  LabeledSentence sentence;
  ASSERT_TRUE(reader.next(sentence));
  EXPECT_EQ(describe(sentence.spans), (std::vector<std::string>{"PER[1,3)", "LOC[4,6)"}));
  EXPECT_EQ(span_text(sentence, sentence.spans[0]), "李娜");
  // The same numbers as code points name other characters (what alsel wrote before), or fall
  // outside the text.
  const std::string per_only = dir.write(
      "p.jsonl", "{\"text\": \"\xF0\x9F\x8E\x89李娜在北京\", \"label\": [[2, 4, \"PER\"]]}\n");
  const auto as_code_points = read_labeled_file(per_only, LabeledFormat::kAuto, OffsetUnit::kCodePoint);
  EXPECT_EQ(span_text(as_code_points[0], as_code_points[0].spans[0]), "娜在");
  EXPECT_THROW(read_labeled_file(path, LabeledFormat::kAuto, OffsetUnit::kCodePoint), InputError);
}

TEST(LabeledDataTest, DoccanoOffsetSplittingASurrogatePairNamesTheUnit) {
  ScratchDir dir;
  const std::string path = dir.write("d.jsonl", "{\"text\": \"\xF0\x9F\x8E\x89李娜\", \"label\": [[1, 3, \"PER\"]]}\n");
  const std::string message = read_error(path);
  EXPECT_EQ(message.rfind(path + ":1: ", 0), 0u) << message;
  EXPECT_NE(message.find("surrogate pair"), std::string::npos) << message;
  EXPECT_NE(message.find("utf16"), std::string::npos) << message;
  EXPECT_NE(message.find("offset-unit codepoint"), std::string::npos) << message;
}

TEST(LabeledDataTest, ProdigyTasksAreReadInCodePointsAndOnlyAcceptedOnesAreGold) {
  ScratchDir dir;
  const std::string path = dir.write(
      "p.jsonl",
      "{\"text\": \"\xF0\x9F\x8E\x89李娜在北京\", \"spans\": [{\"start\": 1, \"end\": 3, \"label\": \"PER\", "
      "\"text\": \"李娜\", \"token_start\": 1, \"token_end\": 2}], \"answer\": \"accept\", \"meta\": {\"id\": \"m1\"}}\n"
      "{\"text\": \"张伟\", \"spans\": [{\"start\": 0, \"end\": 2, \"label\": \"PER\"}], \"answer\": \"reject\"}\n"
      "{\"text\": \"王芳\", \"spans\": [], \"answer\": \"ignore\", \"id\": 7}\n"
      "{\"text\": \"上海\", \"spans\": [{\"start\": 0, \"end\": 2, \"label\": \"LOC\"}], \"id\": 9}\n");
  EXPECT_EQ(detect_labeled_format(path), LabeledFormat::kProdigy);
  LabeledReader reader(path);
  EXPECT_EQ(reader.offset_unit(), OffsetUnit::kCodePoint);
  std::vector<LabeledSentence> sentences;
  LabeledSentence sentence;
  while (reader.next(sentence)) sentences.push_back(sentence);
  ASSERT_EQ(sentences.size(), 2u);
  EXPECT_EQ(reader.skipped(), 2u);
  EXPECT_EQ(sentences[0].id, "m1");
  EXPECT_EQ(span_text(sentences[0], sentences[0].spans[0]), "李娜");
  EXPECT_EQ(sentences[1].id, "9");  // no answer: a pre-annotated task, read as it is
  EXPECT_EQ(sentences[1].line, 4u);
}

TEST(LabeledDataTest, ProdigySpanWhoseTextDisagreesSuggestsAnotherUnit) {
  ScratchDir dir;
  const std::string path = dir.write(
      "p.jsonl", "{\"text\": \"\xF0\x9F\x8E\x89李娜在\", \"spans\": [{\"start\": 2, \"end\": 4, \"label\": \"PER\", "
                 "\"text\": \"李娜\"}]}\n");
  const std::string message = read_error(path);
  EXPECT_EQ(message.rfind(path + ":1: ", 0), 0u) << message;
  EXPECT_NE(message.find("'娜在' in the text but the file says '李娜'"), std::string::npos) << message;
  EXPECT_NO_THROW(read_labeled_file(path, LabeledFormat::kAuto, OffsetUnit::kUtf16));
}

TEST(LabeledDataTest, LabelStudioExportsAreServedByTheReader) {
  ScratchDir dir;
  const std::string path = dir.write(
      "export.json",
      "[{\"id\": 3, \"data\": {\"text\": \"\xF0\x9F\x8E\x89李娜\", \"id\": \"x\"}, \"annotations\": [{\"result\": "
      "[{\"type\": \"labels\", \"value\": {\"start\": 1, \"end\": 3, \"text\": \"李娜\", \"labels\": [\"PER\"]}}]}]},"
      " {\"id\": 4, \"data\": {\"text\": \"b\"}, \"predictions\": []}]");
  EXPECT_EQ(detect_labeled_format(path), LabeledFormat::kLabelStudio);
  LabeledReader reader(path);
  LabeledSentence sentence;
  ASSERT_TRUE(reader.next(sentence));
  EXPECT_EQ(sentence.id, "x");
  EXPECT_EQ(describe(sentence.spans), std::vector<std::string>{"PER[1,3)"});
  EXPECT_FALSE(reader.next(sentence));
  EXPECT_EQ(reader.skipped(), 1u);  // no annotation
  // Known entities come from every format.
  EXPECT_EQ(known_entity_texts({path}), (std::unordered_set<std::string>{"李娜"}));
}

TEST(LabeledDataTest, DoccanoGraphemeOffsetsCountClusters) {
  ScratchDir dir;
  // A ZWJ family is one character to doccano with "Count grapheme clusters as one character".
  const std::string path = dir.write(
      "g.jsonl", "{\"text\": \"\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9李娜\", \"label\": [[1, 3, \"PER\"]]}\n");
  const auto sentences = read_labeled_file(path, LabeledFormat::kAuto, OffsetUnit::kGrapheme);
  ASSERT_EQ(sentences.size(), 1u);
  EXPECT_EQ(span_text(sentences[0], sentences[0].spans[0]), "李娜");
}

TEST(LabeledDataTest, FormatNamesRoundTrip) {
  for (LabeledFormat format : {LabeledFormat::kAuto, LabeledFormat::kBio, LabeledFormat::kDoccano,
                               LabeledFormat::kProdigy, LabeledFormat::kLabelStudio}) {
    EXPECT_EQ(parse_labeled_format(labeled_format_name(format)), format);
  }
  EXPECT_THROW(parse_labeled_format("conll"), UsageError);
}

}  // namespace
}  // namespace alsel
