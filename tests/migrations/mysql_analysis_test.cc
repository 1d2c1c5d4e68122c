// The MySQL/MariaDB analysis (migrations/analysis/mysql_ddl.cc): one table of statements with the
// kind, online DDL (ALGORITHM, LOCK), lock, destruction and tables the analyzer must report. Pure:
// no database (the check warning it feeds is tested on MariaDB in tests/e2e/mysql_test.cc).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "migrations/analysis/analysis.h"

namespace orchestrate {
namespace {

using A = DdlAlgorithm;
using K = DdlLock;
using L = LockLevel;

struct Row {
  const char* sql;
  const char* kind;
  DdlAlgorithm algorithm;
  DdlLock ddl_lock;
  LockLevel lock;
  bool destroys;
  bool analysable;
  const char* tables;  // comma-separated
  const char* why;     // a substring of OnlineDdl::why ("" to skip)
};

std::string Join(const std::vector<std::string>& tables) {
  std::string out;
  for (const std::string& t : tables) out += (out.empty() ? "" : ",") + t;
  return out;
}

class MysqlAnalysisTest : public ::testing::TestWithParam<Row> {};

TEST_P(MysqlAnalysisTest, ReportsTheOnlineDdlLockAndEffects) {
  const Row& row = GetParam();
  const ScriptAnalysis script = AnalyzeScript(Dialect::kMysql, row.sql);
  ASSERT_TRUE(script.ok) << script.error;
  ASSERT_EQ(script.statements.size(), 1u);
  const StatementAnalysis& s = script.statements[0];
  EXPECT_EQ(s.kind, row.kind);
  EXPECT_STREQ(Name(s.online_ddl.algorithm), Name(row.algorithm)) << s.online_ddl.why;
  if (row.algorithm != A::kNotDdl) {
    EXPECT_STREQ(Name(s.online_ddl.lock), Name(row.ddl_lock)) << s.online_ddl.why;
  }
  EXPECT_STREQ(LockLevelName(s.lock), LockLevelName(row.lock));
  EXPECT_EQ(s.destroys_data, row.destroys) << s.destroys;
  EXPECT_EQ(s.analysable, row.analysable) << s.destroys;
  if (!s.analysable) {
    EXPECT_TRUE(s.destroys_data);
  }
  EXPECT_EQ(Join(s.tables), row.tables);
  EXPECT_NE(s.online_ddl.why.find(row.why), std::string::npos) << s.online_ddl.why;
}

const Row kRows[] = {
    // ALTER TABLE, one clause each.
    {"ALTER TABLE customers ADD COLUMN points INT NOT NULL DEFAULT 0", "ALTER TABLE", A::kInstant,
     K::kNone, L::kShareUpdateExclusive, false, true, "customers", "ADD COLUMN"},
    {"ALTER TABLE customers ADD points INT", "ALTER TABLE", A::kInstant, K::kNone,
     L::kShareUpdateExclusive, false, true, "customers", ""},
    {"ALTER TABLE customers ADD COLUMN IF NOT EXISTS points INT AFTER email", "ALTER TABLE",
     A::kInstant, K::kNone, L::kShareUpdateExclusive, false, true, "customers", ""},
    {"ALTER TABLE t ADD COLUMN id2 BIGINT AUTO_INCREMENT UNIQUE", "ALTER TABLE", A::kCopy,
     K::kShared, L::kShare, false, true, "t", "AUTO_INCREMENT"},
    {"ALTER TABLE t ADD COLUMN total INT AS (a + b) STORED", "ALTER TABLE", A::kCopy, K::kShared,
     L::kShare, false, true, "t", "stored generated"},
    {"ALTER TABLE t ADD COLUMN total INT AS (a + b) VIRTUAL", "ALTER TABLE", A::kInstant, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", ""},
    {"ALTER TABLE t ADD COLUMN code CHAR(2) UNIQUE", "ALTER TABLE", A::kInplace, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", "UNIQUE"},
    {"ALTER TABLE t ADD COLUMN owner INT REFERENCES users (id)", "ALTER TABLE", A::kCopy,
     K::kShared, L::kShare, false, true, "t", "REFERENCES"},
    {"ALTER TABLE `order items` DROP COLUMN `note`", "ALTER TABLE", A::kInstant, K::kNone,
     L::kShareUpdateExclusive, true, true, "order items", "DROP COLUMN"},
    {"ALTER TABLE t DROP legacy", "ALTER TABLE", A::kInstant, K::kNone, L::kShareUpdateExclusive,
     true, true, "t", ""},
    {"ALTER TABLE t MODIFY COLUMN price DECIMAL(12,2) NOT NULL", "ALTER TABLE", A::kCopy,
     K::kShared, L::kShare, true, true, "t", "MODIFY COLUMN price"},
    {"ALTER TABLE t CHANGE full_name name VARCHAR(200)", "ALTER TABLE", A::kCopy, K::kShared,
     L::kShare, true, true, "t", "CHANGE COLUMN full_name"},
    {"ALTER TABLE t RENAME COLUMN full_name TO name", "ALTER TABLE", A::kInstant, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", "RENAME COLUMN"},
    {"ALTER TABLE t RENAME INDEX a TO b", "ALTER TABLE", A::kInstant, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", ""},
    {"ALTER TABLE t RENAME TO t_old", "ALTER TABLE", A::kInstant, K::kNone,
     L::kShareUpdateExclusive, false, true, "t,t_old", ""},
    {"ALTER TABLE t ALTER COLUMN status SET DEFAULT 'new'", "ALTER TABLE", A::kInstant, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", "DEFAULT"},
    {"ALTER TABLE t ALTER status DROP DEFAULT", "ALTER TABLE", A::kInstant, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", ""},
    {"ALTER TABLE t ADD INDEX t_email (email)", "ALTER TABLE", A::kInplace, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", "ADD INDEX"},
    {"ALTER TABLE t ADD UNIQUE KEY t_email (email)", "ALTER TABLE", A::kInplace, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", ""},
    {"ALTER TABLE t ADD FULLTEXT INDEX t_body (body)", "ALTER TABLE", A::kInplace, K::kShared,
     L::kShare, false, true, "t", "FULLTEXT"},
    {"ALTER TABLE t ADD PRIMARY KEY (id)", "ALTER TABLE", A::kInplace, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", "PRIMARY KEY"},
    {"ALTER TABLE t DROP PRIMARY KEY", "ALTER TABLE", A::kCopy, K::kShared, L::kShare, false, true,
     "t", "DROP PRIMARY KEY"},
    {"ALTER TABLE orders ADD CONSTRAINT fk_customer FOREIGN KEY (customer_id) REFERENCES "
     "customers (id)",
     "ALTER TABLE", A::kCopy, K::kShared, L::kShare, false, true, "orders", "FOREIGN KEY"},
    {"ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers (id)", "ALTER TABLE",
     A::kCopy, K::kShared, L::kShare, false, true, "orders", ""},
    {"ALTER TABLE orders DROP FOREIGN KEY fk_customer", "ALTER TABLE", A::kInplace, K::kNone,
     L::kShareUpdateExclusive, false, true, "orders", "DROP FOREIGN KEY"},
    {"ALTER TABLE t ADD CONSTRAINT positive CHECK (price > 0)", "ALTER TABLE", A::kCopy, K::kShared,
     L::kShare, false, true, "t", "CHECK"},
    {"ALTER TABLE t DROP CONSTRAINT positive", "ALTER TABLE", A::kInplace, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", ""},
    {"ALTER TABLE t DROP INDEX t_email", "ALTER TABLE", A::kInplace, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", "DROP INDEX"},
    {"ALTER TABLE t ENGINE=InnoDB", "ALTER TABLE", A::kCopy, K::kShared, L::kShare, false, true,
     "t", "ENGINE"},
    {"ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4", "ALTER TABLE", A::kCopy, K::kShared,
     L::kShare, false, true, "t", "CONVERT"},
    {"ALTER TABLE t FORCE", "ALTER TABLE", A::kInplace, K::kNone, L::kShareUpdateExclusive, false,
     true, "t", "FORCE"},
    {"ALTER TABLE t COMMENT = 'orders of customers'", "ALTER TABLE", A::kInstant, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", ""},
    // Several clauses: the worst of them decides, and says why.
    {"ALTER TABLE t ADD COLUMN a INT, ADD INDEX t_a (a), MODIFY b BIGINT", "ALTER TABLE", A::kCopy,
     K::kShared, L::kShare, true, true, "t", "MODIFY COLUMN b"},
    {"ALTER TABLE t ADD COLUMN a INT, DROP COLUMN b", "ALTER TABLE", A::kInstant, K::kNone,
     L::kShareUpdateExclusive, true, true, "t", ""},
    // Stated ALGORITHM/LOCK: the server obeys or refuses, so the statement's words stand.
    {"ALTER TABLE t ADD INDEX t_a (a), ALGORITHM=INPLACE, LOCK=NONE", "ALTER TABLE", A::kInplace,
     K::kNone, L::kShareUpdateExclusive, false, true, "t", "states"},
    {"ALTER TABLE t MODIFY b BIGINT, ALGORITHM = COPY, LOCK = EXCLUSIVE", "ALTER TABLE", A::kCopy,
     K::kExclusive, L::kAccessExclusive, true, true, "t", "states"},
    {"ALTER TABLE t ADD COLUMN c INT, ALGORITHM=INSTANT", "ALTER TABLE", A::kInstant, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", ""},
    // Not recognised: COPY (writes wait) and not analysable, hence destructive.
    {"ALTER TABLE t ADD PARTITION (PARTITION p2 VALUES LESS THAN (2000))", "ALTER TABLE", A::kCopy,
     K::kShared, L::kShare, true, false, "t", "PARTITION"},
    {"ALTER TABLE t SOMETHING NEW", "ALTER TABLE", A::kCopy, K::kShared, L::kShare, true, false,
     "t", "SOMETHING"},
    // A default with a backslash escape (which the shared scanner cannot read) is still judged.
    {"ALTER TABLE t ADD COLUMN note VARCHAR(20) DEFAULT 'it\\'s'", "ALTER TABLE", A::kInstant,
     K::kNone, L::kShareUpdateExclusive, false, true, "t", ""},
    {"ALTER ONLINE TABLE t ADD INDEX t_a (a)", "ALTER TABLE", A::kInplace, K::kNone,
     L::kShareUpdateExclusive, false, true, "t", ""},
    // Indexes outside ALTER TABLE.
    {"CREATE INDEX orders_customer ON orders (customer_id)", "CREATE INDEX", A::kInplace, K::kNone,
     L::kShareUpdateExclusive, false, true, "orders", "CREATE INDEX"},
    {"CREATE UNIQUE INDEX customers_email ON customers (email) USING BTREE", "CREATE INDEX",
     A::kInplace, K::kNone, L::kShareUpdateExclusive, false, true, "customers", ""},
    {"CREATE FULLTEXT INDEX posts_body ON posts (body)", "CREATE INDEX", A::kInplace, K::kShared,
     L::kShare, false, true, "posts", "FULLTEXT"},
    {"DROP INDEX orders_customer ON orders", "DROP INDEX", A::kInplace, K::kNone,
     L::kShareUpdateExclusive, false, true, "orders", "DROP INDEX"},
    {"DROP INDEX IF EXISTS `orders_customer` ON `orders`", "DROP INDEX", A::kInplace, K::kNone,
     L::kShareUpdateExclusive, false, true, "orders", ""},
    {"OPTIMIZE TABLE orders", "OPTIMIZE TABLE", A::kInplace, K::kNone, L::kShareUpdateExclusive,
     false, true, "orders", "rebuilds"},
    // Whole tables: no online DDL, an exclusive metadata lock.
    {"TRUNCATE TABLE orders", "TRUNCATE", A::kNotDdl, K::kNone, L::kAccessExclusive, true, true,
     "orders", ""},
    {"TRUNCATE orders", "TRUNCATE", A::kNotDdl, K::kNone, L::kAccessExclusive, true, true, "orders",
     ""},
    {"RENAME TABLE a TO b, c TO d", "RENAME TABLE", A::kNotDdl, K::kNone, L::kAccessExclusive,
     false, true, "a,b,c,d", ""},
    {"DROP TABLE orders", "DROP TABLE", A::kNotDdl, K::kNone, L::kAccessExclusive, true, true,
     "orders", ""},
    {"DROP VIEW order_totals", "DROP VIEW", A::kNotDdl, K::kNone, L::kAccessExclusive, false, true,
     "order_totals", ""},
    {"CREATE TABLE t (id INT PRIMARY KEY, INDEX t_id (id))", "CREATE TABLE", A::kNotDdl, K::kNone,
     L::kNone, false, true, "t", ""},
    // Rows: InnoDB's row locks, not SQLite's database lock.
    {"INSERT INTO t (id) VALUES (1)", "INSERT", A::kNotDdl, K::kNone, L::kRowExclusive, false, true,
     "t", ""},
    {"UPDATE t SET a = 1 WHERE id = 2", "UPDATE", A::kNotDdl, K::kNone, L::kRowExclusive, true,
     true, "t", ""},
    {"DELETE FROM t WHERE id = 2", "DELETE", A::kNotDdl, K::kNone, L::kRowExclusive, true, true,
     "t", ""},
    {"SELECT * FROM t", "SELECT", A::kNotDdl, K::kNone, L::kAccessShare, false, true, "t", ""},
    {"SET foreign_key_checks = 0", "SET", A::kNotDdl, K::kNone, L::kNone, false, true, "", ""},
};

INSTANTIATE_TEST_SUITE_P(Statements, MysqlAnalysisTest, ::testing::ValuesIn(kRows));

TEST(MysqlAnalysis, OnlineDdlTextNamesBoth) {
  EXPECT_EQ(OnlineDdlText({DdlAlgorithm::kCopy, DdlLock::kShared, false, ""}),
            "ALGORITHM=COPY, LOCK=SHARED");
  EXPECT_EQ(OnlineDdlText({DdlAlgorithm::kNotDdl, DdlLock::kNone, false, ""}), "");
}

// The other dialects have no online DDL.
TEST(MysqlAnalysis, OtherDialectsReportNone) {
  for (Dialect d : {Dialect::kPostgres, Dialect::kSqlite}) {
    const ScriptAnalysis a = AnalyzeScript(d, "ALTER TABLE t ADD COLUMN a INT;\n");
    ASSERT_TRUE(a.ok);
    ASSERT_EQ(a.statements.size(), 1u);
    EXPECT_EQ(a.statements[0].online_ddl.algorithm, DdlAlgorithm::kNotDdl);
  }
}

}  // namespace
}  // namespace orchestrate
