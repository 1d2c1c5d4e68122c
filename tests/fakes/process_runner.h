// A process runner (orchestrator/process.h, ProcessRunner) that starts nothing: it records each
// request and answers it from a script of replies, so that a deployer kind's exact argv and its
// handling of exit codes and output are tested without the programs it drives.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "orchestrator/process.h"

namespace orchestrate::fakes {

class RecordingProcessRunner {
 public:
  // What the next program "does". Replies are used in order; with none left, a program exits 0
  // and prints nothing.
  struct Reply {
    int exit_code = 0;
    std::string out, err;
    bool cannot_start = false;  // RunChildProcess's kFailed: no such program
  };
  void Then(Reply reply) { replies_.push_back(std::move(reply)); }

  // Every request, in order.
  const std::vector<ProcessRequest>& requests() const { return requests_; }
  // Each request's argv shown as ShowArgv shows it (shell-quoted, secrets redacted).
  std::vector<std::string> Commands() const;

  // The ProcessRunner to hand to MakeDeployer. REQUIRES: this object outlives its use.
  ProcessRunner Runner();

  Result<ProcessReport> Run(const ProcessRequest& request);

 private:
  std::vector<ProcessRequest> requests_;
  std::deque<Reply> replies_;
};

}  // namespace orchestrate::fakes
