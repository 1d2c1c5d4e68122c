// The reversal's state machine (migrations/ledger.h: LedgerReversal): which chunk comes next
// (newest first), slicing a range chunk longer than a batch (LedgerDialect::SlicesRanges), the
// snapshot hook for rows changed since the deploy (on_modified: revert), the ledger's own
// bookkeeping in the batch's transaction (or with its COMMIT), and the rows committed so far for
// an error. Reversing one chunk is ledger/reversal_sql.h's.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "migrations/ledger.h"
#include "migrations/ledger/chunk.h"
#include "migrations/ledger/dialect.h"
#include "migrations/ledger/reversal_sql.h"

namespace orchestrate {

using ledger_internal::Chunk;
using ledger_internal::ChunkFromRow;
using ledger_internal::ChunkSql;
using ledger_internal::CountQuery;
using ledger_internal::Join;
using ledger_internal::kChunkColumns;
using ledger_internal::kShrinkRange;
using ledger_internal::NoteChunk;
using ledger_internal::ReverseDelete;
using ledger_internal::ReverseInsert;
using ledger_internal::ReverseUpdate;

struct LedgerReversal::Cache {
  std::map<std::string, bool> referenced;  // per table: whether any foreign key references it
  std::set<std::string> self_referenced;   // tables with a foreign key into themselves
  // After a slice of a range chunk: the chunk as its ledger row is once that batch commits.
  struct Slice {
    Chunk rest;
    int64_t chunks_left = 0, rows_left = 0;
  };
  std::optional<Slice> next_slice;
};

LedgerReversal::LedgerReversal(std::string seed_id, OnModified on_modified, int batch_rows)
    : seed_id_(std::move(seed_id)),
      on_modified_(on_modified),
      batch_rows_(std::max(1, batch_rows)),
      cache_(std::make_unique<Cache>()) {}
LedgerReversal::~LedgerReversal() = default;

Result<std::optional<LedgerBatch>> LedgerReversal::NextSlice(Database& db, Transaction& txn) {
  carried_rows_ = 0;
  std::optional<Cache::Slice> prev = std::move(cache_->next_slice);
  cache_->next_slice.reset();
  if (!prev || !commits_each_batch || on_modified_ == OnModified::kRevert ||
      !db.Ledger().SlicesRanges() || prev->rest.rows <= batch_rows_ ||
      cache_->referenced[prev->rest.table])
    return std::optional<LedgerBatch>();
  Chunk c = prev->rest;
  const int64_t ledger_max = c.key_max;
  c.key_min = c.key_max - batch_rows_ + 1;
  c.rows = batch_rows_;
  ORCH_RETURN_IF_ERROR(NoteChunk(txn, c, true, seed_id_));
  // The DELETE checks that the ledger row is as the previous batch left it (that batch may not
  // have committed): when not, nothing is deleted and Next() reads the ledger.
  auto deleted = txn.ExecCount(
      db.Ledger().InsertReversal(ChunkSql(db.Ledger(), c), on_modified_) +
      " AND EXISTS (SELECT 1 FROM orchestrate_ledger WHERE id = " + std::to_string(c.id) +
      " AND key_max = " + std::to_string(ledger_max) + ")");
  if (!deleted.ok()) return deleted.status();
  if (*deleted != c.rows) {  // changed rows, rows gone, or another ledger: Next() looks closer
    carried_rows_ = *deleted;
    return std::optional<LedgerBatch>();
  }
  ORCH_RETURN_IF_ERROR(txn.ExecAtCommit(
      kShrinkRange, {std::to_string(c.key_min - 1), std::to_string(c.rows), std::to_string(c.id)}));
  LedgerBatch out;
  out.rows = c.rows;
  out.chunk_id = c.id;
  out.table = c.table;
  out.op = c.op;
  out.chunks_left = prev->chunks_left;
  out.rows_left = prev->rows_left - c.rows;
  prev->rest.key_max = c.key_min - 1;
  prev->rest.rows -= c.rows;
  prev->rows_left = out.rows_left;
  cache_->next_slice = std::move(prev);
  return std::optional<LedgerBatch>(out);
}

Result<LedgerBatch> LedgerReversal::Next(Database& db, Transaction& txn) {
  if (commits_each_batch) {  // the caller committed the previous batch before calling again
    committed_rows_ += last_rows_;
    committed_rows_left_ = last_rows_left_;
    last_rows_ = 0;
  }
  auto batch = NextBatch(db, txn);
  if (!batch.ok()) {
    if (!commits_each_batch || committed_rows_ == 0) return batch.status();
    return Status::FromCode(
        batch.status().code(),
        batch.status().message() + "\n" + std::to_string(committed_rows_) + " row(s) of seed " +
            seed_id_ + " reversed by the batches before this one were committed and stay " +
            "reversed; " + std::to_string(committed_rows_left_) + " row(s) remain in its ledger");
  }
  last_rows_ = batch->rows + batch->kept;
  last_rows_left_ = batch->rows_left;
  if (txn.Records() && batch->chunks_left == 0) txn.Note(kLedgerScriptEnd);
  return batch;
}

Result<LedgerBatch> LedgerReversal::NextBatch(Database& db, Transaction& txn) {
  auto fast = NextSlice(db, txn);
  if (!fast.ok()) return fast.status();
  if (*fast) return **fast;
  const std::string& seed_id = seed_id_;
  OnModified on_modified = on_modified_;
  // The newest chunk, with the seed's chunk and row counts before this batch (one round trip).
  auto rows = txn.Query(std::string("SELECT ") + kChunkColumns +
                            ", (SELECT count(*) FROM orchestrate_ledger WHERE seed_id = $1), "
                            "(SELECT SUM(row_count) FROM orchestrate_ledger WHERE seed_id = $1) "
                            "FROM orchestrate_ledger WHERE seed_id = $1 ORDER BY id DESC LIMIT 1",
                        {seed_id});
  if (!rows.ok()) return rows.status();
  if (rows->rows.empty()) return LedgerBatch{};
  auto chunk = ChunkFromRow(rows->rows[0], seed_id);
  if (!chunk.ok()) return chunk.status();
  Chunk c = *chunk;
  // A range longer than a batch is reversed from its top in slices; the ledger row shrinks with
  // each slice, in the slice's transaction.
  bool slice =
      db.Ledger().SlicesRanges() && c.op == LedgerOp::kInsert && c.dense() && c.rows > batch_rows_;
  if (slice) {
    c.key_min = c.key_max - batch_rows_ + 1;
    c.rows = batch_rows_;
  }
  if (c.op == LedgerOp::kInsert && !cache_->referenced.count(c.table)) {
    auto fks = db.Ledger().ReferencingKeys(txn, c.table, c.key);
    if (!fks.ok()) return fks.status();
    cache_->referenced[c.table] = !fks->empty();
    for (const auto& fk : *fks)
      if (fk.same_table) cache_->self_referenced.insert(c.table);
  }
  c.self_referenced = cache_->self_referenced.count(c.table) > 0;

  ORCH_RETURN_IF_ERROR(NoteChunk(txn, c, slice, seed_id));
  if (on_modified == OnModified::kRevert && before_destroy) {
    // The rows this chunk will overwrite or delete although they changed since the deploy.
    ChunkSql q(db.Ledger(), c);
    std::vector<std::string> keys, tkeys;
    for (const auto& k : c.key) {
      keys.push_back(db.QuoteIdent(k));
      tkeys.push_back("t." + db.QuoteIdent(k));
    }
    std::string changed =
        c.op == LedgerOp::kDelete
            ? "SELECT " + Join(tkeys, ", ") + " FROM " + q.JoinOnKey("t", "old_rows", "o")
            : "SELECT " + Join(tkeys, ", ") + " FROM " + q.JoinOnKey("t", "new_rows", "r") +
                  " WHERE NOT " + q.Unchanged("t", "r");
    auto n = CountQuery(txn, "SELECT count(*) FROM (" + changed + ") x");
    if (!n.ok()) return n.status();
    if (*n > 0)
      ORCH_RETURN_IF_ERROR(
          before_destroy(txn, c.table, "(" + Join(keys, ", ") + ") IN (" + changed + ")",
                         std::to_string(*n) + " row(s) seed " + seed_id +
                             " wrote and were changed since the deploy, " +
                             (c.op == LedgerOp::kInsert   ? "deleted"
                              : c.op == LedgerOp::kUpdate ? "given their old values"
                                                          : "replaced by the deleted rows") +
                             " by the rollback (on_modified: revert)"));
  }
  Result<LedgerBatch> done =
      c.op == LedgerOp::kInsert
          ? ReverseInsert(db, txn, c, seed_id, on_modified, cache_->referenced[c.table])
      : c.op == LedgerOp::kUpdate ? ReverseUpdate(db, txn, c, seed_id, on_modified)
                                  : ReverseDelete(db, txn, c, seed_id, on_modified);
  if (!done.ok()) return done.status();
  auto bookkeeping = [&](const std::string& sql, const std::vector<Value>& params) {
    return commits_each_batch ? txn.ExecAtCommit(sql, params) : txn.Exec(sql, params);
  };
  const std::string restore = db.Ledger().RecordRestoreSql();
  if (c.op != LedgerOp::kInsert && !restore.empty()) {
    // Rows given back their old values now carry this transaction's xmin; older seeds' chunks
    // must still see them as unchanged.
    ORCH_RETURN_IF_ERROR(bookkeeping(restore, {c.table}));
  }
  if (slice)
    ORCH_RETURN_IF_ERROR(bookkeeping(kShrinkRange, {std::to_string(c.key_min - 1),
                                                    std::to_string(c.rows), std::to_string(c.id)}));
  else
    ORCH_RETURN_IF_ERROR(
        bookkeeping("DELETE FROM orchestrate_ledger WHERE id = $1", {std::to_string(c.id)}));
  LedgerBatch out = *done;
  out.rows += carried_rows_;
  carried_rows_ = 0;
  out.chunk_id = c.id;
  out.table = c.table;
  out.op = c.op;
  out.chunks_left = ToLong(rows->rows[0][9]) - (slice ? 0 : 1);
  out.rows_left = ToLong(rows->rows[0][10]) - c.rows;
  if (slice &&
      c.op == LedgerOp::kInsert) {  // the next slice can skip reading the chunk (NextSlice)
    Chunk rest = *chunk;
    rest.key_max = c.key_min - 1;
    rest.rows = chunk->rows - c.rows;
    cache_->next_slice = Cache::Slice{rest, out.chunks_left, out.rows_left};
  }
  if (out.chunks_left == 0) {
    // The restores go once no seed has a ledger left (this chunk's row is deleted before).
    ORCH_RETURN_IF_ERROR(
        bookkeeping("DELETE FROM orchestrate_ledger_restores WHERE NOT EXISTS (SELECT 1 FROM "
                    "orchestrate_ledger)",
                    {}));
  }
  return out;
}

}  // namespace orchestrate
