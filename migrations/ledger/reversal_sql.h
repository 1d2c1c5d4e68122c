// Reversing one chunk of the row ledger (ledger/chunk.h), for LedgerReversal
// (ledger/reversal.cc): the conflict checks (rows changed since the deploy, rows now referenced by
// newer rows), the reversal statements of the dialect, the notes and guards a recording of the run
// gets (Transaction::Records), and reading a chunk's row. Errors are kFailed with the conflicting
// rows (at most kShowRows of them) and what to do.
#pragma once

#include <cstdint>
#include <string>

#include "migrations/database.h"
#include "migrations/ledger.h"
#include "migrations/ledger/chunk.h"

namespace orchestrate {
namespace ledger_internal {

// The columns of orchestrate_ledger that ChunkFromRow reads, in its order.
inline constexpr const char kChunkColumns[] =
    "id, table_name, op, key_columns, column_names, row_count, xid, key_min, key_max";

// Shrinks a range chunk's ledger row by the slice reversed from its top: $1 the new key_max, $2
// the slice's rows, $3 the chunk id.
inline constexpr const char kShrinkRange[] =
    "UPDATE orchestrate_ledger SET key_max = $1, row_count = row_count - $2 WHERE id = $3";

// Reads a chunk row (kChunkColumns) of orchestrate_ledger; kFailed naming `seed_id` when damaged.
Result<Chunk> ChunkFromRow(const Row& r, const std::string& seed_id);

// The first column of the first row of `sql` as a number (0 when no row).
Result<int64_t> CountQuery(Transaction& txn, const std::string& sql);

// In a recording, the comment naming the chunk about to be reversed (ledger.h); for a slice of a
// range, its keys. OK and nothing written when `txn` does not record.
Status NoteChunk(Transaction& txn, const Chunk& c, bool slice, const std::string& seed_id);

// Reverse chunk `c` of `seed_id`'s ledger inside `txn` (not its ledger row: the caller's), by
// `on_modified` (the policy: fail, keep or revert). `referenced`: whether any foreign key
// references the table (inserted rows are then checked for references first). The batch returned
// has rows and kept filled in.
Result<LedgerBatch> ReverseInsert(Database& db, Transaction& txn, const Chunk& c,
                                  const std::string& seed_id, OnModified on_modified,
                                  bool referenced);
Result<LedgerBatch> ReverseUpdate(Database& db, Transaction& txn, const Chunk& c,
                                  const std::string& seed_id, OnModified on_modified);
Result<LedgerBatch> ReverseDelete(Database& db, Transaction& txn, const Chunk& c,
                                  const std::string& seed_id, OnModified on_modified);

}  // namespace ledger_internal
}  // namespace orchestrate
