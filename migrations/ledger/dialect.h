// The row ledger's seam to a dialect: everything the ledger (migrations/ledger.h) does that a
// PostgreSQL and a SQLite database do differently, and nothing else. The ledger's files
// (migrations/ledger/) drive capture and reversal without naming a dialect; each adapter has one
// implementation next to it (migrations/postgres/ledger_dialect.h, migrations/sqlite/
// ledger_dialect.h), which Database::Ledger() returns.
//
// An implementation holds no state of its own beyond the Database it quotes identifiers for, so
// its methods are const and it may be shared by every transaction of that database. Methods that
// take a Transaction run their statements in it and return the database's error as is; methods
// that return SQL text only build it (no I/O). Every statement built here is part of what the
// review script records, so the text an implementation returns for given inputs must never change
// by accident: the goldens in tests/golden/ check it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "migrations/statement_split.h"
#include "plans/model.h"  // OnModified

namespace orchestrate {

struct LedgerCapture;
struct LedgerTable;

namespace ledger_internal {

class ChunkSql;
struct Chunk;

// A declared table as the catalog describes it (LedgerTableInfo is built from it).
struct CatalogTable {
  std::string name;                      // as the ledger records it (PostgreSQL: regclass text)
  std::vector<std::string> columns;      // the columns the ledger records (not generated ones)
  std::vector<std::string> primary_key;  // in key order; empty when the table has none
  // The table has no declared key: and a primary key of one integer column (see
  // LedgerTableInfo::int_key); always false where ranges are not recorded.
  bool int_key = false;
};

// A foreign key that references a table: the child table and the column pairs.
struct ForeignKey {
  std::string child;                                 // quoted, ready for SQL
  std::vector<std::string> child_cols, parent_cols;  // quoted
  std::string name;
  std::string child_name, child_columns;  // for messages
  bool same_table = false;                // the child is the referenced table itself
};

}  // namespace ledger_internal

class LedgerDialect {
 public:
  using Chunk = ledger_internal::Chunk;
  using ChunkSql = ledger_internal::ChunkSql;

  virtual ~LedgerDialect();

  // ---- the catalog ------------------------------------------------------------------------------

  // The dialect a seed's SQL is analysed in (SchemaChangesInSeed, AnalyzeScript).
  virtual Dialect StatementDialect() const = 0;
  // Quotes an identifier, as Database::QuoteIdent of this dialect does.
  virtual std::string QuoteIdent(const std::string& name) const = 0;
  // The declared table's name, recorded columns and primary key; nullopt when it does not exist.
  // Checking `declared.key` against the columns is the caller's.
  virtual Result<std::optional<ledger_internal::CatalogTable>> FindTable(
      Transaction& txn, const LedgerTable& declared) const = 0;
  // The foreign keys that reference `table` (as the ledger records it), whose primary key is
  // `parent_pk` (for a foreign key that names no parent columns), in a stable order.
  virtual Result<std::vector<ledger_internal::ForeignKey>> ReferencingKeys(
      Transaction& txn, const std::string& table,
      const std::vector<std::string>& parent_pk) const = 0;

  // ---- capture ----------------------------------------------------------------------------------

  // Inside the seed's transaction, before its SQL and before the schema is read for
  // LedgerCapture::schema_before: installs what records the rows of `cap.tables` (and refuses or
  // notices writes to other tables of `db`). May fill in `cap.counters_before`.
  virtual Status InstallCapture(Database& db, Transaction& txn, LedgerCapture& cap) const = 0;
  // One row per schema object a seed must leave as it found it: its name and a description that
  // changes whenever the object does (the capture's own objects included).
  virtual std::string SchemaObjectsQuery() const = 0;
  // After the seed's SQL and the schema comparison, in the same transaction: removes what
  // InstallCapture installed, fails (kFailed, naming the table) when the seed wrote to a table it
  // did not declare, and leaves every recorded row in orchestrate_ledger as chunks.
  virtual Status RemoveCapture(Transaction& txn, const LedgerCapture& cap) const = 0;

  // ---- the pieces of a chunk's reversal SQL (ChunkSql puts them together) -------------------

  // A FROM item over the chunk's recorded rows (`which`: new_rows or old_rows) aliased `alias`.
  virtual std::string RecordedRows(const Chunk& c, const std::string& which,
                                   const std::string& alias) const = 0;
  // The value of column `col` of a recorded row aliased `alias`.
  virtual std::string RecordedColumn(const std::string& alias, const std::string& col) const = 0;
  // The chunk's table, ready for SQL.
  virtual std::string TableRef(const Chunk& c) const = 0;
  // `expr` compared as text (how keys are listed in a conflict).
  virtual std::string AsText(const std::string& expr) const = 0;
  // A FROM clause: the chunk's table (alias `t`) joined on the key to its recorded rows (`which`,
  // alias `r`).
  virtual std::string JoinOnKey(const ChunkSql& q, const std::string& t, const std::string& which,
                                const std::string& r) const = 0;
  // True for a row of the table (alias `t`) that nobody changed since the ledger recorded it
  // (alias `r` is the recorded new row). Its text must not depend on anything that differs from
  // server to server (the review script is deterministic).
  virtual std::string Unchanged(const Chunk& c, const std::string& t,
                                const std::string& r) const = 0;

  // ---- the statements that reverse a chunk when nothing conflicts ----------------------------

  // Deletes the rows the chunk inserted that are as the seed left them (all of them with
  // on_modified: revert).
  virtual std::string InsertReversal(const ChunkSql& q, OnModified on_modified) const = 0;
  // Gives the rows the chunk updated their old values (with on_modified: keep, only those as the
  // seed left them); "" when the table has only key columns.
  virtual std::string UpdateReversal(const ChunkSql& q, OnModified on_modified) const = 0;
  // Inserts the rows the chunk deleted whose key is not in the table.
  virtual std::string DeleteReversal(const ChunkSql& q) const = 0;
  // on_modified: revert: deletes the rows re-created since the deploy with the key of a row the
  // chunk deleted, so that the deleted ones can take their place.
  virtual std::string DeleteReversalClear(const ChunkSql& q) const = 0;
  // The keys (AsText) of the rows the chunk inserted that rows of `fk`'s child table reference,
  // once InsertReversal has run (a row of the same table that the same statement deletes is no
  // reference), restricted by `restrict_sql` (" AND ...", may be empty).
  virtual std::string ReferencedRows(const ChunkSql& q, const ledger_internal::ForeignKey& fk,
                                     OnModified on_modified,
                                     const std::string& restrict_sql) const = 0;

  // ---- bookkeeping ------------------------------------------------------------------------------

  // Whether inserted rows with one integer key may be recorded as a range (key_min, key_max),
  // which a reversal then deletes in slices of batch_rows from the top.
  virtual bool SlicesRanges() const = 0;
  // The statement ($1: the table) that records the reversing transaction as one that gave rows of
  // a table their old values back, so that Unchanged still sees them as unchanged for older
  // chunks; "" when Unchanged compares values rather than who wrote the row.
  virtual std::string RecordRestoreSql() const = 0;
  // Whether each statement of a seed writes orchestrate_ledger itself while it runs (PostgreSQL's
  // statement triggers), rather than the ledger being written once at the end (SQLite): what the
  // review script says a seed's statements lock.
  virtual bool CapturesPerStatement() const = 0;
};

}  // namespace orchestrate
