#include "alsel/model/precision.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "alsel/util/errors.h"
#include "alsel/util/settings.h"

namespace alsel {

std::vector<std::string> precision_names() { return {"auto", "fp32", "bf16", "fp16"}; }

std::set<std::string> cpu_flags(const std::string& cpuinfo_path) {
  std::ifstream in(cpuinfo_path);
  std::set<std::string> flags;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("flags", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream words(line.substr(colon + 1));
    for (std::string flag; words >> flag;) flags.insert(flag);
    break;  // the first processor's
  }
  return flags;
}

std::string native_bf16_flag(const std::set<std::string>& flags) {
  for (const char* flag : {"avx512_bf16", "amx_bf16"}) {
    if (flags.count(flag) != 0) return flag;
  }
  return "";
}

PrecisionChoice resolve_precision(const std::string& requested, bool cuda, const std::set<std::string>& flags,
                                  bool onednn) {
  const std::vector<std::string> names = precision_names();
  if (std::find(names.begin(), names.end(), requested) == names.end()) {
    throw UsageError(show_setting("precision") + " must be auto, fp32, bf16 or fp16, got '" + requested + "'");
  }
  if (requested == "fp16" && !cuda) {
    throw UsageError(show_setting("precision") + " fp16 needs " + show_setting("device") + " cuda (CPUs compute bf16 or fp32; use bf16 or auto)");
  }
  const std::string flag = native_bf16_flag(flags);
  if (requested == "auto") {
    if (cuda) return {"fp32", "auto: fp32 on CUDA (ask for bf16 or fp16 explicitly)", ""};
    if (flag.empty()) return {"fp32", "auto: the CPU has no avx512_bf16 or amx_bf16", ""};
    if (!onednn) return {"fp32", "auto: this libtorch has no oneDNN for bf16", ""};
    return {"bf16", "auto: the CPU has " + flag, ""};
  }
  PrecisionChoice choice{requested, "asked", ""};
  if (requested == "bf16" && !cuda && flag.empty()) {
    choice.warning = show_setting("precision") +
                     " bf16 on a CPU without avx512_bf16 or amx_bf16: bfloat16 is emulated and slower than fp32";
  }
  return choice;
}

}  // namespace alsel
