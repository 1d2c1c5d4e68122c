// The composition root: turns options, the plan and its environment into adapters. The only place
// that names concrete Database and Deployer implementations.
#pragma once

#include <memory>
#include <string>

#include "migrations/database.h"
#include "orchestrator/cli/options.h"
#include "orchestrator/command_line.h"
#include "orchestrator/deployer.h"
#include "plans/model.h"
#include "plans/status.h"

namespace orchestrate::cli {

struct Context {
  Plan plan;
  Environment env;
  std::unique_ptr<Database> db;
  std::unique_ptr<Deployer> deployer;
  double lock_timeout_seconds = 10;
};

// Tells the secrets registry (plans/secrets.h) every secret `env` brings: the passwords in its
// URLs, PGPASSWORD, the values of its password_env and of its deployer's secret_env variables;
// and withholds its password_env variable from child programs. LoadContext does it for the
// environment it selects; a command that reads other environments does it for each.
void RegisterSecretsOf(const Environment& env);
// The password named by `env`'s password_env, given to OpenDatabase; "" when it names none.
// kInvalid when the variable is not set.
Result<std::string> PasswordOf(const Environment& env);

// Loads the plan (kInvalid with every problem found), selects the environment and registers its
// secrets.
Result<Context> LoadContext(const GlobalOptions& g);
// LoadContext, then opens the database and builds the deployer.
Result<Context> OpenContext(const GlobalOptions& g);

// How this command was invoked, for the commands it prints: the plan file, the environment (always
// named), a --database override (redacted) and --actor. Run options are the caller's to add.
Invocation InvocationFor(const GlobalOptions& g, const Context& ctx);

// The usage error for --shard on one database (--database, or an environment that is no fleet).
Status ShardNeedsFleet(const GlobalOptions& g);

// Exit code for a Status (see options.h).
int ExitCodeFor(const Status& st);
// Prints "orchestrate: <kind>: message" to stderr and returns the exit code.
int Fail(const Status& st);
// Configures spdlog (stderr; text or JSON lines; level from verbosity).
void SetUpLogging(const GlobalOptions& g);
// Who runs this: --actor, else $USER / the login name.
std::string ActorName(const GlobalOptions& g);
std::string HostName();
// `text` (a reason, actor, error, image: anything a user or a program supplied) made safe to
// print on a terminal as one line: control characters (C0, DEL, C1; a newline, an ANSI escape)
// are shown as \n, \r, \t or \xNN, a backslash as \\, and bytes that are not UTF-8 as \xNN,
// so that no value can forge a row of a listing or rewrite the terminal.
std::string Printable(const std::string& text);
// Printable, with backslashes escaped (`backslash`) or kept as they are.
std::string EscapeControls(const std::string& text, bool backslash);
// Asks "question [y/N]" on the terminal. Without a terminal on stdin (or with --yes), returns yes.
bool Confirm(const GlobalOptions& g, const std::string& question);

}  // namespace orchestrate::cli
