// Snapshots of the data a rollback destroys, so that the rollback itself can be undone.
//
// Before a down-migration (or a seed's undo SQL) runs, Capture() analyses its SQL (AnalyzeScript)
// and copies what each destructive statement would lose into tables of orchestrate's own, inside
// the step's transaction: the copy commits with the step or not at all.
//   - DROP TABLE, TRUNCATE, DELETE, UPDATE, upserts, unanalysable statements: the whole table
//     (kind "table"); a table that the script only drops (one statement names it: its DROP TABLE)
//     and that nothing else depends on (CatalogDialect::WhyNotMovable; PostgreSQL only) is moved
//     aside instead, renamed into the copies' schema in the same transaction, its foreign keys
//     dropped, an empty stand-in left for the DROP TABLE: no row is copied (its description ends
//     "(moved aside, not copied)"; `plan` says which tables would be moved and which copied);
//   - DROP COLUMN, a narrowing ALTER COLUMN TYPE: the table's key columns plus those columns (kind
//     "columns"); the key is the primary key, or, when the table has none, every column that
//     remains (rows with equal remaining values are then indistinguishable: a restore gives each
//     of them the value of one of the captured rows);
//   - tables whose rows go or change with deleted rows through foreign keys (ON DELETE CASCADE,
//     SET NULL, SET DEFAULT; TRUNCATE ... CASCADE: every referencing table; SQLite: DROP TABLE
//     too, an implicit DELETE), recursively: the whole table;
//   - CaptureRows(): the rows of a table matching a predicate (kind "rows"), for the seed ledger.
// A destructive statement that names no table (DROP SCHEMA ... CASCADE, DROP TYPE ... CASCADE, an
// unanalysable DO block) cannot be captured: a catalog row of kind "none" records that, so `list`
// says so. Tables that do not exist when the step starts (created earlier in the same script) are
// skipped.
//
// Storage: PostgreSQL, tables in the schema `orchestrate_snapshots` (outside `public`, so
// DescribeSchema and fingerprints never see them); SQLite, tables named orchestrate_snap_*. The
// catalog is `orchestrate_snapshot_index` (one row per snapshot; ids come from
// `orchestrate_snapshot_counter`, never reused). PostgreSQL columns of types outside pg_catalog
// (enums, domains, extension types) are stored as text, so a later DROP TYPE in the same rollback
// does not depend on the snapshot; Restore() casts them back.
//
// Not thread-safe; callers serialise through the run lock (the executor holds it while capturing;
// the `snapshots` command takes it for restore and prune).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "migrations/analysis/analysis.h"
#include "migrations/database.h"
#include "plans/model.h"
#include "plans/planner.h"

namespace orchestrate {

// Where a capture comes from: recorded with every snapshot.
struct SnapshotSource {
  int64_t run_id = 0;
  int step = 0;         // 1-based step of the run; 0 when not a run's step
  std::string release;  // the release the step belongs to
  std::string source;   // the migration or seed id
};

// What a snapshot holds (the catalog's `kind` column; Estimate's kind).
enum class SnapshotKind {
  kTable,    // every row of a table
  kColumns,  // the key plus the columns a step destroys
  kRows,     // the rows matching a predicate (CaptureRows, for the seed ledger)
  kNone,     // nothing could be captured: the catalog row records that
  kSkip,     // Estimate only: the table (or its columns) does not exist now, nothing to copy
};
const char* Name(SnapshotKind kind);  // "table", "columns", "rows", "none", "skip"
std::optional<SnapshotKind> SnapshotKindFromName(std::string_view name);  // nullopt: unknown

struct SnapshotInfo {
  int64_t id = 0;
  SnapshotSource from;
  std::string table;  // as the SQL names it ("orders", "app.orders")
  SnapshotKind kind = SnapshotKind::kTable;
  std::vector<std::string> key_columns;  // kind "columns" (and "rows"/"table" when known)
  std::vector<std::string> columns;      // the columns stored
  long rows = 0;
  std::string storage;  // the storage table's name (schema orchestrate_snapshots on PostgreSQL)
  std::string created_at, restored_at;  // ISO-8601 UTC; restored_at empty until restored
  std::string description;              // "line 2: drops column orders.item_count"
};

// What a step's SQL would have captured, table by table (Estimate).
struct CaptureEstimate {
  std::string table;
  SnapshotKind kind = SnapshotKind::kTable;  // as SnapshotInfo::kind; kSkip for no table now
  std::vector<std::string> columns;          // kind "columns": the columns destroyed
  std::string description;
  long rows = -1;   // estimated rows; -1 when unknown
  long bytes = -1;  // estimated bytes of what would be copied; -1 when unknown
  // A table the step only drops: whether it would be moved aside now instead of copied, else why
  // not (CatalogDialect::WhyNotMovable; empty for other targets).
  bool move = false;
  std::string why_copied;
};

struct RestoreResult {
  SnapshotInfo snapshot;
  long rows = 0;  // rows updated (kind "columns") or inserted (the other kinds)
};

class Snapshots {
 public:
  // `now` returns the current time as ISO-8601 UTC (a seam for tests). `db` must outlive this.
  Snapshots(Database& db, std::function<std::string()> now);

  // Called inside the capturing transaction after each snapshot is copied (its catalog row is
  // written at the commit, Transaction::ExecAtCommit), with how many this object has taken so far
  // (the executor's failpoints "snapshot-copied:N:K").
  void AfterEachCopy(std::function<void(int copies)> hook) { after_copy_ = std::move(hook); }

  // The catalog (orchestrate_snapshot_index and its id counter) is known to exist: a transaction
  // that created it committed earlier in this run. Capture then does not create it again, which
  // saves its statements (two round trips on PostgreSQL) on every snapshot after the first.
  void AssumeCatalogExists() { catalog_exists_ = true; }

  // Inside `txn`, the step's own open transaction, before its SQL runs: copies what `sql` would
  // destroy (see above) and records it in the catalog. Returns the snapshots taken (none when
  // nothing is destroyed). A failure fails the step: its transaction must not commit.
  Result<std::vector<SnapshotInfo>> Capture(Transaction& txn, const SnapshotSource& from,
                                            const std::string& sql);
  // Capture() in a transaction of its own, committed before returning: for steps that run outside
  // a transaction (the copy cannot commit with them; it commits right before).
  Result<std::vector<SnapshotInfo>> CaptureNow(const SnapshotSource& from, const std::string& sql);

  // Inside `txn`: copies the rows of `table` for which `where` (an SQL predicate over the table's
  // columns with parameters $1...) holds, before the caller deletes or overwrites them. `table`
  // is quoted here; `where` is the caller's SQL. kFailed when the table does not exist.
  Result<SnapshotInfo> CaptureRows(Transaction& txn, const SnapshotSource& from,
                                   const std::string& table, const std::string& where,
                                   const std::vector<Value>& params,
                                   const std::string& description);

  // What Capture() would copy for `sql` now, with estimated sizes (PostgreSQL: reltuples and
  // pg_total_relation_size, counted when the table was never analysed; SQLite: counted). Reads
  // only; a table locked longer than `lock_timeout_seconds` gets rows == bytes == -1.
  Result<std::vector<CaptureEstimate>> Estimate(const std::string& sql,
                                                double lock_timeout_seconds = 2);

  // Every snapshot, newest first (empty when none was ever taken).
  Result<std::vector<SnapshotInfo>> List();

  // Puts snapshot `id` back, in one transaction: kind "columns" sets the captured columns of the
  // rows whose key matches (UPDATE by key); the other kinds insert the captured rows whose key is
  // not present (the table's primary key now, or every column when it has none); rows present are
  // left as they are. kInvalid for an unknown id or a snapshot of kind "none"; kNeedsHuman when
  // the table or a column does not exist (re-deploy the release that has it first).
  // REQUIRES: the caller holds the run lock.
  Result<RestoreResult> Restore(int64_t id);

  // Deletes the snapshots created before `cutoff` (ISO-8601 UTC; nullopt: all), storage tables
  // and catalog rows, in one transaction. Returns those deleted. A snapshot that the generated
  // down of an applied migration restores from (`down: auto`: the values its up destroyed) is
  // kept, whatever its age: without it that rollback could not give the values back. Those kept
  // are added to `kept` (when given) with the migration's id.
  // REQUIRES: the caller holds the run lock.
  Result<std::vector<SnapshotInfo>> Prune(
      const std::optional<std::string>& cutoff,
      std::vector<std::pair<SnapshotInfo, std::string>>* kept = nullptr);

 private:
  Database& db_;
  std::function<std::string()> now_;
  std::function<void(int)> after_copy_;
  int copies_ = 0;
  bool catalog_exists_ = false;
};

// Whether `step` gets a snapshot before it runs under `policy`: policy.snapshot is "on-destroy" and
// the step runs SQL of a down-migration or of a seed's explicit undo. (A seed reversed through the
// ledger runs no such SQL; CaptureRows is the hook for the rows it overwrites.)
bool SnapshotsBefore(const Policy& policy, const Step& step);

// What Capture() copies for `sql`, judged from the SQL alone (no database: a table named may not
// exist when the step runs, and is then skipped; tables reached through foreign keys need the
// catalog and are not listed), one line per table, e.g. "columns loyalty_points of customers (line
// 2: drops column customers.loyalty_points)". For the review script, which must not depend on the
// data.
std::vector<std::string> DescribeCaptures(Dialect dialect, const std::string& sql);
// The same from a script already analysed (AnalyzeScript).
std::vector<std::string> DescribeCaptures(Dialect dialect, const ScriptAnalysis& analysis);

// What the snapshots of a planned run will copy, step by step, sized from the database now
// (Estimate on each step for which SnapshotsBefore holds). Reads only.
struct PlannedSnapshot {
  int step = 0;  // 1-based
  CaptureEstimate estimate;
};
Result<std::vector<PlannedSnapshot>> EstimatePlan(Database& db, const Policy& policy,
                                                  const RunPlan& run);
// One line for humans: "columns loyalty_points of customers (3 rows, 24 B)".
std::string DescribeEstimate(const CaptureEstimate& e);

// "1.2 MB", "640 B", ... for humans.
std::string HumanBytes(long bytes);
// The ISO-8601 UTC time `seconds` before `iso` (same format as NowIso8601), or "" when `iso` does
// not parse.
std::string IsoMinusSeconds(const std::string& iso, double seconds);

}  // namespace orchestrate
