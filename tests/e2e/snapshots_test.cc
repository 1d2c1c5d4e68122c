// `orchestrate snapshots` end to end with the real binary on a copy of samples/shop, on SQLite and
// on a real PostgreSQL and MariaDB: a rollback captures the data its down-migrations destroy,
// `list` shows it, and after a re-deploy `restore` puts back exactly what was there.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "migrations/database.h"
#include "tests/support/mysql.h"
#include "tests/support/pg.h"
#include "tests/support/shop_fixture.h"

namespace orchestrate::testing {
namespace {

// The parameter is the dialect: "sqlite", "postgresql" or "mysql".
class SnapshotsCliTest : public ShopCopyTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    ShopCopyTest::SetUp();
    if (GetParam() == "postgresql") {
      ORCH_REQUIRE_PG(pg);
      url_ = pg;
    } else if (GetParam() == "mysql") {
      ORCH_REQUIRE_MYSQL(my);
      url_ = my;
    } else {
      url_ = "sqlite:" + dir_ / "state/shop.db";
    }
  }

  // `orchestrate COMMAND PLAN ARGS... [--env pg --database URL]`.
  ProcessResult Cli(std::vector<std::string> args) {
    if (GetParam() == "postgresql") args.insert(args.end(), {"--env", "pg", "--database", url_});
    if (GetParam() == "mysql") args.insert(args.end(), {"--database", url_});
    return Run(std::move(args));
  }

  void Sql(const std::string& script) {
    auto db = OpenDatabase(url_, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().message();
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok()) << txn.status().message();
    ASSERT_TRUE((*txn)->ExecScript(script).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  std::vector<std::string> Rows(const std::string& sql) {
    auto db = OpenDatabase(url_, dir_.path());
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return {};
    auto txn = (*db)->BeginRead();
    auto r = (*txn)->Query(sql);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const Row& row : r->rows) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) line += (i ? "|" : "") + row[i].value_or("NULL");
      out.push_back(line);
    }
    return out;
  }

  // The id of the one listed snapshot of `table` from `source`.
  static int64_t IdOf(const nlohmann::json& list, const std::string& table,
                      const std::string& source) {
    for (const auto& s : list)
      if (s["table"] == table && s["source"] == source) return s["id"].get<int64_t>();
    ADD_FAILURE() << "no snapshot of " << table << " from " << source << " in " << list.dump(2);
    return 0;
  }

  std::string url_;
};

INSTANTIATE_TEST_SUITE_P(Adapters, SnapshotsCliTest,
                         ::testing::Values("sqlite", "postgresql", "mysql"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST_P(SnapshotsCliTest, RollbackCapturesListShowsAndRestoreAfterRedeployReturnsTheExactData) {
  ASSERT_EQ(Cli({"deploy", "--yes", "-q"}).exit_code, 0);
  // Data written while 1.3.0 ran, which its down-migrations destroy: points balances that moved
  // on from the backfill, and a tier the seed did not write.
  Sql("UPDATE customers SET loyalty_points = 1000 + id * 7;"
      "INSERT INTO loyalty_tiers (id, code, name, min_points, discount_pct) "
      "VALUES (5, 'diamond', 'Diamond ''D''', 2000, 12.5);");
  const std::string points = "SELECT id, loyalty_points FROM customers ORDER BY id";
  const std::string tiers =
      "SELECT id, code, name, min_points, discount_pct FROM loyalty_tiers WHERE id = 5";
  auto points_before = Rows(points);
  auto tier_before = Rows(tiers);
  ASSERT_EQ(points_before.size(), 3u);
  ASSERT_EQ(tier_before.size(), 1u);

  // `plan` says what the rollback will capture, with its size.
  auto planned = Cli({"plan", "--to", "1.2.0"});
  ASSERT_EQ(planned.exit_code, 0) << planned.err;
  EXPECT_NE(planned.out.find("columns loyalty_points of customers (3 rows"), std::string::npos)
      << planned.out;

  auto rb = Cli({"rollback", "--to", "1.2.0", "--reason", "snapshots e2e", "--yes"});
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  EXPECT_NE(rb.err.find("snapshot"), std::string::npos) << rb.err;

  auto text = Cli({"snapshots", "list"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("0014_customers_add_loyalty_points"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("columns loyalty_points (key id)"), std::string::npos) << text.out;
  auto listed = Cli({"snapshots", "list", "--output", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto list = nlohmann::json::parse(listed.out)["snapshots"];
  int64_t points_id = IdOf(list, "customers", "0014_customers_add_loyalty_points");
  int64_t tiers_id = IdOf(list, "loyalty_tiers", "0013_create_loyalty_tiers");
  for (const auto& s : list) {
    if (s["id"] == points_id) {
      EXPECT_EQ(s["kind"], "columns");
      EXPECT_EQ(s["rows"], 3);
      EXPECT_EQ(s["release"], "1.3.0");
    }
    if (s["id"] == tiers_id) {
      EXPECT_EQ(s["kind"], "table");
      EXPECT_EQ(s["rows"], 1);  // the seed's own rows were reversed by the ledger before
    }
  }

  // Not before the release is back.
  auto early = Cli({"snapshots", "restore", std::to_string(points_id), "--yes"});
  EXPECT_EQ(early.exit_code, 3) << early.err;
  EXPECT_NE(early.err.find("re-deploy the release that has it (1.3.0) first"), std::string::npos)
      << early.err;

  ASSERT_EQ(Cli({"deploy", "--yes", "-q"}).exit_code, 0);
  EXPECT_NE(Rows(points), points_before);  // the backfill recomputed them
  EXPECT_TRUE(Rows(tiers).empty());

  auto restored = Cli({"snapshots", "restore", std::to_string(points_id), "--yes"});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_NE(restored.out.find("3 row(s) of customers updated by key"), std::string::npos)
      << restored.out;
  auto tier = Cli({"snapshots", "restore", std::to_string(tiers_id), "--yes", "--output", "json"});
  ASSERT_EQ(tier.exit_code, 0) << tier.err;
  EXPECT_EQ(nlohmann::json::parse(tier.out)["rows_restored"], 1);
  EXPECT_EQ(Rows(points), points_before);
  EXPECT_EQ(Rows(tiers), tier_before);

  // Prune: --older-than keeps what is newer; without it everything goes.
  auto kept = Cli({"snapshots", "prune", "--older-than", "7d", "--yes"});
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_NE(kept.out.find("deleted 0 snapshot(s)"), std::string::npos) << kept.out;
  auto all = Cli({"snapshots", "prune", "--yes"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("deleted " + std::to_string(list.size()) + " snapshot(s)"),
            std::string::npos)
      << all.out;
  auto empty = Cli({"snapshots", "list"});
  EXPECT_NE(empty.out.find("no snapshots in"), std::string::npos) << empty.out;
}

TEST_P(SnapshotsCliTest, PolicyOffTakesNoSnapshotAndBadArgumentsAreUsageErrors) {
  std::string text = ReadFileOrDie(plan_);
  text.replace(text.find("policy: {"), 9, "policy: {snapshot: off, ");
  WriteFileOrDie(plan_, text);
  ASSERT_EQ(Cli({"deploy", "--yes", "-q"}).exit_code, 0);
  ASSERT_EQ(Cli({"rollback", "--to", "1.2.0", "--reason", "r", "--yes", "-q"}).exit_code, 0);
  auto listed = Cli({"snapshots", "list", "--output", "json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_TRUE(nlohmann::json::parse(listed.out)["snapshots"].empty()) << listed.out;
  EXPECT_EQ(Cli({"snapshots", "restore"}).exit_code, 64);
  EXPECT_EQ(Cli({"snapshots", "restore", "x1"}).exit_code, 64);
  EXPECT_EQ(Cli({"snapshots", "prune", "--older-than", "soon"}).exit_code, 64);
  auto unknown = Cli({"snapshots", "restore", "42", "--yes"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  EXPECT_NE(unknown.err.find("there is no snapshot 42"), std::string::npos) << unknown.err;
}

}  // namespace
}  // namespace orchestrate::testing
