// End-to-end tests: the real `orchestrate` binary on SQLite, as a user runs it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

// A private copy of samples/shop with its own state folder, so a test may change its files.
class ShopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CopyTree(SourceDir() + "/samples/shop", dir_ / "shop");
    plan_ = dir_ / "shop/plan.yaml";
  }

  ProcessResult Run(std::vector<std::string> args, ProcessOptions opts = {},
                    const std::string& state = "state", const std::string& bin = "") {
    args.insert(args.begin(), bin.empty() ? OrchestrateBin() : bin);
    opts.env["STATE_DIR"] = dir_ / state;
    return RunProcess(args, opts);
  }

  nlohmann::json Status(const std::string& state = "state") {
    auto r = Run({"status", plan_, "--output", "json"}, {}, state);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  static void ExpectSameDatabase(const nlohmann::json& a, const nlohmann::json& b) {
    EXPECT_EQ(a["current_version"], b["current_version"]);
    EXPECT_EQ(a["schema_fingerprint"], b["schema_fingerprint"]);
    EXPECT_EQ(a["data_fingerprint"], b["data_fingerprint"]);
    EXPECT_EQ(a["tables"], b["tables"]);
  }

  TempDir dir_;
  std::string plan_;
};

TEST_F(ShopTest, DeployLatestThenRollbackToFirstEqualsFreshFirst) {
  auto d = Run({"deploy", plan_, "--yes"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_NE(d.out.find("deployed shop (nothing) -> 1.3.0"), std::string::npos) << d.out;
  auto r = Run({"rollback", plan_, "--to", "1.0.0", "--reason", "e2e", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rolled back shop 1.3.0 -> 1.0.0"), std::string::npos) << r.out;

  auto f = Run({"deploy", plan_, "--to", "1.0.0", "--yes"}, {}, "fresh");
  ASSERT_EQ(f.exit_code, 0) << f.err;
  auto rolled = Status();
  ExpectSameDatabase(rolled, Status("fresh"));
  EXPECT_EQ(rolled["image"], "registry.example.com/shop:1.0.0");

  auto h = Run({"history", plan_, "--output", "json"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  auto hist = nlohmann::json::parse(h.out)["runs"];
  ASSERT_EQ(hist.size(), 2u);
  EXPECT_EQ(hist[0]["kind"], "rollback");
  EXPECT_EQ(hist[0]["reason"], "e2e");
  EXPECT_EQ(hist[0]["from"], "1.3.0");
  EXPECT_EQ(hist[0]["to"], "1.0.0");
  EXPECT_EQ(hist[0]["status"], "done");
  EXPECT_EQ(hist[1]["kind"], "deploy");
}

// `--to none` reverts every release, the first one included, and leaves the database as one that
// never had a release (issue 21); plan, check and sql take it too.
TEST_F(ShopTest, RollbackToNoneRevertsEveryReleaseTheFirstIncluded) {
  ASSERT_EQ(Run({"deploy", plan_, "--to", "1.0.0", "--yes"}).exit_code, 0);
  auto previous = Run({"rollback", plan_, "--reason", "first", "--yes"});
  EXPECT_EQ(previous.exit_code, 2) << previous.err;
  EXPECT_NE(previous.err.find("there is no previous release: 1.0.0 is the first release deployed "
                              "to this database (`--to none` reverts it too)"),
            std::string::npos)
      << previous.err;
  ASSERT_EQ(Run({"deploy", plan_, "--yes"}).exit_code, 0);

  auto plan = Run({"plan", plan_, "--to", "none", "--output", "json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  auto steps = nlohmann::json::parse(plan.out);
  EXPECT_EQ(steps["direction"], "rollback");
  EXPECT_EQ(steps["to"], "none");
  std::vector<std::string> forgotten;
  for (const auto& s : steps["steps"])
    if (s["kind"] == "forget-release") forgotten.push_back(s["release"]);
  EXPECT_EQ(forgotten, (std::vector<std::string>{"1.3.0", "1.2.0", "1.1.0", "1.0.0"})) << plan.out;
  auto check = Run({"check", plan_, "--to", "none"});
  EXPECT_EQ(check.exit_code, 4) << check.out << check.err;
  EXPECT_NE(check.out.find("not rolled back: the image: no release before 1.0.0 to swap back to, "
                           "so registry.example.com/shop:1.0.0 keeps running"),
            std::string::npos)
      << check.out;
  auto sql = Run({"sql", plan_, "--to", "none", "-o", dir_ / "none.sql"});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_NE(ReadFileOrDie(dir_ / "none.sql").find("DROP TABLE customers"), std::string::npos);

  auto r = Run({"rollback", plan_, "--to", "none", "--reason", "start over", "--approved",
                dir_ / "none.sql", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("rolled back shop 1.3.0 -> none"), std::string::npos) << r.out;
  auto rolled = Status();
  EXPECT_TRUE(rolled["current_version"].is_null()) << rolled.dump();
  EXPECT_EQ(rolled["applied_migrations"], 0);
  // As a database that never had a release: no table of the app is left.
  auto never = Status("never");
  EXPECT_EQ(rolled["schema_fingerprint"], never["schema_fingerprint"]);
  EXPECT_EQ(rolled["tables"], never["tables"]);
  auto h = Run({"history", plan_, "--output", "json"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_EQ(nlohmann::json::parse(h.out)["runs"][0]["to"], "none");
  EXPECT_EQ(Run({"rollback", plan_, "--to", "none", "--reason", "again", "--yes"}).exit_code, 0);

  // Deployed again from nothing, it is the database a first deploy makes.
  ASSERT_EQ(Run({"deploy", plan_, "--yes"}).exit_code, 0);
  ASSERT_EQ(Run({"deploy", plan_, "--yes"}, {}, "fresh").exit_code, 0);
  ExpectSameDatabase(Status(), Status("fresh"));
}

// The common options may come before the command, as people type them (issue 16).
TEST_F(ShopTest, CommonOptionsComeBeforeOrAfterTheCommand) {
  auto d = Run({"--yes", "-q", "--env", "local", "deploy", plan_, "--to", "1.1.0"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  auto before = Run({"--output", "json", "status", plan_});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  auto after = Run({"status", plan_, "--output", "json"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(nlohmann::json::parse(before.out)["current_version"], "1.1.0");
  EXPECT_EQ(nlohmann::json::parse(before.out), nlohmann::json::parse(after.out));
  auto unknown = Run({"--env", "nowhere", "status", plan_});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("nowhere"), std::string::npos) << unknown.err;
}

// The plan file is found without typing it: $ORCHESTRATE_PLAN, else plan.yaml in the current
// folder; other common options come from ORCHESTRATE_* variables, the command line winning.
TEST_F(ShopTest, ThePlanAndCommonOptionsComeFromTheEnvironmentOrTheFolder) {
  const std::string bin = OrchestrateBin();
  auto in_folder = Run(
      {"/bin/sh", "-c", "cd '" + dir_ / "shop" + "' && '" + bin + "' deploy --to 1.1.0 --yes -q"},
      {}, "state", "/usr/bin/env");
  ASSERT_EQ(in_folder.exit_code, 0) << in_folder.err;
  ProcessOptions env;
  env.env["ORCHESTRATE_PLAN"] = plan_;
  env.env["ORCHESTRATE_OUTPUT"] = "json";
  auto from_env = Run({"status"}, env);
  ASSERT_EQ(from_env.exit_code, 0) << from_env.err;
  EXPECT_EQ(nlohmann::json::parse(from_env.out)["current_version"], "1.1.0");
  env.env["ORCHESTRATE_ENV"] = "nowhere";
  auto unknown = Run({"status"}, env);
  EXPECT_EQ(unknown.exit_code, 64) << unknown.out << unknown.err;
  EXPECT_NE(unknown.out.find("unknown environment 'nowhere'"), std::string::npos) << unknown.out;
  auto wins = Run({"status", "--env", "local", "--output", "text"}, env);
  EXPECT_EQ(wins.exit_code, 0) << wins.err;
  EXPECT_NE(wins.out.find("release:      1.1.0"), std::string::npos) << wins.out;
  // Neither: the error says what to do.
  auto none = Run({"/bin/sh", "-c", "cd '" + dir_.path() + "' && '" + bin + "' status"}, {},
                  "state", "/usr/bin/env");
  EXPECT_EQ(none.exit_code, 64);
  EXPECT_NE(none.err.find("orchestrate: error: no plan: give the plan file (`orchestrate status "
                          "path/to/plan.yaml`), set ORCHESTRATE_PLAN"),
            std::string::npos)
      << none.err;
}

// A mistyped command or flag: an error that says which, and the one that was probably meant.
TEST_F(ShopTest, AMistypedCommandOrFlagGetsADidYouMean) {
  auto command = Run({"rolback", plan_});
  EXPECT_EQ(command.exit_code, 64);
  EXPECT_EQ(command.err.rfind("orchestrate: error: ", 0), 0u) << command.err;
  EXPECT_NE(command.err.find("did you mean `rollback`?"), std::string::npos) << command.err;
  auto flag = Run({"rollback", plan_, "--reasn", "x"});
  EXPECT_EQ(flag.exit_code, 64);
  EXPECT_NE(flag.err.find("did you mean `--reason`?"), std::string::npos) << flag.err;
  auto single_dash = Run({"deploy", plan_, "-to", "1.0.0"});
  EXPECT_EQ(single_dash.exit_code, 64);
  EXPECT_NE(single_dash.err.find("did you mean `--to`?"), std::string::npos) << single_dash.err;
  auto far = Run({"xyzzy", plan_});
  EXPECT_EQ(far.exit_code, 64);
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
  auto help = Run({"help", "rollback"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--accept-data-loss"), std::string::npos) << help.out;
  auto help_typo = Run({"help", "rolback"});
  EXPECT_EQ(help_typo.exit_code, 64);
  EXPECT_NE(help_typo.err.find("no command rolback: did you mean `rollback`?"), std::string::npos)
      << help_typo.err;
}

// The completion scripts complete commands and each command's flags, in the real shells.
TEST_F(ShopTest, CompletionScriptsCompleteCommandsAndFlagsInEachShell) {
  const std::string bin = OrchestrateBin();
  auto bash = Run({"bash", "-c",
                   "source <('" + bin +
                       "' completion bash) && COMP_WORDS=(orchestrate rol) COMP_CWORD=1 && "
                       "_orchestrate && echo \"${COMPREPLY[*]}\" && COMP_WORDS=(orchestrate "
                       "--env x rollback plan.yaml --acc) COMP_CWORD=5 && _orchestrate && echo "
                       "\"${COMPREPLY[*]}\""},
                  {}, "state", "/usr/bin/env");
  ASSERT_EQ(bash.exit_code, 0) << bash.err;
  EXPECT_EQ(bash.out, "rollback\n--accept-data-loss\n");
  auto fish = Run({"fish", "-c",
                   "'" + bin +
                       "' completion fish | source; complete -C'orchestrate sn'; complete "
                       "-C'orchestrate snapshots --old'"},
                  {}, "state", "/usr/bin/env");
  ASSERT_EQ(fish.exit_code, 0) << fish.err;
  EXPECT_NE(fish.out.find("snapshots\tthe data rollbacks destroyed"), std::string::npos)
      << fish.out;
  EXPECT_NE(fish.out.find("--older-than\tprune: only snapshots older than this"), std::string::npos)
      << fish.out;
  auto zsh = Run({"zsh", "-c",
                  "autoload -U compinit && compinit -u && source <('" + bin +
                      "' completion zsh) && print -r -- ${_comps[orchestrate]}"},
                 {}, "state", "/usr/bin/env");
  ASSERT_EQ(zsh.exit_code, 0) << zsh.err;
  EXPECT_EQ(zsh.out, "_orchestrate\n");
  auto other = Run({"completion", "tcsh"});
  EXPECT_EQ(other.exit_code, 64);
}

TEST_F(ShopTest, RollbackWorksAfterTheNewerReleaseFilesAreGone) {
  ASSERT_EQ(Run({"deploy", plan_, "--yes"}).exit_code, 0);
  // What checking out the old release does: 1.3.0's manifest and SQL files disappear.
  ASSERT_EQ(
      std::system(
          ("rm -f " + dir_ / "shop/releases/1.3.0.yaml " + dir_ / "shop/sql/001[34567]_*").c_str()),
      0);
  auto plan = Run({"plan", plan_, "--to", "previous", "--output", "json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  auto r = Run({"rollback", plan_, "--reason", "files gone", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(Run({"deploy", plan_, "--to", "1.2.0", "--yes"}, {}, "fresh").exit_code, 0);
  ExpectSameDatabase(Status(), Status("fresh"));
}

TEST_F(ShopTest, ChangedMigrationFileIsDriftAndRefused) {
  ASSERT_EQ(Run({"deploy", plan_, "--yes"}).exit_code, 0);
  auto before = Status();
  WriteFileOrDie(dir_ / "shop/sql/0016_create_view_order_summaries.down.sql",
                 "DROP VIEW nothing;\n");
  auto r = Run({"rollback", plan_, "--reason", "drift", "--yes"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("drift"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("0016_create_view_order_summaries"), std::string::npos) << r.err;
  ExpectSameDatabase(before, Status());
}

TEST_F(ShopTest, FailingStatementNamesMigrationAndLineAndLeavesLastCompletedStep) {
  ASSERT_EQ(Run({"deploy", plan_, "--to", "1.1.0", "--yes"}).exit_code, 0);
  auto before = Status();
  // 1.2.0's second migration fails on its second statement.
  WriteFileOrDie(dir_ / "shop/sql/0010_orders_add_shipping_method.up.sql",
                 "-- broken on purpose\nALTER TABLE orders ADD COLUMN note TEXT;\n\n"
                 "ALTER TABLE no_such_table ADD COLUMN x INTEGER;\n");
  auto r = Run({"deploy", plan_, "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("migration 0010_orders_add_shipping_method"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 4"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no_such_table"), std::string::npos) << r.err;
  auto after = Status();
  // 0009 (step 1) committed; 0010 rolled back whole, including its first statement.
  EXPECT_EQ(after["applied_migrations"], 9);
  EXPECT_EQ(after["unfinished_run"]["status"], "failed");
  auto schema = Run({"status", plan_});
  EXPECT_NE(schema.out.find("unfinished:"), std::string::npos);

  // Running it again unchanged retries the failed step (and fails the same way, changing nothing).
  auto retry = Run({"deploy", plan_, "--yes"});
  EXPECT_EQ(retry.exit_code, 2) << retry.err;
  EXPECT_NE(retry.err.find("resuming run 2"), std::string::npos) << retry.err;
  EXPECT_EQ(Status()["applied_migrations"], 9);

  // Fixing the file and running the same command supersedes the run and goes on from there.
  CopyTree(SourceDir() + "/samples/shop/sql", dir_ / "shop/sql");
  auto again = Run({"deploy", plan_, "--yes"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("superseded"), std::string::npos) << again.err;
  EXPECT_NE(again.out.find("1.1.0 -> 1.3.0"), std::string::npos) << again.out;
  auto hist = nlohmann::json::parse(Run({"history", plan_, "--output", "json"}).out)["runs"];
  ASSERT_EQ(hist.size(), 3u);
  EXPECT_EQ(hist[0]["status"], "done");
  EXPECT_EQ(hist[1]["status"], "superseded");
  EXPECT_EQ(hist[1]["error"], "superseded by run 3");
  ASSERT_EQ(Run({"deploy", plan_, "--yes"}, {}, "fresh").exit_code, 0);
  ExpectSameDatabase(Status(), Status("fresh"));
  (void)before;
}

// The process is killed (SIGKILL, through failpoints compiled into the test binary only) at step
// boundaries and just before commits; running the same command again resumes to the same end state.
TEST_F(ShopTest, KilledRollbackResumesToSameEndState) {
  ASSERT_EQ(Run({"deploy", plan_, "--yes"}, {}, "reference").exit_code, 0);
  ASSERT_EQ(Run({"rollback", plan_, "--to", "1.0.0", "--reason", "ref", "--yes"}, {}, "reference")
                .exit_code,
            0);
  auto want = Status("reference");
  auto plan = Run({"plan", plan_, "--to", "1.0.0"}, {}, "reference");

  nlohmann::json kinds;
  {
    ASSERT_EQ(Run({"deploy", plan_, "--yes"}, {}, "count").exit_code, 0);
    auto p = Run({"plan", plan_, "--to", "1.0.0", "--output", "json"}, {}, "count");
    kinds = nlohmann::json::parse(p.out)["steps"];
  }
  int steps = static_cast<int>(kinds.size());
  ASSERT_GT(steps, 15);
  int kills = 0;
  for (int n = 1; n <= steps; ++n) {
    for (const std::string point : {"after-step:", "before-commit:"}) {
      std::string fp = point + std::to_string(n);
      // The image swap commits no database transaction.
      if (point == "before-commit:" && kinds[n - 1]["kind"] == "swap-image") continue;
      SCOPED_TRACE(fp);
      std::string state = "kill-" + std::to_string(n) + "-" + point.substr(0, 5);
      ASSERT_EQ(Run({"deploy", plan_, "--yes", "-q"}, {}, state).exit_code, 0);
      ProcessOptions opts;
      opts.env["ORCHESTRATE_FAILPOINT"] = fp;
      auto killed = Run({"rollback", plan_, "--to", "1.0.0", "--reason", "kill", "--yes", "-q"},
                        opts, state, FailpointsBin());
      ASSERT_EQ(killed.signal, SIGKILL) << killed.err;
      ++kills;
      auto resumed = Run({"rollback", plan_, "--to", "1.0.0", "--reason", "kill", "--yes", "-q"},
                         {}, state, FailpointsBin());
      // The run's finish commits with its last step, and the bookkeeping steps at its end ride
      // in the transaction of the step before them (executor.h): killed after that commit, the
      // run is done and nothing is left to do.
      int host = steps;
      while (host > 1 && (kinds[host - 1]["kind"] == "forget-release" ||
                          kinds[host - 1]["kind"] == "record-release"))
        --host;
      if (n >= host && point == "after-step:") {
        ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
        EXPECT_NE(resumed.out.find("nothing to do"), std::string::npos)
            << resumed.out << resumed.err;
      } else {
        ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
        EXPECT_NE(resumed.out.find("resumed"), std::string::npos) << resumed.out;
      }
      ExpectSameDatabase(Status(state), want);
      // The journal shows every step of the run done, each applied exactly once.
      auto once = RunProcess({"/usr/bin/sqlite3", dir_ / (state + "/shop.db"),
                              "SELECT COUNT(*) FROM orchestrate_steps WHERE run_id = (SELECT "
                              "MAX(id) FROM orchestrate_runs) AND (status <> 'done' OR attempts "
                              "<> 1)"});
      EXPECT_EQ(once.out, "0\n") << once.err;
    }
  }
  std::cout << "covered " << kills << " kill points over " << steps << " steps\n";
}

// SIGTERM during a slow step: the step's transaction is rolled back, exit 3 with the command that
// resumes, and the resumed run reaches the same end state.
TEST_F(ShopTest, SigtermDuringSlowStepRollsItBackAndResumes) {
  // Slow down one down-migration before deploying, so the stored down SQL is the slow one.
  std::string down_file = dir_ / "shop/sql/0017_create_view_customer_loyalty.down.sql";
  WriteFileOrDie(down_file,
                 ReadFileOrDie(down_file) +
                     "\nSELECT count(*) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                     "SELECT i + 1 FROM n WHERE i < 4000000) SELECT i FROM n);\n");
  ASSERT_EQ(Run({"deploy", plan_, "--yes", "-q"}, {}, "reference").exit_code, 0);
  ASSERT_EQ(Run({"rollback", plan_, "--reason", "ref", "--yes", "-q"}, {}, "reference").exit_code,
            0);
  ASSERT_EQ(Run({"deploy", plan_, "--yes", "-q"}).exit_code, 0);
  // The slow step's number in the rollback.
  auto plan = Run({"plan", plan_, "--to", "1.2.0", "--output", "json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  const auto steps = nlohmann::json::parse(plan.out)["steps"];
  int slow = 0;
  for (size_t i = 0; i < steps.size(); ++i)
    if (steps[i].value("id", "") == "0017_create_view_customer_loyalty")
      slow = static_cast<int>(i + 1);
  ASSERT_GT(slow, 0) << plan.out;

  ProcessOptions opts;
  opts.env["STATE_DIR"] = dir_ / "state";
  ProcessHandle h =
      StartProcess({OrchestrateBin(), "rollback", plan_, "--reason", "sigterm", "--yes"}, opts);
  // Until the steps before the slow one are done (`status` reads the journal while it runs).
  ASSERT_TRUE(WaitUntil([&] {
    auto st = Run({"status", plan_, "--output", "json"});
    if (st.exit_code != 0) return false;
    auto json = nlohmann::json::parse(st.out);
    return !json["unfinished_run"].is_null() && json["unfinished_run"]["steps_done"] == slow - 1;
  })) << "the run never reached its slow step";
  kill(h.pid, SIGTERM);
  auto r = Wait(h);
  ASSERT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
  // The slow step is the one rolled back: the signal came while it ran.
  EXPECT_NE(
      r.err.find("step " + std::to_string(slow) + "/" + std::to_string(steps.size()) +
                 " [1.3.0] revert migration 0017_create_view_customer_loyalty was rolled back"),
      std::string::npos)
      << r.err;
  // The complete command, environment and reason included (it works pasted as printed).
  EXPECT_NE(
      r.err.find("orchestrate rollback " + plan_ + " --env local --to 1.2.0 --reason sigterm`"),
      std::string::npos)
      << r.err;
  auto mid = Status();
  EXPECT_EQ(mid["unfinished_run"]["status"], "interrupted");  // not "failed": nothing failed
  EXPECT_EQ(mid["unfinished_run"]["steps_done"], slow - 1);

  auto resumed = Run({"rollback", plan_, "--reason", "sigterm", "--yes"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  ExpectSameDatabase(Status(), Status("reference"));
}

TEST_F(ShopTest, DifferentPlanWhileUnfinishedIsRefused) {
  ASSERT_EQ(Run({"deploy", plan_, "--yes"}).exit_code, 0);
  ProcessOptions opts;
  opts.env["ORCHESTRATE_FAILPOINT"] = "after-step:3";
  auto killed = Run({"rollback", plan_, "--to", "1.0.0", "--reason", "x", "--yes"}, opts, "state",
                    FailpointsBin());
  ASSERT_EQ(killed.signal, SIGKILL);
  auto other = Run({"rollback", plan_, "--to", "1.1.0", "--reason", "y", "--yes"});
  EXPECT_EQ(other.exit_code, 3);
  EXPECT_NE(other.err.find("unfinished rollback 1.3.0 -> 1.0.0"), std::string::npos) << other.err;
  EXPECT_NE(other.err.find("--to 1.0.0"), std::string::npos) << other.err;
  auto deploy = Run({"deploy", plan_, "--yes"});
  EXPECT_EQ(deploy.exit_code, 3);
  // The lock left by the killed process (same host, process gone) does not block.
  auto resumed = Run({"rollback", plan_, "--to", "1.0.0", "--reason", "x", "--yes"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
}

TEST_F(ShopTest, NothingToDoExitsZeroAndSaysSoOnStdout) {
  ASSERT_EQ(Run({"deploy", plan_, "--yes"}).exit_code, 0);
  auto again = Run({"deploy", plan_, "--yes"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("nothing to do: shop is already at 1.3.0"), std::string::npos)
      << again.out;
  EXPECT_EQ(again.err.find("error"), std::string::npos) << again.err;
  auto json = Run({"deploy", plan_, "--yes", "--output", "json"});
  EXPECT_EQ(json.exit_code, 0);
  const auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc["outcome"], "nothing-to-do");
  EXPECT_EQ(doc["exit_code"], 0);
  // A dry run of nothing is a plan of nothing: exit 0 too.
  auto dry = Run({"rollback", plan_, "--to", "1.3.0", "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
}

TEST_F(ShopTest, PolicyRequiresReasonForRollback) {
  ASSERT_EQ(Run({"deploy", plan_, "--yes"}).exit_code, 0);
  auto r = Run({"rollback", plan_, "--yes"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("--reason"), std::string::npos) << r.err;
}

TEST_F(ShopTest, DryRunChangesNothing) {
  ASSERT_EQ(Run({"deploy", plan_, "--yes"}).exit_code, 0);
  auto before = Status();
  auto r = Run({"rollback", plan_, "--to", "1.0.0", "--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dry run"), std::string::npos);
  ExpectSameDatabase(before, Status());
}

struct BadInput {
  std::string name;
  std::string file;     // relative to the shop copy
  std::string content;  // replaces the file
  std::vector<std::string> args;
  int exit_code;
  std::string expect;  // in stderr
};

TEST_F(ShopTest, BadInputsFailClearlyAndTouchNothing) {
  ASSERT_EQ(Run({"deploy", plan_, "--to", "1.1.0", "--yes"}).exit_code, 0);
  auto before = Status();
  const std::vector<BadInput> cases = {
      {"malformed yaml",
       "plan.yaml",
       "app: shop\nreleases: [\n",
       {"deploy"},
       2,
       "plan.yaml:3:1: malformed YAML"},
      {"unknown key",
       "releases/1.2.0.yaml",
       "version: 1.2.0\nimage: x\nmigratoins: []\n",
       {"deploy"},
       2,
       "releases/1.2.0.yaml:3:1: unknown key 'migratoins'"},
      {"unset variable",
       "plan.yaml",
       "app: shop\nreleases: releases/\nenvironments:\n  local:\n    database: "
       "sqlite:${NOPE_NOT_SET}/x.db\n"
       "    deployer: {kind: file, path: x}\n",
       {"deploy"},
       2,
       "plan.yaml:5:22: variable NOPE_NOT_SET is not set"},
      {"unknown version", "", "", {"deploy", "--to", "9.9.9"}, 2, "version 9.9.9 is not a release"},
      {"rollback to never deployed",
       "",
       "",
       {"rollback", "--to", "1.2.0", "--reason", "r"},
       2,
       "is newer than the current release"},
      {"bad database url",
       "",
       "",
       {"deploy", "--database", "mysql://x"},
       2,
       "cannot open database"},
      {"missing sql file",
       "releases/1.2.0.yaml",
       "version: 1.2.0\nimage: x\nmigrations:\n  - {id: m9, up: ../sql/none.sql, down: "
       "../sql/none.sql}\n",
       {"deploy"},
       2,
       "releases/1.2.0.yaml:4:18: the up file of migration m9"},
      {"unknown flag", "", "", {"deploy", "--frobnicate"}, 64, "frobnicate"},
      {"password variable not set",
       "plan.yaml",
       "app: shop\nreleases: releases/\nenvironments:\n  local:\n"
       "    database: sqlite:${STATE_DIR}/shop.db\n    password_env: SHOP_DB_PASSWORD_NOT_SET\n"
       "    deployer: {kind: file, path: x}\n",
       {"deploy"},
       2,
       "takes its database password from $SHOP_DB_PASSWORD_NOT_SET, which is not set"},
      {"bad lock timeout",
       "",
       "",
       {"deploy", "--lock-timeout", "soon"},
       64,
       "--lock-timeout soon: use a duration"},
      {"unknown environment",
       "",
       "",
       {"status", "--env", "prod"},
       64,
       "unknown environment 'prod'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string original;
    if (!c.file.empty()) {
      original = ReadFileOrDie(dir_ / ("shop/" + c.file));
      WriteFileOrDie(dir_ / ("shop/" + c.file), c.content);
    }
    std::vector<std::string> args = {c.args[0], plan_};
    args.insert(args.end(), c.args.begin() + 1, c.args.end());
    if (c.args[0] != "status") args.push_back("--yes");
    auto r = Run(args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
    if (!c.file.empty()) WriteFileOrDie(dir_ / ("shop/" + c.file), original);
    ExpectSameDatabase(before, Status());
  }
}

TEST_F(ShopTest, FullDiskFailsCleanly) {
  ASSERT_EQ(Run({"deploy", plan_, "--to", "1.2.0", "--yes"}).exit_code, 0);
  auto before = Status();
  // The first step of the deploy writes far more than the file-size limit lets the database grow.
  std::string up = ReadFileOrDie(dir_ / "shop/sql/0013_create_loyalty_tiers.up.sql");
  WriteFileOrDie(
      dir_ / "shop/sql/0013_create_loyalty_tiers.up.sql",
      up + "INSERT INTO loyalty_tiers (id, code, name, min_points) "
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
           "SELECT i, 'c' || i, 'tier ' || hex(randomblob(64)), i FROM n;\n");
  struct stat st;
  ASSERT_EQ(stat((dir_ / "state/shop.db").c_str(), &st), 0);
  ProcessOptions opts;
  opts.file_size_limit = st.st_size + 256 * 1024;
  auto r = Run({"deploy", plan_, "--yes"}, opts);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("0013_create_loyalty_tiers"), std::string::npos) << r.err;
  auto after = Status();
  EXPECT_EQ(after["schema_fingerprint"], before["schema_fingerprint"]);
  EXPECT_EQ(after["data_fingerprint"], before["data_fingerprint"]);
  EXPECT_EQ(after["current_version"], "1.2.0");
}

TEST_F(ShopTest, ReadOnlyDatabaseFailsCleanly) {
  ASSERT_EQ(Run({"deploy", plan_, "--to", "1.2.0", "--yes"}).exit_code, 0);
  auto before = Status();
  ProcessOptions opts;
  if (getuid() == 0) {
    opts.run_as_user = "nobody";  // root can write any file; an ordinary user cannot
    ASSERT_EQ(chmod((dir_ / "state").c_str(), 0755), 0);
    ASSERT_EQ(chmod((dir_ / "state/shop.db").c_str(), 0644), 0);
    ASSERT_EQ(chmod(dir_.path().c_str(), 0755), 0);
  } else {
    ASSERT_EQ(chmod((dir_ / "state/shop.db").c_str(), 0444), 0);
    ASSERT_EQ(chmod((dir_ / "state").c_str(), 0555), 0);
  }
  auto r = Run({"deploy", plan_, "--yes"}, opts);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("readonly"), std::string::npos) << r.err;
  chmod((dir_ / "state").c_str(), 0755);
  ExpectSameDatabase(before, Status());
}

TEST(Cli, HelpAndVersion) {
  auto v = RunProcess({OrchestrateBin(), "--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("orchestrate 0."), std::string::npos);
  for (const std::string cmd :
       {"deploy", "rollback", "plan", "status", "history", "validate", "force"}) {
    auto h = RunProcess({OrchestrateBin(), cmd, "--help"});
    EXPECT_EQ(h.exit_code, 0) << cmd;
    EXPECT_NE(h.out.find("PLAN"), std::string::npos) << cmd << h.out;
  }
  auto none = RunProcess({OrchestrateBin()});
  EXPECT_EQ(none.exit_code, 64);
}

}  // namespace
}  // namespace orchestrate::testing
