// What deploy, rollback, plan and sql share.
#pragma once

#include "orchestrator/cli/context.h"
#include "orchestrator/cli/options.h"
#include "orchestrator/review.h"
#include "plans/planner.h"

namespace orchestrate::cli {

// Opens the context, runs the executor, reports.
int RunCommand(const GlobalOptions& g, const RunOptions& o, Direction direction);

// The plan `plan` and `sql` show: a rollback when `rollback`, when the target is `previous`, or
// when it is an older deployed release; else a deploy. Changes nothing.
Result<RunPlan> PreviewPlan(Context& ctx, const RunOptions& o, bool rollback);

// The review context of an opened environment.
ReviewContext ReviewContextOf(const Context& ctx);

}  // namespace orchestrate::cli
