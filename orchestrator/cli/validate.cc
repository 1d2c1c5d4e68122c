// `orchestrate validate PLAN`: manifests, files and environments checked without touching any
// database.
#include <iostream>

#include "migrations/analysis/analysis.h"
#include "orchestrator/cli/context.h"

namespace orchestrate::cli {
namespace {

// Parses every SQL file in the environment's dialect: syntax errors, and statements that cannot
// run in a transaction inside a migration that does, as "file:line:col: ..." lines.
std::vector<std::string> AnalyzeFiles(const Plan& plan, Dialect dialect) {
  std::vector<std::string> out;
  auto check = [&](const SqlFile& f, const std::string& what, bool transactional) {
    if (!f.present) return;
    ScriptAnalysis a = AnalyzeScript(dialect, f.text);
    if (!a.ok) {
      out.push_back(f.path + ":" + std::to_string(a.error_line) + ":" +
                    std::to_string(a.error_column) + ": " + what + ": " + a.error);
      return;
    }
    if (!transactional) return;
    for (const auto& st : a.statements)
      if (st.needs_no_transaction)
        out.push_back(f.path + ":" + std::to_string(st.line) + ":1: " + what + ": " + st.kind +
                      " cannot run inside a transaction: mark the migration transactional: false");
  };
  for (const auto& rel : plan.releases) {
    for (const auto& m : rel.migrations) {
      check(m.up, "migration " + m.id + " (up)", m.transactional);
      if (!m.irreversible) check(m.down, "migration " + m.id + " (down)", m.transactional);
    }
    for (const auto& s : rel.seeds) {
      check(s.sql, "seed " + s.id, true);
      if (s.undo) check(*s.undo, "seed " + s.id + " (undo)", true);
    }
  }
  return out;
}

}  // namespace

int CmdValidate(const GlobalOptions& g) {
  auto ctx = LoadContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  const Plan& plan = ctx->plan;
  auto missing = plan.MissingFiles();
  Dialect dialect =
      ctx->env.database.rfind("sqlite:", 0) == 0 ? Dialect::kSqlite : Dialect::kPostgres;
  for (auto& problem : AnalyzeFiles(plan, dialect)) missing.push_back(std::move(problem));
  // Building a deployer runs nothing, but checks what the parser cannot (command placeholders).
  for (const auto& [name, env] : plan.environments) {
    auto deployer = MakeDeployer(env.deployer, &plan.releases);
    if (!deployer.ok()) missing.push_back(deployer.status().message());
  }
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
