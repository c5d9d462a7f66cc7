// The CLI's subcommands, one file each (src/cli/*_cli.cc): each registers its flags on a CLI11
// subcommand, bound to the library's config struct, and returns what runs it once parsed. main()
// only builds the app, parses and dispatches.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace alsel::cli {

// What is known only once the command line is parsed.
struct RunContext {
  std::vector<std::string> arguments;  // the command line, for the manifest
  std::string config_file;             // --config FILE, empty = none
};

struct Subcommand {
  CLI::App* app = nullptr;
  std::function<void(const RunContext&)> run;  // throws alsel::Error (exit codes in errors.h)
};

Subcommand add_select_command(CLI::App& app);
Subcommand add_score_command(CLI::App& app);
Subcommand add_merge_command(CLI::App& app);
Subcommand add_eval_command(CLI::App& app);
Subcommand add_info_command(CLI::App& app);
Subcommand add_convert_command(CLI::App& app);
Subcommand add_agreement_command(CLI::App& app);
Subcommand add_strategies_command(CLI::App& app);

}  // namespace alsel::cli
