// A config's settings, declared once by the config itself (sherpa-onnx's Register / Validate /
// ToString shape, without a dependency on any flag parser):
//
//   void DedupeOptions::register_settings(SettingsRegistry& settings) {
//     settings.add_choice(Setting("dedupe", "none, exact or near"), mode, dedupe_mode_names());
//     settings.add(Setting("max-per-entity", "at most N sentences ..."), max_per_entity);
//   }
//
// The CLI binds every setting to a flag (--name; -n for a one-letter name) and `--config` files
// to the key of the same name; describe_settings() prints "name=value ..." for the log. Library
// messages name a setting through show_setting("k"): the name itself by default ("k must be >=
// 0"), the flag once the CLI has installed its display ("-k must be >= 0").
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "alsel/util/errors.h"

namespace alsel {

// One setting: its name, help and the rules a parser applies before the config's validate().
struct Setting {
  Setting(std::string name_, std::string help_) : name(std::move(name_)), help(std::move(help_)) {}

  std::string name;                   // "batch-tokens": flag --batch-tokens, config key batch-tokens
  std::string help;
  std::string short_name;             // "m": also -m; empty = none
  std::vector<std::string> choices;   // the accepted values; empty = any
  bool show_default = true;           // help shows the current value as the default
  bool required = false;
  bool positional = false;            // an argument (merge's shard files), not a flag
  bool positive = false;              // a number that must be > 0
  std::vector<std::string> excludes;  // settings that cannot be given together with this one

  Setting& with_short(std::string name_) { short_name = std::move(name_); return *this; }
  Setting& with_choices(std::vector<std::string> values) { choices = std::move(values); return *this; }
  Setting& without_default() { show_default = false; return *this; }
  Setting& as_required() { required = true; return *this; }
  Setting& as_positional() { positional = true; return *this; }
  Setting& as_positive() { positive = true; return *this; }
  Setting& excluding(std::string other) { excludes.push_back(std::move(other)); return *this; }
};

// Enum values and their names, in the order help lists them.
template <class Enum>
using EnumNames = std::vector<std::pair<Enum, std::string>>;

// Where configs declare their settings: the CLI's binder, the describer below, a test's recorder.
class SettingsRegistry {
 public:
  virtual ~SettingsRegistry() = default;
  virtual void add(const Setting& setting, std::string& value) = 0;
  virtual void add(const Setting& setting, std::vector<std::string>& values) = 0;
  virtual void add(const Setting& setting, int& value) = 0;
  virtual void add(const Setting& setting, int64_t& value) = 0;
  virtual void add(const Setting& setting, uint64_t& value) = 0;
  virtual void add(const Setting& setting, double& value) = 0;
  // A flag without a value: giving it sets `value` to `when_given`.
  virtual void add_flag(const Setting& setting, bool& value, bool when_given) = 0;
  // A value held as text and stored by `parse` (enums, units, optional values); `text` is the
  // current value's text, "" when unset.
  virtual void add_parsed(const Setting& setting, const std::string& text,
                          std::function<void(const std::string&)> parse) = 0;

  void add_flag(const Setting& setting, bool& value) { add_flag(setting, value, true); }

  // An enum setting: its names are the choices (unless the setting lists its own).
  template <class Enum>
  void add_choice(Setting setting, Enum& value, const EnumNames<Enum>& names) {
    if (setting.choices.empty()) {
      for (const auto& entry : names) setting.choices.push_back(entry.second);
    }
    add_parsed(setting, enum_name(value, names), [&value, names](const std::string& text) {
      for (const auto& entry : names) {
        if (entry.second == text) value = entry.first;
      }
    });
  }

  template <class Enum>
  static std::string enum_name(Enum value, const EnumNames<Enum>& names) {
    for (const auto& entry : names) {
      if (entry.first == value) return entry.second;
    }
    return {};
  }
};

// "name=value name=value ..." of every setting `declare` registers (lists joined by commas,
// flags as true/false), for logs and to_string().
std::string describe_settings(const std::function<void(SettingsRegistry&)>& declare);

// How a message shows the setting `name`: the name, or what set_setting_display() installed
// (the CLI: the flag, "--max-per-entity"; "-k" for "k").
std::string show_setting(const std::string& name);
// Installs the display of show_setting() for the process; call it before any command runs (it is
// not synchronised with threads reading it). An empty function restores the default.
void set_setting_display(std::function<std::string(const std::string&)> display);

// "none, exact or near": the names, for messages.
template <class Enum>
std::string enum_choices(const EnumNames<Enum>& names) {
  std::string choices;
  for (size_t i = 0; i < names.size(); ++i) {
    choices += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i].second;
  }
  return choices;
}

// The enum value `text` names; throws UsageError naming the setting and the choices otherwise
// ("dedupe must be none, exact or near, got 'x'").
template <class Enum>
Enum parse_enum(const std::string& setting, const std::string& text, const EnumNames<Enum>& names) {
  for (const auto& entry : names) {
    if (entry.second == text) return entry.first;
  }
  throw UsageError(show_setting(setting) + " must be " + enum_choices(names) + ", got '" + text + "'");
}

}  // namespace alsel
