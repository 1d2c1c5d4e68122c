#include "orchestrator/gates.h"

#include <fstream>
#include <sstream>

#include "migrations/journal.h"
#include "orchestrator/permissions.h"
#include "orchestrator/review.h"

namespace orchestrate {

Status ReasonGate(const Plan& plan, const GateRequest& request) {
  if (request.direction == Direction::kRollback && !request.dry_run && plan.policy.require_reason &&
      request.reason.empty())
    return Status::Usage(
        "the plan's policy requires a reason for a rollback: add --reason \"what went wrong\"");
  return Status::Ok();
}

Result<std::string> PermissionGate(const Plan& plan, const std::string& environment,
                                   const GateRequest& request, Database& db) {
  if (request.dry_run) return std::string();
  return CheckPermission(plan, environment, request.direction, db);
}

Status RollbackGate(const Plan& plan, Database& db, Deployer& deployer, const GateRequest& request,
                    bool count_rows, CheckResult* verdict) {
  if (request.direction != Direction::kRollback || request.dry_run) return Status::Ok();
  auto unfinished = Journal(db, NowIso8601).UnfinishedRun();
  if (!unfinished.ok()) return unfinished.status();
  if (*unfinished) return Status::Ok();  // resumed: it passed the gate when it began
  CheckOptions options;
  options.target = request.target;
  options.allow_major = request.allow_major;
  options.accept_data_loss = request.accept_data_loss;
  options.allow_outside_window = request.allow_outside_window;
  options.now = NowIso8601();
  options.count_rows = count_rows;
  auto judged = CheckRollback(plan, db, deployer, options);
  if (!judged.ok()) {
    // Nothing to do, or no plan could be made: the run itself says so.
    const Code code = judged.status().code();
    return code == Code::kNothingToDo || code == Code::kNeedsHuman ? Status::Ok() : judged.status();
  }
  if (verdict) *verdict = *judged;
  if (judged->verdict != Verdict::kNoGo) return Status::Ok();
  std::string reasons;
  for (const auto& r : judged->reasons)
    if (r.level == "no-go") reasons += (reasons.empty() ? "" : "; ") + r.text;
  return Status::NeedsHuman("the rollback is NO-GO: " + reasons +
                            " (see `orchestrate check`); nothing was changed");
}

Result<Approval> ReadApproval(const std::string& approved) {
  Approval out;
  if (approved.empty()) return out;
  if (approved.rfind("sha256:", 0) == 0) {
    out.text = approved;
    out.is_hash = true;
    return out;
  }
  std::ifstream in(approved, std::ios::binary);
  if (!in) return Status::Usage("cannot read the approved script " + approved);
  std::ostringstream ss;
  ss << in.rdbuf();
  out.text = ss.str();
  return out;
}

Status RunGate(const RunPlan& plan, Dialect dialect, const Approval& approval,
               const std::function<Result<std::string>()>& render) {
  ORCH_RETURN_IF_ERROR(CheckPlanSql(plan, dialect));
  if (approval.empty()) return Status::Ok();
  auto script = render();
  if (!script.ok()) return script.status();
  return CheckApproval(approval.text, approval.is_hash, *script);
}

}  // namespace orchestrate
