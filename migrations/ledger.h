// The row ledger: every row a seed inserts, updates (with its old values) or deletes (with the old
// row) in its declared tables is recorded while the seed runs, in the seed's own transaction, so
// that a rollback can remove exactly those rows and give the updated and deleted ones back.
//
// Capture. PostgreSQL: statement-level AFTER triggers with transition tables, created and dropped
// inside the seed's transaction (nobody else ever sees them), append the rows of each statement to
// orchestrate_ledger in chunks of `batch_rows` (an insert or delete joins the seed's newest chunk
// when that is of the same table and operation and small enough); inserted rows are recorded by
// key only, and "was it
// changed since?" is answered by the row's xmin (the transaction that last wrote it). SQLite:
// connection-local TEMP row triggers stage every change with the full row images, then the staged
// rows are grouped into chunks. A write to a table the seed did not declare fails the seed, naming
// the table (PostgreSQL: pg_stat_xact_user_tables after the seed; SQLite: TEMP triggers that
// abort).
//
// Reversal. One chunk per transaction, newest first: inserted rows are deleted by key, updated rows
// get their old values back, deleted rows are inserted again; the chunk's ledger row is deleted in
// the same transaction, so an interrupted reversal resumes at the next chunk and never reverses a
// row twice. Rows changed after the deploy are a conflict decided by policy.on_modified; rows still
// referenced by rows created later (foreign keys read from the catalog) stop the reversal with the
// referencing table and rows.
//
// Implementation: migrations/ledger/ (capture.cc, reversal_sql.cc, reversal.cc, review.cc) asks
// the database's LedgerDialect (migrations/ledger/dialect.h, Database::Ledger()) for everything a
// dialect does differently; the two dialects live with their adapters.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "migrations/database.h"
#include "plans/planner.h"

namespace orchestrate {

// A seed's tables as the ledger resolved them in the catalog.
struct LedgerTableInfo {
  std::string name;                  // as it appears in the ledger (PostgreSQL: regclass text)
  std::vector<std::string> key;      // declared `key:` or the primary key
  std::vector<std::string> columns;  // the columns the ledger records (not generated ones)
  // PostgreSQL: the key is one integer column, so inserted rows are recorded as an integer array
  // with its minimum and maximum (a dense range is then deleted by range).
  bool int_key = false;
};

struct LedgerCapture {
  std::string seed_id, release;
  std::string sql;  // the seed's SQL
  int batch_rows = 10000;
  std::vector<LedgerTableInfo> tables;
  // PostgreSQL: this session's write counters per table before the seed ran (they can include
  // earlier transactions whose statistics were not flushed yet).
  std::map<std::string, std::string> counters_before;
  // The schema as the seed found it (PostgreSQL: per relation, function and schema; SQLite: the
  // schema table), compared at the end of the seed: a seed writes rows, not the schema.
  std::map<std::string, std::string> schema_before;
};

// Inside the seed's transaction, before its SQL: refuses (kInvalid, naming the statement's line) a
// seed whose SQL changes the schema (CREATE, ALTER, DROP, TRUNCATE, ...: see SchemaChangesInSeed),
// resolves every declared table (kInvalid naming the seed and table when it does not exist, or has
// no primary key and no `key:`), and installs the capture. Schema changes the analysis cannot see
// (a DO block, a function) are refused as they run (SQLite: Transaction::RefuseSchemaChanges) and
// by EndLedgerCapture (the catalog compared with what it was).
Result<LedgerCapture> BeginLedgerCapture(Database& db, Transaction& txn, const Step& seed,
                                         int batch_rows);
// After the seed's SQL, in the same transaction: removes the capture, fails (kFailed, naming the
// table) when the seed wrote to a table it did not declare or (kInvalid, naming what changed)
// changed the schema, and writes the staged rows as chunks.
Status EndLedgerCapture(Database& db, Transaction& txn, const LedgerCapture& capture);

// What a ledger chunk recorded (orchestrate_ledger.op): rows the seed inserted, updated or deleted.
enum class LedgerOp { kInsert, kUpdate, kDelete };
const char* Name(LedgerOp op);  // "insert", "update", "delete"
// nullopt for a name this build does not know (a chunk with one is refused, not reversed).
std::optional<LedgerOp> LedgerOpFromName(std::string_view name);

struct LedgerBatch {
  int64_t chunk_id = 0;  // 0: the seed's ledger was already empty
  std::string table;
  LedgerOp op = LedgerOp::kInsert;
  int64_t rows = 0;       // rows reversed by this batch
  int64_t kept = 0;       // rows left as they are (on_modified: keep)
  int64_t rows_left = 0;  // rows still in the seed's ledger after this batch
  int64_t chunks_left = 0;
};

// Reverses a seed's ledger one chunk at a time. Next() reverses the newest chunk inside `txn` (the
// caller commits it with its own checkpoint). `on_modified`: the policy (fail, keep, revert).
// Errors (kFailed) list the conflicting rows and what to do. Keeps what it read from the catalog
// between calls, so use one object per step run.
class LedgerReversal {
 public:
  // `batch_rows`: the most rows one call reverses from a range-recorded chunk (others are
  // reversed a whole chunk at a time, and chunks hold at most batch_rows rows when recorded).
  LedgerReversal(std::string seed_id, OnModified on_modified, int batch_rows);
  ~LedgerReversal();
  LedgerReversal(const LedgerReversal&) = delete;
  LedgerReversal& operator=(const LedgerReversal&) = delete;
  // With commits_each_batch, an error says how many rows this object's earlier batches reversed
  // (they were committed: the caller calls Next() again only after committing) and how many
  // remained after them.
  Result<LedgerBatch> Next(Database& db, Transaction& txn);

  // With on_modified: revert, rows changed since the deploy are overwritten or deleted: their
  // values exist nowhere else. When set, this is called first, inside the batch's transaction,
  // with the table and a predicate (over its unqualified columns) selecting exactly those rows,
  // so that they can be copied (snapshot/). Rows as the seed left them are not copied: deploying
  // the release again re-creates them.
  std::function<Status(Transaction&, const std::string& table, const std::string& where,
                       const std::string& what)>
      before_destroy;

  // Each call's transaction commits right after it (the rollback's batches): the ledger's own
  // bookkeeping then goes with the COMMIT (Transaction::ExecAtCommit). False when several calls
  // share one transaction (a simulation), where each must see the ledger the previous one left.
  bool commits_each_batch = false;

 private:
  struct Cache;
  // The next slice of the range chunk the previous call sliced, without reading the chunk first
  // (PostgreSQL, commits_each_batch): nullopt when that does not apply or must be looked at
  // closer, which Next() then does in the same transaction.
  Result<std::optional<LedgerBatch>> NextSlice(Database& db, Transaction& txn);
  Result<LedgerBatch> NextBatch(Database& db, Transaction& txn);
  std::string seed_id_;
  OnModified on_modified_;
  int batch_rows_;
  std::unique_ptr<Cache> cache_;
  int64_t carried_rows_ = 0;  // rows NextSlice deleted before handing the batch to Next()
  // Rows of the batches returned before the last one (committed), of the last one, and the rows
  // left in the ledger after the last one.
  int64_t committed_rows_ = 0, last_rows_ = 0, last_rows_left_ = -1, committed_rows_left_ = -1;
};

// For the message of a failed step: when `step` reverses a seed's ledger (kUndoSeed without
// undo:), which commits batch by batch, what is left in the ledger now and that the batches
// committed before the failure stay reversed; "" for any other step (nothing of it was applied).
std::string LedgerStateAfterFailure(Database& db, const Step& step);
// What is left in `seed_id`'s ledger: rows and chunks (0, 0 when none).
Result<std::pair<int64_t, int64_t>> LedgerLeft(Database& db, const std::string& seed_id);

// In a recording of the run (Transaction::Records(), orchestrator/script_recorder.h), each batch
// notes its chunk before its statements: "ledger chunk ID: N op row(s) of T; one transaction;
// data sha256:D" (D: the digest of the recorded rows, what binds an approval to the values written
// back) or, for a slice of a range, "ledger chunk ID, keys A to B of T (inserted); one
// transaction"; after the last batch, kLedgerScriptEnd. The conflict checks are written as guards
// (Transaction::Guard) where the run checks them, so that a script run by hand stops there too.
inline constexpr const char kLedgerScriptBegin[] =
    "ledger chunks (derived from the rows recorded at deploy):";
inline constexpr const char kLedgerScriptEnd[] = "end of ledger chunks";

// Reverses all of `seed_id`'s ledger inside `txn`, which the caller rolls back: the first conflict
// the real reversal would stop at, or OK. `rows` gets the rows reversed.
Status SimulateReversal(Database& db, Transaction& txn, const std::string& seed_id,
                        OnModified on_modified, int batch_rows, int64_t* rows);

struct LedgerCount {
  std::string table, op;
  int64_t chunks = 0, rows = 0;
};
// What the ledger holds for a seed, per table and operation (for plan, sql, check and status).
// Empty when the ledger table does not exist (nothing was recorded there yet).
Result<std::vector<LedgerCount>> CountLedger(Database& db, Transaction& txn,
                                             const std::string& seed_id);
// The rows each seed's ledger holds, by seed id, in one query (seeds with none are absent).
Result<std::map<std::string, int64_t>> LedgerRowsBySeed(Database& db, Transaction& txn);

}  // namespace orchestrate
