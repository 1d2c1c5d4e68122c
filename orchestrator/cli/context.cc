#include "orchestrator/cli/context.h"

#include <pwd.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "plans/manifest.h"

namespace orchestrate::cli {
namespace {

std::string DirOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<Context> LoadContext(const GlobalOptions& g) {
  auto plan = LoadPlan(g.plan_path, EnvironmentLookup());
  if (!plan.ok()) return plan.status();
  Context ctx;
  ctx.plan = std::move(plan).value();
  std::string name = g.env.empty() ? ctx.plan.default_environment : g.env;
  auto it = ctx.plan.environments.find(name);
  if (it == ctx.plan.environments.end()) {
    std::string known;
    for (const auto& kv : ctx.plan.environments) known += (known.empty() ? "" : ", ") + kv.first;
    return Status::Usage("unknown environment '" + name + "' (" + g.plan_path +
                         " declares: " + known + ")");
  }
  ctx.env = it->second;
  if (!g.database.empty()) ctx.env.database = g.database;
  ctx.lock_timeout_seconds =
      g.lock_timeout_seconds >= 0 ? g.lock_timeout_seconds : ctx.plan.policy.lock_timeout_seconds;
  return ctx;
}

Result<Context> OpenContext(const GlobalOptions& g) {
  auto ctx = LoadContext(g);
  if (!ctx.ok()) return ctx;
  // Relative SQLite paths are relative to the plan's folder, so a plan works from any directory.
  auto db = OpenDatabase(ctx->env.database, DirOf(g.plan_path));
  if (!db.ok()) return db.status().WithContext("environment '" + ctx->env.name + "'");
  ctx->db = std::move(db).value();
  auto deployer = MakeDeployer(ctx->env.deployer);
  if (!deployer.ok()) return deployer.status();
  ctx->deployer = std::move(deployer).value();
  return ctx;
}

int ExitCodeFor(const Status& st) {
  switch (st.code()) {
    case Code::kOk: return 0;
    case Code::kNothingToDo:
    case Code::kDeclined: return 1;
    case Code::kInvalid:
    case Code::kFailed: return 2;
    case Code::kNeedsHuman: return 3;
    case Code::kUsage: return 64;
  }
  return 2;
}

int Fail(const Status& st) {
  const char* label = "error";
  if (st.code() == Code::kNothingToDo || st.code() == Code::kDeclined) label = "note";
  if (st.code() == Code::kNeedsHuman) label = "needs a human";
  std::cerr << "orchestrate: " << label << ": " << st.message() << std::endl;
  return ExitCodeFor(st);
}

void SetUpLogging(const GlobalOptions& g) {
  auto logger = spdlog::stderr_color_st("orchestrate");
  if (g.log_format == "json")
    logger->set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%v"})", spdlog::pattern_time_type::utc);
  else
    logger->set_pattern("%^%l%$: %v");
  logger->set_level(g.verbosity < 0   ? spdlog::level::warn
                    : g.verbosity > 0 ? spdlog::level::debug
                                      : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

std::string ActorName(const GlobalOptions& g) {
  if (!g.actor.empty()) return g.actor;
  if (const char* u = std::getenv("USER"); u && *u) return u;
  if (passwd* pw = getpwuid(getuid())) return pw->pw_name;
  return "uid " + std::to_string(getuid());
}

std::string HostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

bool Confirm(const GlobalOptions& g, const std::string& question) {
  if (g.yes || !isatty(STDIN_FILENO)) return true;
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
}

}  // namespace orchestrate::cli
