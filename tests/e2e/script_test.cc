// Issue 14, "the script is the run": on clones of one database, the review script run by hand
// (psql / sqlite3 / mariadb) and `orchestrate` end in the same schema, user data, orchestrate state
// and snapshots (ignoring times and who ran it); where orchestrate stops, the script stops at the
// same place; a script rendered on a database that changed since stops before changing anything.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "migrations/database.h"
#include "plans/manifest.h"
#include "tests/support/mysql.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

// Columns whose values differ between two runs of the same work: when and by whom. The swap
// parts differ by nature (orchestrate's deployer records its own parts; a person swaps by hand),
// and the xid of a ledger chunk is the server's.
bool Volatile(const std::string& column) {
  static const char* const kNames[] = {
      "started_at", "finished_at", "applied_at", "deployed_at", "created_at", "restored_at", "at",
      "since",      "actor",       "host",       "pid",         "command",    "reason",      "xid"};
  for (const char* n : kNames)
    if (column == n) return true;
  return false;
}

class ScriptTest : public ::testing::TestWithParam<std::string> {
 protected:
  bool Pg() const { return GetParam() == "postgresql"; }
  bool My() const { return GetParam() == "mysql"; }
  // The run lock's table as Dump names it.
  std::string LockTable() const { return Pg() ? "public.orchestrate_lock" : "orchestrate_lock"; }

  void SetUp() override {
    CopyTree(SourceDir() + "/samples/shop", dir_ / "shop");
    plan_ = dir_ / "shop/plan.yaml";
    if (Pg()) {
      ORCH_REQUIRE_PG(a);
      a_ = a;
    } else if (My()) {
      ORCH_REQUIRE_MYSQL(a);
      a_ = a;
    } else {
      a_ = "sqlite:" + dir_ / "a.db";
    }
  }

  // `orchestrate COMMAND PLAN ARGS... --env E --database URL`.
  ProcessResult Run(const std::string& url, std::vector<std::string> args) {
    args.insert(args.begin() + 1, plan_);
    args.insert(args.begin(), OrchestrateBin());
    args.insert(args.end(), {"--env", Pg() ? "pg" : "local", "--database", url});
    ProcessOptions o;
    o.env["STATE_DIR"] = StateOf(url);
    return RunProcess(args, o);
  }

  // Each database has its own deployer state (the file that says which image runs), copied with
  // the database by Clone().
  std::string StateOf(const std::string& url) {
    auto it = states_.find(url);
    if (it != states_.end()) return it->second;
    return states_[url] = dir_ / ("state" + std::to_string(states_.size()));
  }

  // A copy of database `url` as it is now, with its deployer state.
  std::string Clone(const std::string& url, const std::string& name) {
    std::string copy = CloneDatabase(url, name);
    RunProcess({"/bin/cp", "-r", StateOf(url), StateOf(copy)});
    return copy;
  }
  std::string CloneDatabase(const std::string& url, const std::string& name) {
    if (My()) {  // mariadb-dump into a fresh database: schema, rows, triggers and routines
      std::string error;
      const std::string clone = FreshMysqlDatabase(&error);
      EXPECT_FALSE(clone.empty()) << error;
      const MysqlWhere from = MysqlWhereOf(url);
      const std::string client = " -uroot -h" + from.host + " -P" + from.port + " ";
      auto r = RunProcess({"/bin/sh", "-c",
                           "/usr/bin/mariadb-dump --routines --triggers" + client + from.db +
                               " | /usr/bin/mariadb" + client + MysqlWhereOf(clone).db});
      EXPECT_EQ(r.exit_code, 0) << r.err;
      return clone;
    }
    if (!Pg()) {
      std::string from = url.substr(7), to = dir_ / (name + ".db");
      auto cp = RunProcess({"/bin/cp", from, to});
      EXPECT_EQ(cp.exit_code, 0) << cp.err;
      return "sqlite:" + to;
    }
    std::string db = url.substr(url.rfind('/') + 1);
    db = db.substr(0, db.find('?'));
    std::string clone = db + "_" + name;
    auto r = RunProcess({"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                         PgTestServerUrl(), "-c", "CREATE DATABASE " + clone + " TEMPLATE " + db});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return PgUrlWithDatabase(url, clone);
  }

  // Runs `script` by hand, as a DBA would.
  ProcessResult RunByHand(const std::string& url, const std::string& script) {
    if (My()) return RunMariadbScript(url, script);
    if (Pg())
      return RunProcess(
          {"/usr/bin/psql", "-X", "-q", "-v", "orchestrate_unattended=1", "-d", url, "-f", script});
    return RunProcess(
        {"/bin/sh", "-c", "/usr/bin/sqlite3 '" + url.substr(7) + "' < '" + script + "'"});
  }

  // Every table (user tables, orchestrate_* state, snapshot storage) with its rows, sorted, without
  // the volatile columns.
  std::map<std::string, std::vector<std::string>> Dump(const std::string& url) {
    std::map<std::string, std::vector<std::string>> out;
    auto db = OpenDatabase(url, "");
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return out;
    auto txn = (*db)->BeginRead();
    EXPECT_TRUE(txn.ok());
    if (!txn.ok()) return out;
    auto tables = (*txn)->Query(
        Pg()   ? "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname IN "
                 "('public', 'orchestrate_snapshots') ORDER BY 1"
        : My() ? "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                 "DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1"
               : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                 "'sqlite_%' ORDER BY 1");
    EXPECT_TRUE(tables.ok()) << tables.status().message();
    if (!tables.ok()) return out;
    for (const Row& t : tables->rows) {
      const std::string name = t[0].value_or("");
      if (name.find("orchestrate_swap_parts") != std::string::npos) continue;
      // The schema each release left is recorded by orchestrate, not by a script (README).
      if (name.find("orchestrate_release_schemas") != std::string::npos ||
          name.find("orchestrate_schema_checks") != std::string::npos)
        continue;
      auto rows = (*txn)->Query("SELECT * FROM " + name);
      EXPECT_TRUE(rows.ok()) << name << ": " << rows.status().message();
      if (!rows.ok()) continue;
      std::vector<std::string>& lines = out[name];
      for (const Row& r : rows->rows) {
        std::string line;
        for (size_t i = 0; i < r.size(); ++i)
          if (!Volatile(rows->columns[i]))
            line += rows->columns[i] + "=" + r[i].value_or("NULL") + "; ";
        lines.push_back(line);
      }
      std::sort(lines.begin(), lines.end());
    }
    return out;
  }

  // The user tables only (not orchestrate_*).
  std::map<std::string, std::vector<std::string>> UserData(const std::string& url) {
    auto all = Dump(url);
    for (auto it = all.begin(); it != all.end();)
      it = it->first.find("orchestrate") != std::string::npos ? all.erase(it) : std::next(it);
    return all;
  }

  std::string SchemaFingerprint(const std::string& url) {
    auto r = Run(url, {"status", "--output", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code ? "" : nlohmann::json::parse(r.out)["schema_fingerprint"].dump();
  }

  // Renders the script of `args` (sql ...) on `url` into a file; returns its path.
  std::string Render(const std::string& url, std::vector<std::string> args,
                     const std::string& name) {
    std::string path = dir_ / name;
    args.insert(args.begin(), "sql");
    args.insert(args.end(), {"-o", path});
    auto r = Run(url, args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return path;
  }

  void ExpectSame(const std::string& by_orchestrate, const std::string& by_hand) {
    EXPECT_EQ(SchemaFingerprint(by_orchestrate), SchemaFingerprint(by_hand));
    auto a = Dump(by_orchestrate), b = Dump(by_hand);
    EXPECT_GT(a.size(), 10u);
    for (const auto& [table, rows] : a) {
      auto it = b.find(table);
      ASSERT_NE(it, b.end()) << table << " is missing after the script";
      EXPECT_EQ(rows, it->second) << "table " << table;
    }
    for (const auto& [table, rows] : b)
      EXPECT_TRUE(a.count(table)) << table << " exists only after the script";
  }

  TempDir dir_;
  std::string plan_, a_;
  std::map<std::string, std::string> states_;
};

TEST_P(ScriptTest, RollbackScriptRunByHandEndsAsTheRollback) {
  ASSERT_EQ(Run(a_, {"deploy", "--yes", "-q"}).exit_code, 0);
  std::string b = Clone(a_, "b");
  std::string script = Render(b, {"--to", "1.0.0"}, "rollback.sql");
  auto ran = Run(a_, {"rollback", "--to", "1.0.0", "--reason", "r", "--yes", "-q"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  auto by_hand = RunByHand(b, script);
  ASSERT_EQ(by_hand.exit_code, 0) << by_hand.err;
  ExpectSame(a_, b);
  // orchestrate takes over from a database the script rolled back, as from its own runs.
  EXPECT_EQ(Run(b, {"deploy", "--yes", "-q"}).exit_code, 0);
}

TEST_P(ScriptTest, DeployScriptRunByHandEndsAsTheDeploy) {
  ASSERT_EQ(Run(a_, {"deploy", "--to", "1.0.0", "--yes", "-q"}).exit_code, 0);
  std::string b = Clone(a_, "b");
  std::string script = Render(b, {}, "deploy.sql");
  auto ran = Run(a_, {"deploy", "--yes", "-q"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  auto by_hand = RunByHand(b, script);
  ASSERT_EQ(by_hand.exit_code, 0) << by_hand.err;
  ExpectSame(a_, b);
}

// A seeded row changed after the script was rendered: orchestrate stops at its ledger chunk, and
// the script stops at the same chunk, naming the seed, with the database as orchestrate left it
// (earlier chunks, committed one by one, stay reversed in both). Rendering the script now stops
// there too: no script is written for a run that cannot finish.
TEST_P(ScriptTest, AChangedSeededRowStopsTheScriptWhereTheRollbackStops) {
  ASSERT_EQ(Run(a_, {"deploy", "--yes", "-q"}).exit_code, 0);
  std::string b = Clone(a_, "b");
  std::string script = Render(b, {"--to", "1.0.0"}, "rollback.sql");
  auto exec = [&](const std::string& url, const std::string& sql) {
    auto db = OpenDatabase(url, "");
    ASSERT_TRUE(db.ok());
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Exec(sql).ok()) << sql;
    ASSERT_TRUE((*txn)->Commit().ok());
  };
  for (const auto& url : {a_, b})
    exec(url, "UPDATE loyalty_tiers SET discount_pct = 99 WHERE code = 'gold'");

  auto ran = Run(a_, {"rollback", "--to", "1.0.0", "--reason", "r", "--yes", "-q"});
  EXPECT_NE(ran.exit_code, 0);
  EXPECT_NE(ran.err.find("cannot reverse seed loyalty_tiers"), std::string::npos) << ran.err;
  auto by_hand = RunByHand(b, script);
  EXPECT_NE(by_hand.exit_code, 0);
  EXPECT_NE(by_hand.err.find("cannot reverse seed loyalty_tiers"), std::string::npos)
      << by_hand.err;
  EXPECT_EQ(UserData(a_), UserData(b));
  auto rendered = Run(a_, {"sql", "--to", "1.0.0", "-o", dir_ / "again.sql"});
  EXPECT_NE(rendered.exit_code, 0);
  EXPECT_NE(rendered.err.find("cannot reverse seed loyalty_tiers"), std::string::npos)
      << rendered.err;
  if (Pg()) return;  // PostgreSQL compares transaction ids: a row put back is still changed

  // The row put back: orchestrate finishes its own run, and the run the script started. sqlite3
  // stopped holding the run lock (the printed command releases it); MariaDB's named lock ended
  // with the client's session.
  for (const auto& url : {a_, b})
    exec(url, "UPDATE loyalty_tiers SET discount_pct = 5.00 WHERE code = 'gold'");
  auto finished = Run(a_, {"rollback", "--to", "1.0.0", "--reason", "r", "--yes", "-q"});
  ASSERT_EQ(finished.exit_code, 0) << finished.err;
  if (!My()) {
    auto locked = Run(
        b, {"rollback", "--to", "1.0.0", "--reason", "r", "--yes", "-q", "--lock-timeout", "1s"});
    ASSERT_EQ(locked.exit_code, 3) << locked.err;
    const size_t at = locked.err.find("`orchestrate force ");
    ASSERT_NE(at, std::string::npos) << locked.err;
    std::string unlock = locked.err.substr(at + 1, locked.err.find('`', at + 1) - at - 1);
    ProcessOptions o;
    o.env["STATE_DIR"] = StateOf(b);
    o.env["PATH"] = DirName(OrchestrateBin()) + ":/usr/bin:/bin";
    auto unlocked = RunProcess({"/bin/sh", "-c", unlock}, o);
    ASSERT_EQ(unlocked.exit_code, 0) << unlock << "\n" << unlocked.err;
  }
  // Step 1 of the script was the image swap, done by the operator while it waited.
  WriteFileOrDie(StateOf(b) + "/shop.image", "registry.example.com/shop:1.2.0\n");
  auto resumed = Run(b, {"rollback", "--to", "1.0.0", "--reason", "r", "--yes", "-q"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resumed"), std::string::npos) << resumed.out;
  EXPECT_EQ(UserData(a_), UserData(b));
}

// An order placed after the deploy with the status a seed added: the run stops at that seed's
// chunk (the row is referenced), and so does the script, with the database as the run leaves it.
TEST_P(ScriptTest, AReferencedSeededRowStopsTheScriptWhereTheRollbackStops) {
  ASSERT_EQ(Run(a_, {"deploy", "--yes", "-q"}).exit_code, 0);
  std::string b = Clone(a_, "b");
  std::string script = Render(b, {"--to", "1.0.0"}, "rollback.sql");
  for (const auto& url : {a_, b}) {
    auto db = OpenDatabase(url, "");
    ASSERT_TRUE(db.ok());
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)
                    ->Exec("INSERT INTO orders (id, customer_id, status_id, placed_at, total) "
                           "VALUES (99, 1, 6, '2026-01-01 10:00:00', 1.00)")
                    .ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto ran = Run(a_, {"rollback", "--to", "1.0.0", "--reason", "r", "--yes", "-q"});
  EXPECT_NE(ran.exit_code, 0);
  EXPECT_NE(ran.err.find("are now referenced by rows of orders"), std::string::npos) << ran.err;
  auto by_hand = RunByHand(b, script);
  EXPECT_NE(by_hand.exit_code, 0);
  EXPECT_NE(by_hand.err.find("are now referenced by rows of orders"), std::string::npos)
      << by_hand.err;
  EXPECT_EQ(UserData(a_), UserData(b));
}

// Drift (a migration's file changed since it was applied): orchestrate refuses to plan, and so
// no script is rendered either; the refusal names the file.
TEST_P(ScriptTest, NoScriptIsRenderedForADriftedPlan) {
  ASSERT_EQ(Run(a_, {"deploy", "--yes", "-q"}).exit_code, 0);
  std::string down = dir_ / "shop/sql/0017_create_view_customer_loyalty.down.sql";
  WriteFileOrDie(down, ReadFileOrDie(down) + "-- edited after the deploy\n");
  auto r = Run(a_, {"sql", "--to", "1.0.0", "-o", dir_ / "rollback.sql"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("drift"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("0017_create_view_customer_loyalty.down.sql"), std::string::npos) << r.err;
  EXPECT_FALSE(std::ifstream(dir_ / "rollback.sql").good());
}

// The database moved on after the script was rendered (another run): the script stops before
// changing anything, saying to render it again.
TEST_P(ScriptTest, AScriptForAnotherStateStopsBeforeChangingAnything) {
  ASSERT_EQ(Run(a_, {"deploy", "--yes", "-q"}).exit_code, 0);
  std::string script = Render(a_, {"--to", "1.0.0"}, "rollback.sql");
  ASSERT_EQ(Run(a_, {"rollback", "--to", "1.2.0", "--reason", "r", "--yes", "-q"}).exit_code, 0);
  auto before = Dump(a_);
  auto by_hand = RunByHand(a_, script);
  EXPECT_NE(by_hand.exit_code, 0);
  EXPECT_NE(by_hand.err.find("not as it was when this script was rendered"), std::string::npos)
      << by_hand.err;
  auto after = Dump(a_);
  after.erase(LockTable());
  before.erase(LockTable());
  EXPECT_EQ(after, before);
}

// A run left unfinished (here the newest run, marked so by hand: a crash after the script was
// rendered would also have added a run) stops the script before it changes anything.
TEST_P(ScriptTest, AnUnfinishedRunInTheWayStopsTheScript) {
  ASSERT_EQ(Run(a_, {"deploy", "--yes", "-q"}).exit_code, 0);
  std::string script = Render(a_, {"--to", "1.2.0"}, "rollback.sql");
  {
    auto db = OpenDatabase(a_, "");
    ASSERT_TRUE(db.ok()) << db.status().message();
    const Status marked = (*db)->ExecScriptNoTransaction(
        "UPDATE orchestrate_runs SET status = 'interrupted' WHERE id = (SELECT MAX(id) FROM "
        "orchestrate_runs)");
    ASSERT_TRUE(marked.ok()) << marked.message();
  }
  auto before = Dump(a_);
  auto by_hand = RunByHand(a_, script);
  EXPECT_NE(by_hand.exit_code, 0);
  EXPECT_NE(by_hand.err.find("an unfinished run is in the way (`orchestrate status` shows it)"),
            std::string::npos)
      << by_hand.err;
  auto after = Dump(a_);
  after.erase(LockTable());
  before.erase(LockTable());
  EXPECT_EQ(after, before);
}

// Rendering does the run's work in a transaction, taking its locks: it waits for a lock no longer
// than policy.lock_timeout (the sample's is 10 s; here 1 s), then fails saying so.
TEST(ScriptLocks, RenderingWaitsForALockNoLongerThanThePolicySays) {
  ORCH_REQUIRE_PG(url);
  TempDir dir;
  CopyTree(SourceDir() + "/samples/shop", dir / "shop");
  std::string plan = dir / "shop/plan.yaml";
  std::string text = ReadFileOrDie(plan);
  text.replace(text.find("lock_timeout: 10s"), 17, "lock_timeout: 1s");
  WriteFileOrDie(plan, text);
  ProcessOptions o;
  o.env["STATE_DIR"] = dir / "state";
  auto run = [&](const std::string& command, const std::vector<std::string>& rest) {
    std::vector<std::string> args = {OrchestrateBin(), command, plan};
    args.insert(args.end(), rest.begin(), rest.end());
    args.insert(args.end(), {"--env", "pg", "--database", url});
    return RunProcess(args, o);
  };
  ASSERT_EQ(run("deploy", {"--yes", "-q"}).exit_code, 0);
  // Another session holds customers (the rollback drops its columns) until it is killed.
  auto holder = StartProcess({"/usr/bin/psql", "-X", "-q", "-d", url, "-c",
                              "BEGIN; LOCK TABLE customers IN ACCESS SHARE MODE; "
                              "SELECT pg_sleep(30);"});
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto started = std::chrono::steady_clock::now();
  auto r = run("sql", {"--to", "1.0.0"});
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ::kill(holder.pid, SIGKILL);
  Wait(holder);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("lock timeout"), std::string::npos) << r.err;
  EXPECT_LT(seconds, 20);
}

INSTANTIATE_TEST_SUITE_P(Dialects, ScriptTest, ::testing::Values("sqlite", "postgresql", "mysql"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace orchestrate::testing
