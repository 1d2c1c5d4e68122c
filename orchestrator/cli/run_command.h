// What deploy and rollback share: open the context, run the executor, report.
#pragma once

#include "orchestrator/cli/options.h"
#include "plans/planner.h"

namespace orchestrate::cli {

int RunCommand(const GlobalOptions& g, const RunOptions& o, Direction direction);

}  // namespace orchestrate::cli
