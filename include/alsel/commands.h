// One library function per subcommand; the CLI (src/cli/) only fills these config structs.
//
//   alsel::SelectConfig config;
//   config.model.path = "models/msra-bert3-crf.pt";
//   config.pool.paths = {"pool.jsonl"};
//   config.strategy = "ltp";
//   config.k = 500;
//   config.out = "batch.jsonl";
//   alsel::RunSummary summary = alsel::run_select(config);
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "alsel/labeled_data.h"
#include "alsel/ner_model.h"
#include "alsel/pipeline.h"
#include "alsel/pool_reader.h"
#include "alsel/strategy.h"

namespace alsel {

struct PoolOptions {
  std::vector<std::string> paths;  // pool files in order; "-" = stdin
  PoolReaderConfig reader;         // format and field names
  std::string rejects_path;        // JSONL file receiving every rejected line; empty = none
  bool strict = false;             // stop at the first rejected line: exit code 3, no output
  void validate() const;
};

struct SelectConfig {
  ModelOptions model;
  InferenceConfig inference;
  PoolOptions pool;
  std::string strategy = "ltp";          // registered strategy name (`alsel strategies`)
  StrategyOptions strategy_options;
  int k = 100;                           // sentences to select (fewer if the pool is smaller)
  std::string out = "-";                 // JSONL, best first; "-" = stdout
  std::vector<std::string> labeled;      // BIO or doccano files: known entities (ltp-unk)
  void validate() const;
};

struct ScoreConfig {
  ModelOptions model;
  InferenceConfig inference;
  PoolOptions pool;
  double trim_threshold = kDefaultTrimThreshold;  // for the `trimmed` measure
  std::string out = "-";                          // JSONL in pool order; "-" = stdout
  std::vector<std::string> labeled;               // known entities for unknown_entities
  void validate() const;
};

struct EvalConfig {
  ModelOptions model;
  InferenceConfig inference;
  std::vector<std::string> data;               // BIO/CoNLL or doccano JSONL files with gold spans
  LabeledFormat format = LabeledFormat::kAuto;
  bool json = false;                           // print a JSON object instead of the table
  std::string out = "-";
  void validate() const;
};

struct InfoConfig {
  ModelOptions model;
  bool json = false;
};

struct RunSummary {
  PipelineCounts counts;
  size_t selected = 0;
  double seconds = 0;
};

RunSummary run_select(const SelectConfig& config);
RunSummary run_score(const ScoreConfig& config);
// Returns the overall entity F1 in percent.
double run_eval(const EvalConfig& config);
void run_info(const InfoConfig& config, std::ostream& out);
void print_strategies(std::ostream& out);

}  // namespace alsel
