// A private copy of samples/shop for end-to-end tests that may change its files, with the real
// binary run against a state folder of the test's own.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
