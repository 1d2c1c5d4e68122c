// What the ledger holds and what reversing it would do, for the commands that look before they act
// (plan, sql, check, status) and for the message of a failed step (migrations/ledger.h:
// CountLedger, LedgerLeft, LedgerStateAfterFailure, SimulateReversal).
#include <utility>

#include "migrations/ledger.h"
#include "migrations/ledger/dialect.h"
#include "migrations/state_schema.h"

namespace orchestrate {

std::string LedgerStateAfterFailure(Database& db, const Step& step) {
  if (step.kind != StepKind::kUndoSeed || step.has_undo) return "";
  std::string what = "the ledger of seed " + step.id +
                     " is reversed one batch per transaction: the failing batch was rolled back, "
                     "the batches committed before it stay reversed";
  std::string resume =
      ". Fix the cause and run the same command again to resume from the failing batch.";
  auto left = LedgerLeft(db, step.id);
  if (!left.ok()) return what + " (status shows what remains)" + resume;
  return what + "; " + std::to_string(left->first) + " row(s) in " + std::to_string(left->second) +
         " chunk(s) remain to reverse" + resume;
}

Result<std::pair<int64_t, int64_t>> LedgerLeft(Database& db, const std::string& seed_id) {
  auto txn = db.BeginRead();
  if (!txn.ok()) return txn.status();
  auto counts = CountLedger(db, **txn, seed_id);
  if (!counts.ok()) return counts.status();
  std::pair<int64_t, int64_t> left{0, 0};
  for (const auto& c : *counts) {
    left.first += c.rows;
    left.second += c.chunks;
  }
  return left;
}

Result<std::vector<LedgerCount>> CountLedger(Database& db, Transaction& txn,
                                             const std::string& seed_id) {
  auto exists = StateTableExists(txn, db, "orchestrate_ledger");
  if (!exists.ok()) return exists.status();
  if (!*exists) return std::vector<LedgerCount>{};
  auto rows = txn.Query(
      "SELECT table_name, op, count(*), COALESCE(SUM(row_count), 0) FROM orchestrate_ledger WHERE "
      "seed_id = $1 GROUP BY table_name, op ORDER BY table_name, op",
      {seed_id});
  if (!rows.ok()) return rows.status();
  std::vector<LedgerCount> out;
  for (const auto& r : rows->rows)
    out.push_back({r[0].value_or(""), r[1].value_or(""), ToLong(r[2]), ToLong(r[3])});
  return out;
}

Result<std::map<std::string, int64_t>> LedgerRowsBySeed(Database& db, Transaction& txn) {
  std::map<std::string, int64_t> out;
  auto exists = StateTableExists(txn, db, "orchestrate_ledger");
  if (!exists.ok()) return exists.status();
  if (!*exists) return out;
  auto rows = txn.Query(
      "SELECT seed_id, COALESCE(SUM(row_count), 0) FROM orchestrate_ledger GROUP BY seed_id");
  if (!rows.ok()) return rows.status();
  for (const auto& r : rows->rows) out[r[0].value_or("")] = ToLong(r[1]);
  return out;
}

Status SimulateReversal(Database& db, Transaction& txn, const std::string& seed_id,
                        OnModified on_modified, int batch_rows, int64_t* rows) {
  LedgerReversal reversal(seed_id, on_modified, batch_rows);
  for (;;) {
    auto batch = reversal.Next(db, txn);
    if (!batch.ok()) return batch.status();
    if (batch->chunk_id == 0) return Status::Ok();
    *rows += batch->rows;
  }
}

}  // namespace orchestrate
