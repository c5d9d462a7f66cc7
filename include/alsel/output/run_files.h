// The files one run reads and writes, checked against each other before any work: an output
// that is also an input (or another output) would be destroyed by the run's final rename.
//
//   alsel::RunFiles files;
//   files.inputs("--pool", config.pool.paths);
//   files.output("--out", config.out);
//   files.output("--rejects", config.pool.rejects_path);
//   files.check();   // UsageError: "--out 'p.jsonl' is the same file as --pool 'p.jsonl' ..."
//
// Files are compared by device and inode when they exist (hard links and symlinks included),
// else by their path with symlinks resolved. Character devices, FIFOs and sockets are exempt
// (two outputs may both go to /dev/null); two outputs that both reach standard output are not.
#pragma once

#include <string>
#include <vector>

namespace alsel {

class RunFiles {
 public:
  // `setting` names where the path came from (a flag such as "--pool"), for the message. "-"
  // (stdin) and empty paths are ignored.
  void input(const std::string& setting, const std::string& path);
  void inputs(const std::string& setting, const std::vector<std::string>& paths);
  // An empty path (output not asked for) is ignored; "-" is standard output.
  void output(const std::string& setting, const std::string& path);

  // Throws UsageError naming both settings and paths for the first output that is the same
  // file as an input or as an earlier output.
  void check() const;

 private:
  struct Entry {
    std::string setting;
    std::string path;
  };
  std::vector<Entry> inputs_;
  std::vector<Entry> outputs_;
};

}  // namespace alsel
