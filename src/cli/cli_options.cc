#include "cli_options.h"

#include <cstdlib>

#include "alsel/distributed/shard.h"
#include "alsel/model/model_locator.h"

namespace alsel::cli {

void use_default_model(ModelOptions& options) {
  const ModelLocation location = alsel::locate_default_model(current_executable(), std::getenv("ALSEL_MODEL"));
  options.path = location.path;
  options.source = location.rule;
}

void track_model_source(CliSettings& settings, ModelOptions& options) {
  settings.option("model")->each([&options](const std::string&) { options.source = flag_of_setting("model"); });
}

void resolve_scoring_config(const RunContext& context, ScoringConfig& config) {
  config.arguments = context.arguments;
  config.config_file = context.config_file;
  config.resolve_shard_request(process_environment());
}

}  // namespace alsel::cli
