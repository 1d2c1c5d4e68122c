// `orchestrate plan PLAN [--to V]`: the ordered steps, changing nothing. The direction follows from
// the target: "previous", "none" or an already deployed older release means a rollback, anything
// else a deploy.
#include <spdlog/spdlog.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "migrations/journal.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/json_output.h"
#include "orchestrator/cli/run_command.h"
#include "orchestrator/executor.h"
#include "orchestrator/fleet.h"
#include "plans/json_text.h"
#include "plans/render.h"
#include "plans/secrets.h"
#include "snapshot/snapshot.h"

namespace orchestrate::cli {

Result<RunPlan> PreviewPlan(Context& ctx, const RunOptions& o, bool rollback,
                            bool deployer_optional) {
  Journal journal(*ctx.db, NowIso8601);
  auto state = journal.LoadState();
  if (!state.ok()) return state.status();
  if (!rollback && !o.target.empty()) {
    rollback = o.target == kPreviousTarget || o.target == kRollbackToNothing;
    for (const auto& r : state->releases)
      if (r.version == o.target && state->current_version() != o.target) rollback = true;
  }
  RunRequest req;
  req.direction = rollback ? Direction::kRollback : Direction::kDeploy;
  req.target = o.target;
  req.deployer_optional = deployer_optional;
  Executor executor(ctx.plan, *ctx.db, *ctx.deployer);
  return executor.Preview(req);
}

void WarnUnreadableDeployer(const RunPlan& plan) {
  if (plan.deployer_error.empty()) return;
  spdlog::warn(
      "the running image could not be read ({}); the image swaps start from the image recorded "
      "for the current release",
      MaskSecrets(plan.deployer_error));
}

namespace {

// `plan --env FLEET --shard I/N`: the targets of the slice, in the fleet's order.
int PlanShard(const GlobalOptions& g, const Context& ctx) {
  auto fleet = FleetTargets(ctx.env, WatchInterrupts());
  if (!fleet.ok()) return Fail(fleet.status());
  for (const std::string& url : *fleet)
    for (const std::string& secret : SecretsInUrl(url)) RegisterSecret(secret);
  const std::vector<std::string> slice = TargetsOfShard(*fleet, g.shard);
  if (g.output == OutputFormat::kJson) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& url : slice) targets.push_back(RedactUrl(url));
    std::cout << JsonText({{"environment", ctx.env.name},
                           {"shard", g.shard.Label()},
                           {"fleet_size", fleet->size()},
                           {"targets", targets}},
                          2)
              << "\n";
    return 0;
  }
  std::cout << "shard " << g.shard.Label() << " of environment '" << Printable(ctx.env.name)
            << "': " << slice.size() << " of its " << fleet->size()
            << " target(s), which `deploy`/`rollback --shard " << g.shard.Label()
            << "` runs on (`plan --database URL` shows one's steps):\n";
  for (const auto& url : slice) std::cout << "  " << Printable(RedactUrl(url)) << "\n";
  return 0;
}

}  // namespace

int CmdPlan(const GlobalOptions& g, const RunOptions& o, bool rollback) {
  if (g.shard.active()) {
    if (!g.database.empty()) return Fail(ShardNeedsFleet(g));
    auto loaded = LoadContext(g);
    if (!loaded.ok()) return Fail(loaded.status());
    if (!IsFleet(loaded->env)) return Fail(ShardNeedsFleet(g));
    return PlanShard(g, *loaded);
  }
  auto ctx = OpenContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  auto plan = PreviewPlan(*ctx, o, rollback, /*deployer_optional=*/true);
  if (!plan.ok()) return Fail(plan.status());
  WarnUnreadableDeployer(*plan);
  // What the image swap runs and how it is verified: not part of the plan's fingerprint (the
  // deployer can change without the plan changing), so shown beside it.
  nlohmann::json swaps = nlohmann::json::array();
  std::string text;
  for (size_t i = 0; i < plan->steps.size(); ++i) {
    const Step& s = plan->steps[i];
    if (s.kind != StepKind::kSwapImage) continue;
    SwapContext swap = SwapContextFor(ctx->plan, s.image_from, s.image_to, s.release,
                                      DirectionName(plan->direction), ctx->env.name, o.reason);
    auto actions = ctx->deployer->SwapActions(swap);
    swaps.push_back({{"step", i + 1}, {"actions", actions}});
    text +=
        "image swap (step " + std::to_string(i + 1) + ") by " + ctx->deployer->Describe() + ":\n";
    for (const auto& a : actions) text += "  " + a + "\n";
  }
  auto checks = ctx->deployer->VerifyActions();
  if (!swaps.empty()) {
    if (checks.empty())
      text += "verify: none (environment " + ctx->env.name + " declares no verify: checks)\n";
    for (const auto& c : checks) text += "verify: " + c + "\n";
  }
  // What the snapshots will copy before destructive steps, sized from the database now.
  nlohmann::json captures = nlohmann::json::array();
  auto planned = EstimatePlan(*ctx->db, ctx->plan.policy, *plan);
  if (!planned.ok()) return Fail(planned.status().WithContext("estimating snapshots"));
  for (const PlannedSnapshot& p : *planned) {
    text += "snapshot before step " + std::to_string(p.step) + ": " + DescribeEstimate(p.estimate) +
            "\n";
    captures.push_back({{"step", p.step},
                        {"table", p.estimate.table},
                        {"kind", Name(p.estimate.kind)},
                        {"columns", p.estimate.columns},
                        {"rows", p.estimate.rows},
                        {"bytes", p.estimate.bytes},
                        {"description", p.estimate.description}});
  }
  if (g.output == OutputFormat::kJson) {
    nlohmann::json j = nlohmann::json::parse(RenderPlanJson(*plan));
    j["image_swaps"] = swaps;
    j["verify"] = checks;
    j["snapshots"] = captures;
    j["deployer_error"] = OrNull(MaskSecrets(plan->deployer_error));
    PrintJsonDocument(j);
  } else {
    std::cout << RenderPlanText(*plan) << text;
  }
  return 0;
}

}  // namespace orchestrate::cli
