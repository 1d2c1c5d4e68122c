#include "migrations/sqlite/ledger_dialect.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <utility>

#include "migrations/ledger.h"
#include "migrations/ledger/chunk.h"
#include "migrations/statement_text.h"

namespace orchestrate {
namespace {

using json = nlohmann::json;
using ledger_internal::CatalogTable;
using ledger_internal::Chunk;
using ledger_internal::ChunkSql;
using ledger_internal::ForeignKey;
using ledger_internal::Join;
using ledger_internal::Lower;

// Every object of the schema with its SQL (orchestrate's own temporary triggers included: they
// exist from before the seed runs until after the comparison).
const char kSchemaObjects[] =
    "SELECT type || ' ' || name, COALESCE(sql, '') FROM main.sqlite_master UNION ALL SELECT "
    "'temporary ' || type || ' ' || name, COALESCE(sql, '') FROM temp.sqlite_master";

class SqliteLedgerDialect final : public LedgerDialect {
 public:
  explicit SqliteLedgerDialect(const Database& db) : db_(db) {}

  Dialect StatementDialect() const override { return Dialect::kSqlite; }
  std::string QuoteIdent(const std::string& name) const override { return db_.QuoteIdent(name); }

  Result<std::optional<CatalogTable>> FindTable(Transaction& txn,
                                                const LedgerTable& declared) const override {
    CatalogTable info;
    info.name = declared.name;
    auto cols = txn.Query("SELECT name, pk, hidden FROM pragma_table_xinfo($1) ORDER BY cid",
                          {declared.name});
    if (!cols.ok()) return cols.status();
    if (cols->rows.empty()) return std::optional<CatalogTable>();
    std::vector<std::pair<long, std::string>> pk_cols;
    for (const auto& r : cols->rows) {
      if (ToLong(r[2]) == 0) info.columns.push_back(*r[0]);
      if (ToLong(r[1]) > 0) pk_cols.emplace_back(ToLong(r[1]), *r[0]);
    }
    std::sort(pk_cols.begin(), pk_cols.end());
    for (const auto& [_, name] : pk_cols) info.primary_key.push_back(name);
    return std::optional<CatalogTable>(std::move(info));
  }

  Result<std::vector<ForeignKey>> ReferencingKeys(
      Transaction& txn, const std::string& table,
      const std::vector<std::string>& parent_pk) const override {
    std::vector<ForeignKey> out;
    auto rows = txn.Query(
        "SELECT m.name, f.id, f.\"from\", f.\"to\" FROM sqlite_master m, "
        "pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND lower(f.\"table\") = "
        "lower($1) ORDER BY m.name, f.id, f.seq",
        {table});
    if (!rows.ok()) return rows.status();
    std::map<std::pair<std::string, long>, ForeignKey> by_id;
    for (const auto& r : rows->rows) {
      auto& fk = by_id[{*r[0], ToLong(r[1])}];
      fk.child = QuoteIdent(*r[0]);
      fk.child_name = *r[0];
      fk.child_columns += (fk.child_columns.empty() ? "" : ",") + *r[2];
      fk.name = *r[0] + " foreign key " + std::to_string(ToLong(r[1]));
      fk.same_table = Lower(fk.child_name) == Lower(table);
      fk.child_cols.push_back(QuoteIdent(*r[2]));
      size_t i = fk.parent_cols.size();
      fk.parent_cols.push_back(r[3] ? QuoteIdent(*r[3])
                                    : (i < parent_pk.size() ? QuoteIdent(parent_pk[i]) : ""));
    }
    for (auto& [_, fk] : by_id) out.push_back(std::move(fk));
    return out;
  }

  // Connection-local TEMP row triggers stage every change with the full row images; every other
  // user table refuses writes (TEMP triggers that abort).
  Status InstallCapture(Database& db, Transaction& txn, LedgerCapture& cap) const override {
    ORCH_RETURN_IF_ERROR(txn.Exec(
        "CREATE TEMP TABLE IF NOT EXISTS orchestrate_ledger_stage (seq INTEGER PRIMARY KEY, "
        "table_name TEXT NOT NULL, op TEXT NOT NULL, row_key TEXT, old_row TEXT, new_row TEXT)"));
    ORCH_RETURN_IF_ERROR(txn.Exec("DELETE FROM temp.orchestrate_ledger_stage"));
    int n = 0;
    for (const auto& t : cap.tables) {
      std::string on = " ON main." + QuoteIdent(t.name) + " ";
      std::string suffix = std::to_string(n++);
      std::string stage =
          "INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES "
          "(" +
          SqlStringLiteral(t.name) + ", ";
      std::vector<std::string> new_key, old_key;
      for (const auto& k : t.key) {
        new_key.push_back("NEW." + QuoteIdent(k));
        old_key.push_back("OLD." + QuoteIdent(k));
      }
      std::string new_key_json = "json_array(" + Join(new_key, ", ") + ")";
      std::string old_key_json = "json_array(" + Join(old_key, ", ") + ")";
      ORCH_RETURN_IF_ERROR(txn.Exec(
          "CREATE TEMP TRIGGER orchestrate_ledger_ins_" + suffix + " AFTER INSERT" + on + "BEGIN " +
          stage + "'insert', " + new_key_json + ", NULL, " + Object(t.columns, "NEW") + "); END"));
      std::string same_key;
      for (size_t i = 0; i < t.key.size(); ++i)
        same_key += (i ? " AND " : "") + std::string("OLD.") + QuoteIdent(t.key[i]) + " IS NEW." +
                    QuoteIdent(t.key[i]);
      ORCH_RETURN_IF_ERROR(
          txn.Exec("CREATE TEMP TRIGGER orchestrate_ledger_key_" + suffix + " BEFORE UPDATE" + on +
                   "WHEN NOT (" + same_key + ") BEGIN SELECT RAISE(ABORT, " +
                   SqlStringLiteral("seed " + cap.seed_id + " changed the key columns (" +
                                    Join(t.key, ", ") + ") of a row of table " + t.name +
                                    ": the ledger finds rows by key; declare other key: columns") +
                   "); END"));
      ORCH_RETURN_IF_ERROR(txn.Exec("CREATE TEMP TRIGGER orchestrate_ledger_upd_" + suffix +
                                    " AFTER UPDATE" + on + "BEGIN " + stage + "'update', " +
                                    old_key_json + ", " + Object(t.columns, "OLD") + ", " +
                                    Object(t.columns, "NEW") + "); END"));
      ORCH_RETURN_IF_ERROR(txn.Exec(
          "CREATE TEMP TRIGGER orchestrate_ledger_del_" + suffix + " AFTER DELETE" + on + "BEGIN " +
          stage + "'delete', " + old_key_json + ", " + Object(t.columns, "OLD") + ", NULL); END"));
    }
    // Every other user table refuses writes while the seed runs.
    auto tables = db.UserTables();
    if (!tables.ok()) return tables.status();
    for (const auto& other : *tables) {
      bool declared = std::any_of(cap.tables.begin(), cap.tables.end(),
                                  [&](const auto& t) { return Lower(t.name) == Lower(other); });
      if (declared) continue;
      std::string suffix = std::to_string(n++);
      std::string msg =
          SqlStringLiteral("seed " + cap.seed_id + " wrote to table " + other +
                           ", which its tables: list does not declare, so the ledger could "
                           "not record those rows; nothing of the seed was applied. Add " +
                           other + " to the seed's tables: (or stop writing to it)");
      for (const char* op : {"INSERT", "UPDATE", "DELETE"})
        ORCH_RETURN_IF_ERROR(txn.Exec("CREATE TEMP TRIGGER orchestrate_ledger_deny_" + suffix +
                                      "_" + op + " BEFORE " + op + " ON main." + QuoteIdent(other) +
                                      " BEGIN SELECT RAISE(ABORT, " + msg + "); END"));
    }
    return Status::Ok();
  }

  std::string SchemaObjectsQuery() const override { return kSchemaObjects; }

  // Drops the triggers, then groups the staged rows into chunks.
  Status RemoveCapture(Transaction& txn, const LedgerCapture& cap) const override {
    auto triggers = txn.Query(
        "SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE "
        "'orchestrate\\_ledger\\_%' ESCAPE '\\'");
    if (!triggers.ok()) return triggers.status();
    for (const auto& r : triggers->rows)
      ORCH_RETURN_IF_ERROR(txn.Exec("DROP TRIGGER temp.\"" + *r[0] + "\""));
    // Consecutive changes of one table and operation form a run (seq minus its rank within the
    // table and operation is constant along a run). A row changed twice in a run (two UPDATE
    // statements) goes to a later generation, so that no chunk holds a row twice and reversing the
    // chunks newest first undoes the changes in reverse order. Each (run, generation) is cut into
    // chunks of batch_rows.
    auto chunks = txn.Query(
        "WITH s AS (SELECT seq, table_name, op, row_key, old_row, new_row, seq - row_number() OVER "
        "(PARTITION BY table_name, op ORDER BY seq) AS run FROM temp.orchestrate_ledger_stage), g "
        "AS "
        "(SELECT *, row_number() OVER (PARTITION BY table_name, op, run, row_key ORDER BY seq) AS "
        "gen FROM s), c AS (SELECT *, (row_number() OVER (PARTITION BY table_name, op, run, gen "
        "ORDER BY seq) - 1) / $1 AS chunk FROM g) SELECT table_name, op, count(*), CASE WHEN op = "
        "'insert' THEN NULL ELSE json_group_array(json(old_row)) END, CASE WHEN op = 'delete' THEN "
        "NULL ELSE json_group_array(json(new_row)) END FROM c GROUP BY table_name, op, run, gen, "
        "chunk ORDER BY min(seq)",
        {std::to_string(cap.batch_rows)});
    if (!chunks.ok()) return chunks.status();
    for (const auto& r : chunks->rows) {
      const LedgerTableInfo* info = nullptr;
      for (const auto& t : cap.tables)
        if (t.name == *r[0]) info = &t;
      if (!info) return Status::Failed("internal: staged rows of an undeclared table " + *r[0]);
      ORCH_RETURN_IF_ERROR(txn.Exec(
          "INSERT INTO orchestrate_ledger (id, seed_id, release, table_name, op, key_columns, "
          "column_names, row_count, xid, old_rows, new_rows) VALUES ((SELECT COALESCE(MAX(id), 0) "
          "+ "
          "1 "
          "FROM orchestrate_ledger), $1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)",
          {cap.seed_id, cap.release, info->name, *r[1], json(info->key).dump(),
           json(info->columns).dump(), *r[2], r[3], r[4]}));
    }
    return txn.Exec("DELETE FROM temp.orchestrate_ledger_stage");
  }

  std::string RecordedRows(const Chunk& c, const std::string& which,
                           const std::string& alias) const override {
    return "json_each((SELECT " + which +
           " FROM orchestrate_ledger WHERE id = " + std::to_string(c.id) + ")) " + alias;
  }
  std::string RecordedColumn(const std::string& alias, const std::string& col) const override {
    return "json_extract(" + alias + ".value, " + SqlStringLiteral("$.\"" + col + "\"") + ")";
  }
  std::string TableRef(const Chunk& c) const override { return QuoteIdent(c.table); }
  std::string AsText(const std::string& expr) const override { return expr; }
  // The recorded rows drive the join (CROSS JOIN fixes the order), each row found through the
  // key's index; the other way round scans the table once per recorded row.
  std::string JoinOnKey(const ChunkSql& q, const std::string& t, const std::string& which,
                        const std::string& r) const override {
    return q.Rows(which, r) + " CROSS JOIN " + q.Table() + " " + t + " ON " + q.KeyMatch(t, r);
  }
  // By the row image: every recorded column as the seed left it.
  std::string Unchanged(const Chunk& c, const std::string& t, const std::string& r) const override {
    return Object(c.columns, t) + " = json(" + r + ".value)";
  }

  // By key: the recorded rows are looked up through the key's index, once.
  std::string InsertReversal(const ChunkSql& q, OnModified on_modified) const override {
    return "DELETE FROM " + q.Table() + " WHERE " + q.KeyTuple("") + " IN (" +
           q.DeletedKeys(on_modified) + ")";
  }
  std::string UpdateReversal(const ChunkSql& q, OnModified on_modified) const override {
    std::vector<std::string> sets = q.OldValueAssignments("o");
    if (sets.empty()) return "";
    const std::string t = q.Table();
    std::string sql = "UPDATE " + t + " SET " + Join(sets, ", ") + " FROM " +
                      q.Rows("old_rows", "o") + " WHERE " + q.KeyMatch(t, "o");
    if (on_modified ==
        OnModified::kKeep)  // only rows still as the seed left them, as one lookup by key
      sql += " AND " + q.KeyTuple(t) + " IN (" + q.DeletedKeys(OnModified::kKeep) + ")";
    return sql;
  }
  std::string DeleteReversal(const ChunkSql& q) const override { return q.InsertDeletedRows(); }
  std::string DeleteReversalClear(const ChunkSql& q) const override {
    return "DELETE FROM " + q.Table() + " WHERE " + q.KeyTuple("") + " IN (SELECT " +
           q.KeyList("t") + " FROM " + q.JoinOnKey("t", "old_rows", "o") + ")";
  }
  std::string ReferencedRows(const ChunkSql& q, const ForeignKey& fk, OnModified on_modified,
                             const std::string& restrict_sql) const override {
    return q.ReferencedKeys(fk, on_modified, restrict_sql);
  }

  bool SlicesRanges() const override { return false; }
  bool CapturesPerStatement() const override { return false; }
  std::string RecordRestoreSql() const override { return ""; }

 private:
  // json_object('a', X."a", ...) over `names`.
  std::string Object(const std::vector<std::string>& names, const std::string& alias) const {
    std::vector<std::string> parts;
    for (const auto& n : names)
      parts.push_back(SqlStringLiteral(n) + ", " + alias + "." + QuoteIdent(n));
    return "json_object(" + Join(parts, ", ") + ")";
  }

  const Database& db_;
};

}  // namespace

std::unique_ptr<LedgerDialect> NewSqliteLedgerDialect(const Database& db) {
  return std::make_unique<SqliteLedgerDialect>(db);
}

}  // namespace orchestrate
