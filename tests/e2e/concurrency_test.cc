// Concurrent runs, end to end: eight `orchestrate rollback` (or `deploy`) processes started at
// once on one database, on SQLite and on PostgreSQL. Exactly one runs (it is held at a failpoint
// gate before its first step, so the others meet its lock for sure, with no timing); the others
// either give up after --lock-timeout naming the holder (exit 3), or wait for it and then find
// nothing to do (exit 1). Nothing is applied twice; the end state is that of one uninterrupted run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
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

constexpr int kProcesses = 8;

enum class Backend { kSqlite, kPostgres };

// How ctest and gtest name the parameter.
void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

class ConcurrencyTest : public ShopCopyTest, public ::testing::WithParamInterface<Backend> {
 protected:
  // A database for a run: PostgreSQL, a fresh database; SQLite, a state folder of its own.
  struct Target {
    std::string url;    // PostgreSQL: the database; SQLite: "" (the plan's default in `state`)
    std::string state;  // STATE_DIR under the test folder
    std::string OpenUrl(const TempDir& dir) const {
      return url.empty() ? "sqlite:" + (dir / (state + "/shop.db")) : url;
    }
  };

  std::vector<std::string> Args(const Target& t, std::vector<std::string> args) {
    args.insert(args.begin() + 1, plan_);
    args.insert(args.begin(), OrchestrateBin());
    if (!t.url.empty()) args.insert(args.end(), {"--env", "pg", "--database", t.url});
    return args;
  }
  ProcessOptions Options(const Target& t) {
    ProcessOptions o;
    o.env["STATE_DIR"] = dir_ / t.state;
    return o;
  }
  ProcessResult RunOn(const Target& t, std::vector<std::string> args) {
    return RunProcess(Args(t, std::move(args)), Options(t));
  }

  // The user schema and data.
  std::string Fingerprint(const Target& t) {
    auto db = OpenDatabase(t.OpenUrl(dir_), "");
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return "";
    auto fp = TakeFingerprint(**db);
    EXPECT_TRUE(fp.ok()) << fp.status().message();
    return fp.ok() ? fp->schema_sha256 + "/" + fp->data_sha256 : "";
  }

  // One row per query: each query returns a single number.
  std::vector<long> Counts(const Target& t, const std::vector<std::string>& queries) {
    std::vector<long> out;
    auto db = OpenDatabase(t.OpenUrl(dir_), "");
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return out;
    auto txn = (*db)->BeginRead();
    EXPECT_TRUE(txn.ok()) << txn.status().message();
    if (!txn.ok()) return out;
    for (const auto& q : queries) {
      auto rows = (*txn)->Query(q);
      EXPECT_TRUE(rows.ok()) << q << ": " << rows.status().message();
      out.push_back(rows.ok() && !rows->rows.empty() ? ToLong(rows->rows[0][0]) : -1);
    }
    return out;
  }

  // Starts kProcesses copies of `args` at once (the failpoint build, gated before the first step:
  // the one that takes the run lock stops there, holding it), half of them with a lock timeout of
  // 0.3 s (they must give up while it is held, naming the holder), half with one far longer (they
  // must still be waiting when those gave up, then find nothing to do once the gate opens).
  void RaceAndCheckOutcomes(const Target& t, const std::vector<std::string>& args) {
    std::vector<std::vector<std::string>> argvs;
    for (int i = 0; i < kProcesses; ++i) {
      auto a = args;
      a.insert(a.end(), {"--yes", "-q", "--lock-timeout", i % 2 == 0 ? "0.3" : "120"});
      argvs.push_back(Args(t, a));
      argvs.back()[0] = FailpointsBin();
    }
    GatedRace race = RaceThroughGate(argvs, Options(t), "before-step:1:" + (dir_ / "gate"),
                                     [](size_t i) { return i % 2 == 0; });
    ASSERT_GE(race.winner, 0) << "no process reached the first step";
    int waited = 0, gave_up = 0;
    for (size_t i = 0; i < kProcesses; ++i) {
      const ProcessResult& r = race.results[i];
      SCOPED_TRACE("process " + std::to_string(i) + ": " + r.err);
      ASSERT_EQ(r.signal, 0);
      if (static_cast<int>(i) == race.winner) {
        EXPECT_EQ(r.exit_code, 0);
      } else if (i % 2 == 0) {
        EXPECT_TRUE(race.exited_while_held[i]);
        EXPECT_EQ(r.exit_code, 3);
        EXPECT_NE(r.err.find("locked by"), std::string::npos);
        EXPECT_NE(r.err.find(args[0]), std::string::npos) << "names what the holder runs";
        ++gave_up;
      } else {
        EXPECT_FALSE(race.exited_while_held[i]) << "gave up while it should wait";
        EXPECT_EQ(r.exit_code, 0);  // nothing to do once the first was done: said on stdout
        EXPECT_NE(r.out.find("already at"), std::string::npos) << r.out;
        ++waited;
      }
    }
    EXPECT_EQ(1 + waited + gave_up, kProcesses);
    std::cout << args[0] << ": process " << race.winner << " ran, " << waited
              << " waited then had nothing to do, " << gave_up << " gave up naming the holder\n";
  }

  // After the race: one run of `kind` recorded, each of its steps once and done, and the end
  // state equal to `reference`'s (one uninterrupted run).
  void ExpectRanOnce(const Target& t, const Target& reference, const std::string& kind) {
    const std::string last_run = "(SELECT MAX(id) FROM orchestrate_runs)";
    auto got =
        Counts(t, {"SELECT COUNT(*) FROM orchestrate_runs WHERE kind = '" + kind + "'",
                   "SELECT COUNT(*) FROM orchestrate_steps WHERE run_id = " + last_run,
                   "SELECT COUNT(DISTINCT n) FROM orchestrate_steps WHERE run_id = " + last_run,
                   "SELECT COUNT(*) FROM orchestrate_steps WHERE run_id = " + last_run +
                       " AND (status <> 'done' OR attempts <> 1)",
                   "SELECT COUNT(*) FROM orchestrate_runs",
                   "SELECT COUNT(*) FROM orchestrate_migrations"});
    auto want =
        Counts(reference, {"SELECT COUNT(*) FROM orchestrate_runs",
                           "SELECT COUNT(*) FROM orchestrate_migrations",
                           "SELECT COUNT(*) FROM orchestrate_steps WHERE run_id = " + last_run});
    ASSERT_EQ(got.size(), 6u);
    ASSERT_EQ(want.size(), 3u);
    EXPECT_EQ(got[0], kind == "deploy" ? 2 : 1) << "runs of kind " << kind;
    EXPECT_EQ(got[1], want[2]) << "the winner's steps, as many as one uninterrupted run's";
    EXPECT_EQ(got[2], got[1]) << "a step recorded twice";
    EXPECT_EQ(got[3], 0) << "a step not done, or applied more than once";
    EXPECT_EQ(got[4], want[0]) << "runs recorded: the losers must record none";
    EXPECT_EQ(got[5], want[1]) << "applied migrations";
    EXPECT_EQ(Fingerprint(t), Fingerprint(reference));
  }
};

TEST_P(ConcurrencyTest, EightRollbacksAtOnceOneRunsEachStepOnce) {
  Target t{"", "state"}, reference{"", "reference"};
  if (GetParam() == Backend::kPostgres) {
    ORCH_REQUIRE_PG(url);
    ORCH_REQUIRE_PG(reference_url);
    t.url = url;
    reference.url = reference_url;
  }
  for (const auto* target : {&t, &reference}) {
    auto d = RunOn(*target, {"deploy", "--yes", "-q"});
    ASSERT_EQ(d.exit_code, 0) << d.err;
  }
  auto ref = RunOn(reference, {"rollback", "--to", "1.0.0", "--reason", "ref", "--yes", "-q"});
  ASSERT_EQ(ref.exit_code, 0) << ref.err;

  RaceAndCheckOutcomes(t, {"rollback", "--to", "1.0.0", "--reason", "race"});
  ExpectRanOnce(t, reference, "rollback");
}

TEST_P(ConcurrencyTest, EightDeploysAtOnceOneRunsEachStepOnce) {
  Target t{"", "state"}, reference{"", "reference"};
  if (GetParam() == Backend::kPostgres) {
    ORCH_REQUIRE_PG(url);
    ORCH_REQUIRE_PG(reference_url);
    t.url = url;
    reference.url = reference_url;
  }
  for (const auto* target : {&t, &reference}) {
    auto d = RunOn(*target, {"deploy", "--to", "1.1.0", "--yes", "-q"});
    ASSERT_EQ(d.exit_code, 0) << d.err;
  }
  auto ref = RunOn(reference, {"deploy", "--yes", "-q"});
  ASSERT_EQ(ref.exit_code, 0) << ref.err;

  RaceAndCheckOutcomes(t, {"deploy"});
  ExpectRanOnce(t, reference, "deploy");
}

// Regression (found by the SQLite runs above): a run waiting for the lock must see who holds it
// while the holder's step keeps SQLite's write lock, instead of queueing behind that step for the
// busy timeout and so missing its --lock-timeout.
TEST(SqliteRunLock, HolderIsReportedWhileItsStepHoldsTheWriteLock) {
  TempDir dir;
  const std::string url = "sqlite:" + (dir / "shop.db");
  auto holder_db = OpenDatabase(url, "");
  auto waiter_db = OpenDatabase(url, "");
  ASSERT_TRUE(holder_db.ok() && waiter_db.ok());
  const LockHolder holder{"alice", "host-a", static_cast<long>(getpid()), "rollback --to 1.0.0",
                          "2026-01-02T03:04:05Z"};
  auto took = (*holder_db)->TryLock(holder, nullptr);
  ASSERT_TRUE(took.ok() && *took) << took.status().message();
  auto step = (*holder_db)->Begin();  // a running step: SQLite's write lock, held
  ASSERT_TRUE(step.ok()) << step.status().message();
  ASSERT_TRUE((*step)->Exec("CREATE TABLE t (a INTEGER)").ok());

  LockHolder seen;
  auto start = std::chrono::steady_clock::now();
  auto got = (*waiter_db)->TryLock({"bob", "host-b", 2, "deploy", "2026-01-02T03:04:06Z"}, &seen);
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_FALSE(*got);
  EXPECT_EQ(seen.owner, "alice");
  EXPECT_EQ(seen.command, "rollback --to 1.0.0");
  EXPECT_LT(waited, 2.0) << "waited for the holder's step to commit";
  ASSERT_TRUE((*step)->Commit().ok());
  ASSERT_TRUE((*holder_db)->Unlock().ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, ConcurrencyTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& param) {
                           return param.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace orchestrate::testing
