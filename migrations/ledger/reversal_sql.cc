#include "migrations/ledger/reversal_sql.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "migrations/ledger/dialect.h"
#include "plans/sha256.h"

namespace orchestrate {
namespace ledger_internal {
namespace {

using json = nlohmann::json;

constexpr int kShowRows = 10;  // conflicting rows listed in an error

std::string KeyText(const std::vector<std::string>& key, const Row& row) {
  std::string out = "(";
  for (size_t i = 0; i < key.size() && i < row.size(); ++i)
    out += (i ? ", " : "") + key[i] + "=" + row[i].value_or("NULL");
  return out + ")";
}

std::string ListRows(const std::vector<std::string>& key, const QueryResult& rows, int64_t total) {
  std::string out;
  int shown = 0;
  for (const auto& r : rows.rows) {
    if (shown++ == kShowRows) break;
    out += "\n  " + KeyText(key, r);
  }
  if (total > kShowRows) out += "\n  ... and " + std::to_string(total - kShowRows) + " more";
  return out;
}
std::string Options(const std::string& seed_id) {
  return "\noptions: set policy on_modified: keep (leave those rows as they are now) or revert "
         "(give them back the values before the deploy anyway) in plan.yaml, or fix the rows by "
         "hand; then run the same command again (seed " +
         seed_id + "'s rows reversed so far stay reversed)";
}

// Rows of the chunk's table still referenced by other rows (the ones it is about to delete): a
// clear error, or OK. Rows that the same DELETE removes (a self-referencing table: a tree the seed
// inserted) are not references: the database checks the foreign key at the end of the statement.
Status CheckReferences(Database& db, Transaction& txn, const Chunk& c, const ChunkSql& q,
                       const std::string& seed_id, OnModified on_modified,
                       const std::string& restrict_sql) {
  const LedgerDialect& d = db.Ledger();
  auto fks = d.ReferencingKeys(txn, c.table, c.key);
  if (!fks.ok()) return fks.status();
  for (const auto& fk : *fks) {
    const bool same_table = fk.same_table;
    std::string sql = d.ReferencedRows(q, fk, on_modified, restrict_sql);
    if (txn.Records())
      ORCH_RETURN_IF_ERROR(txn.Guard(
          sql,
          "cannot reverse seed " + seed_id + ": rows it inserted into " + c.table +
              " are now referenced by rows of " + fk.child_name + " (" + fk.child_columns +
              "); delete or re-point those rows, then run the rollback again; the rows (key)"));
    auto rows = txn.Query(sql + " LIMIT " + std::to_string(kShowRows + 1));
    if (!rows.ok()) return rows.status();
    if (rows->rows.empty()) continue;
    return Status::Failed(
        "cannot reverse seed " + seed_id + ": rows it inserted into " + c.table +
        " are now referenced by rows of " + fk.child_name + " (" + fk.child_columns + ")" +
        (same_table ? " that it does not delete with them (created or changed after the deploy, "
                      "or recorded in another chunk of its ledger):"
                    : " created after the deploy:") +
        ListRows(c.key, *rows, static_cast<int64_t>(rows->rows.size())) +
        "\noptions: delete or re-point those " + fk.child_name +
        " rows, then run the same command again; or give seed " + seed_id +
        " an undo: SQL that keeps them (it wins over the ledger); or leave the seed's rows in "
        "place with `orchestrate force PLAN --step N --mark done`");
  }
  return Status::Ok();
}
// The keys of the rows a chunk updated that are not as the seed left them (gone, or written since).
std::string ChangedSinceUpdate(Database& db, const Chunk& c) {
  ChunkSql q(db.Ledger(), c);
  std::vector<std::string> rkeys;
  for (const auto& k : c.key) rkeys.push_back(q.Col("r", k));
  return "SELECT " + Join(rkeys, ", ") + " FROM " + q.Rows("new_rows", "r") + " LEFT JOIN " +
         q.Table() + " t ON " + q.KeyMatch("t", "r") + " WHERE t." + db.QuoteIdent(c.key[0]) +
         " IS NULL OR NOT " + q.Unchanged("t", "r");
}

// The keys of the rows a chunk deleted that exist again (re-created after the deploy).
std::string PresentAgain(Database& db, const Chunk& c) {
  ChunkSql q(db.Ledger(), c);
  std::vector<std::string> okeys;
  for (const auto& k : c.key) okeys.push_back(q.Col("o", k));
  return "SELECT " + Join(okeys, ", ") + " FROM " + q.Rows("old_rows", "o") + " JOIN " + q.Table() +
         " t ON " + q.KeyMatch("t", "o");
}

// The error of a guard (Transaction::Guard lists the rows after it): one line.
std::string ConflictMessage(const std::string& seed_id, const Chunk& c, const std::string& what) {
  std::string options = Options(seed_id);
  for (char& ch : options)
    if (ch == '\n') ch = ' ';
  return "cannot reverse seed " + seed_id + ": rows of " + c.table + " " + what +
         " (ledger chunk " + std::to_string(c.id) + ");" + options + "; the rows (key)";
}
}  // namespace

// Reads the chunk row (id, table_name, op, key_columns, column_names, row_count, xid, key_min,
// key_max) of orchestrate_ledger.
Result<Chunk> ChunkFromRow(const Row& r, const std::string& seed_id) {
  Chunk c;
  c.id = ToLong(r[0]);
  c.table = r[1].value_or("");
  const std::string op = r[2].value_or("");
  if (auto known = LedgerOpFromName(op))
    c.op = *known;
  else
    return Status::Failed("unknown ledger operation '" + op + "'");
  try {
    c.key = json::parse(r[3].value_or("[]")).get<std::vector<std::string>>();
    c.columns = json::parse(r[4].value_or("[]")).get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    return Status::Failed("the ledger of seed " + seed_id + " is damaged (chunk " +
                          std::to_string(c.id) + "): " + e.what());
  }
  c.rows = ToLong(r[5]);
  c.xid = ToLong(r[6]);
  c.int_keys = r[7].has_value();
  c.key_min = ToLong(r[7]);
  c.key_max = ToLong(r[8]);
  if (c.key.empty()) return Status::Failed("the ledger of seed " + seed_id + " has no key columns");
  return c;
}
Result<int64_t> CountQuery(Transaction& txn, const std::string& sql) {
  auto r = txn.Query(sql);
  if (!r.ok()) return r.status();
  return r->rows.empty() ? 0 : static_cast<int64_t>(ToLong(r->rows[0][0]));
}
// In a recording, the comment naming the chunk about to be reversed (ledger.h).
Status NoteChunk(Transaction& txn, const Chunk& c, bool slice, const std::string& seed_id) {
  if (!txn.Records()) return Status::Ok();
  if (slice) {
    txn.Note("ledger chunk " + std::to_string(c.id) + ", keys " + std::to_string(c.key_min) +
             " to " + std::to_string(c.key_max) + " of " + c.table +
             " (inserted); one transaction");
    return Status::Ok();
  }
  auto rows = txn.Query(std::string("SELECT ") + kChunkColumns +
                            ", old_rows, new_rows FROM orchestrate_ledger WHERE id = $1",
                        {std::to_string(c.id)});
  if (!rows.ok()) return rows.status();
  if (rows->rows.empty())
    return Status::Failed("the ledger of seed " + seed_id + " has no chunk " +
                          std::to_string(c.id));
  // Everything but the xid (column 6): it guards against rows changed since the deploy, is not
  // written back, and differs from server to server.
  const Row& r = rows->rows[0];
  std::string canon;
  for (size_t i = 0; i < r.size(); ++i) {
    if (i == 6) continue;
    canon += r[i] ? std::to_string(r[i]->size()) + ":" + *r[i] : std::string("null");
    canon += ';';
  }
  txn.Note("ledger chunk " + std::to_string(c.id) + ": " + std::to_string(c.rows) + " " +
           Name(c.op) + " row(s) of " + c.table +
           "; one transaction; data sha256:" + Sha256Hex(canon).substr(0, 16));
  return Status::Ok();
}

Result<LedgerBatch> ReverseInsert(Database& db, Transaction& txn, const Chunk& c,
                                  const std::string& seed_id, OnModified on_modified,
                                  bool referenced) {
  ChunkSql q(db.Ledger(), c);
  LedgerBatch out;
  // The common case is one statement: delete the rows nobody changed since (PostgreSQL: by xmin;
  // SQLite: by row image); only when rows were left behind look at why. A failure rolls the
  // batch back.
  if (referenced) {
    std::string restrict =
        on_modified == OnModified::kRevert ? "" : " AND " + q.Unchanged("p", "r");
    ORCH_RETURN_IF_ERROR(CheckReferences(db, txn, c, q, seed_id, on_modified, restrict));
  }
  auto deleted = txn.ExecCount(db.Ledger().InsertReversal(q, on_modified));
  if (!deleted.ok()) return deleted.status();
  out.rows = *deleted;
  // Rows not deleted: changed since (still there) or deleted since (gone, fine).
  std::string left = "SELECT " + q.KeyList("t") + " FROM " + q.JoinOnKey("t", "new_rows", "r");
  if (txn.Records() && on_modified == OnModified::kFail)
    ORCH_RETURN_IF_ERROR(txn.Guard(
        left, ConflictMessage(seed_id, c, "that it inserted were changed after the deploy")));
  if (*deleted == c.rows) return out;
  auto conflicts = txn.Query(left + " LIMIT " + std::to_string(kShowRows + 1));
  if (!conflicts.ok()) return conflicts.status();
  if (conflicts->rows.empty()) return out;
  auto total = CountQuery(txn, "SELECT count(*) FROM (" + left + ") x");
  if (!total.ok()) return total.status();
  if (on_modified == OnModified::kFail)
    return Status::Failed(
        "cannot reverse seed " + seed_id + ": " + std::to_string(*total) + " row(s) of " + c.table +
        " that it inserted were changed after the deploy:" + ListRows(c.key, *conflicts, *total) +
        Options(seed_id));
  out.kept = *total;
  return out;
}

Result<LedgerBatch> ReverseUpdate(Database& db, Transaction& txn, const Chunk& c,
                                  const std::string& seed_id, OnModified on_modified) {
  ChunkSql q(db.Ledger(), c);
  LedgerBatch out;
  // A row is "as the seed left it" when it still exists and nobody wrote it since.
  std::string changed = ChangedSinceUpdate(db, c);
  if (txn.Records() && on_modified == OnModified::kFail)
    ORCH_RETURN_IF_ERROR(txn.Guard(
        changed,
        ConflictMessage(seed_id, c, "that it updated were changed or deleted after the deploy")));
  auto conflicts = txn.Query(changed + " LIMIT " + std::to_string(kShowRows + 1));
  if (!conflicts.ok()) return conflicts.status();
  int64_t total = 0;
  if (!conflicts->rows.empty()) {
    auto n = CountQuery(txn, "SELECT count(*) FROM (" + changed + ") x");
    if (!n.ok()) return n.status();
    total = *n;
    if (on_modified == OnModified::kFail)
      return Status::Failed("cannot reverse seed " + seed_id + ": " + std::to_string(total) +
                            " row(s) of " + c.table +
                            " that it updated were changed or deleted after the deploy:" +
                            ListRows(c.key, *conflicts, total) + Options(seed_id));
  }
  std::string sql = db.Ledger().UpdateReversal(q, on_modified);
  if (sql.empty()) return out;  // only key columns: nothing an update could have changed
  if (on_modified == OnModified::kKeep) out.kept = total;
  auto updated = txn.ExecCount(sql);
  if (!updated.ok()) return updated.status();
  out.rows = *updated;
  return out;
}

Result<LedgerBatch> ReverseDelete(Database& db, Transaction& txn, const Chunk& c,
                                  const std::string& seed_id, OnModified on_modified) {
  ChunkSql q(db.Ledger(), c);
  LedgerBatch out;
  // A deleted row whose key is back in the table was re-created after the deploy.
  std::string present = PresentAgain(db, c);
  if (txn.Records() && on_modified == OnModified::kFail)
    ORCH_RETURN_IF_ERROR(txn.Guard(
        present,
        ConflictMessage(seed_id, c, "that it deleted exist again (same key) since the deploy")));
  auto conflicts = txn.Query(present + " LIMIT " + std::to_string(kShowRows + 1));
  if (!conflicts.ok()) return conflicts.status();
  if (!conflicts->rows.empty()) {
    auto total = CountQuery(txn, "SELECT count(*) FROM (" + present + ") x");
    if (!total.ok()) return total.status();
    if (on_modified == OnModified::kFail)
      return Status::Failed("cannot reverse seed " + seed_id + ": " + std::to_string(*total) +
                            " row(s) of " + c.table +
                            " that it deleted exist again (same key) since the deploy:" +
                            ListRows(c.key, *conflicts, *total) + Options(seed_id));
    if (on_modified == OnModified::kRevert) {
      ORCH_RETURN_IF_ERROR(txn.Exec(db.Ledger().DeleteReversalClear(q)));
    } else {
      out.kept = *total;
    }
  }
  std::string sql = db.Ledger().DeleteReversal(q);
  auto inserted = txn.ExecCount(sql);
  if (!inserted.ok()) return inserted.status();
  out.rows = *inserted;
  return out;
}

}  // namespace ledger_internal
}  // namespace orchestrate
