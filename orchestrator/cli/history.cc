// `orchestrate history PLAN`: every deploy and rollback recorded in the database, newest first.
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "migrations/journal.h"
#include "orchestrator/cli/context.h"

namespace orchestrate::cli {

int CmdHistory(const GlobalOptions& g, int limit) {
  auto ctx = OpenContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  Journal journal(*ctx->db, NowIso8601);
  auto runs = journal.History(limit);
  if (!runs.ok()) return Fail(runs.status());
  if (g.output == "json") {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : *runs)
      arr.push_back({{"run", r.id},
                     {"kind", r.kind},
                     {"from", r.from_version},
                     {"to", r.to_version},
                     {"status", r.status},
                     {"actor", r.actor},
                     {"host", r.host},
                     {"reason", r.reason},
                     {"command", r.command},
                     {"environment", r.environment},
                     {"started_at", r.started_at},
                     {"finished_at", r.finished_at},
                     {"steps", r.step_count},
                     {"steps_done", r.steps_done},
                     {"fingerprint", r.fingerprint},
                     {"error", r.error}});
    std::cout << arr.dump(2) << "\n";
    return 0;
  }
  if (runs->empty()) {
    std::cout << "no deploys or rollbacks recorded in " << ctx->db->DisplayUrl() << "\n";
    return 0;
  }
  std::cout << std::left << std::setw(5) << "RUN" << std::setw(10) << "KIND" << std::setw(22)
            << "FROM -> TO" << std::setw(11) << "OUTCOME" << std::setw(26) << "STARTED (UTC)"
            << std::setw(14) << "ACTOR"
            << "REASON\n";
  for (const auto& r : *runs) {
    std::string versions = (r.from_version.empty() ? "-" : r.from_version) + " -> " + r.to_version;
    std::cout << std::left << std::setw(5) << r.id << std::setw(10) << r.kind << std::setw(22)
              << versions << std::setw(11) << r.status << std::setw(26) << r.started_at
              << std::setw(14) << r.actor << r.reason << "\n";
    if (!r.error.empty() && r.status != "done")
      std::cout << "     error: " << r.error.substr(0, 300) << "\n";
  }
  return 0;
}

}  // namespace orchestrate::cli
