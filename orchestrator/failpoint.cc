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
  if (want != nullptr && name == want) kill(getpid(), SIGKILL);
  if (want != nullptr && name + ":throw" == want) throw std::runtime_error("failpoint " + name);
  if (want != nullptr && name + ":bad_alloc" == want) throw std::bad_alloc();
  // NAME:MS pauses there instead (a window in which a test acts on a run that holds its lock).
  const char* pause = std::getenv("ORCHESTRATE_FAILPOINT_PAUSE");
  if (pause == nullptr) return;
  const std::string spec = pause;
  const size_t colon = spec.rfind(':');
  if (colon != std::string::npos && spec.compare(0, colon, name) == 0 && colon == name.size())
    usleep(static_cast<useconds_t>(std::atol(spec.c_str() + colon + 1)) * 1000);
}
bool FailpointsEnabled() { return true; }
#else
void Failpoint(const std::string&) {}
bool FailpointsEnabled() { return false; }
#endif

}  // namespace orchestrate
