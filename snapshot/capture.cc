// Capture: copying what a step will destroy, inside the step's transaction; and the read-only
// estimate of what that would be.
#include <algorithm>
#include <cstdio>
#include <ctime>

#include "migrations/journal.h"
#include "snapshot/internal.h"

namespace orchestrate {

using namespace snapshot_internal;

namespace {

// Snapshot ids come from a counter of their own rather than MAX(id) + 1, so that an id is never
// given twice, even after the newest snapshots were pruned: `restore 7` always means one snapshot.
// REQUIRES: the counter exists (EnsureCatalog ran in `txn`, or in a transaction that committed).
Result<int64_t> NextId(Transaction& txn, const Database& db) {
  // One round trip where the database can: the UPDATE says the id it wrote. Not in a recording,
  // whose script must write the UPDATE itself (a Query is read, not written down).
  if (db.Catalog().UpdateReturns() && !txn.Records()) {
    auto bumped = txn.Query(
        "UPDATE orchestrate_snapshot_counter SET last_id = last_id + 1 WHERE id = 1 "
        "RETURNING last_id");
    if (!bumped.ok()) return bumped.status();
    if (!bumped->rows.empty()) return ToLong(bumped->rows[0][0]);
  }
  auto r = txn.Query("SELECT last_id FROM orchestrate_snapshot_counter WHERE id = 1");
  if (!r.ok()) return r.status();
  int64_t next = r->rows.empty() ? 1 : ToLong(r->rows[0][0]) + 1;
  ORCH_RETURN_IF_ERROR(
      r->rows.empty()
          ? txn.Exec("INSERT INTO orchestrate_snapshot_counter (id, last_id) VALUES (1, $1)",
                     {std::to_string(next)})
          : txn.Exec("UPDATE orchestrate_snapshot_counter SET last_id = $1 WHERE id = 1",
                     {std::to_string(next)}));
  return next;
}

// "orchestrate_snap_12_orders" (SQLite) or "snap_12_orders" (in schema orchestrate_snapshots):
// the id makes it unique, the table name makes it recognisable; PostgreSQL keeps 63 bytes.
std::string StorageName(const CatalogDialect& d, int64_t id, const std::string& table) {
  std::string name = d.CopyNamePrefix() + std::to_string(id) + "_";
  for (char c : table) {
    bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    name += word ? c : '_';
  }
  const size_t max = d.MaxNameBytes();
  if (max > 0 && name.size() > max) name.resize(max);
  return name;
}

// Creates the storage table of `s` (s.id, s.key_columns and s.columns set) and copies the rows
// of the source for which `where` holds (all when empty) into it; sets s.storage and s.rows.
Status Copy(Transaction& txn, const Database& db, const TableInfo& info, SnapshotInfo& s,
            const std::string& where, const std::vector<Value>& params) {
  std::vector<std::string> stored =
      s.kind == SnapshotKind::kColumns ? s.key_columns : std::vector<std::string>{};
  stored.insert(stored.end(), s.columns.begin(), s.columns.end());
  const CatalogDialect& d = db.Catalog();
  std::string list;
  for (const std::string& c : stored) {
    const ColumnInfo* ci = info.Find(c, d.FoldsIdentifierCase());
    std::string q = db.QuoteIdent(c);
    list +=
        (list.empty() ? "" : ", ") + (ci && ci->store_as_text ? d.StoredText(q) + " AS " + q : q);
  }
  s.storage = StorageName(d, s.id, s.table);
  std::string dest = d.CopyRef(s.storage);
  // The source as the catalog names it (SQLite: as created; the script may spell it otherwise).
  std::string select = "SELECT " + list + " FROM " + info.ref;
  std::string filter = where.empty() ? "" : " WHERE " + where;
  if (d.CreateTableAsCountsRows() && params.empty()) {
    // One CREATE TABLE AS, as a DBA would copy it (its command tag carries the row count).
    auto n = txn.ExecCount("CREATE TABLE " + dest + " AS " + select + filter);
    if (!n.ok()) return n.status();
    s.rows = *n;
    return Status::Ok();
  }
  // Created empty, then filled: a CREATE TABLE AS cannot take bind parameters on PostgreSQL,
  // SQLite does not count the rows a CREATE TABLE AS copies, and on MySQL it commits by itself
  // (rows and all) while the INSERT commits with the step.
  const std::string create = "CREATE TABLE " + dest + " AS " + select + " WHERE 1 = 0";
  ORCH_RETURN_IF_ERROR(txn.Exec(create));
  // Where that CREATE committed by itself, the copy outlives a step that fails after it: the
  // empty table goes once the step has rolled back.
  if (db.CommitsByItself(create))
    ORCH_RETURN_IF_ERROR(txn.ExecWhenFinished("DROP TABLE IF EXISTS " + dest, true));
  // The adapter reports the rows inserted: no second pass over the copy to count them.
  auto n = txn.ExecCount("INSERT INTO " + dest + " " + select + filter, params);
  if (!n.ok()) return n.status();
  s.rows = *n;
  return Status::Ok();
}

// `targets` plus, for every table whose rows are deleted, the tables whose rows go or change with
// them through foreign keys (recursively): a DELETE on a parent can empty a child.
Result<std::vector<Target>> WithReferencingTables(Transaction& txn, const Database& db,
                                                  std::vector<Target> targets) {
  for (size_t i = 0; i < targets.size(); ++i) {
    if (targets[i].kind != SnapshotKind::kTable || !targets[i].deletes_rows) continue;
    auto refs = ReferencingTables(txn, db, targets[i].table, targets[i].truncate_cascade);
    if (!refs.ok()) return refs.status();
    for (const auto& [table, why] : *refs) {
      auto same = std::find_if(targets.begin(), targets.end(),
                               [&](const Target& t) { return t.table == table; });
      if (same != targets.end() && same->kind == SnapshotKind::kTable) continue;
      Target child{table, SnapshotKind::kTable,       {}, table + " " + why,
                   true,  targets[i].truncate_cascade};
      if (same != targets.end()) {
        child.description = same->description + "; " + child.description;
        *same = child;
      } else {
        targets.push_back(child);
      }
    }
  }
  return targets;
}

// Whether the script's only use of `t` is to drop it: one statement names it, and all it destroys
// is tables dropped. Then the table may be moved aside instead of copied (the step's DROP TABLE
// drops the stand-in MoveAside leaves).
bool OnlyDropped(const ScriptAnalysis& analysis, const Target& t) {
  if (t.kind != SnapshotKind::kTable || t.deletes_rows || t.truncate_cascade || !analysis.ok)
    return false;
  int uses = 0;
  bool dropped = false;
  for (const StatementAnalysis& st : analysis.statements) {
    if (std::find(st.tables.begin(), st.tables.end(), t.table) == st.tables.end()) continue;
    ++uses;
    dropped = st.analysable && st.destroys_data;
    for (const std::string& clause : Split(st.destroys, ';')) {
      size_t at = clause.find_first_not_of(' ');
      dropped = dropped && at != std::string::npos && clause.compare(at, 11, "drops table") == 0;
    }
  }
  return uses == 1 && dropped;
}

// The columns a restore can write: not generated.
std::vector<std::string> Writable(const TableInfo& info) {
  std::vector<std::string> out;
  for (const auto& c : info.columns)
    if (!c.generated) out.push_back(c.name);
  return out;
}

}  // namespace

Snapshots::Snapshots(Database& db, std::function<std::string()> now)
    : db_(db), now_(std::move(now)) {}

Result<std::vector<SnapshotInfo>> Snapshots::Capture(Transaction& txn, const SnapshotSource& from,
                                                     const std::string& sql) {
  const ScriptAnalysis analysis = AnalyzeScript(db_.Catalog().StatementDialect(), sql);
  auto expanded =
      WithReferencingTables(txn, db_, TargetsOf(db_.Catalog().StatementDialect(), analysis));
  if (!expanded.ok()) return expanded.status();
  const std::vector<Target>& targets = *expanded;
  std::vector<SnapshotInfo> out;
  if (targets.empty()) return out;
  if (!catalog_exists_) ORCH_RETURN_IF_ERROR(EnsureCatalog(txn, db_));
  const std::string now = now_();
  const bool fold = db_.Catalog().FoldsIdentifierCase();
  for (const Target& t : targets) {
    SnapshotInfo s;
    s.from = from;
    s.table = t.table;
    s.kind = t.kind;
    s.created_at = now;
    s.description = t.description;
    TableInfo info;
    if (t.kind != SnapshotKind::kNone) {
      auto described = DescribeTable(txn, db_, t.table);
      if (!described.ok()) return described.status();
      info = std::move(described).value();
      if (!info.exists) continue;  // created earlier in the same script: nothing to lose yet
    }
    if (t.kind == SnapshotKind::kColumns) {
      for (const std::string& c : t.columns)
        if (const ColumnInfo* ci = info.Find(c, fold)) s.columns.push_back(ci->name);
      if (s.columns.empty()) continue;  // added earlier in the same script
      for (const std::string& k : info.Key())
        if (!Contains(s.columns, k, fold)) s.key_columns.push_back(k);
      if (s.key_columns.empty())  // no primary key: every column that remains identifies a row
        for (const std::string& c : Writable(info))
          if (!Contains(s.columns, c, fold)) s.key_columns.push_back(c);
    } else if (t.kind == SnapshotKind::kTable) {
      s.columns = Writable(info);
      s.key_columns = info.Key();
    }
    auto id = NextId(txn, db_);
    if (!id.ok()) return id.status();
    s.id = *id;
    std::string why_copied;
    if (OnlyDropped(analysis, t)) {
      auto why = db_.Catalog().WhyNotMovable(txn, info);
      if (!why.ok()) return why.status().WithContext("can " + t.table + " be moved aside?");
      why_copied = *why;
    }
    if (t.kind == SnapshotKind::kTable && OnlyDropped(analysis, t) && why_copied.empty()) {
      // Moved aside, not copied: the rows stay where they are, under the copy's name.
      s.storage = StorageName(db_.Catalog(), s.id, s.table);
      auto n = txn.Query("SELECT COUNT(*) FROM " + info.ref);
      if (!n.ok()) return n.status();
      s.rows = ToLong(n->rows[0][0]);
      Status moved = db_.Catalog().MoveAside(txn, info, s.storage);
      if (!moved.ok()) return moved.WithContext("moving " + t.table + " aside into a snapshot");
      s.description += " (moved aside, not copied)";
    } else if (t.kind != SnapshotKind::kNone) {
      Status copied = Copy(txn, db_, info, s, "", {});
      if (!copied.ok()) return copied.WithContext("copying " + t.table + " into a snapshot");
    }
    ORCH_RETURN_IF_ERROR(InsertCatalog(txn, s));
    if (after_copy_) after_copy_(++copies_);
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<SnapshotInfo>> Snapshots::CaptureNow(const SnapshotSource& from,
                                                        const std::string& sql) {
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  auto taken = Capture(**txn, from, sql);
  if (!taken.ok()) return taken;
  Status st = (*txn)->Commit();
  if (!st.ok()) return st.WithContext("committing the snapshot taken before the step");
  return taken;
}

Result<SnapshotInfo> Snapshots::CaptureRows(Transaction& txn, const SnapshotSource& from,
                                            const std::string& table, const std::string& where,
                                            const std::vector<Value>& params,
                                            const std::string& description) {
  auto info = DescribeTable(txn, db_, table);
  if (!info.ok()) return info.status();
  if (!info->exists)
    return Status::Failed("cannot snapshot rows of " + table + ": there is no such table");
  if (!catalog_exists_) ORCH_RETURN_IF_ERROR(EnsureCatalog(txn, db_));
  SnapshotInfo s;
  s.from = from;
  s.table = table;
  s.kind = SnapshotKind::kRows;
  s.created_at = now_();
  s.description = description;
  s.columns = Writable(*info);
  s.key_columns = info->Key();
  auto id = NextId(txn, db_);
  if (!id.ok()) return id.status();
  s.id = *id;
  Status copied = Copy(txn, db_, *info, s, where, params);
  if (!copied.ok()) return copied.WithContext("copying rows of " + table + " into a snapshot");
  ORCH_RETURN_IF_ERROR(InsertCatalog(txn, s));
  if (after_copy_) after_copy_(++copies_);
  return s;
}

Result<std::vector<CaptureEstimate>> Snapshots::Estimate(const std::string& sql,
                                                         double lock_timeout_seconds) {
  std::vector<CaptureEstimate> out;
  const CatalogDialect& d = db_.Catalog();
  const bool fold = d.FoldsIdentifierCase();
  const ScriptAnalysis analysis = AnalyzeScript(d.StatementDialect(), sql);
  std::vector<Target> targets = TargetsOf(d.StatementDialect(), analysis);
  {
    auto txn = db_.BeginRead();
    if (!txn.ok()) return txn.status();
    auto expanded = WithReferencingTables(**txn, db_, targets);
    if (expanded.ok()) targets = std::move(expanded).value();
  }
  for (const Target& t : targets) {
    CaptureEstimate e{t.table, t.kind, t.columns, t.description, -1, -1, false, ""};
    if (t.kind == SnapshotKind::kNone) {
      out.push_back(e);
      continue;
    }
    // A transaction per table: on PostgreSQL one failed query (a lock wait that timed out) would
    // abort the rest.
    auto txn = db_.BeginRead();
    if (!txn.ok()) return txn.status();
    Transaction& r = **txn;
    if (!r.LimitWaits(lock_timeout_seconds, lock_timeout_seconds * 4).ok()) {
      out.push_back(e);
      continue;
    }
    auto info = DescribeTable(r, db_, t.table);
    if (!info.ok() || !info->exists) {
      if (info.ok()) e.kind = SnapshotKind::kSkip;  // does not exist now: nothing to capture
      out.push_back(e);
      continue;
    }
    std::vector<std::string> copied;
    if (t.kind == SnapshotKind::kColumns) {
      for (const std::string& c : t.columns)
        if (const ColumnInfo* ci = info->Find(c, fold)) copied.push_back(ci->name);
      if (copied.empty()) e.kind = SnapshotKind::kSkip;
      std::vector<std::string> key = info->Key();
      copied.insert(copied.end(), key.begin(), key.end());
    }
    if (e.kind == SnapshotKind::kSkip) {
      out.push_back(e);
      continue;
    }
    TableSize size = d.EstimateSize(r, *info, copied);
    e.rows = size.rows;
    e.bytes = size.bytes;
    if (OnlyDropped(analysis, t)) {
      auto why = d.WhyNotMovable(r, *info);
      e.move = why.ok() && why->empty();
      e.why_copied = why.ok() ? *why : why.status().message();
    }
    out.push_back(e);
  }
  return out;
}

bool SnapshotsBefore(const Policy& policy, const Step& step) {
  return policy.snapshot == SnapshotPolicy::kOnDestroy && !step.sql.empty() &&
         (step.kind == StepKind::kRevertMigration ||
          (step.kind == StepKind::kUndoSeed && step.has_undo));
}

Result<std::vector<PlannedSnapshot>> EstimatePlan(Database& db, const Policy& policy,
                                                  const RunPlan& run) {
  std::vector<PlannedSnapshot> out;
  Snapshots snaps(db, NowIso8601);
  for (size_t i = 0; i < run.steps.size(); ++i) {
    if (!SnapshotsBefore(policy, run.steps[i])) continue;
    auto e = snaps.Estimate(run.steps[i].sql, policy.lock_timeout_seconds);
    if (!e.ok()) return e.status();
    for (auto& one : *e) out.push_back({static_cast<int>(i + 1), std::move(one)});
  }
  return out;
}

std::vector<std::string> DescribeCaptures(Dialect dialect, const std::string& sql) {
  return DescribeCaptures(dialect, AnalyzeScript(dialect, sql));
}

std::vector<std::string> DescribeCaptures(Dialect dialect, const ScriptAnalysis& analysis) {
  std::vector<std::string> out;
  for (const Target& t : TargetsOf(dialect, analysis)) {
    if (t.kind == SnapshotKind::kNone)
      out.push_back("NOTHING CAN BE CAPTURED (" + t.description + ")");
    else if (dialect == Dialect::kPostgres && OnlyDropped(analysis, t))
      out.push_back("whole table " + t.table +
                    ", moved aside if nothing depends on it when the step runs, else copied (" +
                    t.description + ")");
    else
      out.push_back((t.kind == SnapshotKind::kColumns ? "columns " + Join(t.columns, ",") + " of "
                                                      : "whole table ") +
                    t.table + " (" + t.description + ")");
  }
  return out;
}

std::string DescribeEstimate(const CaptureEstimate& e) {
  if (e.kind == SnapshotKind::kNone) return "NOTHING CAN BE CAPTURED: " + e.description;
  if (e.kind == SnapshotKind::kSkip) return "nothing of " + e.table + " (it does not exist now)";
  std::string size =
      e.rows < 0 ? "size unknown" : std::to_string(e.rows) + " rows, " + HumanBytes(e.bytes);
  if (e.move) return "whole table " + e.table + ", moved aside, not copied (" + size + ")";
  return (e.kind == SnapshotKind::kColumns ? "columns " + Join(e.columns, ",") + " of "
                                           : "whole table ") +
         e.table + " (" + size + ")" +
         (e.why_copied.empty() ? ""
                               : ", copied: " + e.why_copied +
                                     " now (moved aside instead if that is gone when it runs)");
}

std::string HumanBytes(long bytes) {
  if (bytes < 0) return "unknown size";
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string IsoMinusSeconds(const std::string& iso, double seconds) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
    return "";
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t t = timegm(&tm) - static_cast<std::time_t>(seconds);
  std::tm out{};
  gmtime_r(&t, &out);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &out);
  char full[80];
  std::snprintf(full, sizeof full, "%s.%03dZ", buf, ms);
  return full;
}

}  // namespace orchestrate
