// Google Benchmark micro-benchmarks of the CPU work around the forward pass: the tokenizer,
// the CRF (Viterbi, marginals), every registered strategy, and the whole pipeline with a model
// that costs nothing (what alsel adds per sentence on top of the forward pass).
//
//   build-perf/bench/alsel_micro_bench --benchmark_format=json
//
// Text: MSRA-like Chinese sentences generated here from a list of common characters, full-width
// digits and punctuation and a few Latin words (10-80 characters). When ALSEL_SHARED_DIR (or
// ../shared next to the source tree) holds data/msra/test.bio, the tokenizer also runs over its
// first 2,000 sentences; that text is read at run time and never copied into the repository.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "alsel/model/crf.h"
#include "alsel/scoring/measures.h"
#include "alsel/scoring/pipeline.h"
#include "alsel/scoring/strategy.h"
#include "alsel/util/utf8.h"
#include "alsel/text/wordpiece_tokenizer.h"

namespace {

// Frequent characters of modern Chinese news text (a generic list, not taken from MSRA).
const char32_t kCommonChinese[] =
    U"的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方"
    U"后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它"
    U"合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条"
    U"只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资"
    U"边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北"
    U"造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车"
    U"京华海沪深广州市省县乡村镇区委会议部长主席总理记者报道表示";
const char* const kLatinWords[] = {"CAD", "WTO", "IBM", "NBA", "DNA", "GDP", "CEO", "APEC"};

std::vector<std::string> generated_sentences(size_t count) {
  std::mt19937 random(13);
  const std::u32string chinese(kCommonChinese);
  std::uniform_int_distribution<size_t> pick(0, chinese.size() - 1);
  std::uniform_int_distribution<int> length(10, 80);
  std::uniform_int_distribution<int> roll(0, 99);
  std::vector<std::string> sentences;
  sentences.reserve(count);
  for (size_t s = 0; s < count; ++s) {
    std::u32string text;
    const int target = length(random);
    while (static_cast<int>(text.size()) < target) {
      const int r = roll(random);
      if (r < 4) {
        for (int d = 0; d < 4; ++d) text += static_cast<char32_t>(U'\uFF10' + roll(random) % 10);  // full-width digits
        text += U'年';
      } else if (r < 6) {
        const std::string word = kLatinWords[roll(random) % 8];
        text += std::u32string(word.begin(), word.end());
      } else if (r < 14) {
        text += r < 10 ? U'\uFF0C' : U'\u3001';  // full-width comma, ideographic comma
      } else {
        text += chinese[pick(random)];
      }
    }
    text += U'\u3002';
    sentences.push_back(alsel::encode_utf8(text));
  }
  return sentences;
}

// First `limit` sentences of the MSRA test split when the shared data is present.
std::vector<std::string> msra_sentences(size_t limit) {
  std::string shared = ALSEL_SOURCE_DIR "/../shared";
  if (const char* from_env = std::getenv("ALSEL_SHARED_DIR")) shared = from_env;
  std::ifstream in(shared + "/data/msra/test.bio");
  std::vector<std::string> sentences;
  std::string line, current;
  while (sentences.size() < limit && std::getline(in, line)) {
    if (line.empty() || line == "\r") {
      if (!current.empty()) sentences.push_back(current);
      current.clear();
    } else {
      current += line.substr(0, line.find_first_of("\t "));
    }
  }
  return sentences;
}

// A vocabulary of every character of `sentences`, folded the way the tokenizer looks them up,
// with its ## form, plus lower-cased Latin letters and the special tokens.
std::shared_ptr<const alsel::Vocabulary> vocabulary_for(const std::vector<std::string>& sentences) {
  std::set<std::u32string> pieces;
  for (char32_t c = U'a'; c <= U'z'; ++c) pieces.insert(std::u32string(1, c));
  for (char32_t c = U'0'; c <= U'9'; ++c) pieces.insert(std::u32string(1, c));
  for (const std::string& sentence : sentences) {
    for (char32_t c : alsel::decode_utf8(sentence)) {
      if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;
      if (c >= U'A' && c <= U'Z') c += 32;
      pieces.insert(std::u32string(1, c));
    }
  }
  std::string text = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (const std::u32string& piece : pieces) {
    text += alsel::encode_utf8(piece) + "\n##" + alsel::encode_utf8(piece) + "\n";
  }
  for (const char* word : {"cad", "wto", "ibm", "nba", "dna", "gdp", "ceo", "apec"}) text += std::string(word) + "\n";
  return std::make_shared<alsel::Vocabulary>(alsel::Vocabulary::from_text(text));
}

void tokenize(benchmark::State& state, const std::vector<std::string>& sentences) {
  if (sentences.empty()) {
    state.SkipWithError("no sentences (shared MSRA data not found)");
    return;
  }
  alsel::WordpieceTokenizer tokenizer(vocabulary_for(sentences), alsel::TokenizerConfig{});
  size_t bytes = 0;
  for (const std::string& sentence : sentences) bytes += sentence.size();
  for (auto _ : state) {
    for (const std::string& sentence : sentences) benchmark::DoNotOptimize(tokenizer.encode(sentence));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * sentences.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void BM_TokenizeGenerated(benchmark::State& state) { tokenize(state, generated_sentences(2000)); }
BENCHMARK(BM_TokenizeGenerated)->Unit(benchmark::kMicrosecond);

void BM_TokenizeMsra(benchmark::State& state) { tokenize(state, msra_sentences(2000)); }
BENCHMARK(BM_TokenizeMsra)->Unit(benchmark::kMicrosecond);

// A CRF with L labels and random parameters, and random emissions for W words.
struct CrfCase {
  alsel::CrfParameters crf;
  std::vector<float> emissions;
  CrfCase(int words, int labels) {
    std::mt19937 random(7);
    std::normal_distribution<float> normal(0.0f, 2.0f);
    crf.num_labels = labels;
    for (int i = 0; i < labels * labels; ++i) crf.transitions.push_back(normal(random));
    for (int i = 0; i < labels; ++i) crf.start_transitions.push_back(normal(random));
    for (int i = 0; i < labels; ++i) crf.end_transitions.push_back(normal(random));
    for (int i = 0; i < words * labels; ++i) emissions.push_back(normal(random));
  }
};

void BM_CrfViterbi(benchmark::State& state) {
  const int words = static_cast<int>(state.range(0));
  CrfCase c(words, static_cast<int>(state.range(1)));
  for (auto _ : state) benchmark::DoNotOptimize(alsel::viterbi_decode(c.emissions.data(), words, c.crf));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CrfViterbi)->Args({50, 7})->Args({200, 7});

void BM_CrfMarginals(benchmark::State& state) {
  const int words = static_cast<int>(state.range(0));
  CrfCase c(words, static_cast<int>(state.range(1)));
  for (auto _ : state) benchmark::DoNotOptimize(alsel::crf_marginals(c.emissions.data(), words, c.crf));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CrfMarginals)->Args({50, 7})->Args({200, 7});

// measures + score of one W = 50, L = 7 sentence, for every registered strategy.
void strategy_score(benchmark::State& state, const std::string& name) {
  CrfCase c(50, 7);
  alsel::SentenceAnalysis analysis;
  analysis.id = "pool-0000042";
  analysis.num_words = 50;
  analysis.num_labels = 7;
  analysis.best_path = alsel::viterbi_decode(c.emissions.data(), 50, c.crf);
  analysis.probabilities = alsel::crf_marginals(c.emissions.data(), 50, c.crf);
  analysis.unknown_entities = 2;
  alsel::StrategyOptions options;
  std::unique_ptr<alsel::Strategy> strategy = alsel::make_strategy(name, options);
  for (auto _ : state) {
    const alsel::Measures measures = alsel::compute_measures(analysis, options.trim_threshold);
    benchmark::DoNotOptimize(strategy->score(analysis, measures));
  }
  state.SetItemsProcessed(state.iterations());
}

// A model that costs nothing: zero emissions of the right shape.
class FreeModel : public alsel::NerModel {
 public:
  explicit FreeModel(std::shared_ptr<const alsel::Vocabulary> vocab) : vocab_(std::move(vocab)) {
    metadata_.labels = {"O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"};
    metadata_.max_len = 256;
    metadata_.has_crf = true;
    CrfCase c(1, 7);
    crf_ = c.crf;
  }
  const alsel::ModelMetadata& metadata() const override { return metadata_; }
  std::shared_ptr<const alsel::Vocabulary> vocabulary() const override { return vocab_; }
  const alsel::CrfParameters* crf() const override { return &crf_; }
  int64_t parameter_count() const override { return 0; }
  std::string device() const override { return "none"; }
  alsel::BatchEmissions emissions(const std::vector<std::vector<int>>& sequences) override {
    alsel::BatchEmissions out;
    out.batch = static_cast<int>(sequences.size());
    out.labels = 7;
    for (const auto& sequence : sequences) out.length = std::max(out.length, static_cast<int>(sequence.size()));
    out.data.assign(static_cast<size_t>(out.batch) * out.length * out.labels, 0.0f);
    return out;
  }

 private:
  std::shared_ptr<const alsel::Vocabulary> vocab_;
  alsel::ModelMetadata metadata_;
  alsel::CrfParameters crf_;
};

void BM_Prepare(benchmark::State& state) {
  const std::vector<std::string> sentences = generated_sentences(2048);
  FreeModel model(vocabulary_for(sentences));
  alsel::Annotator annotator(model, alsel::InferenceConfig{}, nullptr);
  std::vector<alsel::PoolItem> items(sentences.size());
  for (size_t i = 0; i < items.size(); ++i) {
    items[i].id = std::to_string(i);
    items[i].text = sentences[i];
  }
  for (auto _ : state) benchmark::DoNotOptimize(annotator.prepare(items, 0));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items.size()));
}
BENCHMARK(BM_Prepare)->Unit(benchmark::kMillisecond);

// Everything alsel does per sentence except the forward pass: tokenize, batch, gather, CRF
// marginals and Viterbi, entities, measures, ltp score, top-500; overlap off (0) and on (1).
void BM_PipelineWithoutModel(benchmark::State& state) {
  const std::vector<std::string> sentences = generated_sentences(8192);
  FreeModel model(vocabulary_for(sentences));
  alsel::InferenceConfig config;
  config.overlap = state.range(0) != 0;
  alsel::Annotator annotator(model, config, nullptr);
  std::unique_ptr<alsel::Strategy> strategy = alsel::make_strategy("ltp", alsel::StrategyOptions{});
  for (auto _ : state) {
    size_t next = 0;
    double best = -1;
    alsel::run_pipeline(
        [&](alsel::PoolItem& item) {
          if (next == sentences.size()) return false;
          item = alsel::PoolItem();
          item.id = std::to_string(next);
          item.text = sentences[next++];
          return true;
        },
        annotator, alsel::kDefaultTrimThreshold,
        [&](alsel::ScoredSentence&& s) { best = std::max(best, strategy->score(s.analysis, s.measures)); },
        [](const alsel::PoolItem&) {});
    benchmark::DoNotOptimize(best);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * sentences.size()));
}
BENCHMARK(BM_PipelineWithoutModel)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  for (const std::string& name : alsel::strategy_names()) {
    benchmark::RegisterBenchmark(("BM_Strategy/" + name).c_str(),
                                 [name](benchmark::State& state) { strategy_score(state, name); });
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
