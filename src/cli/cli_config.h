// The config file side of the command line: `--config FILE` (CLI11's TOML/INI reader, one
// [subcommand] table per subcommand, global options at the top) and `--print-config[=FILE]`,
// which writes the effective configuration of a run in the same format, so that the file it
// writes reproduces the run with `alsel --config FILE`.
//
//   CliConfig config_file(app);                  // before the subcommands are added
//   config_file.add_print_option(*select_command);
//   app.parse(argc, argv);
//   if (config_file.print_requested()) { config_file.print(); return 0; }
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace alsel::cli {

class CliConfig {
 public:
  // Adds --config to `app` and makes unknown config keys an error. Call before add_subcommand
  // (subcommands copy the setting when created).
  explicit CliConfig(CLI::App& app);

  // Adds --print-config[=FILE] to `command` and makes it runnable from a config file table.
  void add_subcommand(CLI::App& command);

  // The --config file given (empty = none).
  std::string config_path() const;

  // A CLI11 parse error, with the config file's name and line when it came from the file.
  std::string explain(const CLI::ParseError& error) const;

  // The subcommand whose --print-config was given, or nullptr.
  CLI::App* print_requested() const;
  // Writes the effective configuration of `command` (global options first, then its table)
  // to its --print-config target ("-" = stdout), atomically.
  void print(const CLI::App& command) const;
  // The text print() writes.
  std::string effective_config(const CLI::App& command) const;

 private:
  CLI::App& app_;
  CLI::Option* config_ = nullptr;
  struct PrintOption {
    CLI::App* command;
    CLI::Option* option;
    std::string target;
  };
  std::vector<std::unique_ptr<PrintOption>> print_options_;
};

// Whether the command line asks for JSON logs (--log-format json or --log-format=json), read
// from the raw arguments: a parse error must be reported in the format asked for, and CLI11
// sets option values only once the whole line parsed.
bool json_logs_requested(const std::vector<std::string>& arguments);

}  // namespace alsel::cli
