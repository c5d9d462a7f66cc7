// Short JSON parse messages for input errors (private to src/).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace alsel {

// nlohmann's message without the "[json.exception.parse_error.101] " tag and the
// "parse error at line 1, " that every single-line document has.
std::string short_parse_message(const nlohmann::json::parse_error& error);

}  // namespace alsel
