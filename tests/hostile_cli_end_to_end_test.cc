// End-to-end tests of the real alsel binary against hostile but realistic use (the reliability
// issue): outputs aimed at inputs, symlinks and devices, numbers a double cannot hold, broken
// models, late failures, signals and stale temp files. Every case names the flag or file at
// fault and exits with its documented code, never 1 (internal error).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cli_test_support.h"

namespace alsel {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::parse_jsonl;
using testing::read_file;
using testing::RunResult;
using testing::write_file;

class HostileCliTest : public testing::TempDirTest {
 protected:
  std::string model(const std::string& name = "tiny-crf.pt") const {
    return (testing::tiny_model_dir() / name).string();
  }
  std::string sample_pool() const { return std::string(ALSEL_SOURCE_DIR) + "/data/sample_pool.jsonl"; }
  // A copy of the sample pool in the test directory (tests may try to destroy it).
  std::string pool_copy() {
    const std::string copy = path("p.jsonl");
    fs::copy_file(sample_pool(), copy, fs::copy_options::overwrite_existing);
    return copy;
  }
  RunResult select(std::vector<std::string> extra, const std::string& model_name = "tiny-crf.pt") {
    std::vector<std::string> args = {"select", "-m", model(model_name), "-k", "5"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }
  // Temp files of alsel's atomic outputs in the test directory.
  std::vector<std::string> temp_files() const {
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      const std::string name = entry.path().filename().string();
      if (name.find(".tmp.") != std::string::npos) found.push_back(name);
    }
    return found;
  }
  // Starts alsel with `args` (stderr to a file), stdin from /dev/null; returns its PID.
  pid_t spawn(const std::vector<std::string>& args) {
    const std::string err = path("spawn.stderr");
    std::fflush(nullptr);
    const pid_t child = ::fork();
    if (child == 0) {
      const int null_fd = ::open("/dev/null", O_RDWR);
      const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(null_fd, 0);
      ::dup2(null_fd, 1);
      ::dup2(err_fd, 2);
      std::vector<char*> argv;
      const std::string binary = testing::alsel_binary();
      argv.push_back(const_cast<char*>(binary.c_str()));
      for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    return child;
  }
  // Waits until the run's temp files exist (it is then reading the FIFO pool).
  bool wait_for_temp_files(size_t count) const {
    for (int i = 0; i < 400; ++i) {
      if (temp_files().size() >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // A FIFO pool that holds one line and stays open for writing (the run blocks reading it).
  int open_fifo_pool(const std::string& fifo) {
    EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const int fd = ::open(fifo.c_str(), O_RDWR);  // never blocks, keeps a writer
    const std::string line = "{\"id\": \"a\", \"text\": \"张伟在北京\"}\n";
    EXPECT_EQ(::write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    return fd;
  }
};

// 1. An output path that is an input destroys the input.
TEST_F(HostileCliTest, OutputOnThePoolIsAUsageErrorAndThePoolSurvives) {
  const std::string pool = pool_copy();
  const std::string before = read_file(pool);
  for (const std::string flag : {"-o", "--rejects", "--report", "--dropped", "--manifest"}) {
    std::vector<std::string> args = {"-p", pool};
    if (flag != "-o") args.insert(args.end(), {"-o", path("batch.jsonl")});
    args.insert(args.end(), {flag, pool});
    const RunResult r = select(args);
    EXPECT_EQ(r.exit_code, 2) << flag << ": " << r.err;
    EXPECT_NE(r.err.find("--pool"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(pool), before) << flag << " changed the pool";
  }
  // Another spelling of the same file, and an output on the labeled file.
  const std::string labeled = path("labeled.bio");
  write_file(labeled, "李\tB-PER\n娜\tI-PER\n\n");
  EXPECT_EQ(select({"-p", pool, "-o", dir_.string() + "/./p.jsonl"}).exit_code, 2);
  EXPECT_EQ(select({"-p", pool, "-o", path("b.jsonl"), "--labeled", labeled, "--rejects", labeled}).exit_code, 2);
  EXPECT_EQ(read_file(pool), before);
  EXPECT_EQ(read_file(labeled), "李\tB-PER\n娜\tI-PER\n\n");
}

TEST_F(HostileCliTest, TwoOutputsOnOneFileAreAUsageErrorNamingBothFlags) {
  const RunResult r = select({"-p", sample_pool(), "-o", path("x.jsonl"), "--rejects", path("x.jsonl")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--rejects"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--out"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("x.jsonl")));
  // The default manifest beside -o counts too.
  EXPECT_EQ(select({"-p", sample_pool(), "-o", path("y.jsonl"), "--dropped", path("y.jsonl.manifest.json")})
                .exit_code,
            2);
}

TEST_F(HostileCliTest, MergeOntoOneOfItsShardFilesIsRefused) {
  for (const char* index : {"0", "1"}) {
    ASSERT_EQ(select({"-p", sample_pool(), "--shard", std::string(index) + "/2", "-o",
                      path(std::string("shard-") + index + ".jsonl")})
                  .exit_code,
              0);
  }
  const std::string shard = path("shard-0.jsonl");
  const std::string before = read_file(shard);
  const RunResult r = run({"merge", "-o", shard, shard, path("shard-1.jsonl")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(read_file(shard), before);
}

// 2. Device files and symlinks.
TEST_F(HostileCliTest, SymlinkOutputReplacesItsTargetAndKeepsTheLink) {
  write_file(path("target.jsonl"), "previous\n");
  fs::create_symlink("target.jsonl", path("link.jsonl"));
  const RunResult r = select({"-p", sample_pool(), "-o", path("link.jsonl"), "--no-manifest"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(path("link.jsonl")));
  EXPECT_EQ(parse_jsonl(read_file(path("target.jsonl"))).size(), 5u);
}

TEST_F(HostileCliTest, DevStdoutPrintsTheBatch) {
  const RunResult r = select({"-p", sample_pool(), "-o", "/dev/stdout", "--no-manifest"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_jsonl(r.out).size(), 5u) << r.out;
}

TEST_F(HostileCliTest, FifoOutputStaysAFifo) {
  const std::string fifo = path("queue");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  const RunResult r = select({"-p", sample_pool(), "-o", fifo, "--no-manifest"});
  std::string received;
  char buffer[4096];
  for (ssize_t got; (got = ::read(reader, buffer, sizeof buffer)) > 0;) received.append(buffer, got);
  ::close(reader);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat info {};
  ASSERT_EQ(::lstat(fifo.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
  EXPECT_EQ(parse_jsonl(received).size(), 5u);
}

// 3. Numbers a double cannot hold, and huge bad lines.
TEST_F(HostileCliTest, OverflowingNumberInAnIgnoredFieldIsScoredEverywhere) {
  const std::string pool = path("big.jsonl");
  write_file(pool, "{\"id\":\"a\",\"text\":\"张伟在北京\"}\n{\"id\":\"b\",\"text\":\"李娜\",\"n\":1e309}\n");
  RunResult r = select({"-p", pool, "-o", path("out.jsonl"), "--rejects", path("rejects.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_jsonl(read_file(path("out.jsonl"))).size(), 2u);
  EXPECT_EQ(read_file(path("rejects.jsonl")), "");
  r = select({"-p", pool, "-o", path("strict.jsonl"), "--strict"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run({"score", "-m", model(), "-p", pool, "-o", path("scores.jsonl")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // The same in labeled data: --labeled, convert and eval.
  const std::string labeled = path("labeled.jsonl");
  write_file(labeled, "{\"id\":1,\"text\":\"李娜在北京\",\"label\":[[0,2,\"PER\"]],\"score\":1e309}\n");
  r = select({"-p", pool, "-o", path("l.jsonl"), "-s", "ltp-unk", "--labeled", labeled});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run({"convert", "-i", labeled, "--to", "bio", "-o", path("l.bio")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(path("l.bio")).rfind("李\tB-PER\n娜\tI-PER\n", 0), 0u) << read_file(path("l.bio"));
  r = run({"eval", "-m", model(), "-d", labeled, "--data-format", "doccano"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(HostileCliTest, HugeBadLineIsQuotedBrieflyAndKeptWholeInTheRejects) {
  const std::string pool = path("bad.jsonl");
  const std::string bad = "{\"id\":\"z\",\"text\":\"" + std::string(3000000, 'x');
  write_file(pool, bad + "\n{\"id\":\"y\",\"text\":\"李娜\"}\n");
  const RunResult r = select({"-p", pool, "-o", path("out.jsonl"), "--rejects", path("rejects.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(0, 2000);
  EXPECT_LT(r.err.size(), 5000u) << "stderr echoes the bad line";
  const std::vector<json> rejects = parse_jsonl(read_file(path("rejects.jsonl")));
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0]["raw"], bad);
  EXPECT_LT(rejects[0]["reason"].get<std::string>().size(), 400u);
}

// 4. NaN or Inf emissions and transitions.
TEST_F(HostileCliTest, NanEmissionsAreAModelErrorNamingTheSentence) {
  RunResult r = select({"-p", sample_pool(), "-o", path("out.jsonl")}, "nan-some.pt");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("id sample-002"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("out.jsonl")));
  r = run({"score", "-m", model("nan-some.pt"), "-p", sample_pool(), "-o", path("s.jsonl")});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const std::string gold = path("gold.jsonl");
  write_file(gold, "{\"id\":1,\"text\":\"李娜在北京\",\"label\":[[0,2,\"PER\"]]}\n");
  r = run({"eval", "-m", model("nan-some.pt"), "-d", gold});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  r = select({"-p", sample_pool(), "-o", path("out.jsonl")}, "inf-transitions.pt");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("transitions"), std::string::npos) << r.err;
}

// 5. A run that fails late leaves every previous output as it was.
TEST_F(HostileCliTest, ManifestFailureAtTheEndLeavesThePreviousBatch) {
  // Guard first: a binary that renames over devices would replace this machine's /dev/full.
  const std::string fifo = path("guard-fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  select({"-p", sample_pool(), "-o", fifo, "--no-manifest"});
  ::close(reader);
  struct stat guard {};
  ASSERT_TRUE(::lstat(fifo.c_str(), &guard) == 0 && S_ISFIFO(guard.st_mode))
      << "this binary renames over non-regular files; not running it on /dev/full";
  fs::remove(fifo);
  write_file(path("batch.jsonl"), "previous batch\n");
  write_file(path("rejects.jsonl"), "previous rejects\n");
  const RunResult r = select({"-p", sample_pool(), "-o", path("batch.jsonl"), "--rejects", path("rejects.jsonl"),
                              "--manifest", "/dev/full"});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("/dev/full"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(path("batch.jsonl")), "previous batch\n");
  EXPECT_EQ(read_file(path("rejects.jsonl")), "previous rejects\n");
  EXPECT_TRUE(temp_files().empty());
  struct stat info {};
  ASSERT_EQ(::stat("/dev/full", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode)) << "/dev/full was replaced";
}

// 6. Models and files that break their contract: documented codes, never 1.
TEST_F(HostileCliTest, BrokenModelsGiveExit4WithAShortMessage) {
  RunResult r = select({"-p", sample_pool(), "-o", path("o.jsonl")}, "not-bio-labels.pt");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("'PERSON'"), std::string::npos) << r.err;
  r = select({"-p", sample_pool(), "-o", path("o.jsonl")}, "raises.pt");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("sequences over 8 pieces are not supported"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Traceback"), std::string::npos) << r.err;
  r = select({"-p", sample_pool(), "-o", path("o.jsonl")}, "huge-max-len.pt");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("1000000000000"), std::string::npos) << r.err;
  r = run({"info", "-m", model("no-unk-vocab.pt")});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find(model("no-unk-vocab.pt") + ":alsel/vocab.txt"), std::string::npos) << r.err;
}

TEST_F(HostileCliTest, HandEditedShardCandidateIsAnInputError) {
  for (const char* index : {"0", "1"}) {
    ASSERT_EQ(select({"-p", sample_pool(), "--shard", std::string(index) + "/2", "-o",
                      path(std::string("shard-") + index + ".jsonl")})
                  .exit_code,
              0);
  }
  // Move the first entity of some candidate past the end of its text.
  std::string content = read_file(path("shard-0.jsonl"));
  const size_t at = content.find("\"entities\":[{\"start\":");
  ASSERT_NE(at, std::string::npos) << "no candidate with an entity";
  const size_t end = content.find("\"end\":", at);
  content.replace(end, 6, "\"end\":9999");
  // The old end digits now follow 9999: "9999" + old digits is still a number past the text.
  write_file(path("shard-0.jsonl"), content);
  const RunResult r = run({"merge", "-o", path("merged.jsonl"), path("shard-0.jsonl"), path("shard-1.jsonl")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("shard-0.jsonl:"), std::string::npos) << r.err;
}

TEST_F(HostileCliTest, AbsurdThreadCountIsAUsageError) {
  const RunResult r = select({"-p", sample_pool(), "-o", path("o.jsonl"), "--threads", "2147483647"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--threads"), std::string::npos) << r.err;
}

// 7. Outputs are checked before the scoring pass, not after it.
TEST_F(HostileCliTest, MissingOutputDirectoryFailsBeforeTheModelLoads) {
  for (const std::string flag : {"-o", "--rejects", "--report", "--dropped", "--manifest"}) {
    std::vector<std::string> args = {"-p", sample_pool()};
    if (flag != "-o") args.insert(args.end(), {"-o", path("batch.jsonl")});
    args.insert(args.end(), {flag, path("no-such-dir/x")});
    const RunResult r = select(args);
    EXPECT_EQ(r.exit_code, 5) << flag << ": " << r.err;
    EXPECT_NE(r.err.find("no-such-dir"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("model tiny-crf"), std::string::npos) << flag << ": the model was loaded first";
    EXPECT_FALSE(fs::exists(path("batch.jsonl")));
    EXPECT_TRUE(temp_files().empty());
  }
}

// 8. Smaller holes.
TEST_F(HostileCliTest, MoreThreadsThanCoresGetAWarning) {
  const unsigned cores = std::thread::hardware_concurrency();
  ASSERT_GT(cores, 0u);
  const RunResult r = select({"-p", sample_pool(), "-o", path("o.jsonl"), "--threads",
                              std::to_string(cores + 1)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("more than the " + std::to_string(cores) + " cores"), std::string::npos) << r.err;
}

TEST_F(HostileCliTest, BinaryExcludeFileIsAnInputError) {
  std::string binary = "\x7f" "ELF";
  binary += std::string(8, '\0') + "\n\xff\xfe\n";
  write_file(path("model.bin"), binary);
  const RunResult r = select({"-p", sample_pool(), "-o", path("o.jsonl"), "--exclude", path("model.bin")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("model.bin:1"), std::string::npos) << r.err;
}

TEST_F(HostileCliTest, EmptyShardIsAUsageError) {
  const RunResult r = select({"-p", sample_pool(), "-o", path("o.jsonl"), "--shard", ""});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--shard"), std::string::npos) << r.err;
}

TEST_F(HostileCliTest, SigtermAndSighupRemoveTempFilesAndExit128PlusSignal) {
  for (const auto& [signal_number, expected] : {std::pair{SIGTERM, 143}, std::pair{SIGHUP, 129}}) {
    const std::string fifo = path("pool-" + std::to_string(signal_number));
    const int writer = open_fifo_pool(fifo);
    const pid_t child = spawn({"select", "-m", model(), "-p", fifo, "-k", "5", "-o", path("batch.jsonl"),
                               "--rejects", path("rejects.jsonl")});
    ASSERT_TRUE(wait_for_temp_files(3)) << read_file(path("spawn.stderr"));
    ::kill(child, signal_number);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ::close(writer);
    ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), expected);
    EXPECT_TRUE(temp_files().empty()) << temp_files().front();
    EXPECT_FALSE(fs::exists(path("batch.jsonl")));
  }
}

TEST_F(HostileCliTest, TempFilesLeftByKill9AreRemovedByTheNextRun) {
  const int writer = open_fifo_pool(path("pool-fifo"));
  const pid_t child = spawn({"select", "-m", model(), "-p", path("pool-fifo"), "-k", "5", "-o", path("batch.jsonl")});
  ASSERT_TRUE(wait_for_temp_files(2)) << read_file(path("spawn.stderr"));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ::close(writer);
  ASSERT_FALSE(temp_files().empty()) << "kill -9 leaves its temp files";
  const RunResult r = select({"-p", sample_pool(), "-o", path("batch.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(temp_files().empty()) << temp_files().front();
}

TEST_F(HostileCliTest, LineSeparatorsInTextsStayInsideTheirRecord) {
  const std::string pool = path("sep.jsonl");
  write_file(pool, "{\"id\":\"a\u2028b\",\"text\":\"张伟\u2028在北京\u2029。\"}\n{\"id\":\"c\",\"text\":\"李娜\"}\n");
  for (const std::string format : {"jsonl", "doccano", "label-studio", "prodigy"}) {
    const std::string out = path("out." + format);
    const RunResult r = select({"-p", pool, "-o", out, "--format", format, "--rejects", path("r.jsonl")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string content = read_file(out);
    EXPECT_EQ(content.find("\u2028"), std::string::npos) << format;
    EXPECT_EQ(content.find("\u2029"), std::string::npos) << format;
    EXPECT_NE(content.find("\\u2028"), std::string::npos) << format;
    // Python's str.splitlines sees one record per line.
    const RunResult lines = testing::run_shell(
        "/usr/bin/python3 -c \"import sys, json; t = open(sys.argv[1], encoding='utf-8').read(); "
        "print(len([l for l in t.splitlines() if l.strip() not in ('', '[', ']')]))\" " +
            testing::shell_quote(out),
        dir_);
    EXPECT_EQ(lines.out, "2\n") << format << ": " << lines.err;
  }
  const std::string manifest = read_file(path("out.jsonl.manifest.json"));
  EXPECT_EQ(manifest.find("\u2028"), std::string::npos);
}

}  // namespace
}  // namespace alsel
