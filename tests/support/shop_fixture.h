// A private copy of samples/shop for end-to-end tests that may change its files, with the real
// binary run against a state folder of the test's own.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/test_util.h"

namespace orchestrate::testing {

class ShopCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CopyTree(SourceDir() + "/samples/shop", dir_ / "shop");
    plan_ = dir_ / "shop/plan.yaml";
  }

  // `orchestrate COMMAND PLAN ARGS...` with STATE_DIR=<test dir>/<state>.
  ProcessResult Run(std::vector<std::string> args, const std::string& state = "state") {
    args.insert(args.begin() + 1, plan_);
    args.insert(args.begin(), OrchestrateBin());
    ProcessOptions opts;
    opts.env["STATE_DIR"] = dir_ / state;
    return RunProcess(args, opts);
  }

  // A command line as orchestrate printed it, run by a shell in the test folder with `orchestrate`
  // on PATH and STATE_DIR=<test dir>/<state>.
  ProcessResult Paste(const std::string& command, const std::string& state = "state") {
    if (!std::filesystem::exists(dir_ / "bin/orchestrate")) {
      std::filesystem::create_directories(dir_ / "bin");
      std::filesystem::create_symlink(OrchestrateBin(), dir_ / "bin/orchestrate");
    }
    ProcessOptions opts;
    opts.env["STATE_DIR"] = dir_ / state;
    opts.env["PATH"] = (dir_ / "bin") + ":/usr/bin:/bin";
    return RunProcess({"/bin/sh", "-c", "cd '" + dir_.path() + "' && " + command}, opts);
  }
  // The text between `open` and the next backquote after it in `text` ("" when not found): a
  // command printed as "... `orchestrate sql ...` ...".
  static std::string Quoted(const std::string& text, const std::string& open) {
    const size_t at = text.find(open);
    if (at == std::string::npos) return "";
    const size_t from = at + open.size();
    const size_t end = text.find('`', from);
    return end == std::string::npos ? "" : text.substr(from, end - from);
  }

  // `status --output json` of a state folder.
  nlohmann::json Status(const std::string& state = "state") {
    auto r = Run({"status", "--output", "json"}, state);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  }

  TempDir dir_;
  std::string plan_;
};

}  // namespace orchestrate::testing
