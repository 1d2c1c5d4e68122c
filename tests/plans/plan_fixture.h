// The fixture the manifest tests share (manifest_test.cc, hostile_input_test.cc): a fresh folder
// under /tmp per test, the files a test writes there, and the plan loaded from it, either from the
// disk (LoadPlan) or from memory (ParsePlan with the same paths and a MemoryPlanFiles holding
// what was written), so that one test proves both give the same plan and the same diagnostics.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "plans/manifest.h"
#include "plans/plan_files.h"

namespace orchestrate::testing {

class PlanFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/orchestrate-plans-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // The absolute path of `rel` inside the test folder.
  std::string P(const std::string& rel) const { return dir_ + "/" + rel; }

  // Writes `text` to `rel` (creating folders), on the disk and in memory; returns its path.
  std::string Write(const std::string& rel, const std::string& text) {
    std::string path = P(rel);
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + path);
    out << text;
    memory_.Add(path, text);
    return path;
  }

  // Makes the (empty) folder `rel`, on the disk and in memory.
  void MakeFolder(const std::string& rel) {
    std::filesystem::create_directories(P(rel));
    memory_.AddFolder(P(rel));
  }

  // The plan `rel`: LoadPlan from the disk, or (from_memory_) ParsePlan of the text written to
  // `rel`, its other files read from memory.
  Result<Plan> Load(const std::string& rel = "plan.yaml") {
    if (!from_memory_) return LoadPlan(P(rel), lookup_);
    std::string text, error;
    if (!memory_.Read(P(rel), &text, &error)) {
      ADD_FAILURE() << "the test wrote no " << rel << " to parse";
      return Status::Failed(error);
    }
    return ParsePlan(text, P(rel), lookup_, memory_);
  }

  // Loads `rel` and expects it to fail with kInvalid; returns the message.
  std::string LoadError(const std::string& rel = "plan.yaml") {
    auto r = Load(rel);
    EXPECT_FALSE(r.ok()) << "expected " << rel << " to be invalid";
    if (r.ok()) return "";
    EXPECT_EQ(r.status().code(), Code::kInvalid) << r.status().message();
    return r.status().message();
  }

  std::string dir_;
  bool from_memory_ = false;
  MemoryPlanFiles memory_;
  std::map<std::string, std::string> vars_;
  VarLookup lookup_ = [this](const std::string& name) -> std::optional<std::string> {
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    return it->second;
  };
};

}  // namespace orchestrate::testing
