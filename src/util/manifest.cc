#include "alsel/util/manifest.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <vector>

#include "alsel/util/errors.h"
#include "alsel/util/sha256.h"

namespace alsel {

FileFingerprint fingerprint_file(const std::string& path) {
  FileFingerprint fingerprint;
  fingerprint.path = path;
  if (path == "-") return fingerprint;
  // A FIFO or device (a pool given as <(command)) can be read only once, by the run itself.
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode) && !S_ISDIR(info.st_mode)) {
    return fingerprint;
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError("cannot open '" + path + "': " + std::strerror(errno));
  Sha256 hash;
  std::vector<char> buffer(1 << 20);
  char last = '\n';
  while (file) {
    file.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const size_t got = static_cast<size_t>(file.gcount());
    if (got == 0) break;
    hash.update(buffer.data(), got);
    fingerprint.bytes += got;
    for (const char *p = buffer.data(), *end = buffer.data() + got;
         (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) !=
         nullptr;
         ++p) {
      ++fingerprint.lines;
    }
    last = buffer[got - 1];
  }
  if (file.bad()) throw InputError("error reading '" + path + "'");
  if (last != '\n') ++fingerprint.lines;
  fingerprint.sha256 = hash.hex_digest();
  return fingerprint;
}

nlohmann::ordered_json fingerprint_json(const FileFingerprint& fingerprint) {
  nlohmann::ordered_json out;
  out["path"] = fingerprint.path;
  if (fingerprint.sha256.empty()) {
    out["bytes"] = nullptr;
    out["lines"] = nullptr;
    out["sha256"] = nullptr;
  } else {
    out["bytes"] = fingerprint.bytes;
    out["lines"] = fingerprint.lines;
    out["sha256"] = fingerprint.sha256;
  }
  return out;
}

std::string default_manifest_path(const std::string& output) {
  return output == "-" || output.empty() ? std::string() : output + ".manifest.json";
}

std::string utc_timestamp(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

}  // namespace alsel
