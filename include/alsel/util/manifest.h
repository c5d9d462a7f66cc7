// Pieces of the run manifest that alsel writes beside each output (OUT.manifest.json): file
// fingerprints, the manifest's path and timestamps. The subcommands assemble the manifest
// itself (src/app/); README "Run manifest" documents its fields.
//
//   alsel::FileFingerprint pool = alsel::fingerprint_file("pool.jsonl");
//   manifest["pool"].push_back(alsel::fingerprint_json(pool));
//   alsel::write_file_atomically(alsel::default_manifest_path("batch.jsonl"), manifest.dump(2));
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace alsel {

struct FileFingerprint {
  std::string path;    // as given; "-" = stdin (nothing else known)
  uint64_t bytes = 0;  // file size
  uint64_t lines = 0;  // newline-terminated lines, plus one for a last line without newline
  std::string sha256;  // hex digest of the content; empty for stdin
};

// Reads the file once: size, line count and SHA-256 (about 160 MB/s on one core). "-" gives a
// fingerprint with only the path, and so do FIFOs and devices (reading them would consume the
// data the run needs). Throws InputError naming the file when it cannot be read.
FileFingerprint fingerprint_file(const std::string& path);

// {"path", "bytes", "lines", "sha256"}; bytes/lines/sha256 null for stdin.
nlohmann::ordered_json fingerprint_json(const FileFingerprint& fingerprint);

// "OUT.manifest.json" beside `output`; empty for "-" (stdout has nothing beside it).
std::string default_manifest_path(const std::string& output);

// ISO 8601 UTC with seconds, e.g. "2025-01-31T02:00:05Z".
std::string utc_timestamp(std::chrono::system_clock::time_point time);

}  // namespace alsel
