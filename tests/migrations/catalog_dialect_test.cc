// The contract of the catalog's dialect seam (migrations/catalog_dialect.h): one suite that the
// implementation beside each adapter must pass, run against SQLite (a file in a temporary folder)
// and PostgreSQL (a fresh database on the test server; see tests/support/pg.h). The SQL fragments
// are checked by running them, not by their text (the review-script goldens pin the text).
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "migrations/catalog_dialect.h"
#include "migrations/database.h"
#include "tests/support/mysql.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

// The parameter is the dialect: "sqlite" or "postgresql".
class CatalogDialectContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url;
    if (IsPostgres()) {
      ORCH_REQUIRE_PG(pg_url);  // skips (or fails under make test) without a server
      url = pg_url;
    } else if (IsMysql()) {
      ORCH_REQUIRE_MYSQL(my_url);  // the same, for MariaDB
      url = my_url;
    } else {
      url = "sqlite:" + dir_ / "catalog.sqlite";
    }
    auto db = OpenDatabase(url, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(db).value();
    ASSERT_EQ(DialectName(db_->Kind()), GetParam());
    auto txn = db_->Begin();
    ASSERT_TRUE(txn.ok()) << txn.status().message();
    txn_ = std::move(txn).value();
  }

  bool IsPostgres() const { return GetParam() == "postgresql"; }
  bool IsMysql() const { return GetParam() == "mysql"; }
  const CatalogDialect& d() const { return db_->Catalog(); }

  void Run(const std::string& script) {
    Status st = txn_->ExecScript(script);
    ASSERT_TRUE(st.ok()) << st.message();
  }
  // The only value of a query of one row and column, "" when NULL or on error.
  std::string Value1(const std::string& sql) {
    auto r = txn_->Query(sql);
    EXPECT_TRUE(r.ok()) << r.status().message() << "\n" << sql;
    if (!r.ok() || r->rows.size() != 1 || r->rows[0].size() != 1) return "";
    return r->rows[0][0].value_or("");
  }
  TableDescription Describe(const std::string& table) {
    auto info = d().DescribeTable(*txn_, table);
    EXPECT_TRUE(info.ok()) << info.status().message();
    return info.ok() ? *info : TableDescription();
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Transaction> txn_;
};

INSTANTIATE_TEST_SUITE_P(Adapters, CatalogDialectContract,
                         ::testing::Values("sqlite", "postgresql", "mysql"),
                         [](const ::testing::TestParamInfo<std::string>& adapter) {
                           return adapter.param;
                         });

std::vector<std::string> Names(const TableDescription& info) {
  std::vector<std::string> out;
  for (const auto& c : info.columns) out.push_back(c.name);
  return out;
}

TEST_P(CatalogDialectContract, DescribeTableGivesColumnsInOrderAndTheKeyInKeyOrder) {
  Run("CREATE TABLE orders (b integer NOT NULL, a text, c integer NOT NULL, PRIMARY KEY (c, b));"
      "CREATE VIEW order_view AS SELECT a FROM orders;");
  TableDescription info = Describe("orders");
  ASSERT_TRUE(info.exists);
  EXPECT_EQ(info.name, "orders");
  EXPECT_EQ(info.ref, db_->QuoteIdent("orders"));
  EXPECT_EQ(Names(info), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(info.Key(), (std::vector<std::string>{"c", "b"}));
  ASSERT_NE(info.Find("a", false), nullptr);
  EXPECT_FALSE(info.Find("a", false)->not_null);
  EXPECT_TRUE(info.Find("b", false)->not_null);
  EXPECT_EQ(info.Find("a", false)->key_position, 0);
  EXPECT_EQ(info.Find("b", false)->key_position, 2);

  EXPECT_FALSE(Describe("order_view").exists) << "a view is not a table";
  EXPECT_FALSE(Describe("no_such_table").exists);
  // A name spelt in other case is the same table only where the database folds identifiers.
  TableDescription other_case = Describe("ORDERS");
  EXPECT_EQ(other_case.exists, d().FoldsIdentifierCase());
  if (other_case.exists) {
    EXPECT_EQ(other_case.name, "orders") << "named as created";
  }
  EXPECT_EQ(d().StatementDialect(), DialectOfUrl(IsMysql()      ? "mysql://"
                                                 : IsPostgres() ? "postgresql://"
                                                                : "sqlite:"));
}

// A dropped column is not among a table's columns. PostgreSQL reads the table's kind and its
// columns in one query: there, a table of no columns (which PostgreSQL allows) still exists.
TEST_P(CatalogDialectContract, DescribeTableLeavesOutDroppedColumnsAndKeepsTablesOfNoColumns) {
  Run("CREATE TABLE shrunk (id integer PRIMARY KEY, gone text, kept text);"
      "ALTER TABLE shrunk DROP COLUMN gone;");
  TableDescription shrunk = Describe("shrunk");
  ASSERT_TRUE(shrunk.exists);
  EXPECT_EQ(Names(shrunk), (std::vector<std::string>{"id", "kept"}));
  EXPECT_EQ(shrunk.Key(), (std::vector<std::string>{"id"}));
  if (IsPostgres()) {
    Run("CREATE TABLE empty_shape (); CREATE SEQUENCE not_a_table;");
    TableDescription empty = Describe("empty_shape");
    EXPECT_TRUE(empty.exists);
    EXPECT_TRUE(empty.columns.empty());
    EXPECT_TRUE(empty.Key().empty());
    EXPECT_FALSE(Describe("not_a_table").exists);
  }
}

TEST_P(CatalogDialectContract, ReferencingTablesAreThoseWhoseRowsGoOrChangeWithTheParents) {
  if (IsMysql()) {  // InnoDB ignores a REFERENCES written on the column: keys are table clauses
    Run("CREATE TABLE parent (id integer PRIMARY KEY, up integer, FOREIGN KEY (up) REFERENCES "
        "parent (id) ON DELETE CASCADE);"
        "CREATE TABLE goes (p integer, FOREIGN KEY (p) REFERENCES parent (id) ON DELETE CASCADE);"
        "CREATE TABLE changes (p integer, FOREIGN KEY (p) REFERENCES parent (id) ON DELETE SET "
        "NULL);"
        "CREATE TABLE blocks (p integer, FOREIGN KEY (p) REFERENCES parent (id));");
  } else {
    Run("CREATE TABLE parent (id integer PRIMARY KEY, up integer REFERENCES parent (id) ON DELETE "
        "CASCADE);"
        "CREATE TABLE goes (p integer REFERENCES parent (id) ON DELETE CASCADE);"
        "CREATE TABLE changes (p integer REFERENCES parent (id) ON DELETE SET NULL);"
        "CREATE TABLE blocks (p integer REFERENCES parent (id));");
  }
  auto refs = d().ReferencingTables(*txn_, "parent", false);
  ASSERT_TRUE(refs.ok()) << refs.status().message();
  std::vector<std::string> found;
  for (const auto& r : *refs) found.push_back(r.table + " " + r.on_delete);
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<std::string>{"changes SET NULL", "goes CASCADE"}));
  if (IsPostgres()) {  // TRUNCATE ... CASCADE empties every referencing table
    auto all = d().ReferencingTables(*txn_, "parent", true);
    ASSERT_TRUE(all.ok()) << all.status().message();
    found.clear();
    for (const auto& r : *all) found.push_back(r.table + " " + r.on_delete);
    std::sort(found.begin(), found.end());
    EXPECT_EQ(found,
              (std::vector<std::string>{"blocks NO ACTION", "changes SET NULL", "goes CASCADE"}));
  }
}

TEST_P(CatalogDialectContract, EstimateSizeCountsTheRowsOfATableNeverAnalysed) {
  Run("CREATE TABLE t (id integer PRIMARY KEY, note text);"
      "INSERT INTO t VALUES (1, 'abc'), (2, 'de'), (3, NULL);");
  TableDescription info = Describe("t");
  ASSERT_TRUE(info.exists);
  TableSize whole = d().EstimateSize(*txn_, info, {});
  EXPECT_EQ(whole.rows, 3);
  EXPECT_GT(whole.bytes, 0);
  TableSize part = d().EstimateSize(*txn_, info, {"note"});
  EXPECT_EQ(part.rows, 3);
  EXPECT_GT(part.bytes, 0);
  EXPECT_LE(part.bytes, whole.bytes) << "one column of two holds no more than both";
}

TEST_P(CatalogDialectContract, CountChangedCountsTheRowsAnInsertOrUpdateChanged) {
  Run("CREATE TABLE t (id integer PRIMARY KEY, n integer);");
  auto inserted =
      d().CountChanged(*txn_, "INSERT INTO t (id, n) SELECT 1, 0 UNION ALL SELECT 2, 0");
  ASSERT_TRUE(inserted.ok()) << inserted.status().message();
  EXPECT_EQ(*inserted, 2);
  auto updated = d().CountChanged(*txn_, "UPDATE t SET n = 5 WHERE id = 2");
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ(*updated, 1);
  EXPECT_EQ(Value1("SELECT n FROM t WHERE id = 2"), "5");
}

TEST_P(CatalogDialectContract, AnInsertOfExplicitKeysIsFollowedByTheNextGeneratedOne) {
  Run(IsPostgres() ? "CREATE TABLE t (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text)"
      : IsMysql()  ? "CREATE TABLE t (id INTEGER AUTO_INCREMENT PRIMARY KEY, v text)"
                   : "CREATE TABLE t (id INTEGER PRIMARY KEY, v text)");
  Run("INSERT INTO t (id, v)" + d().OverridingGenerated() + " SELECT 10, 'restored'");
  Status st = d().AdvanceSequences(*txn_, db_->QuoteIdent("t"), {"id", "v"});
  ASSERT_TRUE(st.ok()) << st.message();
  Run("INSERT INTO t (v) VALUES ('new')");
  EXPECT_EQ(Value1("SELECT id FROM t WHERE v = 'new'"), "11");
}

TEST_P(CatalogDialectContract, StoredValuesMatchTheirColumnsAndNullKeysMatchWhereTheyMayBeNull) {
  Run("CREATE TABLE t (k text, n integer NOT NULL, v integer);"
      "INSERT INTO t VALUES (NULL, 1, 7), ('a', 2, 8);"
      "CREATE TABLE s AS SELECT k, CAST(n AS " +
      std::string(IsMysql() ? "char" : "text") + ") AS n FROM t;");
  TableDescription info = Describe("t");
  ASSERT_TRUE(info.exists);
  const CatalogColumn* k = info.Find("k", false);
  const CatalogColumn* n = info.Find("n", false);
  ASSERT_TRUE(k && n);
  std::string match = d().KeyEquals("t.k", d().FromStored("s.k", k->type), k) + " AND " +
                      d().KeyEquals("t.n", d().FromStored("s.n", n->type), n);
  EXPECT_EQ(Value1("SELECT COUNT(*) FROM t, s WHERE " + match), "2")
      << "the row whose key is NULL matches its copy too";
  EXPECT_EQ(Value1("SELECT SUM(t.v) FROM t, s WHERE " + match), "15");
  // A value kept as text comes back as a value of its column.
  EXPECT_EQ(Value1("SELECT COUNT(*) FROM t WHERE t.n = " +
                   d().FromStored(d().StoredText("t.n"), n->type)),
            "2");
}

TEST_P(CatalogDialectContract, CopiesAreKeptApartFromTheUserTables) {
  for (const std::string& ddl : db_->StateNamespaceStatements()) Run(ddl);
  std::string name = d().CopyNamePrefix() + "1_t";
  auto copied = txn_->ExecCount("CREATE TABLE " + d().CopyRef(name) +
                                " AS SELECT 1 AS a UNION ALL SELECT 2 UNION ALL SELECT 3");
  ASSERT_TRUE(copied.ok()) << copied.status().message();
  if (d().CreateTableAsCountsRows()) {
    EXPECT_EQ(*copied, 3);
  }
  EXPECT_EQ(Value1("SELECT COUNT(*) FROM " + d().CopyRef(name)), "3");
  ASSERT_TRUE(txn_->Commit().ok());
  auto tables = db_->UserTables();
  ASSERT_TRUE(tables.ok()) << tables.status().message();
  EXPECT_EQ(*tables, std::vector<std::string>{}) << "a copy is not a user table";
  EXPECT_EQ(d().MaxNameBytes(), IsPostgres() ? 63u : IsMysql() ? 64u : 0u);
}

}  // namespace
}  // namespace orchestrate::testing
