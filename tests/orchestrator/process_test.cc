// The process runner against real processes: exit codes, bounded output without deadlock, the
// timeout killing a whole process tree (also one that ignores SIGTERM), the environment, secrets.
#include "orchestrator/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>

#include "plans/secrets.h"
#include "tests/support/test_util.h"

namespace orchestrate {
namespace {

using testing::TempDir;

ProcessReport MustRun(const ProcessRequest& req) {
  auto r = RunChildProcess(req);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : ProcessReport();
}

ProcessRequest Argv(std::vector<std::string> argv) {
  ProcessRequest req;
  req.argv = std::move(argv);
  return req;
}

// Running (a zombie waiting for a reaper that may never come in a container is not).
bool Alive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  std::string stat;
  try {
    stat = testing::ReadFileOrDie("/proc/" + std::to_string(pid) + "/stat");
  } catch (const std::exception&) {
    return false;
  }
  auto paren = stat.rfind(')');
  return paren == std::string::npos || stat.compare(paren + 2, 1, "Z") != 0;
}

TEST(ProcessTest, CapturesOutputAndExitCode) {
  auto r = MustRun(Argv({"sh", "-c", "echo out; echo err >&2; exit 7"}));
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.signal, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.Outcome(), "exited with 7");
  EXPECT_EQ(r.Tail(), "err");
}

TEST(ProcessTest, ArgumentsReachTheProgramUnchangedWithoutAShell) {
  auto r = MustRun(Argv({"printf", "%s|", "a b", "$HOME", "'q'", ";ls"}));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "a b|$HOME|'q'|;ls|");
  EXPECT_EQ(r.shown, "printf '%s|' 'a b' '$HOME' ''\\''q'\\''' ';ls'");
}

TEST(ProcessTest, HugeOutputOnBothStreamsIsBoundedWithoutDeadlock) {
  ProcessRequest req;
  // 12 MB on stdout and 12 MB on stderr, interleaved: a runner that drained one pipe at a time
  // would block the child on the other one.
  req.argv = {"sh", "-c",
              "i=0; while [ $i -lt 12 ]; do head -c 1048576 /dev/zero | tr '\\0' a; "
              "head -c 1048576 /dev/zero | tr '\\0' b >&2; i=$((i+1)); done; echo END"};
  req.timeout_seconds = 60;
  auto r = MustRun(req);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out_bytes, 12u * 1048576 + 4);
  EXPECT_EQ(r.err_bytes, 12u * 1048576);
  EXPECT_LT(r.out.size(), 2 * 64 * 1024 + 200);
  EXPECT_LT(r.err.size(), 2 * 64 * 1024 + 200);
  EXPECT_EQ(r.out.substr(0, 10), "aaaaaaaaaa");
  EXPECT_EQ(r.out.substr(r.out.size() - 4), "END\n");
  EXPECT_NE(r.out.find("[orchestrate cut " + std::to_string(12 * 1048576 + 4 - 2 * 65536) +
                       " bytes here"),
            std::string::npos);
}

TEST(ProcessTest, TimeoutKillsTheChildAndItsGrandchildren) {
  TempDir dir;
  ProcessRequest req;
  req.argv = {"sh", "-c", "sleep 100 & echo $! > " + dir / "grandchild.pid" + "; sleep 100"};
  req.timeout_seconds = 0.5;
  auto begin = std::chrono::steady_clock::now();
  auto r = MustRun(req);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_LT(took, 5) << "the grandchild kept the pipes open";
  EXPECT_NE(r.Outcome().find("timed out"), std::string::npos);
  pid_t grandchild = std::atoi(testing::ReadFileOrDie(dir / "grandchild.pid").c_str());
  ASSERT_GT(grandchild, 0);
  EXPECT_FALSE(Alive(grandchild)) << "grandchild " << grandchild << " survived the timeout";
}

TEST(ProcessTest, AChildIgnoringSigtermIsKilledAfterTheGracePeriod) {
  ProcessRequest req;
  req.argv = {"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"};
  req.timeout_seconds = 0.5;
  req.kill_grace_seconds = 1;
  auto begin = std::chrono::steady_clock::now();
  auto r = MustRun(req);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.out, "ready\n");
  EXPECT_GE(took, 1.4);
  EXPECT_LT(took, 6);
}

TEST(ProcessTest, CancelStopsTheProcessGroupLikeATimeout) {
  ProcessRequest req;
  req.argv = {"sh", "-c", "sleep 100 & sleep 100"};
  auto begin = std::chrono::steady_clock::now();
  req.cancelled = [&] {
    return std::chrono::steady_clock::now() - begin > std::chrono::milliseconds(300);
  };
  auto r = MustRun(req);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_TRUE(r.cancelled);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(took, 5);
  EXPECT_EQ(r.Outcome().rfind("stopped on request", 0), 0u) << r.Outcome();
}

TEST(ProcessTest, BackgroundWorkHoldingThePipesDoesNotHangAFinishedChild) {
  auto begin = std::chrono::steady_clock::now();
  auto r = MustRun(Argv({"sh", "-c", "sleep 100 & echo done"}));
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.out, "done\n");
  EXPECT_LT(took, 10);
}

TEST(ProcessTest, EnvironmentIsInheritedAndExtended) {
  setenv("ORCHESTRATE_PROCESS_TEST_INHERITED", "from-parent", 1);
  ProcessRequest req;
  req.argv = {"sh", "-c", "echo $ORCHESTRATE_PROCESS_TEST_INHERITED $EXTRA"};
  req.extra_env["EXTRA"] = "added";
  auto r = MustRun(req);
  EXPECT_EQ(r.out, "from-parent added\n");
}

// No child gets the database password: not PGPASSWORD, not the variable named by password_env
// (withheld in plans/secrets.h), even when asked for through extra_env.
TEST(ProcessTest, WithheldVariablesAreNotInherited) {
  ForgetSecretsForTesting();
  setenv("PGPASSWORD", "pg-pass-value", 1);
  setenv("ORCHESTRATE_PROCESS_TEST_DB_PASSWORD", "env-pass-value", 1);
  WithholdFromChildren("ORCHESTRATE_PROCESS_TEST_DB_PASSWORD");
  ProcessRequest req;
  req.argv = {"env"};
  req.extra_env["PGPASSWORD"] = "asked-for";
  auto r = MustRun(req);
  EXPECT_EQ(r.out.find("PGPASSWORD"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("ORCHESTRATE_PROCESS_TEST_DB_PASSWORD"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PATH="), std::string::npos) << r.out;  // the rest is inherited
  unsetenv("PGPASSWORD");
  unsetenv("ORCHESTRATE_PROCESS_TEST_DB_PASSWORD");
  ForgetSecretsForTesting();
}

// Whatever secret the process knows is masked in what a child prints and in its argv as shown,
// in both streams and across the cut of long output.
TEST(ProcessTest, RegisteredSecretsAreMaskedInOutputAndArgv) {
  ForgetSecretsForTesting();
  RegisterSecret("Sup3r S3cretPW");
  ProcessRequest req;
  req.argv = {"sh", "-c", "echo out Sup3r S3cretPW; echo err Sup3r S3cretPW >&2", "Sup3r S3cretPW"};
  auto r = MustRun(req);
  EXPECT_EQ(r.out, "out ***\n");
  EXPECT_EQ(r.err, "err ***\n");
  EXPECT_EQ(r.shown.find("Sup3r"), std::string::npos) << r.shown;
  // A program whose output is data (a fleet's targets_command) gets it back as printed.
  req.keep_registered_secrets = true;
  auto kept = MustRun(req);
  EXPECT_EQ(kept.out, "out Sup3r S3cretPW\n");
  EXPECT_EQ(kept.shown.find("Sup3r"), std::string::npos) << kept.shown;
  ForgetSecretsForTesting();
}

TEST(ProcessTest, WorkingDirectory) {
  TempDir dir;
  ProcessRequest req;
  req.argv = {"pwd"};
  req.working_dir = dir.path();
  EXPECT_EQ(MustRun(req).out, dir.path() + "\n");
}

TEST(ProcessTest, ProgramIsFoundOnTheChildsPath) {
  TempDir dir;
  testing::WriteFileOrDie(dir / "bin/hello-orchestrate", "#!/bin/sh\necho hi \"$@\"\n");
  chmod((dir / "bin/hello-orchestrate").c_str(), 0755);
  ProcessRequest req;
  req.argv = {"hello-orchestrate", "there"};
  req.extra_env["PATH"] = dir / "bin" + ":/usr/bin:/bin";
  EXPECT_EQ(MustRun(req).out, "hi there\n");
}

TEST(ProcessTest, MissingExecutableIsAClearError) {
  auto r = RunChildProcess(Argv({"no-such-program-orchestrate", "--flag"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kFailed);
  EXPECT_NE(r.status().message().find("no executable 'no-such-program-orchestrate' on PATH"),
            std::string::npos)
      << r.status().message();
  auto p = RunChildProcess(Argv({"/nonexistent/tool"}));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("/nonexistent/tool does not exist"), std::string::npos)
      << p.status().message();
}

TEST(ProcessTest, SecretsAreRedactedFromOutputAndShownArgv) {
  ProcessRequest req;
  req.argv = {"sh", "-c", "echo token=s3cr3t-value; echo s3cr3t-value >&2", "s3cr3t-value"};
  req.secrets = {"s3cr3t-value"};
  auto r = MustRun(req);
  EXPECT_EQ(r.out, "token=***\n");
  EXPECT_EQ(r.err, "***\n");
  EXPECT_EQ(r.shown.find("s3cr3t"), std::string::npos) << r.shown;
  EXPECT_NE(r.shown.find("***"), std::string::npos) << r.shown;
}

TEST(ProcessTest, ASecretStraddlingTheCutDoesNotLeakHalf) {
  ProcessRequest req;
  // The secret starts 3 bytes before the end of the kept head (10 bytes).
  req.argv = {"sh", "-c", "printf '1234567ABCDEFGH'; head -c 100 /dev/zero | tr '\\0' z"};
  req.keep_bytes = 10;
  req.secrets = {"ABCDEFGH"};
  auto r = MustRun(req);
  EXPECT_EQ(r.out.find("ABC"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.substr(0, 7), "1234567");
}

}  // namespace
}  // namespace orchestrate
