#include "orchestrator/verify.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "orchestrator/process.h"

namespace orchestrate {
namespace {

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

std::string TrimmedCopy(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::vector<std::string> ArgvOf(const VerifyCheck& c) {
  if (c.kind == VerifyCheck::Kind::kHttp)
    return {"curl", "-fsS", "--max-time", Seconds(c.timeout_seconds), c.url};
  return c.argv;
}

// One attempt: OK, or why it did not pass.
Status Attempt(const VerifyCheck& c, const SwapContext& swap, Database* db,
               const ProcessRunner& run) {
  bool wants_version =
      c.kind == VerifyCheck::Kind::kVersionCommand || c.kind == VerifyCheck::Kind::kVersionSql;
  if (wants_version && swap.version.empty())
    return Status::Failed("no release of the plan has the image " + swap.image +
                          ", so there is no version to compare with");
  std::string output;
  if (c.kind == VerifyCheck::Kind::kVersionSql) {
    if (!db) return Status::Failed("no database to run the version query on");
    auto txn = db->BeginRead();
    if (!txn.ok()) return txn.status();
    ORCH_RETURN_IF_ERROR((*txn)->LimitWaits(c.timeout_seconds, c.timeout_seconds));
    auto r = (*txn)->Query(c.sql);
    if (!r.ok()) return r.status();
    if (r->rows.empty() || r->rows[0].empty() || !r->rows[0][0])
      return Status::Failed("the version query returned no value");
    output = *r->rows[0][0];
  } else {
    ProcessRequest req;
    req.argv = ArgvOf(c);
    // curl stops itself at --max-time; the runner's limit is a backstop.
    req.timeout_seconds = c.timeout_seconds + (c.kind == VerifyCheck::Kind::kHttp ? 5 : 0);
    req.kill_grace_seconds = 2;
    req.cancelled = swap.interrupted;
    auto r = run ? run(req) : RunChildProcess(req);
    if (!r.ok()) return r.status();
    if (r->cancelled) return Status::Cancelled("interrupted while verifying");
    if (!r->ok()) {
      std::string tail = r->Tail(500);
      return Status::Failed(r->Outcome() + (tail.empty() ? "" : ": " + tail));
    }
    output = r->out;
  }
  if (wants_version && TrimmedCopy(output) != swap.version)
    return Status::Failed("reports version '" + TrimmedCopy(output).substr(0, 200) + "', not " +
                          swap.version);
  return Status::Ok();
}

class VerifyingDeployer : public Deployer {
 public:
  VerifyingDeployer(std::unique_ptr<Deployer> inner, std::vector<VerifyCheck> checks, Database* db,
                    ProcessRunner run)
      : inner_(std::move(inner)), checks_(std::move(checks)), db_(db), run_(std::move(run)) {}

  std::string Describe() const override { return inner_->Describe(); }
  Result<std::string> Current() override { return inner_->Current(); }
  Status Swap(const std::string& image) override { return inner_->Swap(image); }
  Status SwapTo(const SwapContext& swap) override { return inner_->SwapTo(swap); }
  std::vector<std::string> SwapParts() const override { return inner_->SwapParts(); }
  Status RunSwapPart(const std::string& part, const SwapContext& swap) override {
    return inner_->RunSwapPart(part, swap);
  }
  std::vector<std::string> SwapActions(const SwapContext& swap) const override {
    return inner_->SwapActions(swap);
  }
  Status Verify(const SwapContext& swap) override {
    return RunVerification(checks_, swap, db_, run_);
  }
  std::vector<std::string> VerifyActions() const override {
    std::vector<std::string> lines;
    for (const auto& c : checks_) lines.push_back(DescribeCheck(c));
    return lines;
  }

 private:
  std::unique_ptr<Deployer> inner_;
  std::vector<VerifyCheck> checks_;
  Database* db_;
  ProcessRunner run_;
};

}  // namespace

std::string DescribeCheck(const VerifyCheck& c) {
  std::string what;
  switch (c.kind) {
    case VerifyCheck::Kind::kCommand:
    case VerifyCheck::Kind::kHttp:
      what = ShowArgv(ArgvOf(c), {});
      break;
    case VerifyCheck::Kind::kVersionCommand:
      what = ShowArgv(c.argv, {}) + " prints the target version";
      break;
    case VerifyCheck::Kind::kVersionSql:
      what = "the query `" + c.sql + "` returns the target version";
      std::replace(what.begin(), what.end(), '\n', ' ');
      break;
  }
  std::string attempts = c.retries == 0 ? "once"
                                        : "up to " + std::to_string(c.retries + 1) + " attempts, " +
                                              Seconds(c.interval_seconds) + "s apart";
  return what + " (" + attempts + ", " + Seconds(c.timeout_seconds) + "s each)";
}

Status RunVerification(const std::vector<VerifyCheck>& checks, const SwapContext& swap,
                       Database* db, const ProcessRunner& run) {
  for (size_t i = 0; i < checks.size(); ++i) {
    const VerifyCheck& c = checks[i];
    std::string label = "verify check " + std::to_string(i + 1) + " of " +
                        std::to_string(checks.size()) + " (" + c.pos.str() + ")";
    Status last;
    int attempts = c.retries + 1;
    for (int a = 1; a <= attempts; ++a) {
      last = Attempt(c, swap, db, run);
      if (last.ok()) break;
      if (last.code() == Code::kCancelled) return last.WithContext(label);
      if (a < attempts) {
        spdlog::warn("{}: attempt {}/{} failed: {}; trying again in {}s", label, a, attempts,
                     last.message(), Seconds(c.interval_seconds));
        // In slices, so that an interrupt does not wait out a long interval.
        auto until = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(c.interval_seconds));
        while (std::chrono::steady_clock::now() < until) {
          if (swap.interrupted && swap.interrupted())
            return Status::Cancelled(label + ": interrupted between attempts");
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
    }
    if (!last.ok())
      return Status::Failed(label + ", " + DescribeCheck(c) + ", failed after " +
                            std::to_string(attempts) + " attempt" + (attempts == 1 ? "" : "s") +
                            ": " + last.message() + "\nthe image stays at " + swap.image +
                            "; fix the cause and run the same command again: it verifies again");
    spdlog::info("{} passed: {}", label, DescribeCheck(c));
  }
  return Status::Ok();
}

std::unique_ptr<Deployer> WithVerification(std::unique_ptr<Deployer> inner,
                                           std::vector<VerifyCheck> checks, Database* db,
                                           ProcessRunner run) {
  if (checks.empty()) return inner;
  return std::make_unique<VerifyingDeployer>(std::move(inner), std::move(checks), db,
                                             std::move(run));
}

}  // namespace orchestrate
