#include "orchestrator/failpoint.h"

#ifdef ORCHESTRATE_FAILPOINTS
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#endif

namespace orchestrate {

#ifdef ORCHESTRATE_FAILPOINTS
void Failpoint(const std::string& name) {
  const char* want = std::getenv("ORCHESTRATE_FAILPOINT");
  if (want != nullptr && name == want) kill(getpid(), SIGKILL);
}
bool FailpointsEnabled() { return true; }
#else
void Failpoint(const std::string&) {}
bool FailpointsEnabled() { return false; }
#endif

}  // namespace orchestrate
