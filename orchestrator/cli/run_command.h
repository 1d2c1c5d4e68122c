// What deploy, rollback, plan and sql share.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <ostream>
#include <thread>

#include "orchestrator/cli/context.h"
#include "orchestrator/cli/options.h"

#include "orchestrator/check.h"
#include "orchestrator/gates.h"
#include "orchestrator/review.h"
#include "plans/planner.h"

namespace orchestrate::cli {

// The exit code of a rollback that finished but left a release's schema different from the one
// recorded when it was deployed ("rolled back, schema differs from the recorded state of R").
// Apart from 0 (done), 1, 2, 3, 4 (check: GO WITH WARNINGS) and 64 (usage).
inline constexpr int kExitSchemaDiffers = 5;

// Opens the context, runs the executor, reports. An environment that is a fleet (and no
// --database) goes to RunFleetCommand instead.
int RunCommand(const GlobalOptions& g, const RunOptions& o, Direction direction);

// deploy/rollback on every target of a fleet environment (orchestrator/fleet.h); fleet_command.cc.
int RunFleetCommand(const GlobalOptions& g, const RunOptions& o, Direction direction, Context& ctx);

// Installs the SIGINT/SIGTERM handlers (a run stops at the next safe point) and returns what
// tells whether one arrived. Safe to poll from several threads.
std::function<bool()> WatchInterrupts();

// While it exists, a thread that watches for SIGINT/SIGTERM (WatchInterrupts' handlers): the
// first is acknowledged on stderr at once, and `on_interrupt` is called then and every 200 ms after
// (to cancel a running statement), from that thread. Its end does not wait for the thread's next
// look at the signal.
class InterruptWatcher {
 public:
  explicit InterruptWatcher(std::function<void()> on_interrupt);
  ~InterruptWatcher();
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// The plan `plan` and `sql` show: a rollback when `rollback`, when the target is `previous`, or
// when it is an older deployed release; else a deploy. Changes nothing.
// `deployer_optional`: an unreadable deployer does not stop the preview (RunRequest), for `plan`.
Result<RunPlan> PreviewPlan(Context& ctx, const RunOptions& o, bool rollback,
                            bool deployer_optional = false);
// The warning (stderr) that a preview stands the recorded image in for an unreadable deployer.
void WarnUnreadableDeployer(const RunPlan& plan);

// `orchestrate check`'s verdict as text, and its exit code (GO 0, GO WITH WARNINGS 4, NO-GO 3).
void PrintVerdict(std::ostream& out, const CheckResult& r);
// The verdict on stderr before a run: PrintVerdict's block, or one JSON line with
// --log-format json ("verdict" and "reasons" as fields).
void LogVerdict(const CheckResult& r);
int VerdictExitCode(Verdict v);

// The gates' view of a deploy's or rollback's options (orchestrator/gates.h).
GateRequest GatesOf(const RunOptions& o, Direction direction);

// The review context of an opened environment.
ReviewContext ReviewContextOf(const Context& ctx, const RunOptions& o);

}  // namespace orchestrate::cli
