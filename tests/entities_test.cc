// Tag sequences to spans (conlleval semantics) and label paths to entities with text offsets.
#include "alsel/data/entities.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace alsel {
namespace {

std::string describe(const std::vector<TagSpan>& spans) {
  std::string out;
  for (const TagSpan& span : spans) {
    out += span.label + "[" + std::to_string(span.begin) + "," + std::to_string(span.end) + ") ";
  }
  return out;
}

void expect_spans(const std::vector<std::string>& tags, const std::string& expected) {
  EXPECT_EQ(describe(spans_from_tags(tags)), expected);
}

TEST(EntitiesTest, WellFormedBio) {
  expect_spans({"B-PER", "I-PER", "O", "B-LOC", "O"}, "PER[0,2) LOC[3,4) ");
  // An entity running to the end of the sentence is closed.
  expect_spans({"O", "B-ORG", "I-ORG", "I-ORG"}, "ORG[1,4) ");
  // B- after B- of the same type starts a second entity.
  expect_spans({"B-PER", "B-PER", "I-PER"}, "PER[0,1) PER[1,3) ");
  expect_spans({"O", "O"}, "");
  expect_spans({}, "");
}

TEST(EntitiesTest, IllFormedBioFollowsConlleval) {
  // I- after O starts an entity; a type change (I-LOC -> I-PER) closes one and starts another.
  expect_spans({"B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-LOC", "I-PER", "O"},
               "PER[0,2) LOC[3,5) LOC[5,6) PER[6,7) ");
  // I- as the very first tag starts an entity.
  expect_spans({"I-MISC", "I-MISC"}, "MISC[0,2) ");
  // B-PER followed by I-LOC: two entities; the type change also closes a multi-word entity.
  expect_spans({"B-PER", "I-LOC"}, "PER[0,1) LOC[1,2) ");
  expect_spans({"B-PER", "I-PER", "I-LOC", "I-LOC", "E-PER"}, "PER[0,2) LOC[2,4) PER[4,5) ");
}

TEST(EntitiesTest, Bioes) {
  // S- is a single-word entity; E- closes; an E- right after an E- starts a new entity.
  expect_spans({"S-PER", "B-ORG", "I-ORG", "E-ORG", "E-ORG", "O", "S-LOC", "S-LOC"},
               "PER[0,1) ORG[1,4) ORG[4,5) LOC[6,7) LOC[7,8) ");
  // I- after E- of the same type starts a new entity.
  expect_spans({"B-PER", "E-PER", "I-PER"}, "PER[0,2) PER[2,3) ");
}

TEST(EntitiesTest, BilouAndBmesAliases) {
  expect_spans({"U-PER", "B-LOC", "L-LOC", "O", "B-ORG", "M-ORG", "E-ORG"},
               "PER[0,1) LOC[1,3) ORG[4,7) ");
}

TEST(EntitiesTest, TypeKeepsEverythingAfterTheFirstHyphen) {
  expect_spans({"B-WORK-OF-ART", "I-WORK-OF-ART", "O"}, "WORK-OF-ART[0,2) ");
}

TEST(EntitiesTest, MalformedTagsThrowWithPosition) {
  for (const std::string bad : {"PER", "X-PER", "B-", "", "b-PER", "B_PER"}) {
    try {
      spans_from_tags({"O", bad});
      FAIL() << "expected std::invalid_argument for '" << bad << "'";
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find("'" + bad + "' at position 1"), std::string::npos)
          << error.what();
    }
  }
}

const std::vector<std::string> kLabels = {"O", "B-PER", "I-PER", "B-LOC", "I-LOC", "S-MISC"};

TEST(EntitiesTest, CjkTextOffsetsAndConfidence) {
  // One word per character, as a Chinese BERT tokenizes: 张0 三1 在2 北3 京4 工5 作6 。7
  const std::u32string text = U"张三在北京工作。";
  std::vector<std::pair<int, int>> word_spans;
  for (int i = 0; i < 8; ++i) word_spans.push_back({i, i + 1});
  const std::vector<int> path = {1, 2, 0, 3, 4, 0, 0, 0};
  // Probability of each word's path label: 0.9 0.7 . 0.6 0.95 . . . (L = 6)
  std::vector<double> probabilities(8 * 6, 0.0);
  const double path_probability[8] = {0.9, 0.7, 0.8, 0.6, 0.95, 0.99, 0.99, 0.99};
  for (int w = 0; w < 8; ++w) probabilities[w * 6 + path[w]] = path_probability[w];

  const std::vector<EntitySpan> entities =
      decode_entities(path, kLabels, word_spans, text, &probabilities);
  ASSERT_EQ(entities.size(), 2u);
  EXPECT_EQ(entities[0].label, "PER");
  EXPECT_EQ(entities[0].start, 0);
  EXPECT_EQ(entities[0].end, 2);
  EXPECT_EQ(entities[0].text, "张三");
  EXPECT_DOUBLE_EQ(entities[0].confidence, 0.7);  // min(0.9, 0.7)
  EXPECT_EQ(entities[1].label, "LOC");
  EXPECT_EQ(entities[1].start, 3);
  EXPECT_EQ(entities[1].end, 5);
  EXPECT_EQ(entities[1].text, "北京");
  EXPECT_DOUBLE_EQ(entities[1].confidence, 0.6);  // min(0.6, 0.95)
}

TEST(EntitiesTest, MultiWordEntityKeepsInnerSpacesAndMultiByteCharacters) {
  // Code points: "Hi"[0,2) "😀"[3,4) "Zoë"[5,8) "Saldaña"[9,16) "in"[17,19) "Köln"[20,24)
  const std::u32string text = U"Hi 😀 Zoë Saldaña in Köln";
  ASSERT_EQ(text.size(), 24u);
  const std::vector<std::pair<int, int>> word_spans = {{0, 2},  {3, 4},   {5, 8},
                                                       {9, 16}, {17, 19}, {20, 24}};
  const std::vector<int> path = {0, 5, 1, 2, 0, 3};
  const std::vector<EntitySpan> entities =
      decode_entities(path, kLabels, word_spans, text, nullptr);
  ASSERT_EQ(entities.size(), 3u);
  EXPECT_EQ(entities[0].label, "MISC");
  EXPECT_EQ(entities[0].text, "😀");  // 4 UTF-8 bytes
  EXPECT_EQ(entities[0].text.size(), 4u);
  EXPECT_EQ(entities[1].label, "PER");
  EXPECT_EQ(entities[1].start, 5);
  EXPECT_EQ(entities[1].end, 16);
  EXPECT_EQ(entities[1].text, "Zoë Saldaña");
  EXPECT_EQ(entities[2].text, "Köln");
  EXPECT_EQ(entities[2].start, 20);
  EXPECT_EQ(entities[2].end, 24);
  EXPECT_EQ(entities[1].confidence, 0.0);  // no probabilities given
}

TEST(EntitiesTest, DecodeRejectsInconsistentInput) {
  const std::u32string text = U"ab cd";
  const std::vector<std::pair<int, int>> spans = {{0, 2}, {3, 5}};
  EXPECT_THROW(decode_entities({0, 6}, kLabels, spans, text, nullptr), std::invalid_argument);
  EXPECT_THROW(decode_entities({0}, kLabels, spans, text, nullptr), std::invalid_argument);
  EXPECT_THROW(decode_entities({0, 1}, kLabels, {{0, 2}, {3, 6}}, text, nullptr),
               std::invalid_argument);
  EXPECT_THROW(decode_entities({0, 1}, kLabels, {{3, 5}, {0, 2}}, text, nullptr),
               std::invalid_argument);
  const std::vector<double> short_probabilities(5, 0.1);
  EXPECT_THROW(decode_entities({0, 1}, kLabels, spans, text, &short_probabilities),
               std::invalid_argument);
  EXPECT_THROW(decode_entities({0, 1}, {"O", "PER"}, spans, text, nullptr), std::invalid_argument);
  EXPECT_NO_THROW(decode_entities({0, 1}, kLabels, spans, text, nullptr));
}


TEST(EntitiesTest, LabelNamesAreValidatedAtLoad) {
  EXPECT_NO_THROW(validate_label_names({"O", "B-PER", "I-PER", "E-PER", "S-PER"}));
  EXPECT_NO_THROW(validate_label_names({"O", "B-WORK-OF-ART", "I-WORK-OF-ART"}));
  const auto message = [](const std::vector<std::string>& labels) -> std::string {
    try {
      validate_label_names(labels);
    } catch (const std::invalid_argument& error) {
      return error.what();
    }
    return "";
  };
  EXPECT_NE(message({"O", "PERSON", "I-PER"}).find("label 1 'PERSON'"), std::string::npos);
  EXPECT_NE(message({"O", "B-", "I-PER"}).find("label 1 'B-'"), std::string::npos);
  EXPECT_NE(message({"O", "X-PER"}).find("'X-PER'"), std::string::npos);
  EXPECT_NE(message({"O", "B-PER", "B-PER"}).find("twice"), std::string::npos);
  EXPECT_NE(message({"O"}).find("no entity label"), std::string::npos);
  EXPECT_NE(message({}).find("no labels"), std::string::npos);
}

TEST(EntitiesTest, EntitySpansReadBackAreCheckedAgainstTheirText) {
  const std::string text = "李娜在北京";  // 5 code points
  const auto entity = [](int start, int end, const std::string& covered) {
    EntitySpan span;
    span.start = start;
    span.end = end;
    span.label = "PER";
    span.text = covered;
    return span;
  };
  EXPECT_NO_THROW(check_entity_spans(text, {entity(0, 2, "李娜"), entity(3, 5, "北京")}));
  EXPECT_THROW(check_entity_spans(text, {entity(3, 9, "北京")}), std::invalid_argument);
  EXPECT_THROW(check_entity_spans(text, {entity(-1, 2, "李娜")}), std::invalid_argument);
  EXPECT_THROW(check_entity_spans(text, {entity(2, 2, "")}), std::invalid_argument);
  EXPECT_THROW(check_entity_spans(text, {entity(0, 2, "张伟")}), std::invalid_argument);
  EXPECT_THROW(check_entity_spans(text, {entity(3, 5, "北京"), entity(0, 2, "李娜")}),
               std::invalid_argument);
  EXPECT_THROW(check_entity_spans("\xff", {}), std::invalid_argument);
}

}  // namespace
}  // namespace alsel
