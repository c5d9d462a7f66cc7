// `alsel convert`: annotated batches back into the formats --labeled and `alsel eval` read.
//
// Inputs: BIO/CoNLL, doccano JSONL, Prodigy JSONL and Label Studio JSON exports, through
// LabeledReader like --labeled (offsets in each tool's unit unless --offset-unit says otherwise;
// Label Studio: the last annotation that was not cancelled; Prodigy: accepted tasks; the others
// are skipped). Outputs: doccano JSONL (UTF-16 offsets by default, doccano's unit, which
// --labeled also reads by default) or BIO (tab-separated, blank line between sentences).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <tuple>

#include "alsel/output/atomic_file.h"
#include "alsel/data/labeled_data.h"
#include "alsel/app/commands.h"
#include "alsel/util/errors.h"
#include "alsel/output/run_files.h"
#include "alsel/text/tool_offsets.h"
#include "alsel/util/json_output.h"
#include "alsel/text/unicode.h"
#include "alsel/util/utf8.h"
#include "run_support.h"
#include "alsel/util/settings.h"

namespace alsel {

void ConvertConfig::validate() const {
  if (inputs.empty()) throw UsageError(show_setting("input") + " needs at least one file");
  if (out.empty()) throw UsageError(show_setting("out") + " is empty");
  outputs.validate();
}

namespace {

using nlohmann::json;

// Characters that cannot be part of a BIO token: whitespace separates fields and ASCII
// controls would break the line.
bool separates_tokens(char32_t c) { return is_whitespace(c) || c < 0x20 || c == 0x7F; }

void write_doccano(std::ostream& out, const LabeledSentence& sentence, OffsetUnit unit) {
  const OffsetConverter offsets(sentence.text, unit);
  nlohmann::ordered_json line;
  line["id"] = sentence.id;
  line["text"] = sentence.text;
  nlohmann::ordered_json labels = nlohmann::ordered_json::array();
  for (const GoldSpan& span : sentence.spans) {
    const auto [start, end] = offsets.span_from_code_points(span.start, span.end);
    labels.push_back({start, end, span.label});
  }
  line["label"] = std::move(labels);
  out << dump_json(line) << '\n';
}

// Writes one BIO sentence; returns the number of entities written (spans covering no token, i.e.
// only whitespace, are dropped with a warning).
size_t write_bio(std::ostream& out, const LabeledSentence& sentence, BioTokens token_mode) {
  const std::u32string text = decode_utf8(sentence.text);
  bool has_space = false;
  for (char32_t c : text) has_space |= separates_tokens(c);
  const bool per_character = token_mode == BioTokens::kChar || (token_mode == BioTokens::kAuto && !has_space);
  // Token boundaries: whitespace separates tokens; entity edges always cut; in char mode every
  // code point is its own token.
  std::vector<bool> cut(text.size() + 1, false);
  for (const GoldSpan& span : sentence.spans) {
    cut[span.start] = true;
    cut[span.end] = true;
  }
  // Per code point: index of the span covering it, -1 = none. Overlapping spans keep the first.
  std::vector<int> owner(text.size(), -1);
  for (size_t s = 0; s < sentence.spans.size(); ++s) {
    for (int i = sentence.spans[s].start; i < sentence.spans[s].end; ++i) {
      if (owner[i] == -1) owner[i] = static_cast<int>(s);
    }
  }
  std::vector<bool> written(sentence.spans.size(), false);
  size_t tokens = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (separates_tokens(text[i])) {
      ++i;
      continue;
    }
    size_t end = i + 1;
    if (!per_character) {
      while (end < text.size() && !cut[end] && !separates_tokens(text[end])) ++end;
    }
    const int span = owner[i];
    std::string tag = "O";
    if (span >= 0) {
      tag = (written[span] ? "I-" : "B-") + sentence.spans[span].label;
      written[span] = true;
    }
    out << encode_utf8(text.substr(i, end - i)) << '\t' << tag << '\n';
    ++tokens;
    i = end;
  }
  if (tokens > 0) out << '\n';
  size_t entities = 0;
  for (size_t s = 0; s < written.size(); ++s) {
    if (written[s]) {
      ++entities;
    } else {
      spdlog::warn(
          "{}:{}: id {}: entity [{}, {}) {} covers no token (whitespace only or overlapping): "
          "dropped",
          sentence.file, sentence.line, sentence.id, sentence.spans[s].start, sentence.spans[s].end,
          sentence.spans[s].label);
    }
  }
  if (tokens == 0)
    spdlog::warn("{}:{}: id {}: text has no tokens: skipped", sentence.file, sentence.line,
                 sentence.id);
  return entities;
}

}  // namespace

ConvertSummary run_convert(const ConvertConfig& config) {
  config.validate();
  const auto started = std::chrono::system_clock::now();
  const std::string manifest_target = manifest_path(config.outputs, config.out);
  RunFiles files;
  files.inputs(show_setting("input"), config.inputs);
  files.output(show_setting("out"), config.out);
  files.output(show_setting("manifest"), manifest_target);
  files.check();
  const std::vector<FileFingerprint> input_files = fingerprint_files(config.inputs);
  ConvertSummary summary;
  AtomicOutputFile out(config.out);
  std::optional<AtomicOutputFile> manifest_file;
  if (!manifest_target.empty()) manifest_file.emplace(manifest_target);
  const auto emit = [&](const LabeledSentence& sentence, OffsetUnit out_unit) {
    ++summary.sentences;
    if (config.to == ConvertTarget::kDoccano) {
      write_doccano(out.stream(), sentence, out_unit);
      summary.entities += sentence.spans.size();
    } else {
      summary.entities += write_bio(out.stream(), sentence, config.bio_tokens);
    }
  };
  const OffsetUnit out_unit = config.out_offset_unit.value_or(tool_offset_unit("doccano"));
  nlohmann::ordered_json input_units = nlohmann::ordered_json::array();
  for (const std::string& path : config.inputs) {
    LabeledReader reader(path, config.from, config.offset_unit);
    LabeledSentence sentence;
    while (reader.next(sentence)) emit(sentence, out_unit);
    summary.skipped += reader.skipped();
    input_units.push_back(
        {{"path", path},
         {"format", labeled_format_name(reader.format())},
         {"offset_unit", reader.format() == LabeledFormat::kBio ? nullptr
                                                                : nlohmann::ordered_json(offset_unit_name(reader.offset_unit()))}});
  }
  if (!out.stream()) throw OutputError("writing '" + config.out + "' failed");
  out.finish();  // renamed together with the manifest
  if (manifest_file) {
    nlohmann::ordered_json manifest = manifest_start("convert", config.arguments, config.config_file, started);
    manifest["inputs"] = fingerprints_json(input_files);
    const std::string to = SettingsRegistry::enum_name(config.to, convert_target_names());
    manifest["settings"] = {{"from", labeled_format_name(config.from)},
                            {"to", to},
                            {"offset_unit", config.offset_unit ? nlohmann::ordered_json(offset_unit_name(*config.offset_unit))
                                                               : nlohmann::ordered_json("tool")},
                            {"inputs", input_units},
                            {"out_offset_unit", config.to == ConvertTarget::kDoccano ? nlohmann::ordered_json(offset_unit_name(out_unit))
                                                                       : nlohmann::ordered_json(nullptr)},
                            {"bio_tokens", SettingsRegistry::enum_name(config.bio_tokens, bio_tokens_names())}};
    manifest["counts"] = {{"sentences", summary.sentences},
                          {"entities", summary.entities},
                          {"skipped", summary.skipped}};
    manifest["outputs"] = {{"out", output_json(&out)}};
    manifest_file->stream() << dump_json(manifest, 2) << "\n";
  }
  commit_together({&out, manifest_file ? &*manifest_file : nullptr});
  spdlog::info(
      "convert: {} sentences, {} entities{} -> {} ({})", summary.sentences, summary.entities,
      summary.skipped ? ", " + std::to_string(summary.skipped) + " tasks skipped" : std::string(),
      config.out, SettingsRegistry::enum_name(config.to, convert_target_names()));
  return summary;
}

}  // namespace alsel
