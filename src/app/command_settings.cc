// The settings of every command's config (commands.h), each declared once, in the order `alsel
// CMD --help` lists them; the CLI binds them to flags (src/cli/cli_settings.h).
#include "alsel/app/commands.h"
#include "alsel/output/selection_writer.h"
#include "alsel/text/tool_offsets.h"
#include "alsel/util/settings.h"

namespace alsel {

// ----------------------------------------------------------------------------------------------
// Enums of the commands' settings.

const EnumNames<DedupeMode>& dedupe_mode_names() {
  static const EnumNames<DedupeMode> names = {
      {DedupeMode::kNone, "none"}, {DedupeMode::kExact, "exact"}, {DedupeMode::kNear, "near"}};
  return names;
}

const char* dedupe_mode_name(DedupeMode mode) {
  for (const auto& [value, name] : dedupe_mode_names()) {
    if (value == mode) return name.c_str();
  }
  return "?";
}

const EnumNames<ConvertTarget>& convert_target_names() {
  static const EnumNames<ConvertTarget> names = {{ConvertTarget::kDoccano, "doccano"}, {ConvertTarget::kBio, "bio"}};
  return names;
}

const EnumNames<BioTokens>& bio_tokens_names() {
  static const EnumNames<BioTokens> names = {
      {BioTokens::kAuto, "auto"}, {BioTokens::kChar, "char"}, {BioTokens::kWhitespace, "whitespace"}};
  return names;
}

// ----------------------------------------------------------------------------------------------
// Parts several commands share.

void PoolOptions::register_settings(SettingsRegistry& settings) {
  settings.add(Setting("pool", "pool files (JSONL with id and text); - = stdin").with_short("p").as_required().without_default(),
               paths);
  reader.register_settings(settings);
  settings.add(Setting("rejects", "write rejected lines with their reason here (JSONL)").without_default(), rejects_path);
  settings.add_flag(Setting("strict", "stop at the first bad line (exit 3) and write no output"), strict);
}

void ExclusionOptions::register_settings(SettingsRegistry& settings) {
  settings.add_flag(Setting("keep-labeled", "do not exclude the " + show_setting("labeled") +
                                                " sentences (only use their entities)"),
                    exclude_labeled, false);
  settings.add(Setting("exclude", "files of items already sent: ids one per line, JSONL, or a JSON task list")
                   .without_default(),
               exclude);
  settings.add_parsed(Setting("exclude-match", "exclude by both (id or normalized text), id, text, or auto (text for " +
                                                   show_setting("input-format") + " text, else both)")
                          .with_choices({"auto", "both", "id", "text"}),
                      match ? exclusion_match_name(*match) : "auto", [this](const std::string& text) {
                        if (text == "auto") {
                          match.reset();
                        } else {
                          match = parse_exclusion_match(text);
                        }
                      });
}

void DedupeOptions::register_settings(SettingsRegistry& settings) {
  settings.add_choice(Setting("dedupe", "none, exact (same normalized text) or near (exact + MinHash near duplicates)"),
                      mode, dedupe_mode_names());
  near.register_settings(settings);
  settings.add(Setting("candidate-factor", "near or " + show_setting("max-per-entity") +
                                               ": candidates kept while scoring = k x factor"),
               candidate_factor);
  settings.add(Setting("max-per-entity",
                       "at most N sentences of the batch may owe their score to the same entity (the "
                       "entity, or word, holding the least confident word); 0 = no cap"),
               max_per_entity);
}

void RunOutputs::register_manifest_settings(SettingsRegistry& settings) {
  settings.add(Setting("manifest", "run manifest path (default: OUT.manifest.json; none when OUT is stdout)")
                   .without_default(),
               manifest);
  settings.add_flag(Setting("no-manifest", "write no run manifest"), write_manifest, false);
}

void RunOutputs::validate() const {
  if (!write_manifest && !manifest.empty()) {
    throw UsageError(show_setting("manifest") + " and " + show_setting("no-manifest") + " contradict each other");
  }
}

void ScoringConfig::register_inputs(SettingsRegistry& settings) {
  model.register_settings(settings);
  inference.register_settings(settings);
  pool.register_settings(settings);
  settings.add(Setting("cache",
                       "SQLite file of scored sentences, keyed by model and text: a rerun runs the model "
                       "only on texts it has not seen (created when missing)")
                   .without_default(),
               cache);
}

void ScoringConfig::register_labeled(SettingsRegistry& settings, const std::string& labeled_help) {
  settings.add(Setting("labeled", labeled_help).without_default(), labeled);
  register_offset_unit_setting(settings, "labeled-offset-unit", labeled_offset_unit,
                               "unit of the " + show_setting("labeled") + " files' offsets");
}

void ScoringConfig::register_outputs(SettingsRegistry& settings) {
  outputs.register_manifest_settings(settings);
  progress.register_settings(settings);
  shard_request.register_settings(settings);
}

void ScoringConfig::resolve_shard_request(const EnvironmentLookup& environment) {
  shard = shard_request.resolve(environment);
}

// ----------------------------------------------------------------------------------------------
// The commands.

void SelectConfig::register_settings(SettingsRegistry& settings) {
  register_inputs(settings);
  settings.add(Setting("strategy", "strategy (see `alsel strategies`)").with_short("s"), strategy);
  settings.add(Setting("k", "how many sentences to select"), k);
  settings.add(Setting("budget-chars",
                       "select by characters instead: the longest prefix of the ranking that fits in N "
                       "characters (code points); stops before the first sentence that would overflow")
                   .as_positive()
                   .without_default()
                   .excluding("k"),
               budget_chars);
  settings.add(Setting("out", "output file (- = stdout)").with_short("o"), out);
  register_labeled(settings,
                   "labeled BIO, doccano, Prodigy or Label Studio files: known entities (ltp-unk); "
                   "their sentences are excluded");
  exclusion.register_settings(settings);
  dedupe.register_settings(settings);
  register_writer_settings(settings, format, writer, "MODEL@SHA256[:12]");
  settings.add(Setting("report", "write a self-contained HTML report here").without_default(), outputs.report);
  settings.add(Setting("agreement", "`alsel agreement --json` report of the stop set: recorded in the manifest")
                   .without_default(),
               agreement);
  settings.add(Setting("dropped", "write every excluded, duplicate and suppressed sentence here (JSONL)")
                   .without_default(),
               outputs.dropped);
  register_outputs(settings);
  strategy_options.register_settings(settings);
}

std::string SelectConfig::to_string() const {
  SelectConfig copy = *this;
  return describe_settings([&copy](SettingsRegistry& settings) { copy.register_settings(settings); });
}

void ScoreConfig::register_settings(SettingsRegistry& settings) {
  register_inputs(settings);
  settings.add(Setting("out", "output JSONL (- = stdout)").with_short("o"), out);
  register_labeled(settings, "labeled BIO, doccano, Prodigy or Label Studio files: known entities");
  settings.add(Setting("trim-threshold", "threshold of the trimmed measure"), trim_threshold);
  register_outputs(settings);
}

std::string ScoreConfig::to_string() const {
  ScoreConfig copy = *this;
  return describe_settings([&copy](SettingsRegistry& settings) { copy.register_settings(settings); });
}

void MergeConfig::register_settings(SettingsRegistry& settings) {
  settings.add(Setting("shards", "the candidates file of every shard").as_positional().as_required().without_default(),
               inputs);
  settings.add(Setting("k", "how many sentences to select (default: the shards' " + show_setting("k") + ")")
                   .without_default(),
               k);
  settings.add(Setting("budget-chars", "a character budget instead of " + show_setting("k") + " (default: the shards' " +
                                           show_setting("budget-chars") + " or " + show_setting("k") + ")")
                   .as_positive()
                   .without_default()
                   .excluding("k"),
               budget_chars);
  settings.add(Setting("out", "output file (- = stdout)").with_short("o"), out);
  register_writer_settings(settings, format, writer, "the shards' MODEL@SHA256[:12]");
  settings.add(Setting("dropped", "write the near duplicates suppressed across shards here (JSONL)").without_default(),
               outputs.dropped);
  outputs.register_manifest_settings(settings);
}

void ConvertConfig::register_settings(SettingsRegistry& settings) {
  settings.add(Setting("input", "input files, read in order").with_short("i").as_required().without_default(), inputs);
  settings.add_choice(Setting("from", "auto, bio, doccano, prodigy or label-studio"), from, labeled_format_names());
  settings.add_choice(Setting("to", "doccano or bio"), to, convert_target_names());
  settings.add(Setting("out", "output file (- = stdout)").with_short("o"), out);
  register_offset_unit_setting(settings, "offset-unit", offset_unit, "unit of the inputs' offsets");
  settings.add_parsed(Setting("out-offset-unit", "unit of doccano output offsets: codepoint, utf16 or grapheme "
                                                 "(default: utf16, doccano's, which " +
                                                     show_setting("labeled") + " and eval also read by default)")
                          .with_choices({"codepoint", "utf16", "grapheme"})
                          .without_default(),
                      out_offset_unit ? offset_unit_name(*out_offset_unit) : "",
                      [this](const std::string& text) { out_offset_unit = parse_offset_unit(text); });
  outputs.register_manifest_settings(settings);
  settings.add_choice(Setting("bio-tokens", "to bio: char, whitespace, or auto (char unless the text has spaces)"),
                      bio_tokens, bio_tokens_names());
}

void EvalConfig::register_settings(SettingsRegistry& settings) {
  model.register_settings(settings);
  inference.register_settings(settings);
  settings.add(Setting("data", "BIO/CoNLL, doccano, Prodigy or Label Studio files").with_short("d").as_required().without_default(),
               data);
  settings.add_choice(Setting("data-format", "auto, bio, doccano, prodigy or label-studio"), format,
                      labeled_format_names());
  register_offset_unit_setting(settings, "offset-unit", offset_unit, "unit of the data's offsets");
  settings.add_flag(Setting("json", "print a JSON object (f1 etc. in percent, 0-100)"), json);
  settings.add(Setting("out", "where to write the report (- = stdout)").with_short("o"), out);
}

void InfoConfig::register_settings(SettingsRegistry& settings) {
  model.register_settings(settings);
  settings.add_flag(Setting("json", "print JSON"), json);
}

void AgreementConfig::register_settings(SettingsRegistry& settings) {
  settings.add(Setting("before", "`alsel score` output of the stop set, earlier model").as_positional().as_required().without_default(),
               before);
  settings.add(Setting("after", "`alsel score` output of the same stop set, later model").as_positional().as_required().without_default(),
               after);
  settings.add(Setting("history", "JSONL of earlier comparisons: this one is appended and the rule checked over all")
                   .without_default(),
               history);
  rule.register_settings(settings);
  settings.add_flag(Setting("json", "print a JSON object"), json);
  settings.add(Setting("out", "where to write the report (- = stdout)").with_short("o"), out);
}

}  // namespace alsel
