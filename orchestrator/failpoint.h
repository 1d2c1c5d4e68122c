// Failpoints: named places where a test build can kill the process (SIGKILL) to prove that an
// interrupted run resumes. Compiled in only for the `orchestrate-failpoints` test binary; in the
// real binary Failpoint() does nothing.
//
// In a test build, ORCHESTRATE_FAILPOINT=NAME kills the process the first time Failpoint(NAME) is
// reached. Names used by the executor: "before-step:N", "before-commit:N", "after-step:N",
// "before-finish" (N is the 1-based step number); by a fleet run: "before-target:N" (the N-th
// target this process starts, 1-based). NAME:throw throws std::runtime_error there and
// NAME:bad_alloc std::bad_alloc instead, to prove that an exception nothing expected ends the run
// with exit 2 and a message (orchestrator/cli/main.cc), its lock released.
// ORCHESTRATE_FAILPOINT_PAUSE=NAME:MS sleeps MS milliseconds there instead.
#pragma once

#include <string>

namespace orchestrate {

void Failpoint(const std::string& name);
// Whether this binary was built with failpoints.
bool FailpointsEnabled();

}  // namespace orchestrate
