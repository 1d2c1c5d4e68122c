// `orchestrate validate PLAN`: manifests, files and environments checked without touching any
// database.
#include <iostream>

#include "orchestrator/cli/context.h"

namespace orchestrate::cli {

int CmdValidate(const GlobalOptions& g) {
  auto ctx = LoadContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  const Plan& plan = ctx->plan;
  auto missing = plan.MissingFiles();
  if (!missing.empty()) {
    std::string msg;
    for (const auto& m : missing) msg += (msg.empty() ? "" : "\n") + m;
    return Fail(Status::Invalid(msg));
  }
  size_t migrations = 0, seeds = 0;
  for (const auto& r : plan.releases) {
    migrations += r.migrations.size();
    seeds += r.seeds.size();
  }
  std::cout << plan.file << ": ok: app " << plan.app << ", " << plan.releases.size()
            << " releases (" << plan.releases.front().version << " .. "
            << plan.releases.back().version << ", ordered "
            << (plan.versions_are_semver ? "by semantic version" : "as listed") << "), "
            << migrations << " migrations, " << seeds << " seeds, " << plan.environments.size()
            << " environments (default " << plan.default_environment << ")\n";
  return 0;
}

}  // namespace orchestrate::cli
