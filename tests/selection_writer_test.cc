#include "alsel/output/selection_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <tuple>

#include "alsel/util/errors.h"
#include "alsel/text/tool_offsets.h"
#include "alsel/util/utf8.h"

namespace alsel {
namespace {

using nlohmann::json;

std::u16string to_utf16(const std::u32string& text) {
  std::u16string out;
  for (char32_t c : text) {
    if (c < 0x10000) {
      out += static_cast<char16_t>(c);
    } else {
      out += static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10));
      out += static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF));
    }
  }
  return out;
}

// Emoji, CJK extension B, full-width Latin, accented Latin, Cyrillic, mixed.
const char* kText = "😀张伟在𠀀北京见了ＡＢＣ公司的José和Пётр👍🏽。";

Selected make_selected(double score) {
  Selected item;
  item.score = score;
  ScoredSentence& s = item.sentence;
  s.text = kText;
  s.analysis.id = "s-1";
  const std::u32string text = decode_utf8(kText);
  // [start, end) in code points and the label.
  const std::vector<std::tuple<int, int, std::string>> spans = {
      {1, 3, "PER"}, {4, 7, "LOC"}, {9, 14, "ORG"}, {15, 19, "PER"}, {20, 24, "PER"}};
  for (const auto& [start, end, label] : spans) {
    EntitySpan entity;
    entity.start = start;
    entity.end = end;
    entity.label = label;
    entity.text = encode_utf8(text.substr(start, end - start));
    entity.confidence = 0.5;
    s.analysis.entities.push_back(entity);
  }
  s.measures.ltp = 0.25;
  // One word per code point, except the leading emoji and the last two code points (👍🏽 is
  // two, then 。), which no word covers: Prodigy's tokens must still show them.
  for (int i = 1; i + 3 < static_cast<int>(text.size()); ++i) s.word_spans.emplace_back(i, i + 1);
  return item;
}

// text[start:end] in `unit` == the entity text, for every span.
void expect_slices(const std::string& text, int start, int end, const std::string& expected,
                   OffsetUnit unit) {
  const std::u32string code_points = decode_utf8(text);
  if (unit == OffsetUnit::kCodePoint) {
    ASSERT_LE(end, static_cast<int>(code_points.size()));
    EXPECT_EQ(encode_utf8(code_points.substr(start, end - start)), expected);
  } else if (unit == OffsetUnit::kGrapheme) {
    const std::vector<int> clusters = grapheme_boundaries(text);
    ASSERT_LT(end, static_cast<int>(clusters.size()));
    EXPECT_EQ(encode_utf8(code_points.substr(clusters[start], clusters[end] - clusters[start])),
              expected)
        << "grapheme [" << start << ", " << end << ")";
  } else {
    const std::u16string units = to_utf16(code_points);
    const std::u16string want = to_utf16(decode_utf8(expected));
    ASSERT_LE(end, static_cast<int>(units.size()));
    EXPECT_EQ(units.substr(start, end - start), want)
        << expected << " at [" << start << ", " << end << ")";
  }
}

class WriterTest : public ::testing::TestWithParam<OffsetUnit> {};

TEST_P(WriterTest, DoccanoSpansSliceTheText) {
  WriterOptions options;
  options.strategy = "ltp";
  options.offset_unit = GetParam();
  std::ostringstream out;
  auto writer = make_selection_writer("doccano", options, out);
  writer->write(make_selected(0.75), 1);
  writer->finish();
  const json line = json::parse(out.str());
  EXPECT_EQ(line["text"], kText);
  EXPECT_EQ(line["id"], "s-1");
  EXPECT_EQ(line["rank"], 1);
  EXPECT_EQ(line["score"], 0.75);
  const Selected expected = make_selected(0.75);
  ASSERT_EQ(line["label"].size(), expected.sentence.analysis.entities.size());
  for (size_t i = 0; i < line["label"].size(); ++i) {
    const json& span = line["label"][i];
    EXPECT_EQ(span[2], expected.sentence.analysis.entities[i].label);
    expect_slices(kText, span[0], span[1], expected.sentence.analysis.entities[i].text, GetParam());
  }
  const std::string written = out.str();
  EXPECT_EQ(written.back(), '\n');
  EXPECT_EQ(std::count(written.begin(), written.end(), '\n'), 1);
}

TEST_P(WriterTest, LabelStudioTasksCarryPredictionsThatSliceTheText) {
  WriterOptions options;
  options.strategy = "ltp";
  options.offset_unit = GetParam();
  options.from_name = "ner";
  options.to_name = "sentence";
  options.model_version = "tiny@abc";
  std::ostringstream out;
  auto writer = make_selection_writer("label-studio", options, out);
  writer->write(make_selected(0.75), 1);
  writer->write(make_selected(0.5), 2);
  writer->finish();
  const json tasks = json::parse(out.str());
  ASSERT_TRUE(tasks.is_array());
  ASSERT_EQ(tasks.size(), 2u);
  for (size_t t = 0; t < tasks.size(); ++t) {
    const json& task = tasks[t];
    EXPECT_EQ(task["data"]["text"], kText);
    EXPECT_EQ(task["data"]["id"], "s-1");
    EXPECT_EQ(task["data"]["al_score"], t == 0 ? 0.75 : 0.5);
    ASSERT_EQ(task["predictions"].size(), 1u);
    const json& prediction = task["predictions"][0];
    EXPECT_EQ(prediction["model_version"], "tiny@abc");
    EXPECT_EQ(prediction["score"], 0.25);
    ASSERT_EQ(prediction["result"].size(), 5u);
    std::set<std::string> region_ids;
    for (const json& region : prediction["result"]) {
      EXPECT_EQ(region["from_name"], "ner");
      EXPECT_EQ(region["to_name"], "sentence");
      EXPECT_EQ(region["type"], "labels");
      EXPECT_EQ(region["score"], 0.5);
      ASSERT_EQ(region["value"]["labels"].size(), 1u);
      EXPECT_TRUE(region_ids.insert(region["id"].get<std::string>()).second) << region["id"];
      expect_slices(kText, region["value"]["start"], region["value"]["end"],
                    region["value"]["text"], GetParam());
    }
  }
}

TEST_P(WriterTest, JsonlKeepsItsSchemaWithConvertedOffsets) {
  WriterOptions options;
  options.strategy = "mnlp";
  options.offset_unit = GetParam();
  std::ostringstream out;
  auto writer = make_selection_writer("jsonl", options, out);
  writer->write(make_selected(0.75), 3);
  const json line = json::parse(out.str());
  std::vector<std::string> keys;
  const nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(out.str());
  for (const auto& item : ordered.items()) keys.push_back(item.key());
  // The README's order: id, text, rank, score, strategy, measures, entities.
  EXPECT_EQ(keys,
            (std::vector<std::string>{"id", "text", "rank", "score", "strategy", "nlc", "trimmed",
                                      "mnlp", "entropy", "ltp", "unknown_entities", "entities",
                                      "owner"}));
  EXPECT_EQ(line["rank"], 3);
  EXPECT_EQ(line["strategy"], "mnlp");
  for (const json& entity : line["entities"]) {
    expect_slices(kText, entity["start"], entity["end"], entity["text"], GetParam());
  }
}

TEST_P(WriterTest, ProdigyTasksHaveTokensSpansAndMeta) {
  WriterOptions options;
  options.strategy = "ltp";
  options.offset_unit = GetParam();
  std::ostringstream out;
  auto writer = make_selection_writer("prodigy", options, out);
  writer->write(make_selected(0.75), 2);
  writer->finish();
  const json task = json::parse(out.str());
  EXPECT_EQ(task["text"], kText);
  EXPECT_EQ(task["meta"], json({{"id", "s-1"}, {"score", 0.75}, {"rank", 2}, {"strategy", "ltp"}}));
  EXPECT_FALSE(task.contains("_input_hash"));  // left to Prodigy's loaders
  // The tokens, in order, cover every character of the text (it has no spaces).
  std::string joined;
  int previous_end = 0;
  for (size_t t = 0; t < task["tokens"].size(); ++t) {
    const json& token = task["tokens"][t];
    EXPECT_EQ(token["id"], static_cast<int>(t));
    EXPECT_EQ(token["start"], previous_end);
    EXPECT_FALSE(token["ws"].get<bool>());
    expect_slices(kText, token["start"], token["end"], token["text"], GetParam());
    previous_end = token["end"];
    joined += token["text"].get<std::string>();
  }
  EXPECT_EQ(joined, kText);
  const Selected expected = make_selected(0.75);
  ASSERT_EQ(task["spans"].size(), expected.sentence.analysis.entities.size());
  for (size_t i = 0; i < task["spans"].size(); ++i) {
    const json& span = task["spans"][i];
    const EntitySpan& entity = expected.sentence.analysis.entities[i];
    EXPECT_EQ(span["label"], entity.label);
    EXPECT_EQ(span["text"], entity.text);
    expect_slices(kText, span["start"], span["end"], entity.text, GetParam());
    // token_end is inclusive: the span's text is its tokens' text.
    std::string from_tokens;
    for (int t = span["token_start"]; t <= span["token_end"].get<int>(); ++t)
      from_tokens += task["tokens"][t]["text"].get<std::string>();
    EXPECT_EQ(from_tokens, entity.text);
  }
}

INSTANTIATE_TEST_SUITE_P(Units, WriterTest,
                         ::testing::Values(OffsetUnit::kCodePoint, OffsetUnit::kUtf16,
                                           OffsetUnit::kGrapheme),
                         [](const auto& info) {
                           return std::string(offset_unit_name(info.param));
                         });

TEST(SelectionWriterTest, Utf16AndCodePointOffsetsDifferAfterAnEmoji) {
  WriterOptions options;
  std::ostringstream code_points, units;
  options.offset_unit = OffsetUnit::kCodePoint;
  make_selection_writer("doccano", options, code_points)->write(make_selected(1), 1);
  options.offset_unit = OffsetUnit::kUtf16;
  make_selection_writer("doccano", options, units)->write(make_selected(1), 1);
  EXPECT_EQ(json::parse(code_points.str())["label"][0][0], 1);
  EXPECT_EQ(json::parse(units.str())["label"][0][0], 2);  // after the emoji's surrogate pair
}

// Unset, the unit is the tool's: UTF-16 for doccano (its viewer slices JavaScript strings),
// code points for Label Studio, Prodigy and alsel's JSONL.
TEST(SelectionWriterTest, EachFormatDefaultsToItsToolsUnit) {
  const WriterOptions options;  // offset_unit unset
  std::ostringstream doccano, label_studio, prodigy, jsonl;
  make_selection_writer("doccano", options, doccano)->write(make_selected(1), 1);
  auto ls = make_selection_writer("label-studio", options, label_studio);
  ls->write(make_selected(1), 1);
  ls->finish();
  make_selection_writer("prodigy", options, prodigy)->write(make_selected(1), 1);
  make_selection_writer("jsonl", options, jsonl)->write(make_selected(1), 1);
  EXPECT_EQ(json::parse(doccano.str())["label"][0][0], 2);
  EXPECT_EQ(json::parse(label_studio.str())[0]["predictions"][0]["result"][0]["value"]["start"], 1);
  EXPECT_EQ(json::parse(prodigy.str())["spans"][0]["start"], 1);
  EXPECT_EQ(json::parse(jsonl.str())["entities"][0]["start"], 1);
  EXPECT_EQ(writer_offset_unit("doccano", options), OffsetUnit::kUtf16);
  EXPECT_EQ(writer_offset_unit("prodigy", options), OffsetUnit::kCodePoint);
  // Every registered format has a tool unit, and the table names no other format.
  for (const std::string& format : selection_format_names()) EXPECT_NO_THROW(tool_offset_unit(format));
  EXPECT_EQ(tool_offset_units().size(), selection_format_names().size());
  EXPECT_THROW(tool_offset_unit("bio"), UsageError);
}

TEST(SelectionWriterTest, EmptyLabelStudioBatchIsAnEmptyArray) {
  std::ostringstream out;
  make_selection_writer("label-studio", WriterOptions(), out)->finish();
  EXPECT_EQ(json::parse(out.str()), json::array());
}

TEST(SelectionWriterTest, UnknownFormatListsTheValidOnes) {
  std::ostringstream out;
  try {
    make_selection_writer("brat", WriterOptions(), out);
    FAIL() << "no exception";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("doccano, jsonl, label-studio, prodigy"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(selection_format_names(),
            (std::vector<std::string>{"doccano", "jsonl", "label-studio", "prodigy"}));
}

TEST(SelectionWriterTest, FailedStreamIsAnOutputError) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  auto writer = make_selection_writer("doccano", WriterOptions(), out);
  EXPECT_THROW(writer->write(make_selected(1), 1), OutputError);
}

}  // namespace
}  // namespace alsel
