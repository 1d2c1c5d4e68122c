// The catalog's seam to a dialect: what code above the adapters (snapshot/ first; later the check
// and the journal) asks of a database's own catalog, and the few SQL fragments that PostgreSQL and
// SQLite spell differently, so that no code outside the adapters tests which dialect it talks to.
// Each adapter has one implementation next to it (migrations/postgres/catalog_dialect.h,
// migrations/sqlite/catalog_dialect.h), which Database::Catalog() returns.
//
// An implementation holds no state of its own beyond the Database it quotes identifiers for, so
// its methods are const and it may be shared by every transaction of that database. Methods that
// take a Transaction run their statements in it and return the database's error as is; methods
// that return SQL text only build it (no I/O). The statements sent and the text returned are part
// of what the review script records: for given inputs they must never change by accident (the
// goldens in tests/golden/ check them).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "migrations/database.h"
#include "migrations/statement_split.h"

namespace orchestrate {

// A column of a table as the catalog describes it.
struct CatalogColumn {
  std::string name;
  std::string type;      // PostgreSQL: format_type(); SQLite: the declared type
  int key_position = 0;  // 1-based position in the primary key; 0 when not part of it
  bool generated = false;
  bool not_null = false;
  bool store_as_text = false;  // PostgreSQL: a type outside pg_catalog (enum, domain, ...)
};

// A table as the catalog describes it: its columns in their order and its primary key.
struct TableDescription {
  bool exists = false;  // false when there is no such table (views are not tables)
  std::string name;     // SQLite: the name as created; PostgreSQL: as asked
  std::string ref;      // the table, ready for SQL (quoted; qualified where it was asked so)
  std::vector<CatalogColumn> columns;

  // The primary key's columns in key order; empty when the table has none.
  std::vector<std::string> Key() const {
    std::vector<std::pair<int, std::string>> key;
    for (const auto& c : columns)
      if (c.key_position > 0) key.emplace_back(c.key_position, c.name);
    std::sort(key.begin(), key.end());
    std::vector<std::string> out;
    for (auto& k : key) out.push_back(k.second);
    return out;
  }
  // The column named `column` (compared without case when `fold_case`); nullptr when none.
  const CatalogColumn* Find(const std::string& column, bool fold_case) const {
    for (const auto& c : columns)
      if (SameIdentifier(c.name, column, fold_case)) return &c;
    return nullptr;
  }
  // Whether `a` and `b` name the same thing (compared without ASCII case when `fold_case`).
  static bool SameIdentifier(const std::string& a, const std::string& b, bool fold_case) {
    if (!fold_case) return a == b;
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  }
};

// A table with a foreign key to another one.
struct ReferencingTable {
  std::string table;      // named as the statement analyzer names tables (unqualified when it is
                          // in the current schema)
  std::string on_delete;  // its ON DELETE action: "CASCADE", "SET NULL", "SET DEFAULT", ...
};

// What a read of a table's size found; -1 for what is unknown.
struct TableSize {
  long rows = -1;
  long bytes = -1;
};

class CatalogDialect {
 public:
  virtual ~CatalogDialect() = default;

  // ---- the catalog ------------------------------------------------------------------------------

  // The dialect a script for this database is analysed in (AnalyzeScript and friends).
  virtual Dialect StatementDialect() const = 0;
  // Whether the database compares identifiers without case (SQLite: "Orders" is orders), so that
  // a name a script spells is matched to the catalog's without case.
  virtual bool FoldsIdentifierCase() const = 0;
  // The table `table` ("orders", "app.orders") as the catalog describes it, read in `txn`; exists
  // false when there is no such table. Errors: the failing query's.
  virtual Result<TableDescription> DescribeTable(Transaction& txn,
                                                 const std::string& table) const = 0;
  // The other tables with a foreign key to `table` whose ON DELETE action deletes or changes their
  // rows (CASCADE, SET NULL, SET DEFAULT); with `every_action`, every one whatever its action (for
  // TRUNCATE ... CASCADE, which only PostgreSQL has: SQLite ignores it). Each table once per
  // action, in no particular order.
  virtual Result<std::vector<ReferencingTable>> ReferencingTables(Transaction& txn,
                                                                  const std::string& table,
                                                                  bool every_action) const = 0;
  // An estimate of the rows of `table` and of the bytes that `columns` of them hold (every column
  // when empty), cheap where the catalog keeps statistics (PostgreSQL; an exact count when they
  // say the table is empty or was never analysed) and exact otherwise. A failing read leaves -1.
  virtual TableSize EstimateSize(Transaction& txn, const TableDescription& table,
                                 const std::vector<std::string>& columns) const = 0;

  // ---- statements -------------------------------------------------------------------------------

  // Runs `sql`, an INSERT or UPDATE, and returns the number of rows it changed, without reading
  // them into memory.
  virtual Result<long> CountChanged(Transaction& txn, const std::string& sql) const = 0;
  // Whether the count that Transaction::ExecCount returns for a CREATE TABLE ... AS is the number
  // of rows it copied (PostgreSQL: its command tag says so; SQLite does not count them).
  virtual bool CreateTableAsCountsRows() const = 0;
  // Whether an UPDATE can return the values it wrote (UPDATE ... RETURNING): one round trip where
  // a read and a write take two. PostgreSQL: yes; the others: no (the default).
  virtual bool UpdateReturns() const { return false; }
  // After explicit values were inserted into `columns` of the table `ref` (ready for SQL): moves
  // whatever generates their values (PostgreSQL: serial and identity sequences) past the largest
  // one, so that the application's next INSERT does not collide. Nothing where the database picks
  // the next value from the table itself (SQLite).
  virtual Status AdvanceSequences(Transaction& txn, const std::string& ref,
                                  const std::vector<std::string>& columns) const = 0;

  // ---- SQL fragments ----------------------------------------------------------------------------

  // `expr`, a value of a column whose CatalogColumn::store_as_text is set, as the text a copy keeps
  // of it (so that the copy does not depend on a type that may be dropped or changed).
  virtual std::string StoredText(const std::string& expr) const = 0;
  // `expr`, a value stored by a copy of the column (maybe as text, see
  // CatalogColumn::store_as_text), as a value of the column's `type` again.
  virtual std::string FromStored(const std::string& expr, const std::string& type) const = 0;
  // `lhs` compared with `rhs`, a column `column` (nullptr when unknown) of the table, matching
  // NULLs as equal where the column may hold one.
  virtual std::string KeyEquals(const std::string& lhs, const std::string& rhs,
                                const CatalogColumn* column) const = 0;
  // UPDATE `target` (aliased t) setting each of `columns` (quoted) to the matching expression of
  // `values`, from the rows of `source` (aliased s) for which `match` holds. Default: PostgreSQL's
  // and SQLite's UPDATE ... FROM.
  virtual std::string UpdateFrom(const std::string& target, const std::vector<std::string>& columns,
                                 const std::vector<std::string>& values, const std::string& source,
                                 const std::string& match) const {
    std::string set;
    for (size_t i = 0; i < columns.size() && i < values.size(); ++i)
      set += (set.empty() ? "" : ", ") + columns[i] + " = " + values[i];
    return "UPDATE " + target + " AS t SET " + set + " FROM " + source + " AS s WHERE " + match;
  }
  // What goes between an INSERT's column list and its SELECT so that it may write explicit values
  // into identity columns ("" where nothing needs to be said); starts with a space when not empty.
  virtual std::string OverridingGenerated() const = 0;

  // ---- the copies that snapshots keep -----------------------------------------------------------

  // The prefix of a copy's table name: in a namespace of their own (PostgreSQL: the schema
  // orchestrate_snapshots, created by Database::StateNamespaceStatements) the copies need no
  // orchestrate_ prefix to be told from user tables.
  virtual std::string CopyNamePrefix() const = 0;
  // The longest table name the database keeps, in bytes; 0 when it keeps any.
  virtual size_t MaxNameBytes() const = 0;
  // The copy `name` as SQL: qualified with its namespace where there is one.
  virtual std::string CopyRef(const std::string& name) const = 0;

  // ---- snapshots by move: a table a step drops, kept by moving it aside
  // ---------------------------

  // Inside `txn`: "" when the table `info` (which exists) can be moved into the copies' namespace
  // instead of copied, because nothing else depends on it: no foreign key of another table into
  // it, no view or rule over it, no trigger, no default reading a sequence it does not own, no
  // column of a type outside the system's, no function of the user's in its constraints, indexes
  // or defaults, not partitioned, inherited or published. Else why not, in a few words (a copy is
  // taken instead). Dialects without moves say so (the default).
  virtual Result<std::string> WhyNotMovable(Transaction& txn, const TableDescription& info) const {
    (void)txn;
    (void)info;
    return std::string("this database keeps snapshots by copy only");
  }
  // Inside `txn`: moves the table `info` into the copies' namespace as the copy `storage` (its
  // foreign keys to other tables dropped: a snapshot holds data, not constraints), and leaves an
  // empty table of the same name in its place for the step's DROP TABLE to drop.
  // REQUIRES: WhyNotMovable said "" in the same transaction.
  virtual Status MoveAside(Transaction& txn, const TableDescription& info,
                           const std::string& storage) const {
    (void)txn;
    (void)info;
    (void)storage;
    return Status::Invalid("this database keeps snapshots by copy only");
  }
};

}  // namespace orchestrate
