// NerModel over a TorchScript archive: the only translation unit that includes libtorch.
#include <dlfcn.h>
#include <spdlog/spdlog.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <malloc.h>

#include <filesystem>
#include <mutex>
#include <fstream>
#include <sstream>

#include "alsel/data/entities.h"
#include "alsel/util/errors.h"
#include "alsel/model/precision.h"
#include "alsel/model/torchscript_model.h"
#include "alsel/util/utf8.h"
#include "autocast_guard.h"
#include "alsel/util/settings.h"

namespace alsel {
namespace {

constexpr const char* kMetaFile = "alsel/meta.json";
constexpr const char* kVocabFile = "alsel/vocab.txt";

std::string read_text_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError("cannot read " + std::string(what) + " file '" + path + "'");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> read_labels_file(const std::string& path) {
  std::vector<std::string> labels;
  std::istringstream lines(read_text_file(path, "labels"));
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) labels.push_back(line);
  }
  if (labels.empty()) throw ModelError("labels file '" + path + "' holds no labels");
  return labels;
}

std::string shape_of(const torch::Tensor& tensor) {
  std::ostringstream out;
  out << tensor.sizes();
  return out.str();
}

// Threads of one forward pass on CPU: ATen's intra-op pool and, when libtorch's BLAS is OpenBLAS
// (Debian's libtorch calls sgemm through libblas.so.3), OpenBLAS's own pool, which
// at::set_num_threads leaves at one thread per core. Two pools of busy-waiting threads on the
// same cores slow each other down (docs/performance.md).
void set_cpu_threads(int threads) {
  at::set_num_threads(threads);
  using SetThreads = void (*)(int);
  if (auto openblas_set_num_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    openblas_set_num_threads(threads);
  }
}

// Half- and bfloat16-precision parameters and buffers to float32, every other tensor as it is.
// torch::jit::Module::to(kFloat) would convert integer buffers too (a lexicon's int32 hash keys
// became float, lost their low bits and matched nothing), unlike Python's Module.to(dtype).
void floating_state_to_float32(torch::jit::Module& module) {
  auto convert = [](torch::Tensor tensor) {
    if (tensor.scalar_type() == torch::kHalf || tensor.scalar_type() == torch::kBFloat16) {
      tensor.set_data(tensor.to(torch::kFloat));
    }
  };
  for (const auto& parameter : module.named_parameters(/*recurse=*/true)) convert(parameter.value);
  for (const auto& buffer : module.named_buffers(/*recurse=*/true)) convert(buffer.value);
}

// Longest max_len alsel accepts from a model's meta: far above any transformer's positions,
// and small enough that pieces, offsets and batch sizes stay within int.
constexpr int64_t kMaxSequenceLength = 1 << 20;

// The line of a libtorch exception that says what failed: the first line, except for errors
// raised inside TorchScript code, whose message is the last line of the interpreter's traceback
// ("builtins.RuntimeError: ...").
std::string libtorch_message(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.find("failed in the TorchScript interpreter") != std::string::npos) {
    size_t end = text.find_last_not_of(" \n\r\t");
    if (end != std::string::npos) {
      const size_t start = text.rfind('\n', end);
      line = text.substr(start == std::string::npos ? 0 : start + 1, end + 1 - (start == std::string::npos ? 0 : start + 1));
    }
  }
  return excerpt_utf8(line, 300);
}

std::vector<float> tensor_values(const torch::Tensor& tensor) {
  torch::Tensor values = tensor.detach().to(torch::kCPU).to(torch::kFloat).contiguous();
  return std::vector<float>(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
}

class TorchScriptModel : public NerModel {
 public:
  explicit TorchScriptModel(const ModelOptions& options) : path_(options.path), device_(torch::kCPU) {
    options.validate();
    if (!std::filesystem::exists(options.path)) {
      throw ModelError("model file '" + options.path + "' does not exist");
    }
    device_ = parse_device(options.device);
    set_cpu_threads(options.threads > 0 ? options.threads : 1);
    const PrecisionChoice choice =
        resolve_precision(options.precision, !device_.is_cpu(), cpu_flags(), at::hasMKLDNN());
    precision_ = choice.precision;
    spdlog::debug("precision {} ({})", precision_, choice.reason);
    if (!choice.warning.empty()) spdlog::warn("{}", choice.warning);

    torch::jit::ExtraFilesMap extra{{kMetaFile, ""}, {kVocabFile, ""}};
    try {
      module_ = torch::jit::load(options.path, device_, extra);
    } catch (const std::exception& e) {
      throw ModelError("'" + options.path + "' is not a loadable TorchScript archive: " +
                       libtorch_message(e.what()));
    }
    module_.eval();
    if (device_.is_cpu()) floating_state_to_float32(module_);  // half-precision archives run in float32 here

    read_metadata(options, extra[kMetaFile]);
    if (!options.vocab_path.empty()) {
      vocab_ = std::make_shared<Vocabulary>(Vocabulary::from_file(options.vocab_path));
    } else if (!extra[kVocabFile].empty()) {
      vocab_ = std::make_shared<Vocabulary>(
          Vocabulary::from_text(extra[kVocabFile], options.path + ":" + kVocabFile));
    } else {
      throw ModelError("model '" + options.path + "' has no " + kVocabFile +
                       " inside; pass " + show_setting("vocab") + " FILE");
    }
    cls_id_ = require_token("[CLS]", options.path);
    sep_id_ = require_token("[SEP]", options.path);
    pad_id_ = vocab_->id("[PAD]") >= 0 ? vocab_->id("[PAD]") : 0;

    check_forward(options.path);
    read_crf(options.path);
    for (const auto& parameter : module_.parameters()) parameter_count_ += parameter.numel();
  }

  const ModelMetadata& metadata() const override { return metadata_; }
  std::shared_ptr<const Vocabulary> vocabulary() const override { return vocab_; }
  const CrfParameters* crf() const override { return metadata_.has_crf ? &crf_ : nullptr; }
  int64_t parameter_count() const override { return parameter_count_; }
  std::string device() const override { return device_.str(); }
  std::string precision() const override { return precision_; }

  BatchEmissions emissions(const std::vector<std::vector<int>>& sequences) override {
    BatchEmissions out;
    out.batch = static_cast<int>(sequences.size());
    out.labels = static_cast<int>(metadata_.labels.size());
    for (const auto& sequence : sequences) {
      out.length = std::max(out.length, static_cast<int>(sequence.size()));
    }
    if (out.batch == 0) return out;
    if (out.length > metadata_.max_len) {
      throw InternalError("sequence of " + std::to_string(out.length) +
                          " pieces exceeds the model's max_len " + std::to_string(metadata_.max_len));
    }
    c10::InferenceMode guard;
    // input_ids, attention_mask: (B, T) int64; padding is [PAD] with mask 0.
    torch::Tensor ids = torch::full({out.batch, out.length}, pad_id_, torch::kLong);
    torch::Tensor mask = torch::zeros({out.batch, out.length}, torch::kLong);
    auto ids_view = ids.accessor<int64_t, 2>();
    auto mask_view = mask.accessor<int64_t, 2>();
    for (int b = 0; b < out.batch; ++b) {
      for (size_t t = 0; t < sequences[b].size(); ++t) {
        ids_view[b][t] = sequences[b][t];
        mask_view[b][t] = 1;
      }
    }
    torch::Tensor result;
    try {
      result = forward(ids.to(device_), mask.to(device_));
    } catch (const ModelError&) {
      throw;
    } catch (const std::exception& e) {
      throw ModelError("model '" + path_ + "': " + libtorch_message(e.what()));
    }
    if (result.size(0) != out.batch || result.size(1) != out.length) {
      throw ModelError("forward returned emissions of shape " + shape_of(result) + " for input (" +
                       std::to_string(out.batch) + ", " + std::to_string(out.length) + ")");
    }
    try {
      out.data = tensor_values(result);
    } catch (const std::exception& e) {
      throw ModelError("model '" + path_ + "': cannot read its emissions: " + libtorch_message(e.what()));
    }
    return out;
  }

 private:
  static torch::Device parse_device(const std::string& name) {
    torch::Device device(torch::kCPU);
    try {
      device = torch::Device(name);
    } catch (const std::exception&) {
      throw UsageError("unknown " + show_setting("device") + " '" + name + "' (expected cpu or cuda[:N])");
    }
    if (device.is_cuda() && !torch::cuda::is_available()) {
      throw UsageError(show_setting("device") + " " + name +
                       " requested, but this libtorch build has no CUDA or no GPU is visible; use " +
                       show_setting("device") + " cpu");
    }
    return device;
  }

  int require_token(const char* token, const std::string& path) const {
    int id = vocab_->id(token);
    if (id < 0) throw ModelError("vocabulary of '" + path + "' has no " + token + " token");
    return id;
  }

  void read_metadata(const ModelOptions& options, const std::string& meta_text) {
    if (!meta_text.empty()) {
      try {
        metadata_.meta = nlohmann::json::parse(meta_text);
      } catch (const std::exception& e) {
        throw ModelError(std::string(kMetaFile) + " in '" + options.path + "' is not valid JSON: " + e.what());
      }
      if (!metadata_.meta.is_object()) {
        throw ModelError(std::string(kMetaFile) + " in '" + options.path + "' is not a JSON object");
      }
    } else {
      metadata_.meta = nlohmann::json::object();
    }
    const nlohmann::json& meta = metadata_.meta;
    try {
      if (meta.contains("labels")) metadata_.labels = meta.at("labels").get<std::vector<std::string>>();
      if (meta.contains("max_len")) {
        const nlohmann::json& value = meta.at("max_len");
        if (!value.is_number_integer() || value.get<int64_t>() < 3 || value.get<int64_t>() > kMaxSequenceLength) {
          throw ModelError(std::string(kMetaFile) + " in '" + options.path + "': max_len " +
                           excerpt_utf8(value.dump(), 40) + " is not a whole number in [3, " +
                           std::to_string(kMaxSequenceLength) + "]");
        }
        metadata_.max_len = static_cast<int>(value.get<int64_t>());
      }
      if (meta.contains("do_lower_case")) metadata_.tokenizer.do_lower_case = meta.at("do_lower_case").get<bool>();
      if (meta.contains("strip_accents") && !meta.at("strip_accents").is_null()) {
        metadata_.tokenizer.strip_accents = meta.at("strip_accents").get<bool>() ? 1 : 0;
      }
      metadata_.tokenizer.fold_fullwidth = meta.value("fold_fullwidth", true);
      metadata_.name = meta.value("name", std::filesystem::path(options.path).stem().string());
      metadata_.warning = meta.value("warning", std::string());
    } catch (const ModelError&) {
      throw;
    } catch (const std::exception& e) {
      throw ModelError(std::string(kMetaFile) + " in '" + options.path + "': " + e.what());
    }
    if (!options.labels_path.empty()) metadata_.labels = read_labels_file(options.labels_path);
    if (metadata_.labels.empty()) {
      throw ModelError("model '" + options.path + "' names no labels (" + kMetaFile +
                       " \"labels\"); pass " + show_setting("labels") + " FILE");
    }
    try {
      validate_label_names(metadata_.labels);
    } catch (const std::invalid_argument& e) {
      throw ModelError("model '" + options.path + "': " + e.what() +
                       (options.labels_path.empty() ? " (" + std::string(kMetaFile) + " \"labels\")"
                                                    : " (" + show_setting("labels") + " " + options.labels_path + ")"));
    }
    if (metadata_.max_len < 3) {
      throw ModelError("max_len " + std::to_string(metadata_.max_len) + " in '" + options.path +
                       "' is too small");
    }
  }

  void read_crf(const std::string& path) {
    const bool has_transitions = module_.hasattr("transitions");
    const bool has_start = module_.hasattr("start_transitions");
    const bool has_end = module_.hasattr("end_transitions");
    if (!has_transitions && !has_start && !has_end) return;
    if (!(has_transitions && has_start && has_end)) {
      throw ModelError("model '" + path + "' has only part of the CRF: transitions, " +
                       "start_transitions and end_transitions are all required");
    }
    const int64_t labels = static_cast<int64_t>(metadata_.labels.size());
    auto tensor_attr = [&](const char* name, std::vector<int64_t> expected) {
      c10::IValue value = module_.attr(name);
      if (!value.isTensor()) throw ModelError(std::string("CRF attribute ") + name + " is not a tensor");
      torch::Tensor tensor = value.toTensor();
      if (tensor.sizes().vec() != expected) {
        throw ModelError(std::string("CRF attribute ") + name + " has shape " + shape_of(tensor) +
                         ", expected " + (expected.size() == 2 ? "[L, L]" : "[L]") + " with L = " +
                         std::to_string(labels) + " labels");
      }
      return tensor_values(tensor);
    };
    crf_.num_labels = static_cast<int>(labels);
    crf_.transitions = tensor_attr("transitions", {labels, labels});
    crf_.start_transitions = tensor_attr("start_transitions", {labels});
    crf_.end_transitions = tensor_attr("end_transitions", {labels});
    try {
      crf_.validate();
    } catch (const ModelError& e) {
      throw ModelError("model '" + path + "': " + e.what());
    }
    metadata_.has_crf = true;
  }

  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& mask) {
    const AutocastGuard autocast(precision_, !device_.is_cpu());
    c10::IValue output;
    try {
      output = module_.forward({ids, mask});
    } catch (const std::exception& e) {
      // A TorchScript exception carries the whole interpreter traceback; its first line says
      // what failed. The batch's shape says where.
      throw ModelError("model '" + path_ + "' failed in forward on a batch of shape " +
                       shape_of(ids) + ": " + libtorch_message(e.what()));
    }
    if (!output.isTensor()) {
      throw ModelError("forward must return a Tensor of emissions, got " + output.tagKind());
    }
    torch::Tensor emissions = output.toTensor();
    if (emissions.dim() != 3) {
      throw ModelError("forward must return emissions of rank 3 (B, T, L), got shape " + shape_of(emissions));
    }
    if (emissions.size(2) != static_cast<int64_t>(metadata_.labels.size())) {
      throw ModelError("forward returns " + std::to_string(emissions.size(2)) + " scores per token but " +
                       std::to_string(metadata_.labels.size()) + " labels are named");
    }
    return emissions;
  }

  void check_forward(const std::string& path) {
    c10::InferenceMode guard;
    torch::Tensor ids = torch::tensor({int64_t{cls_id_}, int64_t{sep_id_}}, torch::kLong).view({1, 2});
    torch::Tensor mask = torch::ones({1, 2}, torch::kLong);
    try {
      forward(ids.to(device_), mask.to(device_));
    } catch (const ModelError& e) {
      throw ModelError("model '" + path + "' breaks the model contract: " + e.what());
    } catch (const std::exception& e) {
      throw ModelError("model '" + path + "' failed on a test input (forward(input_ids int64[1,2], "
                       "attention_mask int64[1,2])): " + libtorch_message(e.what()));
    }
  }

  std::string path_;
  torch::jit::Module module_;
  torch::Device device_;
  std::string precision_ = "fp32";  // resolved (precision.h)
  ModelMetadata metadata_;
  std::shared_ptr<Vocabulary> vocab_;
  CrfParameters crf_;
  int64_t parameter_count_ = 0;
  int cls_id_ = -1, sep_id_ = -1, pad_id_ = 0;
};

}  // namespace

std::unique_ptr<NerModel> load_torchscript_model(const ModelOptions& options) {
#ifdef M_MMAP_THRESHOLD
  // The forward pass allocates large activations whose shapes change with every batch. With
  // glibc's adaptive mmap threshold those end up on the heap, which fragments, and peak RSS then
  // grows with the number of batches (measured: 607 MB for 5k sentences, 948 MB for 50k). A
  // fixed 1 MiB threshold maps large tensors and returns them to the system when freed: peak
  // RSS 318 MB for 5k and 331 MB for 20k (docs/performance.md).
  static std::once_flag fixed_threshold;
  std::call_once(fixed_threshold, [] { mallopt(M_MMAP_THRESHOLD, 1 << 20); });
#endif
  return std::make_unique<TorchScriptModel>(options);
}

}  // namespace alsel
