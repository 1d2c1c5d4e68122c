// `orchestrate sql PLAN [--to V] [-o FILE]`: the exact SQL a deploy or rollback would run, for a
// DBA to review; its approval hash goes to stderr. Changes nothing.
#include <fstream>
#include <iostream>

#include "orchestrator/cli/run_command.h"

namespace orchestrate::cli {

ReviewContext ReviewContextOf(const Context& ctx, const RunOptions& o) {
  ReviewContext rc;
  rc.plan = &ctx.plan;
  rc.environment = ctx.env.name;
  rc.dialect = ctx.db->Dialect();
  rc.deployer = ctx.deployer->Describe();
  rc.swapper = ctx.deployer.get();
  rc.estimate = ctx.db.get();
  rc.accept_data_loss = o.accept_data_loss;
  return rc;
}

int CmdSql(const GlobalOptions& g, const RunOptions& o, bool rollback, const std::string& out) {
  auto ctx = OpenContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  auto plan = PreviewPlan(*ctx, o, rollback);
  if (!plan.ok()) return Fail(plan.status());
  auto script = RenderReviewScript(*plan, ReviewContextOf(*ctx, o));
  if (!script.ok()) return Fail(script.status());
  if (out.empty() || out == "-") {
    std::cout << *script;
  } else {
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    f << *script;
    f.close();
    if (!f) return Fail(Status::Failed("cannot write " + out));
  }
  std::cerr << "approval " << ApprovalHash(*script) << " (" << plan->steps.size() << " steps, "
            << DirectionName(plan->direction) << " " << plan->app << " "
            << (plan->from_version.empty() ? "(nothing)" : plan->from_version) << " -> "
            << plan->to_version << ")\n";
  return 0;
}

}  // namespace orchestrate::cli
