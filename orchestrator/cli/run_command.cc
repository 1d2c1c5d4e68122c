#include "orchestrator/cli/run_command.h"
#include "plans/secrets.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#include <iostream>
#include <nlohmann/json.hpp>

#include "migrations/journal.h"
#include "orchestrator/check.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/json_output.h"
#include "orchestrator/executor.h"
#include "orchestrator/fleet.h"
#include "orchestrator/gates.h"
#include "plans/json_text.h"
#include "plans/render.h"

namespace orchestrate::cli {
namespace {

volatile std::sig_atomic_t g_signal = 0;

// The acknowledgement, written by the signal handler itself (write(2) is async-signal-safe), so
// it is on stderr the instant the signal arrives, whatever the other threads are doing. Prepared
// when the handlers are installed: on a terminal it starts on a new line (after the ^C echo or a
// progress bar); with --log-format json it is a JSON object whose time the handler fills in.
bool g_ack_json = false;
bool g_ack_newline = false;
volatile std::sig_atomic_t g_acknowledged = 0;

constexpr const char kAckText[] =
    ": cancelling the running statement; the step in progress is rolled back";

// Appends `text` to buf at *n (up to `cap`), without the library: only what a handler may call.
void Append(char* buf, size_t cap, size_t* n, const char* text) {
  for (; *text != '\0' && *n + 1 < cap; ++text) buf[(*n)++] = *text;
}
void AppendNumber(char* buf, size_t cap, size_t* n, long value, int width) {
  char digits[24];
  int len = 0;
  do {
    digits[len++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 && len < 20);
  while (len < width && len < 20) digits[len++] = '0';
  while (len > 0 && *n + 1 < cap) buf[(*n)++] = digits[--len];
}

// "2026-01-02T03:04:05.678Z" from the clock, by integer arithmetic only (days to a civil date:
// H. Hinnant's algorithm).
void AppendUtcNow(char* buf, size_t cap, size_t* n) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  const long secs = static_cast<long>(ts.tv_sec);
  long days = secs / 86400;
  const long rem = secs % 86400;
  days += 719468;
  const long era = days / 146097;
  const long doe = days - era * 146097;
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long mp = (5 * doy + 2) / 153;
  const long day = doy - (153 * mp + 2) / 5 + 1;
  const long month = mp < 10 ? mp + 3 : mp - 9;
  const long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  AppendNumber(buf, cap, n, year, 4);
  Append(buf, cap, n, "-");
  AppendNumber(buf, cap, n, month, 2);
  Append(buf, cap, n, "-");
  AppendNumber(buf, cap, n, day, 2);
  Append(buf, cap, n, "T");
  AppendNumber(buf, cap, n, rem / 3600, 2);
  Append(buf, cap, n, ":");
  AppendNumber(buf, cap, n, rem % 3600 / 60, 2);
  Append(buf, cap, n, ":");
  AppendNumber(buf, cap, n, rem % 60, 2);
  Append(buf, cap, n, ".");
  AppendNumber(buf, cap, n, ts.tv_nsec / 1000000, 3);
  Append(buf, cap, n, "Z");
}

extern "C" void OnSignal(int sig) {
  g_signal = sig;
  if (g_acknowledged) return;
  g_acknowledged = 1;
  const int saved_errno = errno;
  char buf[512];
  size_t n = 0;
  if (g_ack_json) {
    Append(buf, sizeof buf, &n, "{\"time\":\"");
    AppendUtcNow(buf, sizeof buf, &n);
    Append(buf, sizeof buf, &n, "\",\"level\":\"warning\",\"signal\":");
    AppendNumber(buf, sizeof buf, &n, sig, 1);
    Append(buf, sizeof buf, &n, ",\"msg\":\"orchestrate: stopping (signal ");
    AppendNumber(buf, sizeof buf, &n, sig, 1);
    Append(buf, sizeof buf, &n, ")");
    Append(buf, sizeof buf, &n, kAckText);
    Append(buf, sizeof buf, &n, "\"}\n");
  } else {
    if (g_ack_newline) Append(buf, sizeof buf, &n, "\n");
    Append(buf, sizeof buf, &n, "orchestrate: stopping (signal ");
    AppendNumber(buf, sizeof buf, &n, sig, 1);
    Append(buf, sizeof buf, &n, ")");
    Append(buf, sizeof buf, &n, kAckText);
    Append(buf, sizeof buf, &n, "\n");
  }
  ssize_t written = write(STDERR_FILENO, buf, n);
  (void)written;
  errno = saved_errno;
}

// SIGINT and SIGTERM stop the run at the next safe point: the step in progress is rolled back
// rather than left half done (see RunRequest::interrupted).
void InstallInterruptHandlers() {
  g_ack_json = JsonLogs();
  g_ack_newline = isatty(STDERR_FILENO) != 0;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

InterruptWatcher::InterruptWatcher(std::function<void()> on_interrupt)
    : thread_([this, on_interrupt] {
        bool told = false;  // the handler said so on stderr (OnSignal)
        std::unique_lock<std::mutex> lock(mu_);
        // A signal handler cannot wake a condition variable: the signal is looked at every
        // 50 ms (200 ms once told); the destructor wakes the thread at once.
        while (!cv_.wait_for(lock, std::chrono::milliseconds(told ? 200 : 50),
                             [this] { return done_; })) {
          if (g_signal == 0) continue;
          told = true;
          lock.unlock();
          on_interrupt();
          lock.lock();
        }
      }) {}

InterruptWatcher::~InterruptWatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::function<bool()> WatchInterrupts() {
  InstallInterruptHandlers();
  return [] { return g_signal != 0; };
}

GateRequest GatesOf(const RunOptions& o, Direction direction) {
  GateRequest r;
  r.direction = direction;
  r.target = o.target;
  r.reason = o.reason;
  r.dry_run = o.dry_run;
  r.allow_major = o.allow_major;
  r.accept_data_loss = o.accept_data_loss;
  r.allow_outside_window = o.allow_outside_window;
  return r;
}

int RunCommand(const GlobalOptions& g, const RunOptions& o, Direction direction) {
  if (g.database.empty()) {  // --database picks one database, fleet or not
    auto loaded = LoadContext(g);
    if (!loaded.ok()) return Fail(loaded.status());
    if (IsFleet(loaded->env)) return RunFleetCommand(g, o, direction, *loaded);
  }
  if (g.shard.active()) return Fail(ShardNeedsFleet(g));
  auto ctx = OpenContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  const bool rollback = direction == Direction::kRollback;
  GateRequest gates = GatesOf(o, direction);
  gates.invocation = InvocationFor(g, *ctx);
  if (Status reason = ReasonGate(ctx->plan, gates); !reason.ok()) return Fail(reason);

  // Who may: policy.permissions, before anything runs (a dry run changes nothing).
  auto granted_by = PermissionGate(ctx->plan, ctx->env.name, gates, *ctx->db);
  if (!granted_by.ok()) return Fail(granted_by.status());
  const std::string granted = *granted_by;

  // The gates of `orchestrate check`, for a new rollback (a resumed one passed them when it began).
  {
    CheckResult verdict;
    // Row counts only for a person confirming.
    Status gate = RollbackGate(ctx->plan, *ctx->db, *ctx->deployer, gates,
                               !g.yes && g.verbosity >= 0, &verdict);
    // -q keeps warnings: only a plain GO is left out.
    if (!verdict.reasons.empty() && (g.verbosity >= 0 || verdict.verdict != Verdict::kGo))
      LogVerdict(verdict);
    if (!gate.ok()) return Fail(gate);
  }

  RunRequest req;
  req.direction = direction;
  req.target = o.target;
  req.dry_run = o.dry_run;
  req.deployer_optional = o.dry_run;
  req.accept_data_loss = o.accept_data_loss;
  req.lock_timeout_seconds = ctx->lock_timeout_seconds;
  req.step_lock_timeout_seconds = ctx->plan.policy.lock_timeout_seconds;
  req.statement_timeout_seconds = ctx->plan.policy.statement_timeout_seconds;
  req.lock_retries = ctx->plan.policy.lock_retries;
  req.meta = {ActorName(g), HostName(),     static_cast<long>(getpid()),
              o.reason,     g.command_line, ctx->env.name};
  // History shows what allowed the run (the actor itself is free text, never a credential).
  if (!granted.empty()) req.meta.actor += " [allowed: " + granted + "]";
  // Stored with the run and repeated by every command it prints: what a resume must give again.
  req.invocation = InvocationFor(g, *ctx);
  auto& repeat = req.invocation.options;
  if (!o.reason.empty()) repeat.insert(repeat.end(), {"--reason", o.reason});
  if (!o.approved.empty()) repeat.insert(repeat.end(), {"--approved", o.approved});
  if (o.allow_major) repeat.push_back("--allow-major");
  if (o.accept_data_loss) repeat.push_back("--accept-data-loss");
  if (o.allow_outside_window) repeat.push_back("--allow-outside-window");
  // --approved: what runs must be exactly what was reviewed. Checked on the plan about to start,
  // inside the lock, so nothing can change between the check and the run.
  auto approval = ReadApproval(o.approved);
  if (!approval.ok()) return Fail(approval.status());
  approval->invocation = req.invocation;
  Status gate;
  req.confirm = [&](const RunPlan& plan) {
    // Parse errors and statements that cannot run in a transaction stop the run before it starts.
    gate = RunGate(plan, *ctx->db, ctx->plan.policy, *approval,
                   [&] { return RenderReviewScript(plan, ReviewContextOf(*ctx, o)); });
    if (!gate.ok()) return false;
    if (!approval->empty()) spdlog::info("the plan matches the approved SQL");
    // -q: warnings and errors only; the plan is not printed.
    if (g.output == OutputFormat::kText && g.verbosity >= 0)
      std::cout << RenderPlanText(plan) << std::flush;
    return Confirm(g, std::string(DirectionName(direction)) + " " + plan.app + " " +
                          (plan.from_version.empty() ? "(nothing)" : plan.from_version) + " -> " +
                          plan.to_version + " on " + ctx->db->DisplayUrl() + "?");
  };

  InstallInterruptHandlers();
  req.interrupted = [] { return g_signal != 0; };
  Executor executor(ctx->plan, *ctx->db, *ctx->deployer);
  // Ctrl-C / SIGTERM: said at once, and the running statement cancelled rather than waited for
  // (again every 200 ms, for a statement that started after the first request).
  InterruptWatcher watcher([&executor] { executor.CancelRunning(); });
  // A new run is checked when it is confirmed (above, under the lock). A resumed run is not
  // confirmed again and a dry run not at all, so those are checked here: the approval binds them as
  // much as a new run. (Recording the script costs a run: not twice for a new one.)
  bool check_now = !approval->empty() && o.dry_run;
  if (!approval->empty() && !o.dry_run) {
    auto unfinished = Journal(*ctx->db, NowIso8601).UnfinishedRun();
    if (!unfinished.ok()) return Fail(unfinished.status());
    check_now = unfinished->has_value();
  }
  if (check_now) {
    auto preview = executor.Preview(req);
    if (!preview.ok()) return Fail(preview.status());
    Status early = RunGate(*preview, *ctx->db, ctx->plan.policy, *approval,
                           [&] { return RenderReviewScript(*preview, ReviewContextOf(*ctx, o)); });
    if (!early.ok()) return Fail(early);
  }
  auto outcome = executor.Run(req);
  if (!gate.ok()) return Fail(gate);
  // Already there: a result (exit 0), said on stdout and as "outcome": "nothing-to-do".
  if (!outcome.ok() && outcome.status().code() == Code::kNothingToDo &&
      g.output == OutputFormat::kJson) {
    PrintJsonDocument({{"outcome", "nothing-to-do"},
                       {"exit_code", 0},
                       {"message", outcome.status().message()},
                       {"direction", DirectionName(direction)},
                       {"app", ctx->plan.app},
                       {"dry_run", o.dry_run}});
    return 0;
  }
  if (!outcome.ok()) return Fail(outcome.status());
  const RunOutcome& out = *outcome;
  if (g.output == OutputFormat::kJson) {
    nlohmann::json j = nlohmann::json::parse(RenderPlanJson(out.plan));
    j["run_id"] = out.run_id;
    j["resumed"] = out.resumed;
    j["dry_run"] = o.dry_run;
    j["steps_run"] = out.steps_run;
    j["outcome"] = o.dry_run ? "planned" : out.schema_drift.empty() ? "done" : "schema-differs";
    j["deployer_error"] = OrNull(MaskSecrets(out.plan.deployer_error));
    nlohmann::json drift = nlohmann::json::array();
    for (const SchemaCheck& c : out.schema_drift)
      drift.push_back({{"release", c.release}, {"differences", c.differences}});
    j["schema_drift"] = drift;
    if (!o.dry_run && out.plan.empty()) j["outcome"] = "nothing-to-do";
    j["exit_code"] = out.schema_drift.empty() ? 0 : kExitSchemaDiffers;
    PrintJsonDocument(j);
    return out.schema_drift.empty() ? 0 : kExitSchemaDiffers;
  }
  if (o.dry_run) {
    WarnUnreadableDeployer(out.plan);
    std::cout << RenderPlanText(out.plan) << "dry run: nothing was changed\n";
    return 0;
  }
  std::cout << (rollback ? "rolled back " : "deployed ") << out.plan.app << " "
            << (out.plan.from_version.empty() ? "(nothing)" : out.plan.from_version) << " -> "
            << out.plan.to_version << " (run " << out.run_id << ", "
            << (out.resumed ? "resumed, " : "") << out.steps_run << " steps run)\n";
  for (const auto& item : out.plan.not_rolled_back)
    spdlog::warn("not rolled back (do it by hand): {}", item);
  // The differences were reported as each release was reached; the outcome says it once more.
  for (const SchemaCheck& c : out.schema_drift) {
    std::cout << "rolled back, schema differs from the recorded state of " << Printable(c.release)
              << " (" << c.differences.size() << " line(s); - recorded, + now):\n";
    for (const auto& line : c.differences) std::cout << "  " << Printable(line) << "\n";
  }
  return out.schema_drift.empty() ? 0 : kExitSchemaDiffers;
}

int CmdDeploy(const GlobalOptions& g, const RunOptions& o) {
  return RunCommand(g, o, Direction::kDeploy);
}

}  // namespace orchestrate::cli

namespace orchestrate::cli {

int CmdRollback(const GlobalOptions& g, const RunOptions& o) {
  return RunCommand(g, o, Direction::kRollback);
}

}  // namespace orchestrate::cli
