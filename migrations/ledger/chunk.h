// A chunk of the row ledger (one row of orchestrate_ledger: up to batch_rows rows of one table and
// operation, reversed in one transaction) and the SQL that reads it, put together from the
// pieces of a LedgerDialect. Shared by the ledger's files and the dialects (which build their
// reversal statements with ChunkSql). Pure text: no I/O; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "migrations/ledger.h"  // LedgerOp
#include "migrations/ledger/dialect.h"

namespace orchestrate {
namespace ledger_internal {

struct Chunk {
  int64_t id = 0;
  std::string table;
  LedgerOp op = LedgerOp::kInsert;
  std::vector<std::string> key, columns;
  int64_t rows = 0;
  int64_t xid = 0;
  bool int_keys = false;  // new_rows is an integer array (PostgreSQL inserts, one integer key)
  int64_t key_min = 0, key_max = 0;
  // The table has a foreign key into itself (set for inserts, once the reversal has looked).
  bool self_referenced = false;
  // The keys are exactly every integer from key_min to key_max.
  bool dense() const { return int_keys && key_max - key_min + 1 == rows; }
};

// `parts` with `sep` between them.
std::string Join(const std::vector<std::string>& parts, const std::string& sep);
// ASCII lower case (SQLite compares table names case-insensitively).
std::string Lower(std::string s);

// The reversal SQL of one chunk. Holds references: `d` and `c` must outlive it.
class ChunkSql {
 public:
  ChunkSql(const LedgerDialect& d, const Chunk& c) : d_(d), c_(c) {}

  const Chunk& chunk() const { return c_; }
  const LedgerDialect& dialect() const { return d_; }

  // LedgerDialect::RecordedRows, RecordedColumn, TableRef, Unchanged and JoinOnKey for this chunk.
  std::string Rows(const std::string& which, const std::string& alias) const;
  std::string Col(const std::string& alias, const std::string& col) const;
  std::string Table() const;
  std::string Unchanged(const std::string& t, const std::string& r) const;
  std::string JoinOnKey(const std::string& t, const std::string& which, const std::string& r) const;
  // t.k = r.k for every key column (r: a recorded row).
  std::string KeyMatch(const std::string& t, const std::string& r) const;
  // "t.k1, t.k2" (t empty: unqualified columns).
  std::string KeyColumns(const std::string& t) const;
  // "(t.k1, t.k2)": the key as a row value.
  std::string KeyTuple(const std::string& t) const;
  // The key columns of `t` as text (LedgerDialect::AsText), for listing conflicting rows.
  std::string KeyList(const std::string& t) const;
  // The keys of the rows that reversing the chunk's inserts deletes: those as the seed left them
  // (every recorded row still there with on_modified: revert). One uncorrelated query, so that
  // SQLite runs it once per statement.
  std::string DeletedKeys(OnModified on_modified) const;
  // "c = o.c" for every recorded column c that is not a key column (o: a recorded row).
  std::vector<std::string> OldValueAssignments(const std::string& o) const;
  // INSERT of the rows the chunk deleted whose key is not in the table (SQLite and MySQL:
  // LedgerDialect::DeleteReversal).
  std::string InsertDeletedRows() const;
  // The keys of the rows the chunk inserted that rows of `fk`'s child table reference, read in
  // one pass over the child table (SQLite and MySQL: LedgerDialect::ReferencedRows).
  std::string ReferencedKeys(const ForeignKey& fk, OnModified on_modified,
                             const std::string& restrict_sql) const;

 private:
  const LedgerDialect& d_;
  const Chunk& c_;
};

}  // namespace ledger_internal
}  // namespace orchestrate
