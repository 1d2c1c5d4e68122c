// `orchestrate resume PLAN [--env E]`: the unfinished run of the environment, finished with the
// command stored with it (orchestrator/command_line.h).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "migrations/journal.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/executor.h"

namespace orchestrate::cli {

Result<std::vector<std::string>> ResumeArgs(const GlobalOptions& g) {
  auto ctx = OpenContext(g);
  if (!ctx.ok()) return ctx.status();
  Journal journal(*ctx->db, NowIso8601);
  auto unfinished = journal.UnfinishedRun();
  if (!unfinished.ok()) return unfinished.status();
  if (!*unfinished)
    return Status::NothingToDo("nothing to resume: no unfinished run in environment " +
                               ctx->env.name + " (" + ctx->db->DisplayUrl() + ")");
  const RunRecord& run = **unfinished;
  const std::string command = ResumeCommand(run, ctx->plan.file);
  auto argv = ShellSplit(command);
  if (!argv.ok())
    return argv.status().WithContext("the command stored with run " + std::to_string(run.id));
  // The database: this invocation's --database wins; a stored one without its password cannot run.
  auto db = std::find(argv->begin(), argv->end(), "--database");
  if (db != argv->end() && db + 1 != argv->end()) {
    if (!g.database.empty())
      *(db + 1) = g.database;
    else if ((db + 1)->find("***") != std::string::npos)
      return Status::Usage("run " + std::to_string(run.id) + " was started with --database " +
                           *(db + 1) + ": give --database again with its password");
  } else if (!g.database.empty()) {
    argv->insert(argv->begin() + 3, {"--database", g.database});
  }
  if (g.yes) argv->push_back("--yes");
  if (g.verbosity < 0) argv->push_back("-q");
  for (int i = 0; i < g.verbosity; ++i) argv->push_back("-v");
  if (g.output != OutputFormat::kText) argv->insert(argv->end(), {"--output", Name(g.output)});
  if (g.log_format != OutputFormat::kText)
    argv->insert(argv->end(), {"--log-format", Name(g.log_format)});
  if (!g.lock_timeout.empty()) argv->insert(argv->end(), {"--lock-timeout", g.lock_timeout});
  spdlog::info("resuming run {} ({} {} -> {}, started {} by {}): {}", run.id, run.kind,
               run.from_version.empty() ? "(nothing)" : run.from_version, run.to_version,
               run.started_at, run.actor, command);
  return argv;
}

}  // namespace orchestrate::cli
