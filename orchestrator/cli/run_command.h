// What deploy, rollback, plan and sql share.
#pragma once

#include <ostream>
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/options.h"

#include "orchestrator/check.h"
#include "orchestrator/review.h"
#include "plans/planner.h"

namespace orchestrate::cli {

// Opens the context, runs the executor, reports.
int RunCommand(const GlobalOptions& g, const RunOptions& o, Direction direction);

// The plan `plan` and `sql` show: a rollback when `rollback`, when the target is `previous`, or
// when it is an older deployed release; else a deploy. Changes nothing.
Result<RunPlan> PreviewPlan(Context& ctx, const RunOptions& o, bool rollback);

// `orchestrate check`'s verdict as text, and its exit code (GO 0, GO WITH WARNINGS 4, NO-GO 3).
void PrintVerdict(std::ostream& out, const CheckResult& r);
int VerdictExitCode(Verdict v);

// The review context of an opened environment.
ReviewContext ReviewContextOf(const Context& ctx);

}  // namespace orchestrate::cli
