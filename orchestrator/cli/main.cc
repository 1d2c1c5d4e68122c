// The orchestrate command line. The only file that includes CLI11: it parses flags into the option
// structs of options.h and calls the subcommand's Run* function.
#include <CLI/CLI.hpp>

#include <iostream>

#include "migrations/database.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/options.h"
#include "plans/input_file.h"
#include "plans/manifest.h"

namespace {

using orchestrate::cli::GlobalOptions;

constexpr const char* kDescription =
    "orchestrate: roll back code, schema and data together.\n"
    "Reads a plan (plan.yaml) whose release manifests pair a container image with SQL migrations\n"
    "and seeds; deploys them and rolls them back in order, with a durable checkpoint after every\n"
    "step so an interrupted run resumes when the same command is run again.\n\n"
    "Exit codes: 0 done; 1 nothing to do or declined; 2 failed; 3 needs a human (locked,\n"
    "interrupted outside a transaction, drift, another unfinished run); 4 check: GO WITH\n"
    "WARNINGS; 5 rolled back, but the schema differs from the state recorded when the release\n"
    "was deployed; 64 usage error.";

// The options every command takes (and those of the commands that change something), named the
// same on the command and before it: `orchestrate --env prod rollback plan.yaml` and
// `orchestrate rollback plan.yaml --env prod` are the same command.
void AddGlobalOptions(CLI::App* cmd, GlobalOptions& g, bool changes) {
  cmd->add_option("--env", g.env, "environment of the plan to use (default: local, or the first)");
  cmd->add_option("--database", g.database,
                  "database URL overriding the environment's: sqlite:FILE, postgresql://..., or "
                  "libpq key=value");
  cmd->add_option("--output", g.output, "output format")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--log-format", g.log_format, "log format on stderr")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag(
      "-v,--verbose", [&g](int64_t n) { g.verbosity = static_cast<int>(n); }, "more log output");
  cmd->add_flag(
      "-q,--quiet", [&g](int64_t) { g.verbosity = -1; }, "warnings and errors only");
  if (changes) {
    cmd->add_flag("-y,--yes", g.yes, "do not ask for confirmation");
    cmd->add_option("--lock-timeout", g.lock_timeout,
                    "how long to wait for another run's lock, e.g. 30s, 2m (default: "
                    "policy.run_lock_timeout, 10s)");
    cmd->add_option("--actor", g.actor, "who is running this, for history (default: $USER)");
  }
}

void AddCommon(CLI::App* cmd, GlobalOptions& g, bool changes) {
  cmd->add_option("PLAN", g.plan_path, "the plan file (plan.yaml)")->required();
  AddGlobalOptions(cmd, g, changes);
}

// The command line as recorded in history and shown to whoever waits for the lock: each argument
// that is (or, as --name=VALUE, ends in) one of the connection strings `urls` given as options is
// redacted (RedactUrl). Other secrets are masked where the line leaves the process.
std::string RecordedCommandLine(int argc, char** argv, const std::vector<std::string>& urls) {
  std::string out;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    for (const std::string& url : urls) {
      if (url.empty()) continue;
      if (arg == url) {
        arg = orchestrate::RedactUrl(url);
      } else if (arg.size() > url.size() &&
                 arg.compare(arg.size() - url.size(), url.size(), url) == 0 &&
                 arg[arg.size() - url.size() - 1] == '=') {
        arg = arg.substr(0, arg.size() - url.size()) + orchestrate::RedactUrl(url);
      }
    }
    out += (i > 1 ? " " : "") + arg;
  }
  return out;
}

// Parses argv (argv[0] is the program) and runs the subcommand. `resume` runs again with the
// command stored with the unfinished run.
int RunCli(int argc, char** argv) {
  namespace cli = orchestrate::cli;
  CLI::App app{kDescription, "orchestrate"};
  app.set_version_flag("--version", "orchestrate 0.1.0");
  app.require_subcommand(1);
  app.footer(
      "Run `orchestrate COMMAND --help` for a command's options. The common options (--env, "
      "--database, --output, -q, -y, ...) may also come before the command.");

  GlobalOptions g;
  AddGlobalOptions(&app, g, true);
  cli::RunOptions run;
  cli::ForceOptions force;
  int history_limit = 0;
  bool plan_rollback = false;

  auto* deploy = app.add_subcommand(
      "deploy", "apply the releases up to --to (default: the newest): migrations, seeds, image");
  AddCommon(deploy, g, true);
  deploy->add_option("--to", run.target, "the release to deploy (default: the newest)");
  deploy->add_flag("--dry-run", run.dry_run, "show the plan and change nothing");
  deploy->add_option(
      "--approved", run.approved,
      "a script reviewed with `orchestrate sql` (or sha256:HASH; a fleet: the folder "
      "of its scripts): refuse (exit 3) to run anything else");

  auto* rollback = app.add_subcommand(
      "rollback",
      "roll back to --to (default: previous): swap the image back, undo seeds, run the down SQL "
      "stored at deploy time; exit 5 when a release reached has a schema other than the one "
      "recorded when it was deployed");
  AddCommon(rollback, g, true);
  rollback->add_option("--to", run.target, "a deployed release, or `previous` (the default)");
  rollback->add_option("--reason", run.reason, "why: recorded in history (policy may require it)");
  rollback->add_flag("--dry-run", run.dry_run, "show the plan and change nothing");
  rollback->add_flag("--allow-major", run.allow_major, "allow crossing a major version");
  rollback->add_flag("--accept-data-loss", run.accept_data_loss,
                     "roll back past irreversible migrations, leaving their changes in place");
  rollback->add_flag("--allow-outside-window", run.allow_outside_window,
                     "roll back to a release deployed longer ago than policy.window_days");
  rollback->add_option(
      "--approved", run.approved,
      "a script reviewed with `orchestrate sql` (or sha256:HASH; a fleet: the folder "
      "of its scripts): refuse (exit 3) to run anything else");
  for (auto* cmd : {deploy, rollback}) {
    cmd->add_option("--parallel", run.parallel, "a fleet: run on N targets at once (default 1)")
        ->check(CLI::Range(1, 256));
    cmd->add_flag("--fail-fast", run.fail_fast,
                  "a fleet: start no new target after one failed (running ones finish)");
  }

  auto* resume = app.add_subcommand(
      "resume",
      "finish the unfinished deploy or rollback of the environment (--env) with the command stored "
      "with it: its target, reason, approval and flags");
  AddCommon(resume, g, true);

  auto* plan = app.add_subcommand("plan", "show the ordered steps a deploy or rollback would run");
  AddCommon(plan, g, false);
  plan->add_option("--to", run.target,
                   "target release: newer plans a deploy; `previous` or an older deployed release "
                   "plans a rollback");
  plan->add_flag("--rollback", plan_rollback, "plan a rollback (to --to, default previous)");

  std::string sql_out;
  bool sql_rollback = false;
  auto* sql = app.add_subcommand(
      "sql", "the exact SQL a deploy or rollback would run, for review; prints its approval hash");
  AddCommon(sql, g, false);
  sql->add_option("--to", run.target,
                  "target release: newer renders a deploy; `previous` or an older deployed release "
                  "renders a rollback");
  sql->add_flag("--rollback", sql_rollback, "render a rollback (to --to, default previous)");
  sql->add_option("-o,--out", sql_out,
                  "write the script to FILE (default: stdout); a fleet: one file per target into "
                  "the folder DIR");

  auto* check = app.add_subcommand(
      "check", "can this rollback be done safely? GO (0), GO WITH WARNINGS (4), NO-GO (3)");
  AddCommon(check, g, false);
  check->add_option("--to", run.target, "a deployed release, or `previous` (the default)");
  check->add_flag("--allow-major", run.allow_major, "allow crossing a major version");
  check->add_flag("--accept-data-loss", run.accept_data_loss,
                  "judge irreversible migrations as left in place (a warning, not NO-GO)");
  check->add_flag("--allow-outside-window", run.allow_outside_window,
                  "judge a target older than policy.window_days as allowed (a warning)");
  check->add_option("--rehearsal", run.rehearsal,
                    "the rehearsal.json of `rehearse --each --report DIR`: warn for each down of "
                    "this rollback it found not to round-trip");

  cli::RehearseCommandOptions rehearse;
  auto* rehearsecmd = app.add_subcommand(
      "rehearse",
      "prove a rollback round-trips on a scratch database: deploy --from, fingerprint, deploy "
      "--to, roll back, compare, deploy again; exit 0 only when it does");
  AddCommon(rehearsecmd, g, false);
  rehearsecmd->add_option("--from", rehearse.from,
                          "the release to roll back to (default: the one before --to)");
  rehearsecmd->add_option("--to", rehearse.to, "the release to deploy (default: the newest)");
  rehearsecmd->add_flag("--each", rehearse.each,
                        "also run every migration up, down and compare on its own, going on "
                        "past a failing down; a verdict for each (clean, column order only, "
                        "drift, down error, ...) with totals");
  rehearsecmd->add_option("--report", rehearse.report_dir,
                          "write DIR/rehearsal.md, DIR/junit.xml and DIR/rehearsal.json (for "
                          "`check --rehearsal`)");
  rehearsecmd->add_option("--scratch", rehearse.scratch,
                          "use this (empty) database instead of creating one on the environment's "
                          "server (--each creates its own on this one's server)");

  auto* status = app.add_subcommand(
      "status", "deployed release, running image, pending releases, drift, unfinished run, lock");
  AddCommon(status, g, false);
  bool status_all_envs = false;
  status->add_flag("--all-envs", status_all_envs,
                   "every environment (and every database of a fleet): release, image, unfinished "
                   "run; exit 2 when one cannot be read");

  auto* history = app.add_subcommand("history", "deploys and rollbacks, newest first");
  AddCommon(history, g, false);
  history->add_option("-n,--limit", history_limit, "show only the newest N runs");

  auto* validate = app.add_subcommand(
      "validate", "check manifests, SQL files and environments without touching any database");
  AddCommon(validate, g, false);

  auto* forcecmd = app.add_subcommand(
      "force", "resolve what needs a human: release a lock, abandon a run, mark a step");
  AddCommon(forcecmd, g, true);
  forcecmd->add_flag("--unlock", force.unlock,
                     "release the run lock of a holder that is gone (refused while it is alive)");
  forcecmd->add_flag("--force-live", force.force_live,
                     "with --unlock: release it even though its holder is alive (that run stops "
                     "at its next commit)");
  forcecmd->add_flag("--abandon", force.abandon, "give up the unfinished run (done steps stay)");
  forcecmd->add_option("--step", force.step, "a step of the unfinished run")
      ->check(CLI::PositiveNumber);
  forcecmd->add_option("--mark", force.mark, "with --step: done or pending")
      ->check(CLI::IsMember({"done", "pending"}));

  cli::ImportCommandOptions import;
  auto* importcmd = app.add_subcommand(
      "import",
      "write a plan (plan.yaml + releases/) from another tool's migrations, referenced in place");
  importcmd
      ->add_option("FORMAT", import.format, "golang-migrate, flyway, sqitch, diesel, liquibase-sql")
      ->required();
  importcmd
      ->add_option("DIR", import.dir,
                   "the tool's migrations (or project) folder; liquibase-sql: or a changelog")
      ->required();
  importcmd->add_option("-o,--out", import.out, "the folder to write plan.yaml and releases/ to")
      ->required();
  importcmd->add_option("--group-by", import.group_by,
                        "releases of several migrations: tag (sqitch), prefix, or N per release "
                        "(default: one release per migration)");
  importcmd->add_option("--app", import.app, "the app name (default: sqitch %project, else DIR's)");
  importcmd->add_flag("--force", import.force, "replace an existing OUT/plan.yaml and releases");

  cli::SnapshotsOptions snaps;
  auto* snapshotscmd = app.add_subcommand(
      "snapshots", "the data rollbacks destroyed: list, restore ID (after a re-deploy), prune");
  AddCommon(snapshotscmd, g, true);
  snapshotscmd->add_option("ACTION", snaps.action, "list (the default), restore or prune")
      ->check(CLI::IsMember({"list", "restore", "prune"}));
  snapshotscmd->add_option("ID", snaps.id, "restore: the snapshot to put back (see list)");
  snapshotscmd->add_option("--older-than", snaps.older_than,
                           "prune: only snapshots older than this, e.g. 7d, 12h, 30m (default: "
                           "all)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 64;
  }

  // Text that history records and shows: refused rather than stored when it is not UTF-8 (JSON
  // output could not carry it as it is).
  for (const auto& [flag, value] :
       {std::pair<const char*, const std::string*>{"--reason", &run.reason}, {"--actor", &g.actor}})
    if (orchestrate::InvalidUtf8At(*value) != std::string::npos)
      return cli::Fail(orchestrate::Status::Usage(
          std::string(flag) + " is not valid UTF-8 text (byte " +
          std::to_string(orchestrate::InvalidUtf8At(*value) + 1) + "): give it as UTF-8"));

  // Recorded in history and shown to whoever waits for the lock: never with a password.
  g.command_line = RecordedCommandLine(argc, argv, {g.database, rehearse.scratch});
  if (!g.lock_timeout.empty() &&
      !orchestrate::ParseDuration(g.lock_timeout, &g.lock_timeout_seconds))
    return cli::Fail(orchestrate::Status::Usage("--lock-timeout " + g.lock_timeout +
                                                ": use a duration such as 30s, 500ms or 2m"));
  cli::SetUpLogging(g);

  if (resume->parsed()) {
    auto args = cli::ResumeArgs(g);
    if (!args.ok()) return cli::Fail(args.status());
    std::vector<char*> again;
    for (auto& a : *args) again.push_back(a.data());
    return RunCli(static_cast<int>(again.size()), again.data());
  }
  if (deploy->parsed()) return cli::CmdDeploy(g, run);
  if (rollback->parsed()) return cli::CmdRollback(g, run);
  if (plan->parsed()) return cli::CmdPlan(g, run, plan_rollback);
  if (sql->parsed()) return cli::CmdSql(g, run, sql_rollback, sql_out);
  if (check->parsed()) return cli::CmdCheck(g, run);
  if (status->parsed()) return status_all_envs ? cli::CmdStatusAllEnvs(g) : cli::CmdStatus(g);
  if (history->parsed()) return cli::CmdHistory(g, history_limit);
  if (validate->parsed()) return cli::CmdValidate(g);
  if (rehearsecmd->parsed()) return cli::CmdRehearse(g, rehearse);
  if (forcecmd->parsed()) return cli::CmdForce(g, force);
  if (snapshotscmd->parsed()) return cli::CmdSnapshots(g, snaps);
  if (importcmd->parsed()) {
    import.command_line = "orchestrate " + g.command_line;
    return cli::CmdImport(import);
  }
  return 64;
}

}  // namespace

// An exception that escaped a command (none should: errors are Status values) ends the run with
// exit 2 and a message, never with abort(): the stack unwinds, so RAII guards (the run lock,
// open transactions) are released as on any other failure.
int main(int argc, char** argv) {
  try {
    return RunCli(argc, argv);
  } catch (const std::bad_alloc&) {
    std::cerr << "orchestrate: error: out of memory (std::bad_alloc); nothing further was done"
              << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "orchestrate: error: unexpected internal error: " << e.what() << std::endl;
  } catch (...) {
    std::cerr << "orchestrate: error: unexpected internal error (unknown exception)" << std::endl;
  }
  return 2;
}
