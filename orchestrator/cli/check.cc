// `orchestrate check PLAN [--to V] [--allow-major]`: GO (exit 0), GO WITH WARNINGS (exit 4) or
// NO-GO (exit 3), one line per reason. Changes nothing.
#include <iostream>
#include <nlohmann/json.hpp>

#include "migrations/journal.h"
#include "orchestrator/check.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/run_command.h"
#include "plans/json_text.h"

namespace orchestrate::cli {

int VerdictExitCode(Verdict v) {
  return v == Verdict::kGo ? 0 : v == Verdict::kGoWithWarnings ? 4 : 3;
}

void PrintVerdict(std::ostream& out, const CheckResult& r) {
  out << "check rollback " << r.from << " -> " << r.to << ": " << VerdictName(r.verdict) << "\n";
  for (const auto& reason : r.reasons) {
    std::string label = reason.level + ":";
    out << "  " << label << std::string(label.size() < 9 ? 9 - label.size() : 1, ' ') << reason.text
        << "\n";
  }
}

int CmdCheck(const GlobalOptions& g, const RunOptions& o) {
  auto ctx = OpenContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  auto result = CheckRollback(
      ctx->plan, *ctx->db, *ctx->deployer,
      {o.target, o.allow_major, o.accept_data_loss, o.allow_outside_window, NowIso8601(), true});
  if (!result.ok()) return Fail(result.status());
  if (g.output == "json") {
    nlohmann::json reasons = nlohmann::json::array();
    for (const auto& r : result->reasons) reasons.push_back({{"level", r.level}, {"text", r.text}});
    nlohmann::json j = {{"verdict", VerdictName(result->verdict)},
                        {"from", result->from},
                        {"to", result->to},
                        {"reasons", reasons},
                        {"exit_code", VerdictExitCode(result->verdict)}};
    std::cout << JsonText(j, 2) << "\n";
  } else {
    PrintVerdict(std::cout, *result);
  }
  return VerdictExitCode(result->verdict);
}

}  // namespace orchestrate::cli
