// The snapshot catalog (orchestrate_snapshot_index; its DDL in migrations/state_schema.h) and what
// the snapshot sources ask of the database's own catalog: whether a table exists, its columns and
// primary key.
#include <algorithm>
#include <cctype>

#include "migrations/state_schema.h"
#include "snapshot/internal.h"

namespace orchestrate::snapshot_internal {
namespace {

// Column lists are stored one name per line: a column name with a newline is not worth a format.
constexpr char kListSep = '\n';

constexpr const char* kCatalogColumns =
    "id, run_id, step, release, source, source_table, kind, key_columns, columns, row_count, "
    "storage, created_at, restored_at, description";

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool SameName(const std::string& a, const std::string& b, bool fold_case) {
  return fold_case ? Lower(a) == Lower(b) : a == b;
}

// PostgreSQL: (name, type, position in the primary key or NULL, generated, outside pg_catalog,
// not null).
constexpr const char* kPgColumns =
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
    "array_position(i.indkey::int2[], a.attnum), a.attgenerated <> '', "
    "t.typnamespace <> 'pg_catalog'::regnamespace, a.attnotnull "
    "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
    "LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary "
    "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

Result<TableInfo> DescribePg(Transaction& txn, const Database& db, const std::string& table) {
  TableInfo info;
  info.name = table;
  std::string ref = TableRef(db, table);
  auto kind = txn.Query("SELECT relkind FROM pg_class WHERE oid = to_regclass($1)", {ref});
  if (!kind.ok()) return kind.status();
  if (kind->rows.empty()) return info;
  std::string k = kind->rows[0][0].value_or("");
  if (k != "r" && k != "p") return info;
  auto cols = txn.Query(kPgColumns, {ref});
  if (!cols.ok()) return cols.status();
  info.exists = true;
  // array_position counts from the array's lower bound, 0 for an int2vector: order only.
  std::vector<std::pair<long, size_t>> key;
  for (const Row& r : cols->rows) {
    ColumnInfo c;
    c.name = r[0].value_or("");
    c.type = r[1].value_or("");
    c.generated = r[3].value_or("f") == "t";
    c.store_as_text = r[4].value_or("f") == "t";
    c.not_null = r[5].value_or("f") == "t";
    if (r[2]) key.emplace_back(ToLong(r[2]), info.columns.size());
    info.columns.push_back(c);
  }
  std::sort(key.begin(), key.end());
  for (size_t i = 0; i < key.size(); ++i)
    info.columns[key[i].second].key_position = static_cast<int>(i + 1);
  return info;
}

Result<TableInfo> DescribeSqlite(Transaction& txn, const std::string& table) {
  TableInfo info;
  std::string name = table;
  if (Lower(name).rfind("main.", 0) == 0) name = name.substr(5);
  auto found = txn.Query(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name = $1 COLLATE NOCASE", {name});
  if (!found.ok()) return found.status();
  if (found->rows.empty()) return info;
  info.exists = true;
  info.name = found->rows[0][0].value_or(name);
  // table_info leaves out generated (hidden) columns: they are neither copied nor restored.
  auto cols = txn.Query(
      "SELECT name, type, pk, \"notnull\" FROM pragma_table_info($1) ORDER BY cid", {info.name});
  if (!cols.ok()) return cols.status();
  for (const Row& r : cols->rows) {
    ColumnInfo c;
    c.name = r[0].value_or("");
    c.type = r[1].value_or("");
    c.key_position = static_cast<int>(ToLong(r[2]));
    c.not_null = ToLong(r[3]) != 0;
    info.columns.push_back(c);
  }
  return info;
}

SnapshotInfo FromRow(const Row& r) {
  SnapshotInfo s;
  s.id = ToLong(r[0]);
  s.from.run_id = ToLong(r[1]);
  s.from.step = static_cast<int>(ToLong(r[2]));
  s.from.release = r[3].value_or("");
  s.from.source = r[4].value_or("");
  s.table = r[5].value_or("");
  s.kind = r[6].value_or("");
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
    if (SameName(n, name, fold_case)) return true;
  return false;
}

std::string TableRef(const Database& db, const std::string& table) {
  std::string out;
  for (const std::string& part : Split(table, '.'))
    out += (out.empty() ? "" : ".") + db.QuoteIdent(part);
  return out;
}

std::string StorageRef(const Database& db, const std::string& name) {
  return IsPg(db) ? db.QuoteIdent("orchestrate_snapshots") + "." + db.QuoteIdent(name)
                  : db.QuoteIdent(name);
}

std::vector<std::string> TableInfo::Key() const {
  std::vector<std::pair<int, std::string>> key;
  for (const auto& c : columns)
    if (c.key_position > 0) key.emplace_back(c.key_position, c.name);
  std::sort(key.begin(), key.end());
  std::vector<std::string> out;
  for (auto& k : key) out.push_back(k.second);
  return out;
}

const ColumnInfo* TableInfo::Find(const std::string& column, bool fold_case) const {
  for (const auto& c : columns)
    if (SameName(c.name, column, fold_case)) return &c;
  return nullptr;
}

Result<TableInfo> DescribeTable(Transaction& txn, const Database& db, const std::string& table) {
  auto info = IsPg(db) ? DescribePg(txn, db, table) : DescribeSqlite(txn, table);
  if (!info.ok()) return info.status().WithContext("reading the columns of " + table);
  return info;
}

Result<std::vector<std::pair<std::string, std::string>>> ReferencingTables(Transaction& txn,
                                                                           const Database& db,
                                                                           const std::string& table,
                                                                           bool all) {
  std::vector<std::pair<std::string, std::string>> out;
  if (IsPg(db)) {
    // Named as the analyzer names tables: unqualified in the current schema.
    auto r = txn.Query(
        "SELECT DISTINCT CASE WHEN n.nspname = current_schema() THEN r.relname ELSE n.nspname || "
        "'.' || r.relname END, c.confdeltype FROM pg_constraint c JOIN pg_class r ON r.oid = "
        "c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace WHERE c.contype = 'f' AND "
        "c.confrelid = to_regclass($1) AND c.conrelid <> c.confrelid",
        {TableRef(db, table)});
    if (!r.ok()) return r.status().WithContext("reading the foreign keys to " + table);
    for (const Row& row : r->rows) {
      std::string action = row[1].value_or("");
      const char* name = action == "c"   ? "ON DELETE CASCADE"
                         : action == "n" ? "ON DELETE SET NULL"
                         : action == "d" ? "ON DELETE SET DEFAULT"
                                         : nullptr;
      if (!name && !all) continue;
      out.emplace_back(row[0].value_or(""),
                       "references " + table + " (" + (all ? "TRUNCATE CASCADE" : name) + ")");
    }
    return out;
  }
  auto r = txn.Query(
      "SELECT DISTINCT m.name, f.on_delete FROM sqlite_master m, pragma_foreign_key_list(m.name) "
      "f WHERE m.type = 'table' AND f.\"table\" = $1 COLLATE NOCASE AND m.name <> $1 COLLATE "
      "NOCASE AND f.on_delete IN ('CASCADE', 'SET NULL', 'SET DEFAULT')",
      {table});
  if (!r.ok()) return r.status().WithContext("reading the foreign keys to " + table);
  for (const Row& row : r->rows)
    out.emplace_back(row[0].value_or(""),
                     "references " + table + " (ON DELETE " + row[1].value_or("") + ")");
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
  return txn.Exec(
      std::string("INSERT INTO orchestrate_snapshot_index (") + kCatalogColumns +
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, $13)",
      {std::to_string(s.id), std::to_string(s.from.run_id), std::to_string(s.from.step),
       s.from.release, s.from.source, s.table, s.kind,
       Join(s.key_columns, std::string(1, kListSep)), Join(s.columns, std::string(1, kListSep)),
       std::to_string(s.rows), s.storage, s.created_at, s.description});
}

}  // namespace orchestrate::snapshot_internal
