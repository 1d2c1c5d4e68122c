// Incident-proof runs, end to end on the real binary, on SQLite and PostgreSQL: an image swap at
// every release boundary, printed commands that work pasted as printed, `check` across every
// release, and fencing (a run that lost its lock stops; a live holder's lock is not broken).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "migrations/database.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

using nlohmann::json;

// The line of `text` that starts (after spaces) with `label`, without the label; "" when none.
std::string LineAfter(const std::string& text, const std::string& label) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t at = line.find(label);
    if (at != std::string::npos && line.find_first_not_of(' ') == at)
      return line.substr(at + label.size());
  }
  return "";
}

// The first `...` quoted command starting with "orchestrate " in `text`.
std::string QuotedCommand(const std::string& text, size_t nth = 0) {
  size_t at = 0;
  for (;;) {
    at = text.find("`orchestrate ", at);
    if (at == std::string::npos) return "";
    size_t end = text.find('`', at + 1);
    if (end == std::string::npos) return "";
    if (nth-- == 0) return text.substr(at + 1, end - at - 1);
    at = end + 1;
  }
}

// The sample shop with a second environment, `staging`, on a SQLite file of its own, or on
// PostgreSQL (`pg_url`), so that a command that forgets --env acts on the wrong database.
class IncidentTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    CopyTree(SourceDir() + "/samples/shop", dir_ / "shop");
    plan_ = dir_ / "shop/plan.yaml";
    if (GetParam() == "postgresql") {
      ORCH_REQUIRE_PG(url);
      database_ = url;
    } else {
      database_ = "sqlite:" + (dir_ / "staging.db");
    }
    std::string plan = ReadFileOrDie(plan_);
    plan.replace(plan.find("policy:"), 0,
                 "  staging:\n    database: \"" + database_ +
                     "\"\n    deployer: {kind: file, path: \"" + (dir_ / "staging.image") +
                     "\"}\n");
    WriteFileOrDie(plan_, plan);
    // `orchestrate` on PATH, as a person pastes it.
    WriteFileOrDie(dir_ / "bin/.keep", "");
    ASSERT_EQ(symlink(OrchestrateBin().c_str(), (dir_ / "bin/orchestrate").c_str()), 0);
  }

  ProcessOptions Options() {
    ProcessOptions o;
    o.env["STATE_DIR"] = dir_ / "state";
    return o;
  }

  ProcessResult Run(std::vector<std::string> args, const std::string& bin = OrchestrateBin(),
                    ProcessOptions opts = {}) {
    args.insert(args.begin() + 1, plan_);
    args.insert(args.begin(), bin);
    ProcessOptions o = Options();
    for (const auto& [k, v] : opts.env) o.env[k] = v;
    return RunProcess(args, o);
  }

  // A command line as printed, run by a shell in the test folder with `orchestrate` on PATH.
  ProcessResult Paste(const std::string& command) {
    ProcessOptions o = Options();
    o.env["PATH"] = (dir_ / "bin") + ":/usr/bin:/bin";
    return RunProcess({"/bin/sh", "-c", "cd '" + dir_.path() + "' && " + command}, o);
  }

  json Status(const std::string& env) {
    auto r = Run({"status", "--env", env, "--output", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json();
  }

  // Killed just before the commit of step `n` of a rollback to 1.0.0 of staging.
  void InterruptedRollback(int n) {
    ASSERT_EQ(Run({"deploy", "--env", "staging", "--yes", "-q"}).exit_code, 0);
    auto killed = Run(
        {"rollback", "--env", "staging", "--to", "1.0.0", "--reason", "checkout 500s", "--yes",
         "-q"},
        FailpointsBin(),
        ProcessOptions{{{"ORCHESTRATE_FAILPOINT", "before-commit:" + std::to_string(n)}}, 0, ""});
    ASSERT_EQ(killed.signal, SIGKILL) << killed.err;
  }

  TempDir dir_;
  std::string plan_, database_;
};

TEST_P(IncidentTest, RollbackAcrossEveryReleaseSwapsTheImageAtEachBoundary) {
  ASSERT_EQ(Run({"deploy", "--env", "staging", "--yes", "-q"}).exit_code, 0);
  auto r = Run({"plan", "--env", "staging", "--rollback", "--to", "1.0.0", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json plan = json::parse(r.out);
  std::vector<std::string> swaps, order;
  for (const auto& s : plan["steps"]) {
    if (s["kind"] == "swap-image") {
      swaps.push_back(s["image_from"].get<std::string>() + " -> " +
                      s["image_to"].get<std::string>());
      EXPECT_FALSE(s["why"].get<std::string>().empty()) << s.dump();
    }
    if (s["kind"] == "swap-image" || s["kind"] == "forget-release")
      order.push_back(s["kind"].get<std::string>() + " " + s["release"].get<std::string>());
  }
  // 1.3.0 is code-first: 1.2.0's code first. 1.2.0 is schema-first: reverted under 1.2.0's code,
  // then 1.1.0's image, which (1.1.0 code-first) becomes 1.0.0's before 1.1.0 is reverted.
  const std::string reg = "registry.example.com/shop:";
  EXPECT_EQ(swaps, (std::vector<std::string>{reg + "1.3.0 -> " + reg + "1.2.0",
                                             reg + "1.2.0 -> " + reg + "1.0.0"}));
  EXPECT_EQ(order, (std::vector<std::string>{"swap-image 1.2.0", "forget-release 1.3.0",
                                             "forget-release 1.2.0", "swap-image 1.0.0",
                                             "forget-release 1.1.0"}));
  auto text = Run({"plan", "--env", "staging", "--rollback", "--to", "1.0.0"});
  EXPECT_NE(text.out.find("why: 1.3.0 is code-first: 1.2.0's code runs on 1.3.0's schema"),
            std::string::npos)
      << text.out;

  auto rb =
      Run({"rollback", "--env", "staging", "--to", "1.0.0", "--reason", "boundaries", "--yes"});
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  EXPECT_EQ(ReadFileOrDie(dir_ / "staging.image").substr(0, reg.size() + 5), reg + "1.0.0");
  EXPECT_EQ(Status("staging")["current_version"], "1.0.0");
}

TEST_P(IncidentTest, ResumeCommandPrintedByStatusWorksPastedAsPrinted) {
  InterruptedRollback(6);
  auto status = Run({"status", "--env", "staging"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  std::string resume = LineAfter(status.out, "resume with: ");
  ASSERT_FALSE(resume.empty()) << status.out;
  EXPECT_NE(resume.find("--env staging"), std::string::npos) << resume;
  EXPECT_NE(resume.find("--reason 'checkout 500s'"), std::string::npos) << resume;
  EXPECT_NE(resume.find("--to 1.0.0"), std::string::npos) << resume;
  auto pasted = Paste(resume);
  ASSERT_EQ(pasted.exit_code, 0) << resume << "\n" << pasted.err;
  EXPECT_EQ(Status("staging")["current_version"], "1.0.0");
  EXPECT_TRUE(Status("staging")["unfinished_run"].is_null());
  // The default environment was not touched.
  EXPECT_TRUE(Status("local")["current_version"].is_null());
}

TEST_P(IncidentTest, ResumeSubcommandFinishesTheRunWithItsStoredInvocation) {
  InterruptedRollback(3);
  auto status = Run({"status", "--env", "staging"});
  std::string resume = LineAfter(status.out, "or: ");
  ASSERT_EQ(resume.rfind("orchestrate resume ", 0), 0u) << status.out;
  auto pasted = Paste(resume);
  ASSERT_EQ(pasted.exit_code, 0) << resume << "\n" << pasted.err;
  EXPECT_EQ(Status("staging")["current_version"], "1.0.0");
  // History keeps the reason of the run.
  auto history = Run({"history", "--env", "staging", "--output", "json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_NE(history.out.find("checkout 500s"), std::string::npos) << history.out;
  // Nothing left: resume says so.
  EXPECT_EQ(Paste(resume).exit_code, 1);
}

TEST_P(IncidentTest, CommandsPrintedByTheUnfinishedRunRefusalWorkAsPrinted) {
  InterruptedRollback(4);
  // Another run is refused, and says how to finish the unfinished one.
  auto refused = Run({"deploy", "--env", "staging", "--yes"});
  ASSERT_EQ(refused.exit_code, 3) << refused.err;
  std::string finish = QuotedCommand(refused.err, 0);
  std::string resume = QuotedCommand(refused.err, 1);
  std::string inspect = QuotedCommand(refused.err, 2);
  ASSERT_NE(finish.find("rollback"), std::string::npos) << refused.err;
  EXPECT_EQ(resume.rfind("orchestrate resume ", 0), 0u) << refused.err;
  auto st = Paste(inspect);
  EXPECT_EQ(st.exit_code, 0) << inspect << "\n" << st.err;
  EXPECT_NE(st.out.find("unfinished:"), std::string::npos) << st.out;
  auto pasted = Paste(finish);
  ASSERT_EQ(pasted.exit_code, 0) << finish << "\n" << pasted.err;
  EXPECT_EQ(Status("staging")["current_version"], "1.0.0");
}

TEST_P(IncidentTest, CheckAcrossEveryReleaseGivesAVerdict) {
  ASSERT_EQ(Run({"deploy", "--env", "staging", "--yes", "-q"}).exit_code, 0);
  // 1.3.0 and 1.1.0 each have a seed reversed by its ledger: 0, 1 and 2 of them are crossed.
  for (const std::string to : {"1.2.0", "1.1.0", "1.0.0"}) {
    auto r = Run({"check", "--env", "staging", "--to", to, "--output", "json"});
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 4) << to << ": " << r.err << r.out;
    json verdict = json::parse(r.out);
    EXPECT_EQ(verdict["to"], to);
  }
}

TEST_P(IncidentTest, WindowNoGoSaysHowToProceedAndTheFlagIsRecorded) {
  std::string plan = ReadFileOrDie(plan_);
  plan.replace(plan.find("require_reason: true"), 0, "window_days: 1, ");
  WriteFileOrDie(plan_, plan);
  ASSERT_EQ(Run({"deploy", "--env", "staging", "--to", "1.2.0", "--yes", "-q"}).exit_code, 0);
  // The target looks 3 days old.
  auto db = OpenDatabase(database_, dir_.path());
  ASSERT_TRUE(db.ok()) << db.status().message();
  {
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(
        (*txn)
            ->Exec("UPDATE orchestrate_releases SET deployed_at = '2000-01-01T00:00:00.000Z' "
                   "WHERE version = '1.1.0'")
            .ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  db->reset();
  auto nogo = Run({"rollback", "--env", "staging", "--reason", "old", "--yes"});
  EXPECT_EQ(nogo.exit_code, 3) << nogo.err;
  EXPECT_NE(nogo.err.find("--allow-outside-window"), std::string::npos) << nogo.err;
  auto allowed =
      Run({"rollback", "--env", "staging", "--reason", "old", "--allow-outside-window", "--yes"});
  ASSERT_EQ(allowed.exit_code, 0) << allowed.err;
  auto history = Run({"history", "--env", "staging", "--output", "json"});
  EXPECT_NE(history.out.find("--allow-outside-window"), std::string::npos) << history.out;
}

INSTANTIATE_TEST_SUITE_P(Engines, IncidentTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace orchestrate::testing
