// Feedback on long work (issue 19), through the real binary on a real PostgreSQL: a line when a
// step starts, and while a statement runs longer than the heartbeat interval
// (ORCHESTRATE_HEARTBEAT_SECONDS), a line with the time so far and the phase and share done that
// PostgreSQL reports (pg_stat_progress_create_index); under --log-format json those are JSON too.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

class ProgressTest : public ::testing::Test {
 protected:
  void WriteApp() {
    WriteFileOrDie(dir_ / "app/plan.yaml",
                   "app: slow\nreleases: releases/\nenvironments:\n  local:\n"
                   "    database: sqlite:unused.db\n"
                   "    deployer: {kind: file, path: \"${STATE_DIR}/slow.image\"}\n");
    WriteFileOrDie(dir_ / "app/releases/1.0.0.yaml",
                   "version: 1.0.0\nimage: slow:1.0.0\nmigrations:\n"
                   "  - {id: 0001_table, up: ../sql/0001.up.sql, down: irreversible}\n");
    // Each row of the index costs 10 ms: about 2.5 s in all.
    WriteFileOrDie(dir_ / "app/sql/0001.up.sql",
                   "CREATE TABLE t (i integer);\n"
                   "INSERT INTO t SELECT generate_series(1, 250);\n"
                   "CREATE FUNCTION slow(i integer) RETURNS integer IMMUTABLE LANGUAGE plpgsql AS "
                   "$$ BEGIN PERFORM pg_sleep(0.01); RETURN i; END $$;\n");
    WriteFileOrDie(dir_ / "app/releases/1.1.0.yaml",
                   "version: 1.1.0\nimage: slow:1.1.0\nmigrations:\n"
                   "  - {id: 0002_index, up: ../sql/0002.up.sql, down: ../sql/0002.down.sql}\n");
    WriteFileOrDie(dir_ / "app/sql/0002.up.sql", "CREATE INDEX t_slow ON t (slow(i));\n");
    WriteFileOrDie(dir_ / "app/sql/0002.down.sql", "DROP INDEX t_slow;\n");
  }

  ProcessResult Run(std::vector<std::string> args, const std::string& url) {
    args.insert(args.begin() + 1, dir_ / "app/plan.yaml");
    args.insert(args.begin(), OrchestrateBin());
    args.insert(args.end(), {"--database", url});
    ProcessOptions o;
    o.env["STATE_DIR"] = dir_ / "state";
    o.env["ORCHESTRATE_HEARTBEAT_SECONDS"] = "0.4";
    return RunProcess(args, o);
  }

  TempDir dir_;
};

TEST_F(ProgressTest, ASlowCreateIndexShowsHeartbeatsWithItsPhase) {
  ORCH_REQUIRE_PG(url);
  WriteApp();
  ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes"}, url).exit_code, 0);
  auto deploy = Run({"deploy", "--yes"}, url);
  ASSERT_EQ(deploy.exit_code, 0) << deploy.err;
  const std::string step = "[1.1.0] apply migration 0002_index";
  EXPECT_NE(deploy.err.find(step + " ...\n"), std::string::npos) << deploy.err;
  EXPECT_NE(deploy.err.find(step + ": still running after "), std::string::npos) << deploy.err;
  EXPECT_NE(deploy.err.find(" s (CREATE INDEX: building index"), std::string::npos) << deploy.err;

  // The same under --log-format json: every stderr line is an object, heartbeats included.
  ASSERT_EQ(Run({"rollback", "--to", "1.0.0", "--reason", "again", "--yes"}, url).exit_code, 0);
  auto json = Run({"deploy", "--yes", "--log-format", "json"}, url);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  int beats = 0;
  std::istringstream in(json.err);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    if (j.dump().find("still running after") != std::string::npos) ++beats;
  }
  EXPECT_GE(beats, 1) << json.err;

  // -q: warnings and errors only, no heartbeat.
  ASSERT_EQ(Run({"rollback", "--to", "1.0.0", "--reason", "again", "--yes"}, url).exit_code, 0);
  auto quiet = Run({"deploy", "--yes", "-q"}, url);
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err.find("still running"), std::string::npos) << quiet.err;
}

// A statement waiting for a lock another session holds: the heartbeat says what it waits for.
TEST_F(ProgressTest, AStatementWaitingForALockShowsItInTheHeartbeat) {
  ORCH_REQUIRE_PG(url);
  WriteApp();
  WriteFileOrDie(dir_ / "app/sql/0002.up.sql", "ALTER TABLE t ADD COLUMN note text;\n");
  WriteFileOrDie(dir_ / "app/sql/0002.down.sql", "ALTER TABLE t DROP COLUMN note;\n");
  ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes"}, url).exit_code, 0);
  auto other = OpenDatabase(url, dir_.path());
  ASSERT_TRUE(other.ok()) << other.status().message();
  auto holding = (*other)->Begin();
  ASSERT_TRUE(holding.ok());
  ASSERT_TRUE((*holding)->Exec("LOCK TABLE t IN ACCESS SHARE MODE").ok());
  ProcessOptions o;
  o.env["STATE_DIR"] = dir_ / "state";
  o.env["ORCHESTRATE_HEARTBEAT_SECONDS"] = "0.3";
  ProcessHandle h = StartProcess(
      {OrchestrateBin(), "deploy", dir_ / "app/plan.yaml", "--yes", "--database", url}, o);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return ReadFileOrDie(h.err_path).find("(waiting for a lock (relation))") !=
               std::string::npos;
      },
      30));
  holding->reset();  // rolled back: the ALTER gets its lock
  auto r = Wait(h);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("apply migration 0002_index: still running after "), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace orchestrate::testing
