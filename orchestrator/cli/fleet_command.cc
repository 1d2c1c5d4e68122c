// `orchestrate deploy|rollback PLAN --env FLEET [--parallel N] [--fail-fast]`: the same run on
// every database of a fleet environment (orchestrator/fleet.h), then one summary.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "orchestrator/cli/json_output.h"
#include "orchestrator/cli/run_command.h"
#include "orchestrator/fleet.h"
#include "orchestrator/permissions.h"
#include "orchestrator/verify.h"
#include "plans/manifest.h"
#include "plans/secrets.h"

namespace orchestrate::cli {

int RunFleetCommand(const GlobalOptions& g, const RunOptions& o, Direction direction,
                    Context& ctx) {
  GateRequest gates = GatesOf(o, direction);
  gates.invocation = InvocationFor(g, ctx);
  if (Status reason = ReasonGate(ctx.plan, gates); !reason.ok()) return Fail(reason);
  if (!o.approved.empty() && !std::filesystem::is_directory(o.approved))
    return Fail(Status::Usage(
        "a fleet is approved one script per target: --approved DIR, the folder that `" +
        RenderAgainCommand(gates.invocation, direction, o.target, "reviewed") +
        "` writes (here: reviewed/), not the file " + o.approved));
  // Given to libpq as a connection parameter for every target whose URL sets no password.
  auto password = PasswordOf(ctx.env);
  if (!password.ok()) return Fail(password.status());
  auto interrupted = WatchInterrupts();
  auto fleet = FleetTargets(ctx.env, interrupted);
  if (!fleet.ok()) return Fail(fleet.status());
  for (const std::string& url : *fleet)
    for (const std::string& secret : SecretsInUrl(url)) RegisterSecret(secret);
  // --shard I/N: this runner's slice only; the other shards' targets are read (never changed) to
  // decide whether this runner is the one that swaps the image last.
  std::vector<std::string> other_shards;
  const std::vector<std::string> slice = TargetsOfShard(*fleet, g.shard, &other_shards);
  const std::vector<std::string>* urls = &slice;
  auto inner = MakeDeployer(ctx.env.deployer, &ctx.plan.releases);
  if (!inner.ok()) return Fail(inner.status());
  // No single database answers a `version: {sql: ...}` check for a fleet: such a check fails,
  // saying so, rather than ask one target at random.
  auto deployer = WithVerification(std::move(inner).value(), ctx.env.verify, nullptr);

  // --approved DIR: every target has its approved script before anything runs on any (each is
  // compared with what would run under the target's lock, when it starts).
  if (!o.approved.empty()) {
    for (const std::string& url : *urls) {
      auto db = OpenDatabase(url, DirName(g.plan_path), *password);
      if (!db.ok()) return Fail(db.status());
      auto identity = (*db)->Identity();
      if (!identity.ok()) return Fail(identity.status());
      auto approved =
          ApprovedScriptFor(o.approved, *identity,
                            RenderAgainCommand(gates.invocation, direction, o.target, o.approved));
      if (!approved.ok())
        return Fail(approved.status().WithContext("target " + RedactUrl(url) +
                                                  " (nothing ran on any target)"));
    }
  }

  // policy.permissions, on every target before anything runs on any: a role is a database's own.
  std::string granted;
  if (!o.dry_run && PermissionRulesApply(ctx.plan, ctx.env.name, direction)) {
    for (const std::string& url : *urls) {
      auto db = OpenDatabase(url, DirName(g.plan_path), *password);
      if (!db.ok()) return Fail(db.status());
      auto permitted = PermissionGate(ctx.plan, ctx.env.name, gates, **db);
      if (!permitted.ok())
        return Fail(permitted.status().WithContext("target " + RedactUrl(url) +
                                                   " (nothing ran on any target)"));
      if (!permitted->empty() && granted.find(*permitted) == std::string::npos)
        granted += (granted.empty() ? "" : "; ") + *permitted;
    }
  }

  if (!o.dry_run) {
    if (g.output == OutputFormat::kText && isatty(STDIN_FILENO) && !g.yes) {
      std::cerr << "targets of environment '" << ctx.env.name << "'"
                << (g.shard.active() ? " in shard " + g.shard.Label() : "") << ":\n";
      for (const auto& u : *urls) std::cerr << "  " << RedactUrl(u) << "\n";
    }
    std::string to = o.target.empty() ? "the newest release" : o.target;
    if (!Confirm(g, std::string(DirectionName(direction)) + " " + ctx.plan.app + " to " + to +
                        " on " + std::to_string(urls->size()) + " target(s) of '" + ctx.env.name +
                        "'" +
                        (g.shard.active() ? " (shard " + g.shard.Label() + " of " +
                                                std::to_string(fleet->size()) + ")"
                                          : "") +
                        ", " + std::to_string(o.parallel) + " at a time?"))
      return Fail(Status::Declined("declined: nothing was changed"));
  }

  FleetRequest req;
  req.run.direction = direction;
  req.run.target = o.target;
  req.run.dry_run = o.dry_run;
  req.run.accept_data_loss = o.accept_data_loss;
  req.run.lock_timeout_seconds = ctx.lock_timeout_seconds;
  req.run.step_lock_timeout_seconds = ctx.plan.policy.lock_timeout_seconds;
  req.run.statement_timeout_seconds = ctx.plan.policy.statement_timeout_seconds;
  req.run.lock_retries = ctx.plan.policy.lock_retries;
  req.run.meta = {ActorName(g), HostName(),     static_cast<long>(getpid()),
                  o.reason,     g.command_line, ctx.env.name};
  if (!granted.empty()) req.run.meta.actor += " [allowed: " + granted + "]";
  req.run.interrupted = interrupted;
  req.parallel = o.parallel;
  req.fail_fast = o.fail_fast;
  req.gates = gates;
  req.open = [base = DirName(g.plan_path), pw = *password](const std::string& url) {
    return OpenDatabase(url, base, pw);
  };
  req.approved_dir = o.approved;
  req.environment = ctx.env.name;
  req.shard = g.shard;
  req.other_shards = std::move(other_shards);
  auto report = RunFleet(ctx.plan, ctx.env, *urls, *deployer, req);
  if (!report.ok()) return Fail(report.status());
  Status overall = report->Overall();
  int code = ExitCodeFor(overall);
  // Every target rolled back, one or more to a schema other than the one recorded: exit 5, as
  // for one database.
  if (code == 0 && !o.dry_run)
    for (const auto& t : report->targets)
      if (!t.schema_drift.empty()) code = kExitSchemaDiffers;
  if (g.output == OutputFormat::kJson)
    PrintJsonDocument(nlohmann::json::parse(RenderFleetJson(*report, code)));
  else
    std::cout << RenderFleetText(*report);
  return code;
}

}  // namespace orchestrate::cli
