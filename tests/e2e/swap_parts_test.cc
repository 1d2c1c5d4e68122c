// An image swap is made of parts (ssm: put, trigger; gitops: commit, push), journaled one by one:
// a failed trigger or a rejected push is run again by the same command even though the value is
// already in place, and a run killed between two parts resumes with each part run exactly once.
// Real programs: stand-in `aws` and trigger scripts, and real git with a bare remote.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "tests/support/shop_fixture.h"

namespace orchestrate::testing {
namespace {

std::string Sh(const std::string& command) {
  auto r = RunProcess({"/bin/sh", "-c", command});
  EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.err;
  return r.out;
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class SwapPartsTest : public ShopCopyTest {
 protected:
  void Script(const std::string& name, const std::string& body) {
    WriteFileOrDie(dir_ / ("bin/" + name), "#!/bin/sh\n" + body);
    chmod((dir_ / ("bin/" + name)).c_str(), 0755);
  }

  // The plan's only environment, with `deployer` (YAML flow map) as its deployer.
  void WritePlan(const std::string& deployer) {
    WriteFileOrDie(dir_ / "shop/plan.yaml",
                   "app: shop\nreleases: releases/\nenvironments:\n  local:\n"
                   "    database: sqlite:${STATE_DIR}/shop.db\n    deployer: " +
                       deployer + "\npolicy: {lock_timeout: 10s}\n");
  }

  // `orchestrate ARGS` (or the failpoint build) with the stand-in programs first on PATH.
  ProcessResult Orchestrate(std::vector<std::string> args, const std::string& failpoint = "") {
    args.insert(args.begin() + 1, plan_);
    args.insert(args.begin(), failpoint.empty() ? OrchestrateBin() : FailpointsBin());
    ProcessOptions o;
    o.env["STATE_DIR"] = dir_ / "state";
    o.env["PATH"] = (dir_ / "bin") + ":" + std::getenv("PATH");
    o.env["CALLS"] = dir_ / "calls";
    if (!failpoint.empty()) o.env["ORCHESTRATE_FAILPOINT"] = failpoint;
    return RunProcess(args, o);
  }

  std::string Calls() { return ReadFileOrDie(dir_ / "calls"); }

  // ssm with a trigger: `aws` keeps the parameter in a file; the trigger fails while
  // $STATE_DIR/broken exists. Both append what they did to $CALLS.
  void SsmPlan() {
    Script(
        "aws",
        "prev=\nfor a; do [ \"$prev\" = --value ] && v=$a; prev=$a; done\n"
        "case \"$*\" in\n"
        "  *put-parameter*) echo \"put $v\" >> \"$CALLS\"; echo \"$v\" > \"$STATE_DIR/param\";;\n"
        "  *get-parameter*) [ -f \"$STATE_DIR/param\" ] || { echo 'An error occurred "
        "(ParameterNotFound)' >&2; exit 254; }; cat \"$STATE_DIR/param\";;\n"
        "esac\n");
    Script("redeploy",
           "[ -f \"$STATE_DIR/broken\" ] && { echo 'trigger failed' >> \"$CALLS\"; echo "
           "'service busy' >&2; exit 1; }\necho trigger >> \"$CALLS\"\n");
    WritePlan("{kind: ssm, parameter: /shop/image, trigger: [redeploy]}");
    ASSERT_EQ(Orchestrate({"deploy", "--to", "1.1.0", "--yes", "-q"}).exit_code, 0);
    WriteFileOrDie(dir_ / "calls", "");
  }
};

TEST_F(SwapPartsTest, AnSsmTriggerThatFailedIsRunAgainByTheSameCommand) {
  SsmPlan();
  WriteFileOrDie(dir_ / "state/broken", "");
  const std::vector<std::string> rollback{"rollback", "--to", "1.0.0", "--reason", "x", "--yes"};
  auto failed = Orchestrate(rollback);
  ASSERT_EQ(failed.exit_code, 2) << failed.err;
  EXPECT_NE(failed.err.find("swap part 'trigger'"), std::string::npos) << failed.err;
  // The parameter is already the target's: before, a resume called the swap done here.
  std::remove((dir_ / "state/broken").c_str());
  auto resumed = Orchestrate(rollback);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(Calls(), "put registry.example.com/shop:1.0.0\ntrigger failed\ntrigger\n");
}

// SIGKILL between the parts of the swap (and around them): the same command then runs each part
// that was not recorded done, once.
TEST_F(SwapPartsTest, KilledBetweenSwapPartsResumesToOnePutAndOneTrigger) {
  SsmPlan();
  ASSERT_EQ(Orchestrate({"rollback", "--to", "1.0.0", "--reason", "x", "--yes", "-q"}).exit_code,
            0);
  ASSERT_EQ(Orchestrate({"deploy", "--to", "1.1.0", "--yes", "-q"}).exit_code, 0);
  for (const std::string point :
       {"before-swap-part:1:put", "after-swap-part:1:put", "before-swap-part:1:trigger",
        "after-swap-part:1:trigger", "before-swap-part:1:verify", "after-swap-part:1:verify"}) {
    WriteFileOrDie(dir_ / "calls", "");
    const std::vector<std::string> rollback{"rollback", "--to",  "1.0.0", "--reason",
                                            "x",        "--yes", "-q"};
    auto killed = Orchestrate(rollback, point);
    ASSERT_EQ(killed.signal, SIGKILL) << point << ": " << killed.err;
    auto resumed = Orchestrate(rollback);
    ASSERT_EQ(resumed.exit_code, 0) << point << ": " << resumed.err;
    EXPECT_EQ(Calls(), "put registry.example.com/shop:1.0.0\ntrigger\n") << point;
    ASSERT_EQ(Orchestrate({"deploy", "--to", "1.1.0", "--yes", "-q"}).exit_code, 0) << point;
  }
}

TEST_F(SwapPartsTest, AGitopsPushRejectedThenFixedIsPushedByTheSameCommand) {
  const std::string remote = dir_ / "remote.git", work = dir_ / "work", other = dir_ / "other";
  Sh("git init -q --bare '" + remote + "' && git clone -q '" + remote + "' '" + work +
     "' 2>&1 && cd '" + work +
     "' && git config user.email ci@example.com && git config user.name CI && git checkout -q -b "
     "main && mkdir deploy && printf 'image:\\n  tag: \"0.9.0\"\\n' > deploy/values.yaml && git "
     "add . && git commit -qm init && git push -q origin main");
  WritePlan("{kind: gitops, repo: \"" + work +
            "\", file: deploy/values.yaml, key: image.tag, push: true, branch: main}");
  ASSERT_EQ(Orchestrate({"deploy", "--to", "1.1.0", "--yes", "-q"}).exit_code, 0);
  // Someone else pushes meanwhile: orchestrate's push is rejected (not a fast-forward).
  Sh("git clone -q '" + remote + "' '" + other + "' 2>&1 && cd '" + other +
     "' && git config user.email dev@example.com && git config user.name Dev && git checkout -q "
     "main && echo x > README && git add README && git commit -qm other && git push -q origin "
     "main");
  const std::vector<std::string> rollback{"rollback", "--to", "1.0.0", "--reason", "x", "--yes"};
  auto rejected = Orchestrate(rollback);
  ASSERT_EQ(rejected.exit_code, 2) << rejected.err;
  EXPECT_NE(rejected.err.find("git pull --rebase"), std::string::npos) << rejected.err;
  // The operator fixes the work tree; the same command pushes (no second commit).
  Sh("cd '" + work + "' && git pull -q --rebase origin main 2>&1");
  auto resumed = Orchestrate(rollback);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(Sh("git --git-dir='" + remote + "' show main:deploy/values.yaml"),
            "image:\n  tag: \"1.0.0\"\n");
  EXPECT_EQ(Count(Sh("git --git-dir='" + remote + "' log --format=%s main"), "shop: rollback"), 1);
}

}  // namespace
}  // namespace orchestrate::testing
