// The CLI side of settings.h: every setting a config registers becomes a CLI11 option of one
// subcommand (--name, -n for a one-letter name, -s,--name with a short name, a positional
// argument), with its help, default, choices, checks and exclusions.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <string>

#include "alsel/util/settings.h"

namespace alsel::cli {

class CliSettings : public SettingsRegistry {
 public:
  explicit CliSettings(CLI::App& command) : command_(command) {}

  void add(const Setting& setting, std::string& value) override { finish(setting, command_.add_option(flags(setting), value, setting.help)); }
  void add(const Setting& setting, std::vector<std::string>& values) override {
    finish(setting, command_.add_option(flags(setting), values, setting.help));
  }
  void add(const Setting& setting, int& value) override { finish(setting, command_.add_option(flags(setting), value, setting.help)); }
  void add(const Setting& setting, int64_t& value) override { finish(setting, command_.add_option(flags(setting), value, setting.help)); }
  void add(const Setting& setting, uint64_t& value) override { finish(setting, command_.add_option(flags(setting), value, setting.help)); }
  void add(const Setting& setting, double& value) override { finish(setting, command_.add_option(flags(setting), value, setting.help)); }
  void add_flag(const Setting& setting, bool& value, bool when_given) override;
  void add_parsed(const Setting& setting, const std::string& text,
                  std::function<void(const std::string&)> parse) override;

  // The option a setting became; throws std::out_of_range for an unknown name.
  CLI::Option* option(const std::string& name) const { return options_.at(name); }

 private:
  static std::string flags(const Setting& setting);
  void finish(const Setting& setting, CLI::Option* option, bool capture_default = true);

  CLI::App& command_;
  std::map<std::string, CLI::Option*> options_;
};

// How messages show a setting on the command line: "--name", "-k" for a one-letter name
// (installed with set_setting_display before the subcommands are built).
std::string flag_of_setting(const std::string& name);

}  // namespace alsel::cli
