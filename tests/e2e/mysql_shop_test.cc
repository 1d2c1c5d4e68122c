// samples/shop on MariaDB, as issue 17's "Done when" states it: `deploy` then `rollback` to the
// first release equals a fresh deploy of it, compared with `mariadb-dump` (schema with --no-data,
// and the data); six SIGKILLs during that rollback, each followed by the same command, end in that
// same state with every step done once; `rehearse` round-trips it. The plan is the shop's own, with
// its MySQL files (samples/shop/sql/mysql/) where InnoDB differs.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "migrations/database.h"
#include "tests/support/mysql.h"
#include "tests/support/shop_fixture.h"

namespace orchestrate::testing {
namespace {

class ShopOnMariaDb : public ShopCopyTest {
 protected:
  void SetUp() override {
    ShopCopyTest::SetUp();
    ORCH_REQUIRE_MYSQL(url);
    ORCH_REQUIRE_MYSQL(fresh);
    url_ = url;
    fresh_ = fresh;
  }

  // `orchestrate ARGS... --database URL` (a rollback with --reason and --yes), with the failpoint
  // build when `failpoint` is set.
  ProcessResult Cli(std::vector<std::string> args, const std::string& url,
                    const std::string& failpoint = "", const std::string& state = "state") {
    args.insert(args.begin() + 1, plan_);
    args.insert(args.begin(), failpoint.empty() ? OrchestrateBin() : FailpointsBin());
    args.insert(args.end(), {"--database", url});
    ProcessOptions o;
    o.env["STATE_DIR"] = dir_ / state;
    if (!failpoint.empty()) o.env["ORCHESTRATE_FAILPOINT"] = failpoint;
    return RunProcess(args, o);
  }

  // mariadb-dump of the application's tables: "--no-data" for the schema (AUTO_INCREMENT
  // counters left out: a rollback does not rewind them), "--no-create-info" for the rows.
  std::string Dump(const std::string& url, const std::string& what) {
    const MysqlWhere w = MysqlWhereOf(url);
    auto db = OpenDatabase(url, ".");
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return "";
    auto tables = (*db)->UserTables();
    EXPECT_TRUE(tables.ok()) << tables.status().message();
    if (!tables.ok()) return "";
    std::vector<std::string> argv = {
        "/usr/bin/mariadb-dump", "-uroot",          "-h" + w.host,        "-P" + w.port, what,
        "--skip-dump-date",      "--skip-comments", "--order-by-primary", w.db};
    argv.insert(argv.end(), tables->begin(), tables->end());
    auto r = RunProcess(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string out;
    size_t from = 0;
    // "AUTO_INCREMENT=N " is the only part of a table's definition that remembers rows deleted.
    for (size_t at = r.out.find("AUTO_INCREMENT="); at != std::string::npos;
         at = r.out.find("AUTO_INCREMENT=", from)) {
      out += r.out.substr(from, at - from);
      from = r.out.find(' ', at) + 1;
    }
    return out + r.out.substr(from);
  }

  // The number of the `occurrence`-th step (1-based) of the rollback to 1.0.0 whose kind or id is
  // `step`.
  int StepOf(const nlohmann::json& steps, const std::string& step, int occurrence = 1) {
    for (size_t i = 0; i < steps.size(); ++i)
      if ((steps[i]["kind"] == step || steps[i].value("id", "") == step) && --occurrence == 0)
        return static_cast<int>(i + 1);
    ADD_FAILURE() << "no step " << step << " in " << steps.dump();
    return 0;
  }

  std::string url_, fresh_;
};

TEST_F(ShopOnMariaDb, RollbackToTheFirstReleaseEqualsAFreshDeployOfIt) {
  auto deployed = Cli({"deploy", "--yes", "-q"}, url_);
  ASSERT_EQ(deployed.exit_code, 0) << deployed.err;
  auto rolled =
      Cli({"rollback", "--to", "1.0.0", "--reason", "shop on MariaDB", "--yes", "-q"}, url_);
  ASSERT_EQ(rolled.exit_code, 0) << rolled.err;
  auto fresh = Cli({"deploy", "--to", "1.0.0", "--yes", "-q"}, fresh_, "", "fresh");
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  const std::string schema = Dump(url_, "--no-data");
  EXPECT_NE(schema.find("CREATE TABLE `orders`"), std::string::npos) << schema;
  EXPECT_EQ(schema.find("loyalty"), std::string::npos) << schema;
  EXPECT_EQ(schema, Dump(fresh_, "--no-data"));
  EXPECT_EQ(Dump(url_, "--no-create-info"), Dump(fresh_, "--no-create-info"));
  // The run took snapshots of what the downs destroyed (the default policy).
  auto listed = Cli({"snapshots", "list", "--output", "json"}, url_);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_GE(nlohmann::json::parse(listed.out)["snapshots"].size(), 2u) << listed.out;
}

// The review script on MariaDB: deterministic (golden, with the database's name as DB), and run by
// hand with the mariadb client on a copy it leaves the schema and data exactly as `orchestrate
// rollback` does.
TEST_F(ShopOnMariaDb, ReviewScriptIsGoldenAndRunsByHandWithTheMariadbClient) {
  ASSERT_EQ(Cli({"deploy", "--yes", "-q"}, url_).exit_code, 0);
  ASSERT_EQ(Cli({"deploy", "--yes", "-q"}, fresh_, "", "fresh").exit_code, 0);
  auto sql = Cli({"sql", "--to", "1.0.0", "-o", dir_ / "rollback.sql"}, fresh_, "", "fresh");
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  const std::string db = MysqlWhereOf(fresh_).db;
  std::string portable;
  std::istringstream in(ReadFileOrDie(dir_ / "rollback.sql"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("-- where:", 0) == 0 || line.rfind("-- estimate:", 0) == 0 ||
        line.rfind("-- database:", 0) == 0)
      continue;
    for (size_t at = line.find(db); at != std::string::npos; at = line.find(db, at))
      line.replace(at, db.size(), "DB");
    portable += line + "\n";
  }
  const std::string golden = SourceDir() + "/tests/golden/shop-rollback-1.3.0-to-1.0.0.mysql.sql";
  if (std::getenv("ORCHESTRATE_UPDATE_GOLDEN")) WriteFileOrDie(golden, portable);
  EXPECT_EQ(portable, ReadFileOrDie(golden)) << "ORCHESTRATE_UPDATE_GOLDEN=1 rewrites " << golden;

  ASSERT_EQ(Cli({"rollback", "--to", "1.0.0", "--reason", "r", "--yes", "-q"}, url_).exit_code, 0);
  auto by_hand = RunMariadbScript(fresh_, dir_ / "rollback.sql");
  ASSERT_EQ(by_hand.exit_code, 0) << by_hand.err;
  EXPECT_EQ(Dump(url_, "--no-data"), Dump(fresh_, "--no-data"));
  EXPECT_EQ(Dump(url_, "--no-create-info"), Dump(fresh_, "--no-create-info"));
}

// `rehearse` on a scratch database of the server: every release's deploy, seeds (the row ledger)
// included, rolled back and compared with the schema recorded before it, then deployed again.
TEST_F(ShopOnMariaDb, RehearsingEveryReleaseRoundTrips) {
  ASSERT_EQ(Cli({"deploy", "--to", "1.0.0", "--yes", "-q"}, url_).exit_code, 0);
  auto rehearsed = Cli({"rehearse"}, url_);
  ASSERT_EQ(rehearsed.exit_code, 0) << rehearsed.out << rehearsed.err;
  const std::string text = rehearsed.out + rehearsed.err;
  for (const char* step : {"deploy 1.3.0", "roll back to 1.2.0", "compare with 1.2.0"})
    EXPECT_NE(text.find(std::string("ok    ") + step), std::string::npos) << step << "\n" << text;
  EXPECT_NE(text.find("the rollback round-trips"), std::string::npos) << text;
}

TEST_F(ShopOnMariaDb, SixKillsDuringTheRollbackThenTheSameCommandGiveTheSameEndState) {
  ASSERT_EQ(Cli({"deploy", "--yes", "-q"}, url_).exit_code, 0);
  ASSERT_EQ(Cli({"deploy", "--to", "1.0.0", "--yes", "-q"}, fresh_, "", "fresh").exit_code, 0);
  auto plan = Cli({"plan", "--to", "1.0.0", "--output", "json"}, url_);
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  const auto steps = nlohmann::json::parse(plan.out)["steps"];
  const std::vector<std::string> kills = {
      // in the order of the steps
      // the ledger reversal of the 1.3.0 seed, before it commits
      "before-commit:" + std::to_string(StepOf(steps, "undo-seed")),
      // the column snapshot 0014's down needs, committed on its own before the DDL
      "after-snapshot-commit:" + std::to_string(StepOf(steps, "0014_customers_add_loyalty_points")),
      // DROP TABLE loyalty_tiers committed by itself, not yet recorded done
      "after-ddl:" + std::to_string(StepOf(steps, "0013_create_loyalty_tiers")) + ":1",
      // between the two statements of 0010's down (the foreign key dropped, the column not yet)
      "before-ddl:" + std::to_string(StepOf(steps, "0010_orders_add_shipping_method")) + ":2",
      // the image of 1.0.0 set, not yet recorded
      "swap-part-ran:" + std::to_string(StepOf(steps, "swap-image", 2)) + ":set",
      "before-finish",
  };
  const std::vector<std::string> rollback = {"rollback",  "--to",  "1.0.0", "--reason",
                                             "six kills", "--yes", "-q"};
  for (const std::string& kill : kills) {
    SCOPED_TRACE(kill);
    auto killed = Cli(rollback, url_, kill);
    ASSERT_EQ(killed.signal, SIGKILL)
        << "the failpoint was not reached: exit " << killed.exit_code << "\n"
        << killed.err;
  }
  auto finished = Cli(rollback, url_);
  ASSERT_EQ(finished.exit_code, 0) << finished.err;
  EXPECT_EQ(Dump(url_, "--no-data"), Dump(fresh_, "--no-data"));
  EXPECT_EQ(Dump(url_, "--no-create-info"), Dump(fresh_, "--no-create-info"));
  EXPECT_EQ(ReadFileOrDie(dir_ / "state/shop.image"), "registry.example.com/shop:1.0.0\n");

  // One run, every step done, and each database step applied once.
  auto db = OpenDatabase(url_, ".");
  ASSERT_TRUE(db.ok()) << db.status().message();
  auto txn = (*db)->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto rows = (*txn)->Query(
      "SELECT n, status, attempts, kind FROM orchestrate_steps WHERE run_id = (SELECT MAX(id) "
      "FROM orchestrate_runs) ORDER BY n");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->rows.size(), steps.size());
  for (const auto& r : rows->rows) {
    EXPECT_EQ(r[1].value_or(""), "done") << "step " << r[0].value_or("");
    if (r[3].value_or("") != "swap-image") {
      EXPECT_EQ(r[2].value_or(""), "1") << "step " << r[0].value_or("") << " applied twice";
    }
  }
  auto status = Cli({"status", "--output", "json"}, url_);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_TRUE(nlohmann::json::parse(status.out)["unfinished_run"].is_null()) << status.out;
}

}  // namespace
}  // namespace orchestrate::testing
