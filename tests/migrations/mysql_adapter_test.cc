// The MySQL/MariaDB adapter's pure parts: its URLs (parsing, redaction, secrets, another
// database) and the translation of orchestrate's portable SQL (migrations/mysql/portable_sql.h).
// No server: the adapter on a real MariaDB is in contract_test.cc.
#include <gtest/gtest.h>

#include <string>

#include "migrations/database.h"
#include "migrations/mysql/portable_sql.h"
#include "migrations/mysql/url.h"

namespace orchestrate::testing {
namespace {

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string Translated(const std::string& sql, const std::vector<Value>& params = {},
                       bool ddl = false) {
  auto r = mysql::ToMysql(sql, params, Quote, ddl);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : "";
}

TEST(MysqlUrl, ParsesEveryPartAndDecodesThem) {
  auto url =
      mysql::ParseUrl("mysql://app%40ops:p%3Ass@db.example:3307/shop%2Dprod?connect_timeout=5");
  ASSERT_TRUE(url.ok()) << url.status().message();
  EXPECT_EQ(url->user, "app@ops");
  EXPECT_TRUE(url->has_password);
  EXPECT_EQ(url->password, "p:ss");
  EXPECT_EQ(url->host, "db.example");
  EXPECT_EQ(url->port, 3307u);
  EXPECT_EQ(url->database, "shop-prod");
  EXPECT_EQ(url->connect_timeout, 5u);

  auto plain = mysql::ParseUrl("mariadb://root@127.0.0.1/orchestrate_test");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->port, 3306u);
  EXPECT_FALSE(plain->has_password);
  auto v6 = mysql::ParseUrl("mysql://u@[::1]:3310/d");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 3310u);
  auto socket = mysql::ParseUrl("mysql://u@localhost/d?socket=%2Ftmp%2Fmy.sock");
  ASSERT_TRUE(socket.ok());
  EXPECT_EQ(socket->socket, "/tmp/my.sock");
}

TEST(MysqlUrl, RefusesWhatItCannotReadWithoutShowingThePassword) {
  for (const std::string bad :
       {"mysql://u:secret1@h:99999/d", "mysql://u:secret1@h/", "mysql://u:secret1@h/d?sslmode=x",
        "mysql://u:secret1@h/d%zz", "mysql://u:secret1@[::1/d"}) {
    auto url = mysql::ParseUrl(bad);
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_EQ(url.status().code(), Code::kInvalid);
    EXPECT_EQ(url.status().message().find("secret1"), std::string::npos) << url.status().message();
    EXPECT_EQ(RedactUrl(bad).find("secret1"), std::string::npos) << RedactUrl(bad);
    auto db = OpenDatabase(bad, ".");
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), Code::kInvalid);
    EXPECT_EQ(db.status().message().find("secret1"), std::string::npos) << db.status().message();
  }
  // An unencoded '@' in the password: the last '@' ends it.
  EXPECT_EQ(RedactUrl("mysql://u:se@cret1@h/d"), "mysql://u:***@h/d");
}

TEST(MysqlUrl, RedactionSecretsAndAnotherDatabase) {
  const std::string url = "mysql://app:s%3Acret@db:3306/shop";
  EXPECT_EQ(RedactUrl(url), "mysql://app:***@db:3306/shop");
  EXPECT_EQ(RedactUrl("mariadb://app@db/shop"), "mariadb://app@db/shop");
  EXPECT_EQ(SecretsInUrl(url), (std::vector<std::string>{"s%3Acret", "s:cret"}));
  EXPECT_TRUE(SecretsInUrl("mysql://app@db/shop").empty());
  EXPECT_EQ(UrlWithDatabase(url, "scratch 1"), "mysql://app:s%3Acret@db:3306/scratch%201");
  EXPECT_EQ(DialectOfUrl(url), Dialect::kMysql);
  EXPECT_EQ(DialectOfUrl("mariadb://x@y/z"), Dialect::kMysql);
  EXPECT_EQ(DialectOfUrl("sqlite:x.db"), Dialect::kSqlite);
  EXPECT_EQ(DialectOfUrl("postgresql://x@y/z"), Dialect::kPostgres);
}

TEST(MysqlUrl, AServerThatIsNotThereIsAnErrorWithoutThePassword) {
  // Port 1 on the loopback: nothing listens, the connection is refused at once.
  auto db = OpenDatabase("mysql://u:hunter2x@127.0.0.1:1/d", ".");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().message().find("hunter2x"), std::string::npos) << db.status().message();
  EXPECT_NE(db.status().message().find("mysql://u:***@127.0.0.1:1/d"), std::string::npos)
      << db.status().message();
  auto with_param = OpenDatabase("mysql://u@127.0.0.1:1/d", ".", "hunter2y");
  ASSERT_FALSE(with_param.ok());
  EXPECT_EQ(with_param.status().message().find("hunter2y"), std::string::npos);
}

TEST(MysqlPortableSql, ParametersBecomeQuotedLiteralsOutsideStrings) {
  EXPECT_EQ(Translated("SELECT a FROM t WHERE b = $1 AND c = '$2' AND d = $2", {"x", Value()}),
            "SELECT a FROM t WHERE b = 'x' AND c = '$2' AND d = NULL");
  EXPECT_EQ(Translated("SELECT 'a\\b''c'"), "SELECT 'a\\\\b''c'");
  auto missing = mysql::ToMysql("SELECT $3", {"a"}, Quote);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kInvalid);
}

TEST(MysqlPortableSql, ReservedColumnNamesAreQuotedButNotTheKeyword) {
  EXPECT_EQ(Translated("SELECT release, id FROM orchestrate_seeds WHERE release = $1", {"1.0"}),
            "SELECT `release`, id FROM orchestrate_seeds WHERE `release` = '1.0'");
  EXPECT_EQ(Translated("SELECT value FROM orchestrate_meta WHERE key = 'schema_version'"),
            "SELECT value FROM orchestrate_meta WHERE `key` = 'schema_version'");
  EXPECT_EQ(Translated("SELECT s.release FROM x s"), "SELECT s.release FROM x s");
  EXPECT_EQ(Translated("SELECT \"odd name\" FROM t"), "SELECT `odd name` FROM t");
  EXPECT_EQ(Translated("SELECT CAST($1 AS TEXT), text FROM t", {"x"}),
            "SELECT CAST('x' AS CHAR), text FROM t");
}

TEST(MysqlPortableSql, UpsertsBecomeInsertIgnoreAndOnDuplicateKeyUpdate) {
  EXPECT_EQ(Translated("INSERT INTO orchestrate_meta (key, value) VALUES ('v', '2') ON CONFLICT "
                       "DO NOTHING"),
            "INSERT IGNORE INTO orchestrate_meta (`key`, value) VALUES ('v', '2')");
  EXPECT_EQ(Translated("INSERT INTO p (run_id, n, part, status) VALUES ($1, $2, $3, $4) ON "
                       "CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = "
                       "EXCLUDED.at",
                       {"1", "2", "set", "done"}),
            "INSERT INTO p (run_id, n, part, status) VALUES ('1', '2', 'set', 'done') ON "
            "DUPLICATE KEY UPDATE status = VALUES(status), at = VALUES(at)");
}

TEST(MysqlPortableSql, AssignmentsAreOrderedSoThatEachReadsTheOldValues) {
  EXPECT_EQ(Translated("UPDATE orchestrate_steps SET status = $1, error = $2, attempts = CASE "
                       "WHEN status = 'started' THEN attempts ELSE attempts + 1 END WHERE n = $3",
                       {"done", Value(), "4"}),
            "UPDATE orchestrate_steps SET error = NULL, attempts = CASE WHEN status = 'started' "
            "THEN attempts ELSE attempts + 1 END, status = 'done' WHERE n = '4'");
  // Nothing to reorder: as written.
  EXPECT_EQ(Translated("UPDATE t SET a = 1, b = f(2, 3) WHERE id = 1"),
            "UPDATE t SET a = 1, b = f(2, 3) WHERE id = 1");
}

TEST(MysqlPortableSql, StateTablesGetKeyableColumnsInnoDbAndUtf8mb4) {
  EXPECT_EQ(Translated("CREATE TABLE IF NOT EXISTS orchestrate_meta (key TEXT PRIMARY KEY, value "
                       "TEXT NOT NULL)",
                       {}, true),
            "CREATE TABLE IF NOT EXISTS orchestrate_meta (`key` VARCHAR(255) PRIMARY KEY, value "
            "TEXT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
  EXPECT_EQ(Translated("CREATE TABLE t (run_id BIGINT NOT NULL, part TEXT NOT NULL, seed_id TEXT, "
                       "note TEXT, PRIMARY KEY (run_id, part))",
                       {}, true),
            "CREATE TABLE t (run_id BIGINT NOT NULL, part VARCHAR(255) NOT NULL, seed_id "
            "VARCHAR(255), note TEXT, PRIMARY KEY (run_id, part)) ENGINE=InnoDB DEFAULT "
            "CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
  // Not a CREATE TABLE: only the common translation.
  EXPECT_EQ(Translated("CREATE INDEX IF NOT EXISTS i ON t (seed_id, id)", {}, true),
            "CREATE INDEX IF NOT EXISTS i ON t (seed_id, id)");
}

}  // namespace
}  // namespace orchestrate::testing
