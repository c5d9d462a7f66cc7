#include <iomanip>

#include "alsel/app/commands.h"
#include "alsel/scoring/strategy.h"

namespace alsel {

void run_info(const InfoConfig& config, const ModelFactory& load_model, std::ostream& out) {
  std::unique_ptr<NerModel> model = load_model(config.model);
  const ModelMetadata& meta = model->metadata();
  nlohmann::json info = {
      {"name", meta.name},
      {"path", config.model.path},
      {"path_source", config.model.source},
      {"labels", meta.labels},
      {"vocab_size", model->vocabulary()->size()},
      {"max_len", meta.max_len},
      {"parameters", model->parameter_count()},
      {"crf", meta.has_crf},
      {"do_lower_case", meta.tokenizer.do_lower_case},
      {"fold_fullwidth", meta.tokenizer.fold_fullwidth},
      {"device", model->device()},
      {"meta", meta.meta},
  };
  if (!meta.warning.empty()) info["warning"] = meta.warning;
  if (config.json) {
    out << info.dump(1) << '\n';
    return;
  }
  out << "name:        " << meta.name << '\n'
      << "path:        " << config.model.path << '\n'
      << "found by:    " << config.model.source << '\n'
      << "labels:      " << meta.labels.size() << " (";
  for (size_t i = 0; i < meta.labels.size(); ++i) out << (i ? " " : "") << meta.labels[i];
  out << ")\n"
      << "vocab size:  " << model->vocabulary()->size() << '\n'
      << "max_len:     " << meta.max_len << '\n'
      << "parameters:  " << model->parameter_count() << '\n'
      << "crf:         " << (meta.has_crf ? "yes" : "no (softmax probabilities, argmax decoding)") << '\n'
      << "tokenizer:   do_lower_case=" << std::boolalpha << meta.tokenizer.do_lower_case
      << " fold_fullwidth=" << meta.tokenizer.fold_fullwidth << '\n';
  if (!meta.warning.empty()) out << "warning:     " << meta.warning << '\n';
  out << "meta:        " << meta.meta.dump(1) << '\n';
}

void print_strategies(std::ostream& out) {
  StrategyOptions defaults;
  for (const std::string& name : strategy_names()) {
    out << std::left << std::setw(10) << name << make_strategy(name, defaults)->definition() << '\n';
  }
  out << "\nRankings (alsel select):\n"
      << "  --per-char         any strategy's score divided by the sentence's characters, e.g. -s ltp\n"
      << "                     --per-char ranks by \"ltp/char\" = (1 - ltp) / characters: value per unit\n"
      << "                     of annotation cost (Settles and Craven 2008)\n"
      << "  --budget-chars N   the batch is the longest prefix of the ranking whose characters fit in\n"
      << "                     N, instead of k sentences (docs/strategies.md)\n";
}

}  // namespace alsel
