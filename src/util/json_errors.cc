#include "util/json_errors.h"

#include <cmath>
#include <cstdlib>

#include "alsel/util/utf8.h"

namespace alsel {

std::string short_parse_message(const nlohmann::json::parse_error& error) {
  std::string message = error.what();
  const size_t tag_end = message.find("] ");
  if (message.rfind("[json.exception.", 0) == 0 && tag_end != std::string::npos) {
    message.erase(0, tag_end + 2);
  }
  const std::string line_one = "parse error at line 1, ";
  if (message.rfind(line_one, 0) == 0) message.erase(0, line_one.size());
  return excerpt_utf8(message, 300);
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Length of the JSON number literal at text[pos] (RFC 8259 grammar), 0 if there is none.
size_t number_length(std::string_view text, size_t pos) {
  size_t end = pos;
  if (end < text.size() && text[end] == '-') ++end;
  if (end >= text.size() || !is_digit(text[end])) return 0;
  if (text[end] == '0') {
    ++end;
  } else {
    while (end < text.size() && is_digit(text[end])) ++end;
  }
  if (end + 1 < text.size() && text[end] == '.' && is_digit(text[end + 1])) {
    ++end;
    while (end < text.size() && is_digit(text[end])) ++end;
  }
  if (end < text.size() && (text[end] == 'e' || text[end] == 'E')) {
    size_t exponent = end + 1;
    if (exponent < text.size() && (text[exponent] == '+' || text[exponent] == '-')) ++exponent;
    if (exponent < text.size() && is_digit(text[exponent])) {
      end = exponent;
      while (end < text.size() && is_digit(text[end])) ++end;
    }
  }
  return end - pos;
}

}  // namespace

std::string quote_overflowing_numbers(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '"') {  // copy the whole string literal, escapes included
      size_t end = pos + 1;
      while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
      end = std::min(end + 1, text.size());
      out.append(text, pos, end - pos);
      pos = end;
      continue;
    }
    const size_t length = (c == '-' || is_digit(c)) ? number_length(text, pos) : 0;
    if (length == 0) {
      out += c;
      ++pos;
      continue;
    }
    const std::string literal(text.substr(pos, length));
    if (std::isfinite(std::strtod(literal.c_str(), nullptr))) {
      out += literal;
    } else {
      out += '"' + literal + '"';
    }
    pos += length;
  }
  return out;
}

}  // namespace alsel
