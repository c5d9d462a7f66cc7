// JSON parsing of input documents and short messages for their errors (private to src/).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace alsel {

// nlohmann's message without the "[json.exception.parse_error.101] " tag and the
// "parse error at line 1, " that every single-line document has, cut to a few hundred bytes
// (the token it quotes can be a whole 50 MB line).
std::string short_parse_message(const nlohmann::json::parse_error& error);

// Copy of the JSON text `text` in which every number literal outside strings that a double
// cannot hold (1e309, -1e400, 400 digits) is written as a string of its text instead.
std::string quote_overflowing_numbers(std::string_view text);

// json::parse of one input document, except that numbers JSON allows but a double cannot hold
// become strings of their text (nlohmann would throw out_of_range 406 "number overflow" for the
// whole document, though alsel reads only some fields). Throws json::parse_error as json::parse.
template <typename Json = nlohmann::json>
Json parse_input_json(const std::string& text) {
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::out_of_range& error) {
    if (error.id != 406) throw;
  }
  return Json::parse(quote_overflowing_numbers(text));
}

}  // namespace alsel
