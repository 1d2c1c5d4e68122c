#include "migrations/ledger.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "migrations/analysis/analysis.h"
#include "migrations/ledger/chunk.h"
#include "migrations/ledger/dialect.h"
#include "plans/sha256.h"

namespace orchestrate {
namespace {

using json = nlohmann::json;
using ledger_internal::CatalogTable;
using ledger_internal::Chunk;
using ledger_internal::ChunkSql;
using ledger_internal::ForeignKey;
using ledger_internal::Join;
using ledger_internal::SqlString;

constexpr int kShowRows = 10;  // conflicting rows listed in an error

std::string SeedLabel(const Step& seed) {
  return "seed " + seed.id + " (release " + seed.release + ")";
}

// ---- the catalog --------------------------------------------------------------------------------

Result<LedgerTableInfo> ResolveTable(Database& db, Transaction& txn, const Step& seed,
                                     const LedgerTable& declared) {
  auto found = db.Ledger().FindTable(txn, declared);
  if (!found.ok()) return found.status();
  if (!*found)
    return Status::Invalid(SeedLabel(seed) + " declares table '" + declared.name +
                           "', which does not exist: create it in a migration of this or an "
                           "earlier release, or fix the seed's tables: list");
  CatalogTable& table = **found;
  LedgerTableInfo info;
  info.name = std::move(table.name);
  info.columns = std::move(table.columns);
  info.int_key = table.int_key;
  const std::vector<std::string>& pk = table.primary_key;
  if (!declared.key.empty()) {
    for (const auto& k : declared.key)
      if (std::find(info.columns.begin(), info.columns.end(), k) == info.columns.end())
        return Status::Invalid(SeedLabel(seed) + ": key column '" + k + "' of table '" +
                               declared.name +
                               "' does not exist (columns: " + Join(info.columns, ", ") + ")");
    info.key = declared.key;
  } else if (!pk.empty()) {
    info.key = pk;
  } else {
    return Status::Invalid(
        SeedLabel(seed) + ": table '" + declared.name +
        "' has no primary key, so the ledger cannot find its rows again; declare key columns "
        "that identify a row: tables: [{name: " +
        declared.name + ", key: [column, ...]}]");
  }
  return info;
}

// ---- capture ------------------------------------------------------------------------------------

// The schema objects a seed must leave as it found them, by name
// (LedgerDialect::SchemaObjectsQuery).
Result<std::map<std::string, std::string>> SchemaObjects(Database& db, Transaction& txn) {
  auto rows = txn.Query(db.Ledger().SchemaObjectsQuery());
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::string> out;
  for (const auto& r : rows->rows) out[r[0].value_or("")] = r[1].value_or("");
  return out;
}

// What changed between two SchemaObjects, e.g. "table members dropped"; empty when nothing.
std::vector<std::string> SchemaDifferences(const std::map<std::string, std::string>& before,
                                           const std::map<std::string, std::string>& after) {
  std::vector<std::string> out;
  for (const auto& [name, desc] : before) {
    auto it = after.find(name);
    if (it == after.end())
      out.push_back(name + " dropped");
    else if (it->second != desc)
      out.push_back(name + " changed");
  }
  for (const auto& [name, desc] : after)
    if (!before.count(name)) out.push_back(name + " created");
  return out;
}

// At the end of the seed: kInvalid naming what changed when the schema is not as the seed found
// it (cap.schema_before).
Status CheckSchemaUnchanged(Database& db, Transaction& txn, const LedgerCapture& cap) {
  auto schema = SchemaObjects(db, txn);
  if (!schema.ok()) return schema.status();
  std::vector<std::string> changed = SchemaDifferences(cap.schema_before, *schema);
  if (changed.empty()) return Status::Ok();
  // The analysis refused every statement it understood that does this: the culprit is one it
  // does not understand.
  std::string opaque;
  for (const auto& st : AnalyzeScript(db.Ledger().StatementDialect(), cap.sql).statements)
    if (!st.analysable)
      opaque += "\n  line " + std::to_string(st.line) + ": " + st.kind + " (" +
                st.text.substr(0, std::min<size_t>(st.text.size(), 60)) +
                (st.text.size() > 60 ? "...)" : ")");
  if (changed.size() > 5) {
    size_t more = changed.size() - 5;
    changed.resize(5);
    changed.push_back("and " + std::to_string(more) + " more");
  }
  return Status::Invalid(
      "seed " + cap.seed_id + " (release " + cap.release +
      ") changed the schema: " + Join(changed, ", ") + "; nothing of the seed was applied." +
      (opaque.empty() ? "" : "\nstatements that can do that:" + opaque) +
      "\na seed may only write rows of the tables it declares: move schema changes into a "
      "migration (if another session changed the schema while the seed ran, run again)");
}

// Installs the dialect's capture, then notes the schema as the seed finds it (with the capture's
// own objects) and refuses schema changes up front where the adapter can (SQLite: an authorizer;
// elsewhere the comparison at the end of the seed catches them).
Status InstallCapture(Database& db, Transaction& txn, LedgerCapture& cap) {
  ORCH_RETURN_IF_ERROR(db.Ledger().InstallCapture(db, txn, cap));
  auto schema = SchemaObjects(db, txn);
  if (!schema.ok()) return schema.status();
  cap.schema_before = std::move(*schema);
  (void)txn.RefuseSchemaChanges(true, "seed " + cap.seed_id + " (release " + cap.release +
                                          ") may only write rows of the tables it declares: "
                                          "move schema changes into a migration");
  return Status::Ok();
}

// ---- reversal -----------------------------------------------------------------------------------

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

Result<int64_t> CountQuery(Transaction& txn, const std::string& sql) {
  auto r = txn.Query(sql);
  if (!r.ok()) return r.status();
  return r->rows.empty() ? 0 : static_cast<int64_t>(ToLong(r->rows[0][0]));
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
                       const std::string& seed_id, const std::string& on_modified,
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

// Reads the chunk row (id, table_name, op, key_columns, column_names, row_count, xid, key_min,
// key_max) of orchestrate_ledger.
Result<Chunk> ChunkFromRow(const Row& r, const std::string& seed_id) {
  Chunk c;
  c.id = ToLong(r[0]);
  c.table = r[1].value_or("");
  c.op = r[2].value_or("");
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

const char kChunkColumns[] =
    "id, table_name, op, key_columns, column_names, row_count, xid, key_min, key_max";

// Shrinks a range chunk's ledger row by the slice reversed from its top: $1 the new key_max, $2
// the slice's rows, $3 the chunk id.
const char kShrinkRange[] =
    "UPDATE orchestrate_ledger SET key_max = $1, row_count = row_count - $2 WHERE id = $3";

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
  txn.Note("ledger chunk " + std::to_string(c.id) + ": " + std::to_string(c.rows) + " " + c.op +
           " row(s) of " + c.table +
           "; one transaction; data sha256:" + Sha256Hex(canon).substr(0, 16));
  return Status::Ok();
}

Result<LedgerBatch> ReverseInsert(Database& db, Transaction& txn, const Chunk& c,
                                  const std::string& seed_id, const std::string& on_modified,
                                  bool referenced) {
  ChunkSql q(db.Ledger(), c);
  LedgerBatch out;
  // The common case is one statement: delete the rows nobody changed since (PostgreSQL: by xmin;
  // SQLite: by row image); only when rows were left behind look at why. A failure rolls the
  // batch back.
  if (referenced) {
    std::string restrict = on_modified == "revert" ? "" : " AND " + q.Unchanged("p", "r");
    ORCH_RETURN_IF_ERROR(CheckReferences(db, txn, c, q, seed_id, on_modified, restrict));
  }
  auto deleted = txn.ExecCount(db.Ledger().InsertReversal(q, on_modified));
  if (!deleted.ok()) return deleted.status();
  out.rows = *deleted;
  // Rows not deleted: changed since (still there) or deleted since (gone, fine).
  std::string left = "SELECT " + q.KeyList("t") + " FROM " + q.JoinOnKey("t", "new_rows", "r");
  if (txn.Records() && on_modified == "fail")
    ORCH_RETURN_IF_ERROR(txn.Guard(
        left, ConflictMessage(seed_id, c, "that it inserted were changed after the deploy")));
  if (*deleted == c.rows) return out;
  auto conflicts = txn.Query(left + " LIMIT " + std::to_string(kShowRows + 1));
  if (!conflicts.ok()) return conflicts.status();
  if (conflicts->rows.empty()) return out;
  auto total = CountQuery(txn, "SELECT count(*) FROM (" + left + ") x");
  if (!total.ok()) return total.status();
  if (on_modified == "fail")
    return Status::Failed(
        "cannot reverse seed " + seed_id + ": " + std::to_string(*total) + " row(s) of " + c.table +
        " that it inserted were changed after the deploy:" + ListRows(c.key, *conflicts, *total) +
        Options(seed_id));
  out.kept = *total;
  return out;
}

Result<LedgerBatch> ReverseUpdate(Database& db, Transaction& txn, const Chunk& c,
                                  const std::string& seed_id, const std::string& on_modified) {
  ChunkSql q(db.Ledger(), c);
  LedgerBatch out;
  // A row is "as the seed left it" when it still exists and nobody wrote it since.
  std::string changed = ChangedSinceUpdate(db, c);
  if (txn.Records() && on_modified == "fail")
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
    if (on_modified == "fail")
      return Status::Failed("cannot reverse seed " + seed_id + ": " + std::to_string(total) +
                            " row(s) of " + c.table +
                            " that it updated were changed or deleted after the deploy:" +
                            ListRows(c.key, *conflicts, total) + Options(seed_id));
  }
  std::string sql = db.Ledger().UpdateReversal(q, on_modified);
  if (sql.empty()) return out;  // only key columns: nothing an update could have changed
  if (on_modified == "keep") out.kept = total;
  auto updated = txn.ExecCount(sql);
  if (!updated.ok()) return updated.status();
  out.rows = *updated;
  return out;
}

Result<LedgerBatch> ReverseDelete(Database& db, Transaction& txn, const Chunk& c,
                                  const std::string& seed_id, const std::string& on_modified) {
  ChunkSql q(db.Ledger(), c);
  LedgerBatch out;
  // A deleted row whose key is back in the table was re-created after the deploy.
  std::string present = PresentAgain(db, c);
  if (txn.Records() && on_modified == "fail")
    ORCH_RETURN_IF_ERROR(txn.Guard(
        present,
        ConflictMessage(seed_id, c, "that it deleted exist again (same key) since the deploy")));
  auto conflicts = txn.Query(present + " LIMIT " + std::to_string(kShowRows + 1));
  if (!conflicts.ok()) return conflicts.status();
  if (!conflicts->rows.empty()) {
    auto total = CountQuery(txn, "SELECT count(*) FROM (" + present + ") x");
    if (!total.ok()) return total.status();
    if (on_modified == "fail")
      return Status::Failed("cannot reverse seed " + seed_id + ": " + std::to_string(*total) +
                            " row(s) of " + c.table +
                            " that it deleted exist again (same key) since the deploy:" +
                            ListRows(c.key, *conflicts, *total) + Options(seed_id));
    if (on_modified == "revert") {
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

}  // namespace

Result<LedgerCapture> BeginLedgerCapture(Database& db, Transaction& txn, const Step& seed,
                                         int batch_rows) {
  auto ddl = SchemaChangesInSeed(db.Ledger().StatementDialect(), seed.sql, SeedLabel(seed));
  if (!ddl.empty())
    return Status::Invalid("line " + Join(ddl, "\nline ") + "\nnothing of the seed ran");
  LedgerCapture cap;
  cap.seed_id = seed.id;
  cap.sql = seed.sql;
  cap.release = seed.release;
  cap.batch_rows = std::max(1, batch_rows);
  for (const auto& t : seed.tables) {
    auto info = ResolveTable(db, txn, seed, t);
    if (!info.ok()) return info.status();
    cap.tables.push_back(std::move(*info));
  }
  Status st = InstallCapture(db, txn, cap);
  if (!st.ok()) return st.WithContext("cannot set up the row ledger for " + SeedLabel(seed));
  return cap;
}

Status EndLedgerCapture(Database& db, Transaction& txn, const LedgerCapture& capture) {
  (void)txn.RefuseSchemaChanges(false, "");
  ORCH_RETURN_IF_ERROR(CheckSchemaUnchanged(db, txn, capture));
  return db.Ledger().RemoveCapture(txn, capture);
}

struct LedgerReversal::Cache {
  std::map<std::string, bool> referenced;  // per table: whether any foreign key references it
  // After a slice of a range chunk: the chunk as its ledger row is once that batch commits.
  struct Slice {
    Chunk rest;
    int64_t chunks_left = 0, rows_left = 0;
  };
  std::optional<Slice> next_slice;
};

LedgerReversal::LedgerReversal(std::string seed_id, std::string on_modified, int batch_rows)
    : seed_id_(std::move(seed_id)),
      on_modified_(std::move(on_modified)),
      batch_rows_(std::max(1, batch_rows)),
      cache_(std::make_unique<Cache>()) {}
LedgerReversal::~LedgerReversal() = default;

Result<std::optional<LedgerBatch>> LedgerReversal::NextSlice(Database& db, Transaction& txn) {
  carried_rows_ = 0;
  std::optional<Cache::Slice> prev = std::move(cache_->next_slice);
  cache_->next_slice.reset();
  if (!prev || !commits_each_batch || on_modified_ == "revert" || !db.Ledger().SlicesRanges() ||
      prev->rest.rows <= batch_rows_ || cache_->referenced[prev->rest.table])
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
  const std::string& on_modified = on_modified_;
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
  bool slice = db.Ledger().SlicesRanges() && c.op == "insert" && c.dense() && c.rows > batch_rows_;
  if (slice) {
    c.key_min = c.key_max - batch_rows_ + 1;
    c.rows = batch_rows_;
  }
  if (c.op == "insert" && !cache_->referenced.count(c.table)) {
    auto fks = db.Ledger().ReferencingKeys(txn, c.table, c.key);
    if (!fks.ok()) return fks.status();
    cache_->referenced[c.table] = !fks->empty();
  }

  ORCH_RETURN_IF_ERROR(NoteChunk(txn, c, slice, seed_id));
  if (on_modified == "revert" && before_destroy) {
    // The rows this chunk will overwrite or delete although they changed since the deploy.
    ChunkSql q(db.Ledger(), c);
    std::vector<std::string> keys, tkeys;
    for (const auto& k : c.key) {
      keys.push_back(db.QuoteIdent(k));
      tkeys.push_back("t." + db.QuoteIdent(k));
    }
    std::string changed =
        c.op == "delete"
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
                             (c.op == "insert"   ? "deleted"
                              : c.op == "update" ? "given their old values"
                                                 : "replaced by the deleted rows") +
                             " by the rollback (on_modified: revert)"));
  }
  Result<LedgerBatch> done = Status::Failed("unknown ledger operation '" + c.op + "'");
  if (c.op == "insert")
    done = ReverseInsert(db, txn, c, seed_id, on_modified, cache_->referenced[c.table]);
  if (c.op == "update") done = ReverseUpdate(db, txn, c, seed_id, on_modified);
  if (c.op == "delete") done = ReverseDelete(db, txn, c, seed_id, on_modified);
  if (!done.ok()) return done.status();
  auto bookkeeping = [&](const std::string& sql, const std::vector<Value>& params) {
    return commits_each_batch ? txn.ExecAtCommit(sql, params) : txn.Exec(sql, params);
  };
  const std::string restore = db.Ledger().RecordRestoreSql();
  if (c.op != "insert" && !restore.empty()) {
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
  if (slice && c.op == "insert") {  // the next slice can skip reading the chunk (NextSlice)
    Chunk rest = *chunk;
    rest.key_max = c.key_min - 1;
    rest.rows = chunk->rows - c.rows;
    cache_->next_slice = Cache::Slice{rest, out.chunks_left, out.rows_left};
  }
  if (out.chunks_left == 0) {
    // Whether any other seed has a ledger left (this chunk's row may not be deleted yet).
    auto any = CountQuery(
        txn, "SELECT count(*) FROM orchestrate_ledger WHERE id <> " + std::to_string(c.id));
    if (!any.ok()) return any.status();
    if (*any == 0) ORCH_RETURN_IF_ERROR(bookkeeping("DELETE FROM orchestrate_ledger_restores", {}));
  }
  return out;
}

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
  auto exists = db.Ledger().LedgerTableExists(txn);
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

}  // namespace orchestrate

namespace orchestrate {}  // namespace orchestrate

namespace orchestrate {

Status SimulateReversal(Database& db, Transaction& txn, const std::string& seed_id,
                        const std::string& on_modified, int batch_rows, int64_t* rows) {
  LedgerReversal reversal(seed_id, on_modified, batch_rows);
  for (;;) {
    auto batch = reversal.Next(db, txn);
    if (!batch.ok()) return batch.status();
    if (batch->chunk_id == 0) return Status::Ok();
    *rows += batch->rows;
  }
}

}  // namespace orchestrate
