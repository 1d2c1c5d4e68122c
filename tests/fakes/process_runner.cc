#include "tests/fakes/process_runner.h"

namespace orchestrate::fakes {

std::vector<std::string> RecordingProcessRunner::Commands() const {
  std::vector<std::string> out;
  for (const auto& r : requests_) out.push_back(ShowArgv(r.argv, r.secrets));
  return out;
}

ProcessRunner RecordingProcessRunner::Runner() {
  return [this](const ProcessRequest& request) { return Run(request); };
}

Result<ProcessReport> RecordingProcessRunner::Run(const ProcessRequest& request) {
  requests_.push_back(request);
  Reply reply;
  if (!replies_.empty()) {
    reply = std::move(replies_.front());
    replies_.pop_front();
  }
  ProcessReport report;
  report.shown = ShowArgv(request.argv, request.secrets);
  if (reply.cannot_start)
    return Status::Failed("cannot start " + report.shown + ": no such program (injected)");
  report.exit_code = reply.exit_code;
  report.out = Redact(reply.out, request.secrets);
  report.err = Redact(reply.err, request.secrets);
  report.out_bytes = reply.out.size();
  report.err_bytes = reply.err.size();
  return report;
}

}  // namespace orchestrate::fakes
