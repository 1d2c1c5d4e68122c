#include "orchestrator/failpoint.h"

#ifdef ORCHESTRATE_FAILPOINTS
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <new>
#include <stdexcept>
#endif

namespace orchestrate {

const std::vector<FailpointKind>& AllFailpointKinds() {
  static const std::vector<FailpointKind> kinds = {FailpointKind::kBeforeRunStart,
                                                   FailpointKind::kAfterRunStart,
                                                   FailpointKind::kBeforeStep,
                                                   FailpointKind::kSnapshotCopied,
                                                   FailpointKind::kAfterSnapshotCommit,
                                                   FailpointKind::kBeforeCommit,
                                                   FailpointKind::kAfterStep,
                                                   FailpointKind::kBeforeSwapPart,
                                                   FailpointKind::kSwapPartStarted,
                                                   FailpointKind::kSwapPartRan,
                                                   FailpointKind::kAfterSwapPart,
                                                   FailpointKind::kBeforeBatchCommit,
                                                   FailpointKind::kAfterBatch,
                                                   FailpointKind::kBeforeFinish,
                                                   FailpointKind::kAfterFinish,
                                                   FailpointKind::kBeforeTarget,
                                                   FailpointKind::kBeforeDdlStarted,
                                                   FailpointKind::kBeforeDdl,
                                                   FailpointKind::kAfterDdl,
                                                   FailpointKind::kAfterDdlDone,
                                                   FailpointKind::kBeforeStatementsCommit};
  return kinds;
}

const char* FailpointKindName(FailpointKind kind) {
  switch (kind) {
    case FailpointKind::kBeforeRunStart:
      return "before-run-start";
    case FailpointKind::kAfterRunStart:
      return "after-run-start";
    case FailpointKind::kBeforeStep:
      return "before-step";
    case FailpointKind::kSnapshotCopied:
      return "snapshot-copied";
    case FailpointKind::kAfterSnapshotCommit:
      return "after-snapshot-commit";
    case FailpointKind::kBeforeCommit:
      return "before-commit";
    case FailpointKind::kAfterStep:
      return "after-step";
    case FailpointKind::kBeforeSwapPart:
      return "before-swap-part";
    case FailpointKind::kSwapPartStarted:
      return "swap-part-started";
    case FailpointKind::kSwapPartRan:
      return "swap-part-ran";
    case FailpointKind::kAfterSwapPart:
      return "after-swap-part";
    case FailpointKind::kBeforeBatchCommit:
      return "before-batch-commit";
    case FailpointKind::kAfterBatch:
      return "after-batch";
    case FailpointKind::kBeforeFinish:
      return "before-finish";
    case FailpointKind::kAfterFinish:
      return "after-finish";
    case FailpointKind::kBeforeTarget:
      return "before-target";
    case FailpointKind::kBeforeDdlStarted:
      return "before-ddl-started";
    case FailpointKind::kBeforeDdl:
      return "before-ddl";
    case FailpointKind::kAfterDdl:
      return "after-ddl";
    case FailpointKind::kAfterDdlDone:
      return "after-ddl-done";
    case FailpointKind::kBeforeStatementsCommit:
      return "before-statements-commit";
  }
  return "unknown";
}

#ifdef ORCHESTRATE_FAILPOINTS
namespace {

// The MS of "NAME:MS" (or the PATH of "NAME:PATH") when `spec` is for `name`, else nullptr.
const char* ArgumentFor(const char* spec, const std::string& name) {
  if (spec == nullptr) return nullptr;
  const std::string s = spec;
  if (s.size() <= name.size() || s.compare(0, name.size(), name) != 0 || s[name.size()] != ':')
    return nullptr;
  return spec + name.size() + 1;
}

}  // namespace

void Failpoint(FailpointKind kind, const std::string& where) {
  const std::string name = FailpointKindName(kind) + (where.empty() ? "" : ":" + where);
  const char* want = std::getenv("ORCHESTRATE_FAILPOINT");
  if (want != nullptr && name == want) kill(getpid(), SIGKILL);
  if (want != nullptr && name + ":throw" == want) throw std::runtime_error("failpoint " + name);
  if (want != nullptr && name + ":bad_alloc" == want) throw std::bad_alloc();
  // NAME:DIR: writes this process's id into DIR/reached, then waits until DIR/open exists (a test
  // acts on a run that holds its lock, and lets it go on when it is done).
  if (const char* dir = ArgumentFor(std::getenv("ORCHESTRATE_FAILPOINT_GATE"), name)) {
    const std::string reached = std::string(dir) + "/reached",
                      open_path = std::string(dir) + "/open";
    const std::string pid = std::to_string(getpid()) + "\n";
    int fd = open((reached + ".tmp").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      const bool written = write(fd, pid.data(), pid.size()) == static_cast<ssize_t>(pid.size());
      close(fd);
      if (written) std::rename((reached + ".tmp").c_str(), reached.c_str());
    }
    while (access(open_path.c_str(), F_OK) != 0) usleep(10 * 1000);
  }
  // NAME:MS pauses there instead (a window in which a test acts on a run that holds its lock).
  if (const char* ms = ArgumentFor(std::getenv("ORCHESTRATE_FAILPOINT_PAUSE"), name))
    usleep(static_cast<useconds_t>(std::atol(ms)) * 1000);
}
bool FailpointsEnabled() { return true; }
#else
void Failpoint(FailpointKind, const std::string&) {}
bool FailpointsEnabled() { return false; }
#endif

}  // namespace orchestrate
