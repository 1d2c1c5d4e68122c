// `orchestrate sql PLAN [--to V] [-o FILE]`: the exact SQL a deploy or rollback would run, for a
// DBA to review; its approval hash goes to stderr. Changes nothing. On a fleet: `-o DIR`, one
// script per target.
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "migrations/journal.h"
#include "orchestrator/cli/json_output.h"
#include "orchestrator/cli/run_command.h"
#include "orchestrator/fleet.h"
#include "orchestrator/html_report.h"
#include "plans/manifest.h"
#include "plans/secrets.h"

namespace orchestrate::cli {

ReviewContext ReviewContextOf(const Context& ctx, const RunOptions& o) {
  ReviewContext rc;
  rc.plan = &ctx.plan;
  rc.environment = ctx.env.name;
  rc.dialect = ctx.db->Kind();
  rc.deployer = ctx.deployer->Describe();
  rc.swapper = ctx.deployer.get();
  rc.estimate = ctx.db.get();
  rc.accept_data_loss = o.accept_data_loss;
  return rc;
}

namespace {

// "03-shop_eu.sql": the target's place in the fleet and its database's name, for people (the
// approval finds a target's script by the database line of its header, not by this name).
std::string FileNameOf(size_t index, const std::string& url) {
  std::string name = RedactUrl(url);
  const size_t q = name.find('?');
  if (q != std::string::npos) name.resize(q);
  const size_t slash = name.find_last_of("/:= ");
  if (slash != std::string::npos) name = name.substr(slash + 1);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  std::string number = std::to_string(index + 1);
  if (number.size() < 2) number = "0" + number;
  return number + "-" + (name.empty() ? std::string("target") : name) + ".sql";
}

// `sql` on a fleet: one script per target into the folder `out`, each as the fleet runs there
// (RenderFleetTargetScript). A rollback names its version (targets may be at different releases).
int CmdSqlFleet(const GlobalOptions& g, const RunOptions& o, bool rollback, const std::string& out,
                Context& ctx) {
  if (out.empty() || out == "-")
    return Fail(Status::Usage("environment '" + ctx.env.name +
                              "' is a fleet: its scripts go to a folder, one per target: -o DIR"));
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  nlohmann::json scripts = nlohmann::json::array();
  if (ec) return Fail(Status::Failed("cannot create " + out + ": " + ec.message()));
  auto password = PasswordOf(ctx.env);
  if (!password.ok()) return Fail(password.status());
  auto urls = FleetTargets(ctx.env, WatchInterrupts());
  if (!urls.ok()) return Fail(urls.status());
  for (const std::string& url : *urls)
    for (const std::string& secret : SecretsInUrl(url)) RegisterSecret(secret);
  for (size_t i = 0; i < urls->size(); ++i) {
    const std::string& url = (*urls)[i];
    auto db = OpenDatabase(url, DirName(g.plan_path), *password);
    if (!db.ok()) return Fail(db.status().WithContext("target " + RedactUrl(url)));
    if (Status st = (*db)->Unsupported(DatabaseFeature::kReviewScript); !st.ok())
      return Fail(st.WithContext("target " + RedactUrl(url)));
    auto state = Journal(**db, NowIso8601).LoadState();
    if (!state.ok()) return Fail(state.status().WithContext("target " + RedactUrl(url)));
    // As PreviewPlan decides for one database: an older deployed release is a rollback.
    const auto current = state->current_version();
    bool back = rollback || (!o.target.empty() && current &&
                             ctx.plan.IndexOf(o.target) < ctx.plan.IndexOf(*current));
    std::string to = o.target;
    if (to.empty() && back)
      return Fail(Status::Usage("a fleet rollback names its version: --to VERSION"));
    if (to.empty()) to = ctx.plan.releases.back().version;
    auto script = RenderFleetTargetScript(ctx.plan, ctx.env.name, **db,
                                          back ? Direction::kRollback : Direction::kDeploy, to,
                                          o.accept_data_loss);
    if (!script.ok()) return Fail(script.status().WithContext("target " + RedactUrl(url)));
    const std::string path = out + "/" + FileNameOf(i, url);
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << *script;
    f.close();
    if (!f) return Fail(Status::Failed("cannot write " + path));
    const std::string hash = ApprovalHash(*script);
    scripts.push_back({{"file", path},
                       {"approval", hash},
                       {"database", RedactUrl(url)},
                       {"direction", back ? "rollback" : "deploy"},
                       {"from", OrNull(current.value_or(""))},
                       {"to", to}});
    if (g.output != OutputFormat::kJson)
      StderrLine("info",
                 path + ": approval " + hash + " (" + (back ? "rollback " : "deploy ") +
                     (current ? *current : "(nothing)") + " -> " + to + ", " + RedactUrl(url) + ")",
                 {{"file", path}, {"approval", hash}});
  }
  if (g.output == OutputFormat::kJson)
    PrintJsonDocument({{"app", ctx.plan.app},
                       {"environment", ctx.env.name},
                       {"fleet", true},
                       {"out", out},
                       {"scripts", scripts}});
  return 0;
}

}  // namespace

int CmdSql(const GlobalOptions& g, const RunOptions& o, bool rollback, const std::string& out,
           const std::string& html) {
  if (g.database.empty()) {  // --database picks one database, fleet or not
    auto loaded = LoadContext(g);
    if (!loaded.ok()) return Fail(loaded.status());
    if (IsFleet(loaded->env)) {
      if (!html.empty())
        return Fail(
            Status::Usage("--html renders one database's review, not a fleet's: pass "
                          "--database URL"));
      return CmdSqlFleet(g, o, rollback, out, *loaded);
    }
  }
  auto ctx = OpenContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  if (Status st = ctx->db->Unsupported(DatabaseFeature::kReviewScript); !st.ok())
    return Fail(st.WithContext("sql"));
  auto plan = PreviewPlan(*ctx, o, rollback);
  if (!plan.ok()) return Fail(plan.status());
  auto script = RenderReviewScript(*plan, ReviewContextOf(*ctx, o));
  if (!script.ok()) return Fail(script.status());
  const bool to_stdout = out.empty() || out == "-";
  if (to_stdout && g.output != OutputFormat::kJson) {
    std::cout << *script;
  } else if (!to_stdout) {
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    f << *script;
    f.close();
    if (!f) return Fail(Status::Failed("cannot write " + out));
  }
  if (!html.empty()) {
    std::ofstream f(html, std::ios::binary | std::ios::trunc);
    f << ReviewHtml(*plan, *script);
    f.close();
    if (!f) return Fail(Status::Failed("cannot write " + html));
  }
  const std::string hash = ApprovalHash(*script);
  if (g.output == OutputFormat::kJson) {
    // The script itself is in the document when it went nowhere else.
    PrintJsonDocument({{"app", plan->app},
                       {"environment", ctx->env.name},
                       {"fleet", false},
                       {"direction", DirectionName(plan->direction)},
                       {"from", OrNull(plan->from_version)},
                       {"to", plan->to_version},
                       {"steps", plan->steps.size()},
                       {"fingerprint", plan->fingerprint},
                       {"approval", hash},
                       {"out", to_stdout ? nlohmann::json(nullptr) : nlohmann::json(out)},
                       {"script", to_stdout ? nlohmann::json(*script) : nlohmann::json(nullptr)}});
    return 0;
  }
  StderrLine("info",
             "approval " + hash + " (" + std::to_string(plan->steps.size()) + " steps, " +
                 DirectionName(plan->direction) + " " + plan->app + " " +
                 (plan->from_version.empty() ? "(nothing)" : plan->from_version) + " -> " +
                 plan->to_version + ")",
             {{"approval", hash}});
  return 0;
}

}  // namespace orchestrate::cli
