// Atomic output files: the target either keeps its previous content or gets the complete
// new content, never a half-written file, even on an exception or SIGINT/SIGTERM.
//
//   alsel::install_interrupt_cleanup();          // once, early in main()
//   alsel::AtomicOutputFile out("selected.jsonl");  // "-" writes to stdout
//   out.stream() << line << '\n';
//   out.commit();   // flush, fsync, rename onto the target, fsync the directory
//   // Without commit() (an exception unwound past `out`), the temp file is removed.
//
// The data goes to a temp file beside the target, ".NAME.tmp.PID.N", so the final rename
// stays on one file system. Live temp paths are kept in a fixed-size static table that the
// signal handler installed by install_interrupt_cleanup() can read without allocating.
#pragma once

#include <memory>
#include <ostream>
#include <string>

namespace alsel {

// Size of the static table of temp paths the interrupt handler removes (each slot holds
// PATH_MAX bytes).
inline constexpr int kMaxLiveTempFiles = 64;

namespace detail {
class FdOutputBuffer;  // std::streambuf over a POSIX file descriptor (atomic_file.cc)
}  // namespace detail

class AtomicOutputFile {
 public:
  // Opens a temp file beside `path` ("-" = stdout: no temp file; commit() only flushes).
  // Throws OutputError naming `path` and the system error when the temp file cannot be
  // created (e.g. the directory does not exist).
  explicit AtomicOutputFile(std::string path);
  // Removes the temp file unless commit() succeeded. Never throws.
  ~AtomicOutputFile();

  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  // Where to write the content. Valid until destruction.
  std::ostream& stream();

  // Flushes, fsyncs the temp file, renames it onto the target and fsyncs the directory.
  // Throws OutputError with the path and strerror on any failure; the temp file is then
  // removed by the destructor and the previous target (if any) is left intact, unless the
  // failure came after the rename (only the directory fsync can). Call at most once.
  void commit();

  const std::string& path() const { return path_; }
  // Empty for stdout.
  const std::string& temp_path() const { return temp_path_; }
  bool committed() const { return committed_; }

 private:
  void discard() noexcept;  // closes and unlinks the temp file, unregisters it

  std::string path_;       // the target ("-" = stdout)
  std::string temp_path_;  // the temp file beside the target; empty for stdout
  int fd_ = -1;            // open descriptor of the temp file; -1 when closed / stdout
  int slot_ = -1;          // index in the interrupt-cleanup table; -1 when not registered
  bool committed_ = false;
  std::unique_ptr<detail::FdOutputBuffer> buffer_;
  std::unique_ptr<std::ostream> file_stream_;  // over buffer_; null for stdout
};

// Installs SIGINT and SIGTERM handlers that unlink every live AtomicOutputFile temp file
// and then _exit(130) (kExitInterrupted). The handler is async-signal-safe: it reads a
// static table of fixed-size path buffers guarded by atomic flags. Idempotent.
// At most kMaxLiveTempFiles temp files are tracked at once; further ones (and paths longer
// than PATH_MAX) still work but are not removed on a signal.
void install_interrupt_cleanup();

// Writes `content` to `path` ("-" = stdout) through an AtomicOutputFile and commits it.
// Throws OutputError on failure.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace alsel
