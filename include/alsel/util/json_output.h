// JSON text as alsel writes it to every output: nlohmann's serialisation, with U+2028 LINE
// SEPARATOR and U+2029 PARAGRAPH SEPARATOR escaped as \u2028 and \u2029. JSON allows them raw,
// but line-oriented readers split on them (Python's str.splitlines, JavaScript before ES2019),
// and a JSONL record must stay one line for every reader. Invalid UTF-8 (inputs are validated,
// so only a bug can bring it) becomes U+FFFD rather than an exception.
//
//   out << alsel::dump_json(record) << '\n';
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace alsel {

// Escapes the raw UTF-8 of U+2028 and U+2029 in serialised JSON. Those bytes can only occur
// inside JSON strings, where the escape means the same character.
std::string escape_line_separators(std::string json_text);

// `indent` as nlohmann's dump: -1 = one line.
template <typename Json>
std::string dump_json(const Json& value, int indent = -1) {
  return escape_line_separators(value.dump(indent, ' ', false, Json::error_handler_t::replace));
}

}  // namespace alsel
