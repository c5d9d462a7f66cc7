#include "cli_settings.h"

namespace alsel::cli {

std::string flag_of_setting(const std::string& name) { return (name.size() == 1 ? "-" : "--") + name; }

std::string CliSettings::flags(const Setting& setting) {
  if (setting.positional) return setting.name;
  const std::string flag = flag_of_setting(setting.name);
  return setting.short_name.empty() ? flag : "-" + setting.short_name + "," + flag;
}

void CliSettings::finish(const Setting& setting, CLI::Option* option, bool capture_default) {
  if (!setting.choices.empty()) option->check(CLI::IsMember(setting.choices));
  if (setting.positive) option->check(CLI::PositiveNumber);
  for (const std::string& other : setting.excludes) option->excludes(this->option(other));
  if (setting.required) option->required();
  if (capture_default && setting.show_default) option->capture_default_str();
  options_[setting.name] = option;
}

void CliSettings::add_flag(const Setting& setting, bool& value, bool when_given) {
  CLI::Option* option =
      when_given ? command_.add_flag(flags(setting), value, setting.help)
                 : command_.add_flag(flags(setting), [&value, when_given](int64_t) { value = when_given; }, setting.help);
  finish(setting, option, false);
}

void CliSettings::add_parsed(const Setting& setting, const std::string& text,
                             std::function<void(const std::string&)> parse) {
  CLI::Option* option = command_.add_option_function<std::string>(flags(setting), std::move(parse), setting.help);
  finish(setting, option, false);
  if (setting.show_default) option->default_str(text);
}

}  // namespace alsel::cli
