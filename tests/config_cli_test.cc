// End-to-end tests of the operational flags through the real binary: --config FILE (CLI11's
// TOML reader, flags winning), --print-config, the manifest's record of the config file,
// --log-format json on stderr, and which model `alsel info` found and why.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alsel/util/sha256.h"
#include "cli_test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace alsel::testing;

namespace {

class ConfigCliTest : public TempDirTest {
 protected:
  std::string model() const { return (tiny_model_dir() / "tiny-crf.pt").string(); }
  std::string sample_pool() const { return std::string(ALSEL_SOURCE_DIR) + "/data/sample_pool.jsonl"; }
  // A config file whose [select] table runs a whole selection.
  std::string write_select_config(const std::string& extra = "", int k = 3) {
    write_file(path("c.toml"), "# test config\nverbose = 0\n\n[select]\nmodel = \"" + model() + "\"\npool = [\"" +
                                   sample_pool() + "\"]\nk = " + std::to_string(k) + "\nout = \"" +
                                   path("batch.jsonl") + "\"\nprogress = \"none\"\n" + extra);
    return path("c.toml");
  }
  size_t batch_lines() { return parse_jsonl(read_file(path("batch.jsonl"))).size(); }
};

TEST_F(ConfigCliTest, ConfigFileAloneRunsItsSubcommand) {
  RunResult r = run({"--config", write_select_config()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(batch_lines(), 3u);
}

TEST_F(ConfigCliTest, CommandLineFlagsWinOverTheFile) {
  const std::string config = write_select_config("strategy = \"entropy\"\n");
  RunResult r = run({"--config", config, "select", "-k", "5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> lines = parse_jsonl(read_file(path("batch.jsonl")));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["strategy"], "entropy");  // from the file
  // --config after the subcommand works the same, and a flag beats the file's strategy.
  r = run({"select", "--config", config, "-k", "4", "-s", "ltp"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  lines = parse_jsonl(read_file(path("batch.jsonl")));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["strategy"], "ltp");
}

TEST_F(ConfigCliTest, PrintConfigWritesAConfigThatReproducesTheRun) {
  const std::string config = write_select_config("dedupe = \"exact\"\n");
  RunResult r = run({"--config", config, "select", "-k", "4", "--print-config=" + path("effective.toml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(path("batch.jsonl"))) << "--print-config must not run the selection";
  const std::string effective = read_file(path("effective.toml"));
  for (const char* line : {"\n[select]\n", "\nk = 4\n", "\ndedupe = \"exact\"\n", "\nstrategy = \"ltp\"\n",
                           "\nlog-format = \"text\"\n"}) {
    EXPECT_NE(effective.find(line), std::string::npos) << line << " missing in:\n" << effective;
  }
  EXPECT_EQ(effective.find("print-config"), std::string::npos) << effective;

  r = run({"--config", path("effective.toml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string from_printed = read_file(path("batch.jsonl"));
  EXPECT_EQ(parse_jsonl(from_printed).size(), 4u);
  r = run({"--config", config, "select", "-k", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(path("batch.jsonl")), from_printed);

  // Without a file: to stdout.
  r = run({"select", "-p", sample_pool(), "--print-config"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pool = [\"" + sample_pool() + "\"]"), std::string::npos) << r.out;
}

TEST_F(ConfigCliTest, UnknownKeyIsAnErrorWithFileAndLine) {
  const std::string config = write_select_config("near-treshold = 0.5\n");
  RunResult r = run({"--config", config});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(config + ":10: unknown key 'near-treshold' in [select]"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("batch.jsonl")));

  write_file(path("top.toml"), "k = 3\n");
  r = run({"--config", path("top.toml"), "select", "-p", sample_pool()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(path("top.toml") + ":1: unknown key 'k' outside a table"), std::string::npos) << r.err;
}

TEST_F(ConfigCliTest, BadValuesAndFilesAreUsageErrorsNamingTheFile) {
  RunResult r = run({"--config", write_select_config("dedupe = \"fuzzy\"\n")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(path("c.toml") + ":10: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fuzzy"), std::string::npos) << r.err;

  write_file(path("broken.toml"), "[select\nk = 3\n");
  r = run({"--config", path("broken.toml")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(path("broken.toml") + ":1: cannot read '[select'"), std::string::npos) << r.err;

  r = run({"--config", path("missing.toml"), "select", "-p", sample_pool()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("missing.toml"), std::string::npos) << r.err;
}

TEST_F(ConfigCliTest, ManifestRecordsTheConfigFileAndItsSha256) {
  const std::string config = write_select_config();
  RunResult r = run({"--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json manifest = json::parse(read_file(path("batch.jsonl.manifest.json")));
  ASSERT_TRUE(manifest["config_file"].is_object()) << manifest.dump(1);
  EXPECT_EQ(manifest["config_file"]["path"], config);
  EXPECT_EQ(manifest["config_file"]["sha256"], alsel::sha256_hex(read_file(config)));

  r = run({"select", "-m", model(), "-p", sample_pool(), "-k", "2", "-o", path("plain.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(json::parse(read_file(path("plain.jsonl.manifest.json")))["config_file"].is_null());
}

TEST_F(ConfigCliTest, ShippedExampleConfigIsValid) {
  const std::string example = std::string(ALSEL_SOURCE_DIR) + "/examples/nightly.toml";
  RunResult r = run({"--config", example, "select", "-p", sample_pool(), "--print-config"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\nk = 500\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nformat = \"label-studio\"\n"), std::string::npos) << r.out;
}

// Every stderr line of a run with --log-format json is one JSON object, the reject warnings
// carry file, line and id, the summary its counts, progress lines their numbers.
TEST_F(ConfigCliTest, JsonLogsParseLineByLineWithFields) {
  std::string pool = read_file(sample_pool());
  pool += "{\"id\": \"broken\", \"text\": \n";        // invalid JSON
  pool += "{\"id\": \"empty-1\", \"text\": \"\"}\n";  // empty text, id known
  write_file(path("pool.jsonl"), pool);
  RunResult r = run({"--log-format", "json", "select", "-m", model(), "-p", path("pool.jsonl"), "-k", "3", "-o",
                     path("batch.jsonl"), "--progress", "log", "--progress-interval", "0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> lines;
  std::istringstream in(r.err);
  for (std::string line; std::getline(in, line);) {
    ASSERT_NO_THROW(lines.push_back(json::parse(line))) << "not JSON: " << line;
    ASSERT_TRUE(lines.back().is_object()) << line;
    for (const char* key : {"time", "level", "message"}) EXPECT_TRUE(lines.back().contains(key)) << line;
  }
  ASSERT_GE(lines.size(), 4u) << r.err;
  std::set<size_t> rejected_lines;
  bool summary = false;
  int progress_lines = 0, most_lines_done = 0;
  for (const json& line : lines) {
    if (line["level"] == "warning" && line.contains("line")) {
      EXPECT_EQ(line["file"], path("pool.jsonl")) << line;
      rejected_lines.insert(line["line"].get<size_t>());
      if (line["line"] == 42) {
        EXPECT_EQ(line["id"], "empty-1") << line;
      }
    }
    if (line.contains("counts")) {
      summary = true;
      EXPECT_EQ(line["counts"]["read"], 42) << line;
      EXPECT_EQ(line["counts"]["rejected"], 2) << line;
      EXPECT_EQ(line["counts"]["selected"], 3) << line;
    }
    if (line.contains("progress")) {
      ++progress_lines;
      EXPECT_EQ(line["progress"]["total_lines"], 42) << line;
      most_lines_done = std::max(most_lines_done, line["progress"]["lines_done"].get<int>());
    }
  }
  EXPECT_EQ(rejected_lines, (std::set<size_t>{41, 42})) << r.err;
  EXPECT_TRUE(summary) << r.err;
  EXPECT_GT(progress_lines, 0) << r.err;
  EXPECT_GT(most_lines_done, 0) << r.err;

  // A failing run ends with a JSON error line carrying the exit code.
  r = run({"--log-format", "json", "select", "-m", model(), "-p", path("nowhere.jsonl")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  std::istringstream failed(r.err);
  json last;
  for (std::string line; std::getline(failed, line);) ASSERT_NO_THROW(last = json::parse(line)) << line;
  EXPECT_EQ(last["level"], "error") << r.err;
  EXPECT_EQ(last["exit_code"], 3) << r.err;

  // So does a usage error of the command line itself.
  r = run({"select", "-p", sample_pool(), "--log-format=json", "--dedupe", "fuzzy"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  ASSERT_NO_THROW(last = json::parse(r.err)) << r.err;
  EXPECT_EQ(last["exit_code"], 2) << r.err;
  EXPECT_NE(last["message"].get<std::string>().find("fuzzy"), std::string::npos) << r.err;
}

TEST_F(ConfigCliTest, TextLogsStayTheDefault) {
  RunResult r = run({"select", "-m", model(), "-p", sample_pool(), "-k", "2", "-o", path("batch.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("alsel: info: select: read 40"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('{'), std::string::npos) << r.err;
}

TEST_F(ConfigCliTest, InfoSaysWhichModelItUsedAndWhy) {
  RunResult r = run({"info", "--json", "-m", model()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["path_source"], "--model");

  const std::string binary = shell_quote(alsel_binary());
  r = run_shell("env ALSEL_MODEL=" + shell_quote(model()) + " " + binary + " info --json", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["path"], model());
  EXPECT_EQ(json::parse(r.out)["path_source"], "ALSEL_MODEL (environment)");

  // Neither: the shipped model beside the binary (build/models links to the sources' models/).
  r = run_shell("env -u ALSEL_MODEL " + binary + " info", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("found by:    build tree: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("msra-bert3-crf.pt"), std::string::npos) << r.out;
}

}  // namespace
