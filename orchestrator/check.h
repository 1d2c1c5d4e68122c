// `orchestrate check`: can this rollback be done safely? A verdict with one line per reason,
// computed before anything runs; `rollback` enforces the same gates.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrations/database.h"
#include "orchestrator/deployer.h"
#include "plans/model.h"
#include "plans/planner.h"

namespace orchestrate {

enum class Verdict { kGo, kGoWithWarnings, kNoGo };
const char* VerdictName(Verdict v);  // "GO", "GO WITH WARNINGS", "NO-GO"

// How much a reason weighs: any no-go makes the verdict NO-GO, any warning GO WITH WARNINGS.
enum class CheckLevel { kNoGo, kWarning, kInfo };
const char* Name(CheckLevel level);  // "no-go", "warning", "info" (text and JSON output)
std::optional<CheckLevel> CheckLevelFromName(std::string_view name);  // nullopt when unknown

struct CheckReason {
  CheckLevel level = CheckLevel::kInfo;
  std::string text;
};

struct CheckResult {
  Verdict verdict = Verdict::kGo;
  std::vector<CheckReason> reasons;
  std::string from, to;
  bool planned = false;  // false when no plan could be made (then a no-go reason says why)
};

struct CheckOptions {
  std::string target;             // "" / "previous" or a version
  bool allow_major = false;       // --allow-major (the policy's allow_major also allows)
  bool accept_data_loss = false;  // --accept-data-loss: irreversible migrations are warnings
  // --allow-outside-window: a target older than policy.window_days is a warning, not NO-GO.
  bool allow_outside_window = false;
  std::string now;  // ISO-8601 UTC, for the window; a seam for tests
  // Reverse every seed's ledger inside a transaction that is rolled back, to find rows changed
  // since the deploy and rows other tables now reference exactly as the rollback would. It
  // writes (and locks) the seeded rows for the length of the check: `orchestrate check` does it;
  // the gate in front of `rollback` does not (the rollback itself stops at such rows).
  bool simulate_ledger = false;
  // Count the rows now in each table a down step destroys (a COUNT(*) each, shown in the
  // warnings). `check` does; the gate of an unattended rollback (--yes) does not spend the time.
  bool count_rows = true;
  // A recorded rehearsal (`check --rehearsal FILE`: the rehearsal.json of `rehearse --each`): a
  // down this rollback runs that the rehearsal found not to round-trip is a warning, when the
  // rehearsed down file is the SQL stored in the database (same SHA-256); another down is only
  // noted. Empty: no rehearsal given.
  struct RehearsedDown {
    std::string verdict;      // MigrationVerdict::verdict (orchestrator/rehearse.h)
    std::string down_sha256;  // of the down file rehearsed
    std::string detail;       // its error or first difference
  };
  std::map<std::string, RehearsedDown> rehearsed;  // by migration id
  std::string rehearsal_source;                    // the file, for the messages
  // What is deployed, when the caller has just read it (Journal::LoadState); else it is read.
  const CurrentState* state = nullptr;
};

// What `check` and the gate in front of `rollback` both start from: the target and the flags that
// lift gates, judged at the time now.
CheckOptions CheckOptionsFor(const std::string& target, bool allow_major, bool accept_data_loss,
                             bool allow_outside_window);

// Plans the rollback and judges it: NO-GO for drift, irreversible migrations, SQL that does not
// parse or cannot run as declared, a major version crossed (unless allowed), a target deployed
// longer ago than policy.window_days; warnings for data a down step destroys (with the rows there
// now) and that no snapshot captures, seeds without undo, steps outside a transaction and the
// releases' not_rolled_back items; information on what is crossed. kInvalid (not a verdict) for a
// target that does not exist; kNothingToDo when nothing is deployed or already there.
Result<CheckResult> CheckRollback(const Plan& plan, Database& db, Deployer& deployer,
                                  const CheckOptions& options);

// Days between two ISO-8601 UTC timestamps (b - a), or -1 when either does not parse.
double DaysBetween(const std::string& a, const std::string& b);

}  // namespace orchestrate
