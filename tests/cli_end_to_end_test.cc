// End-to-end tests: the real alsel binary on real TorchScript models made by
// scripts/make_tiny_model.py (random weights, real libtorch), on real files.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alsel/util/utf8.h"
#include "cli_test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace alsel::testing;

namespace {

class CliTest : public TempDirTest {
 protected:
  std::string model(const std::string& name) const { return (tiny_model_dir() / name).string(); }
  std::string sample_pool() const { return std::string(ALSEL_SOURCE_DIR) + "/data/sample_pool.jsonl"; }
  fs::path tiny_dir() const { return tiny_model_dir(); }

  // alsel score's measures against the Python reference written beside the model (make_tiny_model.py).
  void expect_measures_match_reference(const std::string& model_file, const std::string& reference) {
    ASSERT_EQ(run({"score", "-m", model(model_file), "-p", sample_pool(), "-o", path("scores.jsonl")}).exit_code, 0);
    std::map<std::string, json> by_id;
    for (json& line : parse_jsonl(read_file(path("scores.jsonl")))) by_id[line["id"]] = line;
    const json expected = json::parse(read_file(tiny_dir() / reference));
    ASSERT_GE(expected["sentences"].size(), 10u);
    for (const json& sentence : expected["sentences"]) {
      const json& got = by_id.at(sentence["id"].get<std::string>());
      EXPECT_EQ(got["num_words"].get<size_t>(), sentence["path"].size()) << sentence["id"];
      for (const char* key : {"nlc", "trimmed", "mnlp", "entropy", "ltp"}) {
        EXPECT_NEAR(got[key].get<double>(), sentence["measures"][key].get<double>(), 1e-4)
            << model_file << " " << sentence["id"] << " " << key;
      }
    }
  }
};

// Entity spans must index the text in code points.
void expect_entities_match_text(const json& line) {
  const std::u32string text = alsel::decode_utf8(line["text"].get<std::string>());
  for (const json& entity : line["entities"]) {
    const int start = entity["start"], end = entity["end"];
    ASSERT_LE(0, start);
    ASSERT_LT(start, end);
    ASSERT_LE(end, static_cast<int>(text.size()));
    EXPECT_EQ(alsel::encode_utf8(text.substr(start, end - start)), entity["text"].get<std::string>())
        << line["id"];
    EXPECT_GE(entity["confidence"].get<double>(), 0.0);
    EXPECT_LE(entity["confidence"].get<double>(), 1.0);
  }
}

TEST_F(CliTest, SelectWritesTopKBestFirstWithEntities) {
  RunResult r = run({"select", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "-s", "ltp", "-k", "7", "-o",
                  path("out.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> lines = parse_jsonl(read_file(path("out.jsonl")));
  ASSERT_EQ(lines.size(), 7u);
  for (size_t i = 0; i < lines.size(); ++i) {
    for (const char* key : {"id", "text", "rank", "score", "strategy", "nlc", "trimmed", "mnlp", "entropy", "ltp",
                            "unknown_entities", "entities"}) {
      EXPECT_TRUE(lines[i].contains(key)) << "line " << i << " lacks " << key;
    }
    EXPECT_EQ(lines[i]["rank"], static_cast<int>(i) + 1);
    EXPECT_EQ(lines[i]["strategy"], "ltp");
    EXPECT_NEAR(lines[i]["score"].get<double>(), 1.0 - lines[i]["ltp"].get<double>(), 1e-12);
    if (i > 0) {
      EXPECT_GE(lines[i - 1]["score"].get<double>(), lines[i]["score"].get<double>()) << i;
    }
    expect_entities_match_text(lines[i]);
  }
  EXPECT_NE(r.err.find("read 40, scored 40, rejected 0"), std::string::npos) << r.err;
}

TEST_F(CliTest, SameInputsGiveByteIdenticalOutput) {
  for (const char* strategy : {"ltp", "random", "entropy"}) {
    const std::vector<std::string> args = {"select", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "-s", strategy,
                                           "-k", "40"};
    std::vector<std::string> first = args, second = args;
    first.insert(first.end(), {"-o", path("a.jsonl")});
    second.insert(second.end(), {"-o", path("b.jsonl")});
    ASSERT_EQ(run(first).exit_code, 0);
    ASSERT_EQ(run(second).exit_code, 0);
    const std::string a = read_file(path("a.jsonl"));
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a, read_file(path("b.jsonl"))) << strategy;
  }
}

TEST_F(CliTest, BatchingChangesNoScoreBeyondFloatNoise) {
  ASSERT_EQ(run({"score", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "-o", path("a.jsonl")}).exit_code, 0);
  ASSERT_EQ(run({"score", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "-o", path("b.jsonl"), "--batch-tokens",
                 "30"}).exit_code, 0);
  std::vector<json> a = parse_jsonl(read_file(path("a.jsonl"))), b = parse_jsonl(read_file(path("b.jsonl")));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["id"], b[i]["id"]);
    for (const char* key : {"nlc", "mnlp", "entropy", "ltp"}) {
      EXPECT_NEAR(a[i][key].get<double>(), b[i][key].get<double>(), 1e-5) << a[i]["id"] << " " << key;
    }
  }
}

TEST_F(CliTest, SelectionOrderEqualsScoreFileRankedByStrategy) {
  ASSERT_EQ(run({"score", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "-o", path("scores.jsonl")}).exit_code, 0);
  ASSERT_EQ(run({"select", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "-s", "mnlp", "-k", "100", "-o",
                 path("sel.jsonl")}).exit_code, 0);
  std::vector<json> scores = parse_jsonl(read_file(path("scores.jsonl")));
  std::vector<json> selected = parse_jsonl(read_file(path("sel.jsonl")));
  ASSERT_EQ(scores.size(), 40u);
  ASSERT_EQ(selected.size(), 40u);
  std::vector<size_t> order(scores.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return -scores[a]["mnlp"].get<double>() > -scores[b]["mnlp"].get<double>();
  });
  for (size_t i = 0; i < order.size(); ++i) {
    EXPECT_EQ(selected[i]["id"], scores[order[i]]["id"]) << "rank " << i + 1;
  }
}

TEST_F(CliTest, ScoreMeasuresAgreeWithIndependentForwardBackward) {
  expect_measures_match_reference("tiny-crf.pt", "emissions.json");
}

// A model's integer buffers (a lexicon's int32 hash keys, uint8 classes) stay integers when alsel
// loads it: converted to float, the keys lost their low bits and no dictionary word matched.
TEST_F(CliTest, LexiconModelScoresAsInPython) {
  const json expected = json::parse(read_file(tiny_dir() / "lexicon-emissions.json"));
  ASSERT_GT(expected["lexicon_features_fired"].get<int>(), 50) << "the dictionary must fire on the samples";
  expect_measures_match_reference("tiny-lexicon.pt", "lexicon-emissions.json");
}

TEST_F(CliTest, SoftmaxModelWithoutCrfUsesSoftmaxOfEmissions) {
  ASSERT_EQ(run({"score", "-m", model("tiny-softmax.pt"), "-p", sample_pool(), "-o", path("s.jsonl")}).exit_code, 0);
  std::map<std::string, json> by_id;
  for (json& line : parse_jsonl(read_file(path("s.jsonl")))) by_id[line["id"]] = line;
  const json expected = json::parse(read_file(tiny_dir() / "emissions.json"));
  for (const json& sentence : expected["sentences"]) {
    // nlc and ltp of softmax(emissions) with argmax decoding, computed here.
    double sum_top = 0, lowest = 1;
    for (const json& row : sentence["emissions"]) {
      std::vector<double> scores = row.get<std::vector<double>>();
      const double top = *std::max_element(scores.begin(), scores.end());
      double z = 0;
      for (double s : scores) z += std::exp(s - top);
      sum_top += 1.0 / z;
      lowest = std::min(lowest, 1.0 / z);
    }
    const json& got = by_id.at(sentence["id"].get<std::string>());
    EXPECT_NEAR(got["nlc"].get<double>(), sum_top / sentence["emissions"].size(), 1e-4) << sentence["id"];
    EXPECT_NEAR(got["ltp"].get<double>(), lowest, 1e-4) << sentence["id"];
  }
  RunResult info = run({"info", "-m", model("tiny-softmax.pt")});
  EXPECT_NE(info.out.find("crf:         no"), std::string::npos) << info.out;
}

TEST_F(CliTest, ProbsSoftmaxOnCrfModelChangesProbabilities) {
  ASSERT_EQ(run({"score", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "-o", path("m.jsonl")}).exit_code, 0);
  ASSERT_EQ(run({"score", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "--probs", "softmax", "-o",
                 path("s.jsonl")}).exit_code, 0);
  EXPECT_NE(read_file(path("m.jsonl")), read_file(path("s.jsonl")));
}

TEST_F(CliTest, LongSentencesAreScoredWholeThroughWindows) {
  // max_len of the tiny model is 24: these sentences need several windows.
  std::string long_text;
  for (int i = 0; i < 12; ++i) long_text += "北京大学的张伟在上海工作。";
  write_file(path("long.jsonl"), json({{"id", "long"}, {"text", long_text}}).dump() + "\n" +
                                     json({{"id", "short"}, {"text", "张伟"}}).dump() + "\n");
  RunResult r = run({"select", "-m", model("tiny-crf.pt"), "-p", path("long.jsonl"), "-k", "2", "-o", path("o.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(run({"score", "-m", model("tiny-crf.pt"), "-p", path("long.jsonl"), "-o", path("s.jsonl")}).exit_code, 0);
  std::vector<json> scores = parse_jsonl(read_file(path("s.jsonl")));
  ASSERT_EQ(scores.size(), 2u);
  EXPECT_EQ(scores[0]["num_words"].get<size_t>(), alsel::decode_utf8(long_text).size());
  for (const json& line : parse_jsonl(read_file(path("o.jsonl")))) expect_entities_match_text(line);
}

TEST_F(CliTest, BadLinesAreRejectedWithReasonAndNothingIsLost) {
  const std::string pool =
      "\xEF\xBB\xBF{\"id\": \"a\", \"text\": \"张伟在北京。\", \"extra\": [1, 2]}\r\n"  // 1 BOM, CRLF, extra
      "{\"id\": 7, \"text\": \"上海很大。\"}\n"                                       // 2 numeric id
      "not json\n"                                                                    // 3
      "[1, 2]\n"                                                                      // 4 not an object
      "{\"id\": \"b\"}\n"                                                             // 5 no text
      "{\"id\": \"c\", \"text\": 5}\n"                                                // 6 non-string text
      "{\"id\": \"d\", \"text\": \"\"}\n"                                             // 7 empty text
      "{\"id\": \"e\", \"text\": \"bad \xFF byte\"}\n"                                // 8 invalid UTF-8
      "{\"id\": \"a\", \"text\": \"重复。\"}\n"                                       // 9 duplicate id
      "\n"                                                                            // blank: skipped
      "{\"id\": \"f\", \"text\": \"\\u0001\\u0002\"}\n"                               // 11 no tokens
      "{\"id\": \"g\", \"text\": \"李娜。\"}\n";                                      // 12
  write_file(path("pool.jsonl"), pool);
  RunResult r = run({"score", "-m", model("tiny-crf.pt"), "-p", path("pool.jsonl"), "-o", path("s.jsonl"), "--rejects",
                  path("rejects.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> scored = parse_jsonl(read_file(path("s.jsonl")));
  std::vector<json> rejects = parse_jsonl(read_file(path("rejects.jsonl")));
  ASSERT_EQ(scored.size(), 3u);
  EXPECT_EQ(scored[0]["id"], "a");
  EXPECT_EQ(scored[1]["id"], "7");
  EXPECT_EQ(scored[2]["id"], "g");
  std::vector<int> lines;
  for (const json& reject : rejects) {
    lines.push_back(reject["line"]);
    EXPECT_FALSE(reject["reason"].get<std::string>().empty());
    EXPECT_EQ(reject["file"], path("pool.jsonl"));
    // Every rejected line is also named on stderr as FILE:LINE.
    EXPECT_NE(r.err.find(path("pool.jsonl") + ":" + std::to_string(reject["line"].get<int>()) + ":"),
              std::string::npos) << r.err;
  }
  EXPECT_EQ(lines, (std::vector<int>{3, 4, 5, 6, 7, 8, 9, 11}));
  EXPECT_NE(r.err.find("read 11, scored 3, rejected 8"), std::string::npos) << r.err;
  EXPECT_NE(rejects[6]["reason"].get<std::string>().find("duplicate"), std::string::npos);
}

TEST_F(CliTest, StrictStopsAtFirstBadLineAndLeavesNoOutput) {
  write_file(path("pool.jsonl"), "{\"id\": \"a\", \"text\": \"张伟。\"}\n{\"id\": \"b\", \"text\": 3}\n");
  RunResult r = run({"select", "-m", model("tiny-crf.pt"), "-p", path("pool.jsonl"), "--strict", "-o", path("o.jsonl")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find(path("pool.jsonl") + ":2"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("o.jsonl")));
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

TEST_F(CliTest, TextFormatFromStdinUsesLineNumbersAsIds) {
  write_file(path("pool.txt"), "张伟在北京。\n\n李娜在上海。\n");
  RunResult r = run({"score", "-m", model("tiny-crf.pt"), "-p", "-", "--input-format", "text"}, path("pool.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> lines = parse_jsonl(r.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["id"], "1");
  EXPECT_EQ(lines[1]["id"], "3");
}

TEST_F(CliTest, ModelsBreakingTheContractAreRefusedWithAReason) {
  struct Case {
    std::vector<std::string> model_args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"-m", model("not-torchscript.pt")}, "not a loadable TorchScript"},
      {{"-m", path("missing.pt")}, "does not exist"},
      {{"-m", model("bad-rank.pt")}, "rank 3"},
      {{"-m", model("bad-labels.pt")}, "7 scores per token but 5 labels"},
      {{"-m", model("bad-crf.pt")}, "transitions has shape [7, 8]"},
      {{"-m", model("tiny-novocab.pt")}, "--labels"},
      {{"-m", model("tiny-novocab.pt"), "--labels", model("tiny-labels.txt")}, "--vocab"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"select", "-p", sample_pool(), "-o", path("o.jsonl")};
    args.insert(args.end(), c.model_args.begin(), c.model_args.end());
    RunResult r = run(args);
    EXPECT_EQ(r.exit_code, 4) << c.model_args[1] << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.model_args[1] << "\n" << r.err;
    EXPECT_FALSE(fs::exists(path("o.jsonl")));
  }
}

TEST_F(CliTest, VocabAndLabelsFlagsServeThirdPartyExports) {
  RunResult r = run({"score", "-m", model("tiny-novocab.pt"), "--vocab", model("tiny-vocab.txt"), "--labels",
                  model("tiny-labels.txt"), "-p", sample_pool(), "-o", path("a.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(run({"score", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "-o", path("b.jsonl")}).exit_code, 0);
  EXPECT_EQ(read_file(path("a.jsonl")), read_file(path("b.jsonl")));
}

TEST_F(CliTest, UsageErrorsExitWithTwoAndSayWhy) {
  RunResult r = run({"select", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "-s", "nope"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ltp-unk"), std::string::npos) << r.err;  // lists the valid names
  r = run({"select", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "--device", "cuda"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("CUDA"), std::string::npos) << r.err;
  r = run({"select", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2);
  r = run({"select", "-m", model("tiny-crf.pt"), "-p", path("absent.jsonl")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("absent.jsonl"), std::string::npos) << r.err;
}

TEST_F(CliTest, OutputInMissingDirectoryIsAnOutputError) {
  RunResult r = run({"select", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "-o", path("no/such/dir/o.jsonl")});
  EXPECT_EQ(r.exit_code, 5) << r.err;
}

TEST_F(CliTest, InfoStrategiesAndVersion) {
  RunResult r = run({"info", "-m", model("tiny-crf.pt"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json info = json::parse(r.out);
  EXPECT_EQ(info["labels"].size(), 7u);
  EXPECT_EQ(info["max_len"], 24);
  EXPECT_TRUE(info["crf"].get<bool>());
  EXPECT_GT(info["parameters"].get<long>(), 1000);
  r = run({"strategies"});
  ASSERT_EQ(r.exit_code, 0);
  for (const char* name : {"nlc", "trimmed", "mnlp", "entropy", "ltp", "ltp-unk", "random"}) {
    EXPECT_NE(r.out.find(std::string(name) + " "), std::string::npos) << name;
  }
  r = run({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("alsel "), std::string::npos);
}

TEST_F(CliTest, LabeledEntitiesAreKnownToLtpUnk) {
  ASSERT_EQ(run({"score", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "-o", path("a.jsonl")}).exit_code, 0);
  std::vector<json> before = parse_jsonl(read_file(path("a.jsonl")));
  // Label every predicted entity as gold in a doccano file: none is unknown any more.
  std::string labeled;
  size_t entities = 0;
  for (const json& line : before) {
    json spans = json::array();
    std::string text;
    for (const json& entity : line["entities"]) {
      text += entity["text"].get<std::string>();
      ++entities;
    }
    int offset = 0;
    for (const json& entity : line["entities"]) {
      const int length = static_cast<int>(alsel::decode_utf8(entity["text"].get<std::string>()).size());
      spans.push_back({offset, offset + length, entity["label"]});
      offset += length;
    }
    if (!text.empty()) labeled += json({{"text", text}, {"label", spans}}).dump() + "\n";
  }
  ASSERT_GT(entities, 0u) << "the tiny model predicted no entities";
  write_file(path("labeled.jsonl"), labeled);
  ASSERT_EQ(run({"score", "-m", model("tiny-crf.pt"), "-p", sample_pool(), "--labeled", path("labeled.jsonl"), "-o",
                 path("b.jsonl")}).exit_code, 0);
  size_t unknown_before = 0;
  for (const json& line : before) unknown_before += line["unknown_entities"].get<size_t>();
  EXPECT_EQ(unknown_before, entities);
  for (const json& line : parse_jsonl(read_file(path("b.jsonl")))) EXPECT_EQ(line["unknown_entities"], 0);
}

TEST_F(CliTest, InterruptLeavesNoOutputOrTempFile) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string model_path = model("tiny-crf.pt"), out_path = path("o.jsonl");
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(ALSEL_BINARY, ALSEL_BINARY, "score", "-q", "-m", model_path.c_str(), "-p", "-", "-o", out_path.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[0]);
  const std::string line = "{\"id\": \"a\", \"text\": \"张伟。\"}\n";
  ASSERT_EQ(write(fds[1], line.data(), line.size()), static_cast<ssize_t>(line.size()));
  // alsel now waits for more input with its temp output open.
  bool temp_seen = false;
  for (int i = 0; i < 100 && !temp_seen; ++i) {
    usleep(50000);
    for (const auto& entry : fs::directory_iterator(dir_)) {
      temp_seen |= entry.path().filename().string().find(".tmp") != std::string::npos;
    }
  }
  EXPECT_TRUE(temp_seen) << "alsel did not open its temp output";
  kill(child, SIGINT);
  int status = 0;
  waitpid(child, &status, 0);
  close(fds[1]);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_FALSE(fs::exists(out_path));
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

}  // namespace
