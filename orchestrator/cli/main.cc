// The orchestrate command line. With cli/completion.cc the only files that include CLI11: it
// parses flags into the option structs of options.h and calls the subcommand's Cmd* function.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

#include "migrations/database.h"
#include "orchestrator/cli/completion.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/options.h"
#include "plans/input_file.h"
#include "plans/manifest.h"

namespace {

using orchestrate::cli::GlobalOptions;
using orchestrate::cli::OutputFormat;
using orchestrate::cli::OutputFormatFromName;

constexpr const char* kVersion = "0.1.0";

constexpr const char* kDescription =
    "orchestrate: roll back code, schema and data together.\n"
    "Reads a plan (plan.yaml) whose release manifests pair a container image with SQL migrations\n"
    "and seeds; deploys them and rolls them back in order, with a durable checkpoint after every\n"
    "step so an interrupted run resumes when the same command is run again.\n\n"
    "Exit codes: 0 done, or nothing to do; 1 declined; 2 failed; 3 needs a human (locked,\n"
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
  // Checked by name first, so that the callbacks only see a name OutputFormatFromName knows.
  cmd->add_option_function<std::string>(
         "--output", [&g](const std::string& v) { g.output = *OutputFormatFromName(v); },
         "output format")
      ->check(CLI::IsMember(
          std::vector<std::string>{Name(OutputFormat::kText), Name(OutputFormat::kJson)}));
  cmd->add_option_function<std::string>(
         "--log-format", [&g](const std::string& v) { g.log_format = *OutputFormatFromName(v); },
         "log format on stderr")
      ->check(CLI::IsMember(
          std::vector<std::string>{Name(OutputFormat::kText), Name(OutputFormat::kJson)}));
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
  cmd->add_option("PLAN", g.plan_path,
                  "the plan file (default: $ORCHESTRATE_PLAN, else plan.yaml in this folder)");
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
  app.set_version_flag("--version", std::string("orchestrate ") + kVersion);
  app.require_subcommand(1);
  app.footer(
      "Run `orchestrate help COMMAND` (or `orchestrate COMMAND --help`) for a command's options. "
      "The common options (--env, --database, --output, -q, -y, ...) may also come before the "
      "command, or come from the environment: ORCHESTRATE_PLAN (the plan file), ORCHESTRATE_ENV, "
      "ORCHESTRATE_DATABASE, ORCHESTRATE_OUTPUT, ORCHESTRATE_LOG_FORMAT, ORCHESTRATE_ACTOR, "
      "ORCHESTRATE_LOCK_TIMEOUT; an option given on the command line wins.\n"
      "Shell completion: `source <(orchestrate completion bash)` (or zsh; fish: `orchestrate "
      "completion fish | source`).");

  GlobalOptions g;
  // Defaults from the environment, before parsing: an option on the command line overrides them.
  std::string env_output, env_log_format;  // read by name below
  const std::pair<const char*, std::string*> from_environment[] = {
      {"ORCHESTRATE_PLAN", &g.plan_path},           {"ORCHESTRATE_ENV", &g.env},
      {"ORCHESTRATE_DATABASE", &g.database},        {"ORCHESTRATE_OUTPUT", &env_output},
      {"ORCHESTRATE_LOG_FORMAT", &env_log_format},  {"ORCHESTRATE_ACTOR", &g.actor},
      {"ORCHESTRATE_LOCK_TIMEOUT", &g.lock_timeout}};
  for (const auto& [name, field] : from_environment)
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') *field = value;
  if (auto format = OutputFormatFromName(env_output)) g.output = *format;
  if (auto format = OutputFormatFromName(env_log_format)) g.log_format = *format;
  AddGlobalOptions(&app, g, true);
  cli::RunOptions run;
  cli::ForceOptions force;
  cli::RehearseCommandOptions rehearse;
  cli::ImportCommandOptions import;
  cli::SnapshotsOptions snaps;
  int history_limit = 0;
  bool rollback_flag = false;  // plan --rollback, sql --rollback
  bool status_all_envs = false;
  std::string sql_out, sql_html;
  std::string shell;         // completion SHELL
  std::string help_command;  // help [COMMAND]
  bool validate_strict = false;
  const char* const approved_help =
      "a script reviewed with `orchestrate sql` (or sha256:HASH; a fleet: the folder of its "
      "scripts): refuse (exit 3) to run anything else";
  const char* const shard_help =
      "a fleet: only the I-th of N disjoint slices of its targets, I counted from 0 (0/4 ... 3/4; "
      "Kubernetes: $(JOB_COMPLETION_INDEX)/N); a target's slice follows from its URL alone";
  const auto add_fleet_options = [&run, &g, shard_help](CLI::App* cmd) {
    cmd->add_option("--parallel", run.parallel, "a fleet: run on N targets at once (default 1)")
        ->check(CLI::Range(1, 256));
    cmd->add_option("--shard", g.shard_text, shard_help);
    cmd->add_flag("--fail-fast", run.fail_fast,
                  "a fleet: start no new target after one failed (running ones finish)");
  };

  // The commands: name, one-line help, whether it takes a plan and changes something, its own
  // options, and what it runs. `resume` runs again with the command stored with the unfinished run.
  struct Command {
    const char* name;
    const char* help;
    enum { kNoPlan, kReads, kChanges } kind;
    std::function<void(CLI::App*)> options;
    std::function<int()> run;
  };
  const std::vector<Command> commands = {
      {"deploy", "apply the releases up to --to (default: the newest): migrations, seeds, image",
       Command::kChanges,
       [&](CLI::App* cmd) {
         cmd->add_option("--to", run.target, "the release to deploy (default: the newest)");
         cmd->add_flag("--dry-run", run.dry_run, "show the plan and change nothing");
         cmd->add_option("--approved", run.approved, approved_help);
         add_fleet_options(cmd);
       },
       [&] { return cli::CmdDeploy(g, run); }},
      {"rollback",
       "roll back to --to (default: previous): swap the image back, undo seeds, run the down SQL "
       "stored at deploy time; exit 5 when a release reached has a schema other than the one "
       "recorded when it was deployed",
       Command::kChanges,
       [&](CLI::App* cmd) {
         cmd->add_option("--to", run.target,
                         "a deployed release, `previous` (the default), or `none`: every "
                         "release, the first included");
         cmd->add_option("--reason", run.reason,
                         "why: recorded in history (policy may require it)");
         cmd->add_flag("--dry-run", run.dry_run, "show the plan and change nothing");
         cmd->add_flag("--allow-major", run.allow_major, "allow crossing a major version");
         cmd->add_flag("--accept-data-loss", run.accept_data_loss,
                       "roll back past irreversible migrations, leaving their changes in place");
         cmd->add_flag("--allow-outside-window", run.allow_outside_window,
                       "roll back to a release deployed longer ago than policy.window_days");
         cmd->add_option("--approved", run.approved, approved_help);
         add_fleet_options(cmd);
       },
       [&] { return cli::CmdRollback(g, run); }},
      {"resume",
       "finish the unfinished deploy or rollback of the environment (--env) with the command "
       "stored with it: its target, reason, approval and flags",
       Command::kChanges, [](CLI::App*) {},
       [&] {
         auto args = cli::ResumeArgs(g);
         if (!args.ok()) return cli::Fail(args.status());
         std::vector<char*> again;
         for (auto& a : *args) again.push_back(a.data());
         return RunCli(static_cast<int>(again.size()), again.data());
       }},
      {"plan", "show the ordered steps a deploy or rollback would run", Command::kReads,
       [&](CLI::App* cmd) {
         cmd->add_option("--to", run.target,
                         "target release: newer plans a deploy; `previous`, `none` (every "
                         "release) or an older deployed release plans a rollback");
         cmd->add_flag("--rollback", rollback_flag, "plan a rollback (to --to, default previous)");
         cmd->add_option("--shard", g.shard_text,
                         "a fleet: list the targets of this slice (I/N, I counted from 0) that "
                         "`deploy`/`rollback --shard I/N` would run on");
       },
       [&] { return cli::CmdPlan(g, run, rollback_flag); }},
      {"sql", "the exact SQL a deploy or rollback would run, for review; prints its approval hash",
       Command::kReads,
       [&](CLI::App* cmd) {
         cmd->add_option("--to", run.target,
                         "target release: newer renders a deploy; `previous`, `none` (every "
                         "release) or an older deployed release renders a rollback");
         cmd->add_flag("--rollback", rollback_flag,
                       "render a rollback (to --to, default previous)");
         cmd->add_option("-o,--out", sql_out,
                         "write the script to FILE (default: stdout); a fleet: one file per "
                         "target into the folder DIR");
         cmd->add_option("--html", sql_html,
                         "also write the review as one self-contained HTML page to FILE "
                         "(statements, locks, estimates, what is destroyed)");
       },
       [&] { return cli::CmdSql(g, run, rollback_flag, sql_out, sql_html); }},
      {"check", "can this rollback be done safely? GO (0), GO WITH WARNINGS (4), NO-GO (3)",
       Command::kReads,
       [&](CLI::App* cmd) {
         cmd->add_option("--to", run.target,
                         "a deployed release, `previous` (the default), or `none`: every "
                         "release, the first included");
         cmd->add_flag("--allow-major", run.allow_major, "allow crossing a major version");
         cmd->add_flag("--accept-data-loss", run.accept_data_loss,
                       "judge irreversible migrations as left in place (a warning, not NO-GO)");
         cmd->add_flag("--allow-outside-window", run.allow_outside_window,
                       "judge a target older than policy.window_days as allowed (a warning)");
         cmd->add_option("--rehearsal", run.rehearsal,
                         "the rehearsal.json of `rehearse --each --report DIR`: warn for each down "
                         "of this rollback it found not to round-trip");
       },
       [&] { return cli::CmdCheck(g, run); }},
      {"rehearse",
       "prove a rollback round-trips on a scratch database: deploy --from, fingerprint, deploy "
       "--to, roll back, compare, deploy again; exit 0 only when it does",
       Command::kReads,
       [&](CLI::App* cmd) {
         cmd->add_option("--from", rehearse.from,
                         "the release to roll back to (default: the one before --to)");
         cmd->add_option("--to", rehearse.to, "the release to deploy (default: the newest)");
         cmd->add_flag("--each", rehearse.each,
                       "also run every migration up, down and compare on its own, going on past "
                       "a failing down; a verdict for each (clean, column order only, drift, "
                       "down error, ...) with totals");
         cmd->add_option("--report", rehearse.report_dir,
                         "write DIR/rehearsal.md, DIR/junit.xml and DIR/rehearsal.json (for "
                         "`check --rehearsal`)");
         cmd->add_option("--scratch", rehearse.scratch,
                         "use this (empty) database instead of creating one on the "
                         "environment's server (--each creates its own on this one's server)");
       },
       [&] { return cli::CmdRehearse(g, rehearse); }},
      {"status", "deployed release, running image, pending releases, drift, unfinished run, lock",
       Command::kReads,
       [&](CLI::App* cmd) {
         cmd->add_flag("--all-envs", status_all_envs,
                       "every environment (and every database of a fleet): release, image, "
                       "unfinished run; exit 2 when one cannot be read");
         cmd->add_option("--shard", g.shard_text,
                         "with --all-envs: only this slice (I/N, I counted from 0) of each fleet, "
                         "as `deploy`/`rollback --shard I/N` split it");
       },
       [&] { return status_all_envs ? cli::CmdStatusAllEnvs(g) : cli::CmdStatus(g); }},
      {"history", "deploys and rollbacks, newest first", Command::kReads,
       [&](CLI::App* cmd) {
         cmd->add_option("-n,--limit", history_limit, "show only the newest N runs");
       },
       [&] { return cli::CmdHistory(g, history_limit); }},
      {"validate", "check manifests, SQL files and environments without touching any database",
       Command::kReads,
       [&](CLI::App* cmd) {
         cmd->add_flag("--strict", validate_strict,
                       "also fail on what is only a warning otherwise: an empty down script for a "
                       "migration whose up script does something");
       },
       [&] { return cli::CmdValidate(g, validate_strict); }},
      {"force", "resolve what needs a human: release a lock, abandon a run, mark a step",
       Command::kChanges,
       [&](CLI::App* cmd) {
         cmd->add_flag("--unlock", force.unlock,
                       "release the run lock of a holder that is gone (refused while it is "
                       "alive)");
         cmd->add_flag("--force-live", force.force_live,
                       "with --unlock: release it even though its holder is alive (that run "
                       "stops at its next commit)");
         cmd->add_flag("--abandon", force.abandon, "give up the unfinished run (done steps stay)");
         cmd->add_option("--step", force.step, "a step of the unfinished run")
             ->check(CLI::PositiveNumber);
         cmd->add_option("--statement", force.statement,
                         "with --step: the statement where a step run statement by statement "
                         "stopped (MySQL/MariaDB)")
             ->check(CLI::PositiveNumber);
         cmd->add_option("--mark", force.mark, "with --step: done or pending")
             ->check(CLI::IsMember({"done", "pending"}));
       },
       [&] { return cli::CmdForce(g, force); }},
      {"import",
       "write a plan (plan.yaml + releases/) from another tool's migrations, referenced in place",
       Command::kNoPlan,
       [&](CLI::App* cmd) {
         cmd->add_option("FORMAT", import.format,
                         "golang-migrate, flyway, sqitch, diesel, liquibase-sql")
             ->required();
         cmd->add_option("DIR", import.dir,
                         "the tool's migrations (or project) folder; liquibase-sql: or a "
                         "changelog")
             ->required();
         cmd->add_option("-o,--out", import.out, "the folder to write plan.yaml and releases/ to")
             ->required();
         cmd->add_option("--group-by", import.group_by,
                         "releases of several migrations: tag (sqitch), prefix, or N per release "
                         "(default: one release per migration)");
         cmd->add_option("--app", import.app,
                         "the app name (default: sqitch %project, else DIR's)");
         cmd->add_option("--dialect", import.dialect,
                         "the SQL's dialect, written to the plan (validate parses the scripts in "
                         "it): postgresql, sqlite or mysql (default: what the tool's config "
                         "names: sqitch.conf engine, flyway.conf/flyway.toml url, Diesel's .env "
                         "DATABASE_URL or Cargo.toml feature, liquibase.properties url; else "
                         "sqlite, and the import says it was assumed)")
             ->check(CLI::IsMember({"postgresql", "sqlite", "mysql"}));
         cmd->add_flag("--force", import.force, "replace an existing OUT/plan.yaml and releases");
         cmd->add_option_function<std::string>(
                "--output", [&g](const std::string& v) { g.output = *OutputFormatFromName(v); },
                "output format")
             ->check(CLI::IsMember(
                 std::vector<std::string>{Name(OutputFormat::kText), Name(OutputFormat::kJson)}));
         cmd->footer(
             "Order: each tool's own (golang-migrate: versions as numbers; Flyway: versions "
             "compared part by part as numbers, 1.2.10 after 1.2.9, 1_1 == 1.1 == 1.01; Diesel: "
             "the folder name before the first '_' without '-'; Sqitch: the plan; Liquibase: the "
             "changelog). Two migrations with one version are an error naming both.\n"
             "Releases: 0.0.N for every format, N the position of the release's newest migration "
             "in that order (1, 2, ...); the tool's own version stays in the migration ids and in "
             "each release's description. See docs/import.md.");
       },
       [&] {
         import.command_line = "orchestrate " + g.command_line;
         return cli::CmdImport(import);
       }},
      {"snapshots", "the data rollbacks destroyed: list, restore ID (after a re-deploy), prune",
       Command::kChanges,
       [&](CLI::App* cmd) {
         cmd->add_option("ACTION", snaps.action, "list (the default), restore or prune")
             ->check(CLI::IsMember({"list", "restore", "prune"}));
         cmd->add_option("ID", snaps.id, "restore: the snapshot to put back (see list)");
         cmd->add_option("--older-than", snaps.older_than,
                         "prune: only snapshots older than this, e.g. 7d, 12h, 30m (default: "
                         "all)");
       },
       [&] { return cli::CmdSnapshots(g, snaps); }},
      {"completion", "print a shell completion script: bash, zsh or fish", Command::kNoPlan,
       [&](CLI::App* cmd) {
         cmd->add_option("SHELL", shell, "bash, zsh or fish")
             ->required()
             ->check(CLI::IsMember({"bash", "zsh", "fish"}));
       },
       [&] {
         std::cout << cli::CompletionScript(app, shell);
         return 0;
       }},
      {"manpage", "print the man page, orchestrate(1), in roff (`make install` installs it)",
       Command::kNoPlan, [](CLI::App*) {},
       [&] {
         std::cout << cli::ManPage(app, kVersion);
         return 0;
       }},
      {"help", "show the help of orchestrate, or of COMMAND", Command::kNoPlan,
       [&](CLI::App* cmd) { cmd->add_option("COMMAND", help_command, "a command"); },
       [&] {
         if (help_command.empty()) {
           std::cout << app.help();
           return 0;
         }
         for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
           if (sub->get_name() == help_command) {
             std::cout << sub->help();
             return 0;
           }
         const std::string hint = cli::DidYouMean(app, {help_command});
         return cli::Fail(orchestrate::Status::Usage("no command " + help_command +
                                                     (hint.empty() ? "" : ": " + hint)));
       }},
  };
  std::vector<CLI::App*> subcommands;
  for (const Command& c : commands) {
    CLI::App* cmd = app.add_subcommand(c.name, c.help);
    if (c.kind != Command::kNoPlan) AddCommon(cmd, g, c.kind == Command::kChanges);
    c.options(cmd);
    subcommands.push_back(cmd);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::vector<std::string> args(argv + 1, argv + argc);
    const std::string hint = cli::DidYouMean(app, args);
    // The parse stopped where it failed: the formats are read from the words themselves (and the
    // environment), so that a parse error is one JSON document or line when asked for.
    auto format_of = [&](const std::string& flag, const char* env) {
      std::string value;
      if (const char* v = std::getenv(env)) value = v;
      for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == flag && i + 1 < args.size()) value = args[i + 1];
        if (args[i].rfind(flag + "=", 0) == 0) value = args[i].substr(flag.size() + 1);
      }
      return value == "json" ? cli::OutputFormat::kJson : cli::OutputFormat::kText;
    };
    for (const std::string& word : args)
      for (const Command& c : commands)
        if (g.command.empty() && word == c.name) g.command = c.name;
    g.output = format_of("--output", "ORCHESTRATE_OUTPUT");
    g.log_format = format_of("--log-format", "ORCHESTRATE_LOG_FORMAT");
    cli::SetUpLogging(g);
    return cli::Fail(orchestrate::Status::Usage(
        std::string(e.what()) + "\n" +
        (hint.empty() ? "Run `orchestrate --help` (or `orchestrate help COMMAND`)." : hint)));
  }
  for (size_t i = 0; i < commands.size(); ++i)
    if (subcommands[i]->parsed()) g.command = commands[i].name;
  // Before the first error can be reported: its format follows --output and --log-format.
  cli::SetUpLogging(g);
  // A format named in the environment that this build does not know is an error unless the
  // command line gave the option (which wins).
  auto given = [&](const std::string& flag) {
    std::vector<CLI::App*> apps = subcommands;
    apps.push_back(&app);
    for (CLI::App* a : apps)
      if (const CLI::Option* opt = a->get_option_no_throw(flag); opt && opt->count() > 0)
        return true;
    return false;
  };
  for (const auto& [name, value, flag] :
       {std::tuple<const char*, const std::string*, const char*>{"ORCHESTRATE_OUTPUT", &env_output,
                                                                 "--output"},
        {"ORCHESTRATE_LOG_FORMAT", &env_log_format, "--log-format"}})
    if (!value->empty() && !OutputFormatFromName(*value) && !given(flag))
      return cli::Fail(
          orchestrate::Status::Usage(std::string(name) + "=" + *value + ": use text or json"));
  // The plan file: the argument, else $ORCHESTRATE_PLAN (read above), else ./plan.yaml.
  for (size_t i = 0; i < commands.size(); ++i) {
    if (!subcommands[i]->parsed() || commands[i].kind == Command::kNoPlan) continue;
    if (!g.plan_path.empty()) break;
    if (!std::filesystem::exists("plan.yaml"))
      return cli::Fail(orchestrate::Status::Usage(
          std::string("no plan: give the plan file (`orchestrate ") + commands[i].name +
          " path/to/plan.yaml`), set ORCHESTRATE_PLAN, or run in the folder of plan.yaml"));
    g.plan_path = "plan.yaml";
  }

  // Text that history records and shows: refused rather than stored when it is not UTF-8 (JSON
  // output could not carry it as it is).
  for (const auto& [flag, value] :
       {std::pair<const char*, const std::string*>{"--reason", &run.reason}, {"--actor", &g.actor}})
    if (orchestrate::InvalidUtf8At(*value) != std::string::npos)
      return cli::Fail(orchestrate::Status::Usage(
          std::string(flag) + " is not valid UTF-8 text (byte " +
          std::to_string(orchestrate::InvalidUtf8At(*value) + 1) + "): give it as UTF-8"));

  if (!g.shard_text.empty()) {
    auto shard = orchestrate::ParseShard(g.shard_text);
    if (!shard.ok()) return cli::Fail(shard.status());
    g.shard = *shard;
  }

  // Recorded in history and shown to whoever waits for the lock: never with a password.
  g.command_line = RecordedCommandLine(argc, argv, {g.database, rehearse.scratch});
  if (!g.lock_timeout.empty() &&
      !orchestrate::ParseDuration(g.lock_timeout, &g.lock_timeout_seconds))
    return cli::Fail(orchestrate::Status::Usage("--lock-timeout " + g.lock_timeout +
                                                ": use a duration such as 30s, 500ms or 2m"));

  for (size_t i = 0; i < commands.size(); ++i)
    if (subcommands[i]->parsed()) return commands[i].run();
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
