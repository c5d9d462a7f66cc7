// settings.h: configs declare their settings once; the describer, enum parsing, the message
// display, and every command's declarations (names, helps, choices), in-process and against the
// real binary's --help.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "alsel/app/commands.h"
#include "alsel/util/errors.h"
#include "alsel/util/settings.h"
#include "cli_test_support.h"

namespace {

using namespace alsel;

// Records every setting; applies values given by name, as a config file loader would.
class Recorder : public SettingsRegistry {
 public:
  explicit Recorder(std::map<std::string, std::string> values = {}) : values_(std::move(values)) {}
  void add(const Setting& s, std::string& v) override { put(s, [&](const std::string& t) { v = t; }); }
  void add(const Setting& s, std::vector<std::string>& v) override {
    put(s, [&](const std::string& t) { v = {t}; });
  }
  void add(const Setting& s, int& v) override { put(s, [&](const std::string& t) { v = std::stoi(t); }); }
  void add(const Setting& s, int64_t& v) override { put(s, [&](const std::string& t) { v = std::stoll(t); }); }
  void add(const Setting& s, uint64_t& v) override { put(s, [&](const std::string& t) { v = std::stoull(t); }); }
  void add(const Setting& s, double& v) override { put(s, [&](const std::string& t) { v = std::stod(t); }); }
  void add_flag(const Setting& s, bool& v, bool when_given) override {
    put(s, [&v, when_given](const std::string&) { v = when_given; });
  }
  void add_parsed(const Setting& s, const std::string&, std::function<void(const std::string&)> parse) override {
    put(s, parse);
  }
  std::vector<Setting> settings;

 private:
  void put(const Setting& s, const std::function<void(const std::string&)>& apply) {
    settings.push_back(s);
    const auto found = values_.find(s.name);
    if (found != values_.end()) apply(found->second);
  }
  std::map<std::string, std::string> values_;
};

template <class Config>
std::vector<Setting> settings_of(Config config) {
  Recorder recorder;
  config.register_settings(recorder);
  return recorder.settings;
}

// Each subcommand's settings, as its config declares them now (helps use the installed display).
std::map<std::string, std::vector<Setting>> every_command_settings() {
  return {{"select", settings_of(SelectConfig())},     {"score", settings_of(ScoreConfig())},
          {"merge", settings_of(MergeConfig())},       {"eval", settings_of(EvalConfig())},
          {"convert", settings_of(ConvertConfig())},   {"agreement", settings_of(AgreementConfig())},
          {"info", settings_of(InfoConfig())}};
}

std::set<std::string> names_of(const std::vector<Setting>& settings) {
  std::set<std::string> names;
  for (const Setting& s : settings) names.insert(s.name);
  return names;
}

// Restores the default display after a test that installs one.
struct DisplayGuard {
  ~DisplayGuard() { set_setting_display(nullptr); }
};

TEST(SettingsTest, DescribeListsEveryValueInOrder) {
  std::string name = "x";
  std::vector<std::string> files = {"a", "b"};
  int k = 7;
  bool flag = false;
  const std::string text = describe_settings([&](SettingsRegistry& r) {
    r.add(Setting("name", "h"), name);
    r.add(Setting("files", "h"), files);
    r.add(Setting("k", "h"), k);
    r.add_flag(Setting("on", "h"), flag);
    r.add_flag(Setting("off", "h"), flag, false);
    r.add_parsed(Setting("unit", "h"), "utf16", [](const std::string&) {});
  });
  EXPECT_EQ(text, "name=x files=a,b k=7 on=false off=true unit=utf16");
}

TEST(SettingsTest, EnumsParseByNameAndNameTheSettingWhenWrong) {
  const EnumNames<DedupeMode>& names = dedupe_mode_names();
  EXPECT_EQ(parse_enum("dedupe", "exact", names), DedupeMode::kExact);
  try {
    parse_enum("dedupe", "fuzzy", names);
    FAIL() << "fuzzy parsed";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()), "dedupe must be none, exact or near, got 'fuzzy'");
  }
  DisplayGuard guard;
  set_setting_display([](const std::string& name) { return "--" + name; });
  try {
    parse_enum("dedupe", "fuzzy", names);
    FAIL() << "fuzzy parsed";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()), "--dedupe must be none, exact or near, got 'fuzzy'");
  }
}

TEST(SettingsTest, LibraryMessagesNameTheSettingAndTheInstalledDisplayShowsTheFlag) {
  SelectConfig config;
  config.dedupe.max_per_entity = -1;
  try {
    config.dedupe.validate();
    FAIL() << "a negative cap validated";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("max-per-entity must be >= 0", 0), 0u) << error.what();
  }
  DisplayGuard guard;
  set_setting_display([](const std::string& name) { return "<" + name + ">"; });
  try {
    config.dedupe.validate();
    FAIL() << "a negative cap validated";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("<max-per-entity> must be >= 0", 0), 0u) << error.what();
  }
}

TEST(SettingsTest, ChoicesAndParsedValuesReachTheConfig) {
  SelectConfig config;
  Recorder recorder({{"dedupe", "none"},
                     {"exclude-match", "id"},
                     {"probs", "softmax"},
                     {"input-format", "text"},
                     {"progress", "log"},
                     {"offset-unit", "utf16"},
                     {"labeled-offset-unit", "grapheme"},
                     {"keep-labeled", ""},
                     {"no-manifest", ""},
                     {"per-char", ""},
                     {"shard", "1/4"},
                     {"k", "12"}});
  config.register_settings(recorder);
  EXPECT_EQ(config.dedupe.mode, DedupeMode::kNone);
  ASSERT_TRUE(config.exclusion.match.has_value());
  EXPECT_EQ(*config.exclusion.match, ExclusionMatch::kId);
  EXPECT_EQ(config.inference.probabilities, ProbabilityMode::kSoftmax);
  EXPECT_EQ(config.pool.reader.format, InputFormat::kText);
  EXPECT_EQ(config.progress.mode, ProgressMode::kLog);
  EXPECT_EQ(config.writer.offset_unit, OffsetUnit::kUtf16);
  EXPECT_EQ(config.labeled_offset_unit, OffsetUnit::kGrapheme);
  EXPECT_FALSE(config.exclusion.exclude_labeled);
  EXPECT_FALSE(config.outputs.write_manifest);
  EXPECT_TRUE(config.strategy_options.per_char);
  EXPECT_EQ(config.k, 12);
  config.resolve_shard_request([](const char*) -> const char* { return nullptr; });
  EXPECT_EQ(config.shard.to_string(), "1/4");
  // "auto" clears the match again; describe shows what was set.
  Recorder again(std::map<std::string, std::string>{{"exclude-match", "auto"}});
  config.register_settings(again);
  EXPECT_FALSE(config.exclusion.match.has_value());
  const std::string text = config.to_string();
  EXPECT_NE(text.find("dedupe=none"), std::string::npos) << text;
  EXPECT_NE(text.find("k=12"), std::string::npos) << text;
  EXPECT_NE(text.find("exclude-match=auto"), std::string::npos) << text;
}

TEST(SettingsTest, AnEmptyShardIsRefusedOnlyWhenGiven) {
  ShardRequest request;
  const EnvironmentLookup no_environment = [](const char*) -> const char* { return nullptr; };
  EXPECT_FALSE(request.resolve(no_environment).enabled());
  Recorder recorder(std::map<std::string, std::string>{{"shard", ""}});
  request.register_settings(recorder);
  EXPECT_TRUE(request.given);
  EXPECT_THROW(request.resolve(no_environment), UsageError);
}

TEST(SettingsTest, EveryCommandDeclaresUniqueDocumentedSettings) {
  const std::map<std::string, std::vector<Setting>> commands = every_command_settings();
  for (const auto& [command, settings] : commands) {
    EXPECT_EQ(names_of(settings).size(), settings.size()) << command << ": a setting registered twice";
    for (const Setting& s : settings) {
      EXPECT_FALSE(s.help.empty()) << command << " " << s.name;
      EXPECT_EQ(s.name.find_first_of(" _"), std::string::npos) << s.name;  // words joined by dashes
      EXPECT_NE(s.name.front(), '-') << s.name;
      for (const std::string& other : s.excludes) {
        EXPECT_EQ(names_of(settings).count(other), 1u) << command << ": " << s.name << " excludes " << other;
      }
    }
  }
  // The ones a user of each command relies on (README, docs/cli.md).
  const std::set<std::string> select = names_of(commands.at("select"));
  for (const char* name : {"model", "pool", "strategy", "k", "budget-chars", "out", "labeled", "exclude", "dedupe",
                           "max-per-entity", "format", "offset-unit", "shard", "shard-count", "per-char", "cache"}) {
    EXPECT_EQ(select.count(name), 1u) << name;
  }
  EXPECT_EQ(names_of(commands.at("merge")).count("shards"), 1u);
}

TEST(SettingsTest, EnumSettingsOfferExactlyTheirNames) {
  for (const Setting& s : settings_of(SelectConfig())) {
    if (s.name == "dedupe") EXPECT_EQ(s.choices, (std::vector<std::string>{"none", "exact", "near"}));
    if (s.name == "probs") EXPECT_EQ(s.choices, (std::vector<std::string>{"marginal", "softmax"}));
    if (s.name == "progress") EXPECT_EQ(s.choices, (std::vector<std::string>{"auto", "bar", "log", "none"}));
  }
  for (const Setting& s : settings_of(ConvertConfig())) {
    if (s.name == "bio-tokens") EXPECT_EQ(s.choices, (std::vector<std::string>{"auto", "char", "whitespace"}));
    if (s.name == "from") EXPECT_EQ(s.choices.size(), labeled_format_names().size());
  }
}

// The binary turns every declared setting into a flag of its subcommand.
class SettingsCliTest : public alsel::testing::TempDirTest {};

TEST_F(SettingsCliTest, EveryDeclaredSettingIsAFlagOfItsSubcommand) {
  // Helps that name another setting name it as the CLI shows it.
  DisplayGuard guard;
  set_setting_display([](const std::string& name) { return (name.size() == 1 ? "-" : "--") + name; });
  const std::map<std::string, std::vector<Setting>> commands = every_command_settings();
  for (const auto& [command, settings] : commands) {
    const alsel::testing::RunResult r = run({command, "--help"});
    ASSERT_EQ(r.exit_code, 0) << command << r.err;
    for (const Setting& s : settings) {
      const std::string flag = s.positional ? s.name : (s.name.size() == 1 ? "-" : "--") + s.name;
      EXPECT_NE(r.out.find(flag + " "), std::string::npos) << command << " --help lacks " << flag << "\n" << r.out;
      EXPECT_NE(r.out.find(s.help.substr(0, 30)), std::string::npos) << command << " " << flag;
    }
  }
}

TEST_F(SettingsCliTest, MessagesShowTheFlagOnTheCommandLine) {
  const alsel::testing::RunResult r =
      run({"select", "-p", "pool.jsonl", "--max-per-entity", "-2", "-o", path("out.jsonl")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--max-per-entity must be >= 0"), std::string::npos) << r.err;
}

}  // namespace
