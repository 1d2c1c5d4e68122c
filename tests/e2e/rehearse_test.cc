// `orchestrate rehearse`: deploy, roll back, compare and deploy again on a scratch database, with
// the real binary, on SQLite and PostgreSQL; broken down files and seeds are caught and named.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>

#include <sys/stat.h>
#include <nlohmann/json.hpp>

#include "migrations/database.h"
#include "tests/support/pg.h"
#include "tests/support/shop_fixture.h"

namespace orchestrate::testing {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

class RehearseTest : public ShopCopyTest {};

TEST_F(RehearseTest, TheSampleRoundTripsOnAScratchSqliteDatabase) {
  auto r = Run({"rehearse", "--from", "1.0.0", "--each", "--report", dir_ / "report"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("the rollback round-trips"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  clean              0014_customers_add_loyalty_points (1.3.0, "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("12 migrations: 12 clean (1 checkpoints, 0 rebuilds)"), std::string::npos)
      << r.out;
  // The environment's own database is never created or touched.
  EXPECT_FALSE(Exists(dir_ / "state/shop.db"));
  std::string junit = ReadFileOrDie(dir_ / "report/junit.xml");
  EXPECT_NE(junit.find("<testsuite name=\"orchestrate rehearse shop"), std::string::npos);
  EXPECT_NE(junit.find("failures=\"0\""), std::string::npos) << junit;
  EXPECT_NE(ReadFileOrDie(dir_ / "report/rehearsal.md").find("**round-trips**"), std::string::npos);
}

TEST_F(RehearseTest, ABrokenDownFileIsNamedWithWhatItLeftBehind) {
  WriteFileOrDie(dir_ / "shop/sql/0014_customers_add_loyalty_points.down.sql",
                 "-- forgot to drop the column\nSELECT 1;\n");
  auto r = Run({"rehearse", "--each", "--report", dir_ / "report", "--output", "json"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_FALSE(j["ok"].get<bool>());
  std::string all = j.dump();
  EXPECT_NE(all.find("extra after the rollback: column customers.loyalty_points"),
            std::string::npos)
      << all;
  // --each points at the migration whose down file is broken, and only at it.
  int failed = 0;
  for (const auto& m : j["migrations"]) {
    if (m["ok"].get<bool>()) continue;
    EXPECT_EQ(m["id"], "0014_customers_add_loyalty_points") << m;
    EXPECT_EQ(m["verdict"], "drift") << m;
    EXPECT_NE(m["differences"].dump().find("customers.loyalty_points"), std::string::npos) << m;
    ++failed;
  }
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(j["totals"]["drift"], 1) << j["totals"];
  std::string junit = ReadFileOrDie(dir_ / "report/junit.xml");
  EXPECT_NE(junit.find("<failure"), std::string::npos);
}

TEST_F(RehearseTest, ASeedWhoseUndoLeavesRowsIsCaught) {
  auto r = Run({"rehearse", "--from", "0.9.9"});
  EXPECT_EQ(r.exit_code, 2) << r.err;  // an unknown version is refused
  EXPECT_NE(r.err.find("--from 0.9.9"), std::string::npos) << r.err;
  // 1.1.0 adds a row to order_statuses (a 1.0.0 table); an undo that does nothing leaves it.
  std::string rel = ReadFileOrDie(dir_ / "shop/releases/1.1.0.yaml");
  std::string seed = "sql: ../seeds/order_statuses_refunded.sql";
  ASSERT_NE(rel.find(seed), std::string::npos);
  rel.replace(rel.find(seed), seed.size(), seed + ", undo: ../seeds/noop.sql");
  WriteFileOrDie(dir_ / "shop/releases/1.1.0.yaml", rel);
  WriteFileOrDie(dir_ / "shop/seeds/noop.sql", "SELECT 1;\n");
  r = Run({"rehearse", "--from", "1.0.0", "--to", "1.1.0"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("table order_statuses: 5 rows before, 6 after the rollback"),
            std::string::npos)
      << r.out;
}

TEST_F(RehearseTest, OnPostgresqlAScratchDatabaseIsCreatedAndDropped) {
  ORCH_REQUIRE_PG(url);
  auto r = Run({"rehearse", "--env", "pg", "--database", url, "--from", "1.1.0", "--each"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("on a scratch postgresql database"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("9 migrations: 9 clean (1 checkpoints, 0 rebuilds)"), std::string::npos)
      << r.out;
  // The scratch databases (and the checkpoint of --each) are all dropped.
  auto db = OpenDatabase(url, ".");
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto txn = (*db)->Begin();
  ASSERT_TRUE(txn.ok());
  // Other tests may rehearse on the same server at the same time: a scratch database is left over
  // when the process that created it (its name holds the pid) is gone.
  auto left = (*txn)->Query(
      "SELECT datname FROM pg_database WHERE datname LIKE 'orchestrate\\_rehearse\\_%'");
  ASSERT_TRUE(left.ok()) << left.status().message();
  for (const Row& row : left->rows) {
    const std::string name = row[0].value_or("");
    const long pid = std::atol(name.c_str() + std::string("orchestrate_rehearse_").size());
    EXPECT_TRUE(pid > 0 && kill(static_cast<pid_t>(pid), 0) == 0)
        << name << " was left by a rehearsal that has ended";
  }
  // The environment's database stays empty: no state tables were created in it.
  auto state = (*txn)->Query("SELECT to_regclass('orchestrate_meta') IS NULL");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->rows[0][0].value_or(""), "t");
}

}  // namespace
}  // namespace orchestrate::testing
