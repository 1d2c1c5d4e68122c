// `orchestrate sql` and `--approved`: the review script is deterministic (golden files), valid SQL
// that gives the same end state when run by hand, and binds what a rollback may run.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <signal.h>

#include <sstream>

#include "tests/support/shop_fixture.h"

namespace orchestrate::testing {
namespace {

// The script without its machine- and data-specific "-- where:", "-- estimate:" and "-- database:"
// lines.
std::string Portable(const std::string& script) {
  std::istringstream in(script);
  std::string line, out;
  while (std::getline(in, line))
    if (line.rfind("-- where:", 0) != 0 && line.rfind("-- estimate:", 0) != 0 &&
        line.rfind("-- database:", 0) != 0)
      out += line + "\n";
  return out;
}

using ReviewTest = ShopCopyTest;

void ExpectGolden(const std::string& name, const std::string& actual) {
  std::string path = SourceDir() + "/tests/golden/" + name;
  if (std::getenv("ORCHESTRATE_UPDATE_GOLDEN")) WriteFileOrDie(path, actual);
  EXPECT_EQ(actual, ReadFileOrDie(path))
      << "golden file " << path << " (ORCHESTRATE_UPDATE_GOLDEN=1 rewrites it)";
}

TEST_F(ReviewTest, RollbackScriptIsDeterministicGolden) {
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  auto a = Run({"sql", "--to", "1.0.0"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto b = Run({"sql", "--to", "1.0.0"});
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.err.find("approval sha256:"), std::string::npos) << a.err;
  EXPECT_NE(a.out.find("-- estimate: customers holds 3 rows when the step starts"),
            std::string::npos);
  ExpectGolden("shop-rollback-1.3.0-to-1.0.0.sqlite.sql", Portable(a.out));
}

TEST_F(ReviewTest, DeployScriptIsDeterministicGolden) {
  auto a = Run({"sql", "--to", "1.0.0"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ExpectGolden("shop-deploy-to-1.0.0.sqlite.sql", Portable(a.out));
}

TEST_F(ReviewTest, ScriptRunByHandGivesTheSameDatabaseAsTheRollback) {
  for (const std::string s : {"orchestrate", "by-hand"})
    ASSERT_EQ(Run({"deploy", "--yes", "-q"}, s).exit_code, 0);
  auto script = Run({"sql", "--to", "1.1.0", "-o", dir_ / "rollback.sql"}, "by-hand");
  ASSERT_EQ(script.exit_code, 0) << script.err;
  ASSERT_EQ(
      Run({"rollback", "--to", "1.1.0", "--reason", "r", "--yes", "-q"}, "orchestrate").exit_code,
      0);
  auto sqlite = RunProcess(
      {"/bin/sh", "-c",
       "sqlite3 -bail '" + dir_ / "by-hand/shop.db" + "' < '" + dir_ / "rollback.sql" + "'"});
  ASSERT_EQ(sqlite.exit_code, 0) << sqlite.err;
  auto a = Status("orchestrate");
  auto b = Status("by-hand");
  EXPECT_EQ(a["schema_fingerprint"], b["schema_fingerprint"]);
  EXPECT_EQ(a["data_fingerprint"], b["data_fingerprint"]);
  EXPECT_EQ(a["current_version"], b["current_version"]);
  EXPECT_EQ(a["applied_migrations"], b["applied_migrations"]);
}

TEST_F(ReviewTest, ApprovedScriptRunsAndAnythingElseIsRefused) {
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  auto sql = Run({"sql", "--to", "1.1.0", "-o", dir_ / "approved.sql"});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  std::string hash = sql.err.substr(sql.err.find("sha256:"), 71);

  // Another target.
  auto other = Run(
      {"rollback", "--to", "1.2.0", "--approved", dir_ / "approved.sql", "--reason", "r", "--yes"});
  EXPECT_EQ(other.exit_code, 3) << other.err;
  EXPECT_NE(other.err.find("to: approved 1.1.0, now 1.2.0"), std::string::npos) << other.err;
  // Another environment (same database, so only the environment differs).
  std::string plan_text = ReadFileOrDie(plan_);
  WriteFileOrDie(plan_, plan_text + "");
  std::string with_env = plan_text;
  with_env.replace(with_env.find("  pg:"), 5,
                   "  other:\n    database: sqlite:${STATE_DIR}/shop.db\n"
                   "    deployer: {kind: file, path: \"${STATE_DIR}/shop.image\"}\n  pg:");
  WriteFileOrDie(plan_, with_env);
  auto env = Run({"rollback", "--env", "other", "--to", "1.1.0", "--approved",
                  dir_ / "approved.sql", "--reason", "r", "--yes"});
  EXPECT_EQ(env.exit_code, 3) << env.err;
  EXPECT_NE(env.err.find("environment: approved local (sqlite), now other (sqlite)"),
            std::string::npos)
      << env.err;
  WriteFileOrDie(plan_, plan_text);
  // A new release added since the review.
  WriteFileOrDie(dir_ / "shop/releases/1.4.0.yaml", "version: 1.4.0\nimage: shop:1.4.0\n");
  auto added = Run({"rollback", "--to", "1.1.0", "--approved", hash, "--reason", "r", "--yes"});
  EXPECT_EQ(added.exit_code, 3) << added.err;
  EXPECT_NE(added.err.find("differs from what was approved"), std::string::npos) << added.err;
  // The command it prints renders the new script, pasted as printed; that script then runs.
  const std::string again = Quoted(added.err, "render it with `");
  EXPECT_EQ(again.rfind("orchestrate sql ", 0), 0u) << added.err;
  auto rendered = Paste(again);
  ASSERT_EQ(rendered.exit_code, 0) << again << "\n" << rendered.err;
  EXPECT_NE(again.find(" -o review.new"), std::string::npos) << again;
  auto renewed = Run({"rollback", "--to", "1.1.0", "--approved", dir_ / "review.new", "--reason",
                      "r", "--dry-run"});
  EXPECT_EQ(renewed.exit_code, 0) << renewed.err;
  // A file approval: the new script goes beside it, never over it.
  auto beside = Run(
      {"rollback", "--to", "1.1.0", "--approved", dir_ / "approved.sql", "--reason", "r", "--yes"});
  EXPECT_EQ(beside.exit_code, 3) << beside.err;
  const std::string again_file = Quoted(beside.err, "render the new SQL with `");
  EXPECT_NE(again_file.find(" -o " + dir_ / "approved.sql.new"), std::string::npos) << beside.err;
  ASSERT_EQ(std::remove((dir_ / "shop/releases/1.4.0.yaml").c_str()), 0);
  EXPECT_EQ(Status("state")["current_version"], "1.3.0");  // nothing ran

  // What was approved runs.
  auto ok = Run({"rollback", "--to", "1.1.0", "--approved", hash, "--reason", "r", "--yes"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(Status("state")["current_version"], "1.1.0");
}

// The mismatch report is a unified diff numbered as the file the DBA holds (here with two lines of
// their own notes at the top), not by position among the lines that bind.
TEST_F(ReviewTest, MismatchIsAUnifiedDiffNumberedAsTheApprovedFile) {
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  ASSERT_EQ(Run({"sql", "--to", "1.2.0", "-o", dir_ / "rb.sql"}).exit_code, 0);
  const std::string held =
      "-- reviewed by the DBA on call\n-- ok to run tonight\n" + ReadFileOrDie(dir_ / "rb.sql");
  WriteFileOrDie(dir_ / "rb.sql", held);
  std::string plan = ReadFileOrDie(plan_);
  plan.replace(plan.find("lock_timeout: 10s"), 17, "lock_timeout: 10s, batch_rows: 5000");
  WriteFileOrDie(plan_, plan);
  auto r =
      Run({"rollback", "--to", "1.2.0", "--approved", dir_ / "rb.sql", "--reason", "r", "--yes"});
  ASSERT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("\n  --- approved\n  +++ now\n  @@ -"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\n  ---   ledger: the rows seed loyalty_tiers"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("chunk of up to 5000 rows"), std::string::npos) << r.err;
  // The hunk's first line is that line of the file the DBA holds.
  size_t at = r.err.find("@@ -");
  ASSERT_NE(at, std::string::npos);
  const long number = std::stol(r.err.substr(at + 4));
  std::string first = r.err.substr(r.err.find('\n', at) + 4);  // "\n  " + op
  first = first.substr(0, first.find('\n'));
  std::istringstream in(held);
  std::string line;
  for (long n = 0; n < number; ++n) std::getline(in, line);
  EXPECT_EQ(line.substr(0, 160), first) << r.err;
  EXPECT_EQ(Status("state")["current_version"], "1.3.0");
}

TEST_F(ReviewTest, ApprovalBindsAResumedRunToo) {
  ASSERT_EQ(Run({"deploy", "--yes", "-q"}).exit_code, 0);
  auto sql = Run({"sql", "--to", "1.1.0", "-o", dir_ / "approved.sql"});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  std::vector<std::string> args = {
      FailpointsBin(),       "rollback", plan_, "--to", "1.1.0", "--approved",
      dir_ / "approved.sql", "--reason", "r",   "--yes"};
  ProcessOptions opts;
  opts.env["STATE_DIR"] = dir_ / "state";
  opts.env["ORCHESTRATE_FAILPOINT"] = "after-step:4";
  ASSERT_EQ(RunProcess(args, opts).signal, SIGKILL);
  auto other = Run({"rollback", "--to", "1.1.0", "--approved", "sha256:" + std::string(64, '0'),
                    "--reason", "r", "--yes"});
  EXPECT_EQ(other.exit_code, 3) << other.err;
  EXPECT_NE(other.err.find("differs from what was approved"), std::string::npos) << other.err;
  auto resumed = Run(
      {"rollback", "--to", "1.1.0", "--approved", dir_ / "approved.sql", "--reason", "r", "--yes"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resumed"), std::string::npos) << resumed.out;
  EXPECT_EQ(Status("state")["current_version"], "1.1.0");
}

}  // namespace
}  // namespace orchestrate::testing
