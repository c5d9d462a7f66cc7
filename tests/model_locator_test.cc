#include "alsel/model/model_locator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace alsel {
namespace {

namespace fs = std::filesystem;

class ModelLocatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("alsel-model-locator-" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "prefix" / "bin");
  }
  void TearDown() override { fs::remove_all(root_); }
  void touch(const fs::path& path) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "model";
  }
  fs::path root_;
};

TEST_F(ModelLocatorTest, InstalledLayoutBesideTheBinary) {
  touch(root_ / "prefix/share/alsel/models/msra-bert3-crf.pt");
  touch(root_ / "prefix/share/alsel/models/tiny-demo.pt");
  const ModelLocation found = locate_default_model(root_ / "prefix/bin/alsel", nullptr);
  EXPECT_EQ(fs::path(found.path), (root_ / "prefix/share/alsel/models/msra-bert3-crf.pt").lexically_normal());
  EXPECT_EQ(found.rule.rfind("installed: ", 0), 0u) << found.rule;
}

TEST_F(ModelLocatorTest, TinyDemoWhenTheTrainedModelIsAbsent) {
  touch(root_ / "prefix/share/alsel/models/tiny-demo.pt");
  const ModelLocation found = locate_default_model(root_ / "prefix/bin/alsel", "");
  EXPECT_EQ(fs::path(found.path).filename(), "tiny-demo.pt");
}

TEST_F(ModelLocatorTest, BuildTreeModelsBesideTheBinary) {
  touch(root_ / "build/models/msra-bert3-crf.pt");
  const ModelLocation found = locate_default_model(root_ / "build/alsel", nullptr);
  EXPECT_EQ(fs::path(found.path), root_ / "build/models/msra-bert3-crf.pt");
  EXPECT_EQ(found.rule.rfind("build tree: ", 0), 0u) << found.rule;
}

TEST_F(ModelLocatorTest, InstalledWinsOverBuildTreeAndEnvironmentWinsOverBoth) {
  touch(root_ / "prefix/share/alsel/models/msra-bert3-crf.pt");
  touch(root_ / "prefix/bin/models/msra-bert3-crf.pt");
  EXPECT_EQ(locate_default_model(root_ / "prefix/bin/alsel", nullptr).rule.rfind("installed", 0), 0u);
  const ModelLocation from_env = locate_default_model(root_ / "prefix/bin/alsel", "/elsewhere/missing.pt");
  EXPECT_EQ(from_env.path, "/elsewhere/missing.pt");  // kept even if missing: the load error names it
  EXPECT_EQ(from_env.rule, "ALSEL_MODEL (environment)");
}

TEST_F(ModelLocatorTest, NothingFoundSaysWhereItLooked) {
  const ModelLocation found = locate_default_model(root_ / "prefix/bin/alsel", nullptr);
  EXPECT_TRUE(found.path.empty());
  EXPECT_NE(found.rule.find((root_ / "prefix/share/alsel/models").string()), std::string::npos) << found.rule;
  EXPECT_NE(found.rule.find("--model"), std::string::npos) << found.rule;
}

TEST(CurrentExecutableTest, IsTheRunningTestBinary) {
  EXPECT_EQ(current_executable().filename(), "alsel_tests");
}

}  // namespace
}  // namespace alsel
