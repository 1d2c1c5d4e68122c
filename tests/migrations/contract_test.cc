// The contract of the Database seam (migrations/database.h), golang-migrate style: one suite that
// every adapter must pass, run against SQLite (a file in a temporary folder) and PostgreSQL (a
// fresh database on the test server; see tests/support/pg.h). Also the journal and fingerprints
// on top of each adapter, since they are written in SQL that both must accept.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include <array>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "migrations/database.h"
#include "migrations/fingerprint.h"
#include "migrations/journal.h"
#include "plans/planner.h"
#include "plans/sha256.h"
#include "tests/support/mysql.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

// ---- helpers ------------------------------------------------------------------------------------

const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

#define EXPECT_OK(expr)                                                 \
  do {                                                                  \
    const auto& orch_r_ = (expr);                                       \
    EXPECT_TRUE(StatusOf(orch_r_).ok()) << StatusOf(orch_r_).message(); \
  } while (0)
#define ASSERT_OK(expr)                                                 \
  do {                                                                  \
    const auto& orch_r_ = (expr);                                       \
    ASSERT_TRUE(StatusOf(orch_r_).ok()) << StatusOf(orch_r_).message(); \
  } while (0)

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Whether some line starts with `prefix`.
bool HasLineStartingWith(const std::vector<std::string>& lines, const std::string& prefix) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string HostName() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

LockHolder Holder(const std::string& owner, const std::string& host, long pid,
                  const std::string& command) {
  return LockHolder{owner, host, pid, command, "2024-05-06T07:08:09Z"};
}

// ---- the fixture --------------------------------------------------------------------------------

// The parameter is the dialect: "sqlite" or "postgresql".
class DatabaseContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (IsPostgres()) {
      ORCH_REQUIRE_PG(url);  // skips (or fails under make test) without a server
      url_ = url;
    } else if (IsMysql()) {
      ORCH_REQUIRE_MYSQL(url);  // the same, for MariaDB
      url_ = url;
    } else {
      url_ = FreshUrl();
    }
    db_ = Open(url_);
    ASSERT_NE(db_, nullptr);
    ASSERT_EQ(DialectName(db_->Kind()), GetParam());
  }

  bool IsPostgres() const { return GetParam() == "postgresql"; }
  bool IsMysql() const { return GetParam() == "mysql"; }

  // A URL of another fresh, empty database of this dialect.
  std::string FreshUrl() {
    if (!IsPostgres() && !IsMysql())
      return "sqlite:" + dir_ / ("db" + std::to_string(++databases_) + ".sqlite");
    std::string error;
    std::string url = IsMysql() ? FreshMysqlDatabase(&error) : FreshPgDatabase(&error);
    EXPECT_FALSE(url.empty()) << error;
    return url;
  }

  // A new connection (a second Database object) on `url`; null after a test failure.
  std::unique_ptr<Database> Open(const std::string& url) {
    auto db = OpenDatabase(url, dir_.path());
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  // Runs `script` in a transaction of its own and commits it.
  static void Run(Database& db, const std::string& script) {
    auto txn = db.Begin();
    ASSERT_OK(txn);
    ASSERT_OK((*txn)->ExecScript(script));
    ASSERT_OK((*txn)->Commit());
  }

  // The rows of a query run in a transaction of its own (rolled back).
  static std::vector<Row> Rows(Database& db, const std::string& sql,
                               const std::vector<Value>& params = {}) {
    auto txn = db.Begin();
    EXPECT_OK(txn);
    if (!txn.ok()) return {};
    auto r = (*txn)->Query(sql, params);
    EXPECT_OK(r);
    return r.ok() ? r->rows : std::vector<Row>();
  }

  static long Count(Database& db, const std::string& table) {
    auto rows = Rows(db, "SELECT COUNT(*) FROM " + table);
    return rows.size() == 1 && rows[0].size() == 1 && rows[0][0] ? std::stol(*rows[0][0]) : -1;
  }

  static std::vector<std::string> Tables(Database& db) {
    auto tables = db.UserTables();
    EXPECT_OK(tables);
    return tables.ok() ? *tables : std::vector<std::string>();
  }

  // Creates the orchestrate_* tables (the journal and the lock row) in `db`.
  static void AddStateTables(Database& db) {
    Journal journal(db, NowIso8601);
    ASSERT_OK(journal.EnsureSchema());
    auto taken = db.TryLock(Holder("me", "h", getpid(), "test"), nullptr);
    ASSERT_OK(taken);
    ASSERT_TRUE(*taken);
    ASSERT_OK(db.Unlock());
  }

  TempDir dir_;
  int databases_ = 0;
  std::string url_;
  std::unique_ptr<Database> db_;
};

INSTANTIATE_TEST_SUITE_P(Adapters, DatabaseContract,
                         ::testing::Values("sqlite", "postgresql", "mysql"),
                         [](const ::testing::TestParamInfo<std::string>& adapter) {
                           return adapter.param;
                         });

// ---- statements ---------------------------------------------------------------------------------

TEST_P(DatabaseContract, ExecWithParametersAndQueryReturnColumnsRowsAndNulls) {
  auto txn = db_->Begin();
  ASSERT_OK(txn);
  Transaction& t = **txn;
  ASSERT_OK(t.Exec("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, note TEXT)"));
  ASSERT_OK(t.Exec("INSERT INTO people (id, name, note) VALUES ($1, $2, $3)",
                   {"1", "ann", std::nullopt}));
  ASSERT_OK(t.Exec("INSERT INTO people (id, name, note) VALUES ($1, $2, $3)",
                   {"2", "bob's; \"friend\"", "ünïcode"}));
  ASSERT_OK(
      t.Exec("INSERT INTO people (id, name, note) VALUES ($1, $2, $3)", {"3", std::nullopt, ""}));

  auto all = t.Query("SELECT id, name, note FROM people ORDER BY id");
  ASSERT_OK(all);
  EXPECT_EQ(all->columns, (std::vector<std::string>{"id", "name", "note"}));
  ASSERT_EQ(all->rows.size(), 3u);
  EXPECT_EQ(all->rows[0], (Row{"1", "ann", std::nullopt}));
  EXPECT_EQ(all->rows[1], (Row{"2", "bob's; \"friend\"", "ünïcode"}));
  EXPECT_EQ(all->rows[2], (Row{"3", std::nullopt, ""}));  // NULL and '' stay distinct

  // A parameter can be NULL in a query too.
  auto one = t.Query("SELECT name AS who FROM people WHERE id = $1 OR note = $2", {"2", "nope"});
  ASSERT_OK(one);
  EXPECT_EQ(one->columns, (std::vector<std::string>{"who"}));
  ASSERT_EQ(one->rows.size(), 1u);
  EXPECT_EQ(one->rows[0], (Row{"bob's; \"friend\""}));
  auto null_param =
      t.Query("SELECT COUNT(*) AS n FROM people WHERE CAST($1 AS TEXT) IS NULL", {std::nullopt});
  ASSERT_OK(null_param);
  EXPECT_EQ(null_param->rows, (std::vector<Row>{Row{"3"}}));

  // $N means the Nth parameter wherever it appears, out of order or repeated, as in PostgreSQL.
  auto reordered =
      t.Query("SELECT CAST($2 AS TEXT) AS b, CAST($1 AS TEXT) AS a, CAST($2 AS TEXT) AS c",
              {"first", "second"});
  ASSERT_OK(reordered);
  EXPECT_EQ(reordered->rows, (std::vector<Row>{Row{"second", "first", "second"}}));

  // No rows: the columns are still known.
  auto none = t.Query("SELECT id, name FROM people WHERE id = $1", {"42"});
  ASSERT_OK(none);
  EXPECT_EQ(none->columns, (std::vector<std::string>{"id", "name"}));
  EXPECT_TRUE(none->rows.empty());

  // An error is a Status, not an exception.
  Status bad = t.Exec("INSERT INTO no_such_table VALUES ($1)", {"1"});
  EXPECT_FALSE(bad.ok());
  EXPECT_TRUE(Contains(bad.message(), "no_such_table")) << bad.message();
}

TEST_P(DatabaseContract, ExecScriptRunsEveryStatementWithCommentsAndQuotedSemicolons) {
  std::string script =
      "-- a leading comment; with a semicolon\n"
      "CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL);\n"
      "/* a block comment; also with one */\n"
      "INSERT INTO items (id, label) VALUES (1, 'a;b');\n"
      "INSERT INTO items (id, label) VALUES (2, 'it''s; fine'); -- trailing comment;\n"
      "CREATE TABLE audit (item_id INTEGER, what TEXT);\n";
  if (IsPostgres()) {
    script +=
        "CREATE FUNCTION add_one(i integer) RETURNS integer AS $$\n"
        "BEGIN\n"
        "  RETURN i + 1; -- a semicolon inside the body\n"
        "END;\n"
        "$$ LANGUAGE plpgsql;\n"
        "CREATE FUNCTION audit_item() RETURNS trigger AS $body$\n"
        "BEGIN\n"
        "  INSERT INTO audit VALUES (NEW.id, 'insert;');\n"
        "  RETURN NEW;\n"
        "END;\n"
        "$body$ LANGUAGE plpgsql;\n"
        "CREATE TRIGGER items_audit AFTER INSERT ON items\n"
        "  FOR EACH ROW EXECUTE FUNCTION audit_item();\n";
  } else if (IsMysql()) {
    script +=
        "CREATE TRIGGER items_audit AFTER INSERT ON items FOR EACH ROW\n"
        "BEGIN\n"
        "  INSERT INTO audit VALUES (NEW.id, 'insert;');\n"
        "END;\n";
  } else {
    script +=
        "CREATE TRIGGER items_audit AFTER INSERT ON items\n"
        "BEGIN\n"
        "  INSERT INTO audit VALUES (NEW.id, 'insert;');\n"
        "END;\n";
  }
  script += "INSERT INTO items (id, label) VALUES (3, 'after the body')\n";  // no final ';'

  auto txn = db_->Begin();
  ASSERT_OK(txn);
  ASSERT_OK((*txn)->ExecScript(script));
  ASSERT_OK((*txn)->Commit());

  auto other = Open(url_);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(Rows(*other, "SELECT id, label FROM items ORDER BY id"),
            (std::vector<Row>{{"1", "a;b"}, {"2", "it's; fine"}, {"3", "after the body"}}));
  EXPECT_EQ(Rows(*other, "SELECT item_id, what FROM audit"), (std::vector<Row>{{"3", "insert;"}}));
  if (IsPostgres()) {
    EXPECT_EQ(Rows(*other, "SELECT add_one(41)"), (std::vector<Row>{{"42"}}));
  }
}

TEST_P(DatabaseContract, FailingStatementNamesItsLineAndNothingOfTheScriptIsCommitted) {
  const std::string script =
      "CREATE TABLE kept (id INTEGER);\n"  // line 1
      "INSERT INTO kept VALUES (1);\n"     // line 2
      "\n"                                 // line 3
      "-- the third statement fails\n"     // line 4
      "INSERT INTO no_such_table\n"        // line 5
      "  VALUES (2);\n"                    // line 6
      "INSERT INTO kept VALUES (3);\n";    // line 7
  if (IsMysql()) {
    // DDL is not transactional on MySQL: CREATE TABLE committed by itself, so the failure says the
    // step is partly applied (kNeedsHuman) and names it; the INSERT after it is rolled back.
    {
      auto txn = db_->Begin();
      ASSERT_OK(txn);
      Status st = (*txn)->ExecScript(script);
      EXPECT_EQ(st.code(), Code::kNeedsHuman) << st.message();
      EXPECT_TRUE(Contains(st.message(), "line 5")) << st.message();
      EXPECT_TRUE(Contains(st.message(), "statement: INSERT INTO no_such_table VALUES (2)"))
          << st.message();
      EXPECT_TRUE(Contains(st.message(), "partly applied")) << st.message();
      EXPECT_TRUE(Contains(st.message(), "line 1: CREATE TABLE kept (id INTEGER)")) << st.message();
      EXPECT_FALSE((*txn)->Commit().ok());
    }
    EXPECT_EQ(Tables(*db_), (std::vector<std::string>{"kept"}));
    EXPECT_EQ(Count(*db_, "kept"), 0);
    // Without DDL, nothing of a failing script is committed.
    {
      auto txn = db_->Begin();
      ASSERT_OK(txn);
      Status st = (*txn)->ExecScript(
          "INSERT INTO kept VALUES (1);\nINSERT INTO no_such_table VALUES (2);\n");
      EXPECT_EQ(st.code(), Code::kFailed) << st.message();
      EXPECT_TRUE(Contains(st.message(), "line 2")) << st.message();
      EXPECT_FALSE((*txn)->Commit().ok());
    }
    EXPECT_EQ(Count(*db_, "kept"), 0);
    return;
  }
  {
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    Status st = (*txn)->ExecScript(script);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), Code::kFailed) << st.message();
    EXPECT_TRUE(Contains(st.message(), "line 5")) << st.message();
    EXPECT_FALSE(Contains(st.message(), "line 4")) << st.message();
    EXPECT_TRUE(Contains(st.message(), "statement: INSERT INTO no_such_table VALUES (2)"))
        << st.message();
    EXPECT_TRUE(Contains(st.message(), "no_such_table")) << st.message();
  }  // destroyed without Commit
  EXPECT_TRUE(Tables(*db_).empty());

  // Committing after a failure does not commit the statements that ran before it either.
  {
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    EXPECT_FALSE((*txn)->ExecScript(script).ok());
    EXPECT_FALSE((*txn)->Commit().ok());
  }
  auto other = Open(url_);
  ASSERT_NE(other, nullptr);
  EXPECT_TRUE(Tables(*other).empty());
}

TEST_P(DatabaseContract, ExecScriptInATransactionRefusesTransactionControl) {
  // A COMMIT inside a step's script would commit it apart from its journal row.
  for (const std::string script : {"CREATE TABLE t (id INTEGER);\nCOMMIT;\n",
                                   "BEGIN;\nCREATE TABLE t (id INTEGER);\nCOMMIT;\n",
                                   "CREATE TABLE t (id INTEGER);\nROLLBACK;\n"}) {
    {
      auto txn = db_->Begin();
      ASSERT_OK(txn);
      Status st = (*txn)->ExecScript(script);
      EXPECT_EQ(st.code(), Code::kInvalid) << script << st.message();
      EXPECT_TRUE(Contains(st.message(), "transaction control")) << st.message();
    }
    EXPECT_TRUE(Tables(*db_).empty()) << script;
  }
  // SAVEPOINTs stay inside the transaction: allowed.
  auto txn = db_->Begin();
  ASSERT_OK(txn);
  EXPECT_OK(
      (*txn)->ExecScript("CREATE TABLE t (id INTEGER);\nSAVEPOINT s;\nINSERT INTO t VALUES (1);\n"
                         "ROLLBACK TO SAVEPOINT s;\nRELEASE SAVEPOINT s;\n"));
  EXPECT_OK((*txn)->Commit());
  EXPECT_EQ(Count(*db_, "t"), 0);
}

// ---- transactions -------------------------------------------------------------------------------

TEST_P(DatabaseContract, TransactionDestroyedWithoutCommitRollsBack) {
  Run(*db_, "CREATE TABLE t (id INTEGER)");
  if (IsMysql()) {
    // DDL commits by itself on MySQL (the adapter's header): rows and statements without DDL
    // roll back; a CREATE TABLE stays, and so does what ran before it.
    {
      auto txn = db_->Begin();
      ASSERT_OK(txn);
      ASSERT_OK((*txn)->Exec("INSERT INTO t VALUES ($1)", {"1"}));
      ASSERT_OK((*txn)->ExecScript("INSERT INTO t VALUES (2); UPDATE t SET id = id + 10;"));
      auto seen = (*txn)->Query("SELECT SUM(id) FROM t");
      ASSERT_OK(seen);
      EXPECT_EQ(seen->rows, (std::vector<Row>{{"23"}}));
    }
    EXPECT_EQ(Count(*db_, "t"), 0);
    {
      auto txn = db_->Begin();
      ASSERT_OK(txn);
      ASSERT_OK(
          (*txn)->ExecScript("INSERT INTO t VALUES (2); CREATE TABLE u (x INTEGER); "
                             "INSERT INTO t VALUES (3);"));
    }
    EXPECT_EQ(Rows(*db_, "SELECT id FROM t"), (std::vector<Row>{{"2"}}));
    EXPECT_EQ(Tables(*db_), (std::vector<std::string>{"t", "u"}));
    Run(*db_, "INSERT INTO t VALUES (4)");
    EXPECT_EQ(Count(*db_, "t"), 2);
    return;
  }
  {
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    ASSERT_OK((*txn)->Exec("INSERT INTO t VALUES ($1)", {"1"}));
    ASSERT_OK((*txn)->ExecScript("INSERT INTO t VALUES (2); CREATE TABLE u (x INTEGER);"));
    auto seen = (*txn)->Query("SELECT COUNT(*) FROM t");
    ASSERT_OK(seen);
    EXPECT_EQ(seen->rows, (std::vector<Row>{{"2"}}));  // visible inside the transaction
  }
  EXPECT_EQ(Count(*db_, "t"), 0);
  EXPECT_EQ(Tables(*db_), (std::vector<std::string>{"t"}));
  // The connection is usable again.
  Run(*db_, "INSERT INTO t VALUES (3)");
  EXPECT_EQ(Count(*db_, "t"), 1);
}

TEST_P(DatabaseContract, CommitMakesChangesVisibleAndASecondCommitFails) {
  Run(*db_, "CREATE TABLE t (id INTEGER)");
  auto txn = db_->Begin();
  ASSERT_OK(txn);
  ASSERT_OK((*txn)->Exec("INSERT INTO t VALUES (1)"));
  ASSERT_OK((*txn)->Commit());
  Status again = (*txn)->Commit();
  EXPECT_FALSE(again.ok());
  EXPECT_FALSE((*txn)->Exec("INSERT INTO t VALUES (2)").ok());  // finished: no more statements
  txn = Status::Failed("released");                             // destroy it
  auto other = Open(url_);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(Count(*other, "t"), 1);
}

TEST_P(DatabaseContract, ExecAtCommitRunsWithTheCommitAndItsFailureCommitsNothing) {
  Run(*db_, "CREATE TABLE t (id INTEGER, note TEXT)");
  {
    // Deferred statements run at Commit, in order, with parameters of any content.
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    ASSERT_OK((*txn)->LimitWaits(5, 20));
    ASSERT_OK((*txn)->ExecScript("INSERT INTO t VALUES (1, 'script')"));
    ASSERT_OK((*txn)->ExecAtCommit("INSERT INTO t (id, note) VALUES ($1, $2)",
                                   {"2", "it's \\ a \"$1\" -- not a comment"}));
    ASSERT_OK(
        (*txn)->ExecAtCommit("INSERT INTO t (note, id) VALUES ($2, $1)", {"3", std::nullopt}));
    const std::string bang = IsMysql() ? "CONCAT(note, '!')" : "note || '!'";
    ASSERT_OK((*txn)->ExecAtCommit("UPDATE t SET note = " + bang + " WHERE id = $1", {"2"}));
    ASSERT_OK((*txn)->Commit());
  }
  EXPECT_EQ(
      Rows(*db_, "SELECT id, note FROM t ORDER BY id"),
      (std::vector<Row>{
          {"1", "script"}, {"2", "it's \\ a \"$1\" -- not a comment!"}, {"3", std::nullopt}}));
  {
    // A deferred statement that fails: Commit fails and nothing of the transaction stays.
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    ASSERT_OK((*txn)->Exec("INSERT INTO t VALUES ($1, $2)", {"4", "four"}));
    // SQLite runs it at once and fails there; PostgreSQL fails the Commit.
    Status deferred = (*txn)->ExecAtCommit("INSERT INTO no_such_table VALUES ($1)", {"1"});
    Status committed = (*txn)->Commit();
    EXPECT_FALSE(committed.ok());
    const Status& failure = deferred.ok() ? committed : deferred;
    EXPECT_EQ(failure.code(), Code::kFailed) << failure.message();
    EXPECT_TRUE(Contains(failure.message(), "no_such_table")) << failure.message();
  }
  EXPECT_EQ(Count(*db_, "t"), 3);
  {
    // Only deferred statements, without anything before them: they commit all the same.
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    ASSERT_OK((*txn)->ExecAtCommit("DELETE FROM t WHERE id = $1", {"3"}));
    ASSERT_OK((*txn)->Commit());
  }
  EXPECT_EQ(Count(*db_, "t"), 2);
  {
    // Dropped without Commit: deferred statements never run.
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    ASSERT_OK((*txn)->ExecAtCommit("DELETE FROM t"));
  }
  EXPECT_EQ(Count(*db_, "t"), 2);
  Run(*db_, "INSERT INTO t VALUES (5, 'usable')");  // the connection is usable again
  EXPECT_EQ(Count(*db_, "t"), 3);
}

TEST_P(DatabaseContract, LimitWaitsAppliesFromTheFirstStatementOfAScript) {
  {
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    ASSERT_OK((*txn)->LimitWaits(1.5, 0.25));
    ASSERT_OK((*txn)->ExecScript("CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1);"));
    ASSERT_OK((*txn)->Commit());
  }
  EXPECT_EQ(Count(*db_, "t"), 1);
  if (!IsPostgres()) return;  // SQLite: no statement timeout to observe
  {
    // BEGIN and the SET LOCALs travel with the first statement and hold for it.
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    ASSERT_OK((*txn)->LimitWaits(1.5, 0.25));
    Status slept = (*txn)->ExecScript("SELECT pg_sleep(1); INSERT INTO t VALUES (2);");
    EXPECT_FALSE(slept.ok());
    EXPECT_TRUE(Contains(slept.message(), "statement timeout")) << slept.message();
    EXPECT_FALSE((*txn)->Commit().ok());
  }
  EXPECT_EQ(Count(*db_, "t"), 1);
  auto txn = db_->Begin();
  ASSERT_OK(txn);
  ASSERT_OK((*txn)->LimitWaits(1.5, 0));
  auto shown =
      (*txn)->Query("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')");
  ASSERT_OK(shown);
  // The earlier transaction's statement_timeout ended with it.
  EXPECT_EQ(shown->rows, (std::vector<Row>{{"1500ms", "0"}}));
}

TEST_P(DatabaseContract, ExecScriptNoTransactionAppliesEachStatementOnItsOwn) {
  Run(*db_, "CREATE TABLE t (id INTEGER, name TEXT)");
  const std::string index = IsPostgres()
                                ? "CREATE INDEX CONCURRENTLY t_name_idx ON t (name);\n"  // no txn
                                : "CREATE INDEX t_name_idx ON t (name);\n";
  ASSERT_OK(db_->ExecScriptNoTransaction("-- comment\nINSERT INTO t VALUES (1, 'a;');\n" + index +
                                         "INSERT INTO t VALUES (2, 'b');\n"));
  auto other = Open(url_);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(Count(*other, "t"), 2);
  auto schema = other->DescribeSchema();
  ASSERT_OK(schema);
  EXPECT_TRUE(HasLineStartingWith(*schema, "index t.t_name_idx")) << Joined(*schema);

  // Without a transaction, what ran before a failure stays.
  Status st = db_->ExecScriptNoTransaction(
      "INSERT INTO t VALUES (3, 'c');\n"
      "INSERT INTO missing VALUES (4);\n"
      "INSERT INTO t VALUES (5, 'e');\n");
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(Contains(st.message(), "line 2")) << st.message();
  EXPECT_TRUE(Contains(st.message(), "statement: INSERT INTO missing")) << st.message();
  EXPECT_EQ(Rows(*other, "SELECT id FROM t ORDER BY id"), (std::vector<Row>{{"1"}, {"2"}, {"3"}}));
}

// ---- the run lock -------------------------------------------------------------------------------

TEST_P(DatabaseContract, LockIsExclusiveDescribesItsHolderAndCanBeBroken) {
  auto b = Open(url_);
  ASSERT_NE(b, nullptr);
  const LockHolder alice = Holder("alice", "host-a", 1111, "deploy --to 2.0.0");
  const LockHolder bob = Holder("bob", "host-b", 2222, "rollback --to 1.0.0");

  auto a_took = db_->TryLock(alice, nullptr);
  ASSERT_OK(a_took);
  EXPECT_TRUE(*a_took);
  auto again = db_->TryLock(alice, nullptr);  // already held by this object
  ASSERT_OK(again);
  EXPECT_TRUE(*again);

  LockHolder holder;
  auto b_took = b->TryLock(bob, &holder);
  ASSERT_OK(b_took);
  EXPECT_FALSE(*b_took);
  EXPECT_EQ(holder.owner, "alice");
  EXPECT_EQ(holder.host, "host-a");
  EXPECT_EQ(holder.pid, 1111);
  EXPECT_EQ(holder.command, "deploy --to 2.0.0");
  EXPECT_EQ(holder.since, "2024-05-06T07:08:09Z");
  EXPECT_TRUE(Contains(holder.str(), "alice@host-a (pid 1111)")) << holder.str();

  // The lock row is not a user table.
  EXPECT_TRUE(Tables(*db_).empty());

  ASSERT_OK(db_->Unlock());
  ASSERT_OK(db_->Unlock());  // not held: nothing to do
  b_took = b->TryLock(bob, &holder);
  ASSERT_OK(b_took);
  EXPECT_TRUE(*b_took);
  a_took = db_->TryLock(alice, &holder);
  ASSERT_OK(a_took);
  EXPECT_FALSE(*a_took);
  EXPECT_EQ(holder.owner, "bob");

  // A third party breaks bob's lock and learns whose it was.
  auto c = Open(url_);
  ASSERT_NE(c, nullptr);
  auto broken = c->BreakLock();
  ASSERT_OK(broken);
  ASSERT_TRUE(broken->has_value());
  EXPECT_EQ((*broken)->owner, "bob");
  EXPECT_EQ((*broken)->host, "host-b");
  EXPECT_EQ((*broken)->pid, 2222);
  EXPECT_EQ((*broken)->command, "rollback --to 1.0.0");

  a_took = db_->TryLock(alice, &holder);
  ASSERT_OK(a_took);
  EXPECT_TRUE(*a_took);
  ASSERT_OK(db_->Unlock());

  // Nothing to break.
  auto nothing = c->BreakLock();
  ASSERT_OK(nothing);
  EXPECT_FALSE(nothing->has_value());
}

TEST_P(DatabaseContract, LockIsReleasedWhenTheDatabaseObjectIsDestroyed) {
  {
    auto a = Open(url_);
    ASSERT_NE(a, nullptr);
    auto took = a->TryLock(Holder("alice", "host-a", 1111, "deploy"), nullptr);
    ASSERT_OK(took);
    ASSERT_TRUE(*took);
  }
  LockHolder holder;
  auto took = db_->TryLock(Holder("bob", "host-b", 2222, "deploy"), &holder);
  ASSERT_OK(took);
  EXPECT_TRUE(*took) << holder.str();
}

TEST_P(DatabaseContract, LockOfADeadProcessDoesNotBlock) {
  const std::string host = HostName();
  pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    // The child takes the lock on a connection of its own, then dies without releasing it.
    auto db = OpenDatabase(url_, dir_.path());
    if (!db.ok()) _exit(2);
    auto took = (*db)->TryLock(Holder("child", host, getpid(), "deploy"), nullptr);
    _exit(took.ok() && *took ? 0 : 3);
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  ASSERT_EQ(WEXITSTATUS(wstatus), 0) << "the child could not take the lock";

  // PostgreSQL ends the dead client's session (and so its advisory lock) asynchronously.
  const LockHolder me = Holder("parent", host, getpid(), "deploy");
  LockHolder holder;
  bool taken = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!taken && std::chrono::steady_clock::now() < deadline) {
    auto took = db_->TryLock(me, &holder);
    ASSERT_OK(took);
    taken = *took;
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(taken) << "still held by " << holder.str();

  // Others now see this process as the holder, not the dead one.
  auto other = Open(url_);
  ASSERT_NE(other, nullptr);
  auto took = other->TryLock(Holder("other", host, getpid() + 1, "deploy"), &holder);
  ASSERT_OK(took);
  EXPECT_FALSE(*took);
  EXPECT_EQ(holder.owner, "parent");
  EXPECT_EQ(holder.pid, getpid());
}

// PostgreSQL: the lock's own session is idle between its few statements; idle timeouts set for
// the database (a DBA's or a managed server's) do not end it, so the lock stays held.
TEST(PgRunLock, OutlivesTheDatabasesIdleTimeouts) {
  ORCH_REQUIRE_PG(fresh);  // a fresh database: its settings touch no other test
  TempDir dir;
  auto open = [&] {
    auto db = OpenDatabase(fresh, dir.path());
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db).value() : nullptr;
  };
  auto rows = [](Database& db, const std::string& sql) {
    auto txn = db.Begin();
    EXPECT_OK(txn);
    if (!txn.ok()) return std::vector<Row>();
    auto r = (*txn)->Query(sql, {});
    EXPECT_OK(r);
    return r.ok() ? r->rows : std::vector<Row>();
  };
  auto setup = open();
  ASSERT_NE(setup, nullptr);
  ASSERT_OK(setup->ExecScriptNoTransaction(
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET idle_session_timeout = 300', "
      "current_database()); EXECUTE format('ALTER DATABASE %I SET "
      "idle_in_transaction_session_timeout = 300', current_database()); END $$"));
  auto holder_db = open();  // opened after the settings: its sessions have them
  ASSERT_NE(holder_db, nullptr);
  auto took = holder_db->TryLock(Holder("alice", "host-a", 1111, "deploy"), nullptr);
  ASSERT_OK(took);
  ASSERT_TRUE(*took);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // 4 idle timeouts

  auto other = open();
  ASSERT_NE(other, nullptr);
  auto alive = rows(*other,
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                    "'orchestrate lock' AND datname = current_database()");
  ASSERT_EQ(alive.size(), 1u);
  EXPECT_EQ(alive[0][0].value_or(""), "1");
  LockHolder holder;
  auto again = other->TryLock(Holder("bob", "host-b", 2222, "deploy"), &holder);
  ASSERT_OK(again);
  EXPECT_FALSE(*again) << "the lock was lost with its session";
  EXPECT_EQ(holder.owner, "alice");
}

// PostgreSQL: scripts and values are UTF-8 whatever the database's encoding; on a UTF-8 database
// the session starts so (no SET), on a LATIN1 one the adapter sets it.
TEST(PgSession, IsUtf8WhateverTheDatabasesEncoding) {
  ORCH_REQUIRE_PG(url);
  TempDir dir;
  const std::string latin1 = "orch_latin1_" + std::to_string(getpid());
  auto admin = OpenDatabase(url, dir.path());
  ASSERT_OK(admin);
  ASSERT_OK((*admin)->ExecScriptNoTransaction("DROP DATABASE IF EXISTS " + latin1));
  ASSERT_OK((*admin)->ExecScriptNoTransaction(
      "CREATE DATABASE " + latin1 +
      " ENCODING 'LATIN1' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"));
  for (const std::string& target : {url, PgUrlWithDatabase(url, latin1)}) {
    auto db = OpenDatabase(target, dir.path());
    ASSERT_OK(db);
    auto txn = (*db)->Begin();
    ASSERT_OK(txn);
    auto r = (*txn)->Query(
        "SELECT current_setting('client_encoding'), length($1), "
        "pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()",
        {std::string("caf\xc3\xa9")});  // "café" in UTF-8: 4 characters, 5 bytes
    ASSERT_OK(r);
    ASSERT_EQ(r->rows.size(), 1u);
    EXPECT_EQ(r->rows[0][0].value_or(""), "UTF8") << target;
    EXPECT_EQ(r->rows[0][1].value_or(""), "4") << target;
    EXPECT_EQ(r->rows[0][2].value_or(""), target == url ? "UTF8" : "LATIN1") << target;
  }
  EXPECT_OK((*admin)->ExecScriptNoTransaction("DROP DATABASE " + latin1));
}

// ---- schema -------------------------------------------------------------------------------------

TEST_P(DatabaseContract, DescribeSchemaListsUserObjectsCanonically) {
  Run(*db_,
      "CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT NOT NULL, size INTEGER);\n"
      "CREATE INDEX widgets_name_idx ON widgets (name);\n"
      "CREATE VIEW widget_names AS SELECT name FROM widgets;\n");
  AddStateTables(*db_);

  auto first = db_->DescribeSchema();
  ASSERT_OK(first);
  const std::string text = Joined(*first);
  EXPECT_TRUE(HasLineStartingWith(*first, "column widgets.id")) << text;
  EXPECT_TRUE(HasLineStartingWith(*first, "column widgets.name")) << text;
  EXPECT_TRUE(HasLineStartingWith(*first, "index widgets.widgets_name_idx")) << text;
  EXPECT_TRUE(HasLineStartingWith(*first, "view widget_names")) << text;
  EXPECT_FALSE(Contains(text, "orchestrate_")) << text;
  EXPECT_FALSE(Contains(text, "\n\n")) << text;

  auto second = db_->DescribeSchema();
  ASSERT_OK(second);
  EXPECT_EQ(*first, *second);
  if (IsPostgres()) {
    // The description is a statement prepared in the session: a migration that drops the
    // session's prepared statements does not break the next description.
    Run(*db_, "DEALLOCATE ALL");
    auto after_deallocate = db_->DescribeSchema();
    ASSERT_OK(after_deallocate);
    EXPECT_EQ(*first, *after_deallocate);
    ASSERT_OK(db_->ExecScriptNoTransaction("DISCARD ALL"));
    auto after_discard = db_->DescribeSchema();
    ASSERT_OK(after_discard);
    EXPECT_EQ(*first, *after_discard);
  }
  // From another connection too.
  auto other = Open(url_);
  ASSERT_NE(other, nullptr);
  auto third = other->DescribeSchema();
  ASSERT_OK(third);
  EXPECT_EQ(*first, *third);

  Run(*db_, "ALTER TABLE widgets ADD COLUMN price INTEGER");
  auto altered = db_->DescribeSchema();
  ASSERT_OK(altered);
  EXPECT_NE(*first, *altered);
  EXPECT_TRUE(HasLineStartingWith(*altered, "column widgets.price")) << Joined(*altered);
}

TEST_P(DatabaseContract, DescribeSchemaIsTheSameForTheSameSchemaBuiltInAnotherOrder) {
  auto other = Open(FreshUrl());
  ASSERT_NE(other, nullptr);
  Run(*db_,
      "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);\n"
      "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));\n"
      "CREATE INDEX b_a_idx ON b (a_id);\n"
      "CREATE INDEX a_v_idx ON a (v);\n");
  Run(*other,
      "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT);\n"
      "CREATE INDEX a_v_idx ON a (v);\n"
      "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id));\n"
      "CREATE INDEX b_a_idx ON b (a_id);\n");
  AddStateTables(*other);
  auto mine = db_->DescribeSchema();
  auto theirs = other->DescribeSchema();
  ASSERT_OK(mine);
  ASSERT_OK(theirs);
  EXPECT_EQ(*mine, *theirs);
}

TEST_P(DatabaseContract, DescribeSchemaListsCheckConstraints) {
  // A CHECK in a string literal or a comment is not a constraint; each real one is described,
  // and a table that gains one describes differently (a rollback must see it: release_schema.h).
  Run(*db_,
      "CREATE TABLE plain (id INTEGER PRIMARY KEY, note TEXT DEFAULT 'check (x)' -- check (y)\n"
      ");\n"
      "CREATE TABLE checked (id INTEGER PRIMARY KEY, qty INTEGER CHECK (qty >= 0), name TEXT,\n"
      "  CONSTRAINT name_set CHECK (name <> ''));\n");
  auto described = db_->DescribeSchema();
  ASSERT_OK(described);
  const std::string text = Joined(*described);
  int checks_of_plain = 0, checks_of_checked = 0;
  for (const auto& line : *described) {
    const bool check = Contains(line, "CHECK (") || Contains(line, "CHECK ((");
    if (check && Contains(line, "plain")) ++checks_of_plain;
    if (check && Contains(line, "checked")) ++checks_of_checked;
  }
  EXPECT_EQ(checks_of_plain, 0) << text;
  EXPECT_EQ(checks_of_checked, 2) << text;
  EXPECT_TRUE(Contains(text, "qty >= 0")) << text;
}

// The catalog primitives `check` asks: the views that read a table (each once per table; a view
// reading a view is not a reader of the table below it), and the extensions installed.
TEST_P(DatabaseContract, ViewsReadingNamesEachViewOfATableAndExtensionsAreListed) {
  Run(*db_,
      "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER);\n"
      "CREATE TABLE customers (id INTEGER PRIMARY KEY, name VARCHAR(20));\n"
      "CREATE TABLE unrelated (id INTEGER PRIMARY KEY);\n"
      "CREATE VIEW order_names AS\n  SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = "
      "o.customer;\n"
      "CREATE VIEW big_orders AS SELECT id FROM orders WHERE id > 10;\n"
      "CREATE VIEW of_view AS SELECT id FROM big_orders;\n");
  auto txn = db_->BeginRead();
  ASSERT_OK(txn);
  auto views = db_->ViewsReading(**txn, {"orders", "customers", "unrelated"});
  ASSERT_OK(views);
  using Pair = std::array<std::string, 2>;
  EXPECT_EQ(*views, (std::vector<Pair>{{"orders", "big_orders"},
                                       {"orders", "order_names"},
                                       {"customers", "order_names"}}));
  auto none = db_->ViewsReading(**txn, {});
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  auto extensions = db_->Extensions(**txn);
  ASSERT_OK(extensions);
  if (IsPostgres()) {
    bool plpgsql = false;  // installed in every PostgreSQL database
    for (const auto& [name, version] : *extensions)
      plpgsql = plpgsql || (name == "plpgsql" && !version.empty());
    EXPECT_TRUE(plpgsql);
  } else {
    EXPECT_TRUE(extensions->empty());
  }
}

TEST_P(DatabaseContract, UserTablesAreSortedAndExcludeStateTablesAndViews) {
  EXPECT_TRUE(Tables(*db_).empty());
  Run(*db_,
      "CREATE TABLE zeta (id INTEGER);\n"
      "CREATE TABLE alpha (id INTEGER);\n"
      "CREATE TABLE mid (id INTEGER);\n"
      "CREATE VIEW alpha_view AS SELECT id FROM alpha;\n");
  AddStateTables(*db_);
  EXPECT_EQ(Tables(*db_), (std::vector<std::string>{"alpha", "mid", "zeta"}));
}

TEST_P(DatabaseContract, QuoteIdentMakesAnyNameUsable) {
  const std::string name = "odd \"name\"; drop";
  Run(*db_, "CREATE TABLE " + db_->QuoteIdent(name) + " (id INTEGER)");
  EXPECT_EQ(Tables(*db_), (std::vector<std::string>{name}));
  Run(*db_, "INSERT INTO " + db_->QuoteIdent(name) + " VALUES (1)");
  EXPECT_EQ(Count(*db_, db_->QuoteIdent(name)), 1);
}

// ---- fingerprints -------------------------------------------------------------------------------

TEST_P(DatabaseContract, FingerprintIsEqualForEqualDatabasesWhateverTheRowOrder) {
  auto other = Open(FreshUrl());
  ASSERT_NE(other, nullptr);
  const std::string schema =
      "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, note TEXT);\n"
      "CREATE TABLE empty_one (x INTEGER);\n";
  Run(*db_, schema +
                "INSERT INTO t VALUES (1, 'a', NULL); INSERT INTO t VALUES (2, 'b', '');"
                "INSERT INTO t VALUES (3, 'c', 'x');");
  Run(*other, schema +
                  "INSERT INTO t VALUES (3, 'c', 'x'); INSERT INTO t VALUES (1, 'a', NULL);"
                  "INSERT INTO t VALUES (2, 'b', '');");
  AddStateTables(*other);  // the state tables are not part of the fingerprint

  auto a = TakeFingerprint(*db_);
  auto b = TakeFingerprint(*other);
  ASSERT_OK(a);
  ASSERT_OK(b);
  EXPECT_EQ(a->schema, b->schema);
  EXPECT_EQ(a->schema_sha256, b->schema_sha256);
  EXPECT_EQ(a->data_sha256, b->data_sha256);
  ASSERT_EQ(a->tables.size(), 2u);
  EXPECT_EQ(a->tables[0].table, "empty_one");
  EXPECT_EQ(a->tables[0].rows, 0);
  EXPECT_EQ(a->tables[1].table, "t");
  EXPECT_EQ(a->tables[1].rows, 3);
  EXPECT_EQ(a->tables[1].sha256, b->tables[1].sha256);
  auto again = TakeFingerprint(*db_);
  ASSERT_OK(again);
  EXPECT_EQ(again->data_sha256, a->data_sha256);

  // NULL is not ''.
  Run(*other, "UPDATE t SET note = '' WHERE id = 1");
  auto null_vs_empty = TakeFingerprint(*other);
  ASSERT_OK(null_vs_empty);
  EXPECT_NE(null_vs_empty->data_sha256, a->data_sha256);
  Run(*other, "UPDATE t SET note = NULL WHERE id = 1");

  Run(*other, "UPDATE t SET name = 'changed' WHERE id = 2");
  auto updated = TakeFingerprint(*other);
  ASSERT_OK(updated);
  EXPECT_EQ(updated->schema_sha256, a->schema_sha256);
  EXPECT_NE(updated->data_sha256, a->data_sha256);
  EXPECT_NE(updated->tables[1].sha256, a->tables[1].sha256);
  EXPECT_EQ(updated->tables[0].sha256, a->tables[0].sha256);

  Run(*other, "UPDATE t SET name = 'b' WHERE id = 2");
  Run(*other, "ALTER TABLE t ADD COLUMN extra INTEGER");
  auto altered = TakeFingerprint(*other);
  ASSERT_OK(altered);
  EXPECT_NE(altered->schema_sha256, a->schema_sha256);
}

// ---- the journal --------------------------------------------------------------------------------

Step Migration(const std::string& release, const std::string& id, const std::string& up,
               const std::string& down) {
  Step s;
  s.kind = StepKind::kApplyMigration;
  s.release = release;
  s.id = id;
  s.sql = up;
  s.sql_sha256 = Sha256Hex(up);
  s.down_sql = down;
  s.down_sha256 = Sha256Hex(down);
  s.note = "a note; with \"quotes\"\nand a newline";
  return s;
}

RunPlan ThreeStepPlan() {
  RunPlan plan;
  plan.direction = Direction::kDeploy;
  plan.app = "shop";
  plan.to_version = "1.0.0";
  plan.steps.push_back(Migration("1.0.0", "0001_create_orders",
                                 "CREATE TABLE orders (id INTEGER PRIMARY KEY, total TEXT);\n"
                                 "INSERT INTO orders VALUES (1, 'x;y');\n",
                                 "DROP TABLE orders;\n"));
  Step release;
  release.kind = StepKind::kRecordRelease;
  release.release = "1.0.0";
  release.image_to = "shop:1.0.0";
  release.order = "schema-first";
  plan.steps.push_back(release);
  Step swap;
  swap.kind = StepKind::kSwapImage;
  swap.release = "1.0.0";
  swap.transactional = false;
  swap.image_from = "";
  swap.image_to = "shop:1.0.0";
  plan.steps.push_back(swap);
  plan.fingerprint = FingerprintOf(plan);
  return plan;
}

void ExpectSameStep(const Step& a, const Step& b) {
  EXPECT_EQ(StepKindName(a.kind), StepKindName(b.kind));
  EXPECT_EQ(a.release, b.release);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.sql, b.sql);
  EXPECT_EQ(a.sql_sha256, b.sql_sha256);
  EXPECT_EQ(a.transactional, b.transactional);
  EXPECT_EQ(a.down_sql, b.down_sql);
  EXPECT_EQ(a.down_sha256, b.down_sha256);
  EXPECT_EQ(a.irreversible, b.irreversible);
  EXPECT_EQ(a.has_undo, b.has_undo);
  EXPECT_EQ(a.image_from, b.image_from);
  EXPECT_EQ(a.image_to, b.image_to);
  EXPECT_EQ(a.order, b.order);
  EXPECT_EQ(a.note, b.note);
}

TEST_P(DatabaseContract, JournalRecordsARunAndWhatItsStepsApplied) {
  int tick = 0;
  Journal journal(*db_, [&] { return "2024-01-01T00:00:" + std::to_string(10 + tick++) + "Z"; });

  auto has = journal.HasSchema();
  ASSERT_OK(has);
  EXPECT_FALSE(*has);
  auto empty = journal.LoadState();  // no tables yet: an empty state, not an error
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->releases.empty());
  EXPECT_FALSE(empty->current_version().has_value());
  ASSERT_OK(journal.EnsureSchema());
  ASSERT_OK(journal.EnsureSchema());  // idempotent
  has = journal.HasSchema();
  ASSERT_OK(has);
  EXPECT_TRUE(*has);
  EXPECT_TRUE(Tables(*db_).empty());  // the state tables are not user tables

  const RunPlan plan = ThreeStepPlan();
  RunMeta meta{"alice", "host-a", 4242, "first deploy", "deploy plan.yaml", "prod"};
  auto run = journal.StartRun(plan, meta);
  ASSERT_OK(run);
  const int64_t id = *run;

  auto steps = journal.LoadSteps(id);
  ASSERT_OK(steps);
  ASSERT_EQ(steps->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE("step " + std::to_string(i + 1));
    EXPECT_EQ((*steps)[i].n, static_cast<int>(i + 1));
    EXPECT_STREQ(Name((*steps)[i].status), "pending");
    EXPECT_EQ((*steps)[i].attempts, 0);
    EXPECT_EQ((*steps)[i].started_at, "");
    ExpectSameStep((*steps)[i].step, plan.steps[i]);
  }

  auto unfinished = journal.UnfinishedRun();
  ASSERT_OK(unfinished);
  ASSERT_TRUE(unfinished->has_value());
  const RunRecord& r = **unfinished;
  EXPECT_EQ(r.id, id);
  EXPECT_EQ(r.kind, "deploy");
  EXPECT_EQ(r.app, "shop");
  EXPECT_EQ(r.environment, "prod");
  EXPECT_EQ(r.fingerprint, plan.fingerprint);
  EXPECT_EQ(r.from_version, "");
  EXPECT_EQ(r.to_version, "1.0.0");
  EXPECT_EQ(r.actor, "alice");
  EXPECT_EQ(r.host, "host-a");
  EXPECT_EQ(r.pid, 4242);
  EXPECT_EQ(r.reason, "first deploy");
  EXPECT_EQ(r.command, "deploy plan.yaml");
  EXPECT_STREQ(Name(r.status), "running");
  EXPECT_EQ(r.step_count, 3);
  EXPECT_EQ(r.steps_done, 0);
  EXPECT_TRUE(r.unfinished());

  // A step whose transaction is not committed leaves no trace (MySQL: but its DDL, which commits
  // by itself; the journal records nothing of it).
  {
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    ASSERT_OK((*txn)->ExecScript(plan.steps[0].sql));
    ASSERT_OK(journal.RecordEffects(**txn, id, plan.steps[0]));
    ASSERT_OK(journal.MarkStep(**txn, id, 1, StepStatus::kDone));
  }
  auto state = journal.LoadState();
  ASSERT_OK(state);
  EXPECT_TRUE(state->migrations.empty());
  if (IsMysql()) {
    EXPECT_EQ(Tables(*db_), (std::vector<std::string>{"orders"}));
    ASSERT_OK(db_->ExecScriptNoTransaction("DROP TABLE orders"));
  }
  EXPECT_TRUE(Tables(*db_).empty());

  // Step 1: the migration, its effect and its journal row commit together.
  {
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    ASSERT_OK((*txn)->ExecScript(plan.steps[0].sql));
    ASSERT_OK(journal.RecordEffects(**txn, id, plan.steps[0]));
    ASSERT_OK(journal.MarkStep(**txn, id, 1, StepStatus::kDone));
    ASSERT_OK((*txn)->Commit());
  }
  state = journal.LoadState();
  ASSERT_OK(state);
  ASSERT_EQ(state->migrations.size(), 1u);
  const AppliedMigration& m = state->migrations[0];
  EXPECT_EQ(m.release, "1.0.0");
  EXPECT_EQ(m.id, "0001_create_orders");
  EXPECT_EQ(m.up_sql, plan.steps[0].sql);
  EXPECT_EQ(m.up_sha256, Sha256Hex(plan.steps[0].sql));
  EXPECT_EQ(m.down_sql, "DROP TABLE orders;\n");
  EXPECT_EQ(m.down_sha256, Sha256Hex("DROP TABLE orders;\n"));
  EXPECT_FALSE(m.irreversible);
  EXPECT_TRUE(m.transactional);
  EXPECT_EQ(m.seq, 1);
  EXPECT_FALSE(m.applied_at.empty());
  EXPECT_FALSE(state->current_version().has_value());
  EXPECT_EQ(Tables(*db_), (std::vector<std::string>{"orders"}));

  steps = journal.LoadSteps(id);
  ASSERT_OK(steps);
  EXPECT_STREQ(Name((*steps)[0].status), "done");
  EXPECT_EQ((*steps)[0].attempts, 1);
  EXPECT_FALSE((*steps)[0].started_at.empty());
  EXPECT_FALSE((*steps)[0].finished_at.empty());
  EXPECT_STREQ(Name((*steps)[1].status), "pending");

  // Step 2: the release.
  {
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    ASSERT_OK(journal.RecordEffects(**txn, id, plan.steps[1]));
    ASSERT_OK(journal.MarkStep(**txn, id, 2, StepStatus::kDone));
    ASSERT_OK((*txn)->Commit());
  }
  state = journal.LoadState();
  ASSERT_OK(state);
  EXPECT_EQ(state->current_version(), std::optional<std::string>("1.0.0"));
  ASSERT_EQ(state->releases.size(), 1u);
  EXPECT_EQ(state->releases[0].image, "shop:1.0.0");
  EXPECT_EQ(state->releases[0].order, "schema-first");
  EXPECT_EQ(state->releases[0].seq, 1);

  // Step 3 (not transactional): started, failed, started again, done.
  ASSERT_OK(journal.MarkStepNow(id, 3, StepStatus::kStarted));
  ASSERT_OK(journal.MarkStepNow(id, 3, StepStatus::kFailed, "the deployer said no"));
  steps = journal.LoadSteps(id);
  ASSERT_OK(steps);
  EXPECT_STREQ(Name((*steps)[2].status), "failed");
  EXPECT_EQ((*steps)[2].error, "the deployer said no");
  EXPECT_EQ((*steps)[2].attempts, 1);
  ASSERT_OK(journal.MarkStepNow(id, 3, StepStatus::kStarted));
  ASSERT_OK(journal.MarkStepNow(id, 3, StepStatus::kDone));
  steps = journal.LoadSteps(id);
  ASSERT_OK(steps);
  EXPECT_STREQ(Name((*steps)[2].status), "done");
  EXPECT_EQ((*steps)[2].error, "");
  EXPECT_EQ((*steps)[2].attempts, 2);

  unfinished = journal.UnfinishedRun();
  ASSERT_OK(unfinished);
  ASSERT_TRUE(unfinished->has_value());
  EXPECT_EQ((*unfinished)->steps_done, 3);

  ASSERT_OK(journal.FinishRun(id, RunStatus::kDone));
  unfinished = journal.UnfinishedRun();
  ASSERT_OK(unfinished);
  EXPECT_FALSE(unfinished->has_value());

  // A second run, which fails: History lists the newest first.
  RunPlan second;
  second.direction = Direction::kRollback;
  second.app = "shop";
  second.from_version = "1.0.0";
  second.to_version = "0.9.0";
  second.fingerprint = FingerprintOf(second);
  auto run2 = journal.StartRun(second, RunMeta{"bob", "host-b", 7, "", "rollback", ""});
  ASSERT_OK(run2);
  EXPECT_GT(*run2, id);
  ASSERT_OK(journal.FinishRun(*run2, RunStatus::kFailed, "boom"));
  unfinished = journal.UnfinishedRun();
  ASSERT_OK(unfinished);
  ASSERT_TRUE(unfinished->has_value());  // a failed run is unfinished
  EXPECT_EQ((*unfinished)->id, *run2);

  auto history = journal.History(0);
  ASSERT_OK(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].id, *run2);
  EXPECT_EQ((*history)[0].kind, "rollback");
  EXPECT_STREQ(Name((*history)[0].status), "failed");
  EXPECT_EQ((*history)[0].error, "boom");
  EXPECT_EQ((*history)[0].from_version, "1.0.0");
  EXPECT_EQ((*history)[0].environment, "");
  EXPECT_EQ((*history)[0].reason, "");
  EXPECT_FALSE((*history)[0].finished_at.empty());
  EXPECT_EQ((*history)[1].id, id);
  EXPECT_STREQ(Name((*history)[1].status), "done");
  EXPECT_EQ((*history)[1].steps_done, 3);
  history = journal.History(1);
  ASSERT_OK(history);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].id, *run2);

  // Another connection sees the same state (the journal lives in the database).
  auto other = Open(url_);
  ASSERT_NE(other, nullptr);
  Journal seen(*other, NowIso8601);
  auto their_state = seen.LoadState();
  ASSERT_OK(their_state);
  EXPECT_EQ(their_state->current_version(), std::optional<std::string>("1.0.0"));
  ASSERT_EQ(their_state->migrations.size(), 1u);
  EXPECT_EQ(their_state->migrations[0].down_sql, "DROP TABLE orders;\n");
}

TEST_P(DatabaseContract, JournalForgetsRevertedMigrationsAndReleases) {
  Journal journal(*db_, NowIso8601);
  ASSERT_OK(journal.EnsureSchema());
  RunPlan plan = ThreeStepPlan();
  Step irreversible = Migration("1.0.0", "0002_irreversible", "CREATE TABLE x (id INTEGER);", "");
  irreversible.irreversible = true;
  irreversible.down_sha256.clear();
  plan.steps.insert(plan.steps.begin() + 1, irreversible);
  auto run = journal.StartRun(plan, RunMeta{"a", "h", 1, "", "", ""});
  ASSERT_OK(run);
  for (int n = 1; n <= 3; ++n) {
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    ASSERT_OK(journal.RecordEffects(**txn, *run, plan.steps[n - 1]));
    ASSERT_OK(journal.MarkStep(**txn, *run, n, StepStatus::kDone));
    ASSERT_OK((*txn)->Commit());
  }
  auto state = journal.LoadState();
  ASSERT_OK(state);
  ASSERT_EQ(state->migrations.size(), 2u);
  EXPECT_EQ(state->migrations[1].id, "0002_irreversible");
  EXPECT_TRUE(state->migrations[1].irreversible);
  EXPECT_EQ(state->migrations[1].seq, 2);

  Step revert;
  revert.kind = StepKind::kRevertMigration;
  revert.release = "1.0.0";
  revert.id = "0001_create_orders";
  Step forget;
  forget.kind = StepKind::kForgetRelease;
  forget.release = "1.0.0";
  auto txn = db_->Begin();
  ASSERT_OK(txn);
  ASSERT_OK(journal.RecordEffects(**txn, *run, forget));
  ASSERT_OK(journal.RecordEffects(**txn, *run, revert));
  ASSERT_OK((*txn)->Commit());
  state = journal.LoadState();
  ASSERT_OK(state);
  EXPECT_FALSE(state->current_version().has_value());
  ASSERT_EQ(state->migrations.size(), 1u);
  EXPECT_EQ(state->migrations[0].id, "0002_irreversible");
}

// ---- URLs never show passwords ------------------------------------------------------------------

TEST_P(DatabaseContract, DisplayUrlNeverContainsAPassword) {
  if (IsMysql()) {
    // mysql://root@host:port/db -> mysql://root:s3cret@host:port/db. The test server's root has
    // no password, so a wrong one is refused: the error must not show it.
    EXPECT_FALSE(Contains(db_->DisplayUrl(), "***")) << db_->DisplayUrl();
    std::string with_password = url_;
    const size_t at = with_password.find('@');
    ASSERT_NE(at, std::string::npos) << url_;
    with_password.insert(at, ":s3cret");
    EXPECT_FALSE(Contains(RedactUrl(with_password), "s3cret")) << RedactUrl(with_password);
    EXPECT_TRUE(Contains(RedactUrl(with_password), ":***@")) << RedactUrl(with_password);
    auto db = OpenDatabase(with_password, ".");
    ASSERT_FALSE(db.ok());
    EXPECT_FALSE(Contains(db.status().message(), "s3cret")) << db.status().message();
    EXPECT_TRUE(Contains(db.status().message(), ":***@")) << db.status().message();
    // A password given apart (password_env) is not shown either.
    auto apart = OpenDatabase(url_, ".", "s3cret");
    ASSERT_FALSE(apart.ok());
    EXPECT_FALSE(Contains(apart.status().message(), "s3cret")) << apart.status().message();
    return;
  }
  if (!IsPostgres()) {
    EXPECT_EQ(db_->DisplayUrl().rfind("sqlite:", 0), 0u) << db_->DisplayUrl();
    return;
  }
  // postgresql://user@host:port/db -> postgresql://user:s3cret@host:port/db. The test server
  // trusts local connections, so the wrong password still connects.
  std::string with_password = url_;
  const size_t at = with_password.find('@');
  ASSERT_NE(at, std::string::npos) << url_;
  with_password.insert(at, ":s3cret");
  auto db = OpenDatabase(with_password, ".");
  ASSERT_OK(db);
  EXPECT_FALSE(Contains((*db)->DisplayUrl(), "s3cret")) << (*db)->DisplayUrl();
  EXPECT_TRUE(Contains((*db)->DisplayUrl(), "***")) << (*db)->DisplayUrl();

  // Errors about it do not show it either.
  auto unknown_db = OpenDatabase(PgUrlWithDatabase(with_password, "no_such_database_here"), ".");
  ASSERT_FALSE(unknown_db.ok());
  EXPECT_FALSE(Contains(unknown_db.status().message(), "s3cret")) << unknown_db.status().message();
}

TEST(RedactUrl, RemovesPasswordsFromUrlsAndKeyValueStrings) {
  for (const std::string url :
       {"host=x password=s3cret dbname=y", "postgresql://u:s3cret@h/db?password=s3cret",
        "postgres://u:s3cret@h:5432/db", "host=x password='s3cret with space' dbname=y",
        "postgresql://h/db?sslmode=disable&password=s3cret"}) {
    const std::string redacted = RedactUrl(url);
    EXPECT_FALSE(Contains(redacted, "s3cret")) << url << " -> " << redacted;
    EXPECT_TRUE(Contains(redacted, "***")) << url << " -> " << redacted;
  }
  EXPECT_EQ(RedactUrl("host=x password=s3cret dbname=y"), "host=x password=*** dbname=y");
  EXPECT_EQ(RedactUrl("postgresql://u@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(RedactUrl("sqlite:state/app.db"), "sqlite:state/app.db");
}

TEST(OpenDatabase, ConnectionErrorsDoNotShowThePassword) {
  // Nothing listens on port 1: the connection is refused at once.
  auto db = OpenDatabase("postgresql://u:s3cret@127.0.0.1:1/db?connect_timeout=2", ".");
  ASSERT_FALSE(db.ok());
  EXPECT_FALSE(Contains(db.status().message(), "s3cret")) << db.status().message();
  auto kv = OpenDatabase("host=127.0.0.1 port=1 user=u password=s3cret dbname=db", ".");
  ASSERT_FALSE(kv.ok());
  EXPECT_FALSE(Contains(kv.status().message(), "s3cret")) << kv.status().message();
  // mysql:// is an engine now (its own test: mysql_adapter_test); a scheme no build opens:
  auto unknown = OpenDatabase("oracle://u:s3cret@h/db", ".");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), Code::kInvalid);
  EXPECT_FALSE(Contains(unknown.status().message(), "s3cret")) << unknown.status().message();
  auto mysql = OpenDatabase("mysql://u:s3cret@127.0.0.1:1/db", ".");
  ASSERT_FALSE(mysql.ok());
  EXPECT_FALSE(Contains(mysql.status().message(), "s3cret")) << mysql.status().message();
}

TEST(PgUrlWithDatabase, ReplacesTheDatabaseName) {
  EXPECT_EQ(PgUrlWithDatabase("postgresql://u@h:5/old", "new"), "postgresql://u@h:5/new");
  EXPECT_EQ(PgUrlWithDatabase("postgresql://u@h:5/old?sslmode=disable", "new"),
            "postgresql://u@h:5/new?sslmode=disable");
  EXPECT_EQ(PgUrlWithDatabase("postgresql://u@h:5", "new"), "postgresql://u@h:5/new");
  EXPECT_EQ(PgUrlWithDatabase("postgres://h?x=1", "new"), "postgres://h/new?x=1");
  EXPECT_EQ(PgUrlWithDatabase("host=/tmp dbname=old port=5", "new"), "host=/tmp dbname=new port=5");
  EXPECT_EQ(PgUrlWithDatabase("host=/tmp", "new"), "host=/tmp dbname=new");
}

}  // namespace
}  // namespace orchestrate::testing

namespace orchestrate {
namespace {

// The journal's statuses are enums inside orchestrate and names in the state tables and JSON: every
// name reads back as its status, and a name from a newer build is not mistaken for one.
TEST(JournalStatusNames, EveryStatusRoundTripsByName) {
  for (RunStatus s : {RunStatus::kRunning, RunStatus::kFailed, RunStatus::kInterrupted,
                      RunStatus::kDone, RunStatus::kAbandoned, RunStatus::kSuperseded})
    EXPECT_EQ(RunStatusFromName(Name(s)), s) << Name(s);
  for (StepStatus s :
       {StepStatus::kPending, StepStatus::kStarted, StepStatus::kDone, StepStatus::kFailed})
    EXPECT_EQ(StepStatusFromName(Name(s)), s) << Name(s);
  EXPECT_STREQ(Name(RunStatus::kInterrupted), "interrupted");
  EXPECT_STREQ(Name(StepStatus::kPending), "pending");
  EXPECT_FALSE(RunStatusFromName("paused").has_value());
  EXPECT_FALSE(StepStatusFromName("").has_value());
}

}  // namespace
}  // namespace orchestrate
