// The names of the manifest's policy and order values, as written in YAML and stored in rows.
#include "plans/model.h"
#include "plans/names.h"

namespace orchestrate {
namespace {
constexpr std::pair<ReleaseOrder, const char*> kReleaseOrders[] = {
    {ReleaseOrder::kCodeFirst, "code-first"}, {ReleaseOrder::kSchemaFirst, "schema-first"}};
constexpr std::pair<SnapshotPolicy, const char*> kSnapshotPolicies[] = {
    {SnapshotPolicy::kOnDestroy, "on-destroy"}, {SnapshotPolicy::kOff, "off"}};
constexpr std::pair<OnModified, const char*> kOnModified[] = {
    {OnModified::kFail, "fail"}, {OnModified::kKeep, "keep"}, {OnModified::kRevert, "revert"}};
constexpr std::pair<Policy::ImageSwaps, const char*> kImageSwaps[] = {
    {Policy::ImageSwaps::kPerRelease, "per-release"}, {Policy::ImageSwaps::kOnce, "once"}};
constexpr std::pair<DeployerKind, const char*> kDeployerKinds[] = {
    {DeployerKind::kFile, "file"},       {DeployerKind::kCommand, "command"},
    {DeployerKind::kKubectl, "kubectl"}, {DeployerKind::kHelm, "helm"},
    {DeployerKind::kSsm, "ssm"},         {DeployerKind::kGitops, "gitops"}};
}  // namespace

const char* Name(DeployerKind kind) { return NameIn(kDeployerKinds, kind, "file"); }
std::optional<DeployerKind> DeployerKindFromName(std::string_view name) {
  return FromNameIn(kDeployerKinds, name);
}

const char* Name(ReleaseOrder order) { return NameIn(kReleaseOrders, order, "code-first"); }
std::optional<ReleaseOrder> ReleaseOrderFromName(std::string_view name) {
  return FromNameIn(kReleaseOrders, name);
}

const char* Name(SnapshotPolicy policy) { return NameIn(kSnapshotPolicies, policy, "on-destroy"); }
std::optional<SnapshotPolicy> SnapshotPolicyFromName(std::string_view name) {
  return FromNameIn(kSnapshotPolicies, name);
}

const char* Name(OnModified on_modified) { return NameIn(kOnModified, on_modified, "fail"); }
std::optional<OnModified> OnModifiedFromName(std::string_view name) {
  return FromNameIn(kOnModified, name);
}

const char* Name(Policy::ImageSwaps swaps) { return NameIn(kImageSwaps, swaps, "per-release"); }
std::optional<Policy::ImageSwaps> ImageSwapsFromName(std::string_view name) {
  return FromNameIn(kImageSwaps, name);
}

}  // namespace orchestrate
