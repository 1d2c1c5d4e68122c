// The DBA review script (`orchestrate sql`) and the approval that binds execution to it.
//
// The script is the exact SQL a deploy or rollback runs, step by step, with the state-table
// statements that record it, as valid SQL for the environment's dialect: a DBA can read it, and
// could run it by hand with psql or sqlite3. Comment lines carry what a reviewer needs (step n of
// N, release, ids and checksums, transactional or not, the image swap's exact action).
//
// Each statement of a step gets a comment line with its kind, the locks it takes per relation
// (StatementAnalysis::locks: resolved against the database's catalog when the review has a
// connection, and followed through the plan's earlier statements), what it destroys and whether
// it must run outside a transaction; each statement of a ledger chunk gets one too (inside the
// chunks, so not bound by the approval).
//
// "-- estimate:" lines give the rows of the table a destructive statement touches. What they
// simulate of the plan's earlier steps, and nothing more: a table an earlier step creates ("is
// created by step N (empty then)") or drops; one it empties (TRUNCATE, DELETE without WHERE: "holds
// 0 rows after step N empties it"); a seed's ledger reversal (the rows now, less the rows the seed
// inserted, plus those it deleted: "0 rows after step N empties it" or "about M rows after step N
// reverses its seed's rows"). Any other write by an earlier step is named, not counted ("then step
// N writes rows (not simulated)").
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
  Dialect dialect = Dialect::kSqlite;  // of the database the script is for
  std::string deployer;                // Deployer::Describe()
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
// `dialect` is Database::Kind().
Status CheckPlanSql(const RunPlan& run, Dialect dialect);

// "sha256:<hex>" of `script` without its "-- estimate:" lines.
std::string ApprovalHash(const std::string& script);

// Compares what was approved (a script file's text, or "sha256:<hex>") with the script about to
// run. OK when they match; kNeedsHuman with a readable summary of what differs otherwise, ending
// with `render_again`, the command that renders the script for a new review.
Status CheckApproval(const std::string& approved, bool approved_is_hash,
                     const std::string& current_script,
                     const std::string& render_again = "orchestrate sql");

}  // namespace orchestrate
