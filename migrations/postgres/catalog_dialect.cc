#include "migrations/postgres/catalog_dialect.h"

#include <charconv>
#include <utility>

#include "migrations/statement_text.h"

namespace orchestrate {
namespace {

// The columns of a table (relkind r or p): (name, type, position in the primary key or NULL,
// generated, outside pg_catalog, not null). No row: no such table; one row of NULLs: a table of no
// columns. One round trip for both questions; the type's schema by its index (a join made the
// planner hash all of pg_type, ten times slower).
constexpr const char* kColumns =
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
    "array_position(i.indkey::int2[], a.attnum), a.attgenerated <> '', "
    "(SELECT t.typnamespace FROM pg_type t WHERE t.oid = a.atttypid) <> "
    "'pg_catalog'::regnamespace, a.attnotnull "
    "FROM pg_class c LEFT JOIN pg_attribute a "
    "ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary "
    "WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p') ORDER BY a.attnum";

// The integer in `v`; 0 when NULL or not a number.
long Long(const Value& v) {
  if (!v) return 0;
  long out = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  (void)ptr;
  return ec == std::errc() ? out : 0;
}

bool True(const Value& v) { return v.value_or("f") == "t"; }

// pg_constraint.confdeltype as SQL says it.
const char* OnDelete(const std::string& action) {
  return action == "c"   ? "CASCADE"
         : action == "n" ? "SET NULL"
         : action == "d" ? "SET DEFAULT"
         : action == "r" ? "RESTRICT"
                         : "NO ACTION";
}

class PostgresCatalogDialect final : public CatalogDialect {
 public:
  explicit PostgresCatalogDialect(const Database& db) : db_(db) {}

  Dialect StatementDialect() const override { return Dialect::kPostgres; }
  bool FoldsIdentifierCase() const override { return false; }

  Result<TableDescription> DescribeTable(Transaction& txn,
                                         const std::string& table) const override {
    TableDescription info;
    info.name = table;
    info.ref = TableRef(table);
    auto cols = txn.Query(kColumns, {info.ref});
    if (!cols.ok()) return cols.status();
    if (cols->rows.empty()) return info;  // no such table (or not a table)
    info.exists = true;
    // array_position counts from the array's lower bound, 0 for an int2vector: order only.
    std::vector<std::pair<long, size_t>> key;
    for (const Row& r : cols->rows) {
      if (!r[0]) continue;  // the row of a table with no columns
      CatalogColumn c;
      c.name = r[0].value_or("");
      c.type = r[1].value_or("");
      c.generated = True(r[3]);
      c.store_as_text = True(r[4]);
      c.not_null = True(r[5]);
      if (r[2]) key.emplace_back(Long(r[2]), info.columns.size());
      info.columns.push_back(c);
    }
    std::sort(key.begin(), key.end());
    for (size_t i = 0; i < key.size(); ++i)
      info.columns[key[i].second].key_position = static_cast<int>(i + 1);
    return info;
  }

  Result<std::vector<ReferencingTable>> ReferencingTables(Transaction& txn,
                                                          const std::string& table,
                                                          bool every_action) const override {
    // Named as the analyzer names tables: unqualified in the current schema.
    auto r = txn.Query(
        "SELECT DISTINCT CASE WHEN n.nspname = current_schema() THEN r.relname ELSE n.nspname || "
        "'.' || r.relname END, c.confdeltype FROM pg_constraint c JOIN pg_class r ON r.oid = "
        "c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace WHERE c.contype = 'f' AND "
        "c.confrelid = to_regclass($1) AND c.conrelid <> c.confrelid",
        {TableRef(table)});
    if (!r.ok()) return r.status();
    std::vector<ReferencingTable> out;
    for (const Row& row : r->rows) {
      std::string action = row[1].value_or("");
      bool changes_rows = action == "c" || action == "n" || action == "d";
      if (!changes_rows && !every_action) continue;
      out.push_back({row[0].value_or(""), OnDelete(action)});
    }
    return out;
  }

  TableSize EstimateSize(Transaction& txn, const TableDescription& table,
                         const std::vector<std::string>& columns) const override {
    TableSize size;
    auto q = txn.Query(
        "SELECT c.reltuples::bigint, pg_total_relation_size(c.oid) FROM pg_class c "
        "WHERE c.oid = to_regclass($1)",
        {table.ref});
    if (q.ok() && !q->rows.empty()) {
      size.rows = Long(q->rows[0][0]);
      size.bytes = Long(q->rows[0][1]);
      if (!columns.empty() && !table.columns.empty())
        size.bytes = size.bytes * static_cast<long>(columns.size()) /
                     static_cast<long>(table.columns.size());
    }
    if (q.ok() && size.rows <= 0) {  // never analysed (-1), or empty: count
      auto n = txn.Query("SELECT COUNT(*) FROM " + table.ref);
      size.rows = n.ok() && !n->rows.empty() ? Long(n->rows[0][0]) : -1;
    }
    return size;
  }

  Result<long> CountChanged(Transaction& txn, const std::string& sql) const override {
    auto n = txn.Query("WITH changed AS (" + sql + " RETURNING 1) SELECT COUNT(*) FROM changed");
    if (!n.ok()) return n.status();
    return n->rows.empty() ? 0L : Long(n->rows[0][0]);
  }
  bool CreateTableAsCountsRows() const override { return true; }
  bool UpdateReturns() const override { return true; }

  Status AdvanceSequences(Transaction& txn, const std::string& ref,
                          const std::vector<std::string>& columns) const override {
    for (const std::string& c : columns) {
      auto seq = txn.Query("SELECT pg_get_serial_sequence($1, $2)", {ref, c});
      if (!seq.ok()) return seq.status();
      if (seq->rows.empty() || !seq->rows[0][0]) continue;
      ORCH_RETURN_IF_ERROR(txn.Query("SELECT setval($1, m) FROM (SELECT MAX(" + db_.QuoteIdent(c) +
                                         ") AS m FROM " + ref + ") x WHERE m IS NOT NULL",
                                     {*seq->rows[0][0]})
                               .status());
    }
    return Status::Ok();
  }

  std::string StoredText(const std::string& expr) const override { return expr + "::text"; }
  std::string FromStored(const std::string& expr, const std::string& type) const override {
    return "CAST(" + expr + " AS " + type + ")";
  }
  // A column that cannot be NULL is compared with "=": PostgreSQL cannot hash or merge IS NOT
  // DISTINCT FROM, and a nested loop over two large tables would take hours.
  std::string KeyEquals(const std::string& lhs, const std::string& rhs,
                        const CatalogColumn* column) const override {
    bool nullable = column && !column->not_null && column->key_position == 0;
    return lhs + (nullable ? " IS NOT DISTINCT FROM " : " = ") + rhs;
  }
  std::string OverridingGenerated() const override { return " OVERRIDING SYSTEM VALUE"; }

  std::string CopyNamePrefix() const override { return "snap_"; }
  size_t MaxNameBytes() const override { return 63; }  // NAMEDATALEN - 1
  std::string CopyRef(const std::string& name) const override {
    return db_.QuoteIdent("orchestrate_snapshots") + "." + db_.QuoteIdent(name);
  }

  Result<std::string> WhyNotMovable(Transaction& txn, const TableDescription& info) const override {
    // One query, each reason a row; the first found is said. $1 is the table (regclass text),
    // repeated rather than joined in from a CTE: planning such a join in every branch cost more
    // than running the query.
    static const char kWhy[] =
        "SELECT 'it is not a plain table' FROM pg_class c WHERE c.oid = $1::regclass AND "
        "(c.relkind "
        "<> 'r' OR c.relispartition) "
        "UNION ALL SELECT 'a foreign key of ' || conrelid::regclass || ' references it' FROM "
        "pg_constraint WHERE contype = 'f' AND confrelid = $1::regclass AND conrelid <> "
        "$1::regclass "
        "UNION ALL SELECT 'the view or rule ' || r.ev_class::regclass || ' reads it' FROM "
        "pg_depend d JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid "
        "WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = $1::regclass AND r.ev_class <> "
        "$1::regclass "
        "UNION ALL SELECT 'it has the trigger ' || tgname FROM pg_trigger WHERE tgrelid = "
        "$1::regclass "
        "AND NOT tgisinternal "
        "UNION ALL SELECT 'it inherits or is inherited' FROM pg_inherits WHERE inhrelid = "
        "$1::regclass "
        "OR inhparent = $1::regclass "
        "UNION ALL SELECT 'it is published' FROM pg_publication_rel WHERE prrelid = $1::regclass "
        "UNION ALL SELECT 'it has row security policies' FROM pg_policy WHERE polrelid = "
        "$1::regclass "
        "UNION ALL SELECT 'its column ' || a.attname || ' is of the type ' || "
        "format_type(a.atttypid, "
        "a.atttypmod) FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid WHERE "
        "a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND ty.typnamespace <> "
        "'pg_catalog'::regnamespace "
        // What its defaults, constraints and indexes depend on, found by pg_depend's index on
        // (classid, objid): an OR over the three kinds would scan the whole of pg_depend.
        "UNION ALL SELECT 'it depends on ' || pg_describe_object(d.refclassid, d.refobjid, 0) FROM "
        "(SELECT 'pg_attrdef'::regclass::oid AS classid, oid AS objid FROM pg_attrdef "
        "WHERE adrelid = $1::regclass UNION ALL SELECT 'pg_constraint'::regclass::oid, oid FROM "
        "pg_constraint WHERE conrelid = $1::regclass AND contype <> 'f' UNION ALL SELECT "
        "'pg_class'::regclass::oid, indexrelid FROM pg_index WHERE indrelid = $1::regclass) o JOIN "
        "pg_depend d ON d.classid = o.classid AND d.objid = o.objid WHERE d.deptype = 'n' AND "
        "NOT (d.refclassid = 'pg_class'::regclass AND d.refobjid = $1::regclass) AND NOT "
        "(d.refclassid = "
        "'pg_proc'::regclass AND EXISTS (SELECT 1 FROM pg_proc p WHERE p.oid = d.refobjid AND "
        "p.pronamespace = 'pg_catalog'::regnamespace)) AND NOT (d.refclassid = "
        "'pg_class'::regclass AND EXISTS (SELECT 1 FROM pg_depend s WHERE s.classid = "
        "'pg_class'::regclass AND s.objid = d.refobjid AND s.refclassid = 'pg_class'::regclass "
        "AND s.refobjid = $1::regclass AND s.deptype IN ('a', 'i'))) AND NOT (d.refclassid IN "
        "('pg_type'::regclass, 'pg_collation'::regclass, 'pg_opclass'::regclass, "
        "'pg_operator'::regclass) AND d.refobjid < 16384) "
        "LIMIT 1";
    auto r = txn.Query(kWhy, {info.ref});
    if (!r.ok()) return r.status();
    if (r->rows.empty()) return std::string();
    return r->rows[0][0].value_or("it depends on something");
  }

  Status MoveAside(Transaction& txn, const TableDescription& info,
                   const std::string& storage) const override {
    // One read for all it needs: the table's schema and name ('N'), its foreign keys to other
    // tables ('F': they go, a later step may drop what they reference), and its indexes and owned
    // sequences ('INDEX', 'SEQUENCE': they move with it, renamed after the copy, so that the same
    // table moved aside again later, after a new deploy, does not clash with them).
    auto facts = txn.Query(
        "SELECT 'N', n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
        "c.relnamespace WHERE c.oid = $1::regclass "
        "UNION ALL (SELECT 'F', conname, '' FROM pg_constraint WHERE contype = 'f' AND conrelid = "
        "$1::regclass AND confrelid <> conrelid ORDER BY conname) "
        "UNION ALL (SELECT * FROM (SELECT 'INDEX' AS k, c.relname, '' FROM pg_index x JOIN "
        "pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = $1::regclass UNION ALL SELECT "
        "'SEQUENCE', s.relname, '' FROM pg_depend d JOIN pg_class s ON s.oid = d.objid WHERE "
        "d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid "
        "= $1::regclass AND s.relkind = 'S' AND d.deptype IN ('a', 'i')) o ORDER BY 1, 2)",
        {info.ref});
    if (!facts.ok()) return facts.status();
    std::string nsp, rel;
    std::vector<std::string> fks;
    std::vector<std::pair<std::string, std::string>> owned;  // (INDEX or SEQUENCE, name)
    for (const auto& row : facts->rows) {
      const std::string kind = row[0].value_or(""), name = row[1].value_or("");
      if (kind == "N") {
        nsp = name;
        rel = row[2].value_or("");
      } else if (kind == "F") {
        fks.push_back(name);
      } else {
        owned.emplace_back(kind, name);
      }
    }
    if (nsp.empty()) return Status::Failed("no table " + info.ref + " to move aside");
    std::vector<std::string> ddl;
    for (const std::string& fk : fks)
      ddl.push_back("ALTER TABLE " + info.ref + " DROP CONSTRAINT " + db_.QuoteIdent(fk));
    int k = 0;
    for (const auto& [kind, name] : owned)
      ddl.push_back("ALTER " + kind + " " + db_.QuoteIdent(nsp) + "." + db_.QuoteIdent(name) +
                    " RENAME TO " +
                    db_.QuoteIdent(storage.substr(0, 50) + (kind == "INDEX" ? "_i" : "_s") +
                                   std::to_string(++k)));
    // Renamed where it is first (a name unique among the copies), then moved: a copy of the same
    // name as the table may exist in the copies' schema, and a user table named like a copy may
    // not (the prefix and the snapshot id make it unique).
    ddl.push_back("ALTER TABLE " + info.ref + " RENAME TO " + db_.QuoteIdent(storage));
    ddl.push_back("ALTER TABLE " + db_.QuoteIdent(nsp) + "." + db_.QuoteIdent(storage) +
                  " SET SCHEMA orchestrate_snapshots");
    // The stand-in the step's DROP TABLE drops: no columns, no rows.
    ddl.push_back("CREATE TABLE " + db_.QuoteIdent(nsp) + "." + db_.QuoteIdent(rel) + " ()");
    return RunTogether(txn, ddl);
  }

 private:
  // Runs `statements` in order inside `txn`: in a run, in one round trip (an anonymous code block
  // that executes each); in a recording (Transaction::Records) one by one, so that the reviewed
  // script shows each statement as it is; one by one too when a statement holds the block's quote.
  static Status RunTogether(Transaction& txn, const std::vector<std::string>& statements) {
    static const char kTag[] = "$orchestrate_move$";
    bool quotable = !txn.Records() && statements.size() > 1;
    for (const std::string& st : statements)
      quotable = quotable && st.find(kTag) == std::string::npos;
    if (!quotable) {
      for (const std::string& st : statements) ORCH_RETURN_IF_ERROR(txn.Exec(st));
      return Status::Ok();
    }
    std::string block = std::string("DO ") + kTag + " BEGIN";
    for (const std::string& st : statements) block += "\n  EXECUTE " + SqlStringLiteral(st) + ";";
    return txn.Exec(block + "\nEND " + kTag);
  }

  // "app.orders" as "app"."orders": quoted part by part.
  std::string TableRef(const std::string& table) const {
    std::string out;
    if (table.empty()) return out;
    size_t start = 0;
    for (size_t pos;; start = pos + 1) {
      pos = table.find('.', start);
      out += (out.empty() ? "" : ".") + db_.QuoteIdent(table.substr(start, pos - start));
      if (pos == std::string::npos) break;
    }
    return out;
  }

  const Database& db_;
};

}  // namespace

std::unique_ptr<CatalogDialect> NewPostgresCatalogDialect(const Database& db) {
  return std::make_unique<PostgresCatalogDialect>(db);
}

}  // namespace orchestrate
