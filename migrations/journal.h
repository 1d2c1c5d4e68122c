// The journal: orchestrate's state tables in the target database (all named orchestrate_*), so that
// a run on another machine sees the same state and can resume. Written in SQL that SQLite and
// PostgreSQL both accept (the MySQL adapter translates its placeholders and types,
// migrations/mysql/portable_sql.h); the adapters stay dumb.
//
// Tables (their DDL and versions: migrations/state_schema.h):
//   orchestrate_meta        key/value: schema_version
//   orchestrate_releases    deployed releases: version, seq, image, order, when, by which run
//   orchestrate_migrations  applied migrations with their up AND down SQL and SHA-256 checksums
//   orchestrate_seeds       applied seeds with their undo SQL
//   orchestrate_runs        one row per deploy or rollback: who, when, why, from, to, outcome
//   orchestrate_steps       one row per step of a run: pending/started/done/failed, the step itself
//   orchestrate_swap_parts  the parts of each image swap step (put, trigger, commit, push...)
//   orchestrate_step_statements  how far a step run statement by statement got
//   orchestrate_ledger      the row ledger of seeds (migrations/ledger.h)
//   orchestrate_ledger_restores  PostgreSQL: reversal transactions that restored old values
//   orchestrate_release_schemas  the schema description each release left (release_schema.h)
//   orchestrate_schema_checks    a rollback's comparison with it when they differ (drift)
// Not the journal's, in the same schema: orchestrate_lock (the run lock's holder, written by the
// adapters' lock), orchestrate_snapshot_index and orchestrate_snapshot_counter (snapshot/).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "plans/planner.h"
#include "plans/state.h"

namespace orchestrate {

struct RunMeta {
  std::string actor, host;
  long pid = 0;
  std::string reason, command, environment;
};

// A run's state in orchestrate_runs.status. Written and read by name (Name, RunStatusFromName).
enum class RunStatus {
  kRunning,
  kFailed,
  kInterrupted,  // Ctrl-C, SIGTERM
  kDone,
  kAbandoned,   // `force --abandon`
  kSuperseded,  // replaced by a fresh run after its files changed
};
// A step's state in orchestrate_steps.status (and a swap part's in orchestrate_swap_parts).
enum class StepStatus { kPending, kStarted, kDone, kFailed };
const char* Name(RunStatus status);   // "running", "failed", "interrupted", "done", ...
const char* Name(StepStatus status);  // "pending", "started", "done", "failed"
// nullopt for a name this build does not know.
std::optional<RunStatus> RunStatusFromName(const std::string& name);
std::optional<StepStatus> StepStatusFromName(const std::string& name);

struct RunRecord {
  int64_t id = 0;
  std::string kind;  // "deploy" | "rollback"
  std::string app, environment, fingerprint, from_version, to_version;
  std::string actor, host;
  long pid = 0;
  std::string reason, command;
  RunStatus status = RunStatus::kRunning;
  std::string started_at, finished_at, error;
  int step_count = 0, steps_done = 0;
  bool unfinished() const {
    return status == RunStatus::kRunning || status == RunStatus::kFailed ||
           status == RunStatus::kInterrupted;
  }
};

struct StepRecord {
  int n = 0;  // 1-based
  Step step;
  StepStatus status = StepStatus::kPending;
  int attempts = 0;
  std::string started_at, finished_at, error;
};

class Journal {
 public:
  // `now` returns the current time as ISO-8601 UTC; a seam for tests.
  Journal(Database& db, std::function<std::string()> now);

  // Creates the state tables when missing, or upgrades them from an older version
  // (EnsureStateSchema, migrations/state_schema.h). kNeedsHuman when they were created by a newer
  // orchestrate (a schema version this build does not know).
  Status EnsureSchema();
  // The statements that create the state tables when missing (what EnsureSchema runs on a
  // database without them; each idempotent), for the review script.
  static std::vector<std::string> SchemaStatements(const Database& db);
  // Whether the state tables exist (read-only commands do not create them).
  Result<bool> HasSchema();

  // What is deployed. An empty state when the tables do not exist yet.
  Result<CurrentState> LoadState();

  // The newest run that is running or failed, if any.
  Result<std::optional<RunRecord>> UnfinishedRun();
  // Both, read in one transaction.
  struct StateAndRun {
    CurrentState state;
    std::optional<RunRecord> unfinished;
  };
  Result<StateAndRun> LoadStateAndUnfinishedRun();
  // What `status --all-envs` shows of a database, read in one transaction (a fleet of 1,000 is
  // read in a few round trips each): the current release (nullopt: none, or no state tables) and
  // the unfinished run, as LoadState().current_version() and UnfinishedRun() give them.
  struct Glance {
    std::optional<std::string> current_version;
    std::optional<RunRecord> unfinished;
  };
  Result<Glance> Look();
  // Records a new run and all its steps as pending, in one transaction, marking run `supersedes`
  // (when > 0) superseded in the same transaction. Returns the run id.
  Result<int64_t> StartRun(const RunPlan& plan, const RunMeta& meta, int64_t supersedes = 0);
  // The id the next run gets (the newest run's + 1). REQUIRES: the caller holds the run lock.
  Result<int64_t> NextRunId();
  // StartRun's statements with the id `id` (NextRunId), inside `txn` (ExecAtCommit), started at
  // `at` (ISO-8601 UTC; "" for now): the run's record rides in the transaction of its first step.
  Status RecordRun(Transaction& txn, int64_t id, const RunPlan& plan, const RunMeta& meta,
                   int64_t supersedes = 0, const std::string& at = "");
  // A resumed run is running again: status 'running', its old error cleared.
  Status ReopenRun(int64_t run_id);
  Result<std::vector<StepRecord>> LoadSteps(int64_t run_id);
  // Newest first; `limit` <= 0 for all.
  Result<std::vector<RunRecord>> History(int limit);

  // Inside the step's own transaction: the state-table changes that the step implies (a migration
  // recorded or forgotten, a release recorded...). Run with the step's SQL and MarkStep(done) so
  // all three commit together. Both go through Transaction::ExecAtCommit: nothing in the
  // transaction may read what they write before it commits.
  Status RecordEffects(Transaction& txn, int64_t run_id, const Step& step);
  // The same statements with an explicit timestamp (the review script renders them).
  static Status RecordEffectsAt(Transaction& txn, int64_t run_id, const Step& step,
                                const std::string& now);
  // Inside the step's transaction of an applied migration: the objects its up's `CREATE ... IF
  // NOT EXISTS` found already there (migrations/preexisting.h); nothing when none. Kept in
  // orchestrate_meta (a JSON list) under a key naming the migration and the run that applied it,
  // so that what a deploy rolled back since recorded is never read for a later one.
  Status RecordPreexisting(Transaction& txn, int64_t run_id, const std::string& migration_id,
                           const std::vector<PreexistingObject>& objects);
  Status MarkStep(Transaction& txn, int64_t run_id, int n, StepStatus status,
                  const std::string& error = "");
  // MarkStep at the time `at` (ISO-8601 UTC): a mark written later than the event it records.
  Status MarkStepAt(Transaction& txn, int64_t run_id, int n, StepStatus status,
                    const std::string& at, const std::string& error = "");
  // The same in a transaction of its own (for non-transactional steps and failures).
  Status MarkStepNow(int64_t run_id, int n, StepStatus status, const std::string& error = "");
  Status FinishRun(int64_t run_id, RunStatus status, const std::string& error = "");
  // The same inside `txn` (ExecAtCommit): the finish rides in the transaction of the last step.
  Status FinishRunIn(Transaction& txn, int64_t run_id, RunStatus status,
                     const std::string& error = "");
  // The parts of image swap step `n` of a run recorded done (Deployer::SwapParts).
  Result<std::set<std::string>> SwapPartsDone(int64_t run_id, int n);
  // Records a part of image swap step `n` as started, done or failed, in a transaction of its own.
  Status MarkSwapPart(int64_t run_id, int n, const std::string& part, StepStatus status,
                      const std::string& error = "");
  // The same inside `txn` (ExecAtCommit), at the time `at`.
  Status MarkSwapPartAt(Transaction& txn, int64_t run_id, int n, const std::string& part,
                        StepStatus status, const std::string& at, const std::string& error = "");
  // How far step `n` of a run, run statement by statement (orchestrator/statement_steps.h), got:
  // nullopt when it has no record (it has not started).
  struct StatementMark {
    int next = 0;        // 0-based: the statements before it are done
    int in_flight = -1;  // a statement started and not recorded done; -1 for none
  };
  Result<std::optional<StatementMark>> StatementProgress(int64_t run_id, int n);
  // Records how far step `n` got, in `txn` (committed with it).
  Status MarkStatements(Transaction& txn, int64_t run_id, int n, const StatementMark& mark);
  // Deletes the finished runs (done, abandoned, superseded) that finished before `cutoff`
  // (ISO-8601 UTC) with their steps, in one transaction (policy history_days). Unfinished runs
  // stay: a resume needs them. Returns how many runs were deleted.
  Result<long> PruneFinishedRuns(const std::string& cutoff);

 private:
  // LoadState's and UnfinishedRun's reads inside `txn`, the state tables existing.
  Result<CurrentState> LoadStateIn(Transaction& txn);
  static Result<std::optional<RunRecord>> UnfinishedRunIn(Transaction& txn);

  Database& db_;
  std::function<std::string()> now_;
};

// The current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string NowIso8601();

}  // namespace orchestrate
