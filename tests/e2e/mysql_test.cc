// MariaDB end to end, on the real binary: a plan whose SQL is portable deploys and rolls back on a
// real MariaDB server with --database mysql://..., and the rolled-back schema equals a fresh
// deploy of the target; `rehearse` (and --each) runs on a scratch database of the server; the row
// ledger records and reverses a seed's rows; snapshots commit with their step; the review script,
// recorded on a copy of the database, runs by hand with the mariadb client. The fixture's data
// comes with a migration.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "migrations/database.h"
#include "migrations/state_schema.h"
#include "tests/support/mysql.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

// The first database name starting with `prefix` in `err` ("" if none): the copy `orchestrate
// sql` records on, the scratch database of `rehearse`, as they name them on stderr.
std::string DatabaseNamedIn(const std::string& err, const std::string& prefix) {
  const size_t at = err.find(prefix);
  if (at == std::string::npos) return "";
  size_t end = at;
  while (end < err.size() &&
         (std::isalnum(static_cast<unsigned char>(err[end])) || err[end] == '_'))
    ++end;
  return err.substr(at, end - at);
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class MysqlEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    ORCH_REQUIRE_MYSQL(url);
    url_ = url;
    Write("plan.yaml",
          "app: mini\nreleases: releases/\nenvironments:\n  local:\n    database: "
          "sqlite:unused.db\n    deployer: {kind: file, path: \"" +
              (dir_ / "mini.image") + "\"}\npolicy: {snapshot: " + snapshot_ + "}\n");
    Write("releases/1.0.0.yaml",
          "version: 1.0.0\nimage: mini:1.0.0\nmigrations:\n"
          "  - {id: 0001_customers, up: ../sql/0001.up.sql, down: ../sql/0001.down.sql}\n"
          "  - {id: 0001_first_customer, up: ../seeds/first.sql, down: ../seeds/first.undo.sql}\n");
    Write("releases/1.1.0.yaml",
          "version: 1.1.0\nimage: mini:1.1.0\nmigrations:\n"
          "  - {id: 0002_points, up: ../sql/0002.up.sql, down: ../sql/0002.down.sql}\n"
          "  - {id: 0003_orders, up: ../sql/0003.up.sql, down: ../sql/0003.down.sql}\n");
    Write("sql/0001.up.sql",
          "-- customers; ids from the application\n"
          "CREATE TABLE customers (\n  id INTEGER PRIMARY KEY,\n  email VARCHAR(255) NOT NULL\n);\n"
          "CREATE INDEX customers_email ON customers (email);\n");
    Write("sql/0001.down.sql", "DROP TABLE customers;\n");
    Write("sql/0002.up.sql",
          "ALTER TABLE customers ADD COLUMN points INTEGER NOT NULL DEFAULT 0;\n"
          "UPDATE customers SET points = 10 WHERE id = 1;\n");
    Write("sql/0002.down.sql", "ALTER TABLE customers DROP COLUMN points;\n");
    Write("sql/0003.up.sql",
          "CREATE TABLE orders (\n  id INTEGER PRIMARY KEY,\n  customer_id INTEGER NOT NULL,\n"
          "  FOREIGN KEY (customer_id) REFERENCES customers (id)\n);\n");
    Write("sql/0003.down.sql", "DROP TABLE orders;\n");
    Write("seeds/first.sql", "INSERT INTO customers (id, email) VALUES (1, 'ann@example.com');\n");
    Write("seeds/first.undo.sql", "DELETE FROM customers WHERE id = 1;\n");
  }

  void Write(const std::string& path, const std::string& text) {
    WriteFileOrDie(dir_ / path, text);
  }

  ProcessResult Run(const std::vector<std::string>& args, const std::string& url = "") {
    std::vector<std::string> argv = {OrchestrateBin(), args[0], dir_ / "plan.yaml"};
    argv.insert(argv.end(), args.begin() + 1, args.end());
    argv.insert(argv.end(), {"--database", url.empty() ? url_ : url});
    return RunProcess(argv);
  }

  std::unique_ptr<Database> Open(const std::string& url) {
    auto db = OpenDatabase(url, ".");
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  std::vector<std::string> Schema(const std::string& url) {
    auto db = Open(url);
    if (!db) return {};
    auto lines = db->DescribeSchema();
    EXPECT_TRUE(lines.ok()) << lines.status().message();
    return lines.ok() ? *lines : std::vector<std::string>();
  }

  std::string Scalar(const std::string& url, const std::string& sql) {
    auto db = Open(url);
    if (!db) return "";
    auto txn = db->Begin();
    if (!txn.ok()) return "";
    auto rows = (*txn)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().message();
    if (!rows.ok() || rows->rows.empty()) return "";
    return rows->rows[0][0].value_or("NULL");
  }

  std::string snapshot_ = "off";
  TempDir dir_;
  std::string url_;
};

TEST_F(MysqlEndToEnd, DeployThenRollbackEqualsAFreshDeployOfTheTarget) {
  auto deployed = Run({"deploy", "--yes"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
  EXPECT_EQ(Scalar(url_, "SELECT points FROM customers WHERE id = 1"), "10");
  EXPECT_EQ(ReadFileOrDie(dir_ / "mini.image"), "mini:1.1.0\n");

  auto status = Run({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.out << status.err;
  EXPECT_TRUE(Contains(status.out, "1.1.0")) << status.out;

  auto rolled = Run({"rollback", "--to", "1.0.0", "--reason", "points broke checkout", "--yes"});
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_EQ(ReadFileOrDie(dir_ / "mini.image"), "mini:1.0.0\n");
  EXPECT_EQ(Scalar(url_, "SELECT email FROM customers WHERE id = 1"), "ann@example.com");

  std::string error;
  const std::string fresh = FreshMysqlDatabase(&error);
  ASSERT_FALSE(fresh.empty()) << error;
  auto deployed_fresh = Run({"deploy", "--to", "1.0.0", "--yes"}, fresh);
  ASSERT_EQ(deployed_fresh.exit_code, 0) << deployed_fresh.out << deployed_fresh.err;
  const std::vector<std::string> rolled_back = Schema(url_);
  EXPECT_FALSE(rolled_back.empty());
  EXPECT_EQ(rolled_back, Schema(fresh));

  auto history = Run({"history"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_TRUE(Contains(history.out, "points broke checkout")) << history.out;

  // Nothing left to do: the same rollback again is a no-op.
  auto again = Run({"rollback", "--to", "1.0.0", "--reason", "again", "--yes"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
}

// `check` judges MySQL's online DDL: a down that copies the table (MODIFY COLUMN) warns that
// writes to it wait, naming the ALGORITHM and LOCK and counting the rows; one that drops a column
// (INSTANT) does not.
TEST_F(MysqlEndToEnd, CheckWarnsOfADownThatCopiesTheTableAndBlocksWrites) {
  Write("sql/0002.down.sql",
        "ALTER TABLE customers MODIFY email VARCHAR(300) NOT NULL;\n"
        "ALTER TABLE customers DROP COLUMN points;\n");
  auto deployed = Run({"deploy", "--yes"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
  auto check = Run({"check", "--to", "1.0.0"});
  EXPECT_EQ(check.exit_code, 4) << check.out << check.err;
  EXPECT_TRUE(Contains(check.out,
                       "migration 0002_points, line 1: ALTER TABLE customers takes "
                       "ALGORITHM=COPY, LOCK=SHARED (MODIFY COLUMN email"))
      << check.out;
  EXPECT_TRUE(Contains(check.out, "writes to customers wait until it ends (1 rows now)"))
      << check.out;
  EXPECT_FALSE(Contains(check.out, "line 2: ALTER TABLE customers takes")) << check.out;
  EXPECT_TRUE(Contains(check.out, "line 2: drops column customers.points")) << check.out;
}

TEST_F(MysqlEndToEnd, AFailureAfterACommittedDdlStopsAsNeedingAHumanNamingTheStatement) {
  Write("sql/0003.up.sql",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n"
        "INSERT INTO no_such_table VALUES (1);\n");
  auto deployed = Run({"deploy", "--yes"});
  EXPECT_EQ(deployed.exit_code, 3) << deployed.out << deployed.err;
  EXPECT_TRUE(Contains(deployed.err, "migration 0003_orders, statement 2 of 2 (line 2)"))
      << deployed.err;
  EXPECT_TRUE(Contains(deployed.err, "the statements before statement 2 of 2 are committed"))
      << deployed.err;
  EXPECT_TRUE(Contains(deployed.err, "no_such_table")) << deployed.err;
}

// A down of DML only runs in one transaction with its snapshot: the copy's table (whose CREATE
// commits by itself on MySQL) is made empty and filled in the step's transaction, so a step that
// fails leaves neither the copy's rows nor its table nor a catalog entry; fixed, the same command
// takes the snapshot once.
TEST_F(MysqlEndToEnd, AStepThatFailsAfterItsSnapshotLeavesNoCopyBehind) {
  Write("plan.yaml", ReadFileOrDie(dir_ / "plan.yaml")
                         .replace(ReadFileOrDie(dir_ / "plan.yaml").find("snapshot: off"),
                                  std::string("snapshot: off").size(), "snapshot: on-destroy"));
  Write("releases/1.1.0.yaml",
        "version: 1.1.0\nimage: mini:1.1.0\nmigrations:\n"
        "  - {id: 0005_bo, up: ../sql/0005.up.sql, down: ../sql/0005.down.sql}\n");
  Write("sql/0005.up.sql", "INSERT INTO customers (id, email) VALUES (2, 'bo@example.com');\n");
  Write("sql/0005.down.sql",
        "DELETE FROM customers WHERE id = 2;\n"
        "INSERT INTO customers (id, email) VALUES (3, 'cy@example.com');\n");
  ASSERT_EQ(Run({"deploy", "--yes"}).exit_code, 0);
  {  // The application took the key the down inserts.
    auto db = Open(url_);
    ASSERT_NE(db, nullptr);
    auto txn = db->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Exec("INSERT INTO customers (id, email) VALUES (3, 'x@example.com')").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto copies = [&] {
    return Scalar(url_,
                  "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                  "AND TABLE_NAME LIKE 'orchestrate\\_snap\\_%'");
  };
  auto failed = Run({"rollback", "--to", "1.0.0", "--reason", "r", "--yes"});
  EXPECT_EQ(failed.exit_code, 2) << failed.out << failed.err;
  EXPECT_TRUE(Contains(failed.err, "Duplicate entry")) << failed.err;
  EXPECT_EQ(copies(), "0");
  EXPECT_EQ(Scalar(url_, "SELECT COUNT(*) FROM orchestrate_snapshot_index"), "0");
  EXPECT_EQ(Scalar(url_, "SELECT COUNT(*) FROM customers"), "3");

  {  // The cause fixed (a released down must not change): the application's row goes.
    auto db = Open(url_);
    ASSERT_NE(db, nullptr);
    auto txn = db->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Exec("DELETE FROM customers WHERE id = 3").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto rolled = Run({"rollback", "--to", "1.0.0", "--reason", "r", "--yes"});
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_EQ(copies(), "1");
  EXPECT_EQ(Scalar(url_, "SELECT COUNT(*) FROM orchestrate_snapshot_index"), "1");
  EXPECT_EQ(Scalar(url_, "SELECT GROUP_CONCAT(id ORDER BY id) FROM customers"), "1,3");
}

// The review script on MariaDB: recorded on a copy of the database that is dropped afterwards and
// never named in the script; run by hand with the mariadb client it does what the deploy does,
// a trigger's BEGIN ... END body and a backslash in a string included; a rollback runs only as
// approved.
TEST_F(MysqlEndToEnd, TheReviewScriptRunsByHandAndBindsTheRun) {
  Write("releases/1.2.0.yaml",
        "version: 1.2.0\nimage: mini:1.2.0\nmigrations:\n"
        "  - {id: 0004_trigger, up: ../sql/0004.up.sql, down: ../sql/0004.down.sql}\n");
  Write("sql/0004.up.sql",
        "CREATE TRIGGER customers_tidy BEFORE INSERT ON customers FOR EACH ROW BEGIN\n"
        "  SET NEW.email = LOWER(NEW.email);\n  SET NEW.email = TRIM(NEW.email);\nEND;\n"
        "INSERT INTO customers (id, email) VALUES (2, '  Back\\\\Slash@Example.com');\n");
  Write("sql/0004.down.sql", "DELETE FROM customers WHERE id = 2;\nDROP TRIGGER customers_tidy;\n");
  ASSERT_EQ(Run({"deploy", "--to", "1.1.0", "--yes", "-q"}).exit_code, 0);
  // Other tests render scripts on the same server meanwhile: each checks its own copy.
  auto exists = [&](const std::string& copy) {
    return Scalar(url_, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '" +
                            copy + "'");
  };
  auto sql = Run({"sql", "-o", dir_ / "deploy.sql"});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  const std::string copy = DatabaseNamedIn(sql.err, "orchestrate_review_");
  ASSERT_FALSE(copy.empty()) << sql.err;
  EXPECT_EQ(exists(copy), "0");  // the copy is gone
  const std::string script = ReadFileOrDie(dir_ / "deploy.sql");
  EXPECT_FALSE(Contains(script, "orchestrate_review_")) << script;
  EXPECT_TRUE(Contains(script, "DELIMITER //\nCREATE TRIGGER customers_tidy")) << script;
  EXPECT_EQ(Scalar(url_,
                   "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE "
                   "TRIGGER_SCHEMA = DATABASE()"),
            "0");  // rendering changed nothing here

  auto by_hand = RunMariadbScript(url_, dir_ / "deploy.sql");
  ASSERT_EQ(by_hand.exit_code, 0) << by_hand.err;
  EXPECT_EQ(Scalar(url_, "SELECT email FROM customers WHERE id = 2"), "back\\slash@example.com");
  auto status = Run({"status", "--output", "json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_TRUE(Contains(status.out, "\"current_version\": \"1.2.0\"")) << status.out;

  // A rollback runs only as approved: not another one than the script's, then the script's.
  auto rendered = Run({"sql", "--to", "1.1.0", "-o", dir_ / "rollback.sql"});
  ASSERT_EQ(rendered.exit_code, 0) << rendered.err;
  auto refused = Run({"rollback", "--to", "1.0.0", "--yes", "--approved", dir_ / "rollback.sql"});
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_TRUE(Contains(refused.err, "approved")) << refused.err;
  EXPECT_EQ(Scalar(url_, "SELECT COUNT(*) FROM customers WHERE id = 2"), "1");
  auto approved = Run({"rollback", "--to", "1.1.0", "--yes", "--approved", dir_ / "rollback.sql"});
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_EQ(Scalar(url_, "SELECT COUNT(*) FROM customers WHERE id = 2"), "0");
  for (const auto* r : {&rendered, &refused, &approved}) {
    const std::string made = DatabaseNamedIn(r->err, "orchestrate_review_");
    EXPECT_FALSE(made.empty()) << r->err;
    if (!made.empty()) {
      EXPECT_EQ(exists(made), "0") << made;
    }
  }
}

// Rendering copies the database, reading every table: it waits for a lock another session holds
// no longer than policy.lock_timeout (here 1 s), then fails saying so and leaves no copy behind.
TEST_F(MysqlEndToEnd, RenderingWaitsForALockNoLongerThanThePolicySays) {
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  std::string plan = ReadFileOrDie(dir_ / "plan.yaml");
  plan.replace(plan.find("policy: {"), 9, "policy: {lock_timeout: 1s, ");
  Write("plan.yaml", plan);
  const MysqlWhere w = MysqlWhereOf(url_);
  auto holder =
      StartProcess({"/usr/bin/mariadb", "-uroot", "-h" + w.host, "-P" + w.port, w.db, "-e",
                    "LOCK TABLES customers WRITE; SELECT SLEEP(30) AS orchestrate_holder;"});
  const std::string holding =
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%orchestrate_holder%' "
      "AND INFO NOT LIKE '%PROCESSLIST%'";
  for (int i = 0; i < 200 && Scalar(url_, holding) != "1"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(Scalar(url_, holding), "1");
  auto started = std::chrono::steady_clock::now();
  auto r = Run({"sql", "--to", "1.0.0", "-o", dir_ / "rollback.sql"});
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ::kill(holder.pid, SIGKILL);
  Wait(holder);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(Contains(r.err, "Lock wait timeout")) << r.err;
  EXPECT_LT(seconds, 20);
  const std::string copy = DatabaseNamedIn(r.err, "orchestrate_review_");
  ASSERT_FALSE(copy.empty()) << r.err;
  EXPECT_EQ(Scalar(url_, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '" +
                             copy + "'"),
            "0");
}

// What the review script is recorded on (Database::RecordingCopy): a copy with every kind of
// object and the same rows, dropped with the object that holds it.
TEST(MysqlRecordingCopy, CopiesEveryKindOfObjectAndIsDroppedWithIt) {
  ORCH_REQUIRE_MYSQL(url);
  auto db = OpenDatabase(url, ".");
  ASSERT_TRUE(db.ok()) << db.status().message();
  const Status made = (*db)->ExecScriptNoTransaction(
      "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO');\n"
      "CREATE TABLE p (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(20));\n"
      "CREATE TABLE c (id INT PRIMARY KEY, p_id INT, twice INT AS (id * 2) VIRTUAL,\n"
      "  CONSTRAINT c_p FOREIGN KEY (p_id) REFERENCES p (id));\n"
      "INSERT INTO p VALUES (0, 'zero'), (7, 'back\\\\slash');\n"
      "INSERT INTO c (id, p_id) VALUES (1, 0), (2, 7);\n"
      "CREATE VIEW vv AS SELECT c.id, p.note FROM c JOIN p ON p.id = c.p_id;\n"
      "CREATE VIEW a_v AS SELECT note FROM vv;\n"
      "CREATE TRIGGER c_tidy BEFORE INSERT ON c FOR EACH ROW BEGIN\n"
      "  SET NEW.p_id = COALESCE(NEW.p_id, 0);\nEND;\n"
      "CREATE PROCEDURE notes() BEGIN SELECT note FROM p; END;\n"
      "CREATE SEQUENCE tickets START WITH 5;\n");
  ASSERT_TRUE(made.ok()) << made.message();
  auto copy = (*db)->RecordingCopy(10);
  ASSERT_TRUE(copy.ok()) << copy.status().message();
  ASSERT_TRUE(*copy);
  const std::string name = (*copy)->DisplayUrl().substr((*copy)->DisplayUrl().rfind('/') + 1);
  EXPECT_EQ(name.rfind("orchestrate_review_", 0), 0u) << name;
  auto schema = (*db)->DescribeSchema(), copied = (**copy).DescribeSchema();
  ASSERT_TRUE(schema.ok() && copied.ok());
  EXPECT_EQ(*copied, *schema);
  auto scalar = [](Database& on, const std::string& sql) {
    auto txn = on.BeginRead();
    EXPECT_TRUE(txn.ok());
    if (!txn.ok()) return std::string();
    auto r = (*txn)->Query(sql);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() && !r->rows.empty() ? r->rows[0][0].value_or("NULL") : std::string();
  };
  for (const std::string sql :
       {"SELECT GROUP_CONCAT(id, '=', note ORDER BY id) FROM p",
        "SELECT GROUP_CONCAT(id, ':', p_id, ':', twice ORDER BY id) FROM c",
        "SELECT GROUP_CONCAT(note ORDER BY note) FROM a_v",
        "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()",
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
        "TABLE_TYPE = 'SEQUENCE'"})
    EXPECT_EQ(scalar(**copy, sql), scalar(**db, sql)) << sql;
  EXPECT_EQ(scalar(**copy, "SELECT note FROM p WHERE id = 7"), "back\\slash");
  copy->reset();
  EXPECT_EQ(scalar(**db, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '" +
                             name + "'"),
            "0");
}

// The row ledger on MariaDB (migrations/mysql/ledger_dialect.h): a seed's inserts, updates and
// deletes of rows with JSON documents, doubles, times and keys beyond 2^53 are recorded and
// reversed to the same data; the capture's triggers are gone once the seed has committed.
class MysqlLedger : public MysqlEndToEnd {
 protected:
  void SetUp() override {
    MysqlEndToEnd::SetUp();
    if (url_.empty()) return;
    Write("releases/1.0.0.yaml",
          "version: 1.0.0\nimage: mini:1.0.0\nmigrations:\n"
          "  - {id: 0001_profiles, up: ../sql/profiles.up.sql, down: ../sql/profiles.down.sql}\n");
    Write("sql/profiles.up.sql",
          "CREATE TABLE profiles (id BIGINT PRIMARY KEY, doc JSON, ratio DOUBLE, seen "
          "DATETIME(3), note TEXT, amount DECIMAL(10, 2));\n"
          "CREATE TABLE audit (id INTEGER PRIMARY KEY, what VARCHAR(50));\n"
          "CREATE TABLE files (id INTEGER PRIMARY KEY, data BLOB);\n"
          "INSERT INTO profiles VALUES (9007199254740992, '{\"a\": [1, 2]}', 0.1, "
          "'2024-01-02 03:04:05.678', 'it''s', 1.50), (1, NULL, NULL, NULL, NULL, NULL);\n"
          "INSERT INTO audit VALUES (1, 'created');\n");
    Write("sql/profiles.down.sql", "DROP TABLE files;\nDROP TABLE audit;\nDROP TABLE profiles;\n");
    Write("releases/1.1.0.yaml",
          "version: 1.1.0\nimage: mini:1.1.0\nseeds:\n"
          "  - {id: profiles, tables: [profiles], sql: ../seeds/profiles.sql}\n");
    Write("seeds/profiles.sql",
          "INSERT INTO profiles VALUES (9007199254740993, '{\"b\": {\"c\": null}}', "
          "1.0 / 3, '2025-05-05 05:05:05.005', 'line\\nbreak \"quoted\"', -0.50);\n"
          "UPDATE profiles SET doc = '[true, false]', ratio = 2.5e300, note = NULL WHERE id = "
          "9007199254740992;\n"
          "UPDATE profiles SET note = 'set' WHERE id = 1;\n"
          "DELETE FROM profiles WHERE id = 1;\n");
  }

  long Triggers() {
    return std::stol(Scalar(url_,
                            "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE "
                            "TRIGGER_SCHEMA = DATABASE()"));
  }
  std::string Fingerprint() {
    auto r = Run({"status", "--output", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out).value("data_fingerprint", "")
                            : std::string();
  }
};

TEST_F(MysqlLedger, ASeedRoundTripsToTheSameDataAndLeavesNoTriggers) {
  ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes"}).exit_code, 0);
  const std::string at100 = Fingerprint();
  const auto schema = Schema(url_);
  auto deployed = Run({"deploy", "--yes"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
  EXPECT_EQ(Triggers(), 0);
  EXPECT_EQ(Scalar(url_, "SELECT COUNT(*) FROM profiles"), "2");
  EXPECT_EQ(Scalar(url_, "SELECT COUNT(*) FROM orchestrate_ledger"),
            "3");  // insert, update, delete
  EXPECT_NE(Fingerprint(), at100);
  auto rolled = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_EQ(Fingerprint(), at100);
  EXPECT_EQ(Scalar(url_, "SELECT doc FROM profiles WHERE id = 9007199254740992"),
            "{\"a\": [1, 2]}");
  EXPECT_EQ(Scalar(url_,
                   "SELECT CONCAT(ratio, ' ', seen, ' ', note, ' ', amount) FROM profiles "
                   "WHERE id = 9007199254740992"),
            "0.1 2024-01-02 03:04:05.678 it's 1.50");
  EXPECT_EQ(Scalar(url_, "SELECT COUNT(*) FROM profiles WHERE id = 9007199254740993"), "0");
  EXPECT_EQ(Scalar(url_, "SELECT COUNT(*) FROM orchestrate_ledger"), "0");
  EXPECT_EQ(Schema(url_), schema);
  EXPECT_EQ(Triggers(), 0);
}

// A kill after the seed ran but before it committed leaves the triggers (their DDL committed by
// itself): unarmed, they let the application write and record nothing; the schema description
// leaves them out; the resumed deploy records the seed once and drops them.
TEST_F(MysqlLedger, TriggersAKilledSeedLeftBehindDoNothingAndTheResumeDropsThem) {
  ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes"}).exit_code, 0);
  const std::string at100 = Fingerprint();
  const auto schema = Schema(url_);
  std::vector<std::string> argv = {FailpointsBin(), "deploy",     dir_ / "plan.yaml",
                                   "--yes",         "--database", url_};
  ProcessOptions o;
  o.env = {{"ORCHESTRATE_FAILPOINT", "before-commit:1"}};
  auto killed = RunProcess(argv, o);
  ASSERT_EQ(killed.signal, SIGKILL) << killed.err;
  EXPECT_GT(Triggers(), 0);
  EXPECT_EQ(Schema(url_), schema);
  EXPECT_EQ(Fingerprint(), at100);  // the seed's transaction was rolled back
  {
    auto db = Open(url_);
    ASSERT_NE(db, nullptr);
    auto txn = db->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)
                    ->ExecScript("UPDATE profiles SET note = 'app' WHERE id = 1;\n"
                                 "INSERT INTO audit VALUES (2, 'by the app');\n")
                    .ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_EQ(Scalar(url_, "SELECT COUNT(*) FROM orchestrate_ledger_stage"), "0");
  const std::string with_app_rows = Fingerprint();
  auto resumed = Run({"deploy", "--yes"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_EQ(Triggers(), 0);
  EXPECT_EQ(Scalar(url_, "SELECT COUNT(*) FROM orchestrate_ledger"), "3");
  auto rolled = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_EQ(Fingerprint(), with_app_rows);
}

// Values JSON cannot carry exactly are refused before the seed runs, naming the column; a write
// to a table the seed does not declare fails it with nothing applied.
TEST_F(MysqlLedger, BinaryColumnsAndUndeclaredTablesAreRefused) {
  ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes"}).exit_code, 0);
  const std::string at100 = Fingerprint();
  Write("releases/1.1.0.yaml",
        "version: 1.1.0\nimage: mini:1.1.0\nseeds:\n"
        "  - {id: files, tables: [files], sql: ../seeds/files.sql}\n");
  Write("seeds/files.sql", "INSERT INTO files VALUES (1, 'x');\n");
  auto refused = Run({"deploy", "--yes"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_TRUE(Contains(refused.err, "column 'data' of type blob")) << refused.err;
  EXPECT_TRUE(Contains(refused.err, "undo:")) << refused.err;
  EXPECT_EQ(Fingerprint(), at100);
  EXPECT_EQ(Triggers(), 0);

  Write("releases/1.1.0.yaml",
        "version: 1.1.0\nimage: mini:1.1.0\nseeds:\n"
        "  - {id: profiles, tables: [profiles], sql: ../seeds/profiles.sql}\n");
  Write("seeds/profiles.sql",
        "INSERT INTO profiles (id) VALUES (5);\nINSERT INTO audit VALUES (3, 'sneaky');\n");
  // The failed run above is resumed with the new seed (its steps did not run).
  auto undeclared = Run({"deploy", "--yes"});
  EXPECT_EQ(undeclared.exit_code, 2) << undeclared.err;
  EXPECT_TRUE(Contains(undeclared.err, "wrote to table audit")) << undeclared.err;
  EXPECT_TRUE(Contains(undeclared.err, "does not declare")) << undeclared.err;
  EXPECT_EQ(Fingerprint(), at100);
  EXPECT_EQ(Triggers(), 0);
}

// A migration names the SQL it runs on MySQL/MariaDB where the dialects differ (a TEXT column
// cannot be a key there): the same plan deploys on MariaDB with that file and on SQLite with the
// default one, and rolls back on both; the journal stores what ran.
TEST_F(MysqlEndToEnd, PerDialectSqlRunsTheMysqlFilesOnMariadbAndTheDefaultsElsewhere) {
  Write("releases/1.1.0.yaml",
        "version: 1.1.0\nimage: mini:1.1.0\nmigrations:\n"
        "  - {id: 0002_points, up: ../sql/0002.up.sql, down: ../sql/0002.down.sql}\n"
        "  - id: 0004_tags\n"
        "    up: ../sql/0004.up.sql\n"
        "    down: ../sql/0004.down.sql\n"
        "    mysql: {up: ../sql/mysql/0004.up.sql}\n");
  Write("sql/0004.up.sql",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
        "CREATE UNIQUE INDEX tags_name ON tags (name);\n");
  Write("sql/mysql/0004.up.sql",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL);\n"
        "CREATE UNIQUE INDEX tags_name ON tags (name);\n");
  Write("sql/0004.down.sql", "DROP TABLE tags;\n");
  const std::string name_type =
      "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
      "TABLE_NAME = 'tags' AND COLUMN_NAME = 'name'";

  auto validated = Run({"validate"});
  EXPECT_EQ(validated.exit_code, 0) << validated.out << validated.err;
  auto deployed = Run({"deploy", "--yes"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
  EXPECT_EQ(Scalar(url_, name_type), "varchar");
  EXPECT_TRUE(
      Contains(Scalar(url_, "SELECT up_sql FROM orchestrate_migrations WHERE id = '0004_tags'"),
               "VARCHAR(100)"));
  auto rolled = Run({"rollback", "--to", "1.0.0", "--reason", "r", "--yes"});
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  EXPECT_EQ(Scalar(url_,
                   "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                   "DATABASE() AND TABLE_NAME = 'tags'"),
            "0");

  // The same plan on SQLite runs the default file.
  const std::string lite = "sqlite:" + (dir_ / "lite.db");
  auto on_sqlite = Run({"deploy", "--yes"}, lite);
  ASSERT_EQ(on_sqlite.exit_code, 0) << on_sqlite.out << on_sqlite.err;
  EXPECT_TRUE(
      Contains(Scalar(lite, "SELECT up_sql FROM orchestrate_migrations WHERE id = '0004_tags'"),
               "name TEXT NOT NULL"));
  auto back = Run({"rollback", "--to", "1.0.0", "--reason", "r", "--yes"}, lite);
  EXPECT_EQ(back.exit_code, 0) << back.out << back.err;
}

// A fleet whose databases come only from targets_command: its kind is not known before the
// command runs, so per-dialect SQL needs the plan's `dialect:`; without it the targets of a kind
// with files of its own fail saying so (the others run the default SQL), with it they run that
// dialect's files.
TEST_F(MysqlEndToEnd, AFleetFromATargetsCommandTakesItsKindFromTheDialectKey) {
  Write("releases/1.1.0.yaml",
        "version: 1.1.0\nimage: mini:1.1.0\nmigrations:\n"
        "  - {id: 0002_points, up: ../sql/0002.up.sql, down: ../sql/0002.down.sql,\n"
        "     mysql: {up: ../sql/mysql/0002.up.sql}}\n");
  Write("sql/mysql/0002.up.sql",
        "ALTER TABLE customers ADD COLUMN points INTEGER NOT NULL DEFAULT 7;\n");
  auto plan = [&](const std::string& dialect) {
    Write("plan.yaml", "app: mini\n" + dialect + "releases: releases/\nenvironments:\n  fleet:\n" +
                           "    targets_command: [/bin/echo, \"" + url_ +
                           "\"]\n    deployer: {kind: file, path: \"" + (dir_ / "fleet.image") +
                           "\"}\npolicy: {snapshot: off}\n");
  };
  plan("");
  auto unknown =
      RunProcess({OrchestrateBin(), "deploy", dir_ / "plan.yaml", "--env", "fleet", "--yes"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.out << unknown.err;
  EXPECT_TRUE(Contains(unknown.out + unknown.err,
                       "this fleet's kind of database is not known before its targets_command "
                       "runs, so it runs the default SQL: list a target under `targets:` or set "
                       "`dialect: mysql`"))
      << unknown.out << unknown.err;
  EXPECT_TRUE(Schema(url_).empty());

  plan("dialect: mysql\n");
  auto known =
      RunProcess({OrchestrateBin(), "deploy", dir_ / "plan.yaml", "--env", "fleet", "--yes"});
  EXPECT_EQ(known.exit_code, 0) << known.out << known.err;
  EXPECT_EQ(Scalar(url_, "SELECT points FROM customers WHERE id = 1"), "7");
}

// `validate` analyses each dialect's own files in that dialect (a PostgreSQL file that does not
// parse fails naming it), and a plan whose `dialect:` is postgresql accepts a MariaDB database
// once its migrations name MySQL SQL.
TEST_F(MysqlEndToEnd, ValidateAnalysesEachDialectsFilesAndAcceptsTheKindsTheyName) {
  Write("plan.yaml",
        "app: mini\ndialect: postgresql\nreleases: releases/\nenvironments:\n  local:\n    "
        "database: sqlite:unused.db\n    deployer: {kind: file, path: mini.image}\n");
  auto refused = Run({"validate"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_TRUE(Contains(refused.err,
                       "--database is a mysql database, but the plan's SQL is "
                       "postgresql"))
      << refused.err;

  Write("releases/1.1.0.yaml",
        "version: 1.1.0\nimage: mini:1.1.0\nmigrations:\n"
        "  - {id: 0002_points, up: ../sql/0002.up.sql, down: ../sql/0002.down.sql,\n"
        "     mysql: {up: ../sql/0002.up.sql}}\n");
  auto accepted = Run({"validate"});
  EXPECT_EQ(accepted.exit_code, 0) << accepted.out << accepted.err;

  Write("releases/1.1.0.yaml",
        "version: 1.1.0\nimage: mini:1.1.0\nmigrations:\n"
        "  - {id: 0002_points, up: ../sql/0002.up.sql, down: ../sql/0002.down.sql,\n"
        "     mysql: {up: ../sql/0002.up.sql}, postgresql: {up: ../sql/pg/0002.up.sql}}\n");
  Write("sql/pg/0002.up.sql", "ALTER TABLE customers ADD COLUMN points INTEGER NOT NULL (;\n");
  auto bad = Run({"validate"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_TRUE(Contains(bad.err,
                       "sql/pg/0002.up.sql:1:58: migration 0002_points (up): syntax error at or "
                       "near \"(\" (postgresql)"))
      << bad.err;
}

// A fleet runs one kind of SQL: its first target decides which, and a target of another kind
// fails naming both, while the others run.
TEST_F(MysqlEndToEnd, AFleetWithPerDialectSqlFailsATargetOfAnotherKind) {
  Write("releases/1.1.0.yaml",
        "version: 1.1.0\nimage: mini:1.1.0\nmigrations:\n"
        "  - {id: 0002_points, up: ../sql/0002.up.sql, down: ../sql/0002.down.sql,\n"
        "     mysql: {down: ../sql/0002.down.sql}}\n");
  Write("plan.yaml",
        "app: mini\nreleases: releases/\nenvironments:\n  mixed:\n    targets: [\"sqlite:" +
            (dir_ / "lite.db") + "\", \"" + url_ + "\"]\n    deployer: {kind: file, path: \"" +
            (dir_ / "mixed.image") + "\"}\npolicy: {snapshot: off}\n");
  auto fleet =
      RunProcess({OrchestrateBin(), "deploy", dir_ / "plan.yaml", "--env", "mixed", "--yes"});
  EXPECT_EQ(fleet.exit_code, 2) << fleet.out << fleet.err;
  EXPECT_TRUE(Contains(fleet.out + fleet.err,
                       "this target is a mysql database, but the fleet's SQL was chosen for "
                       "sqlite"))
      << fleet.out << fleet.err;
  EXPECT_TRUE(Schema(url_).empty());  // nothing ran there
  EXPECT_EQ(Scalar("sqlite:" + (dir_ / "lite.db"), "SELECT points FROM customers WHERE id = 1"),
            "10");
}

// `rehearse` on MariaDB: a scratch database on the server, deploy, roll back, compare, deploy
// again; the target database is not touched and the scratch database is dropped after. Then
// --each, which rebuilds by deploying again.
TEST_F(MysqlEndToEnd, RehearseRoundTripsOnAScratchDatabaseAndFindsADownThatLeavesAColumn) {
  // The scratch databases a rehearsal names on stderr are gone after it (each run checks its own:
  // other tests rehearse on the same server meanwhile).
  auto dropped = [&](const ProcessResult& r) {
    const std::string name = DatabaseNamedIn(r.err, "orchestrate_rehearse_");
    ASSERT_FALSE(name.empty()) << r.err;
    EXPECT_EQ(Scalar(url_,
                     "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME "
                     "LIKE '" +
                         name + "%'"),
              "0")
        << name;
  };

  auto clean = Run({"rehearse", "--from", "1.0.0", "--to", "1.1.0"});
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_TRUE(Contains(clean.out, "mysql")) << clean.out;
  EXPECT_TRUE(Schema(url_).empty());  // the target database is untouched
  dropped(clean);

  Write("sql/0002.down.sql", "UPDATE customers SET points = 0;\n");  // leaves the column
  auto drift = Run({"rehearse", "--from", "1.0.0", "--to", "1.1.0"});
  EXPECT_EQ(drift.exit_code, 2) << drift.out << drift.err;
  EXPECT_TRUE(Contains(drift.out, "customers.points")) << drift.out;
  dropped(drift);

  // --each: MariaDB cannot copy a database, so after the drifting down the scratch database is
  // rebuilt by emptying it, deploying the start again and replaying the ups, and the next
  // migration is judged on the right state.
  auto each = Run({"rehearse", "--from", "1.0.0", "--to", "1.1.0", "--each", "--output", "json"});
  EXPECT_EQ(each.exit_code, 2) << each.out << each.err;
  auto report = nlohmann::json::parse(each.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << each.out;
  ASSERT_EQ(report["migrations"].size(), 2u) << each.out;
  EXPECT_EQ(report["migrations"][0]["id"], "0002_points");
  EXPECT_EQ(report["migrations"][0]["verdict"], "drift") << each.out;
  EXPECT_EQ(report["migrations"][1]["id"], "0003_orders");
  EXPECT_EQ(report["migrations"][1]["verdict"], "clean") << each.out;
  EXPECT_EQ(report["rebuilds"], 1) << each.out;
  EXPECT_EQ(report["dialect"], "mysql") << each.out;
  dropped(each);
}

// A procedure that returns several result sets (CALL) leaves the connection usable: the next
// statement of the script and the next transaction run.
TEST(MysqlAdapter, ACallReturningSeveralResultsLeavesTheConnectionUsable) {
  ORCH_REQUIRE_MYSQL(url);
  auto db = OpenDatabase(url, ".");
  ASSERT_TRUE(db.ok()) << db.status().message();
  {
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok());
    Status ran = (*txn)->ExecScript(
        "CREATE TABLE t (id INT);\n"
        "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; INSERT INTO t VALUES (3); END;\n"
        "CALL p();\nINSERT INTO t VALUES (4);\n");
    ASSERT_TRUE(ran.ok()) << ran.message();
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto txn = (*db)->Begin();
  ASSERT_TRUE(txn.ok());
  auto rows = (*txn)->Query("SELECT SUM(id) FROM t");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->rows, (std::vector<Row>{{"7"}}));
}

// The state schema on MariaDB: every table of the newest version, InnoDB and utf8mb4 (their key
// columns keyable), created once however many processes race to create it.
TEST(MysqlStateSchema, ProcessesRacingGetEveryTableOnceInnoDbAndUtf8mb4) {
  ORCH_REQUIRE_MYSQL(url);
  constexpr int kProcesses = 6;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kProcesses; ++i) {
    threads.emplace_back([&] {
      auto db = OpenDatabase(url, ".");
      if (!db.ok() || !EnsureStateSchema(**db).ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto db = OpenDatabase(url, ".");
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto version = StateSchemaVersion(**db);
  ASSERT_TRUE(version.ok()) << version.status().message();
  EXPECT_EQ(*version, kStateSchemaVersion);
  auto txn = (*db)->Begin();
  ASSERT_TRUE(txn.ok());
  auto tables = (*txn)->Query(
      "SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE "
      "TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME");
  ASSERT_TRUE(tables.ok()) << tables.status().message();
  std::vector<std::string> names;
  for (const Row& r : tables->rows) {
    names.push_back(r[0].value_or(""));
    EXPECT_EQ(r[1].value_or(""), "InnoDB") << names.back();
    EXPECT_EQ(r[2].value_or(""), "utf8mb4_bin") << names.back();
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{
                "orchestrate_ledger", "orchestrate_ledger_restores", "orchestrate_lock",
                "orchestrate_meta", "orchestrate_migrations", "orchestrate_releases",
                "orchestrate_release_schemas", "orchestrate_runs", "orchestrate_schema_checks",
                "orchestrate_seeds", "orchestrate_snapshot_counter", "orchestrate_snapshot_index",
                "orchestrate_steps", "orchestrate_step_statements", "orchestrate_swap_parts"}));
  auto meta = (*txn)->Query("SELECT COUNT(*) FROM orchestrate_meta");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->rows, (std::vector<Row>{{"1"}}));
  // A key longer than any version string still fits (VARCHAR(255), utf8mb4).
  EXPECT_TRUE((*txn)
                  ->Exec("INSERT INTO orchestrate_meta (key, value) VALUES ($1, 'x')",
                         {std::string(200, 'k')})
                  .ok());
}

}  // namespace
}  // namespace orchestrate::testing
