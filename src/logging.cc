#include "alsel/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace alsel {

void set_verbosity(Verbosity verbosity) {
  static auto logger = [] {
    auto created = spdlog::stderr_logger_st("alsel");
    created->set_pattern("alsel: %^%l%$: %v");
    spdlog::set_default_logger(created);
    return created;
  }();
  switch (verbosity) {
    case Verbosity::kQuiet: logger->set_level(spdlog::level::warn); break;
    case Verbosity::kNormal: logger->set_level(spdlog::level::info); break;
    case Verbosity::kVerbose: logger->set_level(spdlog::level::debug); break;
  }
}

}  // namespace alsel
