#include <algorithm>
#include <sstream>

#include "alsel/util/errors.h"
#include "alsel/model/ner_model.h"
#include "alsel/model/precision.h"
#include "alsel/util/settings.h"

namespace alsel {

void ModelOptions::validate() const {
  if (path.empty()) {
    throw UsageError(source.empty() || source == show_setting("model") ? show_setting("model") + " is empty" : source);
  }
  if (threads < 0 || threads > kMaxThreads) {
    throw UsageError(show_setting("threads") + " must be in [0, " + std::to_string(kMaxThreads) + "], got " +
                     std::to_string(threads));
  }
  if (device.rfind("cpu", 0) != 0 && device.rfind("cuda", 0) != 0) {
    throw UsageError(show_setting("device") + " must be cpu or cuda[:N], got '" + device + "'");
  }
  const std::vector<std::string> names = precision_names();
  if (std::find(names.begin(), names.end(), precision) == names.end()) {
    throw UsageError(show_setting("precision") + " must be auto, fp32, bf16 or fp16, got '" + precision + "'");
  }
  if (precision == "fp16" && device.rfind("cuda", 0) != 0) {
    throw UsageError(show_setting("precision") + " fp16 needs " + show_setting("device") +
                     " cuda (CPUs compute bf16 or fp32; use bf16 or auto)");
  }
}

void ModelOptions::register_settings(SettingsRegistry& settings) {
  settings.add(Setting("model",
                       "TorchScript model (default: $ALSEL_MODEL, else the shipped model in "
                       "PREFIX/share/alsel/models; `alsel info` shows which)")
                   .with_short("m")
                   .without_default(),
               path);
  settings.add(Setting("device", "cpu or cuda[:N]"), device);
  settings.add(Setting("precision",
                       "forward pass in auto, fp32, bf16 or fp16 (CUDA); auto = bf16 where the CPU has "
                       "avx512_bf16 or amx_bf16, else fp32")
                   .with_choices(precision_names()),
               precision);
  settings.add(Setting("threads", "threads of one forward pass (0 = 1: alsel runs one pass per core at once instead)"),
               threads);
  settings.add(Setting("vocab", "vocabulary file for models without alsel/vocab.txt").without_default(), vocab_path);
  settings.add(Setting("labels", "label names, one per line, for models without meta").without_default(), labels_path);
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
