// Atomic output files: the target either keeps its previous content or gets the complete
// new content, never a half-written file, even on an exception or SIGINT/SIGTERM/SIGHUP.
//
//   alsel::install_interrupt_cleanup();          // once, early in main()
//   alsel::AtomicOutputFile out("selected.jsonl");  // "-" writes to stdout
//   out.stream() << line << '\n';
//   out.commit();   // flush, fsync, rename onto the target, fsync the directory
//   // Without commit() (an exception unwound past `out`), the temp file is removed.
//
// Several outputs of one run are committed together: alsel::commit_together({&out, &rejects})
// first finishes every temp file (flush, fsync, close) and renames only when all succeeded, so
// a failure leaves every previous output as it was.
//
// What is replaced is the target's own file: a symlink is followed and its target replaced
// atomically (the link stays); outputs that are not regular files (character devices such as
// /dev/null, FIFOs, sockets) are written directly, never renamed over; /dev/stdout,
// /dev/stderr, /dev/fd/N and /proc/self/fd/N write to that descriptor of this process.
//
// The data goes to a temp file beside the target, ".NAME.tmp.HOST.PID.N", so the final rename
// stays on one file system. Live temp paths are kept in a fixed-size static table that the
// signal handler installed by install_interrupt_cleanup() can read without allocating. Temp
// files of that pattern made on this host whose process no longer exists (left by kill -9 or a
// power cut) are removed the first time a run writes into their directory.
#pragma once

#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace alsel {

// Size of the static table of temp paths the interrupt handler removes (each slot holds
// PATH_MAX bytes).
inline constexpr int kMaxLiveTempFiles = 64;

namespace detail {
class FdOutputBuffer;  // std::streambuf over a POSIX file descriptor (atomic_file.cc)
}  // namespace detail

// How an output path is written (resolve_output_target).
enum class OutputKind {
  kStdout,      // "-": this process's standard output
  kDescriptor,  // /dev/stdout, /dev/fd/N, ...: an open descriptor of this process
  kDirect,      // a character device, FIFO or socket: opened and written in place
  kAtomic,      // a regular file (or none yet): temp file beside it, renamed over it
};

struct OutputTarget {
  OutputKind kind = OutputKind::kAtomic;
  std::string path;    // kAtomic: the file to replace, symlinks resolved; kDirect: the device
  int descriptor = -1;  // kDescriptor: the descriptor number
};

// Where writing `path` goes, following symlinks (at most 40). Throws OutputError naming `path`
// when it is a directory or a symlink loop.
OutputTarget resolve_output_target(const std::string& path);

class AtomicOutputFile {
 public:
  // Opens a temp file beside the resolved target ("-" = stdout: no temp file; commit() only
  // flushes; devices are opened directly). Throws OutputError naming `path` and the system
  // error when the temp file or device cannot be opened (e.g. the directory does not exist).
  explicit AtomicOutputFile(std::string path);
  // Removes the temp file unless commit() succeeded. Never throws.
  ~AtomicOutputFile();

  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  // Where to write the content. Valid until destruction.
  std::ostream& stream();

  // finish() then publish(). Throws OutputError with the path and strerror on any failure; the
  // temp file is then removed by the destructor and the previous target (if any) is left
  // intact, unless the failure came after the rename (only the directory fsync can).
  void commit();
  // Flushes, fsyncs and closes the temp file (or flushes the device / stream): after it, all
  // content is on disk under temp_path() but the target is unchanged. Call at most once.
  void finish();
  // Renames the finished temp file onto the target and fsyncs the directory. Requires finish().
  void publish();

  // The path as given.
  const std::string& path() const { return path_; }
  const OutputTarget& target() const { return target_; }
  // Empty for stdout, descriptors and devices.
  const std::string& temp_path() const { return temp_path_; }
  // finish() succeeded: the content is on disk (in temp_path() for a regular file).
  bool finished() const { return finished_; }
  bool committed() const { return committed_; }

 private:
  void discard() noexcept;  // closes and unlinks the temp file, unregisters it
  void open_temp_file();

  std::string path_;       // the target as given ("-" = stdout)
  OutputTarget target_;
  std::string temp_path_;  // the temp file beside the target; empty unless kAtomic
  int fd_ = -1;            // open descriptor (temp file or device); -1 when closed / stdout
  int slot_ = -1;          // index in the interrupt-cleanup table; -1 when not registered
  bool finished_ = false;
  bool committed_ = false;
  std::unique_ptr<detail::FdOutputBuffer> buffer_;
  std::unique_ptr<std::ostream> file_stream_;  // over buffer_; null for stdout
};

// Finishes every file not yet finished (a null pointer is skipped): their content is then on
// disk, no target has changed yet. Throws the first OutputError.
void finish_all(const std::vector<AtomicOutputFile*>& files);

// Finishes every file (a null pointer is skipped), then publishes every one: either all targets
// get their new content or, when a finish fails, none changes. Throws the first OutputError.
void commit_together(const std::vector<AtomicOutputFile*>& files);

// Installs SIGINT, SIGTERM and SIGHUP handlers that unlink every live AtomicOutputFile temp
// file and then _exit(128 + signal): 130, 143, 129. The handler is async-signal-safe: it reads a
// static table of fixed-size path buffers guarded by atomic flags. Idempotent.
// At most kMaxLiveTempFiles temp files are tracked at once; further ones (and paths longer
// than PATH_MAX) still work but are not removed on a signal.
void install_interrupt_cleanup();

// Removes the temp files ".NAME.tmp.HOST.PID.N" in `directory` made on this host (HOST as in
// gethostname, with characters other than letters and digits as '-') whose process PID no
// longer exists; returns how many. Files of live processes (this one included) are left alone. Never throws.
int remove_stale_temp_files(const std::string& directory);

// Writes `content` to `path` ("-" = stdout) through an AtomicOutputFile and commits it.
// Throws OutputError on failure.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace alsel
