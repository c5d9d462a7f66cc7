// A NER model behind the model contract (docs/model-format.md), with libtorch kept out of sight.
//
//   alsel::ModelOptions options;
//   options.path = "models/msra-bert3-crf.pt";
//   auto model = alsel::load_torchscript_model(options);   // alsel/torchscript_model.h
//   alsel::BatchEmissions out = model->emissions({{cls, 17, 42, sep}});
//   const float* row = out.at(0, 1);   // L scores for token 1 of sequence 0
//
// Only src/model/torch/torchscript_model.cc includes libtorch; it is the alsel_torch library. The
// commands (alsel_app) never name it: they get a ModelFactory from their caller (the CLI passes
// load_torchscript_model, the in-process tests a FakeModel).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alsel/model/crf.h"
#include "alsel/text/vocabulary.h"
#include "alsel/text/wordpiece_tokenizer.h"
#include "alsel/util/settings.h"

namespace alsel {

// Most threads one forward pass may use (--threads); libgomp fails far above it.
inline constexpr int kMaxThreads = 1024;

struct ModelOptions {
  std::string path;          // TorchScript archive
  std::string device = "cpu";  // "cpu" or "cuda" / "cuda:N"
  std::string precision = "fp32";  // auto | fp32 | bf16 | fp16 (precision.h)
  int threads = 0;           // threads of one forward pass on CPU (libtorch's intra-op pool and
                             // OpenBLAS's); 0 = 1: alsel runs one pass per core at once instead
                             // (InferenceConfig::streams)
  std::string vocab_path;    // overrides/supplies alsel/vocab.txt (third-party exports)
  std::string labels_path;   // overrides/supplies meta labels: one label per line, in id order
  std::string source;        // how `path` was chosen: "--model", "ALSEL_MODEL (environment)",
                             // "installed: DIR ..." (model_locator.h); with an empty path, why
                             // none was found (the usage error's text)
  void validate() const;
  std::string to_string() const;
  // --model/-m, --device, --precision, --threads, --vocab, --labels (settings.h).
  void register_settings(SettingsRegistry& settings);
};

struct ModelMetadata {
  std::vector<std::string> labels;  // label names in id order
  int max_len = 512;                // longest wordpiece sequence, [CLS] and [SEP] included
  TokenizerConfig tokenizer;        // do_lower_case, strip_accents, fold_fullwidth from meta
  bool has_crf = false;             // transitions/start_transitions/end_transitions present
  std::string name;                 // meta "name", else the file stem
  std::string warning;              // meta "warning" (e.g. an untrained demo model); empty if none
  nlohmann::json meta;              // the whole alsel/meta.json ({} when absent)
};

// Emissions of one batch: (batch, length, labels) row-major floats on the host.
struct BatchEmissions {
  int batch = 0;
  int length = 0;
  int labels = 0;
  std::vector<float> data;
  const float* at(int sequence, int position) const {
    return data.data() + (static_cast<size_t>(sequence) * length + position) * labels;
  }
};

class NerModel {
 public:
  virtual ~NerModel() = default;

  virtual const ModelMetadata& metadata() const = 0;
  virtual std::shared_ptr<const Vocabulary> vocabulary() const = 0;
  virtual const CrfParameters* crf() const = 0;  // nullptr when the model has no CRF
  virtual int64_t parameter_count() const = 0;
  virtual std::string device() const = 0;
  // The resolved precision of the forward pass: fp32, bf16 or fp16 (precision.h).
  virtual std::string precision() const { return "fp32"; }
  // Forward pass. Every sequence already holds [CLS] ... [SEP]; shorter ones are padded with
  // [PAD] and masked. Sequences must not exceed metadata().max_len. May be called from several
  // threads at once (run_pipeline's forward streams).
  virtual BatchEmissions emissions(const std::vector<std::vector<int>>& sequences) = 0;
};

// How a command gets its model: loads and checks the contract, throwing ModelError saying what
// is wrong.
using ModelFactory = std::function<std::unique_ptr<NerModel>(const ModelOptions& options)>;

}  // namespace alsel
