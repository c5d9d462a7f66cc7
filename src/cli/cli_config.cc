#include "cli_config.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include "alsel/output/atomic_file.h"
#include "alsel/output/config_file.h"

namespace alsel::cli {
namespace {

bool is_number(const std::string& text) {
  if (text.empty()) return false;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(value) && text.find_first_of("xXpP") == std::string::npos;
}

// A TOML value: numbers and booleans bare, everything else a basic string.
std::string toml_value(const std::string& text) {
  if (text == "true" || text == "false" || is_number(text)) return text;
  std::string quoted = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': quoted += "\\\""; break;
      case '\\': quoted += "\\\\"; break;
      case '\n': quoted += "\\n"; break;
      case '\t': quoted += "\\t"; break;
      default: quoted += c;
    }
  }
  return quoted + "\"";
}

// "key = value" for one option, or "" when it has neither a value nor a default. Flags appear
// only when given (their default is off).
std::string option_line(const CLI::Option& option) {
  if (!option.get_configurable()) return {};
  const std::string name = option.get_single_name();
  if (name.empty() || name == "help" || name == "help-all") return {};
  if (option.get_expected_min() == 0 && option.get_type_size() == 0) {
    if (option.count() == 0) return {};
    return name + " = " + (option.count() > 1 ? std::to_string(option.count()) : "true") + "\n";
  }
  std::vector<std::string> values = option.count() > 0 ? option.reduced_results() : std::vector<std::string>();
  if (option.count() == 0) {
    if (option.get_default_str().empty()) return {};
    values = {option.get_default_str()};
  }
  const bool list = option.get_expected_max() > 1;
  std::string line = name + " = ";
  if (list) {
    line += "[";
    for (size_t i = 0; i < values.size(); ++i) line += (i ? ", " : "") + toml_value(values[i]);
    line += "]";
  } else {
    line += toml_value(values.empty() ? std::string() : values.back());
  }
  return line + "\n";
}

std::string options_text(const CLI::App& command) {
  std::string text;
  for (const CLI::Option* option : command.get_options()) {
    const std::string line = option_line(*option);
    if (line.empty()) continue;
    if (!option->get_description().empty()) text += "# " + option->get_description() + "\n";
    text += line;
  }
  return text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

CliConfig::CliConfig(CLI::App& app) : app_(app) {
  config_ = app.set_config("--config", "",
                           "read options from FILE (TOML/INI: a [select], [score], ... table per "
                           "subcommand; command-line flags win; see README \"Config file\")");
  app.allow_config_extras(CLI::config_extras_mode::error);
}

void CliConfig::add_subcommand(CLI::App& command) {
  command.configurable();  // a [command] table in the file runs the subcommand
  auto entry = std::make_unique<PrintOption>();
  entry->command = &command;
  entry->option = command
                      .add_option("--print-config", entry->target,
                                  "write the effective configuration (TOML, for --config) to FILE "
                                  "(default: stdout) and exit without running")
                      ->expected(0, 1)
                      ->type_name("[FILE]")
                      ->configurable(false);
  print_options_.push_back(std::move(entry));
}

std::string CliConfig::config_path() const {
  if (config_ == nullptr || config_->count() == 0) return {};
  const std::vector<std::string> paths = config_->as<std::vector<std::string>>();
  return paths.empty() ? std::string() : paths.back();
}

std::string CliConfig::explain(const CLI::ParseError& error) const {
  const std::string path = config_path();
  if (path.empty()) return error.what();
  return locate_config_error(path, read_text(path), error.what());
}

CLI::App* CliConfig::print_requested() const {
  for (const auto& entry : print_options_) {
    if (entry->command->parsed() && entry->option->count() > 0) return entry->command;
  }
  return nullptr;
}

std::string CliConfig::effective_config(const CLI::App& command) const {
  std::string text = "# alsel " + command.get_name() + ": effective configuration";
  const std::string path = config_path();
  if (!path.empty()) text += " (from " + path + " and the command line)";
  text += "\n# run it with: alsel --config FILE\n";
  text += options_text(app_);
  text += "\n[" + command.get_name() + "]\n" + options_text(command);
  return text;
}

void CliConfig::print(const CLI::App& command) const {
  std::string target = "-";
  for (const auto& entry : print_options_) {
    if (entry->command == &command && !entry->target.empty()) target = entry->target;
  }
  AtomicOutputFile out(target);
  out.stream() << effective_config(command);
  out.commit();
}

bool json_logs_requested(const std::vector<std::string>& arguments) {
  bool json = false;
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (arguments[i] == "--") break;
    if (arguments[i] == "--log-format" && i + 1 < arguments.size()) json = arguments[i + 1] == "json";
    if (arguments[i].rfind("--log-format=", 0) == 0) json = arguments[i] == "--log-format=json";
  }
  return json;
}

}  // namespace alsel::cli
