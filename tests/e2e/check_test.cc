// `orchestrate check` verdicts and the gates `rollback` enforces.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/shop_fixture.h"

namespace orchestrate::testing {
namespace {

class CheckTest : public ShopCopyTest {
 protected:
  std::string Current() { return Status()["current_version"].get<std::string>(); }
};

TEST_F(CheckTest, DestructiveRollbackIsGoWithWarningsNamingWhatIsLost) {
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  auto r = Run({"check", "--to", "1.2.0"});
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_NE(r.out.find("check rollback 1.3.0 -> 1.2.0: GO WITH WARNINGS"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("drops column customers.loyalty_points (3 rows in customers now)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("not rolled back: environment variables and autoscaling settings"),
            std::string::npos);
  EXPECT_NE(r.out.find("crosses 1 release(s) (1.3.0): 5 down-migration(s), 1 seed(s)"),
            std::string::npos)
      << r.out;
  auto j = Run({"check", "--to", "1.2.0", "--output", "json"});
  EXPECT_EQ(j.exit_code, 4);
  auto parsed = nlohmann::json::parse(j.out);
  EXPECT_EQ(parsed["verdict"], "GO WITH WARNINGS");
  EXPECT_GT(parsed["reasons"].size(), 3u);
}

TEST_F(CheckTest, MajorVersionIsNoGoUnlessAllowedAndRollbackEnforcesIt) {
  WriteFileOrDie(dir_ / "shop/releases/2.0.0.yaml",
                 "version: 2.0.0\nimage: registry.example.com/shop:2.0.0\n");
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  auto r = Run({"check", "--to", "1.3.0"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("NO-GO"), std::string::npos);
  EXPECT_NE(r.out.find("crosses a major version (2.0.0 -> 1.3.0)"), std::string::npos) << r.out;
  auto refused = Run({"rollback", "--to", "1.3.0", "--reason", "r", "--yes"});
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("--allow-major"), std::string::npos) << refused.err;
  EXPECT_EQ(Current(), "2.0.0");
  auto allowed = Run({"check", "--to", "1.3.0", "--allow-major"});
  EXPECT_EQ(allowed.exit_code, 4) << allowed.out;
  auto done = Run({"rollback", "--to", "1.3.0", "--reason", "r", "--yes", "--allow-major"});
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(Current(), "1.3.0");
}

TEST_F(CheckTest, ReleaseWithoutDataChangesIsGo) {
  WriteFileOrDie(dir_ / "shop/releases/1.3.1.yaml",
                 "version: 1.3.1\nimage: registry.example.com/shop:1.3.1\n");
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  auto r = Run({"check"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("check rollback 1.3.1 -> 1.3.0: GO"), std::string::npos) << r.out;
}

TEST_F(CheckTest, TargetOutsideTheWindowIsNoGo) {
  std::string text = ReadFileOrDie(plan_);
  text.replace(text.find("policy: {"), 9, "policy: {window_days: 30, ");
  WriteFileOrDie(plan_, text);
  ASSERT_EQ(Run({"deploy", "--to", "1.2.0", "--yes", "-q"}).exit_code, 0);
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  // 1.2.0 was deployed long ago.
  auto aged = RunProcess({"/bin/sh", "-c",
                          "sqlite3 '" + dir_ / "state/shop.db" +
                              "' \"UPDATE orchestrate_releases SET deployed_at = "
                              "'2020-01-01T00:00:00.000Z' WHERE version = '1.2.0'\""});
  ASSERT_EQ(aged.exit_code, 0) << aged.err;
  auto r = Run({"check"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("beyond policy.window_days (30)"), std::string::npos) << r.out;
}

TEST_F(CheckTest, IrreversibleMigrationNeedsAcceptDataLoss) {
  WriteFileOrDie(dir_ / "shop/sql/0018_audit_log.up.sql",
                 "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, what TEXT);\n");
  WriteFileOrDie(
      dir_ / "shop/releases/1.4.0.yaml",
      "version: 1.4.0\nimage: registry.example.com/shop:1.4.0\nmigrations:\n"
      "  - {id: 0018_audit_log, up: ../sql/0018_audit_log.up.sql, down: irreversible}\n");
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  auto nogo = Run({"check"});
  EXPECT_EQ(nogo.exit_code, 3) << nogo.out;
  EXPECT_NE(nogo.out.find("0018_audit_log of release 1.4.0 is irreversible"), std::string::npos)
      << nogo.out;
  EXPECT_NE(nogo.out.find("--accept-data-loss"), std::string::npos);
  auto refused = Run({"rollback", "--reason", "r", "--yes"});
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_EQ(Current(), "1.4.0");

  auto warned = Run({"check", "--accept-data-loss"});
  EXPECT_EQ(warned.exit_code, 4) << warned.out;
  EXPECT_NE(warned.out.find("is irreversible: its changes stay"), std::string::npos) << warned.out;
  auto done = Run({"rollback", "--reason", "r", "--yes", "--accept-data-loss"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(Current(), "1.3.0");
  // The table stays (nothing could undo it); the migration is forgotten.
  auto table = RunProcess({"/usr/bin/sqlite3", dir_ / "state/shop.db",
                           "SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_log'"});
  EXPECT_EQ(table.out, "1\n");
  auto st = nlohmann::json::parse(Run({"status", "--output", "json"}).out);
  EXPECT_EQ(st["applied_migrations"], 17);
  // The table that stays is a difference from the state 1.3.0 left: expected by the rollback (a
  // log line, exit 0), shown by status.
  EXPECT_NE(done.err.find("as expected: the changes of irreversible migration(s) 0018_audit_log "
                          "stay"),
            std::string::npos)
      << done.err;
  EXPECT_NE(st["schema_drift"].dump().find("audit_log"), std::string::npos) << st;
}

// A table made by hand that references a table the rollback drops: the DROP would fail (or, on
// SQLite, leave references to nothing), so the rollback is NO-GO before anything runs.
TEST_F(CheckTest, AForeignKeyFromATableTheRollbackLeavesIsNoGo) {
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  auto made = RunProcess({"/usr/bin/sqlite3", dir_ / "state/shop.db",
                          "CREATE TABLE tier_notes (id INTEGER PRIMARY KEY, tier_id INTEGER "
                          "REFERENCES loyalty_tiers (id), note TEXT);"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto r = Run({"check", "--to", "1.2.0"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("drops table loyalty_tiers, but table tier_notes"), std::string::npos)
      << r.out;
  auto rb = Run({"rollback", "--to", "1.2.0", "--reason", "r", "--yes"});
  EXPECT_EQ(rb.exit_code, 3) << rb.err;
  EXPECT_EQ(Current(), "1.3.0");
}

// The same for a view made by hand that reads a table the rollback drops: SQLite would keep a
// view that fails when queried.
TEST_F(CheckTest, AViewTheRollbackLeavesOnADroppedTableIsNoGo) {
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  auto made = RunProcess({"/usr/bin/sqlite3", dir_ / "state/shop.db",
                          "CREATE VIEW tier_names AS SELECT t.name FROM customers c JOIN "
                          "Loyalty_Tiers t ON t.id = c.id;"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto r = Run({"check", "--to", "1.2.0"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("drops table loyalty_tiers, but view tier_names, which this rollback does "
                       "not touch, reads it"),
            std::string::npos)
      << r.out;
  auto rb = Run({"rollback", "--to", "1.2.0", "--reason", "r", "--yes"});
  EXPECT_EQ(rb.exit_code, 3) << rb.err;
  EXPECT_EQ(Current(), "1.3.0");
  // The refusal names the check to run, pasteable as printed.
  const std::string check = Quoted(rb.err, "(see `");
  EXPECT_EQ(check.rfind("orchestrate check ", 0), 0u) << rb.err;
  auto pasted = Paste(check);
  EXPECT_EQ(pasted.exit_code, 3) << check << "\n" << pasted.out << pasted.err;
  EXPECT_NE(pasted.out.find("but view tier_names"), std::string::npos) << pasted.out;
}

TEST_F(CheckTest, DriftIsNoGo) {
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  WriteFileOrDie(dir_ / "shop/sql/0015_customers_rename_full_name.down.sql", "SELECT 1;\n");
  auto r = Run({"check"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("drift"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace orchestrate::testing
