// End-to-end tests of the annotation loop through the real alsel binary and the tiny models of
// scripts/make_tiny_model.py: exclusions, duplicates, annotation-tool exports, convert, the run
// manifest, progress, the HTML report and the nightly cron script.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "alsel/selection/near_duplicates.h"
#include "alsel/util/sha256.h"
#include "alsel/text/text_normalizer.h"
#include "alsel/util/utf8.h"
#include "cli_test_support.h"

namespace alsel::testing {
namespace {

namespace fs = std::filesystem;
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

// text[start:end] in the unit ("codepoint" or "utf16") must be `expected`.
void expect_slice(const std::string& text, int start, int end, const std::string& expected,
                  const std::string& unit, const std::string& context) {
  const std::u32string code_points = decode_utf8(text);
  ASSERT_LE(0, start) << context;
  ASSERT_LT(start, end) << context;
  if (unit == "codepoint") {
    ASSERT_LE(end, static_cast<int>(code_points.size())) << context;
    EXPECT_EQ(encode_utf8(code_points.substr(start, end - start)), expected) << context;
  } else {
    const std::u16string units = to_utf16(code_points);
    ASSERT_LE(end, static_cast<int>(units.size())) << context;
    EXPECT_EQ(units.substr(start, end - start), to_utf16(decode_utf8(expected)))
        << context << " " << expected;
  }
}

std::vector<std::string> ids_of(const std::vector<json>& lines) {
  std::vector<std::string> ids;
  for (const json& line : lines) ids.push_back(line["id"].get<std::string>());
  return ids;
}

class AnnotationLoopTest : public TempDirTest {
 protected:
  std::string model() const { return (tiny_model_dir() / "tiny-crf.pt").string(); }
  static std::string sample_pool() {
    return std::string(ALSEL_SOURCE_DIR) + "/data/sample_pool.jsonl";
  }
  static std::vector<json> sample_lines() { return parse_jsonl(read_file(sample_pool())); }
  static std::string text_of(const std::string& id) {
    for (const json& line : sample_lines()) {
      if (line["id"] == id) return line["text"];
    }
    ADD_FAILURE() << "no sample " << id;
    return {};
  }
  // alsel select on `pool` with `extra` flags; the batch is parsed from `out`.
  RunResult select(const std::string& pool, const std::string& out,
                   std::vector<std::string> extra) {
    std::vector<std::string> args = {"select", "-m", model(), "-p", pool, "-o", path(out)};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }
};

// ---------------------------------------------------------------------------------------------
// Do not waste annotators' time: exclusions.

TEST_F(AnnotationLoopTest, LabeledSentencesAreExcludedByIdAndByNormalizedText) {
  // doccano: sample-003 by id (other text), sample-010 by text (other id, width and punctuation
  // changed); BIO: sample-020 by text.
  std::string text10 = text_of("sample-010");
  text10.replace(text10.size() - 3, 3, "！");  // "。" -> "！"
  write_file(path("labeled.jsonl"),
             json({{"id", "sample-003"}, {"text", "完全不同的一句话。"}, {"label", json::array()}})
                     .dump() +
                 "\n" +
                 json({{"id", "x9"}, {"text", " " + text10}, {"label", json::array()}}).dump() +
                 "\n");
  std::string bio;
  for (char32_t c : decode_utf8(text_of("sample-020")))
    bio += encode_utf8(std::u32string(1, c)) + "\tO\n";
  write_file(path("labeled.bio"), bio);

  RunResult r = select(sample_pool(), "out.jsonl",
                       {"-k", "100", "--labeled", path("labeled.jsonl"), path("labeled.bio"),
                        "--dropped", path("dropped.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> ids = ids_of(parse_jsonl(read_file(path("out.jsonl"))));
  EXPECT_EQ(ids.size(), 37u);
  for (const char* excluded : {"sample-003", "sample-010", "sample-020"}) {
    EXPECT_EQ(std::count(ids.begin(), ids.end(), excluded), 0) << excluded;
  }
  EXPECT_NE(r.err.find("read 40, scored 37, rejected 0, excluded 3 (labeled 3, sent 0)"),
            std::string::npos)
      << r.err;
  std::map<std::string, std::string> matched_by;
  for (const json& line : parse_jsonl(read_file(path("dropped.jsonl")))) {
    EXPECT_EQ(line["reason"], "labeled");
    matched_by[line["id"]] = line["matched_by"];
  }
  EXPECT_EQ(matched_by, (std::map<std::string, std::string>{
                            {"sample-003", "id"}, {"sample-010", "text"}, {"sample-020", "text"}}));

  // --exclude-match id: only the id match remains; --keep-labeled: nothing is excluded.
  r = select(sample_pool(), "by-id.jsonl",
             {"-k", "100", "--labeled", path("labeled.jsonl"), path("labeled.bio"),
              "--exclude-match", "id"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_jsonl(read_file(path("by-id.jsonl"))).size(), 39u);
  r = select(sample_pool(), "kept.jsonl",
             {"-k", "100", "--labeled", path("labeled.jsonl"), "--keep-labeled"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_jsonl(read_file(path("kept.jsonl"))).size(), 40u);
}

TEST_F(AnnotationLoopTest, ExcludeFilesOfEveryFormatAreHonoured) {
  write_file(path("ids.txt"), "# sent on Monday\nsample-001\nsample-002\n");
  write_file(
      path("tasks.json"),
      json::array({{{"id", 77}, {"data", {{"id", "sample-005"}, {"text", text_of("sample-005")}}}}})
          .dump());
  // A doccano export: its integer id is doccano's own, the text identifies the sentence.
  write_file(
      path("doccano.jsonl"),
      json({{"id", 12345}, {"text", text_of("sample-007")}, {"label", json::array()}}).dump() +
          "\n");
  RunResult r = select(
      sample_pool(), "out.jsonl",
      {"-k", "100", "--exclude", path("ids.txt"), path("tasks.json"), path("doccano.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> ids = ids_of(parse_jsonl(read_file(path("out.jsonl"))));
  EXPECT_EQ(ids.size(), 36u);
  for (const char* excluded : {"sample-001", "sample-002", "sample-005", "sample-007"}) {
    EXPECT_EQ(std::count(ids.begin(), ids.end(), excluded), 0) << excluded;
  }
  EXPECT_NE(r.err.find("excluded 4 (labeled 0, sent 4)"), std::string::npos) << r.err;

  r = select(sample_pool(), "o.jsonl", {"--exclude", path("missing.txt")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("missing.txt"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("o.jsonl")));
}

TEST_F(AnnotationLoopTest, SecondNightNeverRepeatsTheFirstNight) {
  const std::vector<json> sample = sample_lines();
  std::string night1_pool;
  for (size_t i = 0; i < 30; ++i) night1_pool += sample[i].dump() + "\n";
  write_file(path("pool1.jsonl"), night1_pool);
  ASSERT_EQ(select(path("pool1.jsonl"), "night1.json", {"-k", "10", "--format", "label-studio"})
                .exit_code,
            0);
  const json night1 = json::parse(read_file(path("night1.json")));
  ASSERT_EQ(night1.size(), 10u);

  // The pool grows: the rest of the sample, plus a sentence sent last night under a new id.
  std::string night2_pool = night1_pool;
  for (size_t i = 30; i < sample.size(); ++i) night2_pool += sample[i].dump() + "\n";
  night2_pool += json({{"id", "reingested"}, {"text", night1[0]["data"]["text"]}}).dump() + "\n";
  write_file(path("pool2.jsonl"), night2_pool);
  RunResult r = select(path("pool2.jsonl"), "night2.json",
                       {"-k", "10", "--format", "label-studio", "--exclude", path("night1.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json night2 = json::parse(read_file(path("night2.json")));
  ASSERT_EQ(night2.size(), 10u);
  std::set<std::string> first;
  for (const json& task : night1) first.insert(task["data"]["id"].get<std::string>());
  for (const json& task : night2) {
    EXPECT_EQ(first.count(task["data"]["id"].get<std::string>()), 0u) << task["data"]["id"];
    EXPECT_NE(task["data"]["id"], "reingested");
  }
  EXPECT_NE(r.err.find("excluded 11 (labeled 0, sent 11)"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------------
// Duplicates.

TEST_F(AnnotationLoopTest, ExactDuplicatesAreDroppedBeforeScoring) {
  std::string pool = read_file(sample_pool());
  // Copies with other ids that differ only in width, case, spaces and punctuation.
  pool += json({{"id", "copy-1"}, {"text", text_of("sample-001")}}).dump() + "\n";
  pool += json({{"id", "copy-2"}, {"text", "ＣＡＤ 软件在建筑设计中被广泛使用！"}}).dump() +
          "\n";  // sample-037
  pool +=
      json({{"id", "copy-3"}, {"text", "dr smith visited peking university in beijing last week"}})
          .dump() +
      "\n";
  write_file(path("pool.jsonl"), pool);
  RunResult r = select(path("pool.jsonl"), "out.jsonl", {"-k", "100", "--dedupe", "exact"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> lines = parse_jsonl(read_file(path("out.jsonl")));
  EXPECT_EQ(lines.size(), 40u);
  std::set<uint64_t> texts;
  for (const json& line : lines) {
    EXPECT_TRUE(texts.insert(normalized_text_hash(line["text"].get<std::string>())).second)
        << line["id"];
    EXPECT_NE(line["id"].get<std::string>().rfind("copy-", 0), 0u)
        << "the first occurrence is kept";
  }
  EXPECT_NE(r.err.find("read 43, scored 40, rejected 0, excluded 0 (labeled 0, sent 0), duplicates "
                       "3 (exact 3, near 0)"),
            std::string::npos)
      << r.err;
  r = select(path("pool.jsonl"), "all.jsonl", {"-k", "100", "--dedupe", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_jsonl(read_file(path("all.jsonl"))).size(), 43u);
}

// A pool where 60 of 100 sentences are one template with a different number.
class NearDuplicateLoopTest : public AnnotationLoopTest {
 protected:
  void SetUp() override {
    AnnotationLoopTest::SetUp();
    std::string pool = read_file(sample_pool());
    for (int i = 1; i <= 60; ++i) {
      const std::string text =
          "据交易所最新统计，今日上证综合指数收盘于" + std::to_string(3000 + i) +
          "点，两市成交额较上一交易日明显放大，沪深两市个股涨多跌少，市场情绪回暖。";
      pool += json({{"id", "tpl-" + std::to_string(i)}, {"text", text}}).dump() + "\n";
    }
    write_file(path("pool.jsonl"), pool);
    // The full ranking, without near-duplicate suppression.
    RunResult r = select(path("pool.jsonl"), "ranking.jsonl", {"-k", "1000", "--dedupe", "exact"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ranking_ = parse_jsonl(read_file(path("ranking.jsonl")));
    ASSERT_EQ(ranking_.size(), 100u);
  }

  // Greedy over the full ranking with the exact n-gram Jaccard index.
  std::vector<std::string> expected_greedy(size_t k) const {
    std::vector<std::string> accepted_texts, accepted_ids;
    for (const json& line : ranking_) {
      if (accepted_ids.size() == k) break;
      const std::string text = line["text"];
      bool duplicate = false;
      for (const std::string& other : accepted_texts) {
        const double similarity = ngram_jaccard(text, other, 3);
        // The MinHash estimate (error 0.04) must not be able to decide otherwise.
        EXPECT_TRUE(similarity > 0.8 || similarity < 0.55)
            << similarity << ": " << text << " | " << other;
        duplicate |= similarity >= 0.7;
      }
      if (duplicate) continue;
      accepted_texts.push_back(text);
      accepted_ids.push_back(line["id"]);
    }
    return accepted_ids;
  }

  std::vector<json> ranking_;
};

TEST_F(NearDuplicateLoopTest, NearDuplicatesAreSuppressedAndTheNextBestTakesTheirPlace) {
  RunResult r =
      select(path("pool.jsonl"), "out.jsonl", {"-k", "20", "--dropped", path("dropped.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json> lines = parse_jsonl(read_file(path("out.jsonl")));
  ASSERT_EQ(lines.size(), 20u);
  EXPECT_EQ(ids_of(lines), expected_greedy(20));
  size_t templates = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    templates += lines[i]["id"].get<std::string>().rfind("tpl-", 0) == 0;
    EXPECT_EQ(lines[i]["rank"], static_cast<int>(i) + 1);
  }
  EXPECT_EQ(templates, 1u) << "one template sentence, not a batch full of them";
  // Every suppressed candidate is reported with the accepted sentence it resembles.
  const std::vector<json> dropped = parse_jsonl(read_file(path("dropped.jsonl")));
  ASSERT_FALSE(dropped.empty());
  std::set<std::string> selected;
  for (const json& line : lines) selected.insert(line["id"]);
  for (const json& line : dropped) {
    EXPECT_EQ(line["reason"], "near-duplicate");
    EXPECT_EQ(selected.count(line["duplicate_of"]), 1u) << line;
    EXPECT_GE(line["similarity"].get<double>(), 0.7);
  }
  EXPECT_NE(r.err.find("near " + std::to_string(dropped.size()) + "), selected 20"),
            std::string::npos)
      << r.err;
  const json manifest = json::parse(read_file(path("out.jsonl.manifest.json")));
  EXPECT_EQ(manifest["counts"]["near_duplicates"], dropped.size());
  EXPECT_EQ(manifest["counts"]["deduplicated"], dropped.size());
}

TEST_F(NearDuplicateLoopTest, RefillPassKeepsTheBatchFullWhenCandidatesRunOut) {
  size_t templates_in_top = 0;
  for (size_t i = 0; i < 20; ++i)
    templates_in_top += ranking_[i]["id"].get<std::string>().rfind("tpl-", 0) == 0;
  ASSERT_GE(templates_in_top, 2u) << "the test needs suppressions among the first k candidates";
  // factor 1: the k candidates kept while scoring cannot fill the batch; a refill pass must.
  RunResult r = select(path("pool.jsonl"), "out.jsonl", {"-k", "20", "--candidate-factor", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ids_of(parse_jsonl(read_file(path("out.jsonl")))), expected_greedy(20));
  EXPECT_NE(r.err.find("refill pass 1"), std::string::npos) << r.err;
  const json manifest = json::parse(read_file(path("out.jsonl.manifest.json")));
  EXPECT_GE(manifest["counts"]["refill_passes"].get<int>(), 1);
  // Scores in the batch are those of the first pass: ranks and scores agree with the ranking.
  std::map<std::string, double> scores;
  for (const json& line : ranking_) scores[line["id"]] = line["score"];
  for (const json& line : parse_jsonl(read_file(path("out.jsonl")))) {
    EXPECT_EQ(line["score"].get<double>(), scores.at(line["id"])) << line["id"];
  }
  // stdin cannot be read twice: the batch comes out short, with a warning that says why.
  r = run({"select", "-m", model(), "-p", "-", "-k", "20", "--candidate-factor", "1", "-o",
           path("stdin.jsonl")},
          path("pool.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(parse_jsonl(read_file(path("stdin.jsonl"))).size(), 20u);
  EXPECT_NE(r.err.find("--candidate-factor"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------------
// Hand the batch to annotators.

TEST_F(AnnotationLoopTest, ExportedSpansSliceTheTextInBothOffsetUnits) {
  // Emoji (one with a skin-tone modifier), CJK extension B, full-width Latin, accents, Cyrillic,
  // Hangul, Japanese, mixed spacing.
  const std::vector<std::string> texts = {
      "😀张伟在𠀀北京见了ＡＢＣ公司的José和Пётр👍🏽。",
      "🎉🎉李娜𠀁𠀂在上海Ｃａｆé喝咖啡。",
      "Dr. Smith 在 東京 met 김민수 😀 yesterday.",
      "𠮷野家的王芳说：“ＮＢＡ总决赛🏀太精彩了！”",
  };
  std::string pool;
  for (size_t i = 0; i < texts.size(); ++i)
    pool += json({{"id", "u" + std::to_string(i)}, {"text", texts[i]}}).dump() + "\n";
  write_file(path("pool.jsonl"), pool);
  std::map<std::string, std::vector<int>> starts;  // unit -> every span start, in output order
  for (const std::string unit : {"codepoint", "utf16"}) {
    RunResult r = select(path("pool.jsonl"), "doccano.jsonl",
                         {"-k", "10", "--format", "doccano", "--offset-unit", unit});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::vector<json> doccano = parse_jsonl(read_file(path("doccano.jsonl")));
    r = select(path("pool.jsonl"), "jsonl.jsonl", {"-k", "10", "--offset-unit", unit});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::vector<json> plain = parse_jsonl(read_file(path("jsonl.jsonl")));
    ASSERT_EQ(doccano.size(), texts.size());
    size_t spans = 0;
    for (size_t i = 0; i < doccano.size(); ++i) {
      const json& line = doccano[i];
      for (const char* key : {"text", "label", "id", "score", "rank"})
        EXPECT_TRUE(line.contains(key)) << key;
      EXPECT_EQ(line["id"], plain[i]["id"]);
      ASSERT_EQ(line["label"].size(), plain[i]["entities"].size());
      for (size_t e = 0; e < line["label"].size(); ++e) {
        const json& span = line["label"][e];
        const json& entity = plain[i]["entities"][e];
        EXPECT_EQ(span[2], entity["label"]);
        expect_slice(line["text"], span[0], span[1], entity["text"], unit,
                     unit + " doccano " + line["id"].dump());
        expect_slice(plain[i]["text"], entity["start"], entity["end"], entity["text"], unit,
                     unit + " jsonl");
        starts[unit].push_back(span[0]);
        ++spans;
      }
    }
    ASSERT_GT(spans, 10u) << "the tiny model predicted too few entities to test offsets";

    r = select(path("pool.jsonl"), "tasks.json",
               {"-k", "10", "--format", "label-studio", "--offset-unit", unit, "--ls-from-name",
                "ner", "--ls-to-name", "sentence"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json tasks = json::parse(read_file(path("tasks.json")));
    ASSERT_EQ(tasks.size(), texts.size());
    for (const json& task : tasks) {
      for (const char* key : {"text", "id", "al_score"})
        EXPECT_TRUE(task["data"].contains(key)) << key;
      ASSERT_EQ(task["predictions"].size(), 1u);
      const json& prediction = task["predictions"][0];
      EXPECT_NE(prediction["model_version"].get<std::string>().find("tiny-crf@"),
                std::string::npos);
      EXPECT_TRUE(prediction["score"].is_number());
      for (const json& region : prediction["result"]) {
        for (const char* key : {"id", "from_name", "to_name", "type", "value", "score"}) {
          EXPECT_TRUE(region.contains(key)) << key;
        }
        EXPECT_EQ(region["from_name"], "ner");
        EXPECT_EQ(region["to_name"], "sentence");
        EXPECT_EQ(region["type"], "labels");
        const json& value = region["value"];
        expect_slice(task["data"]["text"], value["start"], value["end"], value["text"], unit,
                     unit + " label-studio");
        EXPECT_EQ(value["labels"].size(), 1u);
      }
    }
  }
  // The units must really differ on this text (spans after a supplementary character).
  EXPECT_NE(starts["codepoint"], starts["utf16"]);
}

TEST_F(AnnotationLoopTest, ConvertRoundTripsBioAndDoccano) {
  const std::string bio =
      "张\tB-PER\n伟\tI-PER\n在\tO\n北\tB-LOC\n京\tI-LOC\n。\tO\n\n"
      "John\tB-PER\nlives\tO\nin\tO\nNew\tB-LOC\nYork\tI-LOC\n.\tO\n\n";
  write_file(path("gold.bio"), bio);
  RunResult r =
      run({"convert", "-i", path("gold.bio"), "--to", "doccano", "-o", path("gold.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json> doccano = parse_jsonl(read_file(path("gold.jsonl")));
  ASSERT_EQ(doccano.size(), 2u);
  EXPECT_EQ(doccano[0]["text"], "张伟在北京。");
  EXPECT_EQ(doccano[0]["label"], json::parse(R"([[0, 2, "PER"], [3, 5, "LOC"]])"));
  EXPECT_EQ(doccano[1]["text"], "John lives in New York .");
  EXPECT_EQ(doccano[1]["label"], json::parse(R"([[0, 4, "PER"], [14, 22, "LOC"]])"));
  r = run({"convert", "-i", path("gold.jsonl"), "--to", "bio", "-o", path("back.bio")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(path("back.bio")), bio);
  const json manifest = json::parse(read_file(path("back.bio.manifest.json")));
  EXPECT_EQ(manifest["command"], "convert");
  EXPECT_EQ(manifest["inputs"][0]["sha256"], sha256_hex(read_file(path("gold.jsonl"))));
  EXPECT_EQ(manifest["counts"]["sentences"], 2);
  EXPECT_EQ(manifest["counts"]["entities"], 4);
  EXPECT_EQ(manifest["outputs"]["out"]["sha256"], sha256_hex(bio));

  // doccano -> BIO -> doccano keeps texts and spans (character-level Chinese, emoji, ext. B; in
  // UTF-16 units, doccano's: 😀 and 𠀀 count 2); an entity edge inside a whitespace token splits
  // the token.
  write_file(path("annotated.jsonl"),
             json({{"id", "a"},
                   {"text", "😀张伟𠀀在北京"},
                   {"label", json::parse(R"([[2, 4, "PER"], [7, 9, "LOC"]])")}})
                     .dump() +
                 "\n" +
                 json({{"id", "b"},
                       {"text", "visit NewYork now"},
                       {"label", json::parse(R"([[6, 9, "LOC"]])")}})
                     .dump() +
                 "\n");
  ASSERT_EQ(
      run({"convert", "-i", path("annotated.jsonl"), "--to", "bio", "-o", path("annotated.bio")})
          .exit_code,
      0);
  EXPECT_NE(read_file(path("annotated.bio")).find("New\tB-LOC\nYork\tO\n"), std::string::npos)
      << read_file(path("annotated.bio"));
  ASSERT_EQ(run({"convert", "-i", path("annotated.bio"), "-o", path("again.jsonl")}).exit_code, 0);
  const std::vector<json> again = parse_jsonl(read_file(path("again.jsonl")));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0]["text"], "😀张伟𠀀在北京");
  EXPECT_EQ(again[0]["label"], json::parse(R"([[2, 4, "PER"], [7, 9, "LOC"]])"));
  EXPECT_NE(read_file(path("annotated.bio")).find("张\tB-PER\n伟\tI-PER\n𠀀\tO\n"), std::string::npos)
      << read_file(path("annotated.bio"));
  EXPECT_EQ(again[1]["text"], "visit New York now");  // BIO tokens are joined by spaces
  EXPECT_EQ(again[1]["label"], json::parse(R"([[6, 9, "LOC"]])"));

  // UTF-16 offsets in (doccano's default), code points out, and back; grapheme clusters too.
  write_file(path("utf16.jsonl"),
             json({{"text", "😀张伟"}, {"label", json::parse(R"([[2, 4, "PER"]])")}}).dump() + "\n");
  ASSERT_EQ(run({"convert", "-i", path("utf16.jsonl"), "--out-offset-unit", "codepoint", "-o",
                 path("cp.jsonl")})
                .exit_code,
            0);
  EXPECT_EQ(parse_jsonl(read_file(path("cp.jsonl")))[0]["label"],
            json::parse(R"([[1, 3, "PER"]])"));
  ASSERT_EQ(
      run({"convert", "-i", path("cp.jsonl"), "--offset-unit", "codepoint", "-o", path("u16.jsonl")})
          .exit_code,
      0);
  EXPECT_EQ(parse_jsonl(read_file(path("u16.jsonl")))[0]["label"],
            json::parse(R"([[2, 4, "PER"]])"));
  write_file(path("family.jsonl"),
             json({{"text", "👨‍👩‍👧张伟"}, {"label", json::parse(R"([[8, 10, "PER"]])")}}).dump() + "\n");
  ASSERT_EQ(run({"convert", "-i", path("family.jsonl"), "--out-offset-unit", "grapheme", "-o",
                 path("graphemes.jsonl")})
                .exit_code,
            0);
  EXPECT_EQ(parse_jsonl(read_file(path("graphemes.jsonl")))[0]["label"],
            json::parse(R"([[1, 3, "PER"]])"));
  const json convert_manifest = json::parse(read_file(path("graphemes.jsonl.manifest.json")));
  EXPECT_EQ(convert_manifest["settings"]["out_offset_unit"], "grapheme");
  EXPECT_EQ(convert_manifest["settings"]["inputs"][0]["offset_unit"], "utf16");
  r = run({"convert", "-i", path("gold.bio"), "--to", "nope"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(AnnotationLoopTest, LabelStudioExportConvertsAndWrongUnitsAreCaught) {
  // What Label Studio exports after annotation (its frontend counts code points): the last
  // non-cancelled annotation is gold.
  const json tasks = json::parse(R"([
    {"id": 1, "data": {"id": "s1", "text": "😀张伟在北京"},
     "annotations": [{"was_cancelled": false, "result": [
        {"from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": 1, "end": 3, "text": "张伟", "labels": ["PER"]}},
        {"from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": 4, "end": 6, "text": "北京", "labels": ["LOC"]}}]}],
     "predictions": []},
    {"id": 2, "data": {"id": "s2", "text": "没有标注"}, "annotations": [], "predictions": []}
  ])");
  write_file(path("export.json"), tasks.dump());
  RunResult r = run({"convert", "-i", path("export.json"), "-o", path("gold.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json> gold = parse_jsonl(read_file(path("gold.jsonl")));
  ASSERT_EQ(gold.size(), 1u);
  EXPECT_EQ(gold[0]["id"], "s1");
  // Written for doccano, in its UTF-16 units.
  EXPECT_EQ(gold[0]["label"], json::parse(R"([[2, 4, "PER"], [5, 7, "LOC"]])"));
  EXPECT_NE(r.err.find("task 1: no annotation"), std::string::npos) << r.err;
  // Read as UTF-16, the spans do not cover their own text: an input error that says so.
  r = run({"convert", "-i", path("export.json"), "--offset-unit", "utf16", "-o", path("wrong.jsonl")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("--offset-unit codepoint"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("wrong.jsonl")));
}

// Every format there and back on astral text: select writes the batch for the tool, the tool's
// export comes back through convert (or --labeled directly), and every span still covers the
// same characters: the entity texts of the batch are the known entities of the next run.
TEST_F(AnnotationLoopTest, EveryFormatRoundTripsSpansOnAstralText) {
  std::string pool;
  const char* texts[] = {"😀张伟在𠮷野家北京见到👨‍👩‍👧李娜", "🇨🇳王芳访问上海和ＡＢＣ公司🎉", "𠀀陈明说👍🏽北京大学很好",
                         "王芳😀和李娜在南京", "🎉🎉赵强去了广州𠮷"};
  for (size_t i = 0; i < std::size(texts); ++i) {
    pool += json({{"id", "a" + std::to_string(i)}, {"text", texts[i]}}).dump() + "\n";
  }
  write_file(path("astral.jsonl"), pool);
  RunResult r = select(path("astral.jsonl"), "batch.jsonl", {"-k", "5", "--dedupe", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::multiset<std::u16string> expected;  // entity texts, compared in UTF-16 (doccano's unit)
  for (const json& line : parse_jsonl(read_file(path("batch.jsonl")))) {
    for (const json& entity : line["entities"])
      expected.insert(to_utf16(decode_utf8(entity["text"].get<std::string>())));
  }
  ASSERT_FALSE(expected.empty()) << "the model predicted no entity: the round trip tests nothing";
  for (const std::string format : {"doccano", "label-studio", "prodigy", "jsonl"}) {
    const std::string out = "batch." + format;
    r = select(path("astral.jsonl"), out, {"-k", "5", "--dedupe", "none", "--format", format});
    ASSERT_EQ(r.exit_code, 0) << format << r.err;
    // Label Studio: astral text gets a warning (LS #4988), never a silent change of offsets.
    EXPECT_EQ(r.err.find("Label Studio issue #4988") != std::string::npos, format == "label-studio")
        << format << ": " << r.err;
    std::string exported = path(out);
    if (format == "label-studio") {
      // The annotator accepts every prediction: Label Studio exports it as an annotation.
      json tasks = json::parse(read_file(path(out)));
      for (json& task : tasks) task["annotations"] = json::array({{{"result", task["predictions"][0]["result"]}}});
      exported = path("export.json");
      write_file(exported, tasks.dump());
    } else if (format == "jsonl") {
      continue;  // not a tool format: nothing reads its entities back
    }
    ASSERT_EQ(run({"convert", "-i", exported, "-o", path("back." + format + ".jsonl")}).exit_code, 0);
    std::multiset<std::u16string> back;
    for (const json& line : parse_jsonl(read_file(path("back." + format + ".jsonl")))) {
      const std::u16string text = to_utf16(decode_utf8(line["text"].get<std::string>()));
      for (const json& span : line["label"]) {
        const int start = span[0], end = span[1];
        back.insert(text.substr(start, end - start));
      }
    }
    EXPECT_EQ(back, expected) << format;
    // --labeled reads the tool's own file with the tool's unit: every entity is known.
    r = select(path("astral.jsonl"), "next." + format,
               {"-k", "5", "--dedupe", "none", "--keep-labeled", "--labeled", exported});
    ASSERT_EQ(r.exit_code, 0) << format << r.err;
    for (const json& line : parse_jsonl(read_file(path("next." + format)))) {
      EXPECT_EQ(line["unknown_entities"], 0) << format << " " << line["id"];
    }
  }
}

TEST_F(AnnotationLoopTest, AnnotatedBatchComesBackAsLabeledInput) {
  RunResult r = select(sample_pool(), "batch.jsonl", {"-k", "8", "--format", "doccano"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The annotators accept the pre-annotations; the batch comes back as BIO.
  ASSERT_EQ(
      run({"convert", "-i", path("batch.jsonl"), "--to", "bio", "-o", path("batch.bio")}).exit_code,
      0);
  r = select(sample_pool(), "next.jsonl",
             {"-k", "100", "-s", "ltp-unk", "--labeled", path("batch.bio")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<uint64_t> labeled;
  for (const json& line : parse_jsonl(read_file(path("batch.jsonl")))) {
    labeled.insert(normalized_text_hash(line["text"].get<std::string>()));
  }
  const std::vector<json> next = parse_jsonl(read_file(path("next.jsonl")));
  EXPECT_EQ(next.size(), 32u);
  for (const json& line : next) {
    EXPECT_EQ(labeled.count(normalized_text_hash(line["text"].get<std::string>())), 0u)
        << line["id"];
  }
  EXPECT_NE(r.err.find("excluded 8 (labeled 8, sent 0)"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------------
// Know what happened.

TEST_F(AnnotationLoopTest, ManifestRecordsTheRun) {
  RunResult r = select(sample_pool(), "out.jsonl",
                       {"-k", "5", "--seed", "7", "--rejects", path("rejects.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json manifest = json::parse(read_file(path("out.jsonl.manifest.json")));
  EXPECT_EQ(manifest["alsel_version"], ALSEL_VERSION);
  EXPECT_EQ(manifest["command"], "select");
  EXPECT_EQ(manifest["arguments"][1], "select");
  EXPECT_NE(std::find(manifest["arguments"].begin(), manifest["arguments"].end(), "--seed"),
            manifest["arguments"].end());
  EXPECT_EQ(manifest["seed"], 7);
  EXPECT_EQ(manifest["model"]["sha256"], sha256_hex(read_file(model())));
  EXPECT_EQ(manifest["model"]["name"], "tiny-crf");
  EXPECT_EQ(manifest["model"]["labels"].size(), 7u);
  ASSERT_EQ(manifest["pool"].size(), 1u);
  EXPECT_EQ(manifest["pool"][0]["sha256"], sha256_hex(read_file(sample_pool())));
  EXPECT_EQ(manifest["pool"][0]["bytes"], read_file(sample_pool()).size());
  EXPECT_EQ(manifest["pool"][0]["lines"], 40);
  const json& counts = manifest["counts"];
  for (const char* key : {"read", "scored", "rejected", "excluded", "deduplicated", "selected"}) {
    EXPECT_TRUE(counts.contains(key)) << key;
  }
  EXPECT_EQ(counts["read"], 40);
  EXPECT_EQ(counts["scored"], 40);
  EXPECT_EQ(counts["selected"], 5);
  for (const char* key : {"model_load", "scoring", "writing", "total"}) {
    EXPECT_GE(manifest["timings_seconds"][key].get<double>(), 0.0) << key;
  }
  EXPECT_EQ(manifest["outputs"]["out"]["sha256"], sha256_hex(read_file(path("out.jsonl"))));
  EXPECT_EQ(manifest["outputs"]["rejects"]["bytes"], 0);

  // The distribution of the pool's scores agrees with `alsel score` (ltp: score = 1 - ltp).
  ASSERT_EQ(
      run({"score", "-m", model(), "-p", sample_pool(), "-o", path("scores.jsonl")}).exit_code, 0);
  std::vector<double> scores;
  for (const json& line : parse_jsonl(read_file(path("scores.jsonl"))))
    scores.push_back(1 - line["ltp"].get<double>());
  std::sort(scores.begin(), scores.end());
  double sum = 0;
  for (double s : scores) sum += s;
  const json& distribution = manifest["score_distribution"];
  EXPECT_EQ(distribution["count"], 40);
  EXPECT_NEAR(distribution["min"].get<double>(), scores.front(), 1e-6);
  EXPECT_NEAR(distribution["max"].get<double>(), scores.back(), 1e-6);
  EXPECT_NEAR(distribution["mean"].get<double>(), sum / scores.size(), 1e-6);
  EXPECT_NEAR(distribution["median"].get<double>(), (scores[19] + scores[20]) / 2, 1e-6);
  EXPECT_NEAR(distribution["p90"].get<double>(), scores[35] + 0.1 * (scores[36] - scores[35]),
              1e-6);
  EXPECT_EQ(distribution["quantiles"], "exact");
  EXPECT_NEAR(manifest["selection"]["cutoff_score"].get<double>(), scores[35], 1e-6);

  // score writes its own manifest; --manifest moves it, --no-manifest drops it.
  const json score_manifest = json::parse(read_file(path("scores.jsonl.manifest.json")));
  EXPECT_EQ(score_manifest["command"], "score");
  EXPECT_EQ(score_manifest["measure_distributions"]["ltp"]["count"], 40);
  r = select(sample_pool(), "elsewhere.jsonl", {"-k", "5", "--manifest", path("m.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(path("m.json")));
  EXPECT_FALSE(fs::exists(path("elsewhere.jsonl.manifest.json")));
  r = select(sample_pool(), "none.jsonl", {"-k", "5", "--no-manifest"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(path("none.jsonl.manifest.json")));
  // A failed run leaves no manifest.
  r = select(sample_pool(), "failed.jsonl", {"--dedupe", "sometimes"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(fs::exists(path("failed.jsonl.manifest.json")));
}

TEST_F(AnnotationLoopTest, ProgressLogLinesWhenStderrIsNotATerminal) {
  RunResult r = select(sample_pool(), "out.jsonl", {"-k", "5", "--progress-interval", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("alsel: info: progress: 40/40 lines (100.0%), 40 scored"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << "no terminal control characters in a log";
  // -q: only warnings and errors.
  r = select(sample_pool(), "quiet.jsonl", {"-k", "5", "--progress-interval", "0", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  // Default interval (30 s): a short run logs no progress line.
  r = select(sample_pool(), "default.jsonl", {"-k", "5"});
  EXPECT_EQ(r.err.find("progress:"), std::string::npos) << r.err;
}

TEST_F(AnnotationLoopTest, ProgressLineOnATerminal) {
  // script(1) runs alsel with its stderr on a pseudo-terminal.
  std::string command = shell_quote(ALSEL_BINARY);
  for (const std::string& arg :
       {std::string("select"), std::string("-m"), model(), std::string("-p"), sample_pool(),
        std::string("-k"), std::string("5"), std::string("-o"), path("out.jsonl")}) {
    command += " " + shell_quote(arg);
  }
  RunResult r = run_shell("script -qefc " + shell_quote(command) + " /dev/null", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\r\x1b[Kalsel: 40/40 lines (100.0%), 40 scored"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("progress:"), std::string::npos)
      << "a terminal gets the live line, not log lines";
}

TEST_F(AnnotationLoopTest, HtmlReportIsSelfContainedAndRenders) {
  std::string pool = read_file(sample_pool());
  pool += json({{"id", "<script>alert(1)</script>"}, {"text", "张伟<b>在</b>北京 & \"上海\"。"}})
              .dump() +
          "\n";
  write_file(path("pool.jsonl"), pool);
  // Everything selected: the hostile sentence is in the report, escaped.
  RunResult r =
      select(path("pool.jsonl"), "all.jsonl", {"-k", "100", "--report", path("all.html")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string all = read_file(path("all.html"));
  EXPECT_EQ(all.find("<script"), std::string::npos);
  EXPECT_EQ(all.find("<b>"), std::string::npos);
  EXPECT_NE(all.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(all.find("&quot;"), std::string::npos);
  EXPECT_NE(all.find("Selected sentences (41)"), std::string::npos);

  r = select(path("pool.jsonl"), "out.jsonl", {"-k", "12", "--report", path("report.html")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = read_file(path("report.html"));
  const std::vector<json> lines = parse_jsonl(read_file(path("out.jsonl")));
  size_t position = 0;
  for (const json& line : lines) {  // every selected sentence, in rank order
    const std::string id =
        line["id"].get<std::string>()[0] == '<' ? "&lt;script&gt;" : line["id"].get<std::string>();
    position = html.find("<div class=\"id\">" + id, position);
    EXPECT_NE(position, std::string::npos) << line["id"];
  }
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_NE(html.find("id=\"cutoff\""), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  // Rendered by headless Chromium when it is installed (scripts/install_report_check.sh).
  RunResult render =
      run_shell(shell_quote(std::string(ALSEL_SOURCE_DIR) + "/scripts/check_report_render.sh") +
                    " " + shell_quote(path("report.html")) + " " + shell_quote(path("report.png")),
                dir_);
  if (render.exit_code == 77) GTEST_SKIP() << "Chromium not installed: " << render.err;
  EXPECT_EQ(render.exit_code, 0) << render.out << render.err;
  EXPECT_TRUE(fs::exists(path("report.png")));
}

TEST_F(AnnotationLoopTest, UsageErrorsOfTheNewFlags) {
  for (const std::vector<std::string>& flags : std::vector<std::vector<std::string>>{
           {"--dedupe", "fuzzy"},
           {"--near-threshold", "0"},
           {"--near-threshold", "1.5"},
           {"--ngram", "0"},
           {"--candidate-factor", "0"},
           {"--format", "brat"},
           {"--offset-unit", "bytes"},
           {"--exclude-match", "maybe"},
           {"--progress", "fancy"},
           {"--progress-interval", "-1"},
           {"--ls-from-name", ""},
           {"--manifest", "m.json", "--no-manifest"},
       }) {
    RunResult r = select(sample_pool(), "o.jsonl", flags);
    EXPECT_EQ(r.exit_code, 2) << flags[0] << " " << flags[1] << "\n" << r.err;
    EXPECT_FALSE(fs::exists(path("o.jsonl"))) << flags[0];
  }
}

// ---------------------------------------------------------------------------------------------
// docs/cron.md: the nightly script, twice on a growing pool.

TEST_F(AnnotationLoopTest, NightlyScriptNeverResendsAndHandlesFailures) {
  const std::vector<json> sample = sample_lines();
  fs::create_directories(dir_ / "pool");
  std::string day1;
  for (size_t i = 0; i < 25; ++i) day1 += sample[i].dump() + "\n";
  write_file(dir_ / "pool" / "2025-01-01.jsonl", day1);
  // docs/cron.md shows the script that is tested here, verbatim.
  const std::string script_text =
      read_file(std::string(ALSEL_SOURCE_DIR) + "/scripts/nightly_select.sh");
  ASSERT_FALSE(script_text.empty());
  EXPECT_NE(read_file(std::string(ALSEL_SOURCE_DIR) + "/docs/cron.md").find(script_text),
            std::string::npos)
      << "docs/cron.md is out of date with scripts/nightly_select.sh";
  const std::string script =
      shell_quote(std::string(ALSEL_SOURCE_DIR) + "/scripts/nightly_select.sh");
  const auto night = [&](const std::string& date, const std::string& extra_env = "") {
    return run_shell(
        "env POOL_DIR=" + shell_quote(path("pool")) + " OUT_DIR=" + shell_quote(path("out")) +
            " ALSEL_MODEL=" + shell_quote(model()) + " ALSEL_BIN=" + shell_quote(ALSEL_BINARY) +
            " K=8 STOP_SET=none NIGHT=" + date + " " + extra_env + " " + script,
        dir_);
  };
  RunResult r = night("2025-01-01");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json first = json::parse(read_file(path("out/2025-01-01/batch.json")));
  ASSERT_EQ(first.size(), 8u);
  EXPECT_TRUE(fs::exists(path("out/2025-01-01/batch.json.manifest.json")));
  EXPECT_TRUE(fs::exists(path("out/2025-01-01/report.html")));

  // The pool grows; the second night must not resend anything.
  std::string day2;
  for (size_t i = 25; i < sample.size(); ++i) day2 += sample[i].dump() + "\n";
  write_file(dir_ / "pool" / "2025-01-02.jsonl", day2);
  r = night("2025-01-02");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json second = json::parse(read_file(path("out/2025-01-02/batch.json")));
  ASSERT_EQ(second.size(), 8u);
  std::set<std::string> sent;
  for (const json& task : first) sent.insert(task["data"]["id"].get<std::string>());
  for (const json& task : second)
    EXPECT_EQ(sent.count(task["data"]["id"].get<std::string>()), 0u) << task["data"]["id"];
  const std::vector<std::string> history = [&] {
    std::vector<std::string> lines;
    std::istringstream in(read_file(path("out/history.tsv")));
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }();
  ASSERT_EQ(history.size(), 3u);  // header + two nights
  EXPECT_EQ(history[2].rfind("2025-01-02\t40\t32\t8\t0\t8\t", 0), 0u) << history[2];

  // A failing night (broken model) exits with alsel's code and publishes nothing.
  r = night("2025-01-03", "ALSEL_MODEL=" + shell_quote(path("missing.pt")));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("FAILED (exit 4)"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("out/2025-01-03")));
  EXPECT_FALSE(fs::exists(path("out/.2025-01-03.partial")));
  // Bad settings and a held lock have their own codes.
  r = run_shell("env POOL_DIR=" + shell_quote(path("nowhere")) +
                    " OUT_DIR=" + shell_quote(path("out")) + " " + script,
                dir_);
  EXPECT_EQ(r.exit_code, 11) << r.err;
  r = run_shell("flock " + shell_quote(path("out/.nightly.lock")) + " env POOL_DIR=" +
                    shell_quote(path("pool")) + " OUT_DIR=" + shell_quote(path("out")) +
                    " ALSEL_BIN=" + shell_quote(ALSEL_BINARY) + " " + script,
                dir_);
  EXPECT_EQ(r.exit_code, 10) << r.err;

  // With ALSEL_CONFIG the settings come from the file (docs/cron.md): no K or FORMAT needed.
  write_file(dir_ / "nightly.toml", "[select]\nmodel = \"" + model() + "\"\nk = 4\nformat = \"jsonl\"\n");
  const auto configured = [&](const std::string& date, const std::string& config) {
    return run_shell("env -u K -u FORMAT -u ALSEL_MODEL POOL_DIR=" + shell_quote(path("pool")) +
                         " OUT_DIR=" + shell_quote(path("out")) + " ALSEL_BIN=" + shell_quote(ALSEL_BINARY) +
                         " ALSEL_CONFIG=" + shell_quote(config) + " STOP_SET=none NIGHT=" + date + " " + script,
                     dir_);
  };
  r = configured("2025-01-04", path("nightly.toml"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_jsonl(read_file(path("out/2025-01-04/batch.jsonl"))).size(), 4u);
  const json manifest = json::parse(read_file(path("out/2025-01-04/batch.jsonl.manifest.json")));
  EXPECT_EQ(manifest["config_file"]["path"], path("nightly.toml")) << manifest["config_file"];
  // A misspelt key fails the night before anything is written (alsel's usage error, 2).
  write_file(dir_ / "typo.toml", "[select]\nmodel = \"" + model() + "\"\nkk = 4\n");
  r = configured("2025-01-05", path("typo.toml"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("typo.toml:3: unknown key 'kk' in [select]"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("out/2025-01-05")));
  EXPECT_FALSE(fs::exists(path("out/.2025-01-05.partial")));
}

// The stop set of the nightly job (docs/cron.md, when to stop): made once, never sent, scored by
// each new model; consecutive models compared with alsel agreement, the rule checked over the
// history, the report in the manifest, the suggestion logged.
TEST_F(AnnotationLoopTest, NightlyStopSetComparesEachNewModelAndSuggestsStopping) {
  const std::vector<json> sample = sample_lines();
  fs::create_directories(dir_ / "pool");
  std::string lines;
  for (const json& line : sample) lines += line.dump() + "\n";
  write_file(dir_ / "pool" / "pool.jsonl", lines);
  const std::string script = shell_quote(std::string(ALSEL_SOURCE_DIR) + "/scripts/nightly_select.sh");
  // Two copies of the softmax model that differ in their bytes only: a "retrained" model with the
  // same predictions, so consecutive nights agree fully.
  const std::string softmax = (tiny_model_dir() / "tiny-softmax.pt").string();
  for (const char* copy : {"retrained-1.pt", "retrained-2.pt"}) {
    fs::copy_file(softmax, path(copy));
    std::ofstream(path(copy), std::ios::binary | std::ios::app) << copy;
  }
  const auto night = [&](const std::string& date, const std::string& model_path) {
    return run_shell("env -u STOP_SET POOL_DIR=" + shell_quote(path("pool")) + " OUT_DIR=" + shell_quote(path("out")) +
                         " ALSEL_MODEL=" + shell_quote(model_path) + " ALSEL_BIN=" + shell_quote(ALSEL_BINARY) +
                         " K=5 FORMAT=jsonl STOP_SET_SIZE=6 STOP_WINDOW=2 STOP_KAPPA=0.99 NIGHT=" + date + " " + script,
                     dir_);
  };
  RunResult r = night("2025-02-01", model());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<json> stop_set = parse_jsonl(read_file(path("out/stopset.jsonl")));
  ASSERT_EQ(stop_set.size(), 6u);
  EXPECT_EQ(read_file(path("out/stopset.jsonl.sha256")).substr(0, 64), sha256_hex(read_file(path("out/stopset.jsonl"))));
  EXPECT_FALSE(fs::exists(path("out/2025-02-01/agreement.json"))) << "the first model has nothing to compare with";
  std::set<std::string> stop_ids;
  for (const json& line : stop_set) stop_ids.insert(line["id"].get<std::string>());
  // A new model: compared, kappa below 1, no stop (one comparison of the two the rule needs).
  r = night("2025-02-02", softmax);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json first = json::parse(read_file(path("out/2025-02-02/agreement.json")));
  EXPECT_LT(first["kappa"].get<double>(), 0.99);
  EXPECT_FALSE(first["rule"]["stop"].get<bool>());
  const json manifest = json::parse(read_file(path("out/2025-02-02/batch.jsonl.manifest.json")));
  EXPECT_EQ(manifest["stopping_rule"]["kappa"], first["kappa"]);
  // The same model again: nothing to compare.
  r = night("2025-02-03", softmax);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(path("out/2025-02-03/agreement.json")));
  // Two retrainings that change nothing: kappa 1 twice, the mean of the last two reaches 0.99.
  r = night("2025-02-04", path("retrained-1.pt"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(json::parse(read_file(path("out/2025-02-04/agreement.json")))["rule"]["stop"].get<bool>());
  r = night("2025-02-05", path("retrained-2.pt"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json last = json::parse(read_file(path("out/2025-02-05/agreement.json")));
  EXPECT_DOUBLE_EQ(last["kappa"].get<double>(), 1.0);
  EXPECT_TRUE(last["rule"]["stop"].get<bool>());
  EXPECT_NE(r.err.find("STOP SUGGESTED"), std::string::npos) << r.err;
  EXPECT_EQ(parse_jsonl(read_file(path("out/stop/kappa.jsonl"))).size(), 3u);
  // No night ever sent a stop-set sentence.
  for (const char* date : {"2025-02-01", "2025-02-02", "2025-02-03", "2025-02-04", "2025-02-05"}) {
    for (const json& line : parse_jsonl(read_file(path(std::string("out/") + date + "/batch.jsonl")))) {
      EXPECT_EQ(stop_ids.count(line["id"].get<std::string>()), 0u) << date << " sent " << line["id"];
    }
  }
  // A stop set changed by hand is refused: kappa would compare other sentences.
  write_file(path("out/stopset.jsonl"), read_file(path("out/stopset.jsonl")) + sample.back().dump() + "\n");
  r = night("2025-02-06", softmax);
  EXPECT_EQ(r.exit_code, 11) << r.err;
  EXPECT_NE(r.err.find("stop set"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("out/2025-02-06")));
}

}  // namespace
}  // namespace alsel::testing
