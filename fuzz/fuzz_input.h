// Shared by the fuzz targets: the input as a file (the readers take paths), and quiet logging.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include <spdlog/spdlog.h>

namespace alsel::fuzz {

// An in-memory file holding the input, named /proc/self/fd/N, rewritten for every input.
class InputFile {
 public:
  InputFile() : fd_(::memfd_create("alsel-fuzz", 0)) {
    if (fd_ < 0) __builtin_trap();
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  const std::string& write(const uint8_t* data, size_t size) {
    if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) __builtin_trap();
    size_t done = 0;
    while (done < size) {
      const ssize_t wrote = ::write(fd_, data + done, size - done);
      if (wrote <= 0) __builtin_trap();
      done += static_cast<size_t>(wrote);
    }
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

inline void quiet_logging() { spdlog::set_level(spdlog::level::off); }

}  // namespace alsel::fuzz
