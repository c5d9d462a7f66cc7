#include "alsel/atomic_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "alsel/errors.h"

#include "scratch_dir.h"

namespace alsel {
namespace {

namespace fs = std::filesystem;

using alsel::testing::ScratchDir;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(AtomicFileTest, CommitProducesContent) {
  ScratchDir dir;
  const std::string target = dir.file("out.jsonl");
  {
    AtomicOutputFile out(target);
    EXPECT_FALSE(out.temp_path().empty());
    EXPECT_FALSE(fs::exists(target)) << "target must not appear before commit";
    EXPECT_TRUE(fs::exists(out.temp_path()));
    out.stream() << "line 1\n" << 42 << '\n';
    out.commit();
    EXPECT_TRUE(out.committed());
  }
  EXPECT_EQ(read_all(target), "line 1\n42\n");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.jsonl"});
}

TEST(AtomicFileTest, LargeContentLargerThanTheBuffer) {
  ScratchDir dir;
  const std::string target = dir.file("big.txt");
  std::string content;
  for (int i = 0; i < 100000; ++i) content += std::to_string(i) + (i % 7 == 0 ? "\n" : " ");
  content += std::string(300000, 'x');  // one write larger than the internal buffer
  {
    AtomicOutputFile out(target);
    out.stream() << "head ";
    out.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
    out.commit();
  }
  EXPECT_EQ(read_all(target), "head " + content);
}

TEST(AtomicFileTest, DestructionWithoutCommitLeavesNothing) {
  ScratchDir dir;
  const std::string target = dir.file("out.txt");
  std::string temp;
  try {
    AtomicOutputFile out(target);
    temp = out.temp_path();
    out.stream() << "partial";
    throw std::runtime_error("scoring failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(temp.empty());
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_FALSE(fs::exists(target));
  EXPECT_TRUE(dir.entries().empty());
}

TEST(AtomicFileTest, UncommittedRewriteKeepsPreviousTarget) {
  ScratchDir dir;
  const std::string target = dir.file("out.txt");
  write_file_atomically(target, "previous\n");
  {
    AtomicOutputFile out(target);
    out.stream() << "new but abandoned\n";
  }
  EXPECT_EQ(read_all(target), "previous\n");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.txt"});
  write_file_atomically(target, "replaced\n");
  EXPECT_EQ(read_all(target), "replaced\n");
}

TEST(AtomicFileTest, MissingDirectoryThrowsOutputErrorNamingThePath) {
  ScratchDir dir;
  const std::string target = dir.file("no/such/dir/out.txt");
  try {
    AtomicOutputFile out(target);
    FAIL() << "expected OutputError";
  } catch (const OutputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(target), std::string::npos) << message;
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
    EXPECT_EQ(error.exit_code(), kExitOutput);
  }
}

TEST(AtomicFileTest, SecondCommitThrows) {
  ScratchDir dir;
  AtomicOutputFile out(dir.file("once.txt"));
  out.commit();
  EXPECT_THROW(out.commit(), Error);
}

TEST(AtomicFileTest, StdoutHasNoTempFile) {
  AtomicOutputFile out("-");
  EXPECT_TRUE(out.temp_path().empty());
  EXPECT_EQ(&out.stream(), &std::cout);
  out.commit();
  EXPECT_TRUE(out.committed());
}

TEST(AtomicFileTest, InterruptRemovesTempFilesAndExits130) {
  ScratchDir dir;
  const std::string target = dir.file("interrupted.txt");
  std::fflush(nullptr);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only async-signal-safe exits from here on failure paths: the parent checks the status.
    try {
      AtomicOutputFile out(target);
      AtomicOutputFile second(dir.file("second.txt"));
      out.stream() << "half of the output";
      out.stream().flush();
      install_interrupt_cleanup();
      if (!fs::exists(out.temp_path())) ::_exit(3);
      ::raise(SIGINT);
      ::_exit(4);  // not reached: the handler exits
    } catch (...) {
      ::_exit(5);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child did not exit normally, status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_TRUE(dir.entries().empty()) << "left behind: " << dir.entries().front();
}

}  // namespace
}  // namespace alsel
