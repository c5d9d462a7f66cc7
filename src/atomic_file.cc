#include "alsel/atomic_file.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <mutex>
#include <streambuf>
#include <vector>

#include "alsel/errors.h"

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

extern "C" void unlink_temp_files_and_exit(int /*signal*/) {
  for (auto& slot : temp_slots) {
    int expected = kLive;
    if (slot.state.compare_exchange_strong(expected, kUnlinking)) ::unlink(slot.path);
  }
  ::_exit(kExitInterrupted);
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

}  // namespace

// ---------------------------------------------------------------------------------------

AtomicOutputFile::AtomicOutputFile(std::string path) : path_(std::move(path)) {
  if (path_ == "-") return;
  const std::string base = base_name_of(path_);
  if (base.empty() || base == "." || base == "..") {
    throw OutputError("cannot write '" + path_ + "': not a file name");
  }
  const std::string prefix = directory_of(path_) + "/." + base + ".tmp." +
                             std::to_string(static_cast<long>(::getpid())) + ".";
  // The counter makes names unique within the process; O_EXCL guards against a stale file
  // left by an earlier process with the same PID.
  for (int attempt = 0; fd_ < 0; ++attempt) {
    temp_path_ = prefix + std::to_string(temp_counter.fetch_add(1));
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0 && (errno != EEXIST || attempt >= 100)) {
      const int error = errno;
      temp_path_.clear();
      throw_output_error("create a temp file for", path_, error);
    }
  }
  slot_ = register_temp_path(temp_path_);
  if (slot_ < 0) {
    spdlog::warn("more than {} open output files or a long path: '{}' is not removed on SIGINT",
                 kMaxLiveTempFiles, temp_path_);
  }
  buffer_ = std::make_unique<detail::FdOutputBuffer>(fd_);
  file_stream_ = std::make_unique<std::ostream>(buffer_.get());
}

AtomicOutputFile::~AtomicOutputFile() {
  if (!committed_) discard();
}

std::ostream& AtomicOutputFile::stream() { return file_stream_ ? *file_stream_ : std::cout; }

void AtomicOutputFile::commit() {
  if (committed_)
    throw InternalError("AtomicOutputFile::commit() called twice for '" + path_ + "'");
  if (!file_stream_) {
    std::cout.flush();
    if (!std::cout) throw OutputError("cannot write to standard output");
    committed_ = true;
    return;
  }
  if (fd_ < 0) throw OutputError("cannot commit '" + path_ + "': an earlier commit failed");
  file_stream_->flush();
  if (!*file_stream_) {
    const int error = buffer_->error();
    throw OutputError("cannot write '" + path_ +
                      "': " + (error != 0 ? std::strerror(error) : "stream error"));
  }
  if (::fsync(fd_) != 0) throw_output_error("fsync", path_, errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) throw_output_error("close", path_, errno);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0)
    throw_output_error("rename onto", path_, errno);
  committed_ = true;
  unregister_temp_path(slot_);
  slot_ = -1;
  fsync_directory(path_, directory_of(path_));
}

void AtomicOutputFile::discard() noexcept {
  if (temp_path_.empty()) return;
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  ::unlink(temp_path_.c_str());
  unregister_temp_path(slot_);
  slot_ = -1;
}

void install_interrupt_cleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = unlink_temp_files_and_exit;
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGINT);
    sigaddset(&action.sa_mask, SIGTERM);
    action.sa_flags = 0;
    if (::sigaction(SIGINT, &action, nullptr) != 0 || ::sigaction(SIGTERM, &action, nullptr) != 0) {
      throw Error(std::string("cannot install SIGINT/SIGTERM handlers: ") + std::strerror(errno));
    }
  });
}

void write_file_atomically(const std::string& path, const std::string& content) {
  AtomicOutputFile file(path);
  file.stream() << content;
  file.commit();
}

}  // namespace alsel
