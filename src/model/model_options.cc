#include <algorithm>
#include <sstream>

#include "alsel/util/errors.h"
#include "alsel/model/ner_model.h"
#include "alsel/model/precision.h"

namespace alsel {

void ModelOptions::validate() const {
  if (path.empty()) throw UsageError(source.empty() || source == "--model" ? "--model is empty" : source);
  if (threads < 0 || threads > kMaxThreads) {
    throw UsageError("--threads must be in [0, " + std::to_string(kMaxThreads) + "], got " +
                     std::to_string(threads));
  }
  if (device.rfind("cpu", 0) != 0 && device.rfind("cuda", 0) != 0) {
    throw UsageError("--device must be cpu or cuda[:N], got '" + device + "'");
  }
  const std::vector<std::string> names = precision_names();
  if (std::find(names.begin(), names.end(), precision) == names.end()) {
    throw UsageError("--precision must be auto, fp32, bf16 or fp16, got '" + precision + "'");
  }
  if (precision == "fp16" && device.rfind("cuda", 0) != 0) {
    throw UsageError("--precision fp16 needs --device cuda (CPUs compute bf16 or fp32; use bf16 or auto)");
  }
}

std::string ModelOptions::to_string() const {
  std::ostringstream out;
  out << "model=" << path;
  if (!source.empty()) out << " (" << source << ")";
  out << " device=" << device << " precision=" << precision << " threads=" << threads;
  if (!vocab_path.empty()) out << " vocab=" << vocab_path;
  if (!labels_path.empty()) out << " labels=" << labels_path;
  return out.str();
}

}  // namespace alsel
