// What the CLI adds to the settings the library's configs declare (settings.h, cli_settings.h):
// the default model found from the environment, and what is known only once the command line is
// parsed (the command line itself, the config file, the shard from the scheduler's environment).
#pragma once

#include <memory>
#include <type_traits>

#include "alsel/app/commands.h"
#include "cli_settings.h"
#include "subcommands.h"

namespace alsel::cli {

// Before the model settings are registered: the default model ($ALSEL_MODEL, else the shipped
// model beside the binary; model_locator.h) and the rule that found it.
void use_default_model(ModelOptions& options);
// After they are registered: a --model given on the command line is recorded as the source.
void track_model_source(CliSettings& settings, ModelOptions& options);

// A subcommand's config and the options its settings became: the state a subcommand's run
// callback owns (the options write into `config` while parsing).
template <class Config>
struct BoundConfig {
  Config config;
  std::unique_ptr<CliSettings> settings;
};

// Registers `Config`'s settings on `command` (with the default model first, where it has one).
template <class Config>
std::shared_ptr<BoundConfig<Config>> bind_settings(CLI::App& command) {
  auto bound = std::make_shared<BoundConfig<Config>>();
  bound->settings = std::make_unique<CliSettings>(command);
  if constexpr (std::is_base_of_v<ScoringConfig, Config> || std::is_same_v<Config, EvalConfig> ||
                std::is_same_v<Config, InfoConfig>) {
    use_default_model(bound->config.model);
    bound->config.register_settings(*bound->settings);
    track_model_source(*bound->settings, bound->config.model);
  } else {
    bound->config.register_settings(*bound->settings);
  }
  return bound;
}

// Once parsed: the command line and config file for the manifest, and the shard (from --shard or
// the Kubernetes / Slurm environment).
void resolve_scoring_config(const RunContext& context, ScoringConfig& config);

}  // namespace alsel::cli
