#include "alsel/output/atomic_file.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "alsel/util/errors.h"

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


TEST(AtomicFileTest, SymlinkIsFollowedAndItsTargetReplaced) {
  ScratchDir dir;
  const std::string target = dir.write("target.jsonl", "old\n");
  fs::create_symlink("target.jsonl", dir.file("link.jsonl"));
  ::chmod(target.c_str(), 0640);
  write_file_atomically(dir.file("link.jsonl"), "new\n");
  EXPECT_TRUE(fs::is_symlink(dir.file("link.jsonl"))) << "the link itself was replaced";
  EXPECT_EQ(read_all(target), "new\n");
  EXPECT_EQ(fs::status(target).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read)
      << "a replaced file keeps its mode";
  // A dangling link: its target is created.
  fs::create_symlink("later.jsonl", dir.file("dangling.jsonl"));
  write_file_atomically(dir.file("dangling.jsonl"), "made\n");
  EXPECT_TRUE(fs::is_symlink(dir.file("dangling.jsonl")));
  EXPECT_EQ(read_all(dir.file("later.jsonl")), "made\n");
}

TEST(AtomicFileTest, DevicesAndDescriptorsAreWrittenInPlace) {
  EXPECT_EQ(resolve_output_target("/dev/null").kind, OutputKind::kDirect);
  EXPECT_EQ(resolve_output_target("/dev/full").kind, OutputKind::kDirect);
  EXPECT_EQ(resolve_output_target("/dev/stdout").kind, OutputKind::kStdout);
  EXPECT_EQ(resolve_output_target("/proc/self/fd/1").kind, OutputKind::kStdout);
  const OutputTarget stderr_target = resolve_output_target("/dev/stderr");
  EXPECT_EQ(stderr_target.kind, OutputKind::kDescriptor);
  EXPECT_EQ(stderr_target.descriptor, 2);
  EXPECT_EQ(resolve_output_target("-").kind, OutputKind::kStdout);
  ScratchDir dir;
  EXPECT_THROW(resolve_output_target(dir.path()), OutputError);  // a directory
}

TEST(AtomicFileTest, DevNullStaysACharacterDevice) {
  // Guard: never let a regression rename a temp file over the machine's /dev/null.
  ASSERT_EQ(resolve_output_target("/dev/null").kind, OutputKind::kDirect);
  write_file_atomically("/dev/null", "discarded\n");
  struct stat info {};
  ASSERT_EQ(::stat("/dev/null", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode));
}

TEST(AtomicFileTest, DescriptorPathWritesToThatDescriptor) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  {
    AtomicOutputFile out("/dev/fd/" + std::to_string(pipe_fds[1]));
    EXPECT_TRUE(out.temp_path().empty());
    out.stream() << "through the pipe\n";
    out.commit();
  }
  ::close(pipe_fds[1]);
  char buffer[64] = {};
  const ssize_t got = ::read(pipe_fds[0], buffer, sizeof buffer - 1);
  ::close(pipe_fds[0]);
  EXPECT_EQ(std::string(buffer, got > 0 ? static_cast<size_t>(got) : 0), "through the pipe\n");
}

TEST(AtomicFileTest, FifoIsWrittenNotRenamedOver) {
  ScratchDir dir;
  const std::string fifo = dir.file("queue");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Keep a reader open so that opening for writing does not block.
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  write_file_atomically(fifo, "to the reader\n");
  char buffer[64] = {};
  const ssize_t got = ::read(reader, buffer, sizeof buffer - 1);
  ::close(reader);
  EXPECT_EQ(std::string(buffer, got > 0 ? static_cast<size_t>(got) : 0), "to the reader\n");
  struct stat info {};
  ASSERT_EQ(::lstat(fifo.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"queue"});
}

TEST(AtomicFileTest, FullDeviceErrorNamesThePathAndTheCause) {
  ASSERT_EQ(resolve_output_target("/dev/full").kind, OutputKind::kDirect);
  try {
    write_file_atomically("/dev/full", std::string(200000, 'x'));
    FAIL() << "expected OutputError";
  } catch (const OutputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("/dev/full"), std::string::npos) << message;
    EXPECT_NE(message.find("No space left on device"), std::string::npos) << message;
  }
}

TEST(AtomicFileTest, CommitTogetherChangesNothingWhenOneOutputFails) {
  ScratchDir dir;
  const std::string batch = dir.write("batch.jsonl", "previous batch\n");
  const std::string rejects = dir.write("rejects.jsonl", "previous rejects\n");
  ASSERT_EQ(resolve_output_target("/dev/full").kind, OutputKind::kDirect);
  {
    AtomicOutputFile out(batch), bad(rejects), manifest("/dev/full");
    out.stream() << "new batch\n";
    bad.stream() << "new rejects\n";
    manifest.stream() << std::string(100000, 'm');
    EXPECT_THROW(commit_together({&out, &bad, &manifest}), OutputError);
  }
  EXPECT_EQ(read_all(batch), "previous batch\n");
  EXPECT_EQ(read_all(rejects), "previous rejects\n");
  EXPECT_EQ(dir.entries().size(), 2u) << "temp files left behind";
  {
    AtomicOutputFile out(batch), second(rejects);
    out.stream() << "new batch\n";
    second.stream() << "new rejects\n";
    commit_together({&out, nullptr, &second});
  }
  EXPECT_EQ(read_all(batch), "new batch\n");
  EXPECT_EQ(read_all(rejects), "new rejects\n");
}

TEST(AtomicFileTest, StaleTempFilesOfDeadProcessesAreRemoved) {
  ScratchDir dir;
  // A temp file name of this host, from a real AtomicOutputFile: ".x.tmp.HOST.PID.N".
  std::string own;
  {
    AtomicOutputFile probe(dir.file("x.jsonl"));
    own = fs::path(probe.temp_path()).filename().string();
  }
  const std::string self = std::to_string(static_cast<long>(::getpid()));
  const size_t pid_at = own.rfind("." + self + ".");
  ASSERT_NE(pid_at, std::string::npos) << own;
  const std::string host_prefix = own.substr(0, pid_at);  // ".x.jsonl.tmp.HOST"
  // A PID that surely exited: a child we waited for.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  const std::string dead = host_prefix + "." + std::to_string(child) + ".3";
  const std::string alive = host_prefix + "." + self + ".9";
  const std::string other_host = ".x.jsonl.tmp.some-other-host." + std::to_string(child) + ".3";
  const std::string user_file = ".notes.tmp";
  for (const std::string& name : {dead, alive, other_host, user_file}) dir.write(name, "partial");
  EXPECT_EQ(remove_stale_temp_files(dir.path()), 1);
  EXPECT_FALSE(fs::exists(dir.file(dead)));
  EXPECT_TRUE(fs::exists(dir.file(alive)));
  EXPECT_TRUE(fs::exists(dir.file(other_host)));
  EXPECT_TRUE(fs::exists(dir.file(user_file)));
}

// Runs a child that holds two temp files and raises `signal_number`; returns its exit status.
int exit_status_on_signal(const ScratchDir& dir, int signal_number) {
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child == 0) {
    try {
      AtomicOutputFile out(dir.file("a.txt"));
      AtomicOutputFile second(dir.file("b.txt"));
      out.stream() << "half";
      out.stream().flush();
      install_interrupt_cleanup();
      ::raise(signal_number);
      ::_exit(4);
    } catch (...) {
      ::_exit(5);
    }
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(AtomicFileTest, SigtermAndSighupRemoveTempFilesAndExit128PlusSignal) {
  for (const auto& [signal_number, expected] : {std::pair{SIGTERM, 143}, std::pair{SIGHUP, 129}}) {
    ScratchDir dir;
    EXPECT_EQ(exit_status_on_signal(dir, signal_number), expected) << "signal " << signal_number;
    EXPECT_TRUE(dir.entries().empty()) << "left behind: " << dir.entries().front();
  }
}

}  // namespace
}  // namespace alsel
