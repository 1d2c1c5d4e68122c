// Statement-level checkpoints: how a migration step runs on an engine whose DDL commits by itself
// (Database::DdlCommitsByItself: MySQL/MariaDB), where "one step = one transaction" cannot hold.
//
// Contract (its journal: orchestrate_step_statements, Journal::StatementMark):
//  - the step's script is split as the engine reads it and run in order from the recorded `next`;
//  - consecutive statements that do not commit by themselves (DML) run in ONE transaction that
//    also records `next` past them: they and their checkpoint commit together or not at all;
//  - a statement that commits by itself (DDL) is preceded by a committed record "statement i
//    started" (in_flight = i) and followed by "statement i done" (next = i + 1), written in the
//    transaction the adapter opens right after the DDL committed;
//  - the step's done mark and its effects (Journal::RecordEffects) commit with its last part;
//  - the step's row is 'started' from its first committed part on: a run with such a step resumes
//    as stored (it is never superseded by a fresh plan, which would run the step from its first
//    statement), and a failure after that is kNeedsHuman (part of the step is committed), saying
//    that the same command resumes at the failed statement;
//  - resume: at `next`, never running a statement recorded done again; a statement in flight is
//    decided by Database::EffectInCatalog: applied -> recorded done, not run again; not applied ->
//    runs again; undecided -> kNeedsHuman printing the exact statement and the pasteable
//    `force --step N --statement I --mark done|pending` commands (ForceStatement).
// Failpoints (orchestrator/failpoint.h; N the step, I the 1-based statement):
//   "before-ddl-started:N:I"  before the "started" record of DDL statement I
//   "before-ddl:N:I"          after it committed, before the DDL runs
//   "after-ddl:N:I"           after the DDL committed itself, before its "done" record
//   "after-ddl-done:N:I"      after the "done" record committed
//   "before-statements-commit:N:I"  before a group of DML statements ending at I commits
//   "before-commit:N"         before the step's last part (with its done mark) commits
#pragma once

#include "orchestrator/failpoint.h"

#include <cstdint>
#include <functional>
#include <string>

#include "migrations/database.h"
#include "migrations/journal.h"
#include "orchestrator/command_line.h"
#include "plans/planner.h"

namespace orchestrate {

// Whether `step` runs statement by statement on `db`: an up or down migration run in a
// transaction, whose script has a statement that commits by itself, on an engine where DDL does.
bool RunsByStatement(const Database& db, const Step& step);

struct StatementStep {
  Database& db;
  Journal& journal;
  int64_t run_id = 0;
  int n = 0;          // the step, 1-based
  std::string label;  // "step 2/5 [1.1.0] apply migration ..." for messages
  const Step& step;
  double lock_timeout_seconds = 0, statement_timeout_seconds = 0;  // Transaction::LimitWaits
  std::function<bool()> interrupted;                             // polled before each part commits
  std::function<void(FailpointKind, const std::string&)> point;  // the failpoints above
  Invocation how;                                                // for the force commands it prints
  // The step's journal row is 'pending' (never started): it has no statement marks, and they are
  // not read.
  bool never_started = false;
};

// Runs (or resumes) the step as the contract above says. kOk once its last part committed with
// its done mark; kCancelled when interrupted (the part in progress rolled back); kLockTimeout when
// a statement waited too long for a lock (its part rolled back: calling again resumes at it);
// kFailed when it failed before any part committed (nothing of it applied); kNeedsHuman otherwise.
// REQUIRES: RunsByStatement(s.db, s.step); no transaction of s.db is open.
Status RunByStatement(const StatementStep& s);

// `orchestrate force --step N --statement I --mark done|pending`: statement I (1-based) of step
// `rec`, where it stopped, took effect (done: the step resumes after it; the last statement also
// marks the step done with its effects) or did not (pending: it runs again). kUsage when the step
// does not run statement by statement or did not stop at statement I.
Status ForceStatement(Database& db, Journal& journal, int64_t run_id, const StepRecord& rec,
                      int statement, bool done, const std::string& by);

}  // namespace orchestrate
