// The snapshot catalog (orchestrate_snapshot_index; its DDL in migrations/state_schema.h) and what
// the snapshot sources ask of the database's own catalog (Database::Catalog()): whether a table
// exists, its columns and primary key, the tables whose rows go with its rows.
#include "migrations/state_schema.h"
#include "plans/names.h"
#include "snapshot/internal.h"

namespace orchestrate {
namespace {
constexpr std::pair<SnapshotKind, const char*> kSnapshotKinds[] = {
    {SnapshotKind::kTable, "table"},
    {SnapshotKind::kColumns, "columns"},
    {SnapshotKind::kRows, "rows"},
    {SnapshotKind::kNone, "none"},
    {SnapshotKind::kSkip, "skip"}};
}  // namespace

const char* Name(SnapshotKind kind) { return NameIn(kSnapshotKinds, kind, "table"); }
std::optional<SnapshotKind> SnapshotKindFromName(std::string_view name) {
  return FromNameIn(kSnapshotKinds, name);
}

}  // namespace orchestrate

namespace orchestrate::snapshot_internal {
namespace {

// Column lists are stored one name per line: a column name with a newline is not worth a format.
constexpr char kListSep = '\n';

constexpr const char* kCatalogColumns =
    "id, run_id, step, release, source, source_table, kind, key_columns, columns, row_count, "
    "storage, created_at, restored_at, description";

SnapshotInfo FromRow(const Row& r) {
  SnapshotInfo s;
  s.id = ToLong(r[0]);
  s.from.run_id = ToLong(r[1]);
  s.from.step = static_cast<int>(ToLong(r[2]));
  s.from.release = r[3].value_or("");
  s.from.source = r[4].value_or("");
  s.table = r[5].value_or("");
  // A kind this build does not know (a newer one wrote it) is listed and restored as a whole
  // table's rows, as before kinds were named by an enum.
  s.kind = SnapshotKindFromName(r[6].value_or("")).value_or(SnapshotKind::kTable);
  s.key_columns = Split(r[7].value_or(""), kListSep);
  s.columns = Split(r[8].value_or(""), kListSep);
  s.rows = ToLong(r[9]);
  s.storage = r[10].value_or("");
  s.created_at = r[11].value_or("");
  s.restored_at = r[12].value_or("");
  s.description = r[13].value_or("");
  return s;
}

}  // namespace

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  size_t start = 0;
  for (size_t pos; (pos = text.find(sep, start)) != std::string::npos; start = pos + 1)
    out.push_back(text.substr(start, pos - start));
  out.push_back(text.substr(start));
  return out;
}

bool Contains(const std::vector<std::string>& names, const std::string& name, bool fold_case) {
  for (const auto& n : names)
    if (TableDescription::SameIdentifier(n, name, fold_case)) return true;
  return false;
}

std::string TableRef(const Database& db, const std::string& table) {
  std::string out;
  for (const std::string& part : Split(table, '.'))
    out += (out.empty() ? "" : ".") + db.QuoteIdent(part);
  return out;
}

Result<TableInfo> DescribeTable(Transaction& txn, const Database& db, const std::string& table) {
  auto info = db.Catalog().DescribeTable(txn, table);
  if (!info.ok()) return info.status().WithContext("reading the columns of " + table);
  return info;
}

Result<std::vector<std::pair<std::string, std::string>>> ReferencingTables(Transaction& txn,
                                                                           const Database& db,
                                                                           const std::string& table,
                                                                           bool all) {
  auto refs = db.Catalog().ReferencingTables(txn, table, all);
  if (!refs.ok()) return refs.status().WithContext("reading the foreign keys to " + table);
  std::vector<std::pair<std::string, std::string>> out;
  for (const ReferencingTable& r : *refs)
    out.emplace_back(r.table, "references " + table + " (" +
                                  (all ? "TRUNCATE CASCADE" : "ON DELETE " + r.on_delete) + ")");
  return out;
}

Status EnsureCatalog(Transaction& txn, const Database& db) {
  for (const std::string& ddl : SnapshotCatalogStatements(db)) ORCH_RETURN_IF_ERROR(txn.Exec(ddl));
  return Status::Ok();
}

Result<bool> CatalogExists(Transaction& txn, const Database& db) {
  auto has = StateTableExists(txn, db, "orchestrate_snapshot_index");
  if (!has.ok()) return has.status().WithContext("looking for the snapshot catalog");
  return has;
}

Result<std::vector<SnapshotInfo>> LoadCatalog(Transaction& txn, const std::string& where,
                                              const std::vector<Value>& params) {
  auto r = txn.Query(std::string("SELECT ") + kCatalogColumns + " FROM orchestrate_snapshot_index" +
                         (where.empty() ? "" : " WHERE " + where) + " ORDER BY id DESC",
                     params);
  if (!r.ok()) return r.status().WithContext("reading the snapshot catalog");
  std::vector<SnapshotInfo> out;
  for (const Row& row : r->rows) out.push_back(FromRow(row));
  return out;
}

Status InsertCatalog(Transaction& txn, const SnapshotInfo& s) {
  // Nothing reads the row before the snapshot's transaction commits: it rides with the COMMIT.
  return txn.ExecAtCommit(
      std::string("INSERT INTO orchestrate_snapshot_index (") + kCatalogColumns +
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, $13)",
      {std::to_string(s.id), std::to_string(s.from.run_id), std::to_string(s.from.step),
       s.from.release, s.from.source, s.table, Name(s.kind),
       Join(s.key_columns, std::string(1, kListSep)), Join(s.columns, std::string(1, kListSep)),
       std::to_string(s.rows), s.storage, s.created_at, s.description});
}

}  // namespace orchestrate::snapshot_internal
