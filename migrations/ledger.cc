#include "migrations/ledger.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "migrations/analysis/analysis.h"
#include "plans/sha256.h"

namespace orchestrate {
namespace {

using json = nlohmann::json;

constexpr int kShowRows = 10;  // conflicting rows listed in an error

bool IsPostgres(const Database& db) { return db.Dialect() == "postgresql"; }

// Whether the ledger table exists: read-only commands may look at a database whose state tables
// were created by a build older than the ledger (or not at all).
Result<bool> LedgerTableExists(Database& db, Transaction& txn) {
  auto r =
      txn.Query(IsPostgres(db) ? "SELECT 1 WHERE to_regclass('orchestrate_ledger') IS NOT NULL"
                               : "SELECT 1 FROM sqlite_master WHERE name = 'orchestrate_ledger'");
  if (!r.ok()) return r.status();
  return !r->rows.empty();
}

std::string SqlString(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

// SQLite compares table names case-insensitively (ASCII).
std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string SeedLabel(const Step& seed) {
  return "seed " + seed.id + " (release " + seed.release + ")";
}

// ---- the catalog --------------------------------------------------------------------------------

Result<LedgerTableInfo> ResolveTable(Database& db, Transaction& txn, const Step& seed,
                                     const LedgerTable& declared) {
  LedgerTableInfo info;
  std::vector<std::string> pk;
  if (IsPostgres(db)) {
    auto rel = txn.Query("SELECT to_regclass($1)::text", {declared.name});
    if (!rel.ok()) return rel.status();
    if (rel->rows.empty() || !rel->rows[0][0])
      return Status::Invalid(SeedLabel(seed) + " declares table '" + declared.name +
                             "', which does not exist: create it in a migration of this or an "
                             "earlier release, or fix the seed's tables: list");
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
    for (const auto& r : keys->rows) pk.push_back(*r[0]);
    // Only a primary key is known to be unique, which recording a range of keys relies on.
    const std::vector<std::string>& key = pk;
    if (declared.key.empty() && key.size() == 1) {
      auto type = txn.Query(
          "SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = $1::regclass AND "
          "attname = $2",
          {info.name, key[0]});
      if (!type.ok()) return type.status();
      std::string t = type->rows.empty() ? "" : type->rows[0][0].value_or("");
      info.int_key = t == "smallint" || t == "integer" || t == "bigint";
    }
  } else {
    info.name = declared.name;
    auto cols = txn.Query("SELECT name, pk, hidden FROM pragma_table_xinfo($1) ORDER BY cid",
                          {declared.name});
    if (!cols.ok()) return cols.status();
    if (cols->rows.empty())
      return Status::Invalid(SeedLabel(seed) + " declares table '" + declared.name +
                             "', which does not exist: create it in a migration of this or an "
                             "earlier release, or fix the seed's tables: list");
    std::vector<std::pair<long, std::string>> pk_cols;
    for (const auto& r : cols->rows) {
      if (ToLong(r[2]) == 0) info.columns.push_back(*r[0]);
      if (ToLong(r[1]) > 0) pk_cols.emplace_back(ToLong(r[1]), *r[0]);
    }
    std::sort(pk_cols.begin(), pk_cols.end());
    for (const auto& [_, name] : pk_cols) pk.push_back(name);
  }
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

// A foreign key that references `table`: the child table and the column pairs.
struct ForeignKey {
  std::string child;                                 // quoted, ready for SQL
  std::vector<std::string> child_cols, parent_cols;  // quoted
  std::string name;
  std::string child_name, child_columns;  // for messages
};

Result<std::vector<ForeignKey>> ReferencingKeys(Database& db, Transaction& txn,
                                                const std::string& table,
                                                const std::vector<std::string>& parent_pk) {
  std::vector<ForeignKey> out;
  if (IsPostgres(db)) {
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
      out.push_back({*r[1], split(*r[2]), split(*r[3]), *r[0], *r[1], *r[2]});
    return out;
  }
  auto rows = txn.Query(
      "SELECT m.name, f.id, f.\"from\", f.\"to\" FROM sqlite_master m, "
      "pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND lower(f.\"table\") = "
      "lower($1) ORDER BY m.name, f.id, f.seq",
      {table});
  if (!rows.ok()) return rows.status();
  std::map<std::pair<std::string, long>, ForeignKey> by_id;
  for (const auto& r : rows->rows) {
    auto& fk = by_id[{*r[0], ToLong(r[1])}];
    fk.child = db.QuoteIdent(*r[0]);
    fk.child_name = *r[0];
    fk.child_columns += (fk.child_columns.empty() ? "" : ",") + *r[2];
    fk.name = *r[0] + " foreign key " + std::to_string(ToLong(r[1]));
    fk.child_cols.push_back(db.QuoteIdent(*r[2]));
    size_t i = fk.parent_cols.size();
    fk.parent_cols.push_back(r[3] ? db.QuoteIdent(*r[3])
                                  : (i < parent_pk.size() ? db.QuoteIdent(parent_pk[i]) : ""));
  }
  for (auto& [_, fk] : by_id) out.push_back(std::move(fk));
  return out;
}

// ---- capture ------------------------------------------------------------------------------------

// jsonb_build_object('k1', x.k1, ...) over `names`.
std::string PgObject(Database& db, const std::vector<std::string>& names,
                     const std::string& alias) {
  std::vector<std::string> parts;
  for (const auto& n : names) parts.push_back(SqlString(n) + ", " + alias + "." + db.QuoteIdent(n));
  return "jsonb_build_object(" + Join(parts, ", ") + ")";
}

// The plpgsql body that appends one statement's rows to the ledger, chunked.
std::string PgCaptureFunction(Database& db, const LedgerCapture& cap, const LedgerTableInfo& t,
                              const std::string& fn) {
  std::string meta =
      SqlString(cap.seed_id) + ", " + SqlString(cap.release) + ", " + SqlString(t.name) + ", ";
  std::string keys = SqlString(json(t.key).dump());
  std::string cols = SqlString(json(t.columns).dump());
  std::string batch = std::to_string(cap.batch_rows);
  std::string insert_head =
      "INSERT INTO orchestrate_ledger (id, seed_id, release, table_name, op, key_columns, "
      "column_names, row_count, xid, old_rows, new_rows, key_min, key_max) SELECT (SELECT "
      "COALESCE(MAX(id), 0) FROM "
      "orchestrate_ledger) + row_number() OVER (ORDER BY orchestrate_chunk), " +
      meta;
  std::string chunked = "(row_number() OVER () - 1) / " + batch + " AS orchestrate_chunk";
  // One integer key whose inserted values are exactly a range (ids from a sequence, or
  // generate_series): the range is recorded, not the keys, and reversed in slices.
  std::string dense_insert;
  if (t.int_key) {
    std::string k = db.QuoteIdent(t.key[0]);
    dense_insert =
        "    SELECT min(" + k + "), max(" + k +
        "), count(*) INTO mn, mx, n FROM orchestrate_new;\n"
        "    IF n = 0 THEN\n      RETURN NULL;\n    ELSIF mx - mn + 1 = n THEN\n"
        "      INSERT INTO orchestrate_ledger (id, seed_id, release, table_name, op, key_columns, "
        "column_names, row_count, xid, old_rows, new_rows, key_min, key_max) VALUES ((SELECT "
        "COALESCE(MAX(id), 0) + 1 FROM orchestrate_ledger), " +
        meta + "'insert', " + keys + ", " + cols +
        ", n, txid_current(), NULL, NULL, mn, mx);\n    ELSE\n  ";
  }
  std::string key_match;
  for (size_t i = 0; i < t.key.size(); ++i)
    key_match += (i ? " AND " : "") + std::string("n.") + db.QuoteIdent(t.key[i]) + " = o." +
                 db.QuoteIdent(t.key[i]);
  return "CREATE FUNCTION " + fn +
         "() RETURNS trigger LANGUAGE plpgsql AS $orchestrate$\nDECLARE\n  mn bigint;\n  mx "
         "bigint;\n  n bigint;\nBEGIN\n"
         "  IF TG_OP = 'TRUNCATE' THEN\n"
         "    RAISE EXCEPTION 'seed % truncated table %: the ledger cannot record that; use "
         "DELETE',"
         " " +
         SqlString(cap.seed_id) + ", " + SqlString(t.name) +
         ";\n"
         "  ELSIF TG_OP = 'INSERT' THEN\n" +
         dense_insert + "    " + insert_head + "'insert', " + keys + ", " + cols +
         ", count(*), txid_current(), NULL, " +
         (t.int_key ? "array_agg(s." + db.QuoteIdent(t.key[0]) + ")::text, min(s." +
                          db.QuoteIdent(t.key[0]) + "), max(s." + db.QuoteIdent(t.key[0]) + ")"
                    : "jsonb_agg(" + PgObject(db, t.key, "s") + ")::text, NULL, NULL") +
         " FROM (SELECT n.*, " + chunked +
         " FROM orchestrate_new n) s GROUP BY orchestrate_chunk;\n" +
         (t.int_key ? "    END IF;\n" : "") +
         "  ELSIF TG_OP = 'UPDATE' THEN\n"
         "    IF EXISTS (SELECT 1 FROM orchestrate_old o WHERE NOT EXISTS (SELECT 1 FROM "
         "orchestrate_new n WHERE " +
         key_match +
         ")) THEN\n"
         "      RAISE EXCEPTION 'seed % changed the key columns (%) of rows of table %: the ledger "
         "finds rows by key; declare other key: columns or do not update them', " +
         SqlString(cap.seed_id) + ", " + SqlString(Join(t.key, ", ")) + ", " + SqlString(t.name) +
         ";\n    END IF;\n    " + insert_head + "'update', " + keys + ", " + cols +
         ", count(*), txid_current(), jsonb_agg(" + PgObject(db, t.columns, "s") +
         ")::text, jsonb_agg(" + PgObject(db, t.key, "s") +
         ")::text, NULL, NULL FROM (SELECT o.*, " + chunked +
         " FROM orchestrate_old o) s GROUP BY orchestrate_chunk;\n"
         "  ELSE\n    " +
         insert_head + "'delete', " + keys + ", " + cols +
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

// SQLite: every object of the schema with its SQL (orchestrate's own temporary triggers included:
// they exist from before the seed runs until after the comparison).
const char kLiteSchemaObjects[] =
    "SELECT type || ' ' || name, COALESCE(sql, '') FROM main.sqlite_master UNION ALL SELECT "
    "'temporary ' || type || ' ' || name, COALESCE(sql, '') FROM temp.sqlite_master";

// The schema objects a seed must leave as it found them, by name (kSchemaObjects).
Result<std::map<std::string, std::string>> SchemaObjects(Database& db, Transaction& txn) {
  auto rows = txn.Query(IsPostgres(db) ? kSchemaObjects : kLiteSchemaObjects);
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::string> out;
  for (const auto& r : rows->rows) out[r[0].value_or("")] = r[1].value_or("");
  return out;
}

Status PgBeginCapture(Database& db, Transaction& txn, LedgerCapture& cap) {
  auto counters = txn.Query(kWriteCounters);
  if (!counters.ok()) return counters.status();
  for (const auto& r : counters->rows) cap.counters_before[*r[0]] = *r[1];
  for (size_t i = 0; i < cap.tables.size(); ++i) {
    const auto& t = cap.tables[i];
    std::string fn = PgFunctionName(i);
    ORCH_RETURN_IF_ERROR(txn.Exec(PgCaptureFunction(db, cap, t, fn)));
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
  auto schema = SchemaObjects(db, txn);  // with the capture's own functions and triggers
  if (!schema.ok()) return schema.status();
  cap.schema_before = std::move(*schema);
  return Status::Ok();
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
  for (const auto& st :
       AnalyzeScript(IsPostgres(db) ? Dialect::kPostgres : Dialect::kSqlite, cap.sql).statements)
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

Status PgEndCapture(Database& db, Transaction& txn, const LedgerCapture& cap) {
  ORCH_RETURN_IF_ERROR(CheckSchemaUnchanged(db, txn, cap));
  for (size_t i = 0; i < cap.tables.size(); ++i) {
    const auto& t = cap.tables[i];
    for (const char* trg : {"orchestrate_ledger_ins", "orchestrate_ledger_upd",
                            "orchestrate_ledger_del", "orchestrate_ledger_trunc"})
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

// SQLite: json_object('a', X."a", ...) over `names`.
std::string LiteObject(Database& db, const std::vector<std::string>& names,
                       const std::string& alias) {
  std::vector<std::string> parts;
  for (const auto& n : names) parts.push_back(SqlString(n) + ", " + alias + "." + db.QuoteIdent(n));
  return "json_object(" + Join(parts, ", ") + ")";
}

Status LiteBeginCapture(Database& db, Transaction& txn, LedgerCapture& cap) {
  ORCH_RETURN_IF_ERROR(txn.Exec(
      "CREATE TEMP TABLE IF NOT EXISTS orchestrate_ledger_stage (seq INTEGER PRIMARY KEY, "
      "table_name TEXT NOT NULL, op TEXT NOT NULL, row_key TEXT, old_row TEXT, new_row TEXT)"));
  ORCH_RETURN_IF_ERROR(txn.Exec("DELETE FROM temp.orchestrate_ledger_stage"));
  int n = 0;
  for (const auto& t : cap.tables) {
    std::string on = " ON main." + db.QuoteIdent(t.name) + " ";
    std::string suffix = std::to_string(n++);
    std::string stage =
        "INSERT INTO orchestrate_ledger_stage (table_name, op, row_key, old_row, new_row) VALUES "
        "(" +
        SqlString(t.name) + ", ";
    std::vector<std::string> new_key, old_key;
    for (const auto& k : t.key) {
      new_key.push_back("NEW." + db.QuoteIdent(k));
      old_key.push_back("OLD." + db.QuoteIdent(k));
    }
    std::string new_key_json = "json_array(" + Join(new_key, ", ") + ")";
    std::string old_key_json = "json_array(" + Join(old_key, ", ") + ")";
    ORCH_RETURN_IF_ERROR(txn.Exec("CREATE TEMP TRIGGER orchestrate_ledger_ins_" + suffix +
                                  " AFTER INSERT" + on + "BEGIN " + stage + "'insert', " +
                                  new_key_json + ", NULL, " + LiteObject(db, t.columns, "NEW") +
                                  "); END"));
    std::string same_key;
    for (size_t i = 0; i < t.key.size(); ++i)
      same_key += (i ? " AND " : "") + std::string("OLD.") + db.QuoteIdent(t.key[i]) + " IS NEW." +
                  db.QuoteIdent(t.key[i]);
    ORCH_RETURN_IF_ERROR(
        txn.Exec("CREATE TEMP TRIGGER orchestrate_ledger_key_" + suffix + " BEFORE UPDATE" + on +
                 "WHEN NOT (" + same_key + ") BEGIN SELECT RAISE(ABORT, " +
                 SqlString("seed " + cap.seed_id + " changed the key columns (" +
                           Join(t.key, ", ") + ") of a row of table " + t.name +
                           ": the ledger finds rows by key; declare other key: columns") +
                 "); END"));
    ORCH_RETURN_IF_ERROR(txn.Exec("CREATE TEMP TRIGGER orchestrate_ledger_upd_" + suffix +
                                  " AFTER UPDATE" + on + "BEGIN " + stage + "'update', " +
                                  old_key_json + ", " + LiteObject(db, t.columns, "OLD") + ", " +
                                  LiteObject(db, t.columns, "NEW") + "); END"));
    ORCH_RETURN_IF_ERROR(txn.Exec("CREATE TEMP TRIGGER orchestrate_ledger_del_" + suffix +
                                  " AFTER DELETE" + on + "BEGIN " + stage + "'delete', " +
                                  old_key_json + ", " + LiteObject(db, t.columns, "OLD") +
                                  ", NULL); END"));
  }
  // Every other user table refuses writes while the seed runs.
  auto tables = db.UserTables();
  if (!tables.ok()) return tables.status();
  for (const auto& other : *tables) {
    bool declared = std::any_of(cap.tables.begin(), cap.tables.end(),
                                [&](const auto& t) { return Lower(t.name) == Lower(other); });
    if (declared) continue;
    std::string suffix = std::to_string(n++);
    std::string msg = SqlString("seed " + cap.seed_id + " wrote to table " + other +
                                ", which its tables: list does not declare, so the ledger could "
                                "not record those rows; nothing of the seed was applied. Add " +
                                other + " to the seed's tables: (or stop writing to it)");
    for (const char* op : {"INSERT", "UPDATE", "DELETE"})
      ORCH_RETURN_IF_ERROR(txn.Exec("CREATE TEMP TRIGGER orchestrate_ledger_deny_" + suffix + "_" +
                                    op + " BEFORE " + op + " ON main." + db.QuoteIdent(other) +
                                    " BEGIN SELECT RAISE(ABORT, " + msg + "); END"));
  }
  auto schema = SchemaObjects(db, txn);
  if (!schema.ok()) return schema.status();
  cap.schema_before = std::move(*schema);
  // Refused before they run where the adapter can (an authorizer); the comparison at the end of
  // the seed catches them where it cannot (a wrapping Transaction that does not pass this on).
  (void)txn.RefuseSchemaChanges(true, "seed " + cap.seed_id + " (release " + cap.release +
                                          ") may only write rows of the tables it declares: "
                                          "move schema changes into a migration");
  return Status::Ok();
}

Status LiteEndCapture(Database& db, Transaction& txn, const LedgerCapture& cap) {
  (void)txn.RefuseSchemaChanges(false, "");
  ORCH_RETURN_IF_ERROR(CheckSchemaUnchanged(db, txn, cap));
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
      "(PARTITION BY table_name, op ORDER BY seq) AS run FROM temp.orchestrate_ledger_stage), g AS "
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
        "column_names, row_count, xid, old_rows, new_rows) VALUES ((SELECT COALESCE(MAX(id), 0) + "
        "1 "
        "FROM orchestrate_ledger), $1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)",
        {cap.seed_id, cap.release, info->name, *r[1], json(info->key).dump(),
         json(info->columns).dump(), *r[2], r[3], r[4]}));
  }
  return txn.Exec("DELETE FROM temp.orchestrate_ledger_stage");
}

// ---- reversal -----------------------------------------------------------------------------------

struct Chunk {
  int64_t id = 0;
  std::string table, op;
  std::vector<std::string> key, columns;
  int64_t rows = 0;
  int64_t xid = 0;
  bool int_keys = false;  // new_rows is an integer array (PostgreSQL inserts, one integer key)
  int64_t key_min = 0, key_max = 0;
  // The keys are exactly every integer from key_min to key_max.
  bool dense() const { return int_keys && key_max - key_min + 1 == rows; }
};

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

// The dialect-specific pieces of the reversal SQL for one chunk.
class ChunkSql {
 public:
  ChunkSql(Database& db, const Chunk& c) : db_(db), c_(c), pg_(IsPostgres(db)) {}

  // A FROM item over the chunk's recorded rows (`which`: new_rows or old_rows) aliased `alias`.
  std::string Rows(const std::string& which, const std::string& alias) const {
    std::string sub =
        "(SELECT " + which + " FROM orchestrate_ledger WHERE id = " + std::to_string(c_.id) + ")";
    if (pg_ && c_.dense() && which == "new_rows")
      return "generate_series(" + std::to_string(c_.key_min) + "::bigint, " +
             std::to_string(c_.key_max) + ") AS " + alias + "(" + db_.QuoteIdent(c_.key[0]) + ")";
    if (pg_ && c_.int_keys && which == "new_rows")
      return "unnest(" + sub + "::bigint[]) AS " + alias + "(" + db_.QuoteIdent(c_.key[0]) + ")";
    if (pg_) return "jsonb_populate_recordset(NULL::" + c_.table + ", " + sub + "::jsonb) " + alias;
    return "json_each(" + sub + ") " + alias;
  }
  // The value of column `col` of a recorded row.
  std::string Col(const std::string& alias, const std::string& col) const {
    if (pg_) return alias + "." + db_.QuoteIdent(col);
    return "json_extract(" + alias + ".value, " + SqlString("$.\"" + col + "\"") + ")";
  }
  std::string Table() const { return pg_ ? c_.table : db_.QuoteIdent(c_.table); }
  // t.k = r.k for every key column.
  std::string KeyMatch(const std::string& t, const std::string& r) const {
    std::vector<std::string> parts;
    for (const auto& k : c_.key) parts.push_back(t + "." + db_.QuoteIdent(k) + " = " + Col(r, k));
    return Join(parts, " AND ");
  }
  // A FROM clause: the table (alias `t`) joined on the key to the chunk's recorded rows (`which`,
  // alias `r`). SQLite: the recorded rows drive the join (CROSS JOIN fixes the order), each row
  // found through the key's index; the other way round scans the table once per recorded row.
  std::string JoinOnKey(const std::string& t, const std::string& which,
                        const std::string& r) const {
    if (pg_) return Table() + " " + t + " JOIN " + Rows(which, r) + " ON " + KeyMatch(t, r);
    return Rows(which, r) + " CROSS JOIN " + Table() + " " + t + " ON " + KeyMatch(t, r);
  }
  // "t.k1, t.k2" (t empty: unqualified columns).
  std::string KeyColumns(const std::string& t) const {
    std::vector<std::string> parts;
    for (const auto& k : c_.key) parts.push_back((t.empty() ? "" : t + ".") + db_.QuoteIdent(k));
    return Join(parts, ", ");
  }
  // "(t.k1, t.k2)": the key as a row value.
  std::string KeyTuple(const std::string& t) const { return "(" + KeyColumns(t) + ")"; }
  // The keys of the rows that reversing the chunk's inserts deletes: those as the seed left them
  // (every recorded row still there with on_modified: revert). One uncorrelated query, so that
  // SQLite runs it once per statement.
  std::string DeletedKeys(const std::string& on_modified) const {
    return "SELECT " + KeyColumns("d") + " FROM " + JoinOnKey("d", "new_rows", "dr") +
           (on_modified == "revert" ? "" : " WHERE " + Unchanged("d", "dr"));
  }
  std::string KeyList(const std::string& t) const {
    std::vector<std::string> parts;
    for (const auto& k : c_.key)
      parts.push_back(pg_ ? t + "." + db_.QuoteIdent(k) + "::text" : t + "." + db_.QuoteIdent(k));
    return Join(parts, ", ");
  }
  // True for a row of the table (alias `t`) that nobody changed since the ledger recorded it
  // (alias `r` is the recorded new row).
  std::string Unchanged(const std::string& t, const std::string& r) const {
    // The seed transaction's xid is read from the chunk's own row, so that the statement's text
    // does not depend on it (the review script is deterministic).
    // xid's equality against an array avoids casting every row's xmin.
    if (pg_)
      return t +
             ".xmin = ANY (ARRAY(SELECT (xid % 4294967296)::text::xid FROM orchestrate_ledger "
             "WHERE id = " +
             std::to_string(c_.id) +
             " UNION ALL SELECT (xid % 4294967296)::text::xid FROM orchestrate_ledger_restores "
             "WHERE table_name = " +
             SqlString(c_.table) + "))";
    return LiteObject(db_, c_.columns, t) + " = json(" + r + ".value)";
  }

 private:
  Database& db_;
  const Chunk& c_;
  bool pg_;
};

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
  auto fks = ReferencingKeys(db, txn, c.table, c.key);
  if (!fks.ok()) return fks.status();
  for (const auto& fk : *fks) {
    const bool same_table =
        IsPostgres(db) ? fk.child == c.table : Lower(fk.child_name) == Lower(c.table);
    std::string sql;
    if (IsPostgres(db)) {
      std::vector<std::string> on;
      for (size_t i = 0; i < fk.child_cols.size() && i < fk.parent_cols.size(); ++i)
        on.push_back("ch." + fk.child_cols[i] + " = p." + fk.parent_cols[i]);
      if (same_table)
        on.push_back("NOT (EXISTS (SELECT 1 FROM " + q.Rows("new_rows", "r2") + " WHERE " +
                     q.KeyMatch("ch", "r2") + ")" +
                     (on_modified == "revert" ? "" : " AND " + q.Unchanged("ch", "r2")) + ")");
      sql = "SELECT " + q.KeyList("p") + " FROM " + q.JoinOnKey("p", "new_rows", "r") +
            " WHERE EXISTS (SELECT 1 FROM " + fk.child + " ch WHERE " + Join(on, " AND ") + ")" +
            restrict_sql;
    } else {
      // The referencing values, read in one pass over the child table (a correlated subquery
      // would scan it once per row when its columns have no index).
      std::vector<std::string> child_cols, parent_cols;
      for (size_t i = 0; i < fk.child_cols.size() && i < fk.parent_cols.size(); ++i) {
        child_cols.push_back("ch." + fk.child_cols[i]);
        parent_cols.push_back("p." + fk.parent_cols[i]);
      }
      sql = "SELECT " + q.KeyList("p") + " FROM " + q.JoinOnKey("p", "new_rows", "r") + " WHERE (" +
            Join(parent_cols, ", ") + ") IN (SELECT " + Join(child_cols, ", ") + " FROM " +
            fk.child + " ch" +
            (same_table
                 ? " WHERE " + q.KeyTuple("ch") + " NOT IN (" + q.DeletedKeys(on_modified) + ")"
                 : "") +
            ")" + restrict_sql;
    }
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

// The statements that reverse a chunk when nothing conflicts (the conflict checks only read).
// Shared by the executor and the review script, so that what a DBA reads is what runs.
std::string InsertReversalSql(Database& db, const Chunk& c, const std::string& on_modified) {
  ChunkSql q(db, c);
  if (IsPostgres(db)) {
    std::string del = c.dense()
                          ? "DELETE FROM " + q.Table() + " t WHERE t." + db.QuoteIdent(c.key[0]) +
                                " BETWEEN " + std::to_string(c.key_min) + " AND " +
                                std::to_string(c.key_max)
                          : "DELETE FROM " + q.Table() + " t USING " + q.Rows("new_rows", "r") +
                                " WHERE " + q.KeyMatch("t", "r");
    if (on_modified != "revert") del += " AND " + q.Unchanged("t", "r");
    return del;
  }
  // By key: the recorded rows are looked up through the key's index, once.
  return "DELETE FROM " + q.Table() + " WHERE " + q.KeyTuple("") + " IN (" +
         q.DeletedKeys(on_modified) + ")";
}

// "" when the table has only key columns.
std::string UpdateReversalSql(Database& db, const Chunk& c, const std::string& on_modified) {
  ChunkSql q(db, c);
  std::vector<std::string> sets;
  for (const auto& col : c.columns)
    if (std::find(c.key.begin(), c.key.end(), col) == c.key.end())
      sets.push_back(db.QuoteIdent(col) + " = " + q.Col("o", col));
  if (sets.empty()) return "";
  std::string t = IsPostgres(db) ? "t" : q.Table();
  std::string sql = "UPDATE " + q.Table() + (IsPostgres(db) ? " t" : "") + " SET " +
                    Join(sets, ", ") + " FROM " + q.Rows("old_rows", "o") + " WHERE " +
                    q.KeyMatch(t, "o");
  if (on_modified == "keep" && IsPostgres(db))  // only rows still as the seed left them
    sql += " AND EXISTS (SELECT 1 FROM " + q.Rows("new_rows", "r") + " WHERE " +
           q.KeyMatch(t, "r") + " AND " + q.Unchanged(t, "r") + ")";
  else if (on_modified == "keep")  // the same, as one uncorrelated lookup by key
    sql += " AND " + q.KeyTuple(t) + " IN (" + q.DeletedKeys("keep") + ")";
  return sql;
}

std::string DeleteReversalSql(Database& db, const Chunk& c) {
  ChunkSql q(db, c);
  std::vector<std::string> cols, vals;
  for (const auto& col : c.columns) {
    cols.push_back(db.QuoteIdent(col));
    vals.push_back(q.Col("o", col));
  }
  return "INSERT INTO " + q.Table() + " (" + Join(cols, ", ") + ")" +
         (IsPostgres(db) ? " OVERRIDING SYSTEM VALUE" : "") + " SELECT " + Join(vals, ", ") +
         " FROM " + q.Rows("old_rows", "o") + " WHERE NOT EXISTS (SELECT 1 FROM " + q.Table() +
         " t WHERE " + q.KeyMatch("t", "o") + ")";
}

// on_modified: revert: rows re-created since the deploy make way for the deleted ones.
std::string DeleteReversalClearSql(Database& db, const Chunk& c) {
  ChunkSql q(db, c);
  if (IsPostgres(db))
    return "DELETE FROM " + q.Table() + " t USING " + q.Rows("old_rows", "o") + " WHERE " +
           q.KeyMatch("t", "o");
  return "DELETE FROM " + q.Table() + " WHERE " + q.KeyTuple("") + " IN (SELECT " + q.KeyList("t") +
         " FROM " + q.JoinOnKey("t", "old_rows", "o") + ")";
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
  ChunkSql q(db, c);
  std::vector<std::string> rkeys;
  for (const auto& k : c.key) rkeys.push_back(q.Col("r", k));
  return "SELECT " + Join(rkeys, ", ") + " FROM " + q.Rows("new_rows", "r") + " LEFT JOIN " +
         q.Table() + " t ON " + q.KeyMatch("t", "r") + " WHERE t." + db.QuoteIdent(c.key[0]) +
         " IS NULL OR NOT " + q.Unchanged("t", "r");
}

// The keys of the rows a chunk deleted that exist again (re-created after the deploy).
std::string PresentAgain(Database& db, const Chunk& c) {
  ChunkSql q(db, c);
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
  ChunkSql q(db, c);
  LedgerBatch out;
  // The common case is one statement: delete the rows nobody changed since (PostgreSQL: by xmin;
  // SQLite: by row image); only when rows were left behind look at why. A failure rolls the
  // batch back.
  if (referenced) {
    std::string restrict = on_modified == "revert" ? "" : " AND " + q.Unchanged("p", "r");
    ORCH_RETURN_IF_ERROR(CheckReferences(db, txn, c, q, seed_id, on_modified, restrict));
  }
  auto deleted = txn.ExecCount(InsertReversalSql(db, c, on_modified));
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
  ChunkSql q(db, c);
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
  std::string sql = UpdateReversalSql(db, c, on_modified);
  if (sql.empty()) return out;  // only key columns: nothing an update could have changed
  if (on_modified == "keep") out.kept = total;
  auto updated = txn.ExecCount(sql);
  if (!updated.ok()) return updated.status();
  out.rows = *updated;
  return out;
}

Result<LedgerBatch> ReverseDelete(Database& db, Transaction& txn, const Chunk& c,
                                  const std::string& seed_id, const std::string& on_modified) {
  ChunkSql q(db, c);
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
      ORCH_RETURN_IF_ERROR(txn.Exec(DeleteReversalClearSql(db, c)));
    } else {
      out.kept = *total;
    }
  }
  std::string sql = DeleteReversalSql(db, c);
  auto inserted = txn.ExecCount(sql);
  if (!inserted.ok()) return inserted.status();
  out.rows = *inserted;
  return out;
}

}  // namespace

Result<LedgerCapture> BeginLedgerCapture(Database& db, Transaction& txn, const Step& seed,
                                         int batch_rows) {
  auto ddl = SchemaChangesInSeed(IsPostgres(db) ? Dialect::kPostgres : Dialect::kSqlite, seed.sql,
                                 SeedLabel(seed));
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
  Status st = IsPostgres(db) ? PgBeginCapture(db, txn, cap) : LiteBeginCapture(db, txn, cap);
  if (!st.ok()) return st.WithContext("cannot set up the row ledger for " + SeedLabel(seed));
  return cap;
}

Status EndLedgerCapture(Database& db, Transaction& txn, const LedgerCapture& capture) {
  return IsPostgres(db) ? PgEndCapture(db, txn, capture) : LiteEndCapture(db, txn, capture);
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
  if (!prev || !commits_each_batch || on_modified_ == "revert" || !IsPostgres(db) ||
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
      InsertReversalSql(db, c, on_modified_) +
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
  bool slice = IsPostgres(db) && c.op == "insert" && c.dense() && c.rows > batch_rows_;
  if (slice) {
    c.key_min = c.key_max - batch_rows_ + 1;
    c.rows = batch_rows_;
  }
  if (c.op == "insert" && !cache_->referenced.count(c.table)) {
    auto fks = ReferencingKeys(db, txn, c.table, c.key);
    if (!fks.ok()) return fks.status();
    cache_->referenced[c.table] = !fks->empty();
  }

  ORCH_RETURN_IF_ERROR(NoteChunk(txn, c, slice, seed_id));
  if (on_modified == "revert" && before_destroy) {
    // The rows this chunk will overwrite or delete although they changed since the deploy.
    ChunkSql q(db, c);
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
  if (c.op != "insert" && IsPostgres(db)) {
    // Rows given back their old values now carry this transaction's xmin; older seeds' chunks
    // must still see them as unchanged.
    ORCH_RETURN_IF_ERROR(bookkeeping(
        "INSERT INTO orchestrate_ledger_restores (table_name, xid) VALUES ($1, txid_current())",
        {c.table}));
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
  auto exists = LedgerTableExists(db, txn);
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
