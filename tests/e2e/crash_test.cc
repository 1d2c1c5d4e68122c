// Crash tests (`make crash-test`; long, so not part of `make test`): the process is killed with
// SIGKILL at every failpoint of a deploy and of a rollback of samples/shop (the
// orchestrate-failpoints binary, ORCHESTRATE_FAILPOINT), and for real in the middle of a slow
// statement; the same command run again must resume to the state of one uninterrupted run, with
// every step of the run done and applied exactly once. Prints how many kill points were covered.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "migrations/fingerprint.h"
#include "tests/support/pg.h"
#include "tests/support/shop_fixture.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

enum class Backend { kSqlite, kPostgres };

// How ctest and gtest name the parameter.
void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

class CrashTest : public ShopCopyTest, public ::testing::WithParamInterface<Backend> {
 protected:
  // A database: PostgreSQL, `url`; SQLite, the plan's default in the state folder `state`.
  struct Target {
    std::string url, state;
    std::string OpenUrl(const TempDir& dir) const {
      return url.empty() ? "sqlite:" + (dir / (state + "/shop.db")) : url;
    }
  };

  Target NewTarget(const std::string& state) {
    Target t{"", state};
    if (GetParam() == Backend::kPostgres) {
      std::string error;
      t.url = FreshPgDatabase(&error);
      EXPECT_FALSE(t.url.empty()) << error;
    }
    return t;
  }

  std::vector<std::string> Args(const Target& t, std::vector<std::string> args,
                                const std::string& bin = "") {
    args.insert(args.begin() + 1, plan_);
    args.insert(args.begin(), bin.empty() ? OrchestrateBin() : bin);
    if (!t.url.empty()) args.insert(args.end(), {"--env", "pg", "--database", t.url});
    args.insert(args.end(), {"--yes", "-q", "--lock-timeout", "30"});
    return args;
  }
  ProcessOptions Options(const Target& t, const std::string& failpoint = "") {
    ProcessOptions o;
    o.env["STATE_DIR"] = dir_ / t.state;
    if (!failpoint.empty()) o.env["ORCHESTRATE_FAILPOINT"] = failpoint;
    return o;
  }
  ProcessResult RunOn(const Target& t, const std::vector<std::string>& args) {
    return RunProcess(Args(t, args), Options(t));
  }

  std::string Image(const Target& t) {
    return ReadFileOrDie(dir_ / (t.state + (t.url.empty() ? "/shop.image" : "/shop-pg.image")));
  }

  // The user schema and data, the applied migrations and the running image.
  std::string EndState(const Target& t) {
    auto db = OpenDatabase(t.OpenUrl(dir_), "");
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return "";
    auto fp = TakeFingerprint(**db);
    EXPECT_TRUE(fp.ok()) << fp.status().message();
    auto txn = (*db)->BeginRead();
    EXPECT_TRUE(txn.ok());
    if (!fp.ok() || !txn.ok()) return "";
    auto applied = (*txn)->Query("SELECT COUNT(*) FROM orchestrate_migrations");
    EXPECT_TRUE(applied.ok()) << applied.status().message();
    return fp->schema_sha256 + " " + fp->data_sha256 + " " +
           (applied.ok() ? applied->rows[0][0].value_or("") : "") + " " + Image(t);
  }

  // Every step of the newest run is done, and was applied once.
  void ExpectEachStepOnce(const Target& t, size_t steps) {
    auto db = OpenDatabase(t.OpenUrl(dir_), "");
    ASSERT_TRUE(db.ok()) << db.status().message();
    auto txn = (*db)->BeginRead();
    ASSERT_TRUE(txn.ok()) << txn.status().message();
    auto rows = (*txn)->Query(
        "SELECT n, status, attempts FROM orchestrate_steps WHERE run_id = (SELECT MAX(id) FROM "
        "orchestrate_runs) ORDER BY n");
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    ASSERT_EQ(rows->rows.size(), steps);
    for (const auto& r : rows->rows) {
      EXPECT_EQ(r[1].value_or(""), "done") << "step " << r[0].value_or("");
      EXPECT_EQ(r[2].value_or(""), "1") << "step " << r[0].value_or("") << " applied twice";
    }
  }

  // The kinds of the steps `run` (kDeploy or kRollback) would run on `t`, in order.
  std::vector<std::string> StepKinds(const Target& t, const std::vector<std::string>& run) {
    std::vector<std::string> full = {OrchestrateBin(), "plan", plan_};
    if (run[0] == "rollback") full.insert(full.end(), {"--rollback", "--to", "1.0.0"});
    if (!t.url.empty()) full.insert(full.end(), {"--env", "pg", "--database", t.url});
    full.insert(full.end(), {"--output", "json"});
    auto r = RunProcess(full, Options(t));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> kinds;
    if (r.exit_code != 0) return kinds;
    const auto plan = nlohmann::json::parse(r.out);
    for (const auto& s : plan["steps"]) kinds.push_back(s["kind"]);
    return kinds;
  }

  // Kills `run` at each failpoint in `points` ("before-step", "before-commit", "after-step") of
  // every step, and at "before-finish", each time on a fresh database prepared by `prepare`, then
  // resumes it. Returns the number of kills.
  int KillEverywhere(const std::vector<std::string>& prepare, const std::vector<std::string>& run,
                     const std::vector<std::string>& points) {
    Target reference = NewTarget("reference");
    if (!prepare.empty()) {
      EXPECT_EQ(RunOn(reference, prepare).exit_code, 0);
    }
    auto kinds = StepKinds(reference, run);
    EXPECT_GT(kinds.size(), 10u);
    auto done = RunOn(reference, run);
    EXPECT_EQ(done.exit_code, 0) << done.err;
    const std::string want = EndState(reference);

    std::vector<std::string> failpoints;
    for (size_t n = 1; n <= kinds.size(); ++n)
      for (const auto& p : points)
        if (!(p == "before-commit" && kinds[n - 1] == "swap-image"))  // commits no transaction
          failpoints.push_back(p + ":" + std::to_string(n));
    failpoints.push_back("before-finish");

    int kills = 0;
    for (size_t i = 0; i < failpoints.size(); ++i) {
      const std::string& fp = failpoints[i];
      SCOPED_TRACE(run[0] + " killed at " + fp);
      Target t = NewTarget("kill-" + std::to_string(i));
      if (!prepare.empty()) {
        auto p = RunOn(t, prepare);
        EXPECT_EQ(p.exit_code, 0) << p.err;
        if (p.exit_code != 0) continue;
      }
      auto killed = RunProcess(Args(t, run, FailpointsBin()), Options(t, fp));
      EXPECT_EQ(killed.signal, SIGKILL) << "not killed: " << killed.exit_code << " " << killed.err;
      if (killed.signal != SIGKILL) continue;
      ++kills;
      auto resumed = RunOn(t, run);
      // A run whose finish rode in its last step's transaction (executor.h) is done after that
      // step: nothing is left to do (exit 1). The bookkeeping steps at the end ride with the step
      // before them (their host).
      size_t host = kinds.size();
      while (host > 1 &&
             (kinds[host - 1] == "forget-release" || kinds[host - 1] == "record-release"))
        --host;
      bool finished = false;
      for (size_t n = host; n <= kinds.size() && kinds[host - 1] != "swap-image"; ++n)
        finished = finished || fp == "after-step:" + std::to_string(n);
      EXPECT_EQ(resumed.exit_code, finished ? 1 : 0) << resumed.err;
      EXPECT_EQ(EndState(t), want);
      ExpectEachStepOnce(t, kinds.size());
    }
    return kills;
  }

  // SIGKILL while the slow statement that `slow_file` got runs (timed from the start of the run),
  // then the same command again.
  void KillDuringSlowStatement(const std::string& slow_file,
                               const std::vector<std::string>& prepare,
                               const std::vector<std::string>& run, int delay_ms) {
    std::string path = dir_ / ("shop/sql/" + slow_file);
    WriteFileOrDie(path, ReadFileOrDie(path) + "\n" +
                             (GetParam() == Backend::kPostgres
                                  ? "SELECT pg_sleep(2);\n"
                                  : "SELECT count(*) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION "
                                    "ALL SELECT i + 1 FROM n WHERE i < 6000000) SELECT i FROM "
                                    "n);\n"));
    Target reference = NewTarget("reference"), t = NewTarget("state");
    for (const auto* target : {&reference, &t}) {
      auto p = RunOn(*target, prepare);
      ASSERT_EQ(p.exit_code, 0) << p.err;
    }
    auto kinds = StepKinds(reference, run);
    ASSERT_EQ(RunOn(reference, run).exit_code, 0);

    ProcessHandle h = StartProcess(Args(t, run), Options(t));
    usleep(static_cast<useconds_t>(delay_ms) * 1000);
    kill(h.pid, SIGKILL);
    auto killed = Wait(h);
    ASSERT_EQ(killed.signal, SIGKILL) << "finished before the kill: " << killed.err;
    {
      auto db = OpenDatabase(t.OpenUrl(dir_), "");
      ASSERT_TRUE(db.ok()) << db.status().message();
      auto txn = (*db)->BeginRead();
      ASSERT_TRUE(txn.ok()) << txn.status().message();
      auto last = (*txn)->Query("SELECT status FROM orchestrate_runs ORDER BY id DESC LIMIT 1");
      ASSERT_TRUE(last.ok() && !last->rows.empty());
      EXPECT_NE(last->rows[0][0].value_or(""), "done") << "killed after the run had finished";
    }
    auto resumed = RunOn(t, run);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_EQ(EndState(t), EndState(reference));
    ExpectEachStepOnce(t, kinds.size());
  }
};

const std::vector<std::string> kDeploy = {"deploy"};
const std::vector<std::string> kRollback = {"rollback", "--to", "1.0.0", "--reason", "crash"};

TEST_P(CrashTest, KilledDeployAtEveryFailpointResumesExactlyOnce) {
  if (GetParam() == Backend::kPostgres) {
    ORCH_REQUIRE_PG(probe);
  }
  // PostgreSQL: before-commit of every rollback step is in pg_test.cc; here the deploy's steps.
  int kills = KillEverywhere({}, kDeploy, {"before-step", "before-commit", "after-step"});
  std::cout << (GetParam() == Backend::kPostgres ? "PostgreSQL" : "SQLite") << " deploy: covered "
            << kills << " kill points\n";
}

TEST_P(CrashTest, KilledRollbackAtEveryFailpointResumesExactlyOnce) {
  if (GetParam() == Backend::kPostgres) {
    ORCH_REQUIRE_PG(probe);
  }
  int kills = KillEverywhere(kDeploy, kRollback, {"before-step", "before-commit", "after-step"});
  std::cout << (GetParam() == Backend::kPostgres ? "PostgreSQL" : "SQLite") << " rollback: covered "
            << kills << " kill points\n";
}

TEST_P(CrashTest, SigkillDuringASlowDeployStatement) {
  if (GetParam() == Backend::kPostgres) {
    ORCH_REQUIRE_PG(probe);
  }
  KillDuringSlowStatement("0013_create_loyalty_tiers.up.sql", {"deploy", "--to", "1.2.0"}, kDeploy,
                          1000);
}

TEST_P(CrashTest, SigkillDuringASlowRollbackStatement) {
  if (GetParam() == Backend::kPostgres) {
    ORCH_REQUIRE_PG(probe);
  }
  KillDuringSlowStatement("0015_customers_rename_full_name.down.sql", kDeploy, kRollback, 1000);
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& param) {
                           return param.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace orchestrate::testing
