// The statement analyzer (migrations/analysis/analysis.h): one table of statements per dialect,
// each with the kind, lock, destruction and transaction facts the analyzer must report, plus the
// script-level behaviour (splitting, line numbers, parse errors). Pure: no database.
#include "migrations/analysis/analysis.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace orchestrate {
namespace {

using L = LockLevel;

struct Row {
  const char* sql;
  const char* kind;
  LockLevel lock;
  bool destroys;
  bool no_transaction;
  bool analysable;
  const char* destroys_text;  // a substring of StatementAnalysis::destroys ("" when none)
  const char* tables;         // the expected tables, comma-separated
};

std::string JoinTables(const std::vector<std::string>& tables) {
  std::string out;
  for (const std::string& t : tables) out += (out.empty() ? "" : ",") + t;
  return out;
}

void ExpectRow(Dialect dialect, const Row& row) {
  const ScriptAnalysis script = AnalyzeScript(dialect, row.sql);
  ASSERT_TRUE(script.ok) << script.error << " at " << script.error_line << ":"
                         << script.error_column;
  ASSERT_EQ(script.statements.size(), 1u);
  const StatementAnalysis& s = script.statements[0];
  EXPECT_EQ(s.kind, row.kind);
  EXPECT_EQ(LockLevelName(s.lock), std::string(LockLevelName(row.lock)));
  EXPECT_EQ(s.destroys_data, row.destroys) << s.destroys;
  EXPECT_EQ(s.needs_no_transaction, row.no_transaction);
  EXPECT_EQ(s.analysable, row.analysable);
  EXPECT_NE(s.destroys.find(row.destroys_text), std::string::npos)
      << "destroys: \"" << s.destroys << "\"";
  if (!row.destroys) {
    EXPECT_EQ(s.destroys, "");
  }
  if (!s.analysable) {
    EXPECT_TRUE(s.destroys_data) << "not analysable must count as destructive";
  }
  EXPECT_EQ(JoinTables(s.tables), row.tables);
  EXPECT_EQ(s.line, 1);
}

// "Row07_DROP_TABLE"
std::string RowName(const testing::TestParamInfo<Row>& info) {
  std::string name = "Row" + std::string(info.index < 10 ? "0" : "") + std::to_string(info.index);
  name += '_';
  for (const char* k = info.param.kind; *k != '\0'; ++k) {
    name += std::isalnum(static_cast<unsigned char>(*k)) ? *k : '_';
  }
  return name;
}

// ---- PostgreSQL ---------------------------------------------------------------------------------

const Row kPostgresRows[] = {
    // reads
    {"SELECT * FROM orders", "SELECT", L::kAccessShare, false, false, true, "", "orders"},
    {"SELECT 1", "SELECT", L::kNone, false, false, true, "", ""},
    {"SELECT * FROM orders o JOIN shop.customers c ON c.id = o.customer_id FOR UPDATE", "SELECT",
     L::kRowShare, false, false, true, "", "orders,shop.customers"},
    {"WITH recent AS (SELECT * FROM orders) SELECT * FROM recent", "SELECT", L::kAccessShare, false,
     false, true, "", "orders"},
    // writes
    {"INSERT INTO orders (id, total) VALUES (1, 9.5)", "INSERT", L::kRowExclusive, false, false,
     true, "", "orders"},
    {"INSERT INTO archive SELECT * FROM orders WHERE created_at < now()", "INSERT",
     L::kRowExclusive, false, false, true, "", "archive,orders"},
    {"INSERT INTO loyalty_tier VALUES (1, 'gold') ON CONFLICT (id) DO UPDATE SET name = 'gold'",
     "INSERT", L::kRowExclusive, true, false, true,
     "updates rows of loyalty_tier on conflict (upsert)", "loyalty_tier"},
    {"INSERT INTO loyalty_tier VALUES (1, 'gold') ON CONFLICT DO NOTHING", "INSERT",
     L::kRowExclusive, false, false, true, "", "loyalty_tier"},
    {"UPDATE orders SET status = 'open' WHERE id = 7", "UPDATE", L::kRowExclusive, true, false,
     true, "updates rows of orders matching WHERE", "orders"},
    {"UPDATE orders SET status = 'open'", "UPDATE", L::kRowExclusive, true, false, true,
     "updates rows of orders (all rows, no WHERE)", "orders"},
    {"DELETE FROM orders WHERE id IN (SELECT order_id FROM refunds)", "DELETE", L::kRowExclusive,
     true, false, true, "deletes rows of orders matching WHERE", "orders,refunds"},
    {"DELETE FROM shop.orders", "DELETE", L::kRowExclusive, true, false, true,
     "deletes rows of shop.orders (all rows, no WHERE)", "shop.orders"},
    {"WITH gone AS (DELETE FROM orders RETURNING *) INSERT INTO archive SELECT * FROM gone",
     "INSERT", L::kRowExclusive, true, false, true, "deletes rows of orders (all rows",
     "archive,orders"},
    {"MERGE INTO stock t USING delivery d ON t.id = d.id WHEN MATCHED THEN DELETE "
     "WHEN NOT MATCHED THEN INSERT VALUES (d.id)",
     "MERGE", L::kRowExclusive, true, false, true, "deletes rows of stock", "stock,delivery"},
    {"TRUNCATE orders, order_items CASCADE", "TRUNCATE", L::kAccessExclusive, true, false, true,
     "truncates order_items and every table referencing it (CASCADE)", "orders,order_items"},
    {"COPY orders FROM STDIN", "COPY", L::kRowExclusive, false, false, true, "", "orders"},
    {"LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE", "LOCK TABLE", L::kShareRowExclusive, false,
     false, true, "", "orders"},
    // DROP
    {"DROP TABLE orders", "DROP TABLE", L::kAccessExclusive, true, false, true,
     "drops table orders", "orders"},
    {"DROP TABLE IF EXISTS shop.orders, order_items CASCADE", "DROP TABLE", L::kAccessExclusive,
     true, false, true, "drops table shop.orders; drops table order_items",
     "shop.orders,order_items"},
    {"DROP VIEW order_totals", "DROP VIEW", L::kAccessExclusive, false, false, true, "",
     "order_totals"},
    {"DROP MATERIALIZED VIEW IF EXISTS sales_mv", "DROP MATERIALIZED VIEW", L::kAccessExclusive,
     false, false, true, "", "sales_mv"},
    {"DROP INDEX orders_status_idx", "DROP INDEX", L::kAccessExclusive, false, false, true, "",
     "orders_status_idx"},
    {"DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx", "DROP INDEX", L::kShareUpdateExclusive,
     false, true, true, "", "orders_status_idx"},
    {"DROP SCHEMA legacy CASCADE", "DROP SCHEMA", L::kAccessExclusive, true, false, true,
     "drops schema legacy and every table in it (CASCADE)", ""},
    {"DROP SCHEMA legacy", "DROP SCHEMA", L::kNone, false, false, true, "", ""},
    {"DROP TYPE mood CASCADE", "DROP TYPE", L::kAccessExclusive, true, false, true,
     "drops type mood and the columns or tables that depend on it", ""},
    {"DROP TYPE mood", "DROP TYPE", L::kNone, false, false, true, "", ""},
    {"DROP FUNCTION award_points(integer)", "DROP FUNCTION", L::kNone, false, false, true, "", ""},
    {"DROP TRIGGER orders_audit ON shop.orders", "DROP TRIGGER", L::kAccessExclusive, false, false,
     true, "", "shop.orders"},
    {"ALTER FOREIGN TABLE remote_orders DROP COLUMN note", "ALTER FOREIGN TABLE",
     L::kAccessExclusive, false, false, true, "", "remote_orders"},
    {"DROP SEQUENCE order_seq", "DROP SEQUENCE", L::kAccessExclusive, false, false, true, "",
     "order_seq"},
    // ALTER TABLE
    {"ALTER TABLE customers DROP COLUMN loyalty_points", "ALTER TABLE", L::kAccessExclusive, true,
     false, true, "drops column customers.loyalty_points", "customers"},
    {"ALTER TABLE customers ADD COLUMN loyalty_points int NOT NULL DEFAULT 0", "ALTER TABLE",
     L::kAccessExclusive, false, false, true, "", "customers"},
    {"ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
     "REFERENCES customers (id)",
     "ALTER TABLE", L::kShareRowExclusive, false, false, true, "", "orders,customers"},
    {"ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
     "REFERENCES customers (id) NOT VALID",
     "ALTER TABLE", L::kShareRowExclusive, false, false, true, "", "orders,customers"},
    {"ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk", "ALTER TABLE",
     L::kShareUpdateExclusive, false, false, true, "", "orders"},
    {"ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0)", "ALTER TABLE",
     L::kAccessExclusive, false, false, true, "", "orders"},
    {"ALTER TABLE orders ALTER COLUMN status SET NOT NULL", "ALTER TABLE", L::kAccessExclusive,
     false, false, true, "", "orders"},
    {"ALTER TABLE orders ALTER COLUMN total TYPE numeric(10,2)", "ALTER TABLE", L::kAccessExclusive,
     true, false, true, "changes the type of column orders.total to numeric", "orders"},
    {"ALTER TABLE orders ALTER COLUMN note TYPE text", "ALTER TABLE", L::kAccessExclusive, false,
     false, true, "", "orders"},
    {"ALTER TABLE orders ALTER COLUMN note TYPE varchar", "ALTER TABLE", L::kAccessExclusive, false,
     false, true, "", "orders"},
    {"ALTER TABLE orders ALTER COLUMN note TYPE varchar(20)", "ALTER TABLE", L::kAccessExclusive,
     true, false, true, "orders.note to varchar", "orders"},
    {"ALTER TABLE orders ALTER COLUMN note TYPE text USING left(note, 5)", "ALTER TABLE",
     L::kAccessExclusive, true, false, true, "orders.note to text", "orders"},
    {"ALTER TABLE orders SET (fillfactor = 70, autovacuum_enabled = false)", "ALTER TABLE",
     L::kShareUpdateExclusive, false, false, true, "", "orders"},
    {"ALTER TABLE orders SET UNLOGGED", "ALTER TABLE", L::kAccessExclusive, false, false, true, "",
     "orders"},
    {"ALTER TABLE orders ALTER COLUMN status SET STATISTICS 500", "ALTER TABLE",
     L::kShareUpdateExclusive, false, false, true, "", "orders"},
    {"ALTER TABLE orders DISABLE TRIGGER ALL", "ALTER TABLE", L::kShareRowExclusive, false, false,
     true, "", "orders"},
    {"ALTER TABLE orders RENAME COLUMN status TO state", "ALTER TABLE", L::kAccessExclusive, false,
     false, true, "", "orders"},
    {"ALTER TABLE orders RENAME TO purchases", "ALTER TABLE", L::kAccessExclusive, false, false,
     true, "", "orders"},
    {"ALTER INDEX orders_status_idx RENAME TO purchases_status_idx", "ALTER INDEX",
     L::kShareUpdateExclusive, false, false, true, "", "orders_status_idx"},
    {"ALTER TABLE orders SET SCHEMA archive", "ALTER TABLE", L::kAccessExclusive, false, false,
     true, "", "orders"},
    {"ALTER TABLE measurements DETACH PARTITION m2020 CONCURRENTLY", "ALTER TABLE",
     L::kShareUpdateExclusive, false, true, true, "", "measurements,m2020"},
    {"ALTER TABLE measurements ATTACH PARTITION m2021 FOR VALUES FROM ('2021-01-01') TO "
     "('2022-01-01')",
     "ALTER TABLE", L::kAccessExclusive, false, false, true, "", "measurements,m2021"},
    // CREATE
    {"CREATE TABLE loyalty_tier (id int PRIMARY KEY, name text NOT NULL)", "CREATE TABLE", L::kNone,
     false, false, true, "", "loyalty_tier"},
    {"CREATE TABLE order_notes (id int, order_id int REFERENCES orders (id))", "CREATE TABLE",
     L::kShareRowExclusive, false, false, true, "", "order_notes,orders"},
    {"CREATE TABLE m2022 PARTITION OF measurements FOR VALUES FROM ('2022-01-01') TO "
     "('2023-01-01')",
     "CREATE TABLE", L::kAccessExclusive, false, false, true, "", "m2022,measurements"},
    {"CREATE TABLE archive AS SELECT * FROM orders", "CREATE TABLE AS", L::kAccessShare, false,
     false, true, "", "archive,orders"},
    {"CREATE VIEW order_totals AS SELECT customer_id, sum(total) FROM orders GROUP BY 1",
     "CREATE VIEW", L::kAccessShare, false, false, true, "", "order_totals,orders"},
    {"CREATE OR REPLACE VIEW order_totals AS SELECT 1 AS one", "CREATE VIEW", L::kAccessExclusive,
     false, false, true, "", "order_totals"},
    {"CREATE MATERIALIZED VIEW sales_mv AS SELECT * FROM orders", "CREATE MATERIALIZED VIEW",
     L::kAccessShare, false, false, true, "", "sales_mv,orders"},
    {"REFRESH MATERIALIZED VIEW CONCURRENTLY sales_mv", "REFRESH MATERIALIZED VIEW", L::kExclusive,
     false, false, true, "", "sales_mv"},
    {"CREATE INDEX orders_status_idx ON orders (status)", "CREATE INDEX", L::kShare, false, false,
     true, "", "orders"},
    {"CREATE UNIQUE INDEX CONCURRENTLY orders_ref_idx ON shop.orders (ref)", "CREATE INDEX",
     L::kShareUpdateExclusive, false, true, true, "", "shop.orders"},
    {"CREATE TRIGGER orders_audit AFTER UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION audit()",
     "CREATE TRIGGER", L::kShareRowExclusive, false, false, true, "", "orders"},
    {"CREATE POLICY own_orders ON orders USING (owner = current_user)", "CREATE POLICY",
     L::kAccessExclusive, false, false, true, "", "orders"},
    {"CREATE PROCEDURE purge() LANGUAGE sql BEGIN ATOMIC DELETE FROM orders; END",
     "CREATE PROCEDURE", L::kNone, false, false, true, "", ""},
    {"CREATE TYPE mood AS ENUM ('sad', 'ok')", "CREATE TYPE", L::kNone, false, false, true, "", ""},
    {"ALTER TYPE mood ADD VALUE 'happy'", "ALTER TYPE", L::kNone, false, false, true, "", ""},
    {"CREATE SEQUENCE order_seq", "CREATE SEQUENCE", L::kNone, false, false, true, "", "order_seq"},
    {"CREATE EXTENSION IF NOT EXISTS pgcrypto", "CREATE EXTENSION", L::kNone, false, false, true,
     "", ""},
    {"COMMENT ON COLUMN orders.status IS 'open; paid; shipped'", "COMMENT",
     L::kShareUpdateExclusive, false, false, true, "", "orders"},
    {"GRANT SELECT ON orders TO reporting", "GRANT", L::kNone, false, false, true, "", ""},
    // maintenance and non-transactional statements
    {"REINDEX INDEX orders_status_idx", "REINDEX", L::kAccessExclusive, false, false, true, "",
     "orders_status_idx"},
    {"REINDEX TABLE CONCURRENTLY orders", "REINDEX", L::kShareUpdateExclusive, false, true, true,
     "", "orders"},
    {"VACUUM orders", "VACUUM", L::kShareUpdateExclusive, false, true, true, "", "orders"},
    {"VACUUM (FULL, ANALYZE) orders", "VACUUM", L::kAccessExclusive, false, true, true, "",
     "orders"},
    {"ANALYZE orders", "ANALYZE", L::kShareUpdateExclusive, false, false, true, "", "orders"},
    {"CLUSTER orders USING orders_pkey", "CLUSTER", L::kAccessExclusive, false, false, true, "",
     "orders"},
    {"CREATE DATABASE shop_copy", "CREATE DATABASE", L::kNone, false, true, true, "", ""},
    {"DROP DATABASE shop_copy", "DROP DATABASE", L::kAccessExclusive, true, true, true,
     "drops database shop_copy", ""},
    {"ALTER SYSTEM SET work_mem = '64MB'", "ALTER SYSTEM", L::kNone, false, true, true, "", ""},
    // session and transaction control
    {"BEGIN", "BEGIN", L::kNone, false, false, true, "", ""},
    {"SET lock_timeout = '5s'", "SET", L::kNone, false, false, true, "", ""},
    {"EXPLAIN DELETE FROM orders", "EXPLAIN", L::kRowExclusive, false, false, true, "", "orders"},
    {"EXPLAIN (ANALYZE) DELETE FROM orders", "EXPLAIN ANALYZE", L::kRowExclusive, true, false, true,
     "deletes rows of orders (all rows, no WHERE)", "orders"},
    // not analysable: conservative
    {"DO $$ BEGIN DELETE FROM orders; END $$", "DO", L::kNone, true, false, false, "DO block", ""},
    {"CALL archive_orders(30)", "CALL", L::kNone, true, false, false, "calls a procedure", ""},
    {"SECURITY LABEL ON TABLE orders IS 'secret'", "SECURITY LABEL", L::kNone, true, false, false,
     "not analysed", ""},
};

class PostgresRowTest : public testing::TestWithParam<Row> {};

TEST_P(PostgresRowTest, Analyses) { ExpectRow(Dialect::kPostgres, GetParam()); }

INSTANTIATE_TEST_SUITE_P(Statements, PostgresRowTest, testing::ValuesIn(kPostgresRows), RowName);

TEST(PostgresScriptTest, LinesOfStatementsSkipCommentsAndDollarQuotedBodies) {
  const std::string script =
      "-- 0006_loyalty_points.down.sql\n"                           // 1
      "/* a block comment /* nested; */ still comment; */\n"        // 2
      "DROP TRIGGER award ON orders;\n"                             // 3
      "\n"                                                          // 4
      "CREATE FUNCTION award() RETURNS trigger AS $body$\n"         // 5
      "BEGIN\n"                                                     // 6
      "  UPDATE customers SET points = points + 1; -- not here;\n"  // 7
      "  RETURN NEW;\n"                                             // 8
      "END;\n"                                                      // 9
      "$body$ LANGUAGE plpgsql;\n"                                  // 10
      "SELECT E'it\\'s; fine', $$;$$;  -- trailing; comment\n"      // 11
      "  ALTER TABLE customers\n"                                   // 12
      "    DROP COLUMN loyalty_points; ; \n"                        // 13
      "\n"                                                          // 14
      "DELETE FROM loyalty_tier -- the end\n";                      // 15
  const ScriptAnalysis a = AnalyzeScript(Dialect::kPostgres, script);
  ASSERT_TRUE(a.ok) << a.error;
  ASSERT_EQ(a.statements.size(), 5u);

  EXPECT_EQ(a.statements[0].line, 3);
  EXPECT_EQ(a.statements[0].kind, "DROP TRIGGER");
  EXPECT_EQ(a.statements[0].text, "DROP TRIGGER award ON orders");

  EXPECT_EQ(a.statements[1].line, 5);
  EXPECT_EQ(a.statements[1].kind, "CREATE FUNCTION");
  EXPECT_FALSE(a.statements[1].destroys_data);  // the body runs later, when the trigger fires
  EXPECT_EQ(a.statements[1].text.rfind("CREATE FUNCTION award()", 0), 0u);
  EXPECT_NE(a.statements[1].text.find("$body$ LANGUAGE plpgsql"), std::string::npos);

  EXPECT_EQ(a.statements[2].line, 11);
  EXPECT_EQ(a.statements[2].text, "SELECT E'it\\'s; fine', $$;$$");

  EXPECT_EQ(a.statements[3].line, 12);
  EXPECT_EQ(a.statements[3].kind, "ALTER TABLE");
  EXPECT_EQ(a.statements[3].destroys, "drops column customers.loyalty_points");

  EXPECT_EQ(a.statements[4].line, 15);
  EXPECT_EQ(a.statements[4].text, "DELETE FROM loyalty_tier");
  EXPECT_EQ(a.statements[4].destroys, "deletes rows of loyalty_tier (all rows, no WHERE)");
}

TEST(PostgresScriptTest, ParseErrorHasLineAndColumnInTheScript) {
  const ScriptAnalysis a =
      AnalyzeScript(Dialect::kPostgres, "SELECT 1;\n-- comment\nSELECT 'é'; DELETE FORM orders;\n");
  EXPECT_FALSE(a.ok);
  EXPECT_TRUE(a.statements.empty());
  EXPECT_EQ(a.error, "syntax error at or near \"FORM\"");
  EXPECT_EQ(a.error_line, 3);
  EXPECT_EQ(a.error_column, 20);  // in characters: 'é' is one column
}

TEST(PostgresScriptTest, ParseErrorAtEndOfInput) {
  const ScriptAnalysis a = AnalyzeScript(Dialect::kPostgres, "SELECT 1;\nSELECT (");
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.error, "syntax error at end of input");
  EXPECT_EQ(a.error_line, 2);
  EXPECT_EQ(a.error_column, 9);
}

// Some grammar errors carry no position: the statement that fails on its own is pointed at.
TEST(PostgresScriptTest, ParseErrorWithoutPositionPointsAtTheFailingStatement) {
  const ScriptAnalysis a =
      AnalyzeScript(Dialect::kPostgres, "SELECT 1;\n  SELECT 1 FETCH FIRST 1 ROW WITH TIES;\n");
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.error, "WITH TIES cannot be specified without ORDER BY clause");
  EXPECT_EQ(a.error_line, 2);
  EXPECT_EQ(a.error_column, 3);
}

TEST(PostgresScriptTest, EmptyAndCommentOnlyScriptsHaveNoStatements) {
  for (const char* script : {"", "  \n", "-- nothing\n/* here */;\n"}) {
    const ScriptAnalysis a = AnalyzeScript(Dialect::kPostgres, script);
    EXPECT_TRUE(a.ok) << script;
    EXPECT_TRUE(a.statements.empty()) << script;
  }
}

TEST(PostgresScriptTest, NulByteIsAnError) {
  const ScriptAnalysis a = AnalyzeScript(Dialect::kPostgres, std::string("SELECT 1;\nSEL\0", 15));
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.error_line, 2);
  EXPECT_EQ(a.error_column, 4);
}

TEST(PostgresScriptTest, InvalidUtf8IsAnError) {
  const ScriptAnalysis a = AnalyzeScript(Dialect::kPostgres, "SELECT 1;\nSELECT 'é\xff';\n");
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.error, "invalid UTF-8 byte sequence");
  EXPECT_EQ(a.error_line, 2);
  EXPECT_EQ(a.error_column, 10);
}

// ---- SQLite -------------------------------------------------------------------------------------

const Row kSqliteRows[] = {
    {"CREATE TABLE loyalty_tier (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", "CREATE TABLE",
     L::kDatabase, false, false, true, "", "loyalty_tier"},
    {"CREATE TEMP TABLE IF NOT EXISTS scratch (x)", "CREATE TABLE", L::kDatabase, false, false,
     true, "", "scratch"},
    {"CREATE TABLE archive AS SELECT * FROM orders", "CREATE TABLE", L::kDatabase, false, false,
     true, "", "archive,orders"},
    {"CREATE UNIQUE INDEX IF NOT EXISTS orders_ref ON orders (ref)", "CREATE INDEX", L::kDatabase,
     false, false, true, "", "orders"},
    {"CREATE VIEW order_totals AS SELECT customer_id, sum(total) FROM orders GROUP BY 1",
     "CREATE VIEW", L::kDatabase, false, false, true, "", "order_totals,orders"},
    {"CREATE VIRTUAL TABLE docs USING fts5(body)", "CREATE VIRTUAL TABLE", L::kDatabase, false,
     false, true, "", "docs"},
    {"DROP TABLE orders", "DROP TABLE", L::kDatabase, true, false, true, "drops table orders",
     "orders"},
    {"DROP TABLE IF EXISTS \"order items\"", "DROP TABLE", L::kDatabase, true, false, true,
     "drops table order items", "order items"},
    {"DROP INDEX orders_ref", "DROP INDEX", L::kDatabase, false, false, true, "", "orders_ref"},
    {"DROP VIEW IF EXISTS order_totals", "DROP VIEW", L::kDatabase, false, false, true, "",
     "order_totals"},
    {"DROP TRIGGER orders_audit", "DROP TRIGGER", L::kDatabase, false, false, true, "",
     "orders_audit"},
    {"ALTER TABLE customers DROP COLUMN loyalty_points", "ALTER TABLE", L::kDatabase, true, false,
     true, "drops column customers.loyalty_points", "customers"},
    {"ALTER TABLE `customers` DROP [loyalty points]", "ALTER TABLE", L::kDatabase, true, false,
     true, "drops column customers.loyalty points", "customers"},
    {"ALTER TABLE customers ADD COLUMN loyalty_points INTEGER NOT NULL DEFAULT 0", "ALTER TABLE",
     L::kDatabase, false, false, true, "", "customers"},
    {"ALTER TABLE customers RENAME COLUMN points TO loyalty_points", "ALTER TABLE", L::kDatabase,
     false, false, true, "", "customers"},
    {"ALTER TABLE customers RENAME TO clients", "ALTER TABLE", L::kDatabase, false, false, true, "",
     "customers"},
    {"INSERT INTO loyalty_tier (id, name) VALUES (1, 'gold; silver')", "INSERT", L::kDatabase,
     false, false, true, "", "loyalty_tier"},
    {"INSERT OR REPLACE INTO loyalty_tier VALUES (1, 'gold')", "INSERT", L::kDatabase, true, false,
     true, "replaces (deletes) the rows of loyalty_tier that conflict", "loyalty_tier"},
    {"REPLACE INTO loyalty_tier VALUES (1, 'gold')", "REPLACE", L::kDatabase, true, false, true,
     "replaces (deletes) the rows of loyalty_tier", "loyalty_tier"},
    {"INSERT INTO loyalty_tier VALUES (1, 'gold') ON CONFLICT (id) DO UPDATE SET name = "
     "excluded.name",
     "INSERT", L::kDatabase, true, false, true, "updates rows of loyalty_tier on conflict",
     "loyalty_tier"},
    {"INSERT INTO loyalty_tier VALUES (1, 'gold') ON CONFLICT DO NOTHING", "INSERT", L::kDatabase,
     false, false, true, "", "loyalty_tier"},
    {"UPDATE orders SET status = 'done' WHERE id IN (SELECT id FROM shipped)", "UPDATE",
     L::kDatabase, true, false, true, "updates rows of orders matching WHERE", "orders,shipped"},
    {"UPDATE orders SET status = (SELECT s FROM states WHERE states.id = orders.id)", "UPDATE",
     L::kDatabase, true, false, true, "updates rows of orders (all rows, no WHERE)",
     "orders,states"},
    {"UPDATE OR REPLACE orders SET ref = 'x' WHERE id = 2", "UPDATE", L::kDatabase, true, false,
     true, "updates rows of orders matching WHERE", "orders"},
    {"DELETE FROM main.orders WHERE id = 1", "DELETE", L::kDatabase, true, false, true,
     "deletes rows of main.orders matching WHERE", "main.orders"},
    {"DELETE FROM orders", "DELETE", L::kDatabase, true, false, true,
     "deletes rows of orders (all rows, no WHERE)", "orders"},
    {"WITH old AS (SELECT id FROM orders WHERE created < 5) DELETE FROM orders WHERE id IN "
     "(SELECT id FROM old)",
     "DELETE", L::kDatabase, true, false, true, "deletes rows of orders matching WHERE", "orders"},
    {"SELECT * FROM orders JOIN customers ON customers.id = orders.customer_id", "SELECT", L::kNone,
     false, false, true, "", "orders,customers"},
    {"PRAGMA foreign_keys = OFF", "PRAGMA", L::kNone, false, true, true, "", ""},
    {"PRAGMA foreign_keys", "PRAGMA", L::kNone, false, false, true, "", ""},
    {"PRAGMA writable_schema = ON", "PRAGMA", L::kDatabase, true, false, false,
     "PRAGMA WRITABLE_SCHEMA", ""},
    {"VACUUM", "VACUUM", L::kDatabase, false, true, true, "", ""},
    {"REINDEX orders", "REINDEX", L::kDatabase, false, false, true, "", "orders"},
    {"BEGIN IMMEDIATE", "BEGIN", L::kDatabase, false, false, true, "", ""},
    {"END TRANSACTION", "COMMIT", L::kNone, false, false, true, "", ""},
    {"ATTACH DATABASE 'other.db' AS other", "ATTACH", L::kNone, false, true, true, "", ""},
    {"CREATE TRIGGER orders_audit AFTER UPDATE ON orders BEGIN INSERT INTO audit VALUES (1); END",
     "CREATE TRIGGER", L::kDatabase, false, false, true, "", "orders"},
    {"ALTER TABLE orders ALTER COLUMN total TYPE REAL", "ALTER TABLE", L::kDatabase, true, false,
     false, "ALTER TABLE form not recognised", "orders"},
    {"FROB the widgets", "FROB THE", L::kDatabase, true, false, false, "not recognised", ""},
};

class SqliteRowTest : public testing::TestWithParam<Row> {};

TEST_P(SqliteRowTest, Analyses) { ExpectRow(Dialect::kSqlite, GetParam()); }

INSTANTIATE_TEST_SUITE_P(Statements, SqliteRowTest, testing::ValuesIn(kSqliteRows), RowName);

TEST(SqliteScriptTest, TriggerBodyIsOneStatement) {
  const std::string script =
      "CREATE TRIGGER orders_points AFTER INSERT ON orders\n"  // 1
      "WHEN new.total > 0\n"                                   // 2
      "BEGIN\n"                                                // 3
      "  UPDATE customers SET points = points +\n"             // 4
      "    CASE WHEN new.total > 100 THEN 2 ELSE 1 END;\n"     // 5
      "  DELETE FROM pending WHERE order_id = new.id;\n"       // 6
      "END;\n"                                                 // 7
      "DROP TABLE pending;\n";                                 // 8
  const ScriptAnalysis a = AnalyzeScript(Dialect::kSqlite, script);
  ASSERT_TRUE(a.ok) << a.error;
  ASSERT_EQ(a.statements.size(), 2u);
  EXPECT_EQ(a.statements[0].kind, "CREATE TRIGGER");
  EXPECT_EQ(a.statements[0].line, 1);
  EXPECT_FALSE(a.statements[0].destroys_data);  // the body's DELETE runs only when it fires
  EXPECT_EQ(a.statements[0].tables, std::vector<std::string>{"orders"});
  EXPECT_EQ(a.statements[0].text.size() - a.statements[0].text.rfind("END"), 3u);
  EXPECT_EQ(a.statements[1].kind, "DROP TABLE");
  EXPECT_EQ(a.statements[1].line, 8);
}

TEST(SqliteScriptTest, SemicolonsInStringsNamesAndCommentsDoNotSplit) {
  const std::string script =
      "-- first; comment\n"                                       // 1
      "INSERT INTO t VALUES ('a;b', 'it''s;');  /* c; d */\n"     // 2
      "UPDATE \"we;ird\" SET [x;y] = `z;` WHERE id = 1; -- e;\n"  // 3
      "\n"                                                        // 4
      "  SELECT ';' -- no semicolon at the end\n";                // 5
  const ScriptAnalysis a = AnalyzeScript(Dialect::kSqlite, script);
  ASSERT_TRUE(a.ok) << a.error;
  ASSERT_EQ(a.statements.size(), 3u);
  EXPECT_EQ(a.statements[0].line, 2);
  EXPECT_EQ(a.statements[0].text, "INSERT INTO t VALUES ('a;b', 'it''s;')");
  EXPECT_FALSE(a.statements[0].destroys_data);
  EXPECT_EQ(a.statements[1].line, 3);
  EXPECT_EQ(a.statements[1].destroys, "updates rows of we;ird matching WHERE");
  EXPECT_EQ(a.statements[2].line, 5);
  EXPECT_EQ(a.statements[2].text, "SELECT ';'");
}

TEST(SqliteScriptTest, UnterminatedStringIsAnErrorWithItsPosition) {
  const ScriptAnalysis a =
      AnalyzeScript(Dialect::kSqlite, "SELECT 1;\nINSERT INTO t VALUES ('oops);\n");
  EXPECT_FALSE(a.ok);
  EXPECT_TRUE(a.statements.empty());
  EXPECT_EQ(a.error, "unterminated string");
  EXPECT_EQ(a.error_line, 2);
  EXPECT_EQ(a.error_column, 23);
}

TEST(SqliteScriptTest, TriggerWithoutEndIsAnError) {
  const ScriptAnalysis a = AnalyzeScript(
      Dialect::kSqlite, "\nCREATE TRIGGER t AFTER INSERT ON o BEGIN DELETE FROM p; DROP TABLE q;");
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.error_line, 2);
  EXPECT_EQ(a.error_column, 1);
}

TEST(SqliteScriptTest, UnterminatedCommentIsAnError) {
  const ScriptAnalysis a = AnalyzeScript(Dialect::kSqlite, "DROP TABLE a; /* DROP TABLE b;");
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.error_line, 1);
  EXPECT_EQ(a.error_column, 15);
}

// Issue 15 item 3: what a seed may not run, with its position.
TEST(SchemaChangesInSeedTest, FindsDdlButNotRowWrites) {
  const std::string rows =
      "INSERT INTO t VALUES (1);\nUPDATE t SET a = 2;\nDELETE FROM t WHERE a = 3;\n"
      "WITH x AS (SELECT 1) SELECT * FROM x;\nSAVEPOINT s;\nRELEASE s;\n";
  for (Dialect d : {Dialect::kPostgres, Dialect::kSqlite})
    EXPECT_TRUE(SchemaChangesInSeed(d, rows, "seed s").empty());
  for (const char* ddl : {"DROP TABLE members", "ALTER TABLE members DROP COLUMN email",
                          "CREATE TABLE x (a int)", "CREATE INDEX i ON t (a)", "TRUNCATE members",
                          "SELECT * INTO copy FROM members", "GRANT SELECT ON t TO public",
                          "COMMENT ON TABLE t IS 'x'", "CREATE TEMP TABLE s (a int)"}) {
    SCOPED_TRACE(ddl);
    auto found =
        SchemaChangesInSeed(Dialect::kPostgres, rows + "  " + ddl + ";\nSELECT 1;\n", "seed s");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].rfind("7:3: seed s: ", 0), 0u) << found[0];
    EXPECT_NE(found[0].find(ddl), std::string::npos) << found[0];
  }
  for (const char* ddl :
       {"DROP TABLE members", "ALTER TABLE members DROP COLUMN email", "CREATE INDEX i ON t (a)",
        "PRAGMA writable_schema = ON", "CREATE TEMP TABLE s (a)", "VACUUM"}) {
    SCOPED_TRACE(ddl);
    auto found =
        SchemaChangesInSeed(Dialect::kSqlite, "SELECT 1;\n" + std::string(ddl) + ";\n", "seed s");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].rfind("2:1: seed s: ", 0), 0u) << found[0];
  }
  // A DO block is not understood: left to the run-time check.
  EXPECT_TRUE(SchemaChangesInSeed(Dialect::kPostgres,
                                  "DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$;\n", "seed s")
                  .empty());
}

TEST(LockLevelNameTest, SpellsPostgresModes) {
  EXPECT_STREQ(LockLevelName(LockLevel::kNone), "NONE");
  EXPECT_STREQ(LockLevelName(LockLevel::kShareUpdateExclusive), "SHARE UPDATE EXCLUSIVE");
  EXPECT_STREQ(LockLevelName(LockLevel::kAccessExclusive), "ACCESS EXCLUSIVE");
  EXPECT_STREQ(LockLevelName(LockLevel::kDatabase), "DATABASE");
}

// ---- locks per relation (StatementAnalysis::locks)
// ------------------------------------------------

// "relation=MODE" per lock, in order; "?" + `unknown` for a relation the analyzer cannot name; a
// trailing "*" for a lock taken only when rows are written.
std::string LocksOf(const StatementAnalysis& s) {
  std::string out;
  for (const RelationLock& l : s.locks) {
    if (!out.empty()) out += "; ";
    out += (l.relation.empty() ? "?" + l.unknown : l.relation) + "=" + LockLevelName(l.mode) +
           (l.when_rows_written ? "*" : "");
  }
  return out;
}

// Analyses `script` against `facts` and returns the locks of each statement.
std::vector<std::string> Locks(const std::string& script, SchemaFacts* facts) {
  const ScriptAnalysis a = AnalyzeScript(Dialect::kPostgres, script, facts);
  EXPECT_TRUE(a.ok) << a.error;
  std::vector<std::string> out;
  for (const auto& st : a.statements) out.push_back(LocksOf(st));
  return out;
}

TEST(RelationLocksTest, StatementLocksEachRelationWithItsMode) {
  EXPECT_EQ(
      Locks("UPDATE orders SET n = (SELECT count(*) FROM items i WHERE i.o = orders.id)", nullptr),
      std::vector<std::string>{"orders=ROW EXCLUSIVE; items=ACCESS SHARE"});
  EXPECT_EQ(Locks("ALTER TABLE c ADD COLUMN cc text REFERENCES countries (code)", nullptr),
            std::vector<std::string>{"c=ACCESS EXCLUSIVE; countries=SHARE ROW EXCLUSIVE"});
  EXPECT_EQ(Locks("ALTER TABLE c ADD CONSTRAINT fk FOREIGN KEY (x) REFERENCES p (id)", nullptr),
            std::vector<std::string>{"c=SHARE ROW EXCLUSIVE; p=SHARE ROW EXCLUSIVE"});
  EXPECT_EQ(Locks("CREATE TABLE o (id int, c int REFERENCES c (id))", nullptr),
            std::vector<std::string>{"c=SHARE ROW EXCLUSIVE"});
  EXPECT_EQ(Locks("CREATE TABLE o (id int)", nullptr), std::vector<std::string>{""});
  EXPECT_EQ(Locks("CREATE INDEX i ON o (id)", nullptr), std::vector<std::string>{"o=SHARE"});
  // The statement's strongest lock stays `lock`.
  const ScriptAnalysis a =
      AnalyzeScript(Dialect::kPostgres, "ALTER TABLE c ADD COLUMN cc text REFERENCES p (id)");
  EXPECT_EQ(a.statements[0].lock, LockLevel::kAccessExclusive);
  EXPECT_EQ(a.statements[0].tables, (std::vector<std::string>{"c", "p"}));
}

TEST(RelationLocksTest, DropIndexLocksItsTable) {
  // Without facts: said, not guessed.
  EXPECT_EQ(
      Locks("DROP INDEX idx", nullptr),
      std::vector<std::string>{"idx=ACCESS EXCLUSIVE; ?the table of index idx=ACCESS EXCLUSIVE"});
  // From a CREATE INDEX seen earlier.
  SchemaFacts facts;
  EXPECT_EQ(
      Locks("CREATE INDEX idx ON orders (a); DROP INDEX idx;", &facts),
      (std::vector<std::string>{"orders=SHARE", "idx=ACCESS EXCLUSIVE; orders=ACCESS EXCLUSIVE"}));
  EXPECT_TRUE(facts.index_table.empty());  // dropped
  // From the catalog; CONCURRENTLY takes SHARE UPDATE EXCLUSIVE on both.
  facts.from_catalog = true;
  facts.index_table["s.idx"] = "s.orders";
  EXPECT_EQ(
      Locks("DROP INDEX CONCURRENTLY s.idx", &facts),
      std::vector<std::string>{"s.idx=SHARE UPDATE EXCLUSIVE; s.orders=SHARE UPDATE EXCLUSIVE"});
}

TEST(RelationLocksTest, DroppingAForeignKeyLocksTheReferencedTable) {
  SchemaFacts facts;
  facts.from_catalog = true;
  facts.foreign_keys.push_back({"orders", "orders_ship_fkey", {"ship_id"}, "ships", 'a'});
  facts.foreign_keys.push_back(
      {"orders", "orders_customer_fkey", {"customer_id"}, "customers", 'a'});
  facts.foreign_keys.push_back({"items", "items_order_fkey", {"order_id"}, "orders", 'c'});
  EXPECT_EQ(Locks("ALTER TABLE orders DROP COLUMN ship_id", &facts),
            std::vector<std::string>{"orders=ACCESS EXCLUSIVE; ships=ACCESS EXCLUSIVE"});
  EXPECT_EQ(facts.foreign_keys.size(), 2u);
  // A second drop of a column without a key locks only its table.
  EXPECT_EQ(Locks("ALTER TABLE orders DROP COLUMN n", &facts),
            std::vector<std::string>{"orders=ACCESS EXCLUSIVE"});
  EXPECT_EQ(Locks("ALTER TABLE orders DROP CONSTRAINT orders_customer_fkey", &facts),
            std::vector<std::string>{"orders=ACCESS EXCLUSIVE; customers=ACCESS EXCLUSIVE"});
  EXPECT_EQ(Locks("DROP TABLE items", &facts),
            std::vector<std::string>{"items=ACCESS EXCLUSIVE; orders=ACCESS EXCLUSIVE"});
  EXPECT_TRUE(facts.foreign_keys.empty());
  // Without facts the review says what it cannot know.
  EXPECT_EQ(Locks("DROP TABLE items", nullptr),
            std::vector<std::string>{"items=ACCESS EXCLUSIVE; ?the tables the foreign keys of "
                                     "items reference, if any=ACCESS EXCLUSIVE"});
}

TEST(RelationLocksTest, ForeignKeysLearntFromThePlanLockLater) {
  SchemaFacts facts;  // not from the catalog: what the statements taught it
  EXPECT_EQ(
      Locks("CREATE TABLE orders (id int PRIMARY KEY, c int REFERENCES customers (id) ON "
            "DELETE CASCADE, s int, FOREIGN KEY (s) REFERENCES statuses (id));",
            &facts),
      std::vector<std::string>{"customers=SHARE ROW EXCLUSIVE; statuses=SHARE ROW EXCLUSIVE"});
  ASSERT_EQ(facts.foreign_keys.size(), 2u);
  EXPECT_EQ(facts.foreign_keys[0].columns, std::vector<std::string>{"c"});
  EXPECT_EQ(facts.foreign_keys[0].on_delete, 'c');
  EXPECT_EQ(facts.foreign_keys[1].columns, std::vector<std::string>{"s"});
  // Rows written check the referenced tables; rows deleted act on the referencing ones.
  EXPECT_EQ(
      Locks("INSERT INTO orders VALUES (1, 1, 1)", &facts),
      std::vector<std::string>{"orders=ROW EXCLUSIVE; customers=ROW SHARE*; statuses=ROW SHARE*"});
  EXPECT_EQ(Locks("UPDATE orders SET s = 2", &facts),
            std::vector<std::string>{"orders=ROW EXCLUSIVE; statuses=ROW SHARE*"});
  EXPECT_EQ(Locks("UPDATE orders SET id = 2", &facts),
            std::vector<std::string>{"orders=ROW EXCLUSIVE"});
  EXPECT_EQ(Locks("DELETE FROM customers WHERE id = 1", &facts),
            std::vector<std::string>{"customers=ROW EXCLUSIVE; orders=ROW EXCLUSIVE*"});
  EXPECT_EQ(Locks("DELETE FROM statuses WHERE id = 1", &facts),
            std::vector<std::string>{"statuses=ROW EXCLUSIVE; orders=ROW SHARE*"});
  // A table seen created, then dropped: its keys go, and so does what it knew.
  EXPECT_EQ(Locks("DROP TABLE orders", &facts),
            std::vector<std::string>{
                "orders=ACCESS EXCLUSIVE; customers=ACCESS EXCLUSIVE; statuses=ACCESS EXCLUSIVE"});
  EXPECT_TRUE(facts.foreign_keys.empty());
  EXPECT_EQ(Locks("DELETE FROM customers", &facts),
            std::vector<std::string>{"customers=ROW EXCLUSIVE"});
}

TEST(RelationLocksTest, RenamesKeepTheFacts) {
  SchemaFacts facts;
  Locks("CREATE TABLE o (id int, c int REFERENCES c (id)); CREATE INDEX i ON o (id);", &facts);
  Locks("ALTER TABLE o RENAME TO o2; ALTER INDEX i RENAME TO i2;", &facts);
  EXPECT_EQ(facts.index_table.at("i2"), "o2");
  EXPECT_EQ(facts.foreign_keys.at(0).table, "o2");
  EXPECT_EQ(Locks("DROP INDEX i2", &facts),
            std::vector<std::string>{"i2=ACCESS EXCLUSIVE; o2=ACCESS EXCLUSIVE"});
}

TEST(RelationLocksTest, DeletesAllRows) {
  const ScriptAnalysis a = AnalyzeScript(
      Dialect::kPostgres, "DELETE FROM a; DELETE FROM a WHERE id = 1; TRUNCATE a, b;");
  ASSERT_EQ(a.statements.size(), 3u);
  EXPECT_TRUE(a.statements[0].deletes_all_rows);
  EXPECT_FALSE(a.statements[1].deletes_all_rows);
  EXPECT_TRUE(a.statements[2].deletes_all_rows);
  EXPECT_EQ(LocksOf(a.statements[2]), "a=ACCESS EXCLUSIVE; b=ACCESS EXCLUSIVE");
}

}  // namespace
}  // namespace orchestrate
