// The pure planner: (manifests, what the database says is deployed, a target) -> ordered steps.
// No I/O, no clock: planning is deterministic and testable in milliseconds.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plans/model.h"
#include "plans/state.h"
#include "plans/status.h"

namespace orchestrate {

enum class StepKind {
  kApplyMigration,   // run up SQL; store up+down SQL and checksums
  kRevertMigration,  // run the down SQL stored at deploy time; forget the migration
  kRunSeed,          // run seed SQL; store its undo SQL
  kUndoSeed,         // run the stored undo SQL (if any); forget the seed
  kRecordRelease,    // remember that a release is deployed (after its migrations and seeds)
  kForgetRelease,    // forget a release (after its seeds and migrations are reverted)
  kSwapImage,        // point the deployer at another image; not transactional
};
const char* StepKindName(StepKind kind);
bool StepKindFromName(const std::string& name, StepKind* kind);

// A table a seed writes to, with the `key:` columns declared for it (empty: its primary key).
struct LedgerTable {
  std::string name;
  std::vector<std::string> key;
};

struct Step {
  StepKind kind = StepKind::kApplyMigration;
  std::string release;  // the release this step belongs to
  std::string id;       // migration or seed id; empty for release and image steps
  std::string sql;      // what runs (up, down, seed or undo SQL); empty when nothing runs
  std::string sql_sha256;
  bool transactional = true;  // false: runs outside a transaction, started/done recorded around it
  // kApplyMigration: the down SQL to store. kRunSeed: the undo SQL to store (has_undo).
  std::string down_sql, down_sha256;
  bool irreversible = false;
  bool has_undo = false;
  // kSwapImage: from -> to. kRecordRelease: image and order of the release.
  std::string image_from, image_to;
  std::string order;
  // kRunSeed: the tables whose rows the ledger records while the seed runs.
  std::vector<LedgerTable> tables;
  std::string note;  // a warning worth showing with the step
  // kSwapImage: why the image moves here (which release boundary asks for it); shown by plan, sql,
  // check and rehearse. Not part of the fingerprint.
  std::string why;
};

enum class Direction { kDeploy, kRollback };
const char* DirectionName(Direction direction);  // "deploy", "rollback" (orchestrate_runs.kind)
std::optional<Direction> DirectionFromName(std::string_view name);  // nullopt: unknown

struct RunPlan {
  Direction direction = Direction::kDeploy;
  std::string app;
  std::string from_version;  // empty: nothing deployed yet
  std::string to_version;
  std::vector<Step> steps;
  std::vector<std::string> not_rolled_back;  // rollback: what the crossed releases say stays
  std::string fingerprint;  // SHA-256 over direction, versions and the canonical steps
  bool empty() const { return steps.empty(); }
};

// Computes the fingerprint of a plan from its direction, versions and steps.
std::string FingerprintOf(const RunPlan& plan);

// Deploy: apply every release up to `target` (empty: the newest) whose migrations or seeds are not
// yet applied, oldest first. `current_image` is what the deployer reports. The image moves by the
// mirror of the rollback rule (policy image_swaps: per-release): a crossed `code-first` release
// gets its image after its database steps, a `schema-first` one before them; adjacent swaps
// collapse into one. A first deploy (nothing deployed yet) and policy image_swaps: once swap
// once, after every database step.
// Errors: kInvalid for an unknown version or a target older than the current release (use
// rollback), or a missing SQL file; kNeedsHuman for drift (an applied migration whose file
// changed). A plan with no steps means already there.
Result<RunPlan> PlanDeploy(const Plan& plan, const CurrentState& state, const std::string& target,
                           const std::string& current_image);

// The rollback target that reverts every deployed release, the first one included (unless a
// release is named so). Such a run's to_version is "none".
inline constexpr char kRollbackToNothing[] = "none";
// `--to previous`: a rollback to the release deployed before the current one (also what an empty
// target means for a rollback). A sentinel, not a version: spelled here only.
inline constexpr std::string_view kPreviousTarget = "previous";
// Whether a rollback's `target` means the previous release: empty or kPreviousTarget.
inline bool MeansPreviousRelease(std::string_view target) {
  return target.empty() || target == kPreviousTarget;
}

// Rollback: revert every deployed release newer than `target` ("previous": the release deployed
// before the current one; kRollbackToNothing: every release, and the first one's image stays,
// listed in not_rolled_back), newest first, using the SQL stored in the database at deploy time.
// Per release: undo its seeds, then run its down-migrations newest first, then forget it. Every
// crossed release R, with predecessor P (the release deployed before it), is a compatibility
// boundary (policy image_swaps: per-release): a `code-first` R gets P's image before R's database
// steps (P's code runs on R's schema), a `schema-first` R after them (R's code runs on P's schema).
// Adjacent swaps collapse into one, and a swap to the image already running is left out. With
// policy image_swaps: once, one swap to the target's image: first, or after the database steps of
// the oldest crossed schema-first release. Errors: kInvalid for an unknown or never-deployed
// target, or a target newer than the current release; kNeedsHuman for drift or an irreversible
// migration. With `accept_data_loss`, an irreversible migration does not stop the plan: its step
// runs nothing and only forgets it (its changes stay).
Result<RunPlan> PlanRollback(const Plan& plan, const CurrentState& state, const std::string& target,
                             const std::string& current_image, bool accept_data_loss = false);

// Applied migrations whose manifest file still exists but no longer matches the stored checksum:
// one human-readable line each. Empty when there is no drift.
std::vector<std::string> DetectDrift(const Plan& plan, const CurrentState& state);

}  // namespace orchestrate
