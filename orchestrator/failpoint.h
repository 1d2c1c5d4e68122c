// Failpoints: named places where a test build can kill the process (SIGKILL) to prove that an
// interrupted run resumes. Compiled in only for the `orchestrate-failpoints` test binary; in the
// real binary Failpoint() does nothing.
//
// In a test build, ORCHESTRATE_FAILPOINT=NAME kills the process the first time Failpoint(NAME) is
// reached. Names used by the executor: "before-step:N", "before-commit:N", "after-step:N",
// "before-finish" (N is the 1-based step number); a step run statement by statement
// (statement_steps.h) also has "before-ddl-started:N:I", "before-ddl:N:I", "after-ddl:N:I",
// "after-ddl-done:N:I" and "before-statements-commit:N:I" (I the 1-based statement). NAME:throw
// throws std::runtime_error there and NAME:bad_alloc std::bad_alloc instead, to prove that an
// exception nothing expected ends the run with exit 2 and a message (orchestrator/cli/main.cc), its
// lock released. ORCHESTRATE_FAILPOINT_PAUSE=NAME:MS sleeps MS milliseconds there instead.
#pragma once

#include <string>

namespace orchestrate {

void Failpoint(const std::string& name);
// Whether this binary was built with failpoints.
bool FailpointsEnabled();

}  // namespace orchestrate
