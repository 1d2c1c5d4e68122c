// Helpers shared by the snapshot/ sources; not part of the module's interface.
#pragma once

#include <string>
#include <vector>

#include "migrations/analysis/analysis.h"
#include "migrations/catalog_dialect.h"
#include "migrations/database.h"
#include "snapshot/snapshot.h"

namespace orchestrate::snapshot_internal {

std::string Join(const std::vector<std::string>& parts, const std::string& sep);
// Splits on `sep`; an empty string gives no parts.
std::vector<std::string> Split(const std::string& text, char sep);
bool Contains(const std::vector<std::string>& names, const std::string& name, bool fold_case);

// A table name as the SQL names it ("orders", "app.orders"), quoted part by part for `db`.
std::string TableRef(const Database& db, const std::string& table);

// A table's columns and primary key as the database's catalog describes them
// (migrations/catalog_dialect.h).
using ColumnInfo = CatalogColumn;
using TableInfo = TableDescription;

// The table's columns and primary key from the catalog, read in `txn`. exists == false when there
// is no such table (views are not tables).
Result<TableInfo> DescribeTable(Transaction& txn, const Database& db, const std::string& table);

// One thing to capture, derived from the analysis of a script (no database involved).
struct Target {
  std::string table;                         // empty for kind "none"
  SnapshotKind kind = SnapshotKind::kTable;  // kTable, kColumns or kNone
  std::vector<std::string> columns;          // kind "columns"
  std::string description;                   // "line 2: drops column orders.item_count; ..."
  // Rows of the table are deleted (DELETE, TRUNCATE, REPLACE, unanalysable; on SQLite also DROP
  // TABLE, an implicit DELETE): foreign keys may delete or change rows of other tables too.
  bool deletes_rows = false;
  bool truncate_cascade = false;  // TRUNCATE ... CASCADE: every referencing table is emptied
};

// What `sql` destroys, merged per table (a whole-table capture covers any column capture of the
// same table), in order of first appearance. Pure.
std::vector<Target> TargetsOf(Dialect dialect, const std::string& sql);
// The same from a script already analysed.
std::vector<Target> TargetsOf(Dialect dialect, const ScriptAnalysis& analysis);

// Tables whose rows deleting rows of `table` deletes or changes through their foreign keys (ON
// DELETE CASCADE, SET NULL, SET DEFAULT; every referencing table when `all`), as (table, why).
Result<std::vector<std::pair<std::string, std::string>>> ReferencingTables(Transaction& txn,
                                                                           const Database& db,
                                                                           const std::string& table,
                                                                           bool all);

// The catalog. EnsureCatalog creates it and the id counter where missing, in `txn`, with the
// statements of migrations/state_schema.h (SnapshotCatalogStatements).
Status EnsureCatalog(Transaction& txn, const Database& db);
Result<bool> CatalogExists(Transaction& txn, const Database& db);
// Catalog rows matching `where` (SQL over the catalog's columns, parameters $1...), newest first.
Result<std::vector<SnapshotInfo>> LoadCatalog(Transaction& txn, const std::string& where,
                                              const std::vector<Value>& params);
// Records `s` (every field but restored_at) when `txn` commits (Transaction::ExecAtCommit).
Status InsertCatalog(Transaction& txn, const SnapshotInfo& s);

}  // namespace orchestrate::snapshot_internal
