// Statement-level checkpoints on a real MariaDB (orchestrator/statement_steps.h), on the real
// binary: a migration whose DDL commits by itself is killed (SIGKILL, the orchestrate-failpoints
// binary) at each failpoint around its statements, and the same command resumes it to the end
// state of an uninterrupted run with no statement run twice (each DDL below fails when run twice,
// each DML writes a row that would show twice); a statement interrupted in flight is decided from
// information_schema, form by form; one that cannot be decided stops with the exact statement
// and `force` commands that work pasted as printed; validate and check warn that such a migration
// is not atomic, with file:line.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "tests/support/mysql.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The first `orchestrate ...` command quoted in backticks in `text` whose text contains `with`.
std::string QuotedCommand(const std::string& text, const std::string& with) {
  for (size_t at = text.find("`orchestrate "); at != std::string::npos;
       at = text.find("`orchestrate ", at + 1)) {
    const size_t end = text.find('`', at + 1);
    if (end == std::string::npos) return "";
    const std::string command = text.substr(at + 1, end - at - 1);
    if (Contains(command, with)) return command;
  }
  return "";
}

const char kBase[] =
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL);\n"
    "CREATE TABLE events (what VARCHAR(40) NOT NULL);\n"
    "INSERT INTO customers VALUES (1, 'ann@example.com');\n";

class MysqlStatements : public ::testing::Test {
 protected:
  void SetUp() override {
    ORCH_REQUIRE_MYSQL(url);
    url_ = url;
    Write("plan.yaml",
          "app: mini\nreleases: releases/\nenvironments:\n  local:\n    database: "
          "sqlite:unused.db\n    deployer: {kind: file, path: \"" +
              (dir_ / "mini.image") + "\"}\npolicy: {snapshot: off}\n");
    Write("releases/1.0.0.yaml",
          "version: 1.0.0\nimage: mini:1.0.0\nmigrations:\n"
          "  - {id: 0001_base, up: ../sql/0001.up.sql, down: ../sql/0001.down.sql}\n");
    Write("releases/1.1.0.yaml",
          "version: 1.1.0\nimage: mini:1.1.0\nmigrations:\n"
          "  - {id: 0002_points, up: ../sql/0002.up.sql, down: ../sql/0002.down.sql}\n");
    Write("sql/0001.down.sql", "DROP TABLE events;\nDROP TABLE customers;\n");
    Base("");
    Write("bin/orchestrate", "#!/bin/sh\nexec '" + OrchestrateBin() + "' \"$@\"\n");
    chmod((dir_ / "bin/orchestrate").c_str(), 0755);
  }

  void Write(const std::string& path, const std::string& text) {
    WriteFileOrDie(dir_ / path, text);
  }
  void Base(const std::string& extra) { Write("sql/0001.up.sql", kBase + extra); }

  // `orchestrate ARGS[0] plan.yaml ARGS[1..] --database URL`, with `failpoint` set when given
  // (then the failpoint build runs).
  ProcessResult Run(const std::vector<std::string>& args, const std::string& failpoint = "",
                    const std::string& url = "") {
    std::vector<std::string> argv = {failpoint.empty() ? OrchestrateBin() : FailpointsBin(),
                                     args[0], dir_ / "plan.yaml"};
    argv.insert(argv.end(), args.begin() + 1, args.end());
    argv.insert(argv.end(), {"--database", url.empty() ? url_ : url});
    ProcessOptions o;
    if (!failpoint.empty()) o.env["ORCHESTRATE_FAILPOINT"] = failpoint;
    return RunProcess(argv, o);
  }
  // A command printed for a human, pasted into a shell as printed (`orchestrate` on the PATH).
  ProcessResult Paste(const std::string& command) {
    ProcessOptions o;
    o.env["PATH"] = (dir_ / "bin") + ":/usr/bin:/bin";
    return RunProcess({"/bin/sh", "-c", "cd '" + dir_.path() + "' && " + command}, o);
  }

  std::unique_ptr<Database> Open(const std::string& url) {
    auto db = OpenDatabase(url, ".");
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db).value() : nullptr;
  }
  // The user schema, then the rows of events and customers.
  std::vector<std::string> EndState(const std::string& url) {
    auto db = Open(url);
    if (!db) return {};
    auto lines = db->DescribeSchema();
    EXPECT_TRUE(lines.ok()) << lines.status().message();
    std::vector<std::string> out = lines.ok() ? *lines : std::vector<std::string>();
    auto txn = db->Begin();
    if (!txn.ok()) return out;
    for (const char* sql :
         {"SELECT what FROM events ORDER BY what", "SELECT * FROM customers ORDER BY id"}) {
      auto rows = (*txn)->Query(sql);
      if (!rows.ok()) continue;  // a table the state does not have: the schema says so
      for (const Row& r : rows->rows) {
        std::string line = "row:";
        for (const Value& v : r) line += " " + v.value_or("NULL");
        out.push_back(line);
      }
    }
    return out;
  }
  void Sql(const std::string& url, const std::string& script) {
    auto db = Open(url);
    ASSERT_NE(db, nullptr);
    auto txn = db->Begin();
    ASSERT_TRUE(txn.ok());
    Status st = (*txn)->ExecScript(script);
    ASSERT_TRUE(st.ok()) << st.message();
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  std::string Fresh() {
    std::string error;
    std::string url = FreshMysqlDatabase(&error);
    EXPECT_FALSE(url.empty()) << error;
    return url;
  }
  // The end state of an uninterrupted deploy (to `to`) on a fresh database.
  std::vector<std::string> Reference(const std::vector<std::string>& deploy) {
    const std::string url = Fresh();
    auto r = Run(deploy, "", url);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return EndState(url);
  }

  TempDir dir_;
  std::string url_;
};

// Statements 1, 3 and 6 are DDL (each fails when run twice), 2 and 4-5 DML (each writes a row
// or adds points: a second run shows). The step of 0002_points in a deploy from 1.0.0 to 1.1.0 is
// step 1; in a rollback from 1.1.0 to 1.0.0, step 2 (after the image swap of the code-first
// release).
const char kUp2[] =
    "CREATE TABLE loyalty (n INTEGER NOT NULL);\n"
    "INSERT INTO events VALUES ('up 2');\n"
    "ALTER TABLE customers ADD COLUMN points INTEGER NOT NULL DEFAULT 0;\n"
    "INSERT INTO events VALUES ('up 4');\n"
    "UPDATE customers SET points = points + 10;\n"
    "CREATE INDEX customers_points ON customers (points);\n";
const char kDown2[] =
    "DROP INDEX customers_points ON customers;\n"
    "INSERT INTO events VALUES ('down 2');\n"
    "ALTER TABLE customers DROP COLUMN points;\n"
    "DROP TABLE loyalty;\n"
    "INSERT INTO events VALUES ('down 5');\n";

TEST_F(MysqlStatements, AKillAtEveryStatementFailpointResumesToTheSameEndStateRunningNothingTwice) {
  Write("sql/0002.up.sql", kUp2);
  Write("sql/0002.down.sql", kDown2);
  const std::vector<std::string> deploy = {"deploy", "--to", "1.1.0", "--yes", "-q"};
  const std::vector<std::string> rollback = {"rollback", "--to",  "1.0.0", "--reason",
                                             "r",        "--yes", "-q"};
  const std::vector<std::string> deployed = Reference(deploy);
  ASSERT_FALSE(deployed.empty());
  EXPECT_TRUE(Contains(::testing::PrintToString(deployed), "row: 1 ann@example.com 10"));

  struct Case {
    std::vector<std::string> command;
    std::string step;
    std::vector<std::string> points;
  };
  const std::vector<Case> cases = {
      {deploy,
       "1",
       {"before-ddl-started:1:1", "before-ddl:1:1", "after-ddl:1:1", "after-ddl-done:1:1",
        "before-statements-commit:1:2", "before-ddl-started:1:3", "before-ddl:1:3", "after-ddl:1:3",
        "after-ddl-done:1:3", "before-statements-commit:1:5", "before-ddl-started:1:6",
        "before-ddl:1:6", "after-ddl:1:6", "before-commit:1", "after-ddl-done:1:6",
        "after-step:1"}},
      {rollback,
       "2",
       {"before-ddl-started:2:1", "before-ddl:2:1", "after-ddl:2:1", "after-ddl-done:2:1",
        "before-statements-commit:2:2", "after-ddl:2:3", "before-ddl:2:4", "after-ddl:2:4",
        "after-ddl-done:2:4", "before-commit:2"}},
  };
  // The rollback's reference: deployed to 1.1.0, rolled back without a kill.
  std::vector<std::string> rolled_back;
  {
    const std::string url = Fresh();
    ASSERT_EQ(Run(deploy, "", url).exit_code, 0);
    auto r = Run(rollback, "", url);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    rolled_back = EndState(url);
    EXPECT_TRUE(Contains(::testing::PrintToString(rolled_back), "row: down 2"));
  }
  int covered = 0;
  for (const Case& c : cases) {
    const bool is_rollback = c.command[0] == "rollback";
    for (const std::string& point : c.points) {
      SCOPED_TRACE(c.command[0] + " killed at " + point);
      const std::string url = Fresh();
      ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes", "-q"}, "", url).exit_code, 0);
      if (is_rollback) {
        ASSERT_EQ(Run(deploy, "", url).exit_code, 0);
      }
      auto killed = Run(c.command, point, url);
      ASSERT_EQ(killed.signal, SIGKILL) << point << " was not reached\n" << killed.err;
      auto resumed = Run(c.command, "", url);
      ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
      EXPECT_EQ(EndState(url), is_rollback ? rolled_back : deployed);
      ++covered;
    }
  }
  std::cout << "statement failpoints covered: " << covered << "\n";
}

// A statement that fails after DDL committed: the step is partly applied and says where; fixing
// the cause and running the same command resumes at the failed statement (the CREATE TABLE before
// it would fail if it ran again).
TEST_F(MysqlStatements, AFailureAfterACommittedDdlResumesAtTheFailedStatementOnceFixed) {
  Write("sql/0002.up.sql",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n"
        "INSERT INTO no_such_table VALUES (1);\n"
        "INSERT INTO events VALUES ('after');\n");
  Write("sql/0002.down.sql", "DROP TABLE orders;\n");
  ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes", "-q"}).exit_code, 0);
  auto failed = Run({"deploy", "--yes"});
  EXPECT_EQ(failed.exit_code, 3) << failed.out << failed.err;
  EXPECT_TRUE(Contains(failed.err, "migration 0002_points, statement 2 of 3 (line 2)"))
      << failed.err;
  EXPECT_TRUE(Contains(failed.err, "no_such_table")) << failed.err;
  EXPECT_TRUE(Contains(failed.err, "the statements before statement 2 of 3 are committed"))
      << failed.err;
  Sql(url_, "CREATE TABLE no_such_table (id INTEGER);\n");
  auto resumed = Run({"deploy", "--yes"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_TRUE(Contains(resumed.err, "resuming at statement 2 of 3")) << resumed.err;
  const std::string state = ::testing::PrintToString(EndState(url_));
  EXPECT_TRUE(Contains(state, "row: after")) << state;
  EXPECT_TRUE(Contains(state, "orders")) << state;
}

// One DDL statement per form, interrupted in flight: killed after its "started" record and before
// it ran (the catalog shows it did not take effect: it runs again) and after it committed itself
// but before its "done" record (the catalog shows it took effect: not run again, which each of
// these statements would fail at). Either way the same command reaches the state of an
// uninterrupted deploy.
TEST_F(MysqlStatements, AStatementInterruptedInFlightIsDecidedFromTheCatalogFormByForm) {
  struct Form {
    std::string setup;      // added to the base release
    std::string statement;  // the migration of 1.1.0
  };
  const std::vector<Form> forms = {
      {"", "CREATE TABLE t (id INTEGER)"},
      {"CREATE TABLE old_t (id INTEGER);\n", "DROP TABLE old_t"},
      {"CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\n", "DROP TABLE a, b"},
      {"", "ALTER TABLE customers ADD COLUMN c INTEGER"},
      {"", "ALTER TABLE customers ADD (c1 INTEGER, c2 INTEGER)"},
      {"ALTER TABLE customers ADD COLUMN gone INTEGER;\n",
       "ALTER TABLE customers DROP COLUMN gone"},
      {"", "CREATE INDEX ci ON customers (email)"},
      {"", "CREATE UNIQUE INDEX `ux` ON `customers` (`email`)"},
      {"CREATE INDEX ei ON customers (email);\n", "DROP INDEX ei ON customers"},
      {"", "ALTER TABLE customers ADD INDEX ai (email), ADD COLUMN c3 INTEGER, ALGORITHM=INPLACE"},
      {"", "ALTER TABLE customers ADD CONSTRAINT uq UNIQUE (email)"},
      {"", "ALTER TABLE customers ADD CONSTRAINT positive CHECK (id > 0)"},
      {"CREATE INDEX ei ON customers (email);\n", "ALTER TABLE customers DROP INDEX ei"},
      {"", "ALTER TABLE customers ADD KEY k1 (email)"},
      {"CREATE INDEX ei ON customers (email);\n", "ALTER TABLE customers DROP KEY ei"},
      {"ALTER TABLE customers ADD CONSTRAINT chk CHECK (id > 0);\n",
       "ALTER TABLE customers DROP CONSTRAINT chk"},
      {"CREATE TABLE orders (id INTEGER PRIMARY KEY, cid INTEGER);\n",
       "ALTER TABLE orders ADD CONSTRAINT fk_customer FOREIGN KEY (cid) REFERENCES customers (id)"},
      {"CREATE TABLE orders (id INTEGER PRIMARY KEY, cid INTEGER, CONSTRAINT fk0 FOREIGN KEY "
       "(cid) REFERENCES customers (id));\n",
       "ALTER TABLE orders DROP FOREIGN KEY fk0"},
      {"CREATE TABLE k (id INTEGER NOT NULL);\n", "ALTER TABLE k ADD PRIMARY KEY (id)"},
      {"CREATE TABLE k (id INTEGER PRIMARY KEY);\n", "ALTER TABLE k DROP PRIMARY KEY"},
      {"", "ALTER TABLE customers RENAME COLUMN email TO mail"},
      {"CREATE TABLE old_t (id INTEGER);\n", "RENAME TABLE old_t TO new_t"},
      {"CREATE TABLE old_t (id INTEGER);\n", "ALTER TABLE old_t RENAME TO new_t"},
      {"", "CREATE VIEW v AS SELECT id FROM customers"},
      {"CREATE VIEW v0 AS SELECT id FROM customers;\n", "DROP VIEW v0"},
  };
  for (const Form& form : forms) {
    SCOPED_TRACE(form.statement);
    Base(form.setup);
    Write("sql/0002.up.sql", form.statement + ";\n");
    Write("sql/0002.down.sql", "");
    const std::vector<std::string> deploy = {"deploy", "--to", "1.1.0", "--yes"};
    const std::vector<std::string> reference = Reference(deploy);
    for (const char* when : {"before-ddl:1:1", "after-ddl:1:1"}) {
      SCOPED_TRACE(when);
      const std::string url = Fresh();
      ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes", "-q"}, "", url).exit_code, 0);
      auto killed = Run(deploy, when, url);
      ASSERT_EQ(killed.signal, SIGKILL) << killed.err;
      auto resumed = Run(deploy, "", url);
      ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
      EXPECT_TRUE(Contains(resumed.err, std::string(when) == "after-ddl:1:1"
                                            ? "it took effect"
                                            : "it did not take effect"))
          << resumed.err;
      EXPECT_TRUE(Contains(
          resumed.err, std::string(when) == "after-ddl:1:1" ? "is not run again" : "it runs again"))
          << resumed.err;
      EXPECT_EQ(EndState(url), reference);
    }
  }
}

// A statement whose effect the catalog cannot show (MODIFY), and a multi-clause ALTER of which
// the catalog shows only part: the run stops as needing a human with the exact statement and
// the force commands; pasted as printed, they work, and the same command finishes the run.
TEST_F(MysqlStatements, AnUndecidableStatementStopsWithTheStatementAndAForceCommandThatWorks) {
  const std::string modify = "ALTER TABLE customers MODIFY email VARCHAR(300) NOT NULL";
  Write("sql/0002.up.sql", modify + ";\nINSERT INTO events VALUES ('after');\n");
  Write("sql/0002.down.sql", "");
  const std::vector<std::string> deploy = {"deploy", "--to", "1.1.0", "--yes"};
  const std::vector<std::string> reference = Reference(deploy);
  ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes", "-q"}).exit_code, 0);
  ASSERT_EQ(Run(deploy, "after-ddl:1:1").signal, SIGKILL);
  auto stopped = Run(deploy);
  EXPECT_EQ(stopped.exit_code, 3) << stopped.out << stopped.err;
  EXPECT_TRUE(Contains(stopped.err, "The statement:\n" + modify + "\n")) << stopped.err;
  const std::string done = QuotedCommand(stopped.err, "--mark done");
  ASSERT_TRUE(Contains(done, "force " + (dir_ / "plan.yaml") + " --env local --database " + url_ +
                                 " --step 1 --statement 1 --mark done"))
      << stopped.err;
  EXPECT_TRUE(Contains(QuotedCommand(stopped.err, "--mark pending"), "--statement 1"))
      << stopped.err;
  auto forced = Paste(done + " --yes");
  ASSERT_EQ(forced.exit_code, 0) << done << "\n" << forced.err;
  EXPECT_TRUE(Contains(forced.out, "statement 1 of step 1 of run")) << forced.out;
  auto finished = Run(deploy);
  ASSERT_EQ(finished.exit_code, 0) << finished.out << finished.err;
  EXPECT_EQ(EndState(url_), reference);

  // Half of a two-clause ALTER in the catalog (the column was added by hand meanwhile): the
  // clauses disagree. Marked pending, it runs again once the column is gone.
  const std::string url = Fresh();
  const std::string two = "ALTER TABLE customers ADD COLUMN c4 INTEGER, ADD INDEX i4 (email)";
  Write("sql/0002.up.sql", two + ";\n");
  ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes", "-q"}, "", url).exit_code, 0);
  ASSERT_EQ(Run(deploy, "before-ddl:1:1", url).signal, SIGKILL);
  Sql(url, "ALTER TABLE customers ADD COLUMN c4 INTEGER;\n");
  auto half = Run(deploy, "", url);
  EXPECT_EQ(half.exit_code, 3) << half.out << half.err;
  EXPECT_TRUE(Contains(half.err, "the catalog shows part of it")) << half.err;
  EXPECT_TRUE(Contains(half.err, two)) << half.err;
  Sql(url, "ALTER TABLE customers DROP COLUMN c4;\n");
  const std::string pending = QuotedCommand(half.err, "--mark pending");
  auto marked = Paste(pending + " --yes");
  ASSERT_EQ(marked.exit_code, 0) << pending << "\n" << marked.err;
  auto again = Run(deploy, "", url);
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(EndState(url), Reference(deploy));
}

// SIGTERM while a migration runs statement by statement: what committed stays done and the
// message says so (not "rolled back"); the same command resumes at the next statement, to the
// end state of an uninterrupted deploy.
TEST_F(MysqlStatements, AnInterruptBetweenStatementsSaysWhatStaysDoneAndTheSameCommandResumes) {
  Write("sql/0002.up.sql",
        "ALTER TABLE customers ADD COLUMN points INTEGER;\n"
        "DO SLEEP(2);\n"
        "INSERT INTO events VALUES ('after the sleep');\n"
        "CREATE INDEX customers_by_points ON customers (points);\n");
  Write("sql/0002.down.sql",
        "DROP INDEX customers_by_points ON customers;\nDELETE FROM events;\n"
        "ALTER TABLE customers DROP COLUMN points;\n");
  const auto want = Reference({"deploy", "--yes"});
  ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes"}).exit_code, 0);
  ProcessHandle h =
      StartProcess({OrchestrateBin(), "deploy", dir_ / "plan.yaml", "--yes", "--database", url_});
  // Until the sleep runs (the ALTER before it committed by itself).
  auto db = Open(url_);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(WaitUntil([&] {
    auto txn = db->BeginRead();
    if (!txn.ok()) return false;
    auto r = (*txn)->Query(
        "SELECT count(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'DO SLEEP%' AND ID "
        "<> CONNECTION_ID()");
    return r.ok() && !r->rows.empty() && r->rows[0][0].value_or("0") != "0";
  }));
  kill(h.pid, SIGTERM);
  auto r = Wait(h);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("stopped between two of its statements: those it finished stay done "
                       "(each DDL statement commits by itself on mysql"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("was rolled back and"), std::string::npos) << r.err;
  const std::string resume = QuotedCommand(r.err, "deploy");
  ASSERT_FALSE(resume.empty()) << r.err;
  auto again = Run({"deploy", "--yes"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(EndState(url_), want);
}

// A statement of a migration run statement by statement that waits too long for a lock (here an
// ALTER behind another session's open transaction on the table) is retried as policy
// lock_retries says, resuming at that statement; once the other session lets go, the run
// finishes with the end state of an uninterrupted deploy.
TEST_F(MysqlStatements, AStatementThatWaitsTooLongForALockIsRetriedAtThatStatement) {
  Write("sql/0002.up.sql",
        "INSERT INTO events VALUES ('before the alter');\n"
        "ALTER TABLE customers ADD COLUMN points INTEGER;\n"
        "CREATE INDEX customers_by_points ON customers (points);\n");
  Write("sql/0002.down.sql",
        "DROP INDEX customers_by_points ON customers;\nDELETE FROM events;\n"
        "ALTER TABLE customers DROP COLUMN points;\n");
  const auto want = Reference({"deploy", "--yes"});
  std::string plan = ReadFileOrDie(dir_ / "plan.yaml");
  plan.replace(plan.find("policy: {snapshot: off}"), 23,
               "policy: {snapshot: off, lock_timeout: 1s, lock_retries: 20}");
  Write("plan.yaml", plan);
  ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes"}).exit_code, 0);
  // Another session reads customers in an open transaction: the ALTER waits for its lock.
  auto other = Open(url_);
  ASSERT_NE(other, nullptr);
  auto holding = other->Begin();
  ASSERT_TRUE(holding.ok());
  ASSERT_TRUE((*holding)->Query("SELECT * FROM customers").ok());
  ProcessHandle h =
      StartProcess({OrchestrateBin(), "deploy", dir_ / "plan.yaml", "--yes", "--database", url_});
  ASSERT_TRUE(WaitUntil([&] {
    return ReadFileOrDie(h.err_path).find("waited too long for a lock; retry 1/20") !=
           std::string::npos;
  }));
  holding->reset();  // rolled back: the lock goes
  auto r = Wait(h);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(EndState(url_), want);
}

TEST_F(MysqlStatements, ValidateAndCheckWarnThatAMigrationMixingDdlAndDmlIsNotAtomic) {
  Write("sql/0002.up.sql", kUp2);
  Write("sql/0002.down.sql", kDown2);
  auto validated = Run({"validate"});
  EXPECT_EQ(validated.exit_code, 0) << validated.out << validated.err;
  EXPECT_TRUE(Contains(validated.err, "warning: " + (dir_ / "releases/../sql/0002.up.sql") +
                                          ":1: migration 0002_points (up) mixes DDL (line 1) and "
                                          "DML (line 2), which is not atomic on MySQL/MariaDB"))
      << validated.err;
  EXPECT_TRUE(Contains(validated.err, (dir_ / "releases/../sql/0002.down.sql") +
                                          ":1: migration 0002_points (down) mixes DDL (line 1) "
                                          "and DML (line 2)"))
      << validated.err;
  // 0001 mixes them too: its up creates tables and inserts a row.
  EXPECT_TRUE(Contains(validated.err, "0001.up.sql:1: migration 0001_base (up)")) << validated.err;

  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  auto checked = Run({"check", "--to", "1.0.0"});
  EXPECT_EQ(checked.exit_code, 4) << checked.out << checked.err;
  EXPECT_TRUE(Contains(checked.out + checked.err,
                       (dir_ / "releases/../sql/0002.down.sql") +
                           ":1: migration 0002_points mixes DDL (line 1) and DML "
                           "(line 2), which is not atomic on MySQL/MariaDB"))
      << checked.out;
}

}  // namespace
}  // namespace orchestrate::testing
