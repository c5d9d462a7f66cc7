// Where the default model comes from when no --model is given: ALSEL_MODEL, else the shipped
// models beside the binary. Never a path compiled in at build time, so an installed alsel
// (prefix/bin/alsel, models in prefix/share/alsel/models/) finds its model with no checkout
// around, and a build tree (build/alsel beside build/models -> the source's models/) too.
//
//   alsel::ModelLocation location = alsel::locate_default_model(alsel::current_executable(),
//                                                                std::getenv("ALSEL_MODEL"));
//   options.path = location.path;      // may be empty: nothing found
//   options.source = location.rule;    // "installed: <exe>/../share/alsel/models", ...
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace alsel {

// The shipped models, best first: the trained MSRA model, else the tiny untrained demo.
const std::vector<std::string>& shipped_model_names();

struct ModelLocation {
  std::string path;  // the model file; empty when no rule found one
  std::string rule;  // which rule chose it, for `alsel info` and logs; when path is empty,
                     // what was searched
};

// The model directories searched beside `executable`, in order, each with its rule name:
//   EXE_DIR/../share/alsel/models   "installed"  (cmake --install, the .deb)
//   EXE_DIR/models                  "build tree" (CMake links build/models to the sources')
std::vector<std::pair<std::filesystem::path, std::string>> model_directories(
    const std::filesystem::path& executable);

// ALSEL_MODEL (`env_model`, when non-empty; used even if the file is missing, so that the
// load error names it), else the first shipped model name found in model_directories().
ModelLocation locate_default_model(const std::filesystem::path& executable, const char* env_model);

// The running binary's path (/proc/self/exe, symlinks resolved); empty if unknown.
std::filesystem::path current_executable();

}  // namespace alsel
