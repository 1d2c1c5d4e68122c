#include "migrations/mysql/ledger_dialect.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>
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

// The session variable that arms the triggers, and the prefix of every trigger the capture
// creates ('_' escaped for LIKE).
const char kArmed[] = "@orchestrate_ledger_seed";
const char kTriggerPrefix[] = "orchestrate_ledger_";
const char kTriggerLike[] = "'orchestrate\\_ledger\\_%'";

// The staged row images of a seed (token: the seed's CONNECTION_ID()).
const char kStageTable[] =
    "CREATE TABLE IF NOT EXISTS orchestrate_ledger_stage (seq BIGINT AUTO_INCREMENT PRIMARY KEY, "
    "token BIGINT NOT NULL, table_name VARCHAR(255) NOT NULL, op VARCHAR(8) NOT NULL, row_key "
    "LONGTEXT NOT NULL, old_row LONGTEXT, new_row LONGTEXT, INDEX orchestrate_ledger_stage_token "
    "(token, seq)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

// Column types whose values a JSON image cannot carry exactly.
const std::set<std::string> kUnrecordable = {
    "bit",        "binary",     "varbinary",       "tinyblob",     "blob",
    "mediumblob", "longblob",   "geometry",        "point",        "linestring",
    "polygon",    "multipoint", "multilinestring", "multipolygon", "geometrycollection"};

// Every object of the schema and what describes it (orchestrate's own tables and the capture's
// triggers included: they exist from before the seed runs until after the comparison).
const char kSchemaObjects[] =
    "SELECT CONCAT('table ', TABLE_NAME), GROUP_CONCAT(CONCAT_WS(' ', COLUMN_NAME, COLUMN_TYPE, "
    "IS_NULLABLE, IFNULL(COLUMN_DEFAULT, '-'), EXTRA) ORDER BY ORDINAL_POSITION SEPARATOR ', ') "
    "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME UNION "
    "ALL SELECT CONCAT('index ', TABLE_NAME, '.', INDEX_NAME), GROUP_CONCAT(CONCAT(COLUMN_NAME, "
    "' ', NON_UNIQUE) ORDER BY SEQ_IN_INDEX SEPARATOR ', ') FROM information_schema.STATISTICS "
    "WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME, INDEX_NAME UNION ALL SELECT "
    "CONCAT('constraint ', TABLE_NAME, '.', CONSTRAINT_NAME), CONSTRAINT_TYPE FROM "
    "information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() UNION ALL SELECT "
    "CONCAT('trigger ', TRIGGER_NAME), CONCAT_WS(' ', EVENT_OBJECT_TABLE, ACTION_TIMING, "
    "EVENT_MANIPULATION, ACTION_STATEMENT) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA "
    "= DATABASE() UNION ALL SELECT CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_NAME), "
    "CONCAT_WS(' ', LAST_ALTERED, ROUTINE_DEFINITION) FROM information_schema.ROUTINES WHERE "
    "ROUTINE_SCHEMA = DATABASE() UNION ALL SELECT CONCAT('view ', TABLE_NAME), VIEW_DEFINITION "
    "FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()";

// A SIGNAL message: MySQL takes at most 128 characters (MariaDB 512); cut on a UTF-8 boundary.
std::string SignalText(std::string text) {
  if (text.size() <= 128) return text;
  std::size_t cut = 125;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

class MysqlLedgerDialect final : public LedgerDialect {
 public:
  explicit MysqlLedgerDialect(const Database& db) : db_(db) {}

  Dialect StatementDialect() const override { return Dialect::kMysql; }
  std::string QuoteIdent(const std::string& name) const override { return db_.QuoteIdent(name); }

  Result<std::optional<CatalogTable>> FindTable(Transaction& txn,
                                                const LedgerTable& declared) const override {
    auto cols = txn.Query(
        "SELECT c.COLUMN_NAME, c.DATA_TYPE, c.EXTRA, (SELECT s.SEQ_IN_INDEX FROM "
        "information_schema.STATISTICS s WHERE s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = "
        "c.TABLE_NAME AND s.INDEX_NAME = 'PRIMARY' AND s.COLUMN_NAME = c.COLUMN_NAME) FROM "
        "information_schema.COLUMNS c JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = "
        "c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME WHERE c.TABLE_SCHEMA = DATABASE() AND "
        "c.TABLE_NAME = $1 AND t.TABLE_TYPE = 'BASE TABLE' ORDER BY c.ORDINAL_POSITION",
        {declared.name});
    if (!cols.ok()) return cols.status();
    if (cols->rows.empty()) return std::optional<CatalogTable>();
    CatalogTable info;
    info.name = declared.name;
    std::vector<std::pair<long, std::string>> pk_cols;
    for (const auto& r : cols->rows) {
      const std::string name = r[0].value_or(""), type = Lower(r[1].value_or(""));
      if (Lower(r[2].value_or("")).find("generated") != std::string::npos) continue;
      if (kUnrecordable.count(type))
        return Status::Invalid(
            "table '" + declared.name + "' has column '" + name + "' of type " + type +
            ", whose values the row ledger on MySQL/MariaDB cannot record exactly (binary "
            "strings, BIT and spatial types); give the seed an undo: SQL (it replaces the "
            "ledger), or leave that table out of the seed");
      info.columns.push_back(name);
      if (r[3]) pk_cols.emplace_back(ToLong(r[3]), name);
    }
    std::sort(pk_cols.begin(), pk_cols.end());
    for (const auto& [_, name] : pk_cols) info.primary_key.push_back(name);
    return std::optional<CatalogTable>(std::move(info));
  }

  Result<std::vector<ForeignKey>> ReferencingKeys(
      Transaction& txn, const std::string& table,
      const std::vector<std::string>& /*parent_pk*/) const override {
    auto rows = txn.Query(
        "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_COLUMN_NAME FROM "
        "information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND "
        "REFERENCED_TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME = $1 ORDER BY TABLE_NAME, "
        "CONSTRAINT_NAME, ORDINAL_POSITION",
        {table});
    if (!rows.ok()) return rows.status();
    std::map<std::pair<std::string, std::string>, ForeignKey> by_name;
    for (const auto& r : rows->rows) {
      const std::string child = r[0].value_or(""), column = r[2].value_or("");
      auto& fk = by_name[{child, r[1].value_or("")}];
      fk.child = QuoteIdent(child);
      fk.child_name = child;
      fk.child_columns += (fk.child_columns.empty() ? "" : ",") + column;
      fk.name = child + " foreign key " + r[1].value_or("");
      fk.same_table = child == table;
      fk.child_cols.push_back(QuoteIdent(column));
      fk.parent_cols.push_back(QuoteIdent(r[3].value_or("")));
    }
    std::vector<ForeignKey> out;
    for (auto& [_, fk] : by_name) out.push_back(std::move(fk));
    return out;
  }

  // Row triggers on every user table, armed by kArmed in this session only: declared tables
  // stage their row images, the others refuse writes. Each CREATE TRIGGER commits by itself
  // (MysqlTransaction starts a new transaction after it): the seed's transaction has written
  // nothing yet.
  Status InstallCapture(Database& /*db*/, Transaction& txn, LedgerCapture& cap) const override {
    // The chunks' row images are built with GROUP_CONCAT, which stops at this length.
    ORCH_RETURN_IF_ERROR(txn.Exec("SET SESSION group_concat_max_len = 4294967295"));
    ORCH_RETURN_IF_ERROR(txn.Exec(kStageTable));
    ORCH_RETURN_IF_ERROR(WidenLedgerColumns(txn));
    ORCH_RETURN_IF_ERROR(txn.ExecWhenFinished(std::string("SET ") + kArmed + " = NULL"));
    auto stale = txn.Query(
        "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() "
        "AND TRIGGER_NAME LIKE " +
        std::string(kTriggerLike));
    if (!stale.ok()) return stale.status();
    for (const auto& r : stale->rows)
      ORCH_RETURN_IF_ERROR(txn.Exec("DROP TRIGGER IF EXISTS " + QuoteIdent(r[0].value_or(""))));
    int n = 0;
    for (const auto& t : cap.tables) {
      const std::string on = " ON " + QuoteIdent(t.name) + " FOR EACH ROW ";
      const std::string prefix = kTriggerPrefix + std::to_string(n++);
      std::string stage =
          "INSERT INTO orchestrate_ledger_stage (token, table_name, op, row_key, old_row, "
          "new_row) VALUES (" +
          std::string(kArmed) + ", " + SqlStringLiteral(t.name) + ", ";
      std::vector<std::string> new_key, old_key, same_key;
      for (const auto& k : t.key) {
        new_key.push_back("NEW." + QuoteIdent(k));
        old_key.push_back("OLD." + QuoteIdent(k));
        same_key.push_back("OLD." + QuoteIdent(k) + " <=> NEW." + QuoteIdent(k));
      }
      const std::string new_key_json = "JSON_ARRAY(" + Join(new_key, ", ") + ")";
      const std::string old_key_json = "JSON_ARRAY(" + Join(old_key, ", ") + ")";
      ORCH_RETURN_IF_ERROR(CreateTrigger(
          txn, prefix + "_ins", "AFTER INSERT" + on,
          stage + "'insert', " + new_key_json + ", NULL, " + Object(t.columns, "NEW") + ")"));
      ORCH_RETURN_IF_ERROR(CreateTrigger(
          txn, prefix + "_key", "BEFORE UPDATE" + on, "", "NOT (" + Join(same_key, " AND ") + ")",
          "seed " + cap.seed_id + " changed the key (" + Join(t.key, ", ") + ") of a row of " +
              t.name + ": the ledger finds rows by key; declare other key: columns"));
      ORCH_RETURN_IF_ERROR(CreateTrigger(txn, prefix + "_upd", "AFTER UPDATE" + on,
                                         stage + "'update', " + old_key_json + ", " +
                                             Object(t.columns, "OLD") + ", " +
                                             Object(t.columns, "NEW") + ")"));
      ORCH_RETURN_IF_ERROR(CreateTrigger(
          txn, prefix + "_del", "AFTER DELETE" + on,
          stage + "'delete', " + old_key_json + ", " + Object(t.columns, "OLD") + ", NULL)"));
    }
    // (Database::UserTables would need the connection this transaction holds.)
    auto tables = txn.Query(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
        "TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME NOT LIKE 'orchestrate\\_%' ORDER BY "
        "TABLE_NAME");
    if (!tables.ok()) return tables.status();
    for (const auto& row : tables->rows) {
      const std::string other = row[0].value_or("");
      const bool declared = std::any_of(cap.tables.begin(), cap.tables.end(),
                                        [&](const auto& t) { return t.name == other; });
      if (declared) continue;
      const std::string prefix = kTriggerPrefix + std::to_string(n++);
      for (const char* op : {"INSERT", "UPDATE", "DELETE"})
        ORCH_RETURN_IF_ERROR(CreateTrigger(
            txn, prefix + "_deny_" + Lower(op),
            std::string("BEFORE ") + op + " ON " + QuoteIdent(other) + " FOR EACH ROW ", "", "TRUE",
            "seed " + cap.seed_id + " wrote to table " + other +
                ", which its tables: does not declare; add it there (nothing was applied)"));
    }
    ORCH_RETURN_IF_ERROR(
        txn.Exec("DELETE FROM orchestrate_ledger_stage WHERE token = "
                 "CONNECTION_ID()"));
    return txn.Exec(std::string("SET ") + kArmed + " = CONNECTION_ID()");
  }

  std::string SchemaObjectsQuery() const override { return kSchemaObjects; }

  // Disarms the triggers (they are dropped once the transaction ends), then groups the staged
  // rows into chunks as SQLite does: consecutive changes of one table and operation form a run; a
  // row changed twice in a run goes to a later generation; each (run, generation) is cut into
  // chunks of batch_rows, numbered in the order the changes were made. The grouping is computed
  // here from the staged keys (MariaDB's window functions took seconds for 150,000 rows); each
  // chunk's row images are concatenated by the server, one INSERT ... SELECT per chunk.
  Status RemoveCapture(Transaction& txn, const LedgerCapture& cap) const override {
    ORCH_RETURN_IF_ERROR(txn.Exec(std::string("SET ") + kArmed + " = NULL"));
    auto staged = txn.Query(
        "SELECT seq, table_name, op, row_key FROM orchestrate_ledger_stage WHERE token = "
        "CONNECTION_ID() ORDER BY seq");
    if (!staged.ok()) return staged.status();
    const std::vector<Row>& rows = staged->rows;
    struct Planned {
      size_t first = 0;           // index of its first row in `rows`
      std::vector<size_t> items;  // indexes into `rows`, in order
    };
    std::vector<Planned> chunks;
    const size_t batch = static_cast<size_t>(std::max(1, cap.batch_rows));
    for (size_t begin = 0; begin < rows.size();) {
      size_t end = begin;
      while (end < rows.size() && rows[end][1] == rows[begin][1] && rows[end][2] == rows[begin][2])
        ++end;
      std::map<std::string, size_t> seen;            // key -> times changed so far in the run
      std::vector<std::vector<size_t>> generations;  // rows of each generation, in order
      for (size_t r = begin; r < end; ++r) {
        const size_t gen = seen[rows[r][3].value_or("")]++;
        if (gen == generations.size()) generations.emplace_back();
        generations[gen].push_back(r);
      }
      for (const auto& gen : generations)
        for (size_t at = 0; at < gen.size(); at += batch) {
          Planned c;
          c.items.assign(gen.begin() + static_cast<long>(at),
                         gen.begin() + static_cast<long>(std::min(gen.size(), at + batch)));
          c.first = c.items.front();
          chunks.push_back(std::move(c));
        }
      begin = end;
    }
    std::sort(chunks.begin(), chunks.end(),
              [](const Planned& a, const Planned& b) { return a.first < b.first; });
    auto max_id = txn.Query("SELECT COALESCE(MAX(id), 0) FROM orchestrate_ledger");
    if (!max_id.ok()) return max_id.status();
    long id = ToLong(max_id->rows.at(0)[0]);
    for (const Planned& c : chunks) {
      const Row& head = rows[c.first];
      const std::string table = head[1].value_or(""), op = head[2].value_or("");
      const LedgerTableInfo* info = nullptr;
      for (const auto& t : cap.tables)
        if (t.name == table) info = &t;
      if (!info) return Status::Failed("internal: staged rows of an undeclared table " + table);
      // Consecutive staged rows are a range of seq; others (a later generation) are listed.
      std::string which;
      if (c.items.back() - c.items.front() + 1 == c.items.size()) {
        which = "seq BETWEEN " + head[0].value_or("0") + " AND " +
                rows[c.items.back()][0].value_or("0");
      } else {
        for (size_t r : c.items) which += (which.empty() ? "" : ", ") + rows[r][0].value_or("0");
        which = "seq IN (" + which + ")";
      }
      auto images = [&](const char* column) {
        return std::string("CONCAT('[', GROUP_CONCAT(") + column +
               " ORDER BY seq SEPARATOR ','), ']')";
      };
      ORCH_RETURN_IF_ERROR(txn.Exec(
          "INSERT INTO orchestrate_ledger (id, seed_id, release, table_name, op, key_columns, "
          "column_names, row_count, xid, old_rows, new_rows) SELECT $1, $2, $3, $4, $5, $6, $7, "
          "COUNT(*), NULL, " +
              (op == "insert" ? std::string("NULL") : images("old_row")) + ", " +
              (op == "delete" ? std::string("NULL") : images("new_row")) +
              " FROM orchestrate_ledger_stage WHERE token = CONNECTION_ID() AND " + which,
          {std::to_string(++id), cap.seed_id, cap.release, info->name, op, json(info->key).dump(),
           json(info->columns).dump()}));
    }
    return txn.Exec("DELETE FROM orchestrate_ledger_stage WHERE token = CONNECTION_ID()");
  }

  std::string RecordedRows(const Chunk& c, const std::string& which,
                           const std::string& alias) const override {
    return "JSON_TABLE((SELECT " + which +
           " FROM orchestrate_ledger WHERE id = " + std::to_string(c.id) +
           "), '$[*]' COLUMNS (v JSON PATH '$')) " + alias;
  }
  // A scalar's text (JSON_VALUE), or an object's or array's JSON (a JSON column's value); NULL
  // for JSON null.
  std::string RecordedColumn(const std::string& alias, const std::string& col) const override {
    const std::string path = SqlStringLiteral("$.\"" + col + "\"");
    return "COALESCE(JSON_VALUE(" + alias + ".v, " + path + "), JSON_QUERY(" + alias + ".v, " +
           path + "))";
  }
  std::string TableRef(const Chunk& c) const override { return QuoteIdent(c.table); }
  std::string AsText(const std::string& expr) const override {
    return "CAST(" + expr + " AS CHAR)";
  }
  // The recorded rows first (STRAIGHT_JOIN), each found through the key's index.
  std::string JoinOnKey(const ChunkSql& q, const std::string& t, const std::string& which,
                        const std::string& r) const override {
    return q.Rows(which, r) + " STRAIGHT_JOIN " + q.Table() + " " + t + " ON " + q.KeyMatch(t, r);
  }
  // By the row image: every recorded column as the seed left it.
  std::string Unchanged(const Chunk& c, const std::string& t, const std::string& r) const override {
    return "JSON_EQUALS(" + Object(c.columns, t) + ", " + r + ".v)";
  }

  // InnoDB checks a foreign key row by row, not at the end of the statement: a tree the seed
  // inserted into a self-referencing table would fail at its first parent. The reversal has
  // already found that no row outside the ones deleted references them (CheckReferences), so
  // this one statement runs without the check there.
  std::string InsertReversal(const ChunkSql& q, OnModified on_modified) const override {
    return std::string(q.chunk().self_referenced ? "SET STATEMENT foreign_key_checks = 0 FOR "
                                                 : "") +
           "DELETE t FROM " + q.JoinOnKey("t", "new_rows", "r") +
           (on_modified == OnModified::kRevert ? "" : " WHERE " + q.Unchanged("t", "r"));
  }
  std::string UpdateReversal(const ChunkSql& q, OnModified on_modified) const override {
    std::vector<std::string> sets;
    for (const auto& col : q.chunk().columns)
      if (std::find(q.chunk().key.begin(), q.chunk().key.end(), col) == q.chunk().key.end())
        sets.push_back("t." + QuoteIdent(col) + " = " + q.Col("o", col));
    if (sets.empty()) return "";
    std::string sql = "UPDATE " + q.JoinOnKey("t", "old_rows", "o") + " SET " + Join(sets, ", ");
    if (on_modified == OnModified::kKeep)  // only rows still as the seed left them
      sql += " WHERE " + q.KeyTuple("t") + " IN (SELECT * FROM (" +
             q.DeletedKeys(OnModified::kKeep) + ") k)";
    return sql;
  }
  std::string DeleteReversal(const ChunkSql& q) const override { return q.InsertDeletedRows(); }
  std::string DeleteReversalClear(const ChunkSql& q) const override {
    return "DELETE t FROM " + q.JoinOnKey("t", "old_rows", "o");
  }
  std::string ReferencedRows(const ChunkSql& q, const ForeignKey& fk, OnModified on_modified,
                             const std::string& restrict_sql) const override {
    return q.ReferencedKeys(fk, on_modified, restrict_sql);
  }

  bool SlicesRanges() const override { return false; }
  bool CapturesPerStatement() const override { return false; }
  std::string RecordRestoreSql() const override { return ""; }

 private:
  // JSON_OBJECT('a', X.`a`, ...) over `names`.
  std::string Object(const std::vector<std::string>& names, const std::string& alias) const {
    std::vector<std::string> parts;
    for (const auto& n : names)
      parts.push_back(SqlStringLiteral(n) + ", " + alias + "." + QuoteIdent(n));
    return "JSON_OBJECT(" + Join(parts, ", ") + ")";
  }

  // A trigger that runs `body` when armed, or (body empty) refuses the row with `message` when
  // armed and `when` holds. It is dropped once the transaction ends.
  Status CreateTrigger(Transaction& txn, const std::string& name, const std::string& timing,
                       const std::string& body, const std::string& when = "",
                       const std::string& message = "") const {
    ORCH_RETURN_IF_ERROR(txn.ExecWhenFinished("DROP TRIGGER IF EXISTS " + QuoteIdent(name)));
    const std::string action = body.empty() ? "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = " +
                                                  SqlStringLiteral(SignalText(message))
                                            : body;
    const std::string guard =
        std::string(kArmed) + " IS NOT NULL" + (when.empty() ? "" : " AND " + when);
    return txn.Exec("CREATE TRIGGER " + QuoteIdent(name) + " " + timing + "BEGIN IF " + guard +
                    " THEN " + action + "; END IF; END");
  }

  // Ledgers written before the capture existed on MySQL have TEXT row images (64 KiB): a chunk
  // needs LONGTEXT.
  static Status WidenLedgerColumns(Transaction& txn) {
    auto type = txn.Query(
        "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
        "TABLE_NAME = 'orchestrate_ledger' AND COLUMN_NAME = 'old_rows'");
    if (!type.ok()) return type.status();
    if (type->rows.empty() || Lower(type->rows[0][0].value_or("")) == "longtext")
      return Status::Ok();
    return txn.Exec(
        "ALTER TABLE orchestrate_ledger MODIFY old_rows LONGTEXT, MODIFY new_rows LONGTEXT");
  }

  const Database& db_;
};

}  // namespace

std::unique_ptr<LedgerDialect> NewMysqlLedgerDialect(const Database& db) {
  return std::make_unique<MysqlLedgerDialect>(db);
}

}  // namespace orchestrate
