// `orchestrate check PLAN [--to V] [--allow-major]`: GO (exit 0), GO WITH WARNINGS (exit 4) or
// NO-GO (exit 3), one line per reason. Changes nothing.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "migrations/journal.h"
#include "orchestrator/check.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/json_output.h"
#include "orchestrator/cli/run_command.h"
#include "plans/json_text.h"

namespace orchestrate::cli {

int VerdictExitCode(Verdict v) {
  return v == Verdict::kGo ? 0 : v == Verdict::kGoWithWarnings ? 4 : 3;
}

void PrintVerdict(std::ostream& out, const CheckResult& r) {
  out << "check rollback " << r.from << " -> " << r.to << ": " << VerdictName(r.verdict) << "\n";
  for (const auto& reason : r.reasons) {
    std::string label = std::string(Name(reason.level)) + ":";
    out << "  " << label << std::string(label.size() < 9 ? 9 - label.size() : 1, ' ') << reason.text
        << "\n";
  }
}

void LogVerdict(const CheckResult& r) {
  if (!JsonLogs()) {
    PrintVerdict(std::cerr, r);
    return;
  }
  nlohmann::json reasons = nlohmann::json::array();
  for (const auto& reason : r.reasons)
    reasons.push_back({{"level", reason.level}, {"text", reason.text}});
  StderrLine(r.verdict == Verdict::kGo ? "info" : "warning",
             "check rollback " + r.from + " -> " + r.to + ": " + VerdictName(r.verdict),
             {{"verdict", VerdictName(r.verdict)}, {"reasons", reasons}});
}

namespace {

// The verdicts of a rehearsal.json (orchestrator/rehearse.h, RehearsalJson) into `options`.
Status ReadRehearsal(const std::string& path, const std::string& app, CheckOptions* options) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::Invalid("--rehearsal " + path + ": cannot read it");
  std::stringstream text;
  text << f.rdbuf();
  try {
    const nlohmann::json j = nlohmann::json::parse(text.str());
    if (!j.contains("migrations") || !j["migrations"].is_array())
      return Status::Invalid("--rehearsal " + path +
                             ": not the report of `rehearse --each` (no \"migrations\")");
    if (j.value("app", "") != app)
      return Status::Invalid("--rehearsal " + path + ": a rehearsal of app '" + j.value("app", "") +
                             "', not '" + app + "'");
    for (const auto& m : j["migrations"]) {
      CheckOptions::RehearsedDown d;
      d.verdict = m.at("verdict").get<std::string>();
      d.down_sha256 = m.value("down_sha256", "");
      d.detail = m.value("error", "");
      if (d.detail.empty() && m.contains("differences") && !m["differences"].empty())
        d.detail = m["differences"][0].get<std::string>() +
                   (m["differences"].size() > 1
                        ? " (and " + std::to_string(m["differences"].size() - 1) + " more)"
                        : "");
      options->rehearsed[m.at("id").get<std::string>()] = d;
    }
  } catch (const std::exception& e) {
    return Status::Invalid("--rehearsal " + path + ": " + e.what());
  }
  options->rehearsal_source = path;
  return Status::Ok();
}

}  // namespace

int CmdCheck(const GlobalOptions& g, const RunOptions& o) {
  auto ctx = OpenContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  CheckOptions options =
      CheckOptionsFor(o.target, o.allow_major, o.accept_data_loss, o.allow_outside_window);
  options.simulate_ledger = true;
  if (!o.rehearsal.empty()) {
    Status st = ReadRehearsal(o.rehearsal, ctx->plan.app, &options);
    if (!st.ok()) return Fail(st);
  }
  auto result = CheckRollback(ctx->plan, *ctx->db, *ctx->deployer, options);
  if (!result.ok()) return Fail(result.status());
  if (g.output == OutputFormat::kJson) {
    nlohmann::json reasons = nlohmann::json::array();
    for (const auto& r : result->reasons)
      reasons.push_back({{"level", Name(r.level)}, {"text", r.text}});
    nlohmann::json j = {{"verdict", VerdictName(result->verdict)},
                        {"from", result->from},
                        {"to", result->to},
                        {"reasons", reasons},
                        {"exit_code", VerdictExitCode(result->verdict)}};
    PrintJsonDocument(j);
  } else {
    PrintVerdict(std::cout, *result);
  }
  return VerdictExitCode(result->verdict);
}

}  // namespace orchestrate::cli
