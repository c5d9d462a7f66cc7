// Helpers for tests that run the real alsel binary (ALSEL_BINARY) on real files.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace alsel::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

inline std::string shell_quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

inline std::vector<nlohmann::json> parse_jsonl(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

// Cohen's kappa of the words' tags of two `alsel score` outputs of one stop set (lines in the
// same order), computed here, independently of alsel's agreement code.
inline double kappa_of_score_lines(const std::vector<nlohmann::json>& a, const std::vector<nlohmann::json>& b) {
  std::map<std::string, double> rows, columns;
  double total = 0, same = 0;
  for (size_t s = 0; s < a.size() && s < b.size(); ++s) {
    for (size_t w = 0; w < a[s]["tags"].size(); ++w) {
      const std::string x = a[s]["tags"][w], y = b[s]["tags"][w];
      rows[x] += 1;
      columns[y] += 1;
      total += 1;
      same += x == y;
    }
  }
  double chance = 0;
  for (const auto& [label, count] : rows) chance += count / total * (columns[label] / total);
  return chance >= 1 ? 1.0 : (same / total - chance) / (1 - chance);
}

// The shared data directory (../shared next to the source tree, or $ALSEL_SHARED_DIR).
inline std::filesystem::path shared_dir() {
  if (const char* from_env = std::getenv("ALSEL_SHARED_DIR")) return from_env;
  return std::filesystem::path(ALSEL_SOURCE_DIR) / ".." / "shared";
}

// Copies sentences [from, to) of a BIO file (sentences end at an empty line) to out_path, so that
// tests convert slices of ../shared data on the fly instead of storing them.
inline void write_bio_slice(const std::filesystem::path& bio, int from, int to, const std::filesystem::path& out_path) {
  std::ifstream in(bio);
  std::ofstream out(out_path);
  std::string line;
  int sentence = 0;
  bool in_sentence = false;
  while (std::getline(in, line) && sentence < to) {
    if (line.empty()) {
      if (in_sentence && sentence >= from) out << "\n";
      if (in_sentence) ++sentence;
      in_sentence = false;
      continue;
    }
    in_sentence = true;
    if (sentence >= from) out << line << "\n";
  }
}

// Runs `command` through the shell; stdout/stderr are captured through files in `dir`.
inline RunResult run_shell(const std::string& command, const std::filesystem::path& dir) {
  const std::filesystem::path out = dir / ".stdout", err = dir / ".stderr";
  const std::string full = command + " > " + shell_quote(out.string()) + " 2> " + shell_quote(err.string());
  RunResult result;
  const int status = std::system(full.c_str());
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out);
  result.err = read_file(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return result;
}

// The binary under test: ALSEL_TEST_BINARY when set (e.g. an older build, to show that a test
// fails there, or a sanitizer build), else the one built beside the tests.
inline std::string alsel_binary() {
  if (const char* from_env = std::getenv("ALSEL_TEST_BINARY")) return from_env;
  return ALSEL_BINARY;
}

// Runs the alsel binary with `args`; stdin from `stdin_path` (default /dev/null).
inline RunResult run_alsel(const std::vector<std::string>& args, const std::filesystem::path& dir,
                           const std::string& stdin_path = "") {
  std::string command = shell_quote(alsel_binary());
  for (const std::string& arg : args) command += " " + shell_quote(arg);
  command += " < " + shell_quote(stdin_path.empty() ? "/dev/null" : stdin_path);
  return run_shell(command, dir);
}

// The tiny test models of scripts/make_tiny_model.py: made by the ctest fixture in the build
// directory (ALSEL_TINY_DIR overrides it) or, when a test binary runs alone, here.
inline std::filesystem::path tiny_model_dir() {
  static const std::filesystem::path dir = [] {
    const char* from_env = std::getenv("ALSEL_TINY_DIR");
    std::filesystem::path tiny =
        from_env ? std::filesystem::path(from_env) : std::filesystem::path(ALSEL_TINY_DIR_DEFAULT);
    if (!std::filesystem::exists(tiny / "emissions.json")) {
      const std::string command = "/usr/bin/python3 " +
                                  shell_quote(std::string(ALSEL_SOURCE_DIR) + "/scripts/make_tiny_model.py") +
                                  " --out " + shell_quote(tiny.string());
      if (std::system(command.c_str()) != 0) ADD_FAILURE() << "could not make the tiny models: " << command;
    }
    return tiny;
  }();
  return dir;
}

// A fresh temp directory per test, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("alsel-" + std::string(info->test_suite_name()) + "-" + info->name() + "-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  RunResult run(const std::vector<std::string>& args, const std::string& stdin_path = "") {
    return run_alsel(args, dir_, stdin_path);
  }

  std::filesystem::path dir_;
};

}  // namespace alsel::testing
