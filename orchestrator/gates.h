// The gates in front of a deploy or rollback, one module for single runs (cli/run_command.cc) and
// fleets (cli/fleet_command.cc, fleet.cc), so that both refuse the same things the same way:
//   - why: policy.require_reason (ReasonGate);
//   - who: policy.permissions (PermissionGate);
//   - whether it is safe: `orchestrate check`'s verdict for a new rollback, which includes drift,
//     irreversible migrations, a major version, policy.window_days and SQL that does not parse
//     (RollbackGate);
//   - whether it runs as declared and is what was approved, on the plan about to start, under the
//     run lock (RunGate).
// A refusal changes nothing and says what to do.
#pragma once

#include <functional>
#include <string>

#include "migrations/database.h"
#include "migrations/journal.h"
#include "orchestrator/check.h"
#include "orchestrator/command_line.h"
#include "orchestrator/deployer.h"
#include "plans/model.h"
#include "plans/planner.h"

namespace orchestrate {

struct GateRequest {
  Direction direction = Direction::kDeploy;
  std::string target;  // --to ("" for the default)
  std::string reason;  // --reason
  bool dry_run = false;
  bool allow_major = false;           // --allow-major
  bool accept_data_loss = false;      // --accept-data-loss
  bool allow_outside_window = false;  // --allow-outside-window
  // How the run was invoked, for the commands a refusal prints (`orchestrate check ...`); when
  // its plan_file is empty, the commands are named without their arguments.
  Invocation invocation;
};

// policy.require_reason: kUsage for a rollback without a reason (a dry run needs none).
Status ReasonGate(const Plan& plan, const GateRequest& request);

// policy.permissions for `environment` on `db` (orchestrator/permissions.h); a dry run is not
// checked (it changes nothing). What granted the run ("" when no rule applies), or kNeedsHuman.
Result<std::string> PermissionGate(const Plan& plan, const std::string& environment,
                                   const GateRequest& request, Database& db);

// A rollback that is not resumed (a resumed one passed the gate when it began) and not a dry run:
// `orchestrate check`'s verdict, given to `verdict` (when not null) for the caller to show; NO-GO
// is kNeedsHuman ("nothing was changed", with the reasons). `count_rows`: count the rows a down
// step destroys (for a person reading the verdict; an unattended run does not spend the time).
// `known`: the state and unfinished run the caller has just read (else they are read here).
Status RollbackGate(const Plan& plan, Database& db, Deployer& deployer, const GateRequest& request,
                    bool count_rows, CheckResult* verdict,
                    const Journal::StateAndRun* known = nullptr);

// What --approved names: the text of a reviewed script, or a hash "sha256:<hex>".
struct Approval {
  std::string text;
  bool is_hash = false;
  std::string file;  // the script's file as given ("" for a hash)
  // How the run was invoked: a refusal prints the `orchestrate sql` command that renders the
  // script again (a fleet's: into the folder of its scripts, `file`).
  Invocation invocation;
  bool fleet = false;
  bool empty() const { return text.empty(); }
};
// Reads --approved (a file, or "sha256:..."); "" gives an empty Approval. kUsage when the file
// cannot be read.
Result<Approval> ReadApproval(const std::string& approved);

// The `orchestrate sql` command, pasteable, that renders the script of a `direction` to `to` (""
// for the default) into `out` (a file; a fleet's folder); "orchestrate sql" when `how` has no plan.
std::string RenderAgainCommand(const Invocation& how, Direction direction, const std::string& to,
                               const std::string& out);

// What the engine of `db` has not built yet (Database::Unsupported), for the plan about to run:
// an approval (the review script), a seed with `tables:` (the row ledger), a step that destroys
// data under policy.snapshot: on-destroy (snapshots). kFailed naming the feature, the step and
// what to do instead; nothing was changed. kOk on engines that have them all.
Status EngineGate(const RunPlan& plan, const Policy& policy, const Database& db, bool approved);

// On the plan about to run, under the run lock: the engine supports what it needs (EngineGate),
// its SQL parses and runs as declared (CheckPlanSql), and, with an approval, the review script
// `render` returns for it is the one approved (CheckApproval).
Status RunGate(const RunPlan& plan, const Database& db, const Policy& policy,
               const Approval& approval, const std::function<Result<std::string>()>& render);

}  // namespace orchestrate
