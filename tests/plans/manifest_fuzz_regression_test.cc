// Regression tests for what tests/fuzz found in LoadPlan (plans/manifest.h).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "plans/manifest.h"

namespace orchestrate {
namespace {

class ManifestFuzzRegressionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/orchestrate-fuzz-regression.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::filesystem::create_directories(dir_ + "/releases");
    Write("releases/1.0.0.yaml", "version: 1.0.0\nimage: shop:1.0.0\n");
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(dir_ + "/" + rel, std::ios::binary | std::ios::trunc) << text;
  }

  std::string dir_;
};

// Found by manifest_fuzz and release_fuzz: a key or a value quoted in a diagnostic may hold a line
// break; the message must still hold one diagnostic per line, each starting with its file.
TEST_F(ManifestFuzzRegressionTest, LineBreaksQuotedFromTheManifestStayOnTheirLine) {
  Write("plan.yaml",
        "app: shop\nreleases: releases/\nenvironments:\n  local:\n    database: sqlite:x.db\n"
        "    deployer: {kind: file, path: i}\npolicy: {\"snap\\nshot\": on-destroy}\n");
  Write("releases/1.1.0.yaml",
        "version: 1.1.0\nimage: shop:1.1.0\nseeds:\n  - {id: \"a\\r\\nb\", tables: [t], sql: s}\n");
  auto plan = LoadPlan(dir_ + "/plan.yaml", [](const std::string&) { return std::nullopt; });
  ASSERT_FALSE(plan.ok());
  std::istringstream lines(plan.status().message());
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n)
    EXPECT_EQ(line.rfind(dir_ + "/", 0), 0u) << "line " << n << " of:\n" << plan.status().message();
  EXPECT_EQ(n, 2) << plan.status().message();
  EXPECT_NE(plan.status().message().find("unknown key 'snap\\nshot'"), std::string::npos)
      << plan.status().message();
  EXPECT_NE(plan.status().message().find("seed id 'a\\r\\nb'"), std::string::npos)
      << plan.status().message();
}

// Found by release_fuzz: a tag with no value (`image: !!x`) is an empty string, not an image.
TEST_F(ManifestFuzzRegressionTest, AnEmptyImageIsRefusedWithItsPosition) {
  Write("plan.yaml",
        "app: shop\nreleases: releases/\nenvironments:\n  local:\n    database: sqlite:x.db\n"
        "    deployer: {kind: file, path: i}\n");
  Write("releases/1.1.0.yaml", "version: 1.1.0\nimage: !!strtr.in:x\n");
  auto plan = LoadPlan(dir_ + "/plan.yaml", [](const std::string&) { return std::nullopt; });
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find(dir_ + "/releases/1.1.0.yaml:2:8: 'image' is empty"),
            std::string::npos)
      << plan.status().message();
}

// Found by manifest_fuzz: a folder listed as a release manifest is reported at its place in the
// plan, like a missing file, not as an unreadable file without a position.
TEST_F(ManifestFuzzRegressionTest, AFolderListedAsAReleaseManifestIsReportedWhereItIsListed) {
  Write("plan.yaml",
        "app: shop\nreleases: [releases/1.0.0.yaml, /]\nenvironments:\n  local:\n"
        "    database: sqlite:x.db\n    deployer: {kind: file, path: i}\n");
  auto plan = LoadPlan(dir_ + "/plan.yaml", [](const std::string&) { return std::nullopt; });
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().message(),
            dir_ +
                "/plan.yaml:2:33: release manifest / is a folder: list .yaml files here, or "
                "give the folder as `releases: folder/`")
      << plan.status().message();
}

// Found by manifest_fuzz: yaml-cpp's LoadAll never returns on a stray ',' at the top level (empty
// documents forever); a plan or a release manifest like that is malformed YAML, at once.
TEST_F(ManifestFuzzRegressionTest, AStrayCommaIsMalformedYamlNotAHang) {
  Write("plan.yaml", ",");
  auto plan = LoadPlan(dir_ + "/plan.yaml", [](const std::string&) { return std::nullopt; });
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find(dir_ + "/plan.yaml:1:1: malformed YAML"),
            std::string::npos)
      << plan.status().message();
  Write("plan.yaml",
        "app: shop\nreleases: releases/\nenvironments:\n  local:\n    database: sqlite:x.db\n"
        "    deployer: {kind: file, path: i}\n");
  Write("releases/1.1.0.yaml", ",,");
  plan = LoadPlan(dir_ + "/plan.yaml", [](const std::string&) { return std::nullopt; });
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("releases/1.1.0.yaml:1:1: malformed YAML"),
            std::string::npos)
      << plan.status().message();
}

}  // namespace
}  // namespace orchestrate
