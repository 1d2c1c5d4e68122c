// List, restore and prune: reading the catalog and putting captured data back.
#include "snapshot/internal.h"

namespace orchestrate {

using namespace snapshot_internal;

namespace {

std::string Where(const SnapshotInfo& s) {
  return "snapshot " + std::to_string(s.id) + " (" + s.description + ", from " +
         (s.from.source.empty() ? "" : s.from.source + " of ") + "release " + s.from.release + ")";
}

// "t.k = s.k AND ..." matching NULLs as equal; PostgreSQL casts the stored value back to the
// column's type now (it may have been stored as text). A column that cannot be NULL is compared
// with "=": PostgreSQL cannot hash or merge IS NOT DISTINCT FROM, and a nested loop over two
// large tables would take hours.
std::string KeyMatch(const Database& db, const TableInfo& target,
                     const std::vector<std::string>& key) {
  std::string out;
  for (const std::string& k : key) {
    std::string q = db.QuoteIdent(k);
    std::string stored = "s." + q;
    if (IsPg(db)) stored = "CAST(" + stored + " AS " + target.Find(k, false)->type + ")";
    const ColumnInfo* c = target.Find(k, !IsPg(db));
    // (SQLite's IS uses indexes; its primary keys other than INTEGER may hold NULLs.)
    bool nullable = !IsPg(db) || (c && !c->not_null && c->key_position == 0);
    out += (out.empty() ? "" : " AND ") + ("t." + q) +
           (!nullable  ? " = "
            : IsPg(db) ? " IS NOT DISTINCT FROM "
                       : " IS ") +
           stored;
  }
  return out;
}

std::string StoredValue(const Database& db, const TableInfo& target, const std::string& column) {
  std::string v = "s." + db.QuoteIdent(column);
  return IsPg(db) ? "CAST(" + v + " AS " + target.Find(column, false)->type + ")" : v;
}

// After inserting explicit values into serial or identity columns, their sequences must move past
// them, or the application's next INSERT collides with a restored row.
Status AdvanceSequences(Transaction& txn, const Database& db, const std::string& ref,
                        const std::vector<std::string>& columns) {
  for (const std::string& c : columns) {
    auto seq = txn.Query("SELECT pg_get_serial_sequence($1, $2)", {ref, c});
    if (!seq.ok()) return seq.status();
    if (seq->rows.empty() || !seq->rows[0][0]) continue;
    ORCH_RETURN_IF_ERROR(txn.Query("SELECT setval($1, m) FROM (SELECT MAX(" + db.QuoteIdent(c) +
                                       ") AS m FROM " + ref + ") x WHERE m IS NOT NULL",
                                   {*seq->rows[0][0]})
                             .status());
  }
  return Status::Ok();
}

// Runs an INSERT or UPDATE and returns the rows it changed, without holding them in memory.
Result<long> CountChanged(Transaction& txn, const Database& db, const std::string& sql) {
  if (IsPg(db)) {
    auto n = txn.Query("WITH changed AS (" + sql + " RETURNING 1) SELECT COUNT(*) FROM changed");
    if (!n.ok()) return n.status();
    return n->rows.empty() ? 0L : ToLong(n->rows[0][0]);
  }
  ORCH_RETURN_IF_ERROR(txn.Exec(sql));
  auto n = txn.Query("SELECT changes()");  // of the last statement on this connection
  if (!n.ok()) return n.status();
  return n->rows.empty() ? 0L : ToLong(n->rows[0][0]);
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
  if (s.kind == "none")
    return Status::Invalid(Where(s) +
                           " holds no data: nothing could be captured, so nothing can be "
                           "restored");

  const bool fold = !IsPg(db_);
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
  if (s.kind != "columns") all.clear();
  all.insert(all.end(), s.columns.begin(), s.columns.end());
  for (const std::string& c : all)
    if (!target.Find(c, fold))
      return Status::NeedsHuman("cannot restore " + Where(s) + ": column " + s.table + "." + c +
                                " does not exist; " + redeploy);

  const std::string ref = TableRef(db_, s.table);
  const std::string storage = StorageRef(db_, s.storage);
  std::string sql;
  if (s.kind == "columns") {
    std::string set;
    for (const std::string& c : s.columns)
      set += (set.empty() ? "" : ", ") + db_.QuoteIdent(target.Find(c, fold)->name) + " = " +
             StoredValue(db_, target, target.Find(c, fold)->name);
    sql = "UPDATE " + ref + " AS t SET " + set + " FROM " + storage + " AS s WHERE " +
          KeyMatch(db_, target, s.key_columns);
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
    sql = "INSERT INTO " + ref + " (" + cols + ")" + (IsPg(db_) ? " OVERRIDING SYSTEM VALUE" : "") +
          " SELECT " + values + " FROM " + storage + " AS s WHERE NOT EXISTS (SELECT 1 FROM " +
          ref + " AS t WHERE " + KeyMatch(db_, target, key) + ")";
  }
  auto changed = CountChanged(t, db_, sql);
  if (!changed.ok()) return changed.status().WithContext("restoring " + Where(s));
  result.rows = *changed;
  if (s.kind != "columns" && IsPg(db_))
    ORCH_RETURN_IF_ERROR(AdvanceSequences(t, db_, ref, s.columns));
  ORCH_RETURN_IF_ERROR(
      t.Exec("UPDATE orchestrate_snapshot_index SET restored_at = $1 WHERE id = $2",
             {now_(), std::to_string(id)}));
  Status st = t.Commit();
  if (!st.ok()) return st.WithContext("committing the restore of " + Where(s));
  return result;
}

Result<std::vector<SnapshotInfo>> Snapshots::Prune(const std::optional<std::string>& cutoff) {
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  Transaction& t = **txn;
  auto exists = CatalogExists(t, db_);
  if (!exists.ok()) return exists.status();
  if (!*exists) return std::vector<SnapshotInfo>{};
  auto doomed = cutoff ? LoadCatalog(t, "created_at < $1", {*cutoff}) : LoadCatalog(t, "", {});
  if (!doomed.ok()) return doomed;
  for (const SnapshotInfo& s : *doomed) {
    if (!s.storage.empty())
      ORCH_RETURN_IF_ERROR(t.Exec("DROP TABLE IF EXISTS " + StorageRef(db_, s.storage)));
    ORCH_RETURN_IF_ERROR(
        t.Exec("DELETE FROM orchestrate_snapshot_index WHERE id = $1", {std::to_string(s.id)}));
  }
  Status st = t.Commit();
  if (!st.ok()) return st.WithContext("committing the prune");
  return doomed;
}

}  // namespace orchestrate
