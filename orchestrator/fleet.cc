// Fleets (fleet.h). Over 500 lines: running a target, the one image swap, the review scripts of
// targets and the two report renderers are kept together as the fleet's one contract.
#include "orchestrator/fleet.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "migrations/journal.h"
#include "orchestrator/check.h"
#include "orchestrator/failpoint.h"
#include "orchestrator/process.h"
#include "orchestrator/review.h"
#include "plans/json_text.h"
#include "plans/names.h"

namespace orchestrate {
namespace {

using Clock = std::chrono::steady_clock;

thread_local std::string t_target;  // FleetTargetOfThisThread()

// Labels this thread's log lines with a target while it runs one.
class TargetLabel {
 public:
  explicit TargetLabel(const std::string& target) { t_target = target; }
  ~TargetLabel() { t_target.clear(); }
  TargetLabel(const TargetLabel&) = delete;
  TargetLabel& operator=(const TargetLabel&) = delete;
};

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What a target's executor sees as its deployer: it reports the image the plan ends on, so the
// planner puts no swap step in the target's plan (the environment's image is swapped once for the
// whole fleet, see fleet.h). Swap is never called; if it were, it fails rather than pretend.
class FixedImageDeployer : public Deployer {
 public:
  explicit FixedImageDeployer(std::string image) : image_(std::move(image)) {}
  std::string Describe() const override {
    return "the fleet's image (swapped once, not per target)";
  }
  Result<std::string> Current() override { return image_; }
  Status Swap(const std::string& image) override {
    return Status::Failed("a fleet target does not swap images (asked for " + image + ")");
  }

 private:
  std::string image_;
};

// The image `to_version` runs: the one recorded when it was deployed on this target (a rollback),
// else the manifest's (as the planner chooses it).
std::string ImageOf(const Plan& plan, const CurrentState& state, const std::string& to_version,
                    bool rollback) {
  if (rollback)
    for (const auto& r : state.releases)
      if (r.version == to_version && !r.image.empty()) return r.image;
  const Release* m = plan.FindRelease(to_version);
  return m ? m->image : "";
}

}  // namespace

Result<std::string> RenderFleetTargetScript(const Plan& plan, const std::string& environment,
                                            Database& db, Direction direction,
                                            const std::string& to_version, bool accept_data_loss) {
  // As RunFleet plans each target: the image moves once for the fleet, never per release.
  Plan per_target = plan;
  per_target.policy.image_swaps = Policy::ImageSwaps::kOnce;
  Journal journal(db, NowIso8601);
  auto state = journal.LoadState();
  if (!state.ok()) return state.status();
  FixedImageDeployer fixed(ImageOf(plan, *state, to_version, direction == Direction::kRollback));
  RunRequest req;
  req.direction = direction;
  req.target = to_version;
  req.accept_data_loss = accept_data_loss;
  auto run = Executor(per_target, db, fixed).Preview(req);
  if (!run.ok()) return run.status();
  ReviewContext ctx;
  ctx.plan = &per_target;
  ctx.environment = environment;
  ctx.dialect = db.Kind();
  ctx.deployer = fixed.Describe();
  ctx.swapper = &fixed;
  ctx.estimate = &db;
  ctx.accept_data_loss = accept_data_loss;
  return RenderReviewScript(*run, ctx);
}

Result<std::string> ApprovedScriptFor(const std::string& dir, const std::string& identity,
                                      const std::string& render_again) {
  const std::string want = "-- database: " + identity;
  std::vector<std::string> found;
  std::string text;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".sql") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::istringstream lines(ss.str());
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("-- database: ", 0) != 0) continue;
      if (line == want) {
        found.push_back(entry.path().string());
        text = ss.str();
      }
      break;
    }
  }
  if (ec) return Status::Usage("cannot read the approved scripts in " + dir + ": " + ec.message());
  if (found.size() == 1) return text;
  if (found.empty())
    return Status::NeedsHuman("no approved script in " + dir + " is for " + identity +
                              ": render the fleet's scripts with `" + render_again +
                              "` and have them reviewed");
  return Status::NeedsHuman("more than one approved script in " + dir + " is for " + identity +
                            " (" + found[0] + ", " + found[1] + "): keep one");
}

namespace {

TargetReport RunTarget(const Plan& plan, const std::string& url, const FleetRequest& request,
                       const std::string& to_version) {
  auto start = Clock::now();
  const bool rollback = request.run.direction == Direction::kRollback;
  TargetReport rep;
  rep.target = RedactUrl(url);
  rep.to = to_version;
  TargetLabel label(rep.target);
  auto fail = [&](Status st) {
    rep.status = std::move(st);
    rep.outcome = rep.status.code() == Code::kNeedsHuman || rep.status.code() == Code::kCancelled
                      ? TargetOutcome::kNeedsHuman
                      : TargetOutcome::kFailed;
    rep.seconds = SecondsSince(start);
    spdlog::error("{}", rep.status.message());
    return rep;
  };

  // The plan's SQL was put in place for one kind of database (SelectDialectSql): a target of
  // another kind would run the wrong files, unless neither kind names files of its own (both run
  // the default ones). Without a kind (a fleet only from a targets_command, no `dialect:`) it is
  // the default SQL.
  const std::string kind = DialectName(DialectOfUrl(url));
  const std::vector<std::string> own = plan.DialectsWithOwnSql();
  auto has_own = [&](const std::string& d) {
    return std::find(own.begin(), own.end(), d) != own.end();
  };
  if (kind != plan.sql_dialect && (has_own(kind) || has_own(plan.sql_dialect))) {
    if (plan.sql_dialect.empty())
      return fail(Status::Invalid(
          "this target is a " + kind + " database, and the plan names SQL of its own for " + kind +
          ", but this fleet's kind of database is not known before its targets_command runs, so "
          "it runs the default SQL: list a target under `targets:` or set `dialect: " +
          kind + "` in " + plan.file));
    return fail(Status::Invalid(
        "this target is a " + kind + " database, but the fleet's SQL was chosen for " +
        plan.sql_dialect +
        " (the plan names SQL per dialect): run each kind of database as a fleet of its own"));
  }
  auto db = request.open(url);
  if (!db.ok()) return fail(db.status());
  Journal journal(**db, NowIso8601);
  auto read = journal.LoadStateAndUnfinishedRun();
  if (!read.ok()) return fail(read.status());
  rep.from = read->state.current_version().value_or("");
  rep.image = ImageOf(plan, read->state, to_version, rollback);
  FixedImageDeployer fixed(rep.image);

  // The gates of `orchestrate check`, for a new rollback (a resumed one passed them when it began).
  GateRequest gates = request.gates;
  gates.target = to_version;
  gates.dry_run = request.run.dry_run;
  if (Status gate =
          RollbackGate(plan, **db, fixed, gates, /*count_rows=*/false, nullptr, &read.value());
      !gate.ok())
    return fail(gate);

  RunRequest req = request.run;
  req.target = to_version;
  Status sql_check;
  // Parse errors and statements that cannot run in a transaction stop the target before it starts.
  // --approved DIR: what is about to run on this target is its approved script.
  Approval approval;
  if (!request.approved_dir.empty()) {
    auto identity = (*db)->Identity();
    if (!identity.ok()) return fail(identity.status());
    auto text = ApprovedScriptFor(request.approved_dir, *identity,
                                  RenderAgainCommand(request.gates.invocation, req.direction,
                                                     to_version, request.approved_dir));
    if (!text.ok()) return fail(text.status());
    approval.text = *text;
    approval.file = request.approved_dir;
    approval.fleet = true;
    approval.invocation = request.gates.invocation;
  }
  auto render = [&]() {
    return RenderFleetTargetScript(plan, request.environment, **db, req.direction, to_version,
                                   request.run.accept_data_loss);
  };
  req.confirm = [&](const RunPlan& p) {
    // Under this target's lock, for a new run.
    sql_check = RunGate(p, **db, plan.policy, approval, render);
    return sql_check.ok();
  };
  if (!approval.empty()) {
    // A dry run is checked as a real one; a resumed run is not confirmed, so it is checked here.
    if (request.run.dry_run || read->unfinished) {
      auto preview = Executor(plan, **db, fixed).Preview(req);
      if (!preview.ok()) return fail(preview.status());
      Status approved = RunGate(*preview, **db, plan.policy, approval, render);
      if (!approved.ok()) return fail(approved);
    }
  }
  spdlog::info("{} to {} starts", DirectionName(req.direction), to_version);
  Executor executor(plan, **db, fixed);
  auto outcome = executor.Run(req);
  if (!sql_check.ok()) return fail(sql_check);
  if (!outcome.ok() && outcome.status().code() != Code::kNothingToDo) {
    // The run the failure left behind: how far it got, for the summary.
    if (auto left = journal.UnfinishedRun(); left.ok() && *left) {
      rep.run_id = (*left)->id;
      rep.steps_run = (*left)->steps_done;
    }
  }
  if (!outcome.ok()) {
    if (outcome.status().code() == Code::kNothingToDo) {
      rep.outcome = TargetOutcome::kNothingToDo;
      rep.status = outcome.status();
      rep.seconds = SecondsSince(start);
      return rep;
    }
    return fail(outcome.status());
  }
  rep.run_id = outcome->run_id;
  rep.steps_run = outcome->steps_run;
  rep.schema_drift = outcome->schema_drift;
  if (!outcome->plan.from_version.empty()) rep.from = outcome->plan.from_version;
  if (request.run.dry_run) {
    rep.outcome = outcome->plan.empty() ? TargetOutcome::kNothingToDo : TargetOutcome::kPlanned;
    rep.steps_run = static_cast<int>(outcome->plan.steps.size());
  } else {
    rep.outcome = outcome->resumed ? TargetOutcome::kResumed : TargetOutcome::kDone;
  }
  rep.seconds = SecondsSince(start);
  spdlog::info("{} ({} steps, {:.1f}s)", Name(rep.outcome), rep.steps_run, rep.seconds);
  return rep;
}

bool Finished(const TargetReport& t) {
  return t.outcome == TargetOutcome::kDone || t.outcome == TargetOutcome::kResumed ||
         t.outcome == TargetOutcome::kNothingToDo || t.outcome == TargetOutcome::kPlanned;
}

// Swaps the environment's image to `image` unless it already runs, then verifies.
void SwapOnce(const Plan& plan, const Environment& env, Deployer& deployer,
              const FleetRequest& request, const std::string& image, FleetReport* report) {
  report->image_to = image;
  auto current = deployer.Current();
  if (!current.ok()) {
    report->image_status = current.status().WithContext("reading the running image");
    report->image_action = "not swapped";
    return;
  }
  report->image_from = *current;
  if (*current == image) {
    report->image_action = "already running";
    return;
  }
  if (request.run.dry_run) {
    report->image_action = "would swap";
    return;
  }
  SwapContext swap =
      SwapContextFor(plan, *current, image, report->to_version,
                     DirectionName(request.run.direction), env.name, request.run.meta.reason);
  swap.interrupted = request.run.interrupted;
  Status st = deployer.SwapTo(swap);
  if (st.ok()) {
    auto now_running = deployer.Current();
    if (!now_running.ok())
      st = now_running.status().WithContext("verifying the swap");
    else if (*now_running != image)
      st = Status::Failed(deployer.Describe() + " reports " + *now_running +
                          " after the swap, not " + image);
  }
  if (st.ok()) st = deployer.Verify(swap);  // the environment's `verify:` checks
  if (!st.ok()) {
    report->image_status = st.WithContext("the image swap on " + deployer.Describe() +
                                          " (the same command swaps and verifies again)");
    report->image_action = "swap failed";
    return;
  }
  report->image_action = "swapped";
  spdlog::info("swapped {} to {} for the fleet of environment '{}'", deployer.Describe(), image,
               env.name);
}

// Two shards that finish at the same moment would both find the whole fleet at the version and
// both swap. So a shard swaps holding the run lock of one target that every shard picks alike
// (the least of the fleet's URLs with passwords removed), and SwapOnce reads the running image
// again under it: the second shard finds it already running.
void SwapUnderTheShardsLock(const Plan& plan, const Environment& env, Deployer& deployer,
                            const FleetRequest& request, const std::vector<std::string>& mine,
                            const std::string& image, FleetReport* report) {
  std::string lock_url;
  for (const auto* list : {&mine, &request.other_shards})
    for (const std::string& url : *list)
      if (lock_url.empty() || RedactUrl(url) < RedactUrl(lock_url)) lock_url = url;
  auto not_swapped = [&](const Status& why) {
    report->image_action = "not swapped";
    report->image_to = image;
    report->image_status =
        why.WithContext("taking the run lock of " + RedactUrl(lock_url) +
                        ", which the shards hold to swap the fleet's image one at a time");
  };
  auto db = request.open(lock_url);
  if (!db.ok()) return not_swapped(db.status());
  const RunMeta& meta = request.run.meta;
  LockHolder me{meta.actor, meta.host, meta.pid, meta.command, NowIso8601()};
  Status locked = AcquireRunLock(**db, me, request.run.lock_timeout_seconds,
                                 request.run.interrupted, request.run.invocation);
  if (!locked.ok()) return not_swapped(locked);
  RunLockRelease unlock(**db);
  SwapOnce(plan, env, deployer, request, image, report);
}

// How many of `urls` (the targets of the other shards) are not at `to` with no unfinished run, or
// cannot be read: what keeps a shard from swapping the fleet's image.
size_t NotYetAt(const std::vector<std::string>& urls, const std::string& to,
                const FleetRequest& request) {
  size_t pending = 0;
  for (const std::string& url : urls) {
    auto db = request.open(url);
    if (!db.ok()) {
      ++pending;
      continue;
    }
    Journal journal(**db, NowIso8601);
    auto state = journal.LoadState();
    auto unfinished = journal.UnfinishedRun();
    if (!state.ok() || state->current_version() != to || !unfinished.ok() || *unfinished) ++pending;
  }
  return pending;
}

std::string Seconds(double s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(s < 10 ? 2 : 1) << s << "s";
  return out.str();
}

}  // namespace

const std::string& FleetTargetOfThisThread() { return t_target; }

bool IsFleet(const Environment& env) {
  return !env.targets.empty() || !env.targets_command.empty();
}

Result<std::vector<std::string>> FleetTargets(const Environment& env,
                                              const std::function<bool()>& cancelled,
                                              const ProcessRunner& run) {
  std::vector<std::string> urls;
  if (!env.database.empty()) urls.push_back(env.database);
  urls.insert(urls.end(), env.targets.begin(), env.targets.end());
  if (!env.targets_command.empty()) {
    ProcessRequest req;
    req.argv = env.targets_command;
    req.timeout_seconds = 120;
    req.keep_bytes = 4 * 1024 * 1024;  // a fleet of many thousand URLs still fits
    req.cancelled = cancelled;
    req.keep_registered_secrets = true;  // its output is connection strings: passwords and all
    std::string where = env.pos.str() + ": the targets_command of environment '" + env.name + "'";
    auto ran = run ? run(req) : RunChildProcess(req);
    if (!ran.ok()) return ran.status().WithContext(where);
    if (!ran->ok())
      return Status::Failed(where + " (" + ran->shown + ") " + ran->Outcome() + ": " +
                            ran->Tail(500) + "\nrun it by hand to see why");
    std::istringstream lines(ran->out);
    std::string line;
    int found = 0;
    while (std::getline(lines, line)) {
      size_t b = line.find_first_not_of(" \t\r");
      if (b == std::string::npos || line[b] == '#') continue;
      size_t e = line.find_last_not_of(" \t\r");
      urls.push_back(line.substr(b, e - b + 1));
      ++found;
    }
    if (found == 0)
      return Status::Failed(where + " (" + ran->shown +
                            ") printed no database URL: it must print one URL per line");
  }
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (auto& u : urls)
    if (seen.insert(u).second) unique.push_back(std::move(u));
  return unique;
}

namespace {
constexpr std::pair<TargetOutcome, const char*> kTargetOutcomes[] = {
    {TargetOutcome::kDone, "done"},
    {TargetOutcome::kResumed, "resumed"},
    {TargetOutcome::kNothingToDo, "nothing to do"},
    {TargetOutcome::kPlanned, "planned"},
    {TargetOutcome::kFailed, "failed"},
    {TargetOutcome::kNeedsHuman, "needs a human"},
    {TargetOutcome::kNotStarted, "not started"}};
}  // namespace

const char* Name(TargetOutcome outcome) { return NameIn(kTargetOutcomes, outcome, "failed"); }
std::optional<TargetOutcome> TargetOutcomeFromName(std::string_view name) {
  return FromNameIn(kTargetOutcomes, name);
}

Status FleetReport::Overall() const {
  int failed = 0, human = 0, idle = 0;
  std::string first;
  for (const auto& t : targets) {
    if (t.outcome == TargetOutcome::kNothingToDo) ++idle;
    if (Finished(t)) continue;
    (t.outcome == TargetOutcome::kNeedsHuman ? human : failed)++;
    if (first.empty())
      first = t.target + ": " + (t.status.ok() ? std::string(Name(t.outcome)) : t.status.message());
  }
  std::string counts = std::to_string(failed) + " target(s) failed or not started, " +
                       std::to_string(human) + " need a human";
  if (human > 0) return Status::NeedsHuman(counts + "; first: " + first);
  if (failed > 0) return Status::Failed(counts + "; first: " + first);
  if (!image_status.ok()) return image_status;
  if (idle == static_cast<int>(targets.size()) && image_action == "already running")
    return Status::NothingToDo("nothing to do: every target is at " + to_version);
  return Status::Ok();
}

Result<FleetReport> RunFleet(const Plan& plan, const Environment& env,
                             const std::vector<std::string>& urls, Deployer& deployer,
                             const FleetRequest& request) {
  auto start = Clock::now();
  const bool rollback = request.run.direction == Direction::kRollback;
  // The environment's image moves once for the whole fleet (fleet.h), never per release boundary:
  // the targets' plans hold no swap.
  Plan per_target = plan;
  per_target.policy.image_swaps = Policy::ImageSwaps::kOnce;
  FleetReport report;
  report.kind = DirectionName(request.run.direction);
  report.environment = env.name;
  report.parallel = std::max(1, request.parallel);
  std::string to = request.run.target;
  if (rollback && MeansPreviousRelease(to))
    return Status::Usage(
        "a fleet rollback needs --to VERSION: its targets may be at different releases, so "
        "`previous` would mean a different release on each");
  if (rollback && to == kRollbackToNothing && !plan.FindRelease(to))
    return Status::Usage(
        "a fleet rollback to `none` is not supported: the fleet's one image would have no "
        "release to go back to; roll each target back with --database URL, or to the first "
        "release");
  if (!rollback && to.empty()) {
    if (plan.releases.empty()) return Status::Invalid(plan.file + ": the plan has no releases");
    to = plan.releases.back().version;
  }
  if (!rollback && !plan.FindRelease(to))
    return Status::Invalid("no release manifest has version " + to);
  report.to_version = to;
  report.shard = request.shard;
  report.fleet_size = urls.size() + request.other_shards.size();
  // A shard's slice may be empty (more shards than targets): that shard has nothing to do.
  if (urls.empty() && !request.shard.active())
    return Status::Invalid("environment '" + env.name + "' lists no targets");

  // Code-first rollbacks swap the image first (fleet.h); the image then comes from the manifest.
  bool swap_first = rollback && plan.FindRelease(to) != nullptr;
  for (int i = plan.IndexOf(to) + 1; swap_first && i < static_cast<int>(plan.releases.size()); ++i)
    if (plan.releases[static_cast<size_t>(i)].order == ReleaseOrder::kSchemaFirst)
      swap_first = false;
  report.targets.resize(urls.size());
  for (size_t i = 0; i < urls.size(); ++i) {
    report.targets[i].target = RedactUrl(urls[i]);
    report.targets[i].to = to;
    report.targets[i].outcome = TargetOutcome::kNotStarted;
  }
  if (swap_first) {
    if (request.shard.active())
      SwapUnderTheShardsLock(plan, env, deployer, request, urls, plan.FindRelease(to)->image,
                             &report);
    else
      SwapOnce(plan, env, deployer, request, plan.FindRelease(to)->image, &report);
    if (!report.image_status.ok()) {
      for (auto& t : report.targets)
        t.status = Status::Failed("not started: the image swap before the targets failed");
      report.seconds = SecondsSince(start);
      return report;
    }
  }

  // Each worker takes the next target; every report slot is written by one thread only.
  std::atomic<size_t> next{0};
  std::atomic<int> started{0};  // targets this process has started (failpoint "before-target:N")
  std::atomic<bool> stop{false};
  auto work = [&] {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= urls.size()) return;
      TargetReport& slot = report.targets[i];
      if (stop || (request.run.interrupted && request.run.interrupted())) {
        slot.status = Status::Failed(stop ? "not started: --fail-fast after a failure"
                                          : "not started: interrupted");
        continue;
      }
      // An exception must not leave a worker thread (std::terminate): it fails this target, as
      // main() turns one into exit 2 for a single database.
      try {
        Failpoint(FailpointKind::kBeforeTarget, std::to_string(started.fetch_add(1) + 1));
        slot = RunTarget(per_target, urls[i], request, to);
      } catch (const std::exception& e) {
        slot.to = to;
        slot.outcome = TargetOutcome::kFailed;
        slot.status = Status::Failed(std::string("unexpected internal error: ") + e.what());
        spdlog::error("[{}] {}", slot.target, slot.status.message());
      }
      if (request.fail_fast && !Finished(slot)) stop = true;
    }
  };
  size_t n_workers = std::min(urls.size(), static_cast<size_t>(report.parallel));
  std::vector<std::thread> workers;
  for (size_t w = 1; w < n_workers; ++w) workers.emplace_back(work);
  work();  // this thread is a worker too
  for (auto& t : workers) t.join();

  if (!swap_first) {
    bool all_finished = std::all_of(report.targets.begin(), report.targets.end(), Finished);
    // The manifest's image, else the one recorded when the release was deployed on a target.
    std::string image;
    if (const Release* m = plan.FindRelease(to)) image = m->image;
    for (const auto& t : report.targets)
      if (image.empty()) image = t.image;
    size_t elsewhere = 0;  // targets of other shards not yet at `to`
    if (all_finished && !request.run.dry_run)
      elsewhere = NotYetAt(request.other_shards, to, request);
    if (!all_finished || elsewhere > 0) {
      report.image_action = "not swapped";
      report.image_to = image;
      auto current = deployer.Current();
      if (current.ok()) report.image_from = *current;
      if (all_finished)
        report.image_note = std::to_string(elsewhere) +
                            " target(s) of the other shards are not at " + to +
                            " yet: the shard that finishes last swaps it (a re-run of any "
                            "shard swaps it once they all are)";
    } else if (image.empty()) {
      report.image_action = "not swapped";
      report.image_status = Status::NeedsHuman(
          "no release manifest has version " + to +
          " and no target recorded its image: swap the environment's image by hand");
    } else if (request.shard.active()) {
      SwapUnderTheShardsLock(plan, env, deployer, request, urls, image, &report);
    } else {
      SwapOnce(plan, env, deployer, request, image, &report);
    }
  }
  report.seconds = SecondsSince(start);
  return report;
}

std::string RenderFleetText(const FleetReport& r) {
  std::vector<std::vector<std::string>> rows = {
      {"TARGET", "FROM", "TO", "OUTCOME", "STEPS", "DURATION"}};
  for (const auto& t : r.targets)
    rows.push_back({t.target, t.from.empty() ? "-" : t.from, t.to, Name(t.outcome),
                    std::to_string(t.steps_run), Seconds(t.seconds)});
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::ostringstream out;
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      out << row[c];
      if (c + 1 < row.size()) out << std::string(width[c] - row[c].size() + 2, ' ');
    }
    out << "\n";
  }
  int done = 0, planned = 0, idle = 0, failed = 0, human = 0, not_started = 0;
  for (const auto& t : r.targets) {
    if (t.outcome == TargetOutcome::kPlanned)
      ++planned;
    else if (t.outcome == TargetOutcome::kNothingToDo)
      ++idle;
    else if (t.outcome == TargetOutcome::kFailed)
      ++failed;
    else if (t.outcome == TargetOutcome::kNeedsHuman)
      ++human;
    else if (t.outcome == TargetOutcome::kNotStarted)
      ++not_started;
    else
      ++done;
  }
  out << "\nimage: " << r.image_action;
  if (!r.image_to.empty())
    out << " " << (r.image_from.empty() ? "(nothing)" : r.image_from) << " -> " << r.image_to;
  if (!r.image_note.empty())
    out << " (" << r.image_note << ")";
  else if (r.image_action == "not swapped" && r.image_status.ok())
    out << " (the image is swapped once every target is done)";
  out << "\n";
  out << r.kind << " to " << r.to_version << " on " << r.targets.size() << " target(s) of '"
      << r.environment << "' ";
  if (r.shard.active())
    out << "(shard " << r.shard.Label() << ": " << r.targets.size() << " of the fleet's "
        << r.fleet_size << "; ";
  else
    out << "(";
  out << r.parallel << " at a time, " << Seconds(r.seconds) << "): "
      << (planned > 0 ? std::to_string(planned) + " planned" : std::to_string(done) + " done")
      << ", " << idle << " nothing to do, " << failed << " failed, " << human << " need a human, "
      << not_started << " not started\n";
  if (planned > 0) out << "dry run: nothing was changed\n";
  bool any = false;
  for (const auto& t : r.targets) {
    if (Finished(t) || t.status.ok()) continue;
    if (!any) out << "\nnot done:\n";
    any = true;
    out << "  " << t.target << ": " << t.status.message() << "\n";
  }
  for (const auto& t : r.targets)
    for (const SchemaCheck& c : t.schema_drift) {
      out << "\n"
          << t.target << ": rolled back, schema differs from the recorded state of " << c.release
          << " (- recorded, + now):\n";
      for (const auto& line : c.differences) out << "  " << line << "\n";
    }
  if (!r.image_status.ok()) out << "\nimage: " << r.image_status.message() << "\n";
  if (any || !r.image_status.ok())
    out << "\nfix the cause and run the same command again: targets already at " << r.to_version
        << " report nothing to do, interrupted ones resume where they stopped.\n";
  return out.str();
}

// A name as JSON carries it: words joined by '-' ("nothing-to-do", "needs-a-human"), as the
// outcome of a single run's document.
std::string MachineName(std::string name) {
  std::replace(name.begin(), name.end(), ' ', '-');
  return name;
}

std::string RenderFleetJson(const FleetReport& r, int exit_code) {
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& t : r.targets) {
    nlohmann::json drift = nlohmann::json::array();
    for (const SchemaCheck& c : t.schema_drift)
      drift.push_back({{"release", c.release}, {"differences", c.differences}});
    targets.push_back({{"target", t.target},
                       {"from", t.from},
                       {"to", t.to},
                       {"outcome", MachineName(Name(t.outcome))},
                       {"steps_run", t.steps_run},
                       {"run_id", t.run_id},
                       {"seconds", t.seconds},
                       {"error", Finished(t) ? "" : t.status.message()},
                       {"schema_drift", drift}});
  }
  Status overall = r.Overall();
  bool dry_run = std::any_of(r.targets.begin(), r.targets.end(), [](const TargetReport& t) {
    return t.outcome == TargetOutcome::kPlanned;
  });
  nlohmann::json j = {
      {"kind", r.kind},
      {"dry_run", dry_run},
      {"environment", r.environment},
      {"to", r.to_version},
      {"parallel", r.parallel},
      {"shard", r.shard.active() ? nlohmann::json(r.shard.Label()) : nlohmann::json(nullptr)},
      {"fleet_size", r.fleet_size},
      {"seconds", r.seconds},
      {"targets", targets},
      {"image",
       {{"from", r.image_from},
        {"to", r.image_to},
        {"action", r.image_action},
        {"note", r.image_note},
        {"error", r.image_status.message()}}},
      {"outcome",
       MachineName(overall.ok() ? Name(dry_run ? TargetOutcome::kPlanned : TargetOutcome::kDone)
                                : CodeName(overall.code()))},
      {"exit_code", exit_code}};
  return JsonText(j, 2) + "\n";
}

}  // namespace orchestrate
