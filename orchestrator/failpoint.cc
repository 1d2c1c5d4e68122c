#include "orchestrator/failpoint.h"

#ifdef ORCHESTRATE_FAILPOINTS
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <new>
#include <stdexcept>
#endif

namespace orchestrate {

#ifdef ORCHESTRATE_FAILPOINTS
void Failpoint(const std::string& name) {
  const char* want = std::getenv("ORCHESTRATE_FAILPOINT");
  if (want == nullptr) return;
  if (name == want) kill(getpid(), SIGKILL);
  if (name + ":throw" == want) throw std::runtime_error("failpoint " + name);
  if (name + ":bad_alloc" == want) throw std::bad_alloc();
}
bool FailpointsEnabled() { return true; }
#else
void Failpoint(const std::string&) {}
bool FailpointsEnabled() { return false; }
#endif

}  // namespace orchestrate
