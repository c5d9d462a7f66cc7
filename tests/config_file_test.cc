#include "alsel/output/config_file.h"

#include <gtest/gtest.h>

namespace alsel {
namespace {

const char* kConfig = R"(# nightly
log-format = "json"
select.seed = 3

[select]
k = 500
near-threshold = 0.7
"strategy" = "ltp"

[score]
k = 9
)";

TEST(ConfigFileTest, FindsKeysInTheirTable) {
  EXPECT_EQ(find_config_line(kConfig, "", "log-format"), 2u);
  EXPECT_EQ(find_config_line(kConfig, "select", "seed"), 3u);  // dotted key at the top
  EXPECT_EQ(find_config_line(kConfig, "select", "k"), 6u);
  EXPECT_EQ(find_config_line(kConfig, "select", "-k"), 6u);
  EXPECT_EQ(find_config_line(kConfig, "select", "--near-threshold"), 7u);
  EXPECT_EQ(find_config_line(kConfig, "select", "strategy"), 8u);
  EXPECT_EQ(find_config_line(kConfig, "score", "k"), 11u);
  EXPECT_EQ(find_config_line(kConfig, "merge", "k"), 0u);
  EXPECT_EQ(find_config_line(kConfig, "", "k"), 0u);
}

TEST(ConfigFileTest, UnknownKeyGetsFileLineAndTable) {
  const std::string text = "[select]\nk = 5\nbogus = 3\n";
  const std::string message = locate_config_error("n.toml", text, "INI was not able to parse select.bogus");
  EXPECT_EQ(message.rfind("n.toml:3: unknown key 'bogus' in [select]", 0), 0u) << message;
  const std::string top = locate_config_error("n.toml", "k = 5\n", "INI was not able to parse k");
  EXPECT_EQ(top.rfind("n.toml:1: unknown key 'k' outside a table", 0), 0u) << top;
}

TEST(ConfigFileTest, UnreadableLineGetsItsLine) {
  const std::string message =
      locate_config_error("n.toml", "# x\n[select\nk = 5\n", "INI was not able to parse [select");
  EXPECT_EQ(message.rfind("n.toml:2: cannot read '[select'", 0), 0u) << message;
}

TEST(ConfigFileTest, BadValueIsCitedOnlyWhenTheFileHoldsIt) {
  const std::string text = "[select]\nk = seven\n";
  EXPECT_EQ(locate_config_error("n.toml", text, "Could not convert: -k = seven"),
            "n.toml:2: Could not convert: -k = seven");
  // The same option with another value came from the command line: no file citation.
  EXPECT_EQ(locate_config_error("n.toml", text, "Could not convert: -k = eight"), "Could not convert: -k = eight");
  EXPECT_EQ(locate_config_error("n.toml", text, "--pool is required"), "--pool is required");
}

}  // namespace
}  // namespace alsel
