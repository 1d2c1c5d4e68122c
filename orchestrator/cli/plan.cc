// `orchestrate plan PLAN [--to V]`: the ordered steps, changing nothing. The direction follows from
// the target: "previous" or an already deployed older release means a rollback, anything else a
// deploy.
#include <iostream>

#include "migrations/journal.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/run_command.h"
#include "orchestrator/executor.h"
#include "plans/render.h"

namespace orchestrate::cli {

Result<RunPlan> PreviewPlan(Context& ctx, const RunOptions& o, bool rollback) {
  Journal journal(*ctx.db, NowIso8601);
  auto state = journal.LoadState();
  if (!state.ok()) return state.status();
  if (!rollback && !o.target.empty()) {
    rollback = o.target == "previous";
    for (const auto& r : state->releases)
      if (r.version == o.target && state->current_version() != o.target) rollback = true;
  }
  RunRequest req;
  req.direction = rollback ? Direction::kRollback : Direction::kDeploy;
  req.target = o.target;
  Executor executor(ctx.plan, *ctx.db, *ctx.deployer);
  return executor.Preview(req);
}

int CmdPlan(const GlobalOptions& g, const RunOptions& o, bool rollback) {
  auto ctx = OpenContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  auto plan = PreviewPlan(*ctx, o, rollback);
  if (!plan.ok()) return Fail(plan.status());
  std::cout << (g.output == "json" ? RenderPlanJson(*plan) : RenderPlanText(*plan));
  return 0;
}

}  // namespace orchestrate::cli
