#include "alsel/output/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <mutex>
#include <set>
#include <streambuf>
#include <vector>

#include "alsel/util/errors.h"

namespace alsel {

// ---------------------------------------------------------------------------------------
// Buffered std::streambuf over a file descriptor. std::ofstream hides its descriptor, and
// we need it for fsync; this also keeps the errno of a failed write for the error message.
namespace detail {

class FdOutputBuffer : public std::streambuf {
 public:
  explicit FdOutputBuffer(int fd) : fd_(fd), buffer_(kBufferBytes) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  // errno of the first failed write, 0 if none.
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override {
    if (!flush_buffer()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }

  std::streamsize xsputn(const char* data, std::streamsize count) override {
    if (count < static_cast<std::streamsize>(buffer_.size()) / 2) {
      return std::streambuf::xsputn(data, count);  // copies into the buffer
    }
    if (!flush_buffer() || !write_all(data, static_cast<size_t>(count))) return 0;
    return count;
  }

  int sync() override { return flush_buffer() ? 0 : -1; }

 private:
  static constexpr size_t kBufferBytes = 1 << 16;

  bool flush_buffer() {
    const size_t pending = static_cast<size_t>(pptr() - pbase());
    const bool ok = write_all(pbase(), pending);
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return ok;
  }

  bool write_all(const char* data, size_t count) {
    if (error_ != 0) return false;
    while (count > 0) {
      const ssize_t written = ::write(fd_, data, count);
      if (written < 0) {
        if (errno == EINTR) continue;
        error_ = errno;
        return false;
      }
      data += written;
      count -= static_cast<size_t>(written);
    }
    return true;
  }

  int fd_;
  std::vector<char> buffer_;
  int error_ = 0;
};

}  // namespace detail

// ---------------------------------------------------------------------------------------
// Table of live temp paths, read by the signal handler. A slot's state goes
// kFree -> kFilling (claimed by a writer, path being copied) -> kLive -> kFree, or
// kLive -> kUnlinking when the handler takes it (the process then exits).
namespace {

enum SlotState : int { kFree = 0, kFilling = 1, kLive = 2, kUnlinking = 3 };

struct TempSlot {
  std::atomic<int> state{kFree};
  char path[PATH_MAX];
};

static_assert(std::atomic<int>::is_always_lock_free, "signal handler needs lock-free atomics");

std::array<TempSlot, kMaxLiveTempFiles> temp_slots;
std::atomic<unsigned long> temp_counter{0};

constexpr int kHandledSignals[] = {SIGINT, SIGTERM, SIGHUP};

int register_temp_path(const std::string& path) {
  if (path.size() >= PATH_MAX) return -1;
  for (int i = 0; i < kMaxLiveTempFiles; ++i) {
    int expected = kFree;
    if (temp_slots[i].state.compare_exchange_strong(expected, kFilling)) {
      std::memcpy(temp_slots[i].path, path.c_str(), path.size() + 1);
      temp_slots[i].state.store(kLive, std::memory_order_release);
      return i;
    }
  }
  return -1;
}

void unregister_temp_path(int slot) {
  if (slot < 0) return;
  int expected = kLive;
  // Fails only when the signal handler owns the slot; the process is exiting then.
  temp_slots[slot].state.compare_exchange_strong(expected, kFree);
}

extern "C" void unlink_temp_files_and_exit(int signal_number) {
  for (auto& slot : temp_slots) {
    int expected = kLive;
    if (slot.state.compare_exchange_strong(expected, kUnlinking)) ::unlink(slot.path);
  }
  ::_exit(128 + signal_number);
}

[[noreturn]] void throw_output_error(const std::string& what, const std::string& path, int error) {
  throw OutputError("cannot " + what + " '" + path + "': " + std::strerror(error));
}

std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_name_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// fsync of the directory makes the rename durable. Some file systems do not support
// fsync on directories (EINVAL); that is not an error of ours.
void fsync_directory(const std::string& target, const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_output_error("open the directory of", target, errno);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0 && error != EINVAL && error != EROFS) {
    throw_output_error("fsync the directory of", target, error);
  }
}

// N of "/dev/fd/N" or "/proc/self/fd/N" (and /dev/stdout, /dev/stderr, /dev/stdin), else -1.
int descriptor_of_path(const std::string& path) {
  if (path == "/dev/stdin") return 0;
  if (path == "/dev/stdout") return 1;
  if (path == "/dev/stderr") return 2;
  const std::string own = "/proc/" + std::to_string(static_cast<long>(::getpid())) + "/fd/";
  for (const std::string& prefix : {std::string("/dev/fd/"), std::string("/proc/self/fd/"), own}) {
    if (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0) {
      const std::string digits = path.substr(prefix.size());
      if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
      return std::stoi(digits);
    }
  }
  return -1;
}

// This machine's name as it appears in temp file names: letters, digits and '-' only (at most
// 64), so that the name splits back at its dots. PIDs are only meaningful on one host (and in one
// PID namespace, which a container's hostname usually tells apart).
const std::string& host_tag() {
  static const std::string tag = [] {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return std::string("host");
    std::string out;
    for (const char* p = name; *p != '\0' && out.size() < 64; ++p) {
      const char c = *p;
      const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      out += plain ? c : '-';
    }
    return out;
  }();
  return tag;
}

bool all_digits(const std::string& text, size_t max_size) {
  return !text.empty() && text.size() <= max_size &&
         text.find_first_not_of("0123456789") == std::string::npos;
}

// PID of a temp file ".NAME.tmp.HOST.PID.N" made on this host, else -1.
long temp_file_owner(const std::string& name) {
  if (name.size() < 10 || name[0] != '.') return -1;
  const size_t counter_dot = name.rfind('.');
  if (counter_dot == std::string::npos || counter_dot == 0) return -1;
  const size_t pid_dot = name.rfind('.', counter_dot - 1);
  if (pid_dot == std::string::npos || pid_dot == 0) return -1;
  const size_t host_dot = name.rfind('.', pid_dot - 1);
  if (host_dot == std::string::npos) return -1;
  const std::string counter = name.substr(counter_dot + 1);
  const std::string pid = name.substr(pid_dot + 1, counter_dot - pid_dot - 1);
  const std::string host = name.substr(host_dot + 1, pid_dot - host_dot - 1);
  if (!all_digits(counter, 20) || !all_digits(pid, 9) || host != host_tag()) return -1;
  const std::string tag = ".tmp";
  if (host_dot < tag.size() + 1 || name.compare(host_dot - tag.size(), tag.size(), tag) != 0) return -1;
  return std::stol(pid);
}

}  // namespace

// ---------------------------------------------------------------------------------------

OutputTarget resolve_output_target(const std::string& path) {
  OutputTarget target;
  if (path == "-") {
    target.kind = OutputKind::kStdout;
    return target;
  }
  std::string current = path;
  for (int hop = 0; hop <= 40; ++hop) {
    const int descriptor = descriptor_of_path(current);
    if (descriptor >= 0) {
      target.kind = descriptor == 1 ? OutputKind::kStdout : OutputKind::kDescriptor;
      target.descriptor = descriptor;
      target.path = current;
      return target;
    }
    struct stat info {};
    if (::lstat(current.c_str(), &info) != 0) {
      if (errno != ENOENT) throw_output_error("inspect", path, errno);
      target.kind = OutputKind::kAtomic;  // created by the rename
      target.path = current;
      return target;
    }
    if (S_ISLNK(info.st_mode)) {
      std::vector<char> buffer(PATH_MAX + 1);
      const ssize_t length = ::readlink(current.c_str(), buffer.data(), PATH_MAX);
      if (length < 0) throw_output_error("read the symlink", path, errno);
      std::string link(buffer.data(), static_cast<size_t>(length));
      current = !link.empty() && link[0] == '/' ? link : directory_of(current) + "/" + link;
      continue;
    }
    if (S_ISDIR(info.st_mode)) throw OutputError("cannot write '" + path + "': is a directory");
    target.kind = S_ISREG(info.st_mode) ? OutputKind::kAtomic : OutputKind::kDirect;
    target.path = current;
    return target;
  }
  throw OutputError("cannot write '" + path + "': too many levels of symbolic links");
}

AtomicOutputFile::AtomicOutputFile(std::string path) : path_(std::move(path)) {
  if (path_ != "-") {
    const std::string base = base_name_of(path_);
    if (base.empty() || base == "." || base == "..") {
      throw OutputError("cannot write '" + path_ + "': not a file name");
    }
  }
  target_ = resolve_output_target(path_);
  switch (target_.kind) {
    case OutputKind::kStdout:
      return;
    case OutputKind::kDescriptor:
      fd_ = ::fcntl(target_.descriptor, F_DUPFD_CLOEXEC, 3);
      if (fd_ < 0) throw_output_error("write to descriptor " + std::to_string(target_.descriptor) + " for", path_, errno);
      break;
    case OutputKind::kDirect:
      // No O_TRUNC: a device or FIFO has nothing to truncate.
      fd_ = ::open(target_.path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd_ < 0) throw_output_error("open", path_, errno);
      break;
    case OutputKind::kAtomic:
      open_temp_file();
      break;
  }
  buffer_ = std::make_unique<detail::FdOutputBuffer>(fd_);
  file_stream_ = std::make_unique<std::ostream>(buffer_.get());
}

void AtomicOutputFile::open_temp_file() {
  const std::string& real = target_.path;
  const std::string base = base_name_of(real);
  const std::string directory = directory_of(real);
  {
    // Once per directory and process: temp files of processes that died without cleaning up.
    static std::mutex mutex;
    static std::set<std::string> cleaned;
    std::lock_guard<std::mutex> lock(mutex);
    if (cleaned.insert(directory).second) {
      const int removed = remove_stale_temp_files(directory);
      if (removed > 0) {
        spdlog::info("removed {} temp file(s) in '{}' left by processes that no longer run", removed,
                     directory);
      }
    }
  }
  const std::string prefix = directory + "/." + base + ".tmp." + host_tag() + "." +
                             std::to_string(static_cast<long>(::getpid())) + ".";
  // The counter makes names unique within the process; O_EXCL guards against a stale file
  // left by an earlier process with the same PID.
  for (int attempt = 0; fd_ < 0; ++attempt) {
    temp_path_ = prefix + std::to_string(temp_counter.fetch_add(1));
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && (errno != EEXIST || attempt >= 100)) {
      const int error = errno;
      temp_path_.clear();
      if (error == ENOENT) {
        throw OutputError("cannot write '" + path_ + "': its directory '" + directory +
                          "' does not exist (" + std::strerror(error) + ")");
      }
      if (real != path_) throw_output_error("create a temp file for", path_ + "' (-> '" + real, error);
      throw_output_error("create a temp file for", path_, error);
    }
  }
  slot_ = register_temp_path(temp_path_);
  if (slot_ < 0) {
    spdlog::warn("more than {} open output files or a long path: '{}' is not removed on SIGINT",
                 kMaxLiveTempFiles, temp_path_);
  }
  // A replaced file keeps its permissions (and, for root, its owner).
  struct stat existing {};
  if (::stat(real.c_str(), &existing) == 0 && S_ISREG(existing.st_mode)) {
    (void)::fchmod(fd_, existing.st_mode & 07777);
    if (::geteuid() == 0) (void)::fchown(fd_, existing.st_uid, existing.st_gid);
  }
}

AtomicOutputFile::~AtomicOutputFile() {
  if (!committed_) discard();
}

std::ostream& AtomicOutputFile::stream() { return file_stream_ ? *file_stream_ : std::cout; }

void AtomicOutputFile::finish() {
  if (finished_) throw InternalError("AtomicOutputFile::finish() called twice for '" + path_ + "'");
  if (!file_stream_) {
    std::cout.flush();
    if (!std::cout) throw OutputError("cannot write to standard output");
    finished_ = true;
    return;
  }
  if (fd_ < 0) throw OutputError("cannot commit '" + path_ + "': an earlier commit failed");
  file_stream_->flush();
  if (!*file_stream_) {
    const int error = buffer_->error();
    throw OutputError("cannot write '" + path_ +
                      "': " + (error != 0 ? std::strerror(error) : "stream error"));
  }
  const int fd = fd_;
  if (target_.kind == OutputKind::kAtomic) {
    if (::fsync(fd) != 0) throw_output_error("fsync", path_, errno);
  }
  fd_ = -1;
  if (::close(fd) != 0) throw_output_error("close", path_, errno);
  finished_ = true;
}

void AtomicOutputFile::publish() {
  if (committed_) throw InternalError("AtomicOutputFile::commit() called twice for '" + path_ + "'");
  if (!finished_) throw InternalError("AtomicOutputFile::publish() before finish() for '" + path_ + "'");
  if (target_.kind != OutputKind::kAtomic) {
    committed_ = true;
    return;
  }
  if (::rename(temp_path_.c_str(), target_.path.c_str()) != 0)
    throw_output_error("rename onto", path_, errno);
  committed_ = true;
  unregister_temp_path(slot_);
  slot_ = -1;
  fsync_directory(path_, directory_of(target_.path));
}

void AtomicOutputFile::commit() {
  if (committed_) throw InternalError("AtomicOutputFile::commit() called twice for '" + path_ + "'");
  if (!finished_) finish();
  publish();
}

void AtomicOutputFile::discard() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (temp_path_.empty()) return;
  ::unlink(temp_path_.c_str());
  unregister_temp_path(slot_);
  slot_ = -1;
}

void finish_all(const std::vector<AtomicOutputFile*>& files) {
  for (AtomicOutputFile* file : files) {
    if (file != nullptr && !file->finished()) file->finish();
  }
}

void commit_together(const std::vector<AtomicOutputFile*>& files) {
  finish_all(files);
  for (AtomicOutputFile* file : files) {
    if (file != nullptr && !file->committed()) file->publish();
  }
}

int remove_stale_temp_files(const std::string& directory) {
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) return 0;
  const long self = static_cast<long>(::getpid());
  int removed = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    const long owner = temp_file_owner(name);
    if (owner <= 0 || owner == self) continue;
    if (::kill(static_cast<pid_t>(owner), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
    const std::string path = directory + "/" + name;
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    if (::unlink(path.c_str()) == 0) ++removed;
  }
  ::closedir(dir);
  return removed;
}

void install_interrupt_cleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = unlink_temp_files_and_exit;
    sigemptyset(&action.sa_mask);
    for (int signal_number : kHandledSignals) sigaddset(&action.sa_mask, signal_number);
    action.sa_flags = 0;
    for (int signal_number : kHandledSignals) {
      if (::sigaction(signal_number, &action, nullptr) != 0) {
        throw Error(std::string("cannot install the SIGINT/SIGTERM/SIGHUP handlers: ") +
                    std::strerror(errno));
      }
    }
  });
}

void write_file_atomically(const std::string& path, const std::string& content) {
  AtomicOutputFile file(path);
  file.stream() << content;
  file.commit();
}

}  // namespace alsel
