#include "alsel/output/run_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "alsel/util/errors.h"

#include "scratch_dir.h"

namespace alsel {
namespace {

namespace fs = std::filesystem;

using alsel::testing::ScratchDir;

// The UsageError message of files.check(), or "" when it passes.
std::string collision(const RunFiles& files) {
  try {
    files.check();
  } catch (const UsageError& error) {
    return error.what();
  }
  return "";
}

TEST(RunFilesTest, OutputOnAnInputIsAUsageErrorNamingBothFlags) {
  ScratchDir dir;
  const std::string pool = dir.write("p.jsonl", "{}\n");
  for (const char* flag : {"--out", "--rejects", "--report", "--dropped", "--manifest"}) {
    RunFiles files;
    files.inputs("--pool", {pool});
    files.output(flag, pool);
    const std::string message = collision(files);
    EXPECT_NE(message.find(std::string(flag) + " '" + pool + "'"), std::string::npos) << message;
    EXPECT_NE(message.find("--pool '" + pool + "'"), std::string::npos) << message;
  }
}

TEST(RunFilesTest, OtherSpellingsSymlinksAndHardLinksOfAnInputCollide) {
  ScratchDir dir;
  const std::string pool = dir.write("p.jsonl", "{}\n");
  fs::create_directories(dir.file("sub"));
  fs::create_symlink(pool, dir.file("link.jsonl"));
  fs::create_hard_link(pool, dir.file("hard.jsonl"));
  for (const std::string& output :
       {dir.path() + "/sub/../p.jsonl", dir.path() + "/./p.jsonl", dir.file("link.jsonl"),
        dir.file("hard.jsonl")}) {
    RunFiles files;
    files.input("--pool", pool);
    files.output("--out", output);
    EXPECT_NE(collision(files), "") << output;
  }
  // A relative spelling of the same file, from inside the directory.
  const fs::path previous = fs::current_path();
  fs::current_path(dir.path());
  RunFiles relative;
  relative.input("--pool", pool);
  relative.output("--out", "p.jsonl");
  EXPECT_NE(collision(relative), "");
  fs::current_path(previous);
}

TEST(RunFilesTest, TwoOutputsOnOneFileCollideEvenBeforeItExists) {
  ScratchDir dir;
  RunFiles files;
  files.output("--out", dir.file("x.jsonl"));
  files.output("--rejects", dir.path() + "/./x.jsonl");
  const std::string message = collision(files);
  EXPECT_NE(message.find("--rejects"), std::string::npos) << message;
  EXPECT_NE(message.find("--out"), std::string::npos) << message;
}

TEST(RunFilesTest, TwoOutputsOnStandardOutputCollide) {
  RunFiles files;
  files.output("--out", "-");
  files.output("--rejects", "/dev/stdout");
  EXPECT_NE(collision(files).find("standard output"), std::string::npos);
}

TEST(RunFilesTest, DistinctFilesDevicesAndStdinPass) {
  ScratchDir dir;
  RunFiles files;
  files.inputs("--pool", {dir.write("p.jsonl", "{}\n"), "-"});
  files.input("--cache", "");  // not asked for
  files.output("--out", dir.file("batch.jsonl"));
  files.output("--rejects", "/dev/null");
  files.output("--dropped", "/dev/null");  // a device may take several outputs
  files.output("--report", "");
  files.output("--manifest", dir.file("batch.jsonl.manifest.json"));
  EXPECT_EQ(collision(files), "");
}

TEST(RunFilesTest, OutputOnAFifoInputIsExempt) {
  ScratchDir dir;
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  RunFiles files;
  files.input("--pool", fifo);
  files.output("--dropped", fifo);
  EXPECT_EQ(collision(files), "");
}

}  // namespace
}  // namespace alsel
