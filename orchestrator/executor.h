// The executor: runs a deploy or a rollback under the database lock, one durable checkpoint per
// step, resuming an unfinished run of the same intent and refusing a different one.
//
// Protocol (DESIGN.md, "Execution protocol"):
//  1. take the run lock (waiting up to the lock timeout; kNeedsHuman naming the holder after);
//  2. if an unfinished run exists: with another direction or target, refuse (kNeedsHuman, saying
//     how to finish or abandon it); with the same, resume it when its remaining steps are still
//     what the manifests and the database call for (or a step is in doubt: a human decides), else
//     mark it superseded and start a fresh plan from where it stopped (a file fixed after a
//     failure);
//  3. else plan from what the database says is deployed, confirm, record the run and its steps;
//  4. each transactional step commits its SQL, its state-table effects and its `done` mark in ONE
//     transaction; the image swap and `transactional: false` steps are marked started before and
//     done after (a swap also each of its parts); a non-transactional step found started on
//     resume needs a human;
//     a commit per step and nothing more: the bookkeeping steps that record a release deployed or
//     rolled back commit in the transaction of the step before them (a "host"); the run's record
//     rides in the transaction of its first step, its finish in that of its last; an image swap's
//     marks (and the schema a deployed release left) ride in the next transaction to commit. A
//     swap's marks commit on their own only where the protocol needs them durable first: before
//     any part of a swap when the run is not recorded yet, and after each part of a swap of more
//     than one part (a kill then runs each part once). A single-part swap killed before its marks
//     commit is found pending on resume with its image in place, and its parts run again (each is
//     idempotent, Deployer::RunSwapPart). Nothing rides in a recording (the review script).
//  5. on failure: stop, mark the step and the run failed, return the error. Never retry.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "migrations/journal.h"
#include "migrations/release_schema.h"
#include "orchestrator/command_line.h"
#include "orchestrator/deployer.h"
#include "orchestrator/failpoint.h"
#include "plans/model.h"
#include "plans/planner.h"

namespace orchestrate {

class Snapshots;

struct RunRequest {
  Direction direction = Direction::kDeploy;
  std::string target;  // deploy: "" for the newest; rollback: "" or "previous", or a version
  RunMeta meta;
  // How this run was invoked: the commands it prints (resume, force, unlock) and the command stored
  // with the run (meta.command, unless plan_file is empty) repeat it.
  Invocation invocation;
  // `plan` and `--dry-run` only: a deployer that cannot be read (no credentials, no kubeconfig)
  // does not stop the preview; the image recorded for the current release stands in for the
  // running one, and RunPlan::deployer_error says why.
  bool deployer_optional = false;
  double lock_timeout_seconds = 10;  // waiting for another run's lock
  // Per step (policy): a statement waiting longer than step_lock_timeout_seconds for a database
  // lock fails the step's transaction, which is retried up to lock_retries times with backoff
  // (0.5 s, 1 s, 2 s, ...). 0 leaves the database's defaults.
  double step_lock_timeout_seconds = 0;
  double statement_timeout_seconds = 0;
  int lock_retries = 0;
  bool accept_data_loss = false;  // rollback: forget irreversible migrations, leaving their changes
  bool dry_run = false;           // plan and stop; changes nothing (takes no lock)
  // Called with the plan before anything changes (not when resuming); false declines.
  std::function<bool(const RunPlan&)> confirm;
  // Polled before each step and before each step's commit; when it returns true the current
  // step's transaction is rolled back, the run is recorded as interrupted, and Run returns
  // kNeedsHuman with the command that resumes it.
  std::function<bool()> interrupted;
  // Called before each step runs (not for steps already done): a recording of the run
  // (orchestrator/script_recorder.h) writes the step's header there.
  std::function<void(int n, int total, const Step& step)> before_step;
  // A recording (orchestrator/script_recorder.h): no failpoints, no progress output.
  bool recording = false;
};

struct RunOutcome {
  RunPlan plan;
  int64_t run_id = 0;  // 0 for a dry run
  bool resumed = false;
  int steps_run = 0;  // steps executed by this invocation
  // Rollback: each release this invocation's steps reached whose live schema differs from the
  // schema recorded when it was deployed (migrations/release_schema.h), in the order reached.
  // Already reported (a warning with the diff) and recorded for `history`.
  std::vector<SchemaCheck> schema_drift;
};

// The command that finishes the unfinished run `run`, as stored with it (command_line.h).
std::string ResumeCommand(const RunRecord& run, const std::string& plan_file);

// Takes the run lock for `me`, waiting up to `timeout_seconds` (kNeedsHuman naming the holder
// after, and how to release it: `how` says how this command was invoked; kCancelled when
// `interrupted` says so while waiting).
Status AcquireRunLock(Database& db, const LockHolder& me, double timeout_seconds,
                      const std::function<bool()>& interrupted, const Invocation& how);

// Releases the run lock (taken with AcquireRunLock) when it goes out of scope, however the scope
// ends.
class RunLockRelease {
 public:
  explicit RunLockRelease(Database& db) : db_(db) {}
  ~RunLockRelease();
  RunLockRelease(const RunLockRelease&) = delete;
  RunLockRelease& operator=(const RunLockRelease&) = delete;

 private:
  Database& db_;
};

struct LedgerBatch;
class LedgerReversal;

// Progress of one ledger reversal: a bar on a terminal, a line per batch in logs.
struct LedgerProgress {
  int64_t total = 0, done = 0, kept = 0;
  int64_t resumed_at = 0;       // rows an earlier, interrupted attempt reversed (done starts there)
  bool total_recorded = false;  // the total is in orchestrate_meta (LedgerTotal)
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  int batches = 0;  // committed by this process
  bool bar_shown = false;
  std::chrono::steady_clock::time_point batch_started = std::chrono::steady_clock::now();
  long slowest_batch_ms = 0;
  LedgerReversal* reversal = nullptr;  // the step's reversal, created on its first batch
  void Update(const std::string& seed, const LedgerBatch& batch);
  void Finish(const std::string& seed);
};

class Executor {
 public:
  // The references must outlive the executor. `now` is the clock (a seam for tests).
  Executor(const Plan& plan, Database& db, Deployer& deployer,
           std::function<std::string()> now = NowIso8601);

  // Runs (or resumes) the requested deploy or rollback. kNothingToDo when already there; kDeclined
  // when confirm() said no; otherwise the Status of the first failure (see the protocol above).
  Result<RunOutcome> Run(const RunRequest& request);

  // Computes the plan the request would run, changing nothing.
  Result<RunPlan> Preview(const RunRequest& request);

  // From another thread (a signal watcher): cancels the statement of the transactional step
  // running now, if any (Database::CancelRunning), so that an interrupt does not wait for it; its
  // transaction rolls back and Run returns as interrupted. A statement outside a transaction
  // (`transactional: false`) is left to finish: cancelling it would leave it half done.
  void CancelRunning();

 private:
  Status AcquireLock(const RunRequest& request);
  // `known`: the state just read with the unfinished run (else it is read here).
  Result<RunPlan> Compute(const RunRequest& request, Journal& journal,
                          const CurrentState* known = nullptr);
  // Records `plan` as a new run after confirmation (superseding run `supersedes` when > 0, in the
  // same transaction). kNothingToDo for an empty plan.
  Status StartNew(const RunRequest& request, RunPlan plan, RunOutcome* outcome,
                  int64_t supersedes = 0);
  // An image swap interrupted after its value took effect (the deployer reports it) runs the
  // parts not done yet (a trigger, a push, the verification) and is marked done.
  Status FinishInterruptedSwaps(const RunRequest& request, int64_t run_id,
                                std::vector<StepRecord>* steps);
  // An image swap step: each part of the deployer's swap not recorded done (Deployer::SwapParts),
  // then the read-back and the environment's checks ("verify"), each recorded done on its own.
  // `never_started`: the journal says the step is pending, so no part of it is done (a part's
  // mark commits with or after the step's started mark): the parts done are not read.
  Status RunSwap(const RunRequest& request, int64_t run_id, int n, const Step& step,
                 bool never_started);
  // Runs the steps of run `run_id` not done yet (`just_started`: `plan` is all of them, pending).
  Status Execute(const RunRequest& request, int64_t run_id, const RunPlan& plan, bool just_started,
                 int* steps_run);
  // The bookkeeping steps that ride in a host step's transaction, and whether the run finishes
  // with them (no step is left after them).
  struct Riders {
    std::vector<const StepRecord*> steps;
    bool finish = false;
    int total = 0;
  };
  Status ExecuteStep(const RunRequest& request, int64_t run_id, int n, int total,
                     const StepRecord& rec, const Riders& riders);
  // One attempt of a transactional step: its SQL, state-table effects and done mark, committed
  // together, with the riding journal writes and the riders' effects and done marks.
  // A ledger reversal runs one batch per call: *more tells that batches remain.
  // Runs the up of a `down: auto` migration in `t` and returns its generated down
  // (migrations/auto_down.h).
  Result<std::string> RunAutoDown(Transaction& t, int64_t run_id, int n, const Step& step);
  Status LedgerTotal(Transaction& t, int64_t run_id, int n, const LedgerBatch& batch,
                     LedgerProgress* progress);
  Status RunStepTransaction(const RunRequest& request, int64_t run_id, int n, const Step& step,
                            LedgerProgress* progress, bool* more, const Riders& riders);
  // A journal write: rides in the next transaction to commit, or (in a recording) commits now in
  // a transaction of its own.
  Status Journaled(std::function<Status(Transaction&)> write);
  // The riding writes, in a transaction of their own (none: nothing happens).
  Status FlushJournal();
  // Adds the riding writes to `txn` (ExecAtCommit, in order: the run's record first).
  Status ApplyRiding(Transaction& txn);
  // Commits `txn`, which carries the riding writes (ApplyRiding); they are dropped once it did.
  Status CommitRiding(Transaction& txn);
  // After step `done` of `steps` (the run's steps) committed: a deploy's release record also
  // records the schema the release left; a rollback step that made another release current
  // compares the live schema with the one recorded for it. When an irreversible migration was
  // forgotten before it (--accept-data-loss: its changes stay), a difference is expected: it is
  // logged, not reported as drift. Failures here are warnings: the step is done whatever they say.
  void AfterStep(int64_t run_id, const std::vector<StepRecord>& steps, size_t done);
  Status Interrupted(const RunRequest& request, int64_t run_id, const RunPlan& plan, int n,
                     int total, const Step& step);
  // The request's invocation; without one, the plan file and the environment of the request.
  Invocation InvocationOf(const RunRequest& request) const;
  // "`orchestrate force ... --step N --mark done` (it took effect) or `... pending` (...)".
  std::string ForceStepHint(const RunRequest& request, int n) const;

  const Plan& plan_;
  Database& db_;
  Deployer& deployer_;
  std::function<std::string()> now_;
  Journal journal_;
  std::atomic<bool> in_transactional_step_{false};
  std::vector<SchemaCheck> schema_drift_;  // of the run in progress (RunOutcome::schema_drift)
  int64_t ledger_reversed_ = 0;  // rows of the step's ledger reversed (committed) by this process
  bool recording_ = false;       // RunRequest::recording of the run in progress
  // Journal writes waiting for the next transaction to commit (Journaled); the run's record is
  // among them until run_recorded_.
  std::vector<std::function<Status(Transaction&)>> riding_;
  bool run_recorded_ = true;
  // The snapshot catalog is known to exist: a step that took a snapshot committed in this run
  // (Snapshots::AssumeCatalogExists; not in a recording, whose script creates it in every step
  // that takes a snapshot, as a run by hand of part of it needs).
  bool snapshot_catalog_committed_ = false;
  // Snapshots whose every copy for step `n` passes the failpoint "snapshot-copied:N:K".
  // Before a step whose statements do not run in one transaction (transactional: false, or run
  // statement by statement): its snapshot, in a transaction of its own, unless taken already.
  Status SnapshotOnItsOwn(int64_t run_id, int n, const Step& step);
  Snapshots SnapshotsOfStep(int n) const;
  // Failpoint(kind, where), unless this is a recording.
  void Point(FailpointKind kind, const std::string& where = "") const {
    if (!recording_) Failpoint(kind, where);
  }
};

struct AutoDownOptions;  // migrations/auto_down.h
struct SnapshotSource;   // snapshot/snapshot.h

// Runs the up of a `down: auto` migration in `t` statement by statement and returns its generated
// down (RunUpWithAutoDown), the values a statement destroys copied as snapshots owned by `owner`:
// what a deploy's step does, and what `rehearse --each` does to prove the generated down.
Result<std::string> RunUpGeneratingDown(Database& db, Transaction& t, const std::string& up,
                                        const AutoDownOptions& options, const SnapshotSource& owner,
                                        const std::function<std::string()>& now);

}  // namespace orchestrate
