#include "orchestrator/gates.h"

#include <fstream>
#include <sstream>

#include "migrations/analysis/analysis.h"
#include "migrations/journal.h"
#include "orchestrator/permissions.h"
#include "orchestrator/review.h"
#include "snapshot/snapshot.h"

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
                    bool count_rows, CheckResult* verdict, const Journal::StateAndRun* known) {
  if (request.direction != Direction::kRollback || request.dry_run) return Status::Ok();
  // What is deployed and the unfinished run, in one read.
  Journal::StateAndRun read;
  if (!known) {
    auto loaded = Journal(db, NowIso8601).LoadStateAndUnfinishedRun();
    if (!loaded.ok()) return loaded.status();
    read = std::move(*loaded);
    known = &read;
  }
  if (known->unfinished) return Status::Ok();  // resumed: it passed the gate when it began
  CheckOptions options = CheckOptionsFor(request.target, request.allow_major,
                                         request.accept_data_loss, request.allow_outside_window);
  options.count_rows = count_rows;
  options.state = &known->state;
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
    if (r.level == CheckLevel::kNoGo) reasons += (reasons.empty() ? "" : "; ") + r.text;
  std::vector<std::string> args;
  if (!request.target.empty()) args = {"--to", request.target};
  if (request.allow_major) args.push_back("--allow-major");
  if (request.accept_data_loss) args.push_back("--accept-data-loss");
  if (request.allow_outside_window) args.push_back("--allow-outside-window");
  const std::string check = request.invocation.plan_file.empty()
                                ? "orchestrate check"
                                : request.invocation.Command("check", args);
  return Status::NeedsHuman("the rollback is NO-GO: " + reasons + " (see `" + check +
                            "`); nothing was changed");
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
  out.file = approved;
  return out;
}

std::string RenderAgainCommand(const Invocation& how, Direction direction, const std::string& to,
                               const std::string& out) {
  if (how.plan_file.empty()) return "orchestrate sql";
  std::vector<std::string> args;
  if (!to.empty()) args = {"--to", to};
  if (direction == Direction::kRollback) args.push_back("--rollback");
  args.insert(args.end(), {"-o", out});
  return how.Command("sql", args);
}

Status EngineGate(const RunPlan& plan, const Policy& policy, const Database& db, bool approved) {
  auto refuse = [](const Status& unsupported, const std::string& where,
                   const std::string& instead) {
    return Status::Failed(unsupported.message() + (where.empty() ? "" : ": " + where) +
                          "; nothing was changed" + (instead.empty() ? "" : " (" + instead + ")"));
  };
  if (approved) {
    Status st = db.Unsupported(DatabaseFeature::kReviewScript);
    if (!st.ok()) return refuse(st, "--approved", "run without --approved");
  }
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& step = plan.steps[i];
    const std::string label = "step " + std::to_string(i + 1) + " (" + StepKindName(step.kind) +
                              " " + step.id + " of " + step.release + ")";
    if (step.kind == StepKind::kRunSeed && !step.tables.empty()) {
      Status st = db.Unsupported(DatabaseFeature::kRowLedger);
      if (!st.ok())
        return refuse(st, label + " declares tables:",
                      "remove its tables: and give it undo: SQL to roll it back");
    }
    if (!SnapshotsBefore(policy, step)) continue;
    Status st = db.Unsupported(DatabaseFeature::kSnapshots);
    if (st.ok()) continue;
    const ScriptAnalysis analysis = AnalyzeScript(db.Kind(), step.sql);
    for (const StatementAnalysis& statement : analysis.statements) {
      if (!statement.destroys_data) continue;
      return refuse(
          st, label + " " + statement.destroys + " (line " + std::to_string(statement.line) + ")",
          "policy.snapshot: off rolls back without them");
    }
  }
  return Status::Ok();
}

Status RunGate(const RunPlan& plan, const Database& db, const Policy& policy,
               const Approval& approval, const std::function<Result<std::string>()>& render) {
  ORCH_RETURN_IF_ERROR(EngineGate(plan, policy, db, !approval.empty()));
  ORCH_RETURN_IF_ERROR(CheckPlanSql(plan, db.Kind()));
  if (approval.empty()) return Status::Ok();
  auto script = render();
  if (!script.ok()) return script.status();
  // The command that renders the script again, pasteable: a single run's into a new file beside
  // the approved one (never over it), a fleet's into the folder of its scripts.
  const std::string again = RenderAgainCommand(
      approval.invocation, plan.direction, plan.to_version,
      approval.fleet ? approval.file : (approval.file.empty() ? "review" : approval.file) + ".new");
  return CheckApproval(approval.text, approval.is_hash, *script, again);
}

}  // namespace orchestrate
