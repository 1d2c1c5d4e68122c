// `orchestrate force PLAN --unlock | --abandon | --step N [--statement I] --mark done|pending`: the
// human's way out of a state the executor refuses to guess about.
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <iostream>

#include "migrations/journal.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/json_output.h"
#include "orchestrator/executor.h"
#include "orchestrator/statement_steps.h"

namespace orchestrate::cli {

int CmdForce(const GlobalOptions& g, const ForceOptions& o) {
  int actions = (o.unlock ? 1 : 0) + (o.abandon ? 1 : 0) + (o.step > 0 ? 1 : 0);
  if (actions != 1)
    return Fail(
        Status::Usage("force needs exactly one of --unlock, --abandon, --step N --mark "
                      "done|pending"));
  if (o.statement > 0 && o.step == 0)
    return Fail(Status::Usage("--statement goes with --step N --mark done|pending"));
  const std::optional<StepStatus> mark = StepStatusFromName(o.mark);
  if (o.step > 0 && mark != StepStatus::kDone && mark != StepStatus::kPending)
    return Fail(Status::Usage("--step needs --mark done or --mark pending"));
  auto ctx = OpenContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  Database& db = *ctx->db;

  if (o.force_live && !o.unlock) return Fail(Status::Usage("--force-live goes with --unlock"));
  if (o.unlock) {
    // A holder that is alive (PostgreSQL: its lock session exists; SQLite: its process runs on
    // this host, or runs elsewhere) is running a step: releasing its lock would let a second run
    // act beside it. Only --force-live does, and fencing stops the holder at its next commit.
    auto holder = db.LockHolderNow();
    if (!holder.ok()) return Fail(holder.status());
    // A holder that records no process (pid 0: a review script run by hand with sqlite3; a
    // PostgreSQL script records its server process, and a gone one is never reported): whether
    // it still runs cannot be told, and whoever runs the command printed for it says it is gone.
    const bool unknown = *holder && (*holder)->pid == 0;
    if (unknown)
      spdlog::warn("releasing the run lock of {}: its process cannot be checked", (*holder)->str());
    if (*holder && !o.force_live && !unknown)
      return Fail(Status::NeedsHuman(
          "the run lock is held by " + (*holder)->str() +
          ", which is alive: wait for it to finish, or stop it (Ctrl-C, kill). If it hangs, `" +
          InvocationFor(g, *ctx).Command("force", {"--unlock", "--force-live"}) +
          "` releases the lock anyway; that run then stops at its next commit"));
    if (*holder && !unknown)
      spdlog::warn("releasing the run lock of a live holder ({}): it stops at its next commit",
                   (*holder)->str());
    if (!Confirm(g, "release the run lock of " + db.DisplayUrl() + "?"))
      return Fail(Status::Declined("declined: nothing was changed"));
    auto was = db.BreakLock();
    if (!was.ok()) return Fail(was.status());
    if (g.output == OutputFormat::kJson) {
      PrintJsonDocument({{"action", "unlock"},
                         {"outcome", "done"},
                         {"released", *was ? nlohmann::json((*was)->str()) : nullptr}});
      return 0;
    }
    std::cout << (*was ? "released the lock held by " + (*was)->str() : "the lock was free")
              << "\n";
    return 0;
  }

  // Marking or abandoning a run that is executing would corrupt it: hold the run lock meanwhile.
  LockHolder me{ActorName(g), HostName(), static_cast<long>(getpid()), g.command_line,
                NowIso8601()};
  Status locked =
      AcquireRunLock(db, me, ctx->lock_timeout_seconds, nullptr, InvocationFor(g, *ctx));
  if (!locked.ok()) return Fail(locked);
  RunLockRelease unlock(db);

  Journal journal(db, NowIso8601);
  auto run = journal.UnfinishedRun();
  if (!run.ok()) return Fail(run.status());
  if (!*run) return Fail(Status::NothingToDo("there is no unfinished run"));
  const RunRecord& r = **run;
  if (o.abandon) {
    if (!Confirm(g, "abandon run " + std::to_string(r.id) + " (" + r.kind + " " + r.from_version +
                        " -> " + r.to_version + ")? Steps already done stay done."))
      return Fail(Status::Declined("declined: nothing was changed"));
    Status st = journal.FinishRun(r.id, RunStatus::kAbandoned, "abandoned by " + ActorName(g));
    if (!st.ok()) return Fail(st);
    if (g.output == OutputFormat::kJson) {
      PrintJsonDocument({{"action", "abandon"}, {"outcome", "done"}, {"run_id", r.id}});
      return 0;
    }
    std::cout << "abandoned run " << r.id << "; `" << InvocationFor(g, *ctx).Command("status")
              << "` shows where the database is\n";
    return 0;
  }
  auto steps = journal.LoadSteps(r.id);
  if (!steps.ok()) return Fail(steps.status());
  if (o.step > static_cast<int>(steps->size()))
    return Fail(Status::Usage("run " + std::to_string(r.id) + " has " +
                              std::to_string(steps->size()) + " steps"));
  const StepRecord& rec = (*steps)[static_cast<size_t>(o.step - 1)];
  if (rec.status == StepStatus::kDone)
    return Fail(Status::NothingToDo("step " + std::to_string(o.step) + " is already done"));
  if (o.statement > 0) {
    // A statement of a step run statement by statement (orchestrator/statement_steps.h).
    if (!Confirm(g, "mark statement " + std::to_string(o.statement) + " of step " +
                        std::to_string(o.step) + " of run " + std::to_string(r.id) + " " + o.mark +
                        "?"))
      return Fail(Status::Declined("declined: nothing was changed"));
    Status st = ForceStatement(db, journal, r.id, rec, o.statement, mark == StepStatus::kDone,
                               ActorName(g));
    if (!st.ok()) return Fail(st);
    std::cout << "statement " << o.statement << " of step " << o.step << " of run " << r.id
              << " marked " << o.mark << "\n";
    return 0;
  }
  if (!Confirm(g, "mark step " + std::to_string(o.step) + " of run " + std::to_string(r.id) + " " +
                      o.mark + "?"))
    return Fail(Status::Declined("declined: nothing was changed"));
  auto txn = db.Begin();
  if (!txn.ok()) return Fail(txn.status());
  // Marking done also records what the step implies (a migration applied...), as if it had run.
  if (mark == StepStatus::kDone) {
    Status st = journal.RecordEffects(**txn, r.id, rec.step);
    if (!st.ok()) return Fail(st);
  }
  Status st =
      journal.MarkStep(**txn, r.id, o.step, *mark, "marked " + o.mark + " by " + ActorName(g));
  if (st.ok()) st = (*txn)->Commit();
  if (!st.ok()) return Fail(st);
  if (g.output == OutputFormat::kJson) {
    PrintJsonDocument({{"action", "mark"},
                       {"outcome", "done"},
                       {"run_id", r.id},
                       {"step", o.step},
                       {"mark", o.mark}});
    return 0;
  }
  std::cout << "step " << o.step << " of run " << r.id << " marked " << o.mark << "\n";
  return 0;
}

}  // namespace orchestrate::cli
