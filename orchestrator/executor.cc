// The executor (executor.h). Over 500 lines on purpose: the execution protocol is one state
// machine (lock, resume or start, steps, swaps in parts, ledger batches, interrupts, failures)
// whose parts share the journal and lock handling; split by step kind it would be read in pieces.
#include "orchestrator/executor.h"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include "migrations/auto_down.h"
#include "migrations/catalog_dialect.h"
#include "migrations/ledger.h"
#include "migrations/preexisting.h"
#include "migrations/statement_text.h"
#include "orchestrator/failpoint.h"
#include "orchestrator/heartbeat.h"
#include "orchestrator/statement_steps.h"
#include "plans/render.h"
#include "plans/sha256.h"
#include "snapshot/snapshot.h"

namespace orchestrate {
RunLockRelease::~RunLockRelease() {
  Status st = db_.Unlock();
  if (!st.ok()) spdlog::warn("could not release the run lock: {}", st.message());
}

void LedgerProgress::Update(const std::string& seed, const LedgerBatch& b) {
  if (b.chunk_id == 0) return;
  auto now = std::chrono::steady_clock::now();
  long ms = static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - batch_started).count());
  batch_started = now;
  slowest_batch_ms = std::max(slowest_batch_ms, ms);
  if (total == 0) total = b.rows + b.kept + b.rows_left + done;
  done += b.rows + b.kept;
  kept += b.kept;
  // Rate and time left from what this process reversed so far.
  const double seconds = std::chrono::duration<double>(now - started).count();
  const double rate = seconds > 0 ? static_cast<double>(done - resumed_at) / seconds : 0;
  const std::string pace =
      rate > 0 ? fmt::format(", {:.0f} rows/s, about {:.0f} s left", rate,
                             static_cast<double>(std::max<int64_t>(0, total - done)) / rate)
               : std::string();
  if (isatty(STDERR_FILENO) && spdlog::default_logger()->should_log(spdlog::level::info)) {
    int width = 30;
    int filled = total > 0 ? static_cast<int>(width * std::min(done, total) / total) : width;
    std::fprintf(stderr, "\r  seed %s: [%s%s] %lld/%lld rows%s   ", seed.c_str(),
                 std::string(static_cast<size_t>(filled), '#').c_str(),
                 std::string(static_cast<size_t>(width - filled), ' ').c_str(),
                 static_cast<long long>(done), static_cast<long long>(total), pace.c_str());
    std::fflush(stderr);
    bar_shown = true;
  } else {
    spdlog::info("seed {}: reversed {} {} row(s) of {} (chunk {}, {} ms); {}/{} rows done{}{}",
                 seed, b.rows, Name(b.op), b.table, b.chunk_id, ms, done, total, pace,
                 b.kept ? ", " + std::to_string(b.kept) + " changed since the deploy kept" : "");
  }
}

void LedgerProgress::Finish(const std::string& seed) {
  if (bar_shown) std::fprintf(stderr, "\n");
  bar_shown = false;
  if (done > 0)
    spdlog::info("seed {}: {} row(s) reversed, slowest batch {} ms", seed, done, slowest_batch_ms);
  if (kept > 0)
    spdlog::warn(
        "seed {}: {} row(s) changed after the deploy were kept as they are "
        "(policy on_modified: keep)",
        seed, kept);
}

namespace {

// `now` (ISO-8601 UTC, as the journal writes it) minus `days`, in the same format; "" when `now`
// does not parse.
std::string DaysBefore(const std::string& now, int days) {
  std::tm tm{};
  if (strptime(now.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return "";
  std::time_t t = timegm(&tm) - static_cast<std::time_t>(days) * 24 * 3600;
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
  return buf;
}

// "" or a line telling what a printed command cannot repeat.
std::string NoteOf(const Invocation& how) {
  std::string note = how.Note();
  return note.empty() ? "" : "\n(" + note + ")";
}

std::string StepLabel(int n, int total, const Step& s) {
  return "step " + std::to_string(n) + "/" + std::to_string(total) + " [" + s.release + "] " +
         DescribeStep(s);
}

bool SameIntent(const RunRecord& run, const RunRequest& req, const Plan& plan) {
  if (run.kind != DirectionName(req.direction)) return false;
  if (req.direction == Direction::kDeploy) {
    std::string newest = plan.releases.empty() ? "" : plan.releases.back().version;
    return run.to_version == (req.target.empty() ? newest : req.target);
  }
  return MeansPreviousRelease(req.target) || run.to_version == req.target;
}

// What makes two steps the same work (the image a swap starts from is not: it is what runs now).
std::string StepIdentity(const Step& s) {
  return std::string(StepKindName(s.kind)) + "|" + s.release + "|" + s.id + "|" + s.sql_sha256 +
         "|" + s.down_sha256 + "|" + s.image_to + "|" + (s.transactional ? "t" : "n");
}

// Whether the steps of `run` not yet done are exactly `fresh`, the plan computed now.
bool RemainingMatches(const std::vector<StepRecord>& stored, const RunPlan& fresh) {
  std::vector<std::string> a, b;
  for (const auto& r : stored)
    if (r.status != StepStatus::kDone) a.push_back(StepIdentity(r.step));
  for (const auto& s : fresh.steps) b.push_back(StepIdentity(s));
  return a == b;
}

// A non-transactional database step that started (or failed) may have half taken effect.
// So is a step run statement by statement whose first part committed (its row is 'started';
// statement_steps.h): it resumes where it stopped, never from its first statement.
bool HasStepInDoubt(const std::vector<StepRecord>& stored) {
  for (const auto& r : stored) {
    if (r.step.kind == StepKind::kSwapImage) continue;
    if (!r.step.transactional &&
        (r.status == StepStatus::kStarted || r.status == StepStatus::kFailed))
      return true;
    if (r.step.transactional && r.status == StepStatus::kStarted) return true;
  }
  return false;
}

// Whether an unfinished run resumes with its stored steps (they still match what the manifests and
// the database call for, or one is in doubt and a human decides) rather than being superseded.
bool ResumesAsStored(const std::vector<StepRecord>& stored, const RunPlan& fresh) {
  return HasStepInDoubt(stored) || RemainingMatches(stored, fresh);
}

// A step that only records a release deployed or rolled back: it rides in the transaction of the
// step before it.
bool IsBookkeeping(const StepRecord& r) {
  return r.status != StepStatus::kDone &&
         (r.step.kind == StepKind::kRecordRelease || r.step.kind == StepKind::kForgetRelease) &&
         r.step.transactional && r.step.sql.empty();
}

RunPlan PlanOfRun(const RunRecord& run, const std::vector<StepRecord>& steps) {
  RunPlan p;
  // A kind this build does not know (a newer one wrote it) reads as a rollback, as before.
  p.direction = DirectionFromName(run.kind).value_or(Direction::kRollback);
  p.app = run.app;
  p.from_version = run.from_version;
  p.to_version = run.to_version;
  p.fingerprint = run.fingerprint;
  for (const auto& s : steps) p.steps.push_back(s.step);
  return p;
}

const Migration* FindMigration(const Plan& plan, const Step& step) {
  const Release* rel = plan.FindRelease(step.release);
  if (rel == nullptr) return nullptr;
  for (const auto& m : rel->migrations)
    if (m.id == step.id) return &m;
  return nullptr;
}

// `down: auto` steps that this database or their statements rule out, refused before the run
// starts (nothing is changed): file:line:col and why.
// A recording (a review script) only writes the up's statements, so the catalog after them cannot
// be read: it is refused too.
Status CheckAutoDowns(const Plan& plan, Database& db, const RunPlan& run, bool recording) {
  std::vector<std::string> refusals;
  for (const Step& s : run.steps) {
    if (s.kind != StepKind::kApplyMigration || !s.auto_down) continue;
    const Migration* m = FindMigration(plan, s);
    const std::string down_at = m ? m->down.pos.str() : s.id;
    const std::string up_file = m ? m->up.path : s.id;
    if (recording) {
      refusals.push_back(down_at + ": migration " + s.id +
                         ": a review script cannot generate its down (down: auto reads the "
                         "catalog after each up statement): deploy it with orchestrate");
      continue;
    }
    if (db.Kind() != Dialect::kPostgres) {
      refusals.push_back(down_at + ": migration " + s.id +
                         ": down: auto is supported on PostgreSQL only so far (this database is " +
                         DialectName(db.Kind()) + "): write a down file");
      continue;
    }
    for (const auto& r : AutoDownRefusals(s.sql))
      refusals.push_back(up_file + ":" + r + " (migration " + s.id + ", down: auto)");
  }
  if (refusals.empty()) return Status::Ok();
  std::string text;
  for (const auto& r : refusals) text += (text.empty() ? "" : "\n") + r;
  return Status::Invalid(text + "\nnothing was changed");
}

}  // namespace

Executor::Executor(const Plan& plan, Database& db, Deployer& deployer,
                   std::function<std::string()> now)
    : plan_(plan), db_(db), deployer_(deployer), now_(now), journal_(db, std::move(now)) {}

std::string ResumeCommand(const RunRecord& run, const std::string& plan_file) {
  return ResumeCommandOf(run.command, plan_file, run.kind, run.environment, run.to_version,
                         run.reason);
}

Status AcquireRunLock(Database& db, const LockHolder& me, double timeout_seconds,
                      const std::function<bool()>& interrupted, const Invocation& how) {
  double capped = std::min(std::max(timeout_seconds, 0.0), 7 * 24 * 3600.0);
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<long>(capped * 1000));
  bool told = false;
  for (;;) {
    if (interrupted && interrupted())
      return Status::Cancelled("interrupted while waiting for the run lock; nothing was changed");
    LockHolder holder;
    auto got = db.TryLock(me, &holder);
    if (!got.ok()) return got.status().WithContext("cannot take the run lock");
    if (*got) return Status::Ok();
    if (std::chrono::steady_clock::now() >= deadline)
      return Status::NeedsHuman("the database " + db.DisplayUrl() + " is locked by " +
                                holder.str() +
                                "; wait for that run to end (or raise --lock-timeout). If that "
                                "process is gone, release it with `" +
                                how.Command("force", {"--unlock"}) + "`");
    if (!told) {
      spdlog::info("waiting up to {}s for the run lock held by {}", capped, holder.str());
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status Executor::AcquireLock(const RunRequest& request) {
  LockHolder me{request.meta.actor, request.meta.host, request.meta.pid, request.meta.command,
                now_()};
  return AcquireRunLock(db_, me, request.lock_timeout_seconds, request.interrupted,
                        InvocationOf(request));
}

Result<RunPlan> Executor::Compute(const RunRequest& request, Journal& journal,
                                  const CurrentState* known) {
  Result<CurrentState> state = known ? Result<CurrentState>(*known) : journal.LoadState();
  if (!state.ok()) return state.status();
  auto image = deployer_.Current();
  std::string deployer_error;
  if (!image.ok() && request.deployer_optional) {
    deployer_error = image.status().message();
    std::string recorded;
    for (const auto& r : state->releases)
      if (r.version == state->current_version()) recorded = r.image;
    image = recorded;
  }
  if (!image.ok()) return image.status().WithContext("reading the running image");
  auto planned =
      request.direction == Direction::kDeploy
          ? PlanDeploy(plan_, *state, request.target, *image)
          : PlanRollback(plan_, *state, request.target, *image, request.accept_data_loss);
  if (planned.ok()) planned->deployer_error = deployer_error;
  return planned;
}

Result<RunPlan> Executor::Preview(const RunRequest& request) {
  auto unfinished = journal_.UnfinishedRun();
  if (!unfinished.ok()) return unfinished.status();
  if (*unfinished && SameIntent(**unfinished, request, plan_)) {
    auto steps = journal_.LoadSteps((*unfinished)->id);
    if (!steps.ok()) return steps.status();
    RunRequest same = request;
    same.target = (*unfinished)->to_version;
    auto fresh = Compute(same, journal_);
    if (!fresh.ok() || ResumesAsStored(*steps, *fresh)) return PlanOfRun(**unfinished, *steps);
    return fresh;
  }
  return Compute(request, journal_);
}

Result<RunOutcome> Executor::Run(const RunRequest& request) {
  RunOutcome outcome;
  recording_ = request.recording;
  riding_.clear();
  run_recorded_ = true;
  snapshot_catalog_committed_ = false;  // known within one run only
  if (request.dry_run) {
    auto p = Preview(request);
    if (!p.ok()) return p.status();
    outcome.plan = std::move(p).value();
    return outcome;
  }
  ORCH_RETURN_IF_ERROR(AcquireLock(request));
  RunLockRelease unlock(db_);
  ORCH_RETURN_IF_ERROR(journal_.EnsureSchema());

  // The unfinished run and what is deployed, in one read.
  auto read = journal_.LoadStateAndUnfinishedRun();
  if (!read.ok()) return read.status();
  if (read->unfinished) {
    const RunRecord& run = *read->unfinished;
    const Invocation how = InvocationOf(request);
    if (!SameIntent(run, request, plan_))
      return Status::NeedsHuman(
          "an unfinished " + run.kind + " " +
          (run.from_version.empty() ? "(none)" : run.from_version) + " -> " + run.to_version +
          " (run " + std::to_string(run.id) + ", started " + run.started_at + " by " + run.actor +
          ", " + std::to_string(run.steps_done) + " of " + std::to_string(run.step_count) +
          " steps done" + (run.error.empty() ? "" : ", stopped on: " + run.error.substr(0, 200)) +
          ") blocks this one.\nFinish it with `" + ResumeCommand(run, plan_.file) + "` (or `" +
          how.Command("resume") + "`), inspect it with `" + how.Command("status") +
          "`, or give it up with `" + how.Command("force", {"--abandon"}) + "`" + NoteOf(how));
    auto steps = journal_.LoadSteps(run.id);
    if (!steps.ok()) return steps.status();
    ORCH_RETURN_IF_ERROR(FinishInterruptedSwaps(request, run.id, &*steps));
    // Resume only what still matches the manifests and the database: a file fixed after a failure
    // means the remaining work changed, and the run is superseded by a fresh plan instead.
    RunRequest same = request;
    same.target = run.to_version;
    auto fresh = Compute(same, journal_);
    if (!fresh.ok()) return fresh.status();
    if (!HasStepInDoubt(*steps) && fresh->empty()) {
      // Everything the run was for is in place (it stopped after its last effect): close it.
      ORCH_RETURN_IF_ERROR(journal_.FinishRun(run.id, RunStatus::kDone));
      outcome.plan = PlanOfRun(run, *steps);
      outcome.run_id = run.id;
      outcome.resumed = true;
      return outcome;
    }
    if (ResumesAsStored(*steps, *fresh)) {
      if (request.interrupted && request.interrupted())
        return Status::Cancelled("interrupted before resuming; nothing was changed");
      ORCH_RETURN_IF_ERROR(journal_.ReopenRun(run.id));
      outcome.plan = PlanOfRun(run, *steps);
      outcome.run_id = run.id;
      outcome.resumed = true;
      spdlog::info("resuming run {} ({} {} -> {}): {} of {} steps done", run.id, run.kind,
                   run.from_version, run.to_version, run.steps_done, run.step_count);
    } else {
      spdlog::warn(
          "the remaining steps of run {} no longer match the manifests (a file changed "
          "since it started); it is superseded by a new run from where it stopped",
          run.id);
      ORCH_RETURN_IF_ERROR(StartNew(request, std::move(fresh).value(), &outcome, run.id));
    }
  } else {
    auto computed = Compute(request, journal_, &read->state);
    if (!computed.ok()) return computed.status();
    ORCH_RETURN_IF_ERROR(StartNew(request, std::move(computed).value(), &outcome));
  }
  schema_drift_.clear();
  ORCH_RETURN_IF_ERROR(
      Execute(request, outcome.run_id, outcome.plan, !outcome.resumed, &outcome.steps_run));
  outcome.schema_drift = schema_drift_;
  if (plan_.policy.history_days > 0) {
    // policy history_days. The run is done whatever happens here: a failure is only a warning.
    std::string cutoff = DaysBefore(now_(), plan_.policy.history_days);
    auto pruned = cutoff.empty() ? Result<long>(0L) : journal_.PruneFinishedRuns(cutoff);
    if (!pruned.ok())
      spdlog::warn("could not prune the run history (policy history_days): {}",
                   pruned.status().message());
    else if (*pruned > 0)
      spdlog::info("pruned {} finished run(s) older than {} days (policy history_days)", *pruned,
                   plan_.policy.history_days);
  }
  return outcome;
}

Status Executor::FinishInterruptedSwaps(const RunRequest& request, int64_t run_id,
                                        std::vector<StepRecord>* steps) {
  for (auto& rec : *steps) {
    if (rec.step.kind != StepKind::kSwapImage || rec.status == StepStatus::kDone) continue;
    auto current = deployer_.Current();
    if (!current.ok()) return current.status().WithContext("verifying an interrupted image swap");
    if (*current != rec.step.image_to) continue;  // not in place: it runs again as planned
    // The value is in place, but the swap is done only once each of its parts is (a failed
    // trigger or push, the verification): run the parts not done now, since the fresh plan will
    // not hold this swap any more.
    spdlog::info("step {}: the image is already {}; finishing the parts of the swap not done",
                 rec.n, rec.step.image_to);
    Status st = RunSwap(request, run_id, rec.n, rec.step, false);
    if (!st.ok()) {
      std::string msg = "step " + std::to_string(rec.n) + " [" + rec.step.release + "] " +
                        DescribeStep(rec.step) + ": " + st.message();
      Status flushed = FlushJournal();
      Status marked = journal_.MarkStepNow(run_id, rec.n, StepStatus::kFailed, st.message());
      Status finished = journal_.FinishRun(run_id, RunStatus::kFailed, msg);
      return Status::FromCode(st.code() == Code::kCancelled ? Code::kNeedsHuman : Code::kFailed,
                              msg + "\nthe same command runs the parts not done again")
          .Also("recording it in the journal", {flushed, marked, finished});
    }
    rec.status = StepStatus::kDone;
  }
  return FlushJournal();
}

Status Executor::Journaled(std::function<Status(Transaction&)> write) {
  if (!recording_) {
    riding_.push_back(std::move(write));
    return Status::Ok();
  }
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  ORCH_RETURN_IF_ERROR(write(**txn));
  return (*txn)->Commit();
}

Status Executor::ApplyRiding(Transaction& txn) {
  for (const auto& write : riding_) ORCH_RETURN_IF_ERROR(write(txn));
  return Status::Ok();
}

Status Executor::CommitRiding(Transaction& txn) {
  ORCH_RETURN_IF_ERROR(txn.Commit());
  riding_.clear();
  run_recorded_ = true;
  return Status::Ok();
}

Status Executor::FlushJournal() {
  if (riding_.empty()) return Status::Ok();
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  ORCH_RETURN_IF_ERROR(ApplyRiding(**txn));
  return CommitRiding(**txn);
}

Status Executor::RunSwap(const RunRequest& request, int64_t run_id, int n, const Step& step,
                         bool never_started) {
  // A run killed during its swap must be found and resumed: its record commits before.
  if (!run_recorded_) ORCH_RETURN_IF_ERROR(FlushJournal());
  const std::string started_at = now_();
  ORCH_RETURN_IF_ERROR(Journaled([this, run_id, n, started_at](Transaction& t) {
    return journal_.MarkStepAt(t, run_id, n, StepStatus::kStarted, started_at);
  }));
  SwapContext swap = SwapContextFor(plan_, step.image_from, step.image_to, step.release,
                                    DirectionName(request.direction), request.meta.environment,
                                    request.meta.reason);
  swap.interrupted = request.interrupted;
  auto done = never_started ? Result<std::set<std::string>>(std::set<std::string>())
                            : journal_.SwapPartsDone(run_id, n);
  if (!done.ok()) return done.status();
  std::vector<std::string> parts = deployer_.SwapParts();
  parts.push_back("verify");  // the read-back and the environment's `verify:` checks
  // Each part of a swap of several parts is recorded done before the next one runs; a single
  // part's mark rides (executor.h, protocol step 4).
  const bool marks_ride = parts.size() <= 2;
  auto mark = [this, run_id, n](const std::string& part, StepStatus status,
                                const std::string& error) {
    const std::string at = now_();
    return Journaled([this, run_id, n, part, status, error, at](Transaction& t) {
      return journal_.MarkSwapPartAt(t, run_id, n, part, status, at, error);
    });
  };
  for (const std::string& part : parts) {
    if (done->count(part)) continue;
    const std::string where = std::to_string(n) + ":" + part;
    Point(FailpointKind::kBeforeSwapPart, where);
    ORCH_RETURN_IF_ERROR(mark(part, StepStatus::kStarted, ""));
    Point(FailpointKind::kSwapPartStarted, where);
    Status st;
    if (part != "verify") {
      st = deployer_.RunSwapPart(part, swap);
    } else {
      auto now_running = deployer_.Current();
      if (!now_running.ok())
        st = now_running.status().WithContext("verifying the swap");
      else if (*now_running != step.image_to)
        st = Status::Failed(deployer_.Describe() + " reports " + *now_running +
                            " after the swap, not " + step.image_to);
      else
        st = deployer_.Verify(swap);  // the environment's `verify:` checks
    }
    Point(FailpointKind::kSwapPartRan, where);
    if (!st.ok()) {
      Status marked = mark(part, StepStatus::kFailed, st.message());
      Status flushed = FlushJournal();
      return st.WithContext("swap part '" + part + "'")
          .Also("recording it in the journal", {marked, flushed});
    }
    ORCH_RETURN_IF_ERROR(mark(part, StepStatus::kDone, ""));
    if (!marks_ride && part != "verify") ORCH_RETURN_IF_ERROR(FlushJournal());
    Point(FailpointKind::kAfterSwapPart, where);
  }
  const std::string finished_at = now_();
  return Journaled([this, run_id, n, finished_at](Transaction& t) {
    return journal_.MarkStepAt(t, run_id, n, StepStatus::kDone, finished_at);
  });
}

Status Executor::StartNew(const RunRequest& request, RunPlan plan, RunOutcome* outcome,
                          int64_t supersedes) {
  outcome->plan = std::move(plan);
  if (outcome->plan.empty())
    return Status::NothingToDo("nothing to do: " + plan_.app + " is already at " +
                               outcome->plan.to_version);
  ORCH_RETURN_IF_ERROR(CheckAutoDowns(plan_, db_, outcome->plan, recording_));
  if (request.confirm && !request.confirm(outcome->plan))
    return Status::Declined("declined: nothing was changed");
  if (request.interrupted && request.interrupted())
    return Status::Cancelled("interrupted before the run started; nothing was changed");
  RunMeta meta = request.meta;
  if (!request.invocation.plan_file.empty())
    meta.command = request.invocation.RunCommand(DirectionName(outcome->plan.direction),
                                                 outcome->plan.to_version);
  Point(FailpointKind::kBeforeRunStart);
  if (recording_) {
    auto id = journal_.StartRun(outcome->plan, meta, supersedes);
    if (!id.ok()) return id.status().WithContext("cannot record the run");
    outcome->run_id = *id;
    return Status::Ok();
  }
  // The run's record rides in the transaction of its first step (executor.h).
  auto id = journal_.NextRunId();
  if (!id.ok()) return id.status().WithContext("cannot record the run");
  outcome->run_id = *id;
  run_recorded_ = false;
  riding_.push_back(
      [this, id = *id, plan = outcome->plan, meta, supersedes, at = now_()](Transaction& t) {
        return journal_.RecordRun(t, id, plan, meta, supersedes, at);
      });
  Point(FailpointKind::kAfterRunStart);
  return Status::Ok();
}

Invocation Executor::InvocationOf(const RunRequest& request) const {
  if (!request.invocation.plan_file.empty()) return request.invocation;
  return Invocation{plan_.file, request.meta.environment, "", {}};
}

std::string Executor::ForceStepHint(const RunRequest& request, int n) const {
  const Invocation how = InvocationOf(request);
  return "`" + how.Command("force", {"--step", std::to_string(n), "--mark", "done"}) +
         "` (it took effect) or `" +
         how.Command("force", {"--step", std::to_string(n), "--mark", "pending"}) +
         "` (it did not; it runs again)" + NoteOf(how);
}

Status Executor::Interrupted(const RunRequest& request, int64_t run_id, const RunPlan& plan, int n,
                             int total, const Step& step) {
  std::string where = StepLabel(n, total, step);
  Status flushed = FlushJournal();
  Status recorded =
      journal_
          .FinishRun(run_id, RunStatus::kInterrupted, "interrupted before " + where + " committed")
          .Also("recording the run", {flushed});
  const Invocation how = InvocationOf(request);
  std::string resume = how.RunCommand(DirectionName(plan.direction), plan.to_version);
  // An image swap cannot be rolled back: it was stopped, and resuming runs it again. A ledger
  // reversal commits batch by batch: what stays reversed and what remains, from the ledger.
  std::string undone =
      step.kind == StepKind::kSwapImage ? " was stopped (it runs again)" : " was rolled back";
  if (RunsByStatement(db_, step))
    // Its DDL statements committed one by one (docs/mysql.md): they are not undone.
    undone =
        " stopped between two of its statements: those it finished stay done (each DDL statement "
        "commits by itself on " +
        std::string(DialectName(db_.Kind())) +
        "; the part in progress was rolled back), resuming continues at the next one,";
  if (step.kind == StepKind::kUndoSeed && !step.has_undo) {
    auto left = LedgerLeft(db_, step.id);
    undone = " stopped: its batch in progress was rolled back; " +
             std::to_string(ledger_reversed_) + " row(s) reversed by this run stay reversed, " +
             (left.ok() ? std::to_string(left->first) + " row(s) in " +
                              std::to_string(left->second) + " chunk(s) remain"
                        : std::string("what remains is in the ledger")) +
             ",";
  }
  return Status::NeedsHuman("interrupted: " + where + undone +
                            " and the steps before it are done; resume with `" + resume + "`" +
                            NoteOf(how))
      .Also("recording it in the journal", {recorded});
}

Status Executor::Execute(const RunRequest& request, int64_t run_id, const RunPlan& plan,
                         bool just_started, int* steps_run) {
  // A run just started has exactly the plan's steps, all pending: no need to read them back.
  Result<std::vector<StepRecord>> records = std::vector<StepRecord>();
  if (just_started) {
    for (size_t i = 0; i < plan.steps.size(); ++i)
      records->push_back(
          {static_cast<int>(i + 1), plan.steps[i], StepStatus::kPending, 0, "", "", ""});
  } else {
    records = journal_.LoadSteps(run_id);
  }
  if (!records.ok()) return records.status();
  int total = static_cast<int>(records->size());
  // One heartbeat thread for the run's steps, each step a section of it.
  Heartbeat heartbeat(recording_ ? std::chrono::milliseconds(0) : HeartbeatInterval());
  for (size_t i = 0; i < records->size(); ++i) {
    const StepRecord& rec = (*records)[i];
    if (rec.status == StepStatus::kDone) continue;
    ledger_reversed_ = 0;  // of this step
    Point(FailpointKind::kBeforeStep, std::to_string(rec.n));
    if (request.interrupted && request.interrupted())
      return Interrupted(request, run_id, plan, rec.n, total, rec.step);
    auto started = std::chrono::steady_clock::now();
    if (request.before_step) request.before_step(rec.n, total, rec.step);
    // The bookkeeping steps after this one ride in its transaction, and the run's finish when
    // nothing is left after them (executor.h, protocol step 4).
    Riders riders;
    riders.total = total;
    // A step run statement by statement commits in parts of its own: nothing rides in them.
    if (!recording_ && rec.step.kind != StepKind::kSwapImage && !RunsByStatement(db_, rec.step)) {
      size_t j = i + 1;
      for (; j < records->size() && IsBookkeeping((*records)[j]); ++j)
        riders.steps.push_back(&(*records)[j]);
      riders.finish = j == records->size();
    }
    Status st = Status::Ok();
    {
      // A line when the step starts; while it runs longer than the heartbeat interval, a line
      // every interval with the time so far and what the server says of the statement.
      const std::string label = StepLabel(rec.n, total, rec.step);
      if (!recording_) spdlog::info("{} ...", label);
      const bool database_step = rec.step.kind != StepKind::kSwapImage;
      Heartbeat::Section beating(heartbeat, [&](double seconds) {
        const std::string progress = database_step ? db_.RunningProgress() : std::string();
        spdlog::info("{}: still running after {:.0f} s{}", label, seconds,
                     progress.empty() ? "" : " (" + progress + ")");
      });
      st = ExecuteStep(request, run_id, rec.n, total, rec, riders);
    }
    // A statement cancelled by an interrupt fails like any other: it was the interrupt.
    if (st.code() == Code::kCancelled || (!st.ok() && st.code() != Code::kNeedsHuman &&
                                          request.interrupted && request.interrupted()))
      return Interrupted(request, run_id, plan, rec.n, total, rec.step);
    if (!st.ok()) {
      // What rode with the step did not commit: it is recorded now, before the failure (the run's
      // record first).
      Status flushed = FlushJournal();
      if (!flushed.ok())
        spdlog::error("could not record the run in the journal: {}", flushed.message());
      if (st.code() == Code::kNeedsHuman) {
        // In doubt (or a non-transactional step): the journal's step row tells on resume whether
        // the step committed, since its done mark commits with it.
        Status finished = journal_.FinishRun(
            run_id, RunStatus::kFailed, StepLabel(rec.n, total, rec.step) + ": " + st.message());
        return st.Also("recording it in the journal", {finished});
      }
      std::string where = StepLabel(rec.n, total, rec.step);
      Status marked = journal_.MarkStepNow(run_id, rec.n, StepStatus::kFailed, st.message());
      Status finished = journal_.FinishRun(run_id, RunStatus::kFailed, where + ": " + st.message());
      if (!marked.ok() || !finished.ok())
        spdlog::error("could not record the failure in the journal: {}",
                      (!marked.ok() ? marked : finished).message());
      if (!rec.step.transactional && rec.step.kind != StepKind::kSwapImage)
        return Status::NeedsHuman(where + " ran, but recording it failed: " + st.message() +
                                  "\ncheck its effect, then run " + ForceStepHint(request, rec.n));
      if (rec.step.kind == StepKind::kSwapImage)  // the swap may have taken effect: it says
        return Status::Failed(where + " failed: " + st.message() +
                              "\nthe database is at the last completed step; the same command "
                              "resumes from this step (swap again, verify again).");
      std::string ledger = LedgerStateAfterFailure(db_, rec.step);  // batches may have committed
      return Status::Failed(
          where + " failed: " + st.message() +
          (!ledger.empty()
               ? "\n" + ledger
               : "\nnothing of this step was applied; the database is at the last completed step. "
                 "Fix the cause and run the same command again to resume from this step."));
    }
    ++*steps_run;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();
    spdlog::info("{} done ({} ms)", StepLabel(rec.n, total, rec.step), ms);
    AfterStep(run_id, *records, i);
    Point(FailpointKind::kAfterStep, std::to_string(rec.n));
    for (const StepRecord* rider : riders.steps) {
      ++i;
      ++*steps_run;
      spdlog::info("{} done (with step {})", StepLabel(rider->n, total, rider->step), rec.n);
      AfterStep(run_id, *records, i);
      Point(FailpointKind::kAfterStep, std::to_string(rider->n));
    }
    // The run's finish committed with the step; what rode after it (the schema the last release
    // recorded left, when no step follows it) commits on its own.
    if (riders.finish) {
      ORCH_RETURN_IF_ERROR(FlushJournal());
      Point(FailpointKind::kAfterFinish);
      return Status::Ok();
    }
  }
  Point(FailpointKind::kBeforeFinish);
  if (recording_) return journal_.FinishRun(run_id, RunStatus::kDone);
  // The riding writes (a swap's marks, the schema a release left) commit with the finish.
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  ORCH_RETURN_IF_ERROR(ApplyRiding(**txn));
  ORCH_RETURN_IF_ERROR(journal_.FinishRunIn(**txn, run_id, RunStatus::kDone));
  ORCH_RETURN_IF_ERROR(CommitRiding(**txn));
  Point(FailpointKind::kAfterFinish);
  return Status::Ok();
}

void Executor::AfterStep(int64_t run_id, const std::vector<StepRecord>& steps, size_t done) {
  const Step& step = steps[done].step;
  // A recording runs inside one transaction that the schema cannot be described from: a script
  // run by hand records no description (README, "DBA review and approval").
  if (recording_) return;
  if (step.kind == StepKind::kRecordRelease) {
    // Described now; the description rides in the next transaction to commit.
    auto lines = db_.DescribeSchema();
    Status st = lines.status();
    if (lines.ok())
      riding_.push_back([release = step.release, lines = std::move(lines).value(), run_id,
                         at = now_()](Transaction& t) {
        return WriteReleaseSchema(t, release, lines, run_id, at);
      });
    if (!st.ok())
      spdlog::warn(
          "could not record the schema {} left ({}): a rollback to it will not be compared with "
          "it",
          step.release, st.message());
    return;
  }
  if (step.kind != StepKind::kForgetRelease) return;
  // The release now current and its recorded schema, in one read.
  std::optional<std::string> current;
  auto diff = CompareCurrentWithRecorded(db_, &current);
  if (!diff.ok()) {
    spdlog::warn("could not compare the schema with the recorded state of {}: {}",
                 current.value_or("the current release"), diff.status().message());
    return;
  }
  if (!current) return;  // nothing deployed any more: no recorded state to compare with
  if (!*diff) {
    spdlog::info("no schema was recorded when {} was deployed: not compared", *current);
    return;
  }
  if ((*diff)->empty()) {
    spdlog::info("the schema is the recorded state of {}", *current);
    return;
  }
  SchemaCheck check{run_id, *current, now_(), **diff};
  std::string text;
  for (const auto& line : check.differences) text += "\n  " + line;
  std::string kept;
  for (size_t i = 0; i < done; ++i)
    if (steps[i].step.kind == StepKind::kRevertMigration && steps[i].step.irreversible)
      kept += (kept.empty() ? "" : ", ") + steps[i].step.id;
  if (!kept.empty()) {
    spdlog::info(
        "the schema differs from the recorded state of {}, as expected: the changes of "
        "irreversible migration(s) {} stay (--accept-data-loss):{}",
        *current, kept, text);
    return;
  }
  spdlog::warn(
      "the schema differs from the recorded state of {} ({} line(s); - recorded, + now):{}",
      *current, check.differences.size(), text);
  Status st = RecordSchemaCheck(db_, check);
  if (!st.ok()) spdlog::warn("could not record the schema difference: {}", st.message());
  schema_drift_.push_back(std::move(check));
}

Status Executor::ExecuteStep(const RunRequest& request, int64_t run_id, int n, int total,
                             const StepRecord& rec, const Riders& riders) {
  const Step& step = rec.step;
  if (step.kind == StepKind::kSwapImage)
    return RunSwap(request, run_id, n, step, rec.status == StepStatus::kPending);

  if (!step.transactional) {
    if (rec.status == StepStatus::kStarted || rec.status == StepStatus::kFailed)
      return Status::NeedsHuman(
          StepLabel(n, total, step) + " runs outside a transaction and was interrupted or failed" +
          (rec.error.empty() ? "" : " (" + rec.error + ")") +
          "; whether its statements took effect is unknown. Check, starting with: " +
          Excerpt(step.sql, 0) + "\nthen run " + ForceStepHint(request, n));
    // What rides commits first: the step's started mark must follow the run's record.
    ORCH_RETURN_IF_ERROR(FlushJournal());
    ORCH_RETURN_IF_ERROR(SnapshotOnItsOwn(run_id, n, step));
    ORCH_RETURN_IF_ERROR(journal_.MarkStepNow(run_id, n, StepStatus::kStarted));
    Status st = db_.ExecScriptNoTransaction(step.sql);
    if (!st.ok()) {
      Status marked = journal_.MarkStepNow(run_id, n, StepStatus::kFailed, st.message());
      Status finished = journal_.FinishRun(run_id, RunStatus::kFailed,
                                           StepLabel(n, total, step) + ": " + st.message());
      return Status::NeedsHuman(StepLabel(n, total, step) +
                                " failed outside a transaction: " + st.message() +
                                "\nsome of its statements may have taken effect; check, then run " +
                                ForceStepHint(request, n))
          .Also("recording it in the journal", {marked, finished});
    }
  }

  // On an engine whose DDL commits by itself: statement by statement (statement_steps.h).
  // What rides commits first: the step's records must follow the run's record.
  if (RunsByStatement(db_, step)) {
    ORCH_RETURN_IF_ERROR(FlushJournal());
    // Its statements commit one by one: the snapshot cannot commit with the step either.
    ORCH_RETURN_IF_ERROR(SnapshotOnItsOwn(run_id, n, step));
    // A statement that waits too long for a lock is retried like a transactional step (policy
    // lock_retries, with backoff): the step resumes at that statement.
    for (int attempt = 0;; ++attempt) {
      // A step never started has no statement marks to read (they commit with its 'started').
      Status st = RunByStatement(
          {db_, journal_, run_id, n, StepLabel(n, total, step), step,
           request.step_lock_timeout_seconds, request.statement_timeout_seconds,
           request.interrupted,
           [this](FailpointKind kind, const std::string& where) { Point(kind, where); },
           InvocationOf(request), attempt == 0 && rec.status == StepStatus::kPending});
      if (st.code() != Code::kLockTimeout) return st;
      if (attempt >= request.lock_retries) {
        auto progress = journal_.StatementProgress(run_id, n);
        const bool committed = progress.ok() && progress->has_value();
        return Status::FromCode(
            committed ? Code::kNeedsHuman : Code::kFailed,
            st.message() + "\ngave up after " + std::to_string(attempt + 1) +
                " attempts waiting for locks (policy lock_timeout " +
                std::to_string(request.step_lock_timeout_seconds) + "s, lock_retries " +
                std::to_string(request.lock_retries) +
                "): find what holds the lock (information_schema.PROCESSLIST) and run again");
      }
      auto backoff = std::chrono::milliseconds(500L << std::min(attempt, 6));
      spdlog::warn("{}: waited too long for a lock; retry {}/{} in {} ms",
                   StepLabel(n, total, step), attempt + 1, request.lock_retries, backoff.count());
      std::this_thread::sleep_for(backoff);
      if (request.interrupted && request.interrupted()) return Status::Cancelled("interrupted");
    }
  }

  LedgerProgress progress;
  LedgerReversal reversal(step.id, plan_.policy.on_modified, plan_.policy.batch_rows);
  reversal.commits_each_batch = true;  // RunStepTransaction commits after each Next()
  if (plan_.policy.snapshot == SnapshotPolicy::kOnDestroy) {
    reversal.before_destroy = [&](Transaction& txn, const std::string& table,
                                  const std::string& where, const std::string& what) -> Status {
      auto taken = SnapshotsOfStep(n).CaptureRows(txn, {run_id, n, step.release, step.id}, table,
                                                  where, {}, what);
      if (!taken.ok())
        return taken.status().WithContext("snapshot before reversing seed " + step.id +
                                          " (policy snapshot: off rolls back without one)");
      spdlog::info("snapshot {}: {} ({} rows)", taken->id, what, taken->rows);
      return Status::Ok();
    };
  }
  progress.reversal = &reversal;
  ledger_reversed_ = 0;
  for (int attempt = 0;; ++attempt) {
    bool more = false;
    Status st = RunStepTransaction(request, run_id, n, step, &progress, &more, riders);
    if (st.ok()) ledger_reversed_ = progress.done;
    if (st.ok() && more) {
      // A ledger batch committed; the next one starts with fresh retries.
      attempt = -1;
      if (request.interrupted && request.interrupted()) return Status::Cancelled("interrupted");
      continue;
    }
    if (st.code() != Code::kLockTimeout) return st;
    if (attempt >= request.lock_retries)
      return Status::Failed(st.message() + "\ngave up after " + std::to_string(attempt + 1) +
                            " attempts waiting for locks (policy lock_timeout " +
                            std::to_string(request.step_lock_timeout_seconds) + "s, lock_retries " +
                            std::to_string(request.lock_retries) +
                            "): find what holds the lock (pg_stat_activity) and run again");
    auto backoff = std::chrono::milliseconds(500L << std::min(attempt, 6));
    spdlog::warn("{}: waited too long for a lock; retry {}/{} in {} ms", StepLabel(n, total, step),
                 attempt + 1, request.lock_retries, backoff.count());
    std::this_thread::sleep_for(backoff);
    if (request.interrupted && request.interrupted()) return Status::Cancelled("interrupted");
  }
}

namespace {
// The snapshots taken before `step`, logged one by one; or why they could not be.
Status Taken(const Step& step, const Result<std::vector<SnapshotInfo>>& taken) {
  if (!taken.ok())
    return taken.status().WithContext("snapshot before " + step.id +
                                      " (policy snapshot: off rolls back without one)");
  for (const SnapshotInfo& s : *taken)
    spdlog::info("snapshot {}: {} {} ({} rows) {}", s.id, Name(s.kind), s.table, s.rows,
                 s.kind == SnapshotKind::kNone ? "NOT CAPTURED: " + s.description : "");
  return Status::Ok();
}
}  // namespace

Status Executor::SnapshotOnItsOwn(int64_t run_id, int n, const Step& step) {
  if (!SnapshotsBefore(plan_.policy, step)) return Status::Ok();
  // A run killed after this snapshot committed, and before or during the step, took it already:
  // what it copied is untouched since (the step had not begun), or was destroyed by the statements
  // that ran since (the copy is the only one): it is not taken twice.
  auto all = Snapshots(db_, now_).List();
  if (!all.ok()) return all.status().WithContext("reading the snapshots taken so far");
  for (const SnapshotInfo& s : *all)
    if (s.from.run_id == run_id && s.from.step == n) return Status::Ok();
  auto taken = SnapshotsOfStep(n).CaptureNow({run_id, n, step.release, step.id}, step.sql);
  ORCH_RETURN_IF_ERROR(Taken(step, taken));
  if (!taken->empty() && !recording_) snapshot_catalog_committed_ = true;
  Point(FailpointKind::kAfterSnapshotCommit, std::to_string(n));
  return Status::Ok();
}

Snapshots Executor::SnapshotsOfStep(int n) const {
  Snapshots snapshots(db_, now_);
  if (snapshot_catalog_committed_) snapshots.AssumeCatalogExists();
  snapshots.AfterEachCopy([this, n](int copies) {
    Point(FailpointKind::kSnapshotCopied, std::to_string(n) + ":" + std::to_string(copies));
  });
  return snapshots;
}

// The rows of the whole reversal, for the progress shown: a reversal of several batches records
// its total with its first batch (orchestrate_meta, key ledger_rows:RUN:STEP), so that a resumed
// run's progress starts from what the killed one already reversed; the last batch removes it.
Status Executor::LedgerTotal(Transaction& t, int64_t run_id, int n, const LedgerBatch& batch,
                             LedgerProgress* progress) {
  const std::string key = "ledger_rows:" + std::to_string(run_id) + ":" + std::to_string(n);
  if (progress->total == 0) {  // the first batch of this process
    const int64_t now_left = batch.rows + batch.kept + batch.rows_left;
    auto known = t.Query("SELECT value FROM orchestrate_meta WHERE key = $1", {key});
    if (!known.ok()) return known.status();
    if (!known->rows.empty() && known->rows[0][0]) {
      progress->total = ToLong(known->rows[0][0]);
      progress->done = std::max<int64_t>(0, progress->total - now_left);
      progress->resumed_at = progress->done;
      progress->total_recorded = true;
    } else if (batch.chunks_left > 0) {
      progress->total = now_left;
      ORCH_RETURN_IF_ERROR(
          t.ExecAtCommit("INSERT INTO orchestrate_meta (key, value) VALUES ($1, $2)",
                         {key, std::to_string(now_left)}));
      progress->total_recorded = true;
    }
  }
  if (batch.chunks_left == 0 && progress->total_recorded)
    return t.ExecAtCommit("DELETE FROM orchestrate_meta WHERE key = $1", {key});
  return Status::Ok();
}

void Executor::CancelRunning() {
  if (in_transactional_step_) db_.CancelRunning();
}

Status Executor::RunStepTransaction(const RunRequest& request, int64_t run_id, int n,
                                    const Step& step, LedgerProgress* progress, bool* more,
                                    const Riders& riders) {
  // A transactional step may be cancelled (CancelRunning) for as long as this runs.
  in_transactional_step_ = step.transactional;
  struct Reset {
    std::atomic<bool>& flag;
    ~Reset() { flag = false; }
  } reset{in_transactional_step_};
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  Transaction& t = **txn;
  ORCH_RETURN_IF_ERROR(
      t.LimitWaits(request.step_lock_timeout_seconds, request.statement_timeout_seconds));
  ORCH_RETURN_IF_ERROR(ApplyRiding(t));  // at commit, first: the run's record before its steps
  if (step.kind == StepKind::kUndoSeed && !step.has_undo) {
    // The ledger, one chunk per transaction: the chunk's rows and its removal from the ledger
    // commit together, so a resumed step continues at the next chunk.
    auto batch = progress->reversal->Next(db_, t);
    if (!batch.ok()) return batch.status();
    if (!recording_ && batch->chunk_id != 0)
      ORCH_RETURN_IF_ERROR(LedgerTotal(t, run_id, n, *batch, progress));
    if (!recording_) progress->Update(step.id, *batch);
    if (batch->chunks_left > 0) {
      Point(FailpointKind::kBeforeBatchCommit, std::to_string(n));
      if (request.interrupted && request.interrupted()) return Status::Cancelled("interrupted");
      ORCH_RETURN_IF_ERROR(CommitRiding(t));
      ++progress->batches;
      Point(FailpointKind::kAfterBatch,
            std::to_string(n) + ":" + std::to_string(progress->batches));
      *more = true;
      return Status::Ok();
    }
    if (!recording_) progress->Finish(step.id);
  }
  std::optional<LedgerCapture> capture;
  if (step.kind == StepKind::kRunSeed) {
    auto cap = BeginLedgerCapture(db_, t, step, plan_.policy.batch_rows);
    if (!cap.ok()) return cap.status();
    capture = std::move(*cap);
  }
  // What the step's SQL destroys is copied first, in its transaction: the snapshot commits with
  // the step or not at all (snapshot/snapshot.h).
  bool took_snapshots = false;  // the snapshot catalog commits with this step
  if (step.transactional && SnapshotsBefore(plan_.policy, step)) {
    auto taken = SnapshotsOfStep(n).Capture(t, {run_id, n, step.release, step.id}, step.sql);
    ORCH_RETURN_IF_ERROR(Taken(step, taken));
    took_snapshots = !taken->empty();
  }
  // What the up's `CREATE ... IF NOT EXISTS` finds already there, read before it runs.
  std::vector<PreexistingObject> preexisting;
  if (step.kind == StepKind::kApplyMigration && step.transactional) {
    auto found = FindPreexisting(db_, t, step.sql);
    if (!found.ok()) return found.status();
    preexisting = std::move(found).value();
  }
  Step generated;  // a `down: auto` step with the down it generated
  if (step.kind == StepKind::kApplyMigration && step.auto_down) {
    auto down = RunAutoDown(t, run_id, n, step);
    if (!down.ok())
      return Status::FromCode(down.status().code(),
                              "migration " + step.id + ", " + down.status().message());
    generated = step;
    generated.down_sql = std::move(down).value();
    generated.down_sha256 = Sha256Hex(generated.down_sql);
    for (const auto& w : GeneratedDownWarnings(generated.down_sql))
      spdlog::warn("migration {} (down: auto): {}", step.id, w);
  } else if (step.transactional && !step.sql.empty()) {
    Status st = t.ExecScript(step.sql);
    if (!st.ok()) {
      std::string what = step.id.empty()
                             ? ""
                             : (step.kind == StepKind::kRunSeed || step.kind == StepKind::kUndoSeed
                                    ? "seed "
                                    : "migration ") +
                                   step.id + ", ";
      return Status::FromCode(st.code(), what + st.message());
    }
  }
  if (capture) ORCH_RETURN_IF_ERROR(EndLedgerCapture(db_, t, *capture));
  ORCH_RETURN_IF_ERROR(journal_.RecordEffects(t, run_id, step.auto_down ? generated : step));
  if (step.kind == StepKind::kApplyMigration && step.transactional)
    ORCH_RETURN_IF_ERROR(journal_.RecordPreexisting(t, run_id, step.id, preexisting));
  ORCH_RETURN_IF_ERROR(journal_.MarkStep(t, run_id, n, StepStatus::kDone));
  Point(FailpointKind::kBeforeCommit, std::to_string(n));
  for (const StepRecord* rider : riders.steps) {
    Point(FailpointKind::kBeforeStep, std::to_string(rider->n));
    if (request.before_step) request.before_step(rider->n, riders.total, rider->step);
    ORCH_RETURN_IF_ERROR(journal_.RecordEffects(t, run_id, rider->step));
    ORCH_RETURN_IF_ERROR(journal_.MarkStep(t, run_id, rider->n, StepStatus::kDone));
    Point(FailpointKind::kBeforeCommit, std::to_string(rider->n));
  }
  if (riders.finish) {
    Point(FailpointKind::kBeforeFinish);
    ORCH_RETURN_IF_ERROR(journal_.FinishRunIn(t, run_id, RunStatus::kDone));
  }
  // A transactional step can still be rolled back whole; a non-transactional one already ran, so
  // its done mark commits.
  if (step.transactional && request.interrupted && request.interrupted())
    return Status::Cancelled("interrupted");  // rolls back
  ORCH_RETURN_IF_ERROR(CommitRiding(t));
  if (took_snapshots && !recording_) snapshot_catalog_committed_ = true;
  return Status::Ok();
}

Result<std::string> Executor::RunAutoDown(Transaction& t, int64_t run_id, int n, const Step& step) {
  const Migration* m = FindMigration(plan_, step);
  AutoDownOptions options;
  options.migration_id = step.id;
  options.file = m ? m->up.path : step.id;
  options.keep_preexisting_extensions = plan_.policy.keep_preexisting_extensions;
  return RunUpGeneratingDown(db_, t, step.sql, options, {run_id, n, step.release, step.id}, now_);
}

Result<std::string> RunUpGeneratingDown(Database& db, Transaction& t, const std::string& up,
                                        const AutoDownOptions& options, const SnapshotSource& owner,
                                        const std::function<std::string()>& now) {
  // The values a statement of the up destroys are copied as snapshots (whatever policy.snapshot
  // says: the generated down restores them from the copy).
  KeepData keep = [&](Transaction& txn,
                      const std::string& statement) -> Result<std::vector<KeptCopy>> {
    auto taken = Snapshots(db, now).Capture(txn, owner, statement);
    if (!taken.ok()) return taken.status().WithContext("copying what the up destroys");
    std::vector<KeptCopy> out;
    for (const SnapshotInfo& s : *taken) {
      if (s.kind != SnapshotKind::kColumns && s.kind != SnapshotKind::kTable) continue;
      spdlog::info("snapshot {}: {} {} ({} rows), for the generated down", s.id, Name(s.kind),
                   s.table, s.rows);
      out.push_back(
          {s.table, Name(s.kind), s.key_columns, s.columns, db.Catalog().CopyRef(s.storage)});
    }
    return out;
  };
  return RunUpWithAutoDown(db, t, up, options, keep);
}

}  // namespace orchestrate
