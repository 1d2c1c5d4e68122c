// Failpoints: named places where a test build can kill the process (SIGKILL) to prove that an
// interrupted run resumes. Compiled in only for the `orchestrate-failpoints` test binary; in the
// real binary Failpoint() does nothing.
//
// Every failpoint is of one FailpointKind (the registry: AllFailpointKinds()); its name is the
// kind's name, then ":" and where it is, e.g. "before-commit:3" or "swap-part-ran:1:set". The
// sampled crash suite (tests/e2e/crash_sample_test.cc, in ctest) kills a run at every kind on
// every engine that supports it, and fails when a kind has no sampled crash.
//
// In a test build, ORCHESTRATE_FAILPOINT=NAME kills the process the first time Failpoint reaches
// NAME. NAME:throw throws std::runtime_error there and NAME:bad_alloc std::bad_alloc instead, to
// prove that an exception nothing expected ends the run with exit 2 and a message
// (orchestrator/cli/main.cc), its lock released. ORCHESTRATE_FAILPOINT_PAUSE=NAME:MS sleeps MS
// milliseconds there instead. ORCHESTRATE_FAILPOINT_GATE=NAME:DIR writes the process id into
// DIR/reached when NAME is reached, then waits there until the file DIR/open exists (a test acts
// while the run holds its lock, and never sleeps for a fixed time).
#pragma once

#include <string>
#include <vector>

namespace orchestrate {

enum class FailpointKind {
  kBeforeRunStart,       // "before-run-start": the plan computed, the run not yet recorded
  kAfterRunStart,        // "after-run-start": the run recorded (its steps pending), no step begun
  kBeforeStep,           // "before-step:N"
  kSnapshotCopied,       // "snapshot-copied:N:K": the K-th snapshot of step N copied, uncommitted
  kAfterSnapshotCommit,  // "after-snapshot-commit:N": the snapshot of a step that is not one
                         // transaction (non-transactional, or run statement by statement)
                         // committed, the step not yet begun
  kBeforeCommit,         // "before-commit:N": the step's effect and journal row, uncommitted
  kAfterStep,            // "after-step:N"
  kBeforeSwapPart,       // "before-swap-part:N:PART"
  kSwapPartStarted,      // "swap-part-started:N:PART": the part marked started, not yet run
  kSwapPartRan,          // "swap-part-ran:N:PART": the part ran, not yet marked done
  kAfterSwapPart,        // "after-swap-part:N:PART"
  kBeforeBatchCommit,    // "before-batch-commit:N": a ledger batch of step N, uncommitted
  kAfterBatch,           // "after-batch:N:B": the B-th ledger batch of step N committed
  kBeforeFinish,         // "before-finish": every step done, the run not yet recorded finished
  kAfterFinish,          // "after-finish": the run recorded finished, the lock still held
  kBeforeTarget,         // "before-target:N": a fleet run starting the N-th target this process
                         // runs (1-based); sampled by tests/e2e/shard_test.cc, not by the
                         // crash suite (one database per run there)
  // A migration step run statement by statement (statement_steps.h; MySQL/MariaDB, where DDL
  // commits by itself), N the step and I the 1-based statement; sampled by
  // tests/e2e/mysql_statements_test.cc:
  kBeforeDdlStarted,        // "before-ddl-started:N:I": nothing of statement I recorded
  kBeforeDdl,               // "before-ddl:N:I": statement I recorded started, not yet run
  kAfterDdl,                // "after-ddl:N:I": statement I ran (committed), not recorded done
  kAfterDdlDone,            // "after-ddl-done:N:I": statement I recorded done
  kBeforeStatementsCommit,  // "before-statements-commit:N:I": statements up to I (DML) and
                            // their checkpoint, uncommitted
};

// Every kind, in the order above.
const std::vector<FailpointKind>& AllFailpointKinds();
// "before-step", "swap-part-ran", ...
const char* FailpointKindName(FailpointKind kind);

// The failpoint of `kind` at `where` ("" for none): its name is "KIND" or "KIND:WHERE".
void Failpoint(FailpointKind kind, const std::string& where = "");
// Whether this binary was built with failpoints.
bool FailpointsEnabled();

}  // namespace orchestrate
