// Verification after an image swap: the environment's `verify:` checks (a command, an HTTP URL
// fetched with curl, or a version check that must print the target version), each retried
// `retries` times `interval` apart. A swap is done only when they all pass, so a rollback that
// put back an image that does not start stops there, resumable, instead of carrying on with the
// database.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "orchestrator/deployer.h"
#include "orchestrator/process.h"
#include "plans/model.h"

namespace orchestrate {

// Runs `checks` in order for `swap`; the first check that fails all its attempts fails the whole
// (kFailed naming the check's file:line, its command, how often it was tried and how the last
// attempt ended). `db` runs `version: {sql: ...}` checks; it may be null when there are none.
// `run` starts the programs (empty: RunChildProcess).
Status RunVerification(const std::vector<VerifyCheck>& checks, const SwapContext& swap,
                       Database* db, const ProcessRunner& run = {});

// One line for `plan`: "curl -fsS --max-time 30 https://x/healthz (up to 4 attempts, 2s apart)".
std::string DescribeCheck(const VerifyCheck& check);

// `inner` with Verify/VerifyActions running `checks` (everything else forwarded). `db` must
// outlive the result. With no checks, returns `inner` itself. `run` starts the programs (empty:
// RunChildProcess).
std::unique_ptr<Deployer> WithVerification(std::unique_ptr<Deployer> inner,
                                           std::vector<VerifyCheck> checks, Database* db,
                                           ProcessRunner run = {});

}  // namespace orchestrate
