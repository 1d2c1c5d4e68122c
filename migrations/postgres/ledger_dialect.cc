#include "migrations/postgres/ledger_dialect.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

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

// jsonb_build_object('k1', x.k1, ...) over `names`.
std::string PgObject(const Database& db, const std::vector<std::string>& names,
                     const std::string& alias) {
  std::vector<std::string> parts;
  for (const auto& n : names)
    parts.push_back(SqlStringLiteral(n) + ", " + alias + "." + db.QuoteIdent(n));
  return "jsonb_build_object(" + Join(parts, ", ") + ")";
}

// A statement's rows join the seed's newest chunk when that chunk is of the same table and
// operation and the two hold at most this many rows (and batch_rows): a seed written as one
// statement per row then leaves one chunk per 100 rows, not one per row, as the SQLite and MySQL
// captures group consecutive changes. The cap bounds the rewriting of a growing chunk: every
// statement that joins it writes its keys (or rows, as JSON) again. Measured on 5,000 one-row
// UPDATEs: 1.3 s to capture without joining, 1.6 s with 100, 6.6 s with 1,000; the reversal took
// 15 s, 0.16 s and 0.05 s.
constexpr int kMergedChunkRows = 100;
// A chunk whose keys are a range of integers only has its upper bound moved by the next keys: it
// grows to this many rows.
constexpr int kMergedRangeRows = 1000;

// The plpgsql body that appends one statement's rows to the ledger, chunked. A statement's rows
// join the newest chunk when they can (kMergedChunkRows); updated rows only when none of them is
// in that chunk already.
std::string PgCaptureFunction(const Database& db, const LedgerCapture& cap,
                              const LedgerTableInfo& t, const std::string& fn) {
  std::string meta = SqlStringLiteral(cap.seed_id) + ", " + SqlStringLiteral(cap.release) + ", " +
                     SqlStringLiteral(t.name) + ", ";
  std::string keys = SqlStringLiteral(json(t.key).dump());
  std::string cols = SqlStringLiteral(json(t.columns).dump());
  std::string batch = std::to_string(cap.batch_rows);
  std::string merge_cap = std::to_string(std::min(cap.batch_rows, kMergedChunkRows));
  std::string range_cap = std::to_string(std::min(cap.batch_rows, kMergedRangeRows));
  std::string insert_head =
      "INSERT INTO orchestrate_ledger (id, seed_id, release, table_name, op, key_columns, "
      "column_names, row_count, xid, old_rows, new_rows, key_min, key_max) SELECT (SELECT "
      "COALESCE(MAX(id), 0) FROM "
      "orchestrate_ledger) + row_number() OVER (ORDER BY orchestrate_chunk), " +
      meta;
  std::string chunked = "(row_number() OVER () - 1) / " + batch + " AS orchestrate_chunk";
  // The newest chunk of the ledger when this statement's n rows can join it (n: the statement's
  // rows, counted up to one more than the cap, so that a large statement is not counted twice).
  auto newest = [&](const std::string& op, const std::string& limit) {
    return "    SELECT id, key_min, key_max, new_rows IS NULL, row_count INTO lid, lmin, lmax, "
           "ldense, lcount FROM orchestrate_ledger WHERE id = (SELECT max(id) FROM "
           "orchestrate_ledger) AND seed_id = " +
           SqlStringLiteral(cap.seed_id) + " AND table_name = " + SqlStringLiteral(t.name) +
           " AND op = '" + op + "' AND xid = txid_current() AND row_count + n <= " + limit + ";\n";
  };
  // The statement's rows (of `transition`, as JSON objects of `names`) appended to the newest
  // chunk's `column` when they can join it; n counted first, and 0 rows record nothing.
  auto json_merge = [&](const std::string& op, const std::string& transition,
                        const std::string& column, const std::vector<std::string>& names) {
    return "    SELECT count(*) INTO n FROM (SELECT FROM " + transition + " LIMIT " + merge_cap +
           " + 1) s;\n    IF n = 0 THEN\n      RETURN NULL;\n    END IF;\n" +
           newest(op, merge_cap) +
           "    IF FOUND THEN\n      UPDATE orchestrate_ledger SET row_count = row_count + n, " +
           column + " = (" + column + "::jsonb || (SELECT jsonb_agg(" + PgObject(db, names, "s") +
           ") FROM " + transition + " s))::text WHERE id = lid;\n      RETURN NULL;\n    END IF;\n";
  };
  std::string insert_merge;
  if (t.int_key) {
    // One integer key: the rows' keys are a range (new_rows NULL) or an integer array. A range
    // followed by the next keys stays a range; otherwise the keys become an array.
    std::string k = db.QuoteIdent(t.key[0]);
    insert_merge =
        "    SELECT min(" + k + "), max(" + k +
        "), count(*) INTO mn, mx, n FROM orchestrate_new;\n"
        "    IF n = 0 THEN\n      RETURN NULL;\n    END IF;\n" +
        newest("insert", range_cap) +
        "    IF FOUND AND ldense AND mx - mn + 1 = n AND mn = lmax + 1 THEN\n"
        "      UPDATE orchestrate_ledger SET row_count = row_count + n, key_max = mx WHERE id = "
        "lid;\n      RETURN NULL;\n    ELSIF FOUND AND lcount + n <= " +
        merge_cap +
        " THEN\n"
        "      UPDATE orchestrate_ledger SET row_count = row_count + n, key_min = least(lmin, mn), "
        "key_max = greatest(lmax, mx), new_rows = (COALESCE(new_rows::bigint[], ARRAY(SELECT "
        "generate_series(lmin, lmax))) || ARRAY(SELECT " +
        k +
        "::bigint FROM orchestrate_new))::text WHERE id = lid;\n      RETURN NULL;\n"
        // A range (ids from a sequence, or generate_series) is recorded as its bounds, not its
        // keys, and reversed in slices.
        "    ELSIF mx - mn + 1 = n THEN\n"
        "      INSERT INTO orchestrate_ledger (id, seed_id, release, table_name, op, key_columns, "
        "column_names, row_count, xid, old_rows, new_rows, key_min, key_max) VALUES ((SELECT "
        "COALESCE(MAX(id), 0) + 1 FROM orchestrate_ledger), " +
        meta + "'insert', " + keys + ", " + cols +
        ", n, txid_current(), NULL, NULL, mn, mx);\n      RETURN NULL;\n    END IF;\n";
  } else {
    insert_merge = json_merge("insert", "orchestrate_new", "new_rows", t.key);
  }
  std::string delete_merge = json_merge("delete", "orchestrate_old", "old_rows", t.columns);
  // Updated rows join the newest chunk only when none of them is in it already: a row updated
  // twice goes to a later chunk, so that no chunk gives one row two old values, and reversing the
  // chunks newest first gives every row its first value back.
  std::string update_merge =
      "    SELECT count(*) INTO n FROM (SELECT FROM orchestrate_old LIMIT " + merge_cap +
      " + 1) s;\n    IF n = 0 THEN\n      RETURN NULL;\n    END IF;\n" +
      newest("update", merge_cap) +
      "    IF FOUND THEN\n"
      "      SELECT new_rows::jsonb INTO lkeys FROM orchestrate_ledger WHERE id = lid;\n"
      "      IF NOT EXISTS (SELECT 1 FROM orchestrate_old s WHERE lkeys @> jsonb_build_array(" +
      PgObject(db, t.key, "s") +
      ")) THEN\n        UPDATE orchestrate_ledger SET row_count = row_count + n, old_rows = "
      "(old_rows::jsonb || (SELECT jsonb_agg(" +
      PgObject(db, t.columns, "s") +
      ") FROM orchestrate_old s))::text, new_rows = (lkeys || (SELECT jsonb_agg(" +
      PgObject(db, t.key, "s") +
      ") FROM orchestrate_old s))::text WHERE id = lid;\n        RETURN NULL;\n      END IF;\n"
      "    END IF;\n";
  std::string key_match;
  for (size_t i = 0; i < t.key.size(); ++i)
    key_match += (i ? " AND " : "") + std::string("n.") + db.QuoteIdent(t.key[i]) + " = o." +
                 db.QuoteIdent(t.key[i]);
  return "CREATE FUNCTION " + fn +
         "() RETURNS trigger LANGUAGE plpgsql AS $orchestrate$\nDECLARE\n  mn bigint;\n  mx "
         "bigint;\n  n bigint;\n  lid bigint;\n  lmin bigint;\n  lmax bigint;\n  ldense "
         "boolean;\n  lcount bigint;\n  lkeys jsonb;\nBEGIN\n"
         "  IF TG_OP = 'TRUNCATE' THEN\n"
         "    RAISE EXCEPTION 'seed % truncated table %: the ledger cannot record that; use "
         "DELETE',"
         " " +
         SqlStringLiteral(cap.seed_id) + ", " + SqlStringLiteral(t.name) +
         ";\n"
         "  ELSIF TG_OP = 'INSERT' THEN\n" +
         insert_merge + "    " + insert_head + "'insert', " + keys + ", " + cols +
         ", count(*), txid_current(), NULL, " +
         (t.int_key ? "array_agg(s." + db.QuoteIdent(t.key[0]) + ")::text, min(s." +
                          db.QuoteIdent(t.key[0]) + "), max(s." + db.QuoteIdent(t.key[0]) + ")"
                    : "jsonb_agg(" + PgObject(db, t.key, "s") + ")::text, NULL, NULL") +
         " FROM (SELECT n.*, " + chunked +
         " FROM orchestrate_new n) s GROUP BY orchestrate_chunk;\n"
         "  ELSIF TG_OP = 'UPDATE' THEN\n"
         "    IF EXISTS (SELECT 1 FROM orchestrate_old o WHERE NOT EXISTS (SELECT 1 FROM "
         "orchestrate_new n WHERE " +
         key_match +
         ")) THEN\n"
         "      RAISE EXCEPTION 'seed % changed the key columns (%) of rows of table %: the ledger "
         "finds rows by key; declare other key: columns or do not update them', " +
         SqlStringLiteral(cap.seed_id) + ", " + SqlStringLiteral(Join(t.key, ", ")) + ", " +
         SqlStringLiteral(t.name) + ";\n    END IF;\n" + update_merge + "    " + insert_head +
         "'update', " + keys + ", " + cols + ", count(*), txid_current(), jsonb_agg(" +
         PgObject(db, t.columns, "s") + ")::text, jsonb_agg(" + PgObject(db, t.key, "s") +
         ")::text, NULL, NULL FROM (SELECT o.*, " + chunked +
         " FROM orchestrate_old o) s GROUP BY orchestrate_chunk;\n"
         "  ELSE\n" +
         delete_merge + "    " + insert_head + "'delete', " + keys + ", " + cols +
         ", count(*), txid_current(), jsonb_agg(" + PgObject(db, t.columns, "s") +
         ")::text, NULL, NULL, NULL FROM (SELECT o.*, " + chunked +
         " FROM orchestrate_old o) s GROUP BY orchestrate_chunk;\n"
         "  END IF;\n  RETURN NULL;\nEND\n$orchestrate$";
}

std::string PgFunctionName(size_t i) { return "orchestrate_ledger_capture_" + std::to_string(i); }

// This session's write counters per table, as "ins/upd/del" (see LedgerCapture).
const char kWriteCounters[] =
    "SELECT relid::regclass::text, n_tup_ins || '/' || n_tup_upd || '/' || n_tup_del, n_tup_ins, "
    "n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > "
    "0 AND NOT starts_with(relname, 'orchestrate_') AND schemaname NOT LIKE 'pg\\_temp%' ORDER BY "
    "1";

// The schema outside the system catalogs and other sessions' temporary schemas, one row per
// relation (its kind, storage, privileges, columns, constraints and triggers), function and
// schema: what a seed must leave as it found it.
const char kSchemaObjects[] =
    "WITH ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', "
    "'information_schema') AND nspname NOT LIKE 'pg\\_toast%' AND (nspname NOT LIKE "
    "'pg\\_temp\\_%' OR oid = pg_my_temp_schema())) "
    "SELECT CASE c.relkind WHEN 'r' THEN 'table ' WHEN 'p' THEN 'table ' WHEN 'i' THEN 'index ' "
    "WHEN 'I' THEN 'index ' WHEN 'S' THEN 'sequence ' WHEN 'v' THEN 'view ' WHEN 'm' THEN "
    "'materialized view ' ELSE 'relation ' END || c.oid::regclass::text, c.relkind::text || ' ' "
    "|| c.relfilenode::text || ' ' || COALESCE(c.relacl::text, '') || ' (' || COALESCE((SELECT "
    "string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN "
    "a.attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY a.attnum) FROM pg_attribute a "
    "WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') || ') ' || "
    "COALESCE((SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE conrelid "
    "= c.oid), '') || ' ' || COALESCE((SELECT string_agg(tgname, ',' ORDER BY tgname) FROM "
    "pg_trigger WHERE tgrelid = c.oid AND NOT tgisinternal), '') FROM pg_class c JOIN ns ON ns.oid "
    "= c.relnamespace "
    "UNION ALL SELECT 'function ' || p.oid::regprocedure::text, md5(p.prosrc) FROM pg_proc p JOIN "
    "ns ON ns.oid = p.pronamespace "
    "UNION ALL SELECT 'schema ' || nspname, '' FROM ns";
const char kTriggers[][25] = {"orchestrate_ledger_ins", "orchestrate_ledger_upd",
                              "orchestrate_ledger_del", "orchestrate_ledger_trunc"};

class PgLedgerDialect final : public LedgerDialect {
 public:
  explicit PgLedgerDialect(const Database& db) : db_(db) {}

  Dialect StatementDialect() const override { return Dialect::kPostgres; }
  std::string QuoteIdent(const std::string& name) const override { return db_.QuoteIdent(name); }

  Result<std::optional<CatalogTable>> FindTable(Transaction& txn,
                                                const LedgerTable& declared) const override {
    CatalogTable info;
    auto rel = txn.Query("SELECT to_regclass($1)::text", {declared.name});
    if (!rel.ok()) return rel.status();
    if (rel->rows.empty() || !rel->rows[0][0]) return std::optional<CatalogTable>();
    info.name = *rel->rows[0][0];
    auto cols = txn.Query(
        "SELECT a.attname, a.attgenerated <> '' FROM pg_attribute a WHERE a.attrelid = "
        "$1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        {info.name});
    if (!cols.ok()) return cols.status();
    for (const auto& r : cols->rows)
      if (r[1].value_or("f") != "t") info.columns.push_back(*r[0]);
    auto keys = txn.Query(
        "SELECT a.attname FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, "
        "ord) JOIN pg_attribute a ON a.attnum = k.attnum WHERE i.indrelid = $1::regclass AND "
        "i.indisprimary AND a.attrelid = i.indrelid ORDER BY k.ord",
        {info.name});
    if (!keys.ok()) return keys.status();
    for (const auto& r : keys->rows) info.primary_key.push_back(*r[0]);
    // Only a primary key is known to be unique, which recording a range of keys relies on.
    const std::vector<std::string>& key = info.primary_key;
    if (declared.key.empty() && key.size() == 1) {
      auto type = txn.Query(
          "SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = $1::regclass AND "
          "attname = $2",
          {info.name, key[0]});
      if (!type.ok()) return type.status();
      std::string t = type->rows.empty() ? "" : type->rows[0][0].value_or("");
      info.int_key = t == "smallint" || t == "integer" || t == "bigint";
    }
    return std::optional<CatalogTable>(std::move(info));
  }

  Result<std::vector<ForeignKey>> ReferencingKeys(
      Transaction& txn, const std::string& table,
      const std::vector<std::string>& /*parent_pk*/) const override {
    std::vector<ForeignKey> out;
    auto rows = txn.Query(
        "SELECT c.conname, c.conrelid::regclass::text, (SELECT string_agg(quote_ident(a.attname), "
        "',' ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord) JOIN "
        "pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), (SELECT "
        "string_agg(quote_ident(a.attname), ',' ORDER BY k.ord) FROM unnest(c.confkey) WITH "
        "ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = "
        "k.attnum) FROM pg_constraint c WHERE c.contype = 'f' AND c.confrelid = $1::regclass "
        "ORDER BY 1",
        {table});
    if (!rows.ok()) return rows.status();
    auto split = [](const std::string& s) {
      std::vector<std::string> parts;
      size_t start = 0;
      for (size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == ',') {
          parts.push_back(s.substr(start, i - start));
          start = i + 1;
        }
      return parts;
    };
    for (const auto& r : rows->rows)
      out.push_back({*r[1], split(*r[2]), split(*r[3]), *r[0], *r[1], *r[2], *r[1] == table});
    return out;
  }

  // Statement-level AFTER triggers with transition tables, created inside the seed's transaction
  // (nobody else ever sees them), and this session's write counters before the seed.
  Status InstallCapture(Database& /*db*/, Transaction& txn, LedgerCapture& cap) const override {
    auto counters = txn.Query(kWriteCounters);
    if (!counters.ok()) return counters.status();
    for (const auto& r : counters->rows) cap.counters_before[*r[0]] = *r[1];
    for (size_t i = 0; i < cap.tables.size(); ++i) {
      const auto& t = cap.tables[i];
      std::string fn = PgFunctionName(i);
      ORCH_RETURN_IF_ERROR(txn.Exec(PgCaptureFunction(db_, cap, t, fn)));
      const std::string on = " ON " + t.name + " ";
      ORCH_RETURN_IF_ERROR(txn.Exec("CREATE TRIGGER orchestrate_ledger_ins AFTER INSERT" + on +
                                    "REFERENCING NEW TABLE AS orchestrate_new FOR EACH STATEMENT "
                                    "EXECUTE FUNCTION " +
                                    fn + "()"));
      ORCH_RETURN_IF_ERROR(txn.Exec("CREATE TRIGGER orchestrate_ledger_upd AFTER UPDATE" + on +
                                    "REFERENCING OLD TABLE AS orchestrate_old NEW TABLE AS "
                                    "orchestrate_new FOR EACH STATEMENT EXECUTE FUNCTION " +
                                    fn + "()"));
      ORCH_RETURN_IF_ERROR(txn.Exec("CREATE TRIGGER orchestrate_ledger_del AFTER DELETE" + on +
                                    "REFERENCING OLD TABLE AS orchestrate_old FOR EACH STATEMENT "
                                    "EXECUTE FUNCTION " +
                                    fn + "()"));
      ORCH_RETURN_IF_ERROR(txn.Exec("CREATE TRIGGER orchestrate_ledger_trunc BEFORE TRUNCATE" + on +
                                    "FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "()"));
    }
    return Status::Ok();
  }

  std::string SchemaObjectsQuery() const override { return kSchemaObjects; }

  // The triggers appended every row to orchestrate_ledger as it was written; a write to a table
  // the seed did not declare shows in the write counters (pg_stat_xact_user_tables).
  Status RemoveCapture(Transaction& txn, const LedgerCapture& cap) const override {
    for (size_t i = 0; i < cap.tables.size(); ++i) {
      const auto& t = cap.tables[i];
      for (const char* trg : kTriggers)
        ORCH_RETURN_IF_ERROR(txn.Exec(std::string("DROP TRIGGER ") + trg + " ON " + t.name));
      ORCH_RETURN_IF_ERROR(txn.Exec("DROP FUNCTION " + PgFunctionName(i) + "()"));
    }
    // Tables whose write counters moved while the seed ran.
    auto written = txn.Query(kWriteCounters);
    if (!written.ok()) return written.status();
    for (const auto& r : written->rows) {
      bool declared = std::any_of(cap.tables.begin(), cap.tables.end(),
                                  [&](const LedgerTableInfo& t) { return t.name == *r[0]; });
      auto before = cap.counters_before.find(*r[0]);
      if (declared || (before != cap.counters_before.end() && before->second == *r[1])) continue;
      return Status::Failed("seed " + cap.seed_id + " wrote to table " + *r[0] +
                            ", which its tables: list does not declare, so the ledger "
                            "could not record those rows; nothing of the seed was applied. Add " +
                            *r[0] + " to the seed's tables: (or stop writing to it) and run again");
    }
    return Status::Ok();
  }

  std::string RecordedRows(const Chunk& c, const std::string& which,
                           const std::string& alias) const override {
    std::string sub =
        "(SELECT " + which + " FROM orchestrate_ledger WHERE id = " + std::to_string(c.id) + ")";
    if (c.dense() && which == "new_rows")
      return "generate_series(" + std::to_string(c.key_min) + "::bigint, " +
             std::to_string(c.key_max) + ") AS " + alias + "(" + QuoteIdent(c.key[0]) + ")";
    if (c.int_keys && which == "new_rows")
      return "unnest(" + sub + "::bigint[]) AS " + alias + "(" + QuoteIdent(c.key[0]) + ")";
    return "jsonb_populate_recordset(NULL::" + c.table + ", " + sub + "::jsonb) " + alias;
  }
  std::string RecordedColumn(const std::string& alias, const std::string& col) const override {
    return alias + "." + QuoteIdent(col);
  }
  std::string TableRef(const Chunk& c) const override { return c.table; }
  std::string AsText(const std::string& expr) const override { return expr + "::text"; }
  std::string JoinOnKey(const ChunkSql& q, const std::string& t, const std::string& which,
                        const std::string& r) const override {
    return q.Table() + " " + t + " JOIN " + q.Rows(which, r) + " ON " + q.KeyMatch(t, r);
  }
  // By the row's xmin: the seed's transaction or one that gave rows of the table their old values
  // back (orchestrate_ledger_restores). The seed transaction's xid is read from the chunk's own
  // row, so that the statement's text does not depend on it; xid's equality against an array
  // avoids casting every row's xmin.
  std::string Unchanged(const Chunk& c, const std::string& t,
                        const std::string& /*r*/) const override {
    return t +
           ".xmin = ANY (ARRAY(SELECT (xid % 4294967296)::text::xid FROM orchestrate_ledger "
           "WHERE id = " +
           std::to_string(c.id) +
           " UNION ALL SELECT (xid % 4294967296)::text::xid FROM orchestrate_ledger_restores "
           "WHERE table_name = " +
           SqlStringLiteral(c.table) + "))";
  }

  std::string InsertReversal(const ChunkSql& q, OnModified on_modified) const override {
    const Chunk& c = q.chunk();
    std::string del = c.dense()
                          ? "DELETE FROM " + q.Table() + " t WHERE t." + QuoteIdent(c.key[0]) +
                                " BETWEEN " + std::to_string(c.key_min) + " AND " +
                                std::to_string(c.key_max)
                          : "DELETE FROM " + q.Table() + " t USING " + q.Rows("new_rows", "r") +
                                " WHERE " + q.KeyMatch("t", "r");
    if (on_modified != OnModified::kRevert) del += " AND " + q.Unchanged("t", "r");
    return del;
  }
  std::string UpdateReversal(const ChunkSql& q, OnModified on_modified) const override {
    std::vector<std::string> sets = q.OldValueAssignments("o");
    if (sets.empty()) return "";
    std::string sql = "UPDATE " + q.Table() + " t SET " + Join(sets, ", ") + " FROM " +
                      q.Rows("old_rows", "o") + " WHERE " + q.KeyMatch("t", "o");
    if (on_modified == OnModified::kKeep)  // only rows still as the seed left them
      sql += " AND EXISTS (SELECT 1 FROM " + q.Rows("new_rows", "r") + " WHERE " +
             q.KeyMatch("t", "r") + " AND " + q.Unchanged("t", "r") + ")";
    return sql;
  }
  // Identity columns get their recorded values back.
  std::string DeleteReversal(const ChunkSql& q) const override {
    std::vector<std::string> cols, vals;
    for (const auto& col : q.chunk().columns) {
      cols.push_back(QuoteIdent(col));
      vals.push_back(q.Col("o", col));
    }
    return "INSERT INTO " + q.Table() + " (" + Join(cols, ", ") +
           ") OVERRIDING SYSTEM VALUE SELECT " + Join(vals, ", ") + " FROM " +
           q.Rows("old_rows", "o") + " WHERE NOT EXISTS (SELECT 1 FROM " + q.Table() + " t WHERE " +
           q.KeyMatch("t", "o") + ")";
  }
  std::string DeleteReversalClear(const ChunkSql& q) const override {
    return "DELETE FROM " + q.Table() + " t USING " + q.Rows("old_rows", "o") + " WHERE " +
           q.KeyMatch("t", "o");
  }
  std::string ReferencedRows(const ChunkSql& q, const ForeignKey& fk, OnModified on_modified,
                             const std::string& restrict_sql) const override {
    std::vector<std::string> on;
    for (size_t i = 0; i < fk.child_cols.size() && i < fk.parent_cols.size(); ++i)
      on.push_back("ch." + fk.child_cols[i] + " = p." + fk.parent_cols[i]);
    if (fk.same_table)
      on.push_back("NOT (EXISTS (SELECT 1 FROM " + q.Rows("new_rows", "r2") + " WHERE " +
                   q.KeyMatch("ch", "r2") + ")" +
                   (on_modified == OnModified::kRevert ? "" : " AND " + q.Unchanged("ch", "r2")) +
                   ")");
    return "SELECT " + q.KeyList("p") + " FROM " + q.JoinOnKey("p", "new_rows", "r") +
           " WHERE EXISTS (SELECT 1 FROM " + fk.child + " ch WHERE " + Join(on, " AND ") + ")" +
           restrict_sql;
  }

  bool SlicesRanges() const override { return true; }
  bool CapturesPerStatement() const override { return true; }
  std::string RecordRestoreSql() const override {
    return "INSERT INTO orchestrate_ledger_restores (table_name, xid) VALUES ($1, txid_current())";
  }

 private:
  const Database& db_;
};

}  // namespace

std::unique_ptr<LedgerDialect> NewPostgresLedgerDialect(const Database& db) {
  return std::make_unique<PgLedgerDialect>(db);
}

}  // namespace orchestrate
