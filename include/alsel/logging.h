// Log verbosity of the library. Messages go to stderr; spdlog stays private to src/.
//
//   alsel::set_verbosity(alsel::Verbosity::kQuiet);   // -q: warnings and errors only
#pragma once

namespace alsel {

enum class Verbosity { kQuiet, kNormal, kVerbose };

void set_verbosity(Verbosity verbosity);

}  // namespace alsel
