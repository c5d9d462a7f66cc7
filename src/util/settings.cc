#include "alsel/util/settings.h"

#include <sstream>

namespace alsel {
namespace {

// Records "name=value" for every setting, in registration order.
class Describer : public SettingsRegistry {
 public:
  void add(const Setting& setting, std::string& value) override { put(setting, value); }
  void add(const Setting& setting, std::vector<std::string>& values) override {
    std::string joined;
    for (size_t i = 0; i < values.size(); ++i) joined += (i ? "," : "") + values[i];
    put(setting, joined);
  }
  void add(const Setting& setting, int& value) override { put(setting, std::to_string(value)); }
  void add(const Setting& setting, int64_t& value) override { put(setting, std::to_string(value)); }
  void add(const Setting& setting, uint64_t& value) override { put(setting, std::to_string(value)); }
  void add(const Setting& setting, double& value) override {
    std::ostringstream text;
    text << value;
    put(setting, text.str());
  }
  void add_flag(const Setting& setting, bool& value, bool when_given) override {
    put(setting, value == when_given ? "true" : "false");
  }
  void add_parsed(const Setting& setting, const std::string& text,
                  std::function<void(const std::string&)>) override {
    put(setting, text);
  }
  const std::string& text() const { return text_; }

 private:
  void put(const Setting& setting, const std::string& value) {
    text_ += (text_.empty() ? "" : " ") + setting.name + "=" + value;
  }
  std::string text_;
};

std::function<std::string(const std::string&)>& display() {
  static std::function<std::string(const std::string&)> installed;
  return installed;
}

}  // namespace

std::string show_setting(const std::string& name) {
  const auto& installed = display();
  return installed ? installed(name) : name;
}

void set_setting_display(std::function<std::string(const std::string&)> shown) { display() = std::move(shown); }

std::string describe_settings(const std::function<void(SettingsRegistry&)>& declare) {
  Describer describer;
  declare(describer);
  return describer.text();
}

}  // namespace alsel
