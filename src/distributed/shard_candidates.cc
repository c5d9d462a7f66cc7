#include "alsel/distributed/shard_candidates.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "alsel/data/entities.h"
#include "alsel/selection/entity_cap.h"
#include "alsel/util/errors.h"
#include "alsel/util/json_output.h"
#include "alsel/util/utf8.h"
#include "util/json_errors.h"

namespace alsel {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

ordered_json number_to_json(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

// An integer of type T from `value`, or std::invalid_argument: a float, or an integer out of T's
// range, must not be cast (nlohmann's get<int>() of 1e300 is undefined behaviour).
template <typename T>
T integer(const json& value) {
  if (!value.is_number_integer()) throw std::invalid_argument("expected an integer, got " + value.dump());
  if (value.is_number_unsigned()) {
    const uint64_t number = value.get<uint64_t>();
    if (number > static_cast<uint64_t>(std::numeric_limits<T>::max()))
      throw std::invalid_argument("integer " + value.dump() + " out of range");
    return static_cast<T>(number);
  }
  const int64_t number = value.get<int64_t>();
  if constexpr (std::is_unsigned_v<T>) {
    if (number < 0) throw std::invalid_argument("integer " + value.dump() + " must not be negative");
    if (static_cast<uint64_t>(number) > static_cast<uint64_t>(std::numeric_limits<T>::max()))
      throw std::invalid_argument("integer " + value.dump() + " out of range");
  } else {
    if (number < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        number > static_cast<int64_t>(std::numeric_limits<T>::max()))
      throw std::invalid_argument("integer " + value.dump() + " out of range");
  }
  return static_cast<T>(number);
}

double number_from_json(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (text == "Infinity") return std::numeric_limits<double>::infinity();
    if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  }
  throw std::invalid_argument("expected a number, got " + value.dump());
}

std::string format_shard_header(const ShardCandidatesHeader& header) {
  ordered_json line;
  line["alsel_shard_candidates"] = kShardCandidatesVersion;
  line["shard"] = {{"index", header.shard.index},
                   {"count", header.shard.count},
                   {"source", header.shard.source}};
  line["k"] = header.k;
  line["candidate_factor"] = header.candidate_factor;
  if (header.budget_chars > 0) line["budget_chars"] = header.budget_chars;  // absent: -k
  line["strategy"] = header.strategy;
  line["model_version"] = header.model_version;
  line["settings"] = header.settings;
  line["scored"] = header.scored;
  line["candidates"] = header.candidates;
  line["counts"] = header.counts;
  return dump_json(line);
}

std::string format_candidate(const Selected& candidate) {
  const ScoredSentence& sentence = candidate.sentence;
  const Measures& measures = sentence.measures;
  ordered_json line;
  line["id"] = sentence.analysis.id;
  line["text"] = sentence.text;
  line["score"] = number_to_json(candidate.score);
  line["position"] = sentence.order;
  line["file"] = sentence.file;
  line["line"] = sentence.line;
  for (const MeasureField& field : measure_fields()) {
    if (field.count) {
      line[field.name] = static_cast<int64_t>(field.get(measures));
    } else {
      line[field.name] = number_to_json(field.get(measures));  // NaN and infinities as strings
    }
  }
  ordered_json entities = ordered_json::array();
  for (const EntitySpan& entity : sentence.analysis.entities) {
    entities.push_back({{"start", entity.start},
                        {"end", entity.end},
                        {"label", entity.label},
                        {"text", entity.text},
                        {"confidence", number_to_json(entity.confidence)}});
  }
  line["entities"] = std::move(entities);
  // The words' code-point spans: Prodigy's tokens after a merge are the single run's.
  ordered_json words = ordered_json::array();
  for (const auto& [start, end] : sentence.word_spans) words.push_back({start, end});
  line["words"] = std::move(words);
  line["owner"] = candidate.owner.empty() ? uncertainty_owner(sentence) : candidate.owner;
  return dump_json(line);
}

namespace {

const json& field(const json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end())
    throw std::invalid_argument(std::string("missing field '") + key + "'");
  return *found;
}

ShardCandidatesHeader parse_header(const json& line) {
  if (!line.is_object() || !line.contains("alsel_shard_candidates")) {
    throw std::invalid_argument(
        "not a shard candidates file (its first line should be the header that `alsel select "
        "--shard I/N` writes)");
  }
  const int version = integer<int>(field(line, "alsel_shard_candidates"));
  if (version != kShardCandidatesVersion) {
    throw std::invalid_argument("candidates file version " + std::to_string(version) +
                                ", this alsel reads version " +
                                std::to_string(kShardCandidatesVersion));
  }
  ShardCandidatesHeader header;
  const json& shard = field(line, "shard");
  header.shard.index = integer<uint32_t>(field(shard, "index"));
  header.shard.count = integer<uint32_t>(field(shard, "count"));
  header.shard.source = shard.value("source", "");
  if (header.shard.count == 0 || header.shard.index >= header.shard.count) {
    throw std::invalid_argument("bad shard " + shard.dump());
  }
  header.k = integer<int>(field(line, "k"));
  header.candidate_factor = integer<int>(field(line, "candidate_factor"));
  header.budget_chars = line.contains("budget_chars") ? integer<uint64_t>(line["budget_chars"]) : 0;
  header.strategy = field(line, "strategy").get<std::string>();
  header.model_version = field(line, "model_version").get<std::string>();
  header.settings = ordered_json::parse(field(line, "settings").dump());
  const json& dedupe = field(field(line, "settings"), "dedupe");
  header.dedupe = field(dedupe, "mode").get<std::string>();
  if (header.dedupe != "none" && header.dedupe != "exact" && header.dedupe != "near") {
    throw std::invalid_argument("unknown dedupe mode '" + header.dedupe + "'");
  }
  if (header.dedupe == "near") {
    header.near.threshold = field(dedupe, "near_threshold").get<double>();
    header.near.ngram = integer<int>(field(dedupe, "ngram"));
    header.near.num_hashes = integer<int>(field(dedupe, "minhash_hashes"));
    header.near.seed = integer<uint64_t>(field(dedupe, "seed"));
  }
  header.max_per_entity = dedupe.contains("max_per_entity") ? integer<int>(dedupe["max_per_entity"]) : 0;
  if (header.max_per_entity < 0) throw std::invalid_argument("negative max_per_entity");
  header.scored = integer<uint64_t>(field(line, "scored"));
  header.candidates = integer<uint64_t>(field(line, "candidates"));
  header.counts = ordered_json::parse(field(line, "counts").dump());
  return header;
}

Selected parse_candidate(const json& line) {
  if (!line.is_object()) throw std::invalid_argument("not a JSON object");
  Selected candidate;
  ScoredSentence& sentence = candidate.sentence;
  sentence.analysis.id = field(line, "id").get<std::string>();
  sentence.text = field(line, "text").get<std::string>();
  sentence.analysis.num_chars = static_cast<int>(count_code_points(sentence.text));
  candidate.score = number_from_json(field(line, "score"));
  sentence.order = integer<uint64_t>(field(line, "position"));
  sentence.file = field(line, "file").get<std::string>();
  sentence.line = integer<size_t>(field(line, "line"));
  Measures& measures = sentence.measures;
  for (const MeasureField& measure : measure_fields()) {
    const json& value = field(line, measure.name);
    measure.set(measures, measure.count ? static_cast<double>(integer<int>(value)) : number_from_json(value));
  }
  sentence.analysis.unknown_entities = measures.unknown_entities;
  for (const json& entity : field(line, "entities")) {
    EntitySpan span;
    span.start = integer<int>(field(entity, "start"));
    span.end = integer<int>(field(entity, "end"));
    span.label = field(entity, "label").get<std::string>();
    span.text = field(entity, "text").get<std::string>();
    span.confidence = number_from_json(field(entity, "confidence"));
    sentence.analysis.entities.push_back(std::move(span));
  }
  check_entity_spans(sentence.text, sentence.analysis.entities);
  if (line.contains("owner") && line["owner"].is_string()) candidate.owner = line["owner"].get<std::string>();
  const auto words = line.find("words");  // absent in files of earlier versions
  if (words != line.end()) {
    const int length = static_cast<int>(count_code_points(sentence.text));
    for (const json& word : *words) {
      if (!word.is_array() || word.size() != 2) throw std::invalid_argument("a word is not [start, end]");
      const int start = integer<int>(word[0]), end = integer<int>(word[1]);
      if (start < 0 || end <= start || end > length)
        throw std::invalid_argument("word [" + std::to_string(start) + ", " + std::to_string(end) +
                                    ") outside the text");
      sentence.word_spans.emplace_back(start, end);
    }
  }
  return candidate;
}

}  // namespace

ShardCandidates read_shard_candidates(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open shard candidates file '" + path + "'");
  ShardCandidates shard;
  shard.path = path;
  std::string text;
  size_t line_number = 0;
  bool have_header = false;
  while (std::getline(in, text)) {
    ++line_number;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.empty()) continue;
    try {
      const json line = parse_input_json(text);
      if (!have_header) {
        shard.header = parse_header(line);
        have_header = true;
        continue;
      }
      Selected candidate = parse_candidate(line);
      if (shard_of(candidate.sentence.analysis.id, shard.header.shard.count) !=
          shard.header.shard.index) {
        throw std::invalid_argument("id '" + candidate.sentence.analysis.id +
                                    "' does not belong to shard " + shard.header.shard.to_string());
      }
      if (!shard.candidates.empty()) {
        const Selected& previous = shard.candidates.back();
        if (!TopKSelector::ranks_before(previous.score, previous.sentence.order, candidate.score,
                                        candidate.sentence.order)) {
          throw std::invalid_argument("candidates are not best first (score, then position)");
        }
      }
      shard.candidates.push_back(std::move(candidate));
    } catch (const std::exception& error) {
      throw InputError(path + ":" + std::to_string(line_number) + ": " + error.what());
    }
  }
  if (in.bad()) throw InputError("error reading shard candidates file '" + path + "'");
  if (!have_header) {
    throw InputError(path + ": empty; not a shard candidates file of `alsel select --shard I/N`");
  }
  if (shard.candidates.size() != shard.header.candidates) {
    throw InputError(path + ": the header announces " + std::to_string(shard.header.candidates) +
                     " candidates, the file holds " + std::to_string(shard.candidates.size()) +
                     " (a truncated copy?)");
  }
  return shard;
}

}  // namespace alsel
