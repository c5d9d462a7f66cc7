// Times alsel's pipeline (read, tokenize, infer, score, top-k select; no output file) under a
// given InferenceConfig and thread count, to choose the defaults by measurement.
//
//   alsel_pipeline_sweep --model m.pt --pool pool.jsonl [--threads 1] [--streams 2]
//                        [--batch-tokens 8192] [--chunk-sentences 2048] [--overlap 1]
//                        [--strategy ltp] [-k 500]
//
// Prints one JSON object on stdout: the settings, the counts and the seconds of run_pipeline
// (model loading excluded, as the floor excludes it).
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "alsel/util/logging.h"
#include "alsel/model/torchscript_model.h"
#include "alsel/scoring/pipeline.h"
#include "alsel/data/pool_reader.h"
#include "alsel/selection/selector.h"
#include "alsel/scoring/strategy.h"

namespace {

struct SweepOptions {
  std::string model;
  std::string pool;
  std::string strategy = "ltp";
  int k = 500;
  alsel::ModelOptions model_options;
  alsel::InferenceConfig inference;
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "alsel_pipeline_sweep: " << problem
            << "\nusage: alsel_pipeline_sweep --model M.pt --pool POOL.jsonl [--threads N] [--batch-tokens N]"
               " [--chunk-sentences N] [--streams N] [--overlap 0|1] [--strategy NAME] [-k N]\n";
  std::exit(2);
}

SweepOptions parse(int argc, char** argv) {
  SweepOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) usage("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--model") options.model_options.path = value;
    else if (flag == "--pool") options.pool = value;
    else if (flag == "--threads") options.model_options.threads = std::stoi(value);
    else if (flag == "--batch-tokens") options.inference.batch_tokens = std::stoi(value);
    else if (flag == "--chunk-sentences") options.inference.chunk_sentences = std::stoi(value);
    else if (flag == "--overlap") options.inference.overlap = value != "0";
    else if (flag == "--streams") options.inference.streams = std::stoi(value);
    else if (flag == "--strategy") options.strategy = value;
    else if (flag == "-k") options.k = std::stoi(value);
    else usage("unknown flag " + flag);
  }
  if (options.model_options.path.empty() || options.pool.empty()) usage("--model and --pool are required");
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const SweepOptions options = parse(argc, argv);
  alsel::set_verbosity(alsel::Verbosity::kQuiet);
  std::unique_ptr<alsel::NerModel> model = alsel::load_torchscript_model(options.model_options);
  alsel::StrategyOptions strategy_options;
  std::unique_ptr<alsel::Strategy> strategy = alsel::make_strategy(options.strategy, strategy_options);
  alsel::Annotator annotator(*model, options.inference, nullptr);
  alsel::PoolReader reader({options.pool}, alsel::PoolReaderConfig{});
  alsel::TopKSelector top(static_cast<size_t>(options.k));

  const auto started = std::chrono::steady_clock::now();
  const alsel::PipelineCounts counts = alsel::run_pipeline(
      [&](alsel::PoolItem& item) { return reader.next(item); }, annotator, strategy_options.trim_threshold,
      [&](alsel::ScoredSentence&& sentence) {
        top.offer(strategy->score(sentence.analysis, sentence.measures), std::move(sentence));
      },
      [](const alsel::PoolItem&) {});
  const size_t selected = top.take().size();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  nlohmann::json result = {
      {"tool", "alsel_pipeline_sweep"},
      {"threads", options.model_options.threads},
      {"batch_tokens", options.inference.batch_tokens},
      {"chunk_sentences", options.inference.chunk_sentences},
      {"overlap", options.inference.overlap},
      {"streams", annotator.config().streams},
      {"read", counts.read},
      {"scored", counts.scored},
      {"windows", counts.windows},
      {"batches", counts.batches},
      {"selected", selected},
      {"seconds", seconds},
      {"forward_seconds", counts.forward_seconds},
      {"forward_busy", counts.forward_seconds / (counts.pipeline_seconds * annotator.config().streams)},
      {"sentences_per_second", counts.scored / seconds},
  };
  std::cout << result.dump() << std::endl;
  return 0;
}
