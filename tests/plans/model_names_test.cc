// The manifest's own vocabulary (plans/model.h): every value round-trips through its name, an
// unknown name is refused, and the manifest reports an unknown value with its position.
#include <gtest/gtest.h>

#include <string>

#include "plans/model.h"
#include "plans/planner.h"
#include "tests/support/names_test_util.h"

namespace orchestrate {
namespace {

TEST(ModelNamesTest, ReleaseOrder) {
  ExpectNamesRoundTrip<ReleaseOrder>(
      {{ReleaseOrder::kCodeFirst, "code-first"}, {ReleaseOrder::kSchemaFirst, "schema-first"}},
      [](ReleaseOrder v) { return Name(v); },
      [](const std::string& s) { return ReleaseOrderFromName(s); });
}

TEST(ModelNamesTest, SnapshotPolicy) {
  ExpectNamesRoundTrip<SnapshotPolicy>(
      {{SnapshotPolicy::kOnDestroy, "on-destroy"}, {SnapshotPolicy::kOff, "off"}},
      [](SnapshotPolicy v) { return Name(v); },
      [](const std::string& s) { return SnapshotPolicyFromName(s); });
}

TEST(ModelNamesTest, OnModified) {
  ExpectNamesRoundTrip<OnModified>(
      {{OnModified::kFail, "fail"}, {OnModified::kKeep, "keep"}, {OnModified::kRevert, "revert"}},
      [](OnModified v) { return Name(v); },
      [](const std::string& s) { return OnModifiedFromName(s); });
}

TEST(ModelNamesTest, ImageSwaps) {
  ExpectNamesRoundTrip<Policy::ImageSwaps>(
      {{Policy::ImageSwaps::kPerRelease, "per-release"}, {Policy::ImageSwaps::kOnce, "once"}},
      [](Policy::ImageSwaps v) { return Name(v); },
      [](const std::string& s) { return ImageSwapsFromName(s); });
}

TEST(ModelNamesTest, DeployerKind) {
  ExpectNamesRoundTrip<DeployerKind>(
      {{DeployerKind::kFile, "file"},
       {DeployerKind::kCommand, "command"},
       {DeployerKind::kKubectl, "kubectl"},
       {DeployerKind::kHelm, "helm"},
       {DeployerKind::kSsm, "ssm"},
       {DeployerKind::kGitops, "gitops"}},
      [](DeployerKind v) { return Name(v); },
      [](const std::string& s) { return DeployerKindFromName(s); });
}

TEST(ModelNamesTest, Direction) {
  ExpectNamesRoundTrip<Direction>(
      {{Direction::kDeploy, "deploy"}, {Direction::kRollback, "rollback"}},
      [](Direction v) { return DirectionName(v); },
      [](const std::string& s) { return DirectionFromName(s); });
}

TEST(ModelNamesTest, DefaultsAreTheDocumentedOnes) {
  Policy p;
  EXPECT_STREQ(Name(p.snapshot), "on-destroy");
  EXPECT_STREQ(Name(p.on_modified), "fail");
  EXPECT_STREQ(Name(p.image_swaps), "per-release");
  EXPECT_STREQ(Name(Release().order), "code-first");
  EXPECT_STREQ(Name(DeployerSpec().kind), "file");
}

// `--to previous` is a sentinel, not a version: an empty target means the same for a rollback;
// a version that merely starts like it does not.
TEST(ModelNamesTest, PreviousTarget) {
  EXPECT_TRUE(MeansPreviousRelease(""));
  EXPECT_TRUE(MeansPreviousRelease("previous"));
  EXPECT_FALSE(MeansPreviousRelease("Previous"));
  EXPECT_FALSE(MeansPreviousRelease("previous1"));
  EXPECT_FALSE(MeansPreviousRelease("1.2.0"));
}

}  // namespace
}  // namespace orchestrate
