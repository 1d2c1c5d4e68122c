// `orchestrate history PLAN`: every deploy and rollback recorded in the database, newest first.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "migrations/journal.h"
#include "migrations/release_schema.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/json_output.h"
#include "plans/json_text.h"
#include "plans/secrets.h"

namespace orchestrate::cli {
namespace {

// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (as the journal writes it); -1 when it
// does not parse.
double EpochSeconds(const std::string& iso) {
  std::tm tm{};
  const char* rest = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return -1;
  double s = static_cast<double>(timegm(&tm));
  if (*rest == '.') s += std::atof(rest);  // ".123Z" reads as 0.123
  return s;
}

// How long a run took, in seconds; -1 while it has not finished.
double DurationSeconds(const RunRecord& r) {
  double a = EpochSeconds(r.started_at), b = EpochSeconds(r.finished_at);
  return a < 0 || b < a ? -1 : std::round((b - a) * 1000) / 1000;
}

std::string ShowDuration(double s) {
  if (s < 0) return "-";
  std::ostringstream out;
  if (s < 60)
    out << std::fixed << std::setprecision(s < 10 ? 2 : 1) << s << "s";
  else if (s < 3600)
    out << static_cast<long>(s) / 60 << "m" << static_cast<long>(s) % 60 << "s";
  else
    out << static_cast<long>(s) / 3600 << "h" << static_cast<long>(s) % 3600 / 60 << "m";
  return out.str();
}

}  // namespace

int CmdHistory(const GlobalOptions& g, int limit) {
  auto ctx = OpenContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  Journal journal(*ctx->db, NowIso8601);
  auto runs = journal.History(limit);
  if (!runs.ok()) return Fail(runs.status());
  // Where a rollback left a release's schema different from the one recorded at its deploy.
  auto checks = LoadSchemaChecks(*ctx->db);
  if (!checks.ok()) return Fail(checks.status());
  auto checks_of = [&](int64_t run) {
    std::vector<const SchemaCheck*> out;
    for (const SchemaCheck& c : *checks)
      if (c.run_id == run) out.push_back(&c);
    return out;
  };
  if (g.output == OutputFormat::kJson) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : *runs)
      arr.push_back({{"run_id", r.id},
                     {"kind", r.kind},
                     {"from", r.from_version},
                     {"to", r.to_version},
                     {"status", Name(r.status)},
                     {"actor", r.actor},
                     {"host", r.host},
                     {"reason", MaskSecrets(r.reason)},
                     {"command", MaskSecrets(r.command)},
                     {"environment", r.environment},
                     {"started_at", r.started_at},
                     {"finished_at", r.finished_at},
                     {"seconds", DurationSeconds(r) < 0 ? nlohmann::json(nullptr)
                                                        : nlohmann::json(DurationSeconds(r))},
                     {"steps", r.step_count},
                     {"steps_done", r.steps_done},
                     {"fingerprint", r.fingerprint},
                     {"error", MaskSecrets(r.error)}});
    for (size_t i = 0; i < runs->size(); ++i) {
      nlohmann::json drift = nlohmann::json::array();
      for (const SchemaCheck* c : checks_of((*runs)[i].id))
        drift.push_back({{"release", c->release},
                         {"checked_at", c->checked_at},
                         {"differences", c->differences}});
      arr[i]["schema_drift"] = drift;
    }
    PrintJsonDocument({{"database", ctx->db->DisplayUrl()}, {"runs", arr}});
    return 0;
  }
  if (runs->empty()) {
    std::cout << "no deploys or rollbacks recorded in " << ctx->db->DisplayUrl() << "\n";
    return 0;
  }
  // Every value a user or a program supplied is printed through Printable: a newline in a
  // --reason cannot forge a row, nor an escape sequence rewrite the terminal.
  size_t env_width = 5;
  for (const auto& r : *runs) env_width = std::max(env_width, Printable(r.environment).size() + 2);
  std::cout << std::left << std::setw(5) << "RUN" << std::setw(10) << "KIND"
            << std::setw(static_cast<int>(env_width)) << "ENV" << std::setw(22) << "FROM -> TO"
            << std::setw(11) << "OUTCOME" << std::setw(26) << "STARTED (UTC)" << std::setw(10)
            << "DURATION" << std::setw(14) << "ACTOR"
            << "REASON\n";
  for (const auto& r : *runs) {
    std::string versions = (r.from_version.empty() ? "-" : Printable(r.from_version)) + " -> " +
                           Printable(r.to_version);
    std::cout << std::left << std::setw(5) << r.id << std::setw(10) << Printable(r.kind)
              << std::setw(static_cast<int>(env_width))
              << (r.environment.empty() ? "-" : Printable(r.environment)) << std::setw(22)
              << versions << std::setw(11) << Printable(Name(r.status)) << std::setw(26)
              << Printable(r.started_at) << std::setw(10) << ShowDuration(DurationSeconds(r))
              << std::setw(14) << Printable(r.actor) << Printable(MaskSecrets(r.reason)) << "\n";
    if (!r.error.empty() && r.status != RunStatus::kDone)
      std::cout << "     error: " << Printable(MaskSecrets(r.error).substr(0, 300)) << "\n";
    for (const SchemaCheck* c : checks_of(r.id)) {
      std::cout << "     schema differs from the recorded state of " << Printable(c->release)
                << " (- recorded, + then):\n";
      for (const auto& line : c->differences) std::cout << "       " << Printable(line) << "\n";
    }
  }
  return 0;
}

}  // namespace orchestrate::cli
