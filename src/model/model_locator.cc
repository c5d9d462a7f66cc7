#include "alsel/model/model_locator.h"

#include <system_error>

namespace alsel {

const std::vector<std::string>& shipped_model_names() {
  static const std::vector<std::string> names = {"msra-bert3-crf.pt", "tiny-demo.pt"};
  return names;
}

std::vector<std::pair<std::filesystem::path, std::string>> model_directories(
    const std::filesystem::path& executable) {
  const std::filesystem::path dir = executable.parent_path();
  return {
      {(dir / ".." / "share" / "alsel" / "models").lexically_normal(), "installed"},
      {dir / "models", "build tree"},
  };
}

ModelLocation locate_default_model(const std::filesystem::path& executable, const char* env_model) {
  if (env_model != nullptr && *env_model != '\0') {
    return {env_model, "ALSEL_MODEL (environment)"};
  }
  std::string searched;
  for (const auto& [dir, rule] : model_directories(executable)) {
    for (const std::string& name : shipped_model_names()) {
      std::error_code error;
      const std::filesystem::path candidate = dir / name;
      if (std::filesystem::is_regular_file(candidate, error)) {
        return {candidate.string(), rule + ": " + dir.string() + " beside " + executable.string()};
      }
    }
    searched += (searched.empty() ? "" : ", ") + dir.string();
  }
  return {"", "no model: ALSEL_MODEL is unset and no shipped model (" + shipped_model_names().front() +
                  ", ...) is in " + searched + "; give --model FILE or set ALSEL_MODEL"};
}

std::filesystem::path current_executable() {
  std::error_code error;
  std::filesystem::path path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path() : path;
}

}  // namespace alsel
