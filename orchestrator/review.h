// The DBA review script (`orchestrate sql`) and the approval that binds execution to it.
//
// The script is the exact SQL a deploy or rollback runs, step by step, with the state-table
// statements that record it, as valid SQL for the environment's dialect: a DBA can read it, and
// could run it by hand with psql or sqlite3. Comment lines carry what a reviewer needs (step n of
// N, release, ids and checksums, transactional or not, the image swap's exact action).
//
// The approval hash is the SHA-256 of the script without its volatile lines (those starting with
// "-- estimate:"): the same plan, environment, manifests and SQL always give the same hash, and any
// change to what would run gives another.
#pragma once

#include <string>
#include <vector>

#include "migrations/database.h"
#include "orchestrator/deployer.h"
#include "plans/model.h"
#include "plans/planner.h"

namespace orchestrate {

struct ReviewContext {
  const Plan* plan = nullptr;
  std::string environment;
  std::string dialect;   // "sqlite" | "postgresql"
  std::string deployer;  // Deployer::Describe()
  // The deployer of the environment: the image swap steps list its exact actions (SwapActions,
  // VerifyActions), and the recording reads the image running now from it.
  Deployer* swapper = nullptr;
  // The database the script is recorded on (the run is done in a transaction that is rolled
  // back: orchestrator/script_recorder.h); also read for "-- estimate:" lines.
  Database* estimate = nullptr;
  bool accept_data_loss = false;             // rollback --accept-data-loss
  Direction direction = Direction::kDeploy;  // set by the renderer
};

// The review script for `run`. Deterministic apart from "-- estimate:" lines.
Result<std::string> RenderReviewScript(const RunPlan& run, const ReviewContext& ctx);

// Rows in `table` now, or -1 when it cannot be counted (the table may not exist any more, or is
// locked longer than `lock_timeout_seconds`: a review never queues behind traffic).
long CountRows(Database& db, const std::string& table, double lock_timeout_seconds);

// Analyses the SQL of every step before anything runs: kInvalid naming the step, migration or
// seed id and line:column when a script does not parse, or when a step that runs in a transaction
// holds a statement that cannot (CREATE INDEX CONCURRENTLY: mark it transactional: false).
// `dialect` is Database::Dialect().
Status CheckPlanSql(const RunPlan& run, const std::string& dialect);

// "sha256:<hex>" of `script` without its "-- estimate:" lines.
std::string ApprovalHash(const std::string& script);

// Compares what was approved (a script file's text, or "sha256:<hex>") with the script about to
// run. OK when they match; kNeedsHuman with a readable summary of what differs otherwise.
Status CheckApproval(const std::string& approved, bool approved_is_hash,
                     const std::string& current_script);

}  // namespace orchestrate
