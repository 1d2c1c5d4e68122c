// End-to-end tests of the real binary on a real PostgreSQL server (started by make test through
// scripts/pg-test-server). Run directly without a server, they skip and say how to start one.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "migrations/database.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

class PgShopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CopyTree(SourceDir() + "/samples/shop", dir_ / "shop");
    plan_ = dir_ / "shop/plan.yaml";
  }

  // Appends `sql` to a migration's down file (before deploying, so the stored down SQL has it).
  void AppendToDown(const std::string& id, const std::string& sql) {
    std::string f = dir_ / ("shop/sql/" + id + ".down.sql");
    WriteFileOrDie(f, ReadFileOrDie(f) + "\n" + sql + "\n");
  }

  std::vector<std::string> Args(const std::string& url, std::vector<std::string> args) {
    args.insert(args.begin() + 1, plan_);
    args.insert(args.begin(), OrchestrateBin());
    args.insert(args.end(), {"--env", "pg", "--database", url});
    return args;
  }

  ProcessResult Run(const std::string& url, std::vector<std::string> args) {
    return RunProcess(Args(url, std::move(args)), Options());
  }

  ProcessOptions Options() {
    ProcessOptions o;
    o.env["STATE_DIR"] = dir_ / "state";
    return o;
  }

  nlohmann::json Status(const std::string& url) {
    auto r = Run(url, {"status", "--output", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  }

  static void ExpectSameDatabase(const nlohmann::json& a, const nlohmann::json& b) {
    EXPECT_EQ(a["schema_fingerprint"], b["schema_fingerprint"]);
    EXPECT_EQ(a["data_fingerprint"], b["data_fingerprint"]);
    EXPECT_EQ(a["tables"], b["tables"]);
    EXPECT_EQ(a["current_version"], b["current_version"]);
  }

  TempDir dir_;
  std::string plan_;
};

TEST_F(PgShopTest, DeployLatestThenRollbackToFirstEqualsFreshFirst) {
  ORCH_REQUIRE_PG(url);
  ORCH_REQUIRE_PG(fresh);
  ASSERT_EQ(Run(url, {"deploy", "--yes", "-q"}).exit_code, 0);
  auto r = Run(url, {"rollback", "--to", "1.0.0", "--reason", "pg e2e", "--yes", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(Run(fresh, {"deploy", "--to", "1.0.0", "--yes", "-q"}).exit_code, 0);
  ExpectSameDatabase(Status(url), Status(fresh));
}

// `--to none` on PostgreSQL: every release reverted, the first included, and the schema is that
// of a database that never had a release (issue 21).
TEST_F(PgShopTest, RollbackToNoneRevertsEveryRelease) {
  ORCH_REQUIRE_PG(url);
  ORCH_REQUIRE_PG(never);
  ASSERT_EQ(Run(url, {"deploy", "--yes", "-q"}).exit_code, 0);
  auto check = Run(url, {"check", "--to", "none"});
  EXPECT_EQ(check.exit_code, 4) << check.out << check.err;
  auto sql = Run(url, {"sql", "--to", "none", "-o", dir_ / "none.sql"});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  auto r = Run(url, {"rollback", "--to", "none", "--reason", "pg none", "--yes", "-q", "--approved",
                     dir_ / "none.sql"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto rolled = Status(url);
  auto fresh = Status(never);
  EXPECT_TRUE(rolled["current_version"].is_null()) << rolled.dump();
  EXPECT_EQ(rolled["applied_migrations"], 0);
  EXPECT_EQ(rolled["schema_fingerprint"], fresh["schema_fingerprint"]);
  EXPECT_EQ(rolled["tables"], fresh["tables"]);
  ASSERT_EQ(Run(url, {"deploy", "--yes", "-q"}).exit_code, 0);
  EXPECT_EQ(Status(url)["current_version"], "1.3.0");
}

// A Sqitch project on PostgreSQL, in Sqitch's own template shapes, imported as a user would: the
// dialect comes from sqitch.conf, so `validate` parses the scripts as PostgreSQL (no false
// errors), and the plan deploys and rolls back to nothing on a real server (issue 21).
TEST(PgImport, ImportedPostgresHistoryValidatesDeploysAndRollsBackToNone) {
  ORCH_REQUIRE_PG(url);
  ORCH_REQUIRE_PG(never);
  TempDir dir;
  std::string sq = dir / "flipr";
  WriteFileOrDie(sq + "/sqitch.conf", "[core]\n\tengine = pg\n");
  WriteFileOrDie(sq + "/sqitch.plan",
                 "%syntax-version=1.0.0\n%project=flipr\n\n"
                 "appschema 2024-01-01T00:00:00Z A <a@b.c>\n"
                 "users [appschema] 2024-01-01T00:01:00Z A <a@b.c>\n"
                 "@v1.0 2024-01-02T00:00:00Z A <a@b.c>\n"
                 "touch [users] 2024-01-03T00:00:00Z A <a@b.c>\n"
                 "users_idx [users] 2024-01-03T00:01:00Z A <a@b.c>\n");
  auto wrapped = [](const std::string& what, const std::string& sql) {
    return "-- " + what + "\n\nBEGIN;\n\n" + sql + "\n\nCOMMIT;\n";
  };
  WriteFileOrDie(sq + "/deploy/appschema.sql",
                 wrapped("Deploy flipr:appschema to pg", "CREATE SCHEMA flipr;"));
  WriteFileOrDie(sq + "/revert/appschema.sql",
                 wrapped("Revert flipr:appschema from pg", "DROP SCHEMA flipr;"));
  WriteFileOrDie(sq + "/deploy/users.sql",
                 wrapped("Deploy flipr:users to pg",
                         "CREATE TABLE flipr.users (\n  id bigserial PRIMARY KEY,\n"
                         "  nickname text NOT NULL UNIQUE,\n"
                         "  settings jsonb NOT NULL DEFAULT '{}'::jsonb,\n"
                         "  tags text[] NOT NULL DEFAULT '{}',\n"
                         "  seen timestamptz NOT NULL DEFAULT now()\n);\n"
                         "COMMENT ON TABLE flipr.users IS 'who flips';"));
  WriteFileOrDie(sq + "/revert/users.sql",
                 wrapped("Revert flipr:users from pg", "DROP TABLE flipr.users;"));
  WriteFileOrDie(sq + "/deploy/touch.sql",
                 wrapped("Deploy flipr:touch to pg",
                         "CREATE FUNCTION flipr.touch() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                         "BEGIN\n  NEW.seen := now();\n  RETURN NEW;\nEND;\n$$;\n"
                         "CREATE TRIGGER users_touch BEFORE UPDATE ON flipr.users\n"
                         "  FOR EACH ROW EXECUTE FUNCTION flipr.touch();"));
  WriteFileOrDie(sq + "/revert/touch.sql",
                 wrapped("Revert flipr:touch from pg",
                         "DROP TRIGGER users_touch ON flipr.users;\nDROP FUNCTION flipr.touch();"));
  WriteFileOrDie(sq + "/deploy/users_idx.sql",
                 "CREATE INDEX CONCURRENTLY users_tags ON flipr.users USING gin (tags);\n");
  WriteFileOrDie(sq + "/revert/users_idx.sql", "DROP INDEX CONCURRENTLY flipr.users_tags;\n");

  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), OrchestrateBin());
    ProcessOptions o;
    o.env["STATE_DIR"] = dir / "state";
    return RunProcess(args, o);
  };
  // As SQLite (the old default), the same scripts are reported as errors.
  auto as_sqlite = run({"import", "sqitch", sq, "-o", dir / "as_sqlite", "--dialect", "sqlite"});
  ASSERT_EQ(as_sqlite.exit_code, 0) << as_sqlite.err;
  auto false_errors = run({"validate", dir / "as_sqlite/plan.yaml"});
  EXPECT_EQ(false_errors.exit_code, 2) << false_errors.out;
  EXPECT_NE(false_errors.err.find("migration touch (up)"), std::string::npos) << false_errors.err;

  auto imported = run({"import", "sqitch", sq, "-o", dir / "plan"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("dialect postgresql (from " + sq + "/sqitch.conf: engine = pg)"),
            std::string::npos)
      << imported.out;
  std::string plan = dir / "plan/plan.yaml";
  auto v = run({"validate", plan});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_EQ(v.err.find("warning"), std::string::npos) << v.err;
  auto d = run({"deploy", plan, "--database", url, "--yes", "-q"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  auto rb =
      run({"rollback", plan, "--database", url, "--to", "none", "--reason", "none", "--yes", "-q"});
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  auto status = [&](const std::string& db) {
    auto r = run({"status", plan, "--database", db, "--output", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  };
  auto rolled = status(url), fresh = status(never);
  EXPECT_TRUE(rolled["current_version"].is_null()) << rolled.dump();
  EXPECT_EQ(rolled["schema_fingerprint"], fresh["schema_fingerprint"]);
}

TEST_F(PgShopTest, KilledDuringSlowDownMigrationResumesToSameEndState) {
  ORCH_REQUIRE_PG(url);
  ORCH_REQUIRE_PG(reference);
  AppendToDown("0016_create_view_order_summaries", "SELECT pg_sleep(1.5);");
  for (const auto& u : {url, reference}) ASSERT_EQ(Run(u, {"deploy", "--yes", "-q"}).exit_code, 0);
  ASSERT_EQ(
      Run(reference, {"rollback", "--to", "1.0.0", "--reason", "ref", "--yes", "-q"}).exit_code, 0);

  ProcessHandle h = StartProcess(
      Args(url, {"rollback", "--to", "1.0.0", "--reason", "kill", "--yes", "-q"}), Options());
  // Until the down-migration's pg_sleep runs (pg_stat_activity of the run's database).
  auto watcher = OpenDatabase(url, "");
  ASSERT_TRUE(watcher.ok()) << watcher.status().message();
  ASSERT_TRUE(WaitUntil([&] {
    auto txn = (*watcher)->BeginRead();
    if (!txn.ok()) return false;
    auto rows = (*txn)->Query(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE "
        "'%pg_sleep(1.5)%' AND pid <> pg_backend_pid() AND datname = current_database()");
    return rows.ok() && rows->rows[0][0].value_or("0") != "0";
  })) << "the slow down-migration never ran";
  kill(h.pid, SIGKILL);
  auto killed = Wait(h);
  ASSERT_EQ(killed.signal, SIGKILL) << killed.err;
  auto mid = Status(url);
  EXPECT_FALSE(mid["unfinished_run"].is_null());

  auto resumed =
      Run(url, {"rollback", "--to", "1.0.0", "--reason", "kill", "--yes", "--lock-timeout", "10"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  ExpectSameDatabase(Status(url), Status(reference));
}

// SIGKILL just before every step's commit (failpoints, test binary only): the resumed run reaches
// the uninterrupted end state and the journal shows every step applied exactly once.
TEST_F(PgShopTest, KilledBeforeEveryCommitResumesExactlyOnce) {
  ORCH_REQUIRE_PG(reference);
  ASSERT_EQ(Run(reference, {"deploy", "--yes", "-q"}).exit_code, 0);
  auto plan = Run(reference, {"plan", "--to", "1.0.0", "--output", "json"});
  auto steps = nlohmann::json::parse(plan.out)["steps"];
  ASSERT_EQ(
      Run(reference, {"rollback", "--to", "1.0.0", "--reason", "ref", "--yes", "-q"}).exit_code, 0);
  auto want = Status(reference);
  int kills = 0;
  for (size_t n = 1; n <= steps.size(); ++n) {
    if (steps[n - 1]["kind"] == "swap-image") continue;  // no database commit
    SCOPED_TRACE("before-commit:" + std::to_string(n));
    std::string url = FreshPgDatabase();
    ASSERT_FALSE(url.empty());
    ASSERT_EQ(Run(url, {"deploy", "--yes", "-q"}).exit_code, 0);
    ProcessOptions opts = Options();
    opts.env["ORCHESTRATE_FAILPOINT"] = "before-commit:" + std::to_string(n);
    auto args = Args(url, {"rollback", "--to", "1.0.0", "--reason", "kill", "--yes", "-q"});
    args[0] = FailpointsBin();
    auto killed = RunProcess(args, opts);
    ASSERT_EQ(killed.signal, SIGKILL) << killed.err;
    ++kills;
    auto resumed = Run(url, {"rollback", "--to", "1.0.0", "--reason", "kill", "--yes", "-q"});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    ExpectSameDatabase(Status(url), want);
    auto db = OpenDatabase(url, "");
    ASSERT_TRUE(db.ok());
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok());
    auto rows = (*txn)->Query(
        "SELECT n, status, attempts FROM orchestrate_steps WHERE run_id = (SELECT MAX(id) FROM "
        "orchestrate_runs) ORDER BY n");
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    ASSERT_EQ(rows->rows.size(), steps.size());
    for (const auto& r : rows->rows) {
      EXPECT_EQ(r[1].value_or(""), "done") << "step " << r[0].value_or("");
      EXPECT_EQ(r[2].value_or(""), "1")
          << "step " << r[0].value_or("") << " applied more than once";
    }
  }
  std::cout << "PostgreSQL: covered " << kills << " kill points\n";
}

// Four rollbacks started at once (the failpoint build, gated before the first step: the one that
// takes the lock holds it there until the other three have given up, so they meet it for sure).
TEST_F(PgShopTest, FourConcurrentRollbacksOneRunsOthersExit3) {
  ORCH_REQUIRE_PG(url);
  ASSERT_EQ(Run(url, {"deploy", "--yes", "-q"}).exit_code, 0);
  std::vector<std::vector<std::string>> argvs;
  for (int i = 0; i < 4; ++i) {
    argvs.push_back(Args(url, {"rollback", "--to", "1.0.0", "--reason", "race", "--yes", "-q",
                               "--lock-timeout", "0.3"}));
    argvs.back()[0] = FailpointsBin();
  }
  GatedRace race = RaceThroughGate(argvs, Options(), "before-step:1:" + (dir_ / "gate"),
                                   [](size_t) { return true; });
  ASSERT_GE(race.winner, 0) << "no rollback reached its first step";
  int done = 0, locked = 0;
  for (size_t i = 0; i < race.results.size(); ++i) {
    const ProcessResult& r = race.results[i];
    if (r.exit_code == 0) ++done;
    if (r.exit_code == 3) {
      ++locked;
      EXPECT_TRUE(race.exited_while_held[i]);
      EXPECT_NE(r.err.find("is locked by"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("rollback"), std::string::npos) << r.err;
    }
  }
  EXPECT_EQ(race.results[static_cast<size_t>(race.winner)].exit_code, 0);
  EXPECT_EQ(done, 1);
  EXPECT_EQ(locked, 3);
  auto h = Run(url, {"history", "--output", "json"});
  auto hist = nlohmann::json::parse(h.out)["runs"];
  ASSERT_EQ(hist.size(), 2u);  // the deploy and one rollback: the others recorded nothing
  EXPECT_EQ(hist[0]["status"], "done");
  EXPECT_EQ(Status(url)["current_version"], "1.0.0");
}

TEST_F(PgShopTest, FailingDownMigrationLeavesLastCompletedStep) {
  ORCH_REQUIRE_PG(url);
  AppendToDown("0014_customers_add_loyalty_points", "SELECT no_such_column FROM customers;");
  ASSERT_EQ(Run(url, {"deploy", "--yes", "-q"}).exit_code, 0);
  auto r = Run(url, {"rollback", "--to", "1.0.0", "--reason", "broken down", "--yes", "-q"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("migration 0014_customers_add_loyalty_points"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no_such_column"), std::string::npos) << r.err;
  auto st = Status(url);
  // 0017, 0016 and 0015 were reverted; 0014's transaction was rolled back whole.
  EXPECT_EQ(st["applied_migrations"], 14);
  EXPECT_EQ(st["unfinished_run"]["status"], "failed");
  EXPECT_EQ(st["current_version"], "1.3.0");
}

// `check` on PostgreSQL reads the catalog: a view made by hand on a table the rollback drops is
// NO-GO (PostgreSQL would refuse the DROP), and a down that drops an installed extension is a
// warning naming it and its version.
TEST_F(PgShopTest, CheckNamesViewsOnDroppedTablesAndDroppedExtensions) {
  ORCH_REQUIRE_PG(url);
  AppendToDown("0017_create_view_customer_loyalty", "DROP EXTENSION IF EXISTS citext;");
  ASSERT_EQ(Run(url, {"deploy", "--yes", "-q"}).exit_code, 0);
  auto made = RunProcess({"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c",
                          "CREATE EXTENSION citext; CREATE SCHEMA reports; CREATE VIEW "
                          "reports.tier_names AS SELECT name FROM loyalty_tiers;"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto r = Run(url, {"check", "--to", "1.2.0"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("drops table loyalty_tiers, but view reports.tier_names, which this "
                       "rollback does not touch, reads it"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("migration 0017_create_view_customer_loyalty, line "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(": drops extension citext (installed, version "), std::string::npos)
      << r.out;
  // Once the view is gone, the extension is a warning only.
  auto dropped =
      RunProcess({"/usr/bin/psql", "-X", "-q", "-d", url, "-c", "DROP VIEW reports.tier_names;"});
  ASSERT_EQ(dropped.exit_code, 0) << dropped.err;
  auto again = Run(url, {"check", "--to", "1.2.0"});
  EXPECT_EQ(again.exit_code, 4) << again.out << again.err;
  EXPECT_NE(again.out.find("drops extension citext"), std::string::npos) << again.out;
}

// A step that waits for a lock held by "production traffic" gives up after policy.lock_timeout,
// is retried policy.lock_retries times, then fails cleanly; once the lock is gone it resumes.
TEST_F(PgShopTest, StepWaitingForALockIsRetriedThenFails) {
  ORCH_REQUIRE_PG(url);
  std::string plan_text = ReadFileOrDie(plan_);
  plan_text.replace(plan_text.find("lock_timeout: 10s"), 17,
                    "lock_timeout: 200ms, lock_retries: 1");
  WriteFileOrDie(plan_, plan_text);
  ASSERT_EQ(Run(url, {"deploy", "--yes", "-q"}).exit_code, 0);

  auto traffic = OpenDatabase(url, "");
  ASSERT_TRUE(traffic.ok()) << traffic.status().message();
  {
    auto txn = (*traffic)->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Exec("LOCK TABLE loyalty_tiers IN ACCESS EXCLUSIVE MODE").ok());
    auto r = Run(url, {"rollback", "--reason", "locked", "--yes"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("retry 1/1"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("gave up after 2 attempts"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("SQLSTATE 55P03"), std::string::npos) << r.err;
  }  // the lock is released here
  auto st = Status(url);
  EXPECT_EQ(st["current_version"], "1.3.0");
  EXPECT_EQ(st["unfinished_run"]["status"], "failed");
  auto again = Run(url, {"rollback", "--reason", "locked", "--yes", "-q"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Status(url)["current_version"], "1.2.0");
}

// A `transactional: false` migration (CREATE INDEX CONCURRENTLY) runs outside a transaction with
// started/done records; killed after its statement ran but before `done` was recorded, the next
// run refuses to guess (exit 3, naming the statement) until a human marks the step.
TEST(PgNonTransactional, ConcurrentIndexDeployRollbackAndInterruptedStepNeedsHuman) {
  ORCH_REQUIRE_PG(url);
  TempDir dir;
  WriteFileOrDie(dir / "plan.yaml",
                 "app: idx\nreleases: [r1.yaml, r2.yaml]\nenvironments:\n  local:\n"
                 "    database: sqlite:unused.db\n    deployer: {kind: file, path: image}\n");
  WriteFileOrDie(dir / "r1.yaml",
                 "version: 1.0.0\nimage: idx:1\nmigrations:\n"
                 "  - {id: t, up: t.up.sql, down: t.down.sql}\n");
  WriteFileOrDie(dir / "r2.yaml",
                 "version: 1.1.0\nimage: idx:2\nmigrations:\n"
                 "  - {id: t_a_idx, up: idx.up.sql, down: idx.down.sql, transactional: false}\n");
  WriteFileOrDie(dir / "t.up.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);\n");
  WriteFileOrDie(dir / "t.down.sql", "DROP TABLE t;\n");
  WriteFileOrDie(dir / "idx.up.sql", "CREATE INDEX CONCURRENTLY t_a_idx ON t (a);\n");
  WriteFileOrDie(dir / "idx.down.sql", "DROP INDEX CONCURRENTLY t_a_idx;\n");
  auto run = [&](std::vector<std::string> args, const std::string& bin = "") {
    args.insert(args.begin() + 1, dir / "plan.yaml");
    args.insert(args.begin(), bin.empty() ? OrchestrateBin() : bin);
    args.insert(args.end(), {"--database", url, "--yes"});
    return RunProcess(args);
  };
  ASSERT_EQ(run({"deploy", "--to", "1.0.0"}).exit_code, 0);
  auto d = run({"deploy"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  auto r = run({"rollback", "--to", "1.0.0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // Killed after CREATE INDEX CONCURRENTLY ran, before its done mark committed (step 1).
  ProcessOptions opts;
  opts.env["ORCHESTRATE_FAILPOINT"] = "before-commit:1";
  std::vector<std::string> args = {FailpointsBin(), "deploy", dir / "plan.yaml",
                                   "--database",    url,      "--yes"};
  auto killed = RunProcess(args, opts);
  ASSERT_EQ(killed.signal, SIGKILL) << killed.err;
  auto blocked = run({"deploy"});
  EXPECT_EQ(blocked.exit_code, 3) << blocked.err;
  EXPECT_NE(blocked.err.find("CREATE INDEX CONCURRENTLY t_a_idx"), std::string::npos)
      << blocked.err;
  EXPECT_NE(blocked.err.find("--step 1 --mark done"), std::string::npos) << blocked.err;
  // The index exists, so the human marks the step done, pasting the command printed for that;
  // the run then completes.
  size_t at = blocked.err.find("`orchestrate force ");
  ASSERT_NE(at, std::string::npos) << blocked.err;
  std::string printed = blocked.err.substr(at + 1, blocked.err.find('`', at + 1) - at - 1);
  ASSERT_NE(printed.find("--mark done"), std::string::npos) << printed;
  WriteFileOrDie(dir / "bin/.keep", "");
  ASSERT_EQ(symlink(OrchestrateBin().c_str(), (dir / "bin/orchestrate").c_str()), 0);
  ProcessOptions path;
  path.env["PATH"] = (dir / "bin") + ":/usr/bin:/bin";
  auto marked = RunProcess({"/bin/sh", "-c", printed}, path);
  ASSERT_EQ(marked.exit_code, 0) << printed << "\n" << marked.err;
  auto finished = run({"deploy"});
  ASSERT_EQ(finished.exit_code, 0) << finished.err;
  auto again = run({"rollback", "--to", "1.0.0"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

// The review script on PostgreSQL: deterministic (golden), and run by hand with psql it leaves the
// database exactly as `orchestrate rollback` does.
TEST_F(PgShopTest, ReviewScriptIsGoldenAndRunsByHandWithPsql) {
  ORCH_REQUIRE_PG(url);
  ORCH_REQUIRE_PG(by_hand);
  for (const auto& u : {url, by_hand}) ASSERT_EQ(Run(u, {"deploy", "--yes", "-q"}).exit_code, 0);
  auto sql = Run(by_hand, {"sql", "--to", "1.0.0", "-o", dir_ / "rollback.sql"});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  std::string script = ReadFileOrDie(dir_ / "rollback.sql");
  std::string portable;
  std::istringstream in(script);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("-- where:", 0) != 0 && line.rfind("-- estimate:", 0) != 0 &&
        line.rfind("-- database:", 0) != 0)
      portable += line + "\n";
  std::string golden = SourceDir() + "/tests/golden/shop-rollback-1.3.0-to-1.0.0.postgresql.sql";
  if (std::getenv("ORCHESTRATE_UPDATE_GOLDEN")) WriteFileOrDie(golden, portable);
  EXPECT_EQ(portable, ReadFileOrDie(golden)) << "ORCHESTRATE_UPDATE_GOLDEN=1 rewrites " << golden;

  ASSERT_EQ(Run(url, {"rollback", "--to", "1.0.0", "--reason", "r", "--yes", "-q"}).exit_code, 0);
  auto psql = RunProcess({"/usr/bin/psql", "-X", "-q", "-v", "orchestrate_unattended=1", "-d",
                          by_hand, "-f", dir_ / "rollback.sql"});
  ASSERT_EQ(psql.exit_code, 0) << psql.err;
  auto a = Status(url);
  auto b = Status(by_hand);
  ExpectSameDatabase(a, b);
  EXPECT_EQ(a["applied_migrations"], b["applied_migrations"]);
}

TEST_F(PgShopTest, PasswordIsNeverPrinted) {
  ORCH_REQUIRE_PG(url);
  // The test server trusts local connections, so any password connects.
  std::string with_password = url;
  with_password.replace(with_password.find("postgres@"), 9, "postgres:s3cret-pw@");
  auto d = Run(with_password, {"deploy", "--to", "1.0.0", "--yes", "-v"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"status"},
                                                               {"status", "--output", "json"},
                                                               {"history"},
                                                               {"history", "--output", "json"},
                                                               {"plan", "--to", "1.1.0"}}) {
    auto r = Run(with_password, cmd);
    EXPECT_EQ(r.out.find("s3cret-pw"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("s3cret-pw"), std::string::npos) << r.err;
  }
  EXPECT_EQ(d.out.find("s3cret-pw"), std::string::npos);
  EXPECT_EQ(d.err.find("s3cret-pw"), std::string::npos);
  std::string bad_db = with_password.substr(0, with_password.rfind('/')) + "/no_such_db";
  auto bad = Run(bad_db, {"status"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err.find("s3cret-pw"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("no_such_db"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace orchestrate::testing
