#include "alsel/util/json_output.h"

namespace alsel {

std::string escape_line_separators(std::string json_text) {
  // U+2028 = E2 80 A8, U+2029 = E2 80 A9.
  size_t pos = json_text.find("\xE2\x80");
  if (pos == std::string::npos) return json_text;
  std::string out;
  out.reserve(json_text.size() + 16);
  size_t done = 0;
  while (pos != std::string::npos && pos + 2 < json_text.size()) {
    const unsigned char third = static_cast<unsigned char>(json_text[pos + 2]);
    if (third == 0xA8 || third == 0xA9) {
      out.append(json_text, done, pos - done);
      out += third == 0xA8 ? "\\u2028" : "\\u2029";
      done = pos + 3;
      pos = json_text.find("\xE2\x80", done);
    } else {
      pos = json_text.find("\xE2\x80", pos + 1);
    }
  }
  out.append(json_text, done, std::string::npos);
  return out;
}

}  // namespace alsel
