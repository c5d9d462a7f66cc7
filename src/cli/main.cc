// alsel: the command-line front end. It only builds the subcommands (src/cli/*_cli.cc: flags to
// the library's config structs), parses, runs the one asked for and maps exceptions to the
// documented exit codes.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "alsel/output/atomic_file.h"
#include "alsel/util/errors.h"
#include "alsel/util/logging.h"
#include "alsel/util/settings.h"
#include "cli_config.h"
#include "cli_settings.h"
#include "subcommands.h"

namespace {

const char* kExamples = R"(
Examples:
  alsel select -p pool.jsonl -s ltp -k 500 -o batch.jsonl
  alsel select -p pool.jsonl -s ltp-unk --labeled labeled.bio -k 500 -o batch.jsonl --rejects rejects.jsonl
  alsel select -p pool.jsonl --exclude sent/*.jsonl -k 200 --format label-studio -o tasks.json --report r.html
  alsel convert -i annotated.jsonl --to bio -o annotated.bio
  cat pool.txt | alsel select -p - --input-format text -k 20
  alsel score -p pool.jsonl -o scores.jsonl
  alsel select -p pool.jsonl -k 500 --shard 0/3 -o shard-0.jsonl   # one of 3 machines
  alsel merge -k 500 -o batch.jsonl shard-0.jsonl shard-1.jsonl shard-2.jsonl
  alsel select -p pool.jsonl -k 500 -o batch.jsonl --cache scores.sqlite   # nightly reruns
  alsel eval --data test.bio --json
  alsel info
  alsel strategies

Exit codes: 0 ok, 1 internal error (a bug), 2 usage error (also an output path that is an input
or another output), 3 input error (also a corrupt, foreign or locked --cache or shard file),
4 model error (also NaN/Inf emissions), 5 output error, 128+N killed by signal N (130 SIGINT,
143 SIGTERM, 129 SIGHUP; temp files removed, previous outputs kept).
)";

// A parse error, reported as the user asked (JSON logs, or naming the config file's line).
int report_parse_error(CLI::App& app, const CLI::ParseError& e, const alsel::cli::CliConfig& config_file,
                       const std::vector<std::string>& arguments) {
  if (e.get_exit_code() != 0 && alsel::cli::json_logs_requested(arguments)) {
    alsel::set_log_format(alsel::LogFormat::kJson);
    alsel::report_fatal_error(config_file.explain(e), alsel::kExitUsage, false);
    return alsel::kExitUsage;
  }
  if (e.get_exit_code() != 0 && !config_file.config_path().empty()) {
    std::cerr << "alsel: error: " << config_file.explain(e) << "\nRun with --help for more information.\n";
    return alsel::kExitUsage;
  }
  const int code = app.exit(e);
  return code == 0 ? alsel::kExitOk : alsel::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"alsel: active-learning sample selection for named-entity recognition"};
  app.footer(kExamples);
  app.set_version_flag("--version", std::string("alsel ") + ALSEL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // -q/-v also work after the subcommand
  bool quiet = false;
  int verbose = 0;
  app.add_flag("-q,--quiet", quiet, "only warnings and errors on stderr");
  app.add_flag("-v,--verbose", verbose, "more detail on stderr");
  std::string log_format = "text";
  app.add_option("--log-format", log_format,
                 "stderr lines: text, or json (one object per line: time, level, message, fields)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  alsel::cli::CliConfig config_file(app);
  // Library messages and help name settings as flags (settings.h).
  alsel::set_setting_display(alsel::cli::flag_of_setting);

  using namespace alsel::cli;
  const std::vector<Subcommand> subcommands = {
      add_select_command(app),  add_score_command(app),   add_merge_command(app),     add_eval_command(app),
      add_info_command(app),    add_convert_command(app), add_agreement_command(app), add_strategies_command(app)};
  for (const Subcommand& command : subcommands) config_file.add_subcommand(*command.app);

  const std::vector<std::string> arguments(argv, argv + argc);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e, config_file, arguments);
  }
  alsel::set_verbosity(quiet ? alsel::Verbosity::kQuiet
                             : verbose > 0 ? alsel::Verbosity::kVerbose : alsel::Verbosity::kNormal);
  alsel::set_log_format(alsel::parse_log_format(log_format));
  alsel::install_interrupt_cleanup();
  try {
    if (CLI::App* command = config_file.print_requested()) {
      config_file.print(*command);
      return alsel::kExitOk;
    }
    for (const Subcommand& command : subcommands) {
      if (command.app->parsed()) command.run(RunContext{arguments, config_file.config_path()});
    }
  } catch (const alsel::Error& e) {
    alsel::report_fatal_error(e.what(), e.exit_code(), false);
    return e.exit_code();
  } catch (const std::exception& e) {
    alsel::report_fatal_error(e.what(), alsel::kExitInternal, true);
    return alsel::kExitInternal;
  }
  return alsel::kExitOk;
}
