// The process runner: runs one program to completion for a deployer or a verification check, with
// a deadline, and hands back what it printed. The only door to Boost.Process (process.cc); nothing
// it calls throws past it.
//
// Why each rule exists:
//  - argv, never a shell: an image reference or a reason cannot become shell syntax.
//  - the child leads a process group of its own, and the group is what gets killed: `kubectl`
//    wrappers and `sh -c` scripts leave grandchildren that would otherwise outlive the timeout
//    and keep the output pipes open forever.
//  - output is bounded (head and tail kept): a chatty `helm upgrade --debug` must not grow the
//    journal or the log without limit, and both pipes are drained together so neither fills up
//    and stalls the child.
//  - secrets are replaced before output or argv leave the runner, so no caller can log them: the
//    request's own and every secret the process knows (plans/secrets.h).
//  - children never get the database password: the variables plans/secrets.h withholds
//    (PGPASSWORD, an environment's `password_env`) are removed from their environment.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "plans/status.h"

namespace orchestrate {

struct ProcessRequest {
  // argv[0] is a path, or a name looked up in $PATH. REQUIRES: not empty.
  std::vector<std::string> argv;
  // Added to (or overriding) this process's environment, which the child inherits, less the
  // variables withheld from children (VariablesWithheldFromChildren(), which win over this).
  std::map<std::string, std::string> extra_env;
  std::string working_dir;  // empty: this process's
  // After this long the child's process group gets SIGTERM, then SIGKILL `kill_grace_seconds`
  // later if anything in it is still alive.
  double timeout_seconds = 300;
  double kill_grace_seconds = 5;
  // Per stream, the first and the last `keep_bytes` are kept; what lies between is replaced by a
  // line saying how much was cut.
  size_t keep_bytes = 64 * 1024;
  // Replaced by "***" in captured output and in the argv shown in logs and errors, as are the
  // secrets registered in plans/secrets.h.
  std::vector<std::string> secrets;
  // Leaves the registered secrets in the captured output (still masked in `shown`): for a
  // program whose output is data that may rightly hold one, such as a fleet's targets_command
  // printing connection strings. Whoever shows that output masks it (Fail, the log sink do).
  bool keep_registered_secrets = false;
  // Polled while the child runs (every 50 ms); when it returns true the child's process group is
  // stopped as at the timeout. The child leads its own group, so a Ctrl-C at the terminal reaches
  // only orchestrate, which passes it on through this.
  std::function<bool()> cancelled;
};

struct ProcessReport {
  std::string shown;   // the argv, shell-quoted and redacted: for logs and error messages
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended it, or 0
  bool timed_out = false;
  bool cancelled = false;               // stopped because request.cancelled said so
  std::string out, err;                 // captured, bounded and redacted
  size_t out_bytes = 0, err_bytes = 0;  // what the child wrote in all
  double seconds = 0;

  bool ok() const { return exit_code == 0 && !timed_out && !cancelled; }
  // One line for errors: "exited with 2", "killed by signal 9", "timed out after 3s".
  std::string Outcome() const;
  // The end of stderr (else stdout), at most `max_chars`, for an error message.
  std::string Tail(size_t max_chars = 2000) const;
};

// Runs `request` to completion (or to its timeout). Returns the report for any child that
// started, whatever its exit; kFailed only when it could not start (no such program on $PATH, not
// executable, out of resources), with a message naming the program and what to check.
// Everything the child started in its process group is gone when this returns (background work
// of a child that exited is stopped after 2 s if it holds the output pipes, else at once). The
// child inherits no descriptor but stdin (/dev/null), stdout and stderr.
Result<ProcessReport> RunChildProcess(const ProcessRequest& request);

// The process runner seam: how the deployer kinds run their programs. Empty means
// RunChildProcess; a test passes a fake that records each request and answers it
// (tests/fakes/process_runner.h). A runner must honour RunChildProcess's contract: a report for a
// program that ran, kFailed for one that could not start.
using ProcessRunner = std::function<Result<ProcessReport>(const ProcessRequest&)>;

// `text` with every secret (non-empty) replaced by "***".
std::string Redact(std::string text, const std::vector<std::string>& secrets);

// argv as a shell would need it typed, single-quoting what needs it, with `secrets` and every
// registered secret (plans/secrets.h) replaced by "***" in each argument before it is quoted.
std::string ShowArgv(const std::vector<std::string>& argv, const std::vector<std::string>& secrets);

}  // namespace orchestrate
