#include "alsel/output/run_files.h"

#include <sys/stat.h>

#include <filesystem>
#include <optional>

#include "alsel/output/atomic_file.h"
#include "alsel/util/errors.h"

namespace alsel {
namespace {

// What a path refers to, for comparing paths of one run.
struct Identity {
  bool exempt = false;    // a device, FIFO or socket: sharing it destroys nothing
  bool standard_output = false;  // this process's standard output
  bool has_inode = false;
  dev_t device = 0;
  ino_t inode = 0;
  std::string resolved;   // absolute path, symlinks resolved as far as the file system allows
};

std::string resolved_path(const std::string& path) {
  std::error_code error;
  std::filesystem::path resolved = std::filesystem::weakly_canonical(std::filesystem::absolute(path, error), error);
  if (error) return std::filesystem::absolute(path).lexically_normal().string();
  return resolved.string();
}

void from_stat(const struct stat& info, Identity& identity) {
  if (!S_ISREG(info.st_mode) && !S_ISDIR(info.st_mode)) {
    identity.exempt = true;
    return;
  }
  identity.has_inode = true;
  identity.device = info.st_dev;
  identity.inode = info.st_ino;
}

Identity identify_input(const std::string& path) {
  Identity identity;
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) from_stat(info, identity);
  identity.resolved = resolved_path(path);
  return identity;
}

Identity identify_output(const std::string& path) {
  Identity identity;
  const OutputTarget target = resolve_output_target(path);
  struct stat info {};
  switch (target.kind) {
    case OutputKind::kStdout:
      identity.standard_output = true;
      // Standard output redirected to a file that is also an input is caught by its inode.
      if (::fstat(1, &info) == 0 && S_ISREG(info.st_mode)) from_stat(info, identity);
      return identity;
    case OutputKind::kDescriptor:
      if (::fstat(target.descriptor, &info) == 0) {
        from_stat(info, identity);
      } else {
        identity.exempt = true;  // opening it will fail with its own message
      }
      return identity;
    case OutputKind::kDirect:
      identity.exempt = true;
      return identity;
    case OutputKind::kAtomic:
      if (::stat(target.path.c_str(), &info) == 0) from_stat(info, identity);
      identity.resolved = resolved_path(target.path);
      return identity;
  }
  return identity;
}

bool same_file(const Identity& a, const Identity& b) {
  if (a.exempt || b.exempt) return false;
  if (a.has_inode && b.has_inode) return a.device == b.device && a.inode == b.inode;
  return !a.resolved.empty() && a.resolved == b.resolved;
}

std::string describe(const std::string& setting, const std::string& path) {
  return setting + " '" + path + "'";
}

}  // namespace

void RunFiles::input(const std::string& setting, const std::string& path) {
  if (path.empty() || path == "-") return;
  inputs_.push_back(Entry{setting, path});
}

void RunFiles::inputs(const std::string& setting, const std::vector<std::string>& paths) {
  for (const std::string& path : paths) input(setting, path);
}

void RunFiles::output(const std::string& setting, const std::string& path) {
  if (path.empty()) return;
  outputs_.push_back(Entry{setting, path});
}

void RunFiles::check() const {
  std::vector<Identity> inputs;
  inputs.reserve(inputs_.size());
  for (const Entry& entry : inputs_) inputs.push_back(identify_input(entry.path));
  std::vector<Identity> outputs;
  outputs.reserve(outputs_.size());
  for (size_t o = 0; o < outputs_.size(); ++o) {
    const Entry& output = outputs_[o];
    outputs.push_back(identify_output(output.path));
    const Identity& identity = outputs.back();
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (same_file(identity, inputs[i])) {
        throw UsageError(describe(output.setting, output.path) + " is the same file as " +
                         describe(inputs_[i].setting, inputs_[i].path) +
                         ": writing it would destroy the input; choose another output path");
      }
    }
    for (size_t earlier = 0; earlier < o; ++earlier) {
      const Identity& other = outputs[earlier];
      if ((identity.standard_output && other.standard_output) || same_file(identity, other)) {
        throw UsageError(describe(output.setting, output.path) + " and " +
                         describe(outputs_[earlier].setting, outputs_[earlier].path) +
                         (identity.standard_output && other.standard_output ? " both write to standard output"
                                                          : " are the same file") +
                         ": one would overwrite the other; give each output its own path");
      }
    }
  }
}

}  // namespace alsel
