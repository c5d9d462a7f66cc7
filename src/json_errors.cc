#include "json_errors.h"

namespace alsel {

std::string short_parse_message(const nlohmann::json::parse_error& error) {
  std::string message = error.what();
  const size_t tag_end = message.find("] ");
  if (message.rfind("[json.exception.", 0) == 0 && tag_end != std::string::npos) {
    message.erase(0, tag_end + 2);
  }
  const std::string line_one = "parse error at line 1, ";
  if (message.rfind(line_one, 0) == 0) message.erase(0, line_one.size());
  return message;
}

}  // namespace alsel
