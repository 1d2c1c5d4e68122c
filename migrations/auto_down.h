// `down: auto`: the down SQL of a migration, generated at deploy from what each up statement
// changed (issue 18). PostgreSQL only so far.
//
// The up runs statement by statement inside the step's own transaction. Before each statement, the
// definition of what it touches is read from the catalog (columns with type, collation, default
// and nullability; constraints; indexes; a view's query; whether an extension or a relation
// already exists); after it, the inverse is derived from the two. The down is the inverses, last
// statement first, preceded by a header that marks it generated. The caller stores it exactly as
// a hand-written down (its checksum included), so rollback, `sql`, approval, drift, `check` and
// `rehearse` use it as they use any other.
//
// Data: before a statement that drops a column or changes a column's type, the caller's KeepData
// copies the values (snapshot/: the table's key plus the column), and the down restores them by
// key from that copy after re-creating the column.
//
// What the generated down cannot do exactly is said in lines "-- warning: ..." of its text, which
// `check` reports (a re-created column that lands at the end of its table rather than at its old
// position; an extension the up found installed, which the down keeps).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "plans/planner.h"  // kGeneratedDownHeader

namespace orchestrate {

// The prefix of the lines of a generated down that `check` reports as warnings.
inline constexpr char kGeneratedDownWarning[] = "-- warning: ";

// Whether `down_sql` was generated (it starts with kGeneratedDownHeader).
bool IsGeneratedDown(const std::string& down_sql);
// The warnings a generated down carries (its "-- warning: " lines, without the prefix).
std::vector<std::string> GeneratedDownWarnings(const std::string& down_sql);

// The statements of `up` (PostgreSQL) that `down: auto` does not handle, one message each,
// "LINE:COL: KIND: why", in script order; a script that does not parse gives its parse error in
// the same form. Empty when every statement is handled. Pure: no database. (docs/manifest.md,
// "down: auto", lists the handled forms.)
std::vector<std::string> AutoDownRefusals(const std::string& up);

// A copy of data a statement is about to destroy, taken by the caller in the same transaction.
struct KeptCopy {
  std::string table;                     // as the statement names it
  std::string kind;                      // "columns" or "table"
  std::vector<std::string> key_columns;  // how a row of the copy finds its row again
  std::vector<std::string> columns;      // the columns the copy holds (key columns included)
  std::string storage_ref;               // the copy, ready for SQL
};
// Copies what `statement` destroys, inside `txn`, before it runs.
using KeepData =
    std::function<Result<std::vector<KeptCopy>>(Transaction& txn, const std::string& statement)>;

struct AutoDownOptions {
  std::string migration_id;
  std::string file;  // the up file, for messages ("file:line:col: ...")
  bool keep_preexisting_extensions = true;
};

// Runs `up` in `txn` (of `db`, a PostgreSQL database), statement by statement, and returns the
// generated down SQL. REQUIRES: AutoDownRefusals(up) is empty. Errors: a failing statement (its
// error, naming file:line), kInvalid for what turns out not to be invertible only once the
// catalog is read (an identity column dropped, ...), a failing catalog read. On error the caller
// must roll the transaction back.
Result<std::string> RunUpWithAutoDown(Database& db, Transaction& txn, const std::string& up,
                                      const AutoDownOptions& options, const KeepData& keep);

}  // namespace orchestrate
