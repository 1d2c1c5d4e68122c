// Parsed command-line options, shared by main.cc (which owns CLI11) and the subcommand files
// (which never include CLI11: it is slow to compile).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/shard.h"
#include "plans/status.h"

namespace orchestrate::cli {

// --output and --log-format: text for people, json for programs.
enum class OutputFormat { kText, kJson };
const char* Name(OutputFormat format);                                    // "text", "json"
std::optional<OutputFormat> OutputFormatFromName(std::string_view name);  // nullopt: unknown

struct GlobalOptions {
  std::string command;  // the subcommand: "rollback", "status", ...
  std::string plan_path;
  std::string env;                                // empty: the plan's default environment
  std::string database;                           // overrides the environment's database URL
  OutputFormat output = OutputFormat::kText;      // --output
  OutputFormat log_format = OutputFormat::kText;  // --log-format
  int verbosity = 0;                              // -1 quiet, 0 normal, 1+ verbose
  bool yes = false;
  std::string lock_timeout;          // --lock-timeout as given
  double lock_timeout_seconds = -1;  // <0: the plan's policy
  std::string actor;                 // empty: the login name
  std::string command_line;          // for the journal: "rollback --to 1.0.0"
  // --shard I/N (deploy, rollback, plan, status --all-envs): one slice of a fleet
  // (orchestrator/shard.h); inactive when not given.
  std::string shard_text;
  Shard shard;
};

struct RunOptions {
  std::string target;  // --to
  std::string reason;
  bool dry_run = false;
  std::string approved;  // a reviewed script file, or "sha256:<hex>"
  bool allow_major = false;
  bool accept_data_loss = false;
  bool allow_outside_window = false;
  std::string rehearsal;   // check: a rehearsal.json of `rehearse --each` (check --rehearsal)
  int parallel = 1;        // a fleet: targets run at once
  bool fail_fast = false;  // a fleet: start no new target after a failure
};

struct ForceOptions {
  bool unlock = false;
  bool force_live = false;  // --unlock also when the holder is alive
  bool abandon = false;
  int step = 0;
  int statement = 0;  // with --step: a statement of a step run statement by statement (1-based)
  std::string mark;   // done | pending
};

struct RehearseCommandOptions {
  std::string from, to, report_dir, scratch;
  bool each = false;
};

// `orchestrate import` takes no PLAN: it writes one (see orchestrator/importers/importers.h).
struct ImportCommandOptions {
  std::string format, dir, out, group_by, app, dialect;
  bool force = false;
  std::string command_line;
};

struct SnapshotsOptions {
  std::string action = "list";  // list | restore | prune
  std::string id;               // restore: the snapshot
  std::string older_than;       // prune: "7d", "12h", ...; empty: all
};

// Each returns the process exit code (DESIGN.md: 0 done or nothing to do, 1 declined, 2 failed,
// 3 needs a human, 64 usage).
int CmdRehearse(const GlobalOptions& g, const RehearseCommandOptions& o);
int CmdDeploy(const GlobalOptions& g, const RunOptions& o);
int CmdRollback(const GlobalOptions& g, const RunOptions& o);
int CmdPlan(const GlobalOptions& g, const RunOptions& o, bool rollback);
int CmdSql(const GlobalOptions& g, const RunOptions& o, bool rollback, const std::string& out,
           const std::string& html = "");
int CmdStatus(const GlobalOptions& g);
int CmdStatusAllEnvs(const GlobalOptions& g);  // status --all-envs (status_all.cc)
int CmdCheck(const GlobalOptions& g, const RunOptions& o);
int CmdHistory(const GlobalOptions& g, int limit);
// `strict`: warnings (an empty down for a non-empty up) are errors too.
int CmdValidate(const GlobalOptions& g, bool strict);
int CmdForce(const GlobalOptions& g, const ForceOptions& o);
int CmdSnapshots(const GlobalOptions& g, const SnapshotsOptions& o);
int CmdImport(const ImportCommandOptions& o);
// `orchestrate resume`: the argv (argv[0] "orchestrate") that finishes the unfinished run of the
// environment, from the command stored with it, with this invocation's plan file, --database,
// --yes and output options. kNothingToDo when there is none; kUsage when the stored command needs
// a --database password that only the person can give again.
Result<std::vector<std::string>> ResumeArgs(const GlobalOptions& g);

}  // namespace orchestrate::cli
