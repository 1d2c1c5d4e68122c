// The real binary with a `command` deployer and `verify:` checks (real scripts): a check that
// passes on its third attempt, one that fails until it is fixed (the swap step fails, the run is
// resumable, and the same command finishes it), a version check, and what `plan` and `sql` show.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "tests/support/shop_fixture.h"

namespace orchestrate::testing {
namespace {

class DeployTargetsTest : public ShopCopyTest {
 protected:
  // Writes plan.yaml with a command deployer keeping the image (and version) in files of the
  // state folder, and `verify` as the environment's checks.
  void WritePlan(const std::string& verify) {
    Script("set.sh", "echo \"$1\" > \"$STATE_DIR/image\"; echo \"$2\" > \"$STATE_DIR/version\"\n");
    Script("get.sh", "cat \"$STATE_DIR/image\" 2>/dev/null || true\n");
    // Passes from its third call on; counts calls in the state folder.
    Script("third.sh",
           "n=$(cat \"$STATE_DIR/count\" 2>/dev/null || echo 0); n=$((n+1)); "
           "echo $n > \"$STATE_DIR/count\"; [ $n -ge 3 ]\n");
    Script("healthy.sh",
           "[ -f \"$STATE_DIR/healthy\" ] || { echo 'no healthy file' >&2; exit 1; }\n");
    WriteFileOrDie(dir_ / "shop/plan.yaml",
                   "app: shop\n"
                   "releases: releases/\n"
                   "environments:\n"
                   "  local:\n"
                   "    database: sqlite:${STATE_DIR}/shop.db\n"
                   "    deployer:\n"
                   "      kind: command\n"
                   "      set: [" +
                       dir_ / "shop/set.sh" +
                       ", \"{image}\", \"{version}\"]\n"
                       "      get: [" +
                       dir_ / "shop/get.sh" +
                       "]\n"
                       "      timeout: 30s\n"
                       "    verify:\n" +
                       verify + "policy: {require_reason: true, lock_timeout: 10s}\n");
  }

  void Script(const std::string& name, const std::string& body) {
    WriteFileOrDie(dir_ / ("shop/" + name), "#!/bin/sh\n" + body);
    chmod((dir_ / ("shop/" + name)).c_str(), 0755);
  }
};

TEST_F(DeployTargetsTest, VerificationRetriedUntilItPassesThenTheDeployIsDone) {
  WritePlan("      - {command: [" + dir_ / "shop/third.sh" +
            "], retries: 4, interval: 100ms}\n"
            "      - version: {command: [cat, \"${STATE_DIR}/version\"]}\n");
  auto plan = Run({"plan", "--to", "1.0.0"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("image swap (step 9) by command "), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("  " + dir_ / "shop/set.sh" + " registry.example.com/shop:1.0.0 1.0.0\n"),
            std::string::npos)
      << plan.out;
  EXPECT_NE(plan.out.find("verify: " + dir_ / "shop/third.sh" +
                          " (up to 5 attempts, 0.1s apart, 30s each)\n"),
            std::string::npos)
      << plan.out;
  EXPECT_NE(plan.out.find("verify: cat " + dir_ / "state/version" + " prints the target version"),
            std::string::npos)
      << plan.out;

  auto sql = Run({"sql", "--to", "1.0.0"});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_NE(sql.out.find("--     " + dir_ / "shop/set.sh" +
                         " registry.example.com/shop:1.0.0 1.0.0\n"
                         "--     then verify: " +
                         dir_ / "shop/third.sh"),
            std::string::npos)
      << sql.out;

  auto d = Run({"deploy", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(ReadFileOrDie(dir_ / "state/count"), "3\n");
  EXPECT_NE(d.err.find("attempt 2/5 failed"), std::string::npos) << d.err;
  EXPECT_EQ(Status()["image"], "registry.example.com/shop:1.0.0");
}

TEST_F(DeployTargetsTest, FailedVerificationFailsTheSwapAndTheSameCommandResumesAfterTheFix) {
  WritePlan("      - {command: [" + dir_ / "shop/healthy.sh" + "], retries: 1, interval: 50ms}\n");
  ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes", "-q"}).exit_code, 2);

  auto st = Status();
  ASSERT_TRUE(st["unfinished_run"].is_object()) << st.dump(2);
  EXPECT_EQ(st["unfinished_run"]["steps_done"], 8);
  std::string error = st["unfinished_run"]["error"];
  EXPECT_NE(error.find("verify check 1 of 1"), std::string::npos) << error;
  EXPECT_NE(error.find("no healthy file"), std::string::npos) << error;

  // Still unhealthy: fails again, same step.
  auto again = Run({"deploy", "--to", "1.0.0", "--yes", "-q"});
  EXPECT_EQ(again.exit_code, 2) << again.err;

  WriteFileOrDie(dir_ / "state/healthy", "");
  auto fixed = Run({"deploy", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_NE(fixed.out.find("resumed"), std::string::npos) << fixed.out;
  auto done = Status();
  EXPECT_TRUE(done["unfinished_run"].is_null()) << done.dump(2);
  EXPECT_EQ(done["current_version"], "1.0.0");
}

TEST_F(DeployTargetsTest, VersionCheckRefusesAnApplicationReportingAnotherVersion) {
  // The application "reports" the version in a file the set script does not write.
  WritePlan("      - version: {command: [cat, \"${STATE_DIR}/reported\"]}\n");
  WriteFileOrDie(dir_ / "state/reported", "0.9.0\n");
  auto d = Run({"deploy", "--to", "1.0.0", "--yes", "-q"});
  EXPECT_EQ(d.exit_code, 2);
  EXPECT_NE(d.err.find("reports version '0.9.0', not 1.0.0"), std::string::npos) << d.err;
  WriteFileOrDie(dir_ / "state/reported", "1.0.0\n");
  auto fixed = Run({"deploy", "--to", "1.0.0", "--yes", "-q"});
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
}

TEST_F(DeployTargetsTest, VersionCheckBySqlOnTheEnvironmentsDatabase) {
  // The swap comes after the release is recorded, so the newest recorded release is the target.
  WritePlan(
      "      - version: {sql: \"SELECT version FROM orchestrate_releases ORDER BY seq DESC LIMIT "
      "1\"}\n");
  auto plan = Run({"plan", "--to", "1.1.0"});
  EXPECT_NE(plan.out.find("verify: the query `SELECT version FROM orchestrate_releases"),
            std::string::npos)
      << plan.out;
  auto d = Run({"deploy", "--to", "1.1.0", "--yes", "-q"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(Status()["current_version"], "1.1.0");
}

TEST_F(DeployTargetsTest, RollbackSwapRunsTheCommandWithTheTargetRelease) {
  WritePlan("      - version: {command: [cat, \"${STATE_DIR}/version\"]}\n");
  ASSERT_EQ(Run({"deploy", "--to", "1.1.0", "--yes", "-q"}).exit_code, 0);
  EXPECT_EQ(ReadFileOrDie(dir_ / "state/version"), "1.1.0\n");
  auto r = Run({"rollback", "--to", "1.0.0", "--reason", "bad checkout", "--yes", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFileOrDie(dir_ / "state/image"), "registry.example.com/shop:1.0.0\n");
  EXPECT_EQ(ReadFileOrDie(dir_ / "state/version"), "1.0.0\n");
}

TEST_F(DeployTargetsTest, UnknownVerifyKeysAreRejectedWithTheirPlace) {
  WritePlan("      - {command: [true], retry: 3}\n");
  auto v = Run({"validate"});
  EXPECT_EQ(v.exit_code, 2);
  EXPECT_NE(v.err.find("plan.yaml:12:27: unknown key 'retry' in a verify check"), std::string::npos)
      << v.err;
}

TEST_F(DeployTargetsTest, InterruptDuringASlowSwapStopsItAndTheSameCommandResumes) {
  WritePlan("      - version: {command: [cat, \"${STATE_DIR}/version\"]}\n");
  Script("set.sh",
         "if [ -f \"$STATE_DIR/slow\" ]; then touch \"$STATE_DIR/in-set\"; sleep 100; fi\n"
         "echo \"$1\" > \"$STATE_DIR/image\"; echo \"$2\" > \"$STATE_DIR/version\"\n");
  WriteFileOrDie(dir_ / "state/slow", "");
  ProcessOptions opts;
  opts.env["STATE_DIR"] = dir_ / "state";
  auto h = StartProcess({OrchestrateBin(), "deploy", plan_, "--to", "1.0.0", "--yes", "-q"}, opts);
  for (int i = 0; i < 300 && access((dir_ / "state/in-set").c_str(), F_OK) != 0; ++i)
    usleep(50 * 1000);
  ASSERT_EQ(access((dir_ / "state/in-set").c_str(), F_OK), 0) << "the swap never started";
  auto begin = std::chrono::steady_clock::now();
  kill(h.pid, SIGTERM);
  auto r = Wait(h);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_LT(took, 10) << "the interrupt waited for the swap command";
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;

  std::remove((dir_ / "state/slow").c_str());
  auto resumed = Run({"deploy", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(ReadFileOrDie(dir_ / "state/version"), "1.0.0\n");
}

TEST_F(DeployTargetsTest, ValidateRejectsAnUnknownPlaceholder) {
  WriteFileOrDie(dir_ / "shop/plan.yaml",
                 "app: shop\n"
                 "releases: releases/\n"
                 "environments:\n"
                 "  local:\n"
                 "    database: sqlite:${STATE_DIR}/shop.db\n"
                 "    deployer: {kind: command, set: [deploy.sh, \"{imgae}\"]}\n");
  auto v = Run({"validate"});
  EXPECT_EQ(v.exit_code, 2);
  EXPECT_NE(v.err.find("plan.yaml:6:15: unknown placeholder {imgae} in 'set'"), std::string::npos)
      << v.err;
}

}  // namespace
}  // namespace orchestrate::testing
