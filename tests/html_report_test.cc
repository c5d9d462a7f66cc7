#include "alsel/output/html_report.h"

#include <gtest/gtest.h>

#include <cmath>

namespace alsel {
namespace {

Selected make_selected() {
  Selected item;
  item.score = 0.8;
  ScoredSentence& s = item.sentence;
  s.text = "张伟<b>&";
  s.analysis.id = "id<script>";
  s.analysis.num_words = 3;
  s.analysis.num_labels = 2;
  s.analysis.probabilities = {0.9, 0.1, 0.2, 0.8, 0.6, 0.4};
  s.analysis.best_path = {0, 1, 0};
  s.word_spans = {{0, 1}, {1, 2}, {2, 5}};  // the last word covers "<b>"
  EntitySpan entity;
  entity.start = 0;
  entity.end = 2;
  entity.label = "PER";
  entity.text = "张伟";
  entity.confidence = 0.8;
  s.analysis.entities = {entity};
  return item;
}

TEST(HtmlReportTest, PerCharacterConfidenceFollowsTheWords) {
  const ReportSentence sentence = make_report_sentence(make_selected(), 1);
  ASSERT_EQ(sentence.confidence.size(), 6u);
  EXPECT_DOUBLE_EQ(sentence.confidence[0], 0.9);
  EXPECT_DOUBLE_EQ(sentence.confidence[1], 0.8);
  EXPECT_DOUBLE_EQ(sentence.confidence[2], 0.6);
  EXPECT_DOUBLE_EQ(sentence.confidence[4], 0.6);
  EXPECT_TRUE(std::isnan(sentence.confidence[5]));  // '&' is in no word
}

TEST(HtmlReportTest, PageIsSelfContainedEscapedAndMarksTheCutoff) {
  ReportInput input;
  input.title = "batch <1>";
  input.facts = {{"model", "m&m"}};
  input.histogram = {{0.0, 0.5, 10}, {0.5, 1.0, 3}};
  input.cutoff = 0.8;
  input.sentences.push_back(make_report_sentence(make_selected(), 1));
  const std::string html = render_html_report(input);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<title>batch &lt;1&gt;</title>"), std::string::npos);
  EXPECT_NE(html.find("m&amp;m"), std::string::npos);
  EXPECT_NE(html.find("id&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);  // nothing executable, nothing injected
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;"), std::string::npos);
  EXPECT_EQ(html.find("http://"),
            html.find("http://www.w3.org/2000/svg"));  // only the SVG namespace
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_NE(html.find("id=\"cutoff\""), std::string::npos);
  EXPECT_NE(html.find("selection cut-off 0.8"), std::string::npos);
  // Two histogram bars, the second (holding the cut-off) in the selection colour.
  EXPECT_NE(html.find("fill=\"#4c78a8\""), std::string::npos);
  EXPECT_NE(html.find("fill=\"#d62728\""), std::string::npos);
  EXPECT_NE(html.find("title=\"p=0.9\""), std::string::npos);
  EXPECT_NE(html.find("class=\"ent\""), std::string::npos);
  EXPECT_NE(html.find(">PER 0.8<"), std::string::npos);
}

TEST(HtmlReportTest, EscapeCoversTheFiveCharacters) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace alsel
