#include "alsel/util/manifest.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "alsel/util/errors.h"
#include "alsel/util/sha256.h"

namespace alsel {
namespace {

namespace fs = std::filesystem;

TEST(ManifestTest, FingerprintCountsBytesLinesAndHashes) {
  const fs::path path =
      fs::temp_directory_path() / ("alsel-manifest-" + std::to_string(getpid()) + ".jsonl");
  const std::string content = "line one\nline two\nno newline at the end";
  std::ofstream(path, std::ios::binary) << content;
  const FileFingerprint fingerprint = fingerprint_file(path.string());
  EXPECT_EQ(fingerprint.bytes, content.size());
  EXPECT_EQ(fingerprint.lines, 3u);
  EXPECT_EQ(fingerprint.sha256, sha256_hex(content));
  const auto json = fingerprint_json(fingerprint);
  EXPECT_EQ(json["path"], path.string());
  EXPECT_EQ(json["bytes"], content.size());
  std::ofstream(path, std::ios::binary) << "a\nb\n";
  EXPECT_EQ(fingerprint_file(path.string()).lines, 2u);
  fs::remove(path);
  EXPECT_THROW(fingerprint_file(path.string()), InputError);
}

TEST(ManifestTest, StdinHasOnlyAPath) {
  const FileFingerprint stdin_print = fingerprint_file("-");
  EXPECT_TRUE(stdin_print.sha256.empty());
  EXPECT_TRUE(fingerprint_json(stdin_print)["sha256"].is_null());
}

TEST(ManifestTest, PathAndTimestamp) {
  EXPECT_EQ(default_manifest_path("out/batch.jsonl"), "out/batch.jsonl.manifest.json");
  EXPECT_EQ(default_manifest_path("-"), "");
  EXPECT_EQ(utc_timestamp(std::chrono::system_clock::from_time_t(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(utc_timestamp(std::chrono::system_clock::from_time_t(1738288805)),
            "2025-01-31T02:00:05Z");
}

}  // namespace
}  // namespace alsel
