// List, restore and prune: reading the catalog and putting captured data back.
#include "snapshot/internal.h"

#include "migrations/state_schema.h"
#include "plans/planner.h"

namespace orchestrate {

using namespace snapshot_internal;

namespace {

std::string Where(const SnapshotInfo& s) {
  return "snapshot " + std::to_string(s.id) + " (" + s.description + ", from " +
         (s.from.source.empty() ? "" : s.from.source + " of ") + "release " + s.from.release + ")";
}

// The value stored for `column` of `target`, as a value of the column's type again (it may have
// been stored as text). REQUIRES: the column exists.
std::string StoredValue(const Database& db, const TableInfo& target, const std::string& column) {
  const CatalogDialect& d = db.Catalog();
  const ColumnInfo* c = target.Find(column, d.FoldsIdentifierCase());
  return d.FromStored("s." + db.QuoteIdent(column), c ? c->type : std::string());
}

// "t.k = s.k AND ..." matching NULLs as equal where the column may hold one, the stored value as
// a value of the column's type now.
std::string KeyMatch(const Database& db, const TableInfo& target,
                     const std::vector<std::string>& key) {
  const CatalogDialect& d = db.Catalog();
  std::string out;
  for (const std::string& k : key) {
    const ColumnInfo* c = target.Find(k, d.FoldsIdentifierCase());
    out += (out.empty() ? "" : " AND ") +
           d.KeyEquals("t." + db.QuoteIdent(k), StoredValue(db, target, k), c);
  }
  return out;
}

}  // namespace

Result<std::vector<SnapshotInfo>> Snapshots::List() {
  auto txn = db_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto exists = CatalogExists(**txn, db_);
  if (!exists.ok()) return exists.status();
  if (!*exists) return std::vector<SnapshotInfo>{};
  return LoadCatalog(**txn, "", {});
}

Result<RestoreResult> Snapshots::Restore(int64_t id) {
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  Transaction& t = **txn;
  auto exists = CatalogExists(t, db_);
  if (!exists.ok()) return exists.status();
  std::vector<SnapshotInfo> found;
  if (*exists) {
    auto loaded = LoadCatalog(t, "id = $1", {std::to_string(id)});
    if (!loaded.ok()) return loaded.status();
    found = std::move(loaded).value();
  }
  if (found.empty())
    return Status::Invalid("there is no snapshot " + std::to_string(id) + " in " +
                           db_.DisplayUrl() + ": `orchestrate snapshots PLAN list` shows them");
  RestoreResult result{found.front(), 0};
  const SnapshotInfo& s = result.snapshot;
  if (s.kind == SnapshotKind::kNone)
    return Status::Invalid(Where(s) +
                           " holds no data: nothing could be captured, so nothing can be "
                           "restored");

  const CatalogDialect& d = db_.Catalog();
  const bool fold = d.FoldsIdentifierCase();
  auto described = DescribeTable(t, db_, s.table);
  if (!described.ok()) return described.status();
  const TableInfo& target = *described;
  const std::string redeploy = "re-deploy the release that has it (" +
                               (s.from.release.empty() ? "its release" : s.from.release) +
                               ") first, then restore again";
  if (!target.exists)
    return Status::NeedsHuman("cannot restore " + Where(s) + ": table " + s.table +
                              " does not exist; " + redeploy);
  std::vector<std::string> all = s.key_columns;
  if (s.kind != SnapshotKind::kColumns) all.clear();
  all.insert(all.end(), s.columns.begin(), s.columns.end());
  for (const std::string& c : all)
    if (!target.Find(c, fold))
      return Status::NeedsHuman("cannot restore " + Where(s) + ": column " + s.table + "." + c +
                                " does not exist; " + redeploy);

  const std::string ref = TableRef(db_, s.table);
  const std::string storage = d.CopyRef(s.storage);
  std::string sql;
  if (s.kind == SnapshotKind::kColumns) {
    std::vector<std::string> columns, values;
    for (const std::string& c : s.columns) {
      columns.push_back(db_.QuoteIdent(target.Find(c, fold)->name));
      values.push_back(StoredValue(db_, target, target.Find(c, fold)->name));
    }
    sql = d.UpdateFrom(ref, columns, values, storage, KeyMatch(db_, target, s.key_columns));
  } else {
    // Rows whose key is present stay as they are: the table's primary key now when the snapshot
    // holds it, else every captured column.
    std::vector<std::string> key;
    for (const std::string& k : target.Key())
      if (Contains(s.columns, k, fold)) key.push_back(k);
    if (key.size() != target.Key().size() || key.empty()) key = s.columns;
    std::string cols, values;
    for (const std::string& c : s.columns) {
      if (target.Find(c, fold)->generated) continue;
      cols += (cols.empty() ? "" : ", ") + db_.QuoteIdent(c);
      values += (values.empty() ? "" : ", ") + StoredValue(db_, target, c);
    }
    sql = "INSERT INTO " + ref + " (" + cols + ")" + d.OverridingGenerated() + " SELECT " + values +
          " FROM " + storage + " AS s WHERE NOT EXISTS (SELECT 1 FROM " + ref + " AS t WHERE " +
          KeyMatch(db_, target, key) + ")";
  }
  auto changed = d.CountChanged(t, sql);
  if (!changed.ok()) return changed.status().WithContext("restoring " + Where(s));
  result.rows = *changed;
  if (s.kind != SnapshotKind::kColumns) ORCH_RETURN_IF_ERROR(d.AdvanceSequences(t, ref, s.columns));
  ORCH_RETURN_IF_ERROR(
      t.Exec("UPDATE orchestrate_snapshot_index SET restored_at = $1 WHERE id = $2",
             {now_(), std::to_string(id)}));
  Status st = t.Commit();
  if (!st.ok()) return st.WithContext("committing the restore of " + Where(s));
  return result;
}

Result<std::vector<SnapshotInfo>> Snapshots::Prune(
    const std::optional<std::string>& cutoff,
    std::vector<std::pair<SnapshotInfo, std::string>>* kept) {
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  Transaction& t = **txn;
  auto exists = CatalogExists(t, db_);
  if (!exists.ok()) return exists.status();
  if (!*exists) return std::vector<SnapshotInfo>{};
  auto doomed = cutoff ? LoadCatalog(t, "created_at < $1", {*cutoff}) : LoadCatalog(t, "", {});
  if (!doomed.ok()) return doomed;
  // The generated downs of the applied migrations, which name the copies they restore from.
  auto has_migrations = StateTableExists(t, db_, "orchestrate_migrations");
  if (!has_migrations.ok()) return has_migrations.status();
  QueryResult generated;
  if (*has_migrations) {
    auto r = t.Query("SELECT id, down_sql FROM orchestrate_migrations WHERE down_sql LIKE $1",
                     {std::string(kGeneratedDownHeader) + "%"});
    if (!r.ok()) return r.status().WithContext("reading the generated downs");
    generated = std::move(r).value();
  }
  std::vector<SnapshotInfo> pruned;
  for (const SnapshotInfo& s : *doomed) {
    if (!s.storage.empty()) {
      const std::string ref = db_.Catalog().CopyRef(s.storage);
      std::string user;
      for (const Row& r : generated.rows)
        if (r[1] && r[1]->find(ref) != std::string::npos) user = r[0].value_or("");
      if (!user.empty()) {
        if (kept) kept->push_back({s, user});
        continue;
      }
    }
    pruned.push_back(s);
  }
  for (const SnapshotInfo& s : pruned) {
    if (!s.storage.empty())
      ORCH_RETURN_IF_ERROR(t.Exec("DROP TABLE IF EXISTS " + db_.Catalog().CopyRef(s.storage)));
    ORCH_RETURN_IF_ERROR(
        t.Exec("DELETE FROM orchestrate_snapshot_index WHERE id = $1", {std::to_string(s.id)}));
  }
  Status st = t.Commit();
  if (!st.ok()) return st.WithContext("committing the prune");
  return pruned;
}

}  // namespace orchestrate
