// `orchestrate snapshots PLAN list | restore ID | prune [--older-than D]`: the data rollbacks
// destroyed (snapshot/snapshot.h), shown, put back after a re-deploy, or thrown away.
#include <unistd.h>

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "migrations/journal.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/json_output.h"
#include "orchestrator/executor.h"
#include "plans/json_text.h"
#include "plans/manifest.h"
#include "snapshot/snapshot.h"

namespace orchestrate::cli {
namespace {

nlohmann::json ToJson(const SnapshotInfo& s) {
  return {{"id", s.id},
          {"created_at", s.created_at},
          {"run_id", s.from.run_id},
          {"step", s.from.step},
          {"release", s.from.release},
          {"source", s.from.source},
          {"table", s.table},
          {"kind", Name(s.kind)},
          {"key_columns", s.key_columns},
          {"columns", s.columns},
          {"rows", s.rows},
          {"storage", s.storage},
          {"restored_at", s.restored_at},
          {"description", s.description}};
}

// What a snapshot holds, in a few words: "whole table", "columns loyalty_points (key id)".
std::string What(const SnapshotInfo& s) {
  auto list = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
    return out;
  };
  if (s.kind == SnapshotKind::kNone) return "NOT CAPTURED";
  if (s.kind == SnapshotKind::kColumns)
    return "columns " + list(s.columns) + " (key " + list(s.key_columns) + ")";
  if (s.kind == SnapshotKind::kRows) return "rows";
  return "whole table";
}

// "7d", "12h", "30m", "90s" (and what ParseDuration accepts).
bool ParseAge(const std::string& text, double* seconds) {
  if (text.size() > 1 && text.back() == 'd' &&
      ParseDuration(text.substr(0, text.size() - 1), seconds)) {
    *seconds *= 86400;
    return true;
  }
  return ParseDuration(text, seconds);
}

int List(const GlobalOptions& g, Database& db) {
  auto all = Snapshots(db, NowIso8601).List();
  if (!all.ok()) return Fail(all.status());
  if (g.output == OutputFormat::kJson) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : *all) arr.push_back(ToJson(s));
    PrintJsonDocument({{"action", "list"}, {"database", db.DisplayUrl()}, {"snapshots", arr}});
    return 0;
  }
  if (all->empty()) {
    std::cout << "no snapshots in " << db.DisplayUrl() << "\n";
    return 0;
  }
  std::cout << std::left << std::setw(5) << "ID" << std::setw(26) << "CREATED (UTC)" << std::setw(9)
            << "RELEASE" << std::setw(36) << "MIGRATION" << std::setw(20) << "TABLE" << std::setw(8)
            << "ROWS"
            << "WHAT\n";
  for (const auto& s : *all) {
    std::cout << std::left << std::setw(5) << s.id << std::setw(26) << s.created_at << std::setw(9)
              << s.from.release << std::setw(36) << s.from.source << std::setw(20)
              << (s.table.empty() ? "-" : s.table) << std::setw(8) << s.rows << What(s)
              << (s.restored_at.empty() ? "" : ", restored " + s.restored_at) << "\n";
    if (s.kind == SnapshotKind::kNone) std::cout << "     " << s.description << "\n";
  }
  return 0;
}

}  // namespace

int CmdSnapshots(const GlobalOptions& g, const SnapshotsOptions& o) {
  if (o.action != "restore" && !o.id.empty())
    return Fail(Status::Usage("only `snapshots PLAN restore ID` takes an ID"));
  if (o.action != "prune" && !o.older_than.empty())
    return Fail(Status::Usage("--older-than goes with `snapshots PLAN prune`"));
  double age = 0;
  if (!o.older_than.empty() && !ParseAge(o.older_than, &age))
    return Fail(
        Status::Usage("--older-than " + o.older_than + ": use a duration such as 7d, 12h or 30m"));
  char* end = nullptr;
  long long id = o.id.empty() ? 0 : std::strtoll(o.id.c_str(), &end, 10);
  if (o.action == "restore" && (o.id.empty() || *end != '\0' || id <= 0))
    return Fail(Status::Usage("restore needs the ID of a snapshot (`orchestrate snapshots " +
                              g.plan_path + " list` shows them)"));

  auto ctx = OpenContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  Database& db = *ctx->db;
  if (o.action == "list") return List(g, db);

  std::optional<std::string> cutoff;
  if (!o.older_than.empty()) cutoff = IsoMinusSeconds(NowIso8601(), age);
  std::string question = o.action == "restore"
                             ? "restore snapshot " + o.id + " into " + db.DisplayUrl() + "?"
                             : "delete the snapshots " +
                                   (cutoff ? "created before " + *cutoff : std::string("(all)")) +
                                   " in " + db.DisplayUrl() +
                                   "? They cannot be restored afterwards.";
  if (!Confirm(g, question)) return Fail(Status::Declined("declined: nothing was changed"));

  // A restore or prune during a run would race its steps: hold the run lock meanwhile.
  LockHolder me{ActorName(g), HostName(), static_cast<long>(getpid()), g.command_line,
                NowIso8601()};
  Status locked =
      AcquireRunLock(db, me, ctx->lock_timeout_seconds, nullptr, InvocationFor(g, *ctx));
  if (!locked.ok()) return Fail(locked);
  RunLockRelease unlock(db);

  Snapshots snaps(db, NowIso8601);
  if (o.action == "restore") {
    auto done = snaps.Restore(id);
    if (!done.ok()) return Fail(done.status());
    const SnapshotInfo& s = done->snapshot;
    if (g.output == OutputFormat::kJson) {
      PrintJsonDocument({{"action", "restore"},
                         {"outcome", "done"},
                         {"snapshot", ToJson(s)},
                         {"rows_restored", done->rows}});
      return 0;
    }
    std::cout << "restored snapshot " << s.id << " (" << s.description << "): " << done->rows
              << " row(s) of " << s.table
              << (s.kind == SnapshotKind::kColumns ? " updated by key"
                                                   : " inserted that were missing")
              << "\n";
    return 0;
  }
  std::vector<std::pair<SnapshotInfo, std::string>> kept;
  auto pruned = snaps.Prune(cutoff, &kept);
  if (!pruned.ok()) return Fail(pruned.status());
  auto why_kept = [](const std::pair<SnapshotInfo, std::string>& k) {
    return "the generated down of migration " + k.second +
           " (down: auto) restores from it; it goes when that migration is rolled back";
  };
  if (g.output == OutputFormat::kJson) {
    nlohmann::json arr = nlohmann::json::array(), kept_arr = nlohmann::json::array();
    for (const auto& s : *pruned) arr.push_back(ToJson(s));
    for (const auto& k : kept) {
      kept_arr.push_back({{"snapshot", ToJson(k.first)}, {"kept_for", k.second}});
    }
    PrintJsonDocument({{"action", "prune"},
                       {"outcome", "done"},
                       {"older_than", OrNull(cutoff.value_or(""))},
                       {"pruned", arr},
                       {"kept", kept_arr}});
    return 0;
  }
  std::cout << "deleted " << pruned->size() << " snapshot(s)"
            << (cutoff ? " created before " + *cutoff : std::string()) << "\n";
  for (const auto& k : kept)
    std::cout << "kept snapshot " << k.first.id << " (" << k.first.table << "): " << why_kept(k)
              << "\n";
  return 0;
}

}  // namespace orchestrate::cli
