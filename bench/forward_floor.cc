// The compute floor of `alsel select`: the model's bare forward pass over exactly the batches
// alsel runs (same chunking, windows, length sort and token budget, from Annotator::prepare),
// with nothing else timed.
//
//   alsel_forward_floor --model m.pt --pool pool.jsonl --threads 2 [--batch-tokens N]
//                       [--chunk-sentences N]
//
// Untimed: reading, tokenizing, batching and building every input tensor. Timed: one
// module.forward(input_ids, attention_mask) per batch under c10::InferenceMode, as
// src/model/torch/torchscript_model.cc calls it (the model is loaded and warmed with the same
// 1 x 2 test input alsel's loader runs). Prints one JSON object on stdout. --freeze and
// --jit-optimize 0 time variants of the module that alsel does not run (experiments).
#include <torch/script.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alsel/util/logging.h"
#include "alsel/model/torchscript_model.h"
#include "alsel/scoring/pipeline.h"
#include "alsel/data/pool_reader.h"
#include "model/torch/autocast_guard.h"

namespace {

struct FloorOptions {
  std::string model;
  std::string pool;
  int threads = 0;  // 0 = libtorch's default, as alsel's --threads
  int freeze = 0;   // experiment: 1 = torch::jit::freeze, 2 = freeze + optimize_for_inference
  bool jit_optimize = true;  // experiment: false = setGraphExecutorOptimize(false)
  int streams = 1;  // forward passes run at once, each on its own thread, batches taken in turn
  std::string precision = "fp32";  // fp32 | bf16: autocast around each forward call, as alsel
  alsel::InferenceConfig inference;
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "alsel_forward_floor: " << problem
            << "\nusage: alsel_forward_floor --model M.pt --pool POOL.jsonl [--threads N] [--batch-tokens N]"
               " [--chunk-sentences N] [--freeze 0|1|2] [--jit-optimize 0|1] [--streams N] [--precision fp32|bf16]\n";
  std::exit(2);
}

FloorOptions parse(int argc, char** argv) {
  FloorOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--model") options.model = value;
    else if (flag == "--pool") options.pool = value;
    else if (flag == "--threads") options.threads = std::stoi(value);
    else if (flag == "--batch-tokens") options.inference.batch_tokens = std::stoi(value);
    else if (flag == "--chunk-sentences") options.inference.chunk_sentences = std::stoi(value);
    else if (flag == "--freeze") options.freeze = std::stoi(value);
    else if (flag == "--jit-optimize") options.jit_optimize = value != "0";
    else if (flag == "--streams") options.streams = std::stoi(value);
    else if (flag == "--precision") options.precision = value;
    else usage("unknown flag " + flag);
  }
  if (options.model.empty() || options.pool.empty()) usage("--model and --pool are required");
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const FloorOptions options = parse(argc, argv);
  alsel::set_verbosity(alsel::Verbosity::kQuiet);

  // alsel's own loader gives the tokenizer settings, vocabulary and the batch plan.
  alsel::ModelOptions model_options;
  model_options.path = options.model;
  model_options.threads = options.threads;
  std::unique_ptr<alsel::NerModel> planner = alsel::load_torchscript_model(model_options);
  alsel::Annotator annotator(*planner, options.inference, nullptr);
  const int pad_id = std::max(0, planner->vocabulary()->pad_id);

  // Every batch's input tensors, built up front: (B, T) int64 ids padded with [PAD], mask 0/1.
  std::vector<std::pair<torch::Tensor, torch::Tensor>> inputs;
  size_t sentences = 0, windows = 0, real_tokens = 0, padded_tokens = 0;
  {
    alsel::PoolReader reader({options.pool}, alsel::PoolReaderConfig{});
    const size_t chunk_size = static_cast<size_t>(options.inference.chunk_sentences);
    bool more = true;
    uint64_t order = 0;
    while (more) {
      std::vector<alsel::PoolItem> items;
      alsel::PoolItem item;
      while (items.size() < chunk_size && (more = reader.next(item))) {
        if (!item.rejected) items.push_back(std::move(item));
        item = alsel::PoolItem();
      }
      if (items.empty()) continue;
      alsel::PreparedChunk chunk = annotator.prepare(std::move(items), order);
      order += chunk.scorable();
      sentences += chunk.scorable();
      for (const alsel::ForwardBatch& batch : chunk.batches) {
        const int64_t rows = static_cast<int64_t>(batch.sequences.size());
        int64_t length = 0;
        for (const auto& sequence : batch.sequences) length = std::max<int64_t>(length, sequence.size());
        torch::Tensor ids = torch::full({rows, length}, pad_id, torch::kLong);
        torch::Tensor mask = torch::zeros({rows, length}, torch::kLong);
        auto ids_view = ids.accessor<int64_t, 2>();
        auto mask_view = mask.accessor<int64_t, 2>();
        for (int64_t b = 0; b < rows; ++b) {
          for (size_t t = 0; t < batch.sequences[b].size(); ++t) {
            ids_view[b][t] = batch.sequences[b][t];
            mask_view[b][t] = 1;
          }
          real_tokens += batch.sequences[b].size();
        }
        windows += static_cast<size_t>(rows);
        padded_tokens += static_cast<size_t>(rows * length);
        inputs.emplace_back(ids, mask);
      }
    }
  }
  planner.reset();

  if (options.threads > 0) at::set_num_threads(options.threads);
  torch::jit::Module module = torch::jit::load(options.model, torch::kCPU);
  module.eval();
  module.to(torch::kFloat);
  // Experiments only (alsel runs the module as loaded): inlined weights, oneDNN conversions.
  if (options.freeze >= 1) module = torch::jit::freeze(module);
  if (options.freeze >= 2) module = torch::jit::optimize_for_inference(module);
  torch::jit::setGraphExecutorOptimize(options.jit_optimize);
  c10::InferenceMode guard;
  {
    // The loader's contract check: forward([CLS] [SEP]).
    torch::Tensor ids = torch::tensor({int64_t{2}, int64_t{3}}, torch::kLong).view({1, 2});
    module.forward({ids, torch::ones({1, 2}, torch::kLong)});
  }

  const auto started = std::chrono::steady_clock::now();
  std::atomic<size_t> next_batch{0};
  std::vector<double> checksums(static_cast<size_t>(std::max(1, options.streams)), 0.0);
  auto run_stream = [&](size_t stream) {
    c10::InferenceMode stream_guard;
    const alsel::AutocastGuard autocast(options.precision, /*cuda=*/false);
    for (size_t b = next_batch++; b < inputs.size(); b = next_batch++) {
      torch::Tensor emissions = module.forward({inputs[b].first, inputs[b].second}).toTensor();
      checksums[stream] += emissions.index({0, 0, 0}).item<float>();
    }
  };
  std::vector<std::thread> threads;
  for (size_t stream = 1; stream < checksums.size(); ++stream) threads.emplace_back(run_stream, stream);
  run_stream(0);
  for (std::thread& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  double checksum = 0;
  for (double value : checksums) checksum += value;

  nlohmann::json result = {
      {"tool", "alsel_forward_floor"},
      {"model", options.model},
      {"pool", options.pool},
      {"threads", at::get_num_threads()},
      {"freeze", options.freeze},
      {"jit_optimize", options.jit_optimize},
      {"streams", options.streams},
      {"precision", options.precision},
      {"batch_tokens", options.inference.batch_tokens},
      {"chunk_sentences", options.inference.chunk_sentences},
      {"sentences", sentences},
      {"windows", windows},
      {"batches", inputs.size()},
      {"real_tokens", real_tokens},
      {"padded_tokens", padded_tokens},
      {"seconds", seconds},
      {"sentences_per_second", sentences / seconds},
      {"checksum", checksum},
  };
  std::cout << result.dump() << std::endl;
  return 0;
}
