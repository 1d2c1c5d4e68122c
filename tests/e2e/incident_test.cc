// Incident-proof runs, end to end on the real binary, on SQLite and PostgreSQL: an image swap at
// every release boundary, printed commands that work pasted as printed, `check` across every
// release, and fencing (a run that lost its lock stops; a live holder's lock is not broken).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
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

// Runs `sql` (one or more statements) on `url` in a transaction of its own and commits it;
// returns the first column of the first row the last statement returned ("" when none). A
// failure fails the test and returns "".
std::string RunSql(const std::string& url, const std::string& base_dir, const std::string& sql) {
  auto db = OpenDatabase(url, base_dir);
  if (!db.ok()) {
    ADD_FAILURE() << db.status().message();
    return "";
  }
  auto txn = (*db)->Begin();
  if (!txn.ok()) {
    ADD_FAILURE() << txn.status().message();
    return "";
  }
  auto rows = (*txn)->Query(sql);
  Status committed = rows.ok() ? (*txn)->Commit() : rows.status();
  if (!committed.ok()) {
    ADD_FAILURE() << sql << ": " << committed.message();
    return "";
  }
  return rows->rows.empty() || rows->rows[0].empty() ? "" : rows->rows[0][0].value_or("");
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
  // Nothing left: resume says so (on stdout, exit 0).
  auto idle = Paste(resume);
  EXPECT_EQ(idle.exit_code, 0) << idle.err;
  EXPECT_NE(idle.out.find("nothing to resume"), std::string::npos) << idle.out;
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

TEST_P(IncidentTest, TheAbandonCommandPrintedByTheRefusalWorksAsPrinted) {
  InterruptedRollback(5);
  auto refused = Run({"deploy", "--env", "staging", "--yes"});
  ASSERT_EQ(refused.exit_code, 3) << refused.err;
  std::string abandon = QuotedCommand(refused.err, 3);
  ASSERT_NE(abandon.find("force"), std::string::npos) << refused.err;
  ASSERT_NE(abandon.find("--abandon"), std::string::npos) << refused.err;
  auto pasted = Paste(abandon);  // no terminal: no prompt
  ASSERT_EQ(pasted.exit_code, 0) << abandon << "\n" << pasted.err;
  EXPECT_TRUE(Status("staging")["unfinished_run"].is_null());
  EXPECT_TRUE(Status("local")["unfinished_run"].is_null());  // nothing there was touched
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
  RunSql(database_, dir_.path(),
         "UPDATE orchestrate_releases SET deployed_at = '2000-01-01T00:00:00.000Z' WHERE version "
         "= '1.1.0'");
  ASSERT_FALSE(HasFailure());
  auto nogo = Run({"rollback", "--env", "staging", "--reason", "old", "--yes"});
  EXPECT_EQ(nogo.exit_code, 3) << nogo.err;
  EXPECT_NE(nogo.err.find("--allow-outside-window"), std::string::npos) << nogo.err;
  auto allowed =
      Run({"rollback", "--env", "staging", "--reason", "old", "--allow-outside-window", "--yes"});
  ASSERT_EQ(allowed.exit_code, 0) << allowed.err;
  auto history = Run({"history", "--env", "staging", "--output", "json"});
  EXPECT_NE(history.out.find("--allow-outside-window"), std::string::npos) << history.out;
}

// ---- fencing: the run lock, lost or broken, never lets two processes act on one run ----------

class FencingTest : public IncidentTest {
 protected:
  // A rollback to 1.0.0 of staging that pauses for 3 s before step 5 (failpoint build), holding
  // the run lock and no transaction.
  ProcessHandle StartPausedRollback() {
    EXPECT_EQ(Run({"deploy", "--env", "staging", "--yes", "-q"}).exit_code, 0);
    ProcessOptions o = Options();
    o.env["ORCHESTRATE_FAILPOINT_PAUSE"] = "before-step:5:3000";
    ProcessHandle h = StartProcess({FailpointsBin(), "rollback", plan_, "--env", "staging", "--to",
                                    "1.0.0", "--reason", "fence", "--yes", "-q"},
                                   o);
    for (int i = 0; i < 200; ++i) {  // until it pauses: 4 steps done, the lock held
      auto r = Run({"status", "--env", "staging", "--output", "json"});
      if (r.exit_code == 0) {
        json st = json::parse(r.out);
        if (!st["unfinished_run"].is_null() && st["unfinished_run"]["steps_done"] == 4 &&
            !st["lock"].is_null())
          break;
      }
      usleep(20 * 1000);
    }
    return h;
  }
};

TEST_P(FencingTest, ForceUnlockRefusesALiveHolderAndItsForceLiveStopsTheHolder) {
  ProcessHandle holder = StartPausedRollback();
  auto refused = Run({"force", "--env", "staging", "--unlock", "--yes"});
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("alive"), std::string::npos) << refused.err;
  std::string force_live = QuotedCommand(refused.err);
  ASSERT_NE(force_live.find("--force-live"), std::string::npos) << refused.err;
  // Pasted as printed (with --yes: no terminal here to confirm on).
  auto released = Paste(force_live + " --yes");
  EXPECT_EQ(released.exit_code, 0) << force_live << "\n" << released.err;
  EXPECT_NE(released.out.find("released the lock held by"), std::string::npos) << released.out;
  // The holder stops at its next commit, saying why; nothing of that transaction committed.
  auto stopped = Wait(holder);
  EXPECT_EQ(stopped.exit_code, 3) << stopped.err;
  EXPECT_NE(stopped.err.find("run lock was lost"), std::string::npos) << stopped.err;
  json mid = Status("staging");
  EXPECT_EQ(mid["unfinished_run"]["steps_done"], 4) << mid.dump();
  // The same command finishes the run.
  std::string resume = LineAfter(Run({"status", "--env", "staging"}).out, "resume with: ");
  ASSERT_FALSE(resume.empty());
  auto resumed = Paste(resume);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  json st = Status("staging");
  EXPECT_EQ(st["current_version"], "1.0.0");
  EXPECT_TRUE(st["unfinished_run"].is_null());
}

// SIGTERM while a down-migration's statement runs for long: acknowledged at once, the statement is
// cancelled (not waited for), the step rolled back, the run recorded as interrupted.
TEST_P(FencingTest, SigtermCancelsTheRunningStatementAndRecordsTheRunAsInterrupted) {
  std::string f = dir_ / "shop/sql/0016_create_view_order_summaries.down.sql";
  WriteFileOrDie(f, ReadFileOrDie(f) + (GetParam() == "postgresql"
                                            ? "\nSELECT pg_sleep(60);\n"
                                            : "\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                                              "SELECT x + 1 FROM c WHERE x < 300000000) SELECT "
                                              "count(*) FROM c;\n"));
  ASSERT_EQ(Run({"deploy", "--env", "staging", "--yes", "-q"}).exit_code, 0);
  ProcessHandle h = StartProcess({OrchestrateBin(), "rollback", plan_, "--env", "staging", "--to",
                                  "1.0.0", "--reason", "slow", "--yes"},
                                 Options());
  // Until the slow statement runs (PostgreSQL: seen in pg_stat_activity; `status` would wait
  // for the locks the step holds).
  for (int i = 0; i < 400; ++i) {
    if (GetParam() == "postgresql") {
      const std::string running =
          RunSql(database_, dir_.path(),
                 "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE "
                 "'%pg_sleep(60)%' AND pid <> pg_backend_pid()");
      ASSERT_FALSE(HasFailure());
      if (running != "0") break;
    } else {
      auto r = Run({"status", "--env", "staging", "--output", "json"});
      if (r.exit_code == 0) {
        json st = json::parse(r.out);
        if (!st["unfinished_run"].is_null() && st["unfinished_run"]["steps_done"] == 3) break;
      }
    }
    usleep(20 * 1000);
  }
  auto sent = std::chrono::steady_clock::now();
  kill(h.pid, SIGTERM);
  auto r = Wait(h);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_LT(seconds, 10.0) << "the statement was waited for, not cancelled";
  EXPECT_NE(r.err.find("stopping (signal 15): cancelling the running statement"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("was rolled back and the steps before it are done; resume with `"),
            std::string::npos)
      << r.err;
  json st = Status("staging");
  EXPECT_EQ(st["unfinished_run"]["status"], "interrupted") << st.dump();
  EXPECT_EQ(st["unfinished_run"]["steps_done"], 3) << st.dump();
  EXPECT_EQ(st["current_version"], "1.3.0");
}

// An interrupt between two batches of a ledger reversal says what stays reversed and what remains
// (not "the step was rolled back"), and the same command finishes it.
TEST_P(FencingTest, AnInterruptedLedgerReversalSaysWhatWasReversedAndWhatRemains) {
  std::string plan = ReadFileOrDie(plan_);
  plan.replace(plan.find("lock_timeout: 10s}"), 18, "lock_timeout: 10s, batch_rows: 1}");
  WriteFileOrDie(plan_, plan);
  ASSERT_EQ(Run({"deploy", "--env", "staging", "--yes", "-q"}).exit_code, 0);
  // Held at a gate after the second batch of step 2 (seed loyalty_tiers) while SIGTERM comes.
  const std::string gate = dir_ / "gate";
  ASSERT_EQ(mkdir(gate.c_str(), 0755), 0);
  ProcessOptions o = Options();
  o.env["ORCHESTRATE_FAILPOINT_GATE"] = "after-batch:2:2:" + gate;
  ProcessHandle h = StartProcess({FailpointsBin(), "rollback", plan_, "--env", "staging",
                                  "--reason", "batches", "--yes", "-q"},
                                 o);
  ASSERT_TRUE(WaitUntil([&] { return FileExists(gate + "/reached"); })) << "no second batch";
  kill(h.pid, SIGTERM);
  WriteFileOrDie(gate + "/open", "");
  auto r = Wait(h);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("reverse seed loyalty_tiers (the rows its ledger recorded) stopped: its "
                       "batch in progress was rolled back; 2 row(s) reversed by this run stay "
                       "reversed, 2 row(s) in 2 chunk(s) remain"),
            std::string::npos)
      << r.err;
  // After the stop (-q keeps the verdict's warnings, which quote other commands).
  std::string resume = QuotedCommand(r.err.substr(r.err.find("stopped")));
  auto resumed = Paste(resume);
  ASSERT_EQ(resumed.exit_code, 0) << resume << "\n" << resumed.err;
  EXPECT_EQ(Status("staging")["current_version"], "1.2.0");
}

// The lock-held message names the unlock command with the environment; pasted as printed once
// its holder is gone, it releases the lock, and the run resumes.
TEST_P(FencingTest, TheUnlockCommandOfTheLockedMessageWorksOnceTheHolderIsGone) {
  ProcessHandle holder = StartPausedRollback();
  auto locked = Run({"rollback", "--env", "staging", "--to", "1.0.0", "--reason", "fence",
                     "--lock-timeout", "0", "--yes"});
  EXPECT_EQ(locked.exit_code, 3) << locked.err;
  std::string unlock = QuotedCommand(locked.err);
  ASSERT_NE(unlock.find("force"), std::string::npos) << locked.err;
  ASSERT_NE(unlock.find("--env staging --unlock"), std::string::npos) << locked.err;
  kill(holder.pid, SIGKILL);
  EXPECT_EQ(Wait(holder).signal, SIGKILL);
  auto pasted = Paste(unlock);
  EXPECT_EQ(pasted.exit_code, 0) << unlock << "\n" << pasted.err;
  EXPECT_TRUE(Status("staging")["lock"].is_null());
  auto resumed = Run({"resume", "--env", "staging", "--yes", "-q"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(Status("staging")["current_version"], "1.0.0");
}

INSTANTIATE_TEST_SUITE_P(Engines, FencingTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& p) { return p.param; });

// The run lock's own database session ends (a DBA, a pooler, idle_session_timeout) while a step
// runs, and the same command is started again: the first run stops before its commit, the second
// finishes the run alone, and the database ends as an uninterrupted rollback leaves it.
TEST(PgFencing, ARunThatLostItsLockSessionStopsAndTheNextFinishesAlone) {
  ORCH_REQUIRE_PG(url);
  ORCH_REQUIRE_PG(reference_url);
  TempDir dir;
  CopyTree(SourceDir() + "/samples/shop", dir / "shop");
  std::string f = dir / "shop/sql/0016_create_view_order_summaries.down.sql";
  WriteFileOrDie(f, ReadFileOrDie(f) + "\nSELECT pg_sleep(2);\n");
  ProcessOptions opts;
  opts.env["STATE_DIR"] = dir / "state";
  auto args = [&](const std::string& db, std::vector<std::string> rest) {
    std::vector<std::string> a{OrchestrateBin(), rest[0], dir / "shop/plan.yaml", "--env", "pg",
                               "--database",     db};
    a.insert(a.end(), rest.begin() + 1, rest.end());
    return a;
  };
  for (const auto& db : {url, reference_url})
    ASSERT_EQ(RunProcess(args(db, {"deploy", "--yes", "-q"}), opts).exit_code, 0);
  const std::vector<std::string> rollback{"rollback", "--to", "1.0.0",          "--reason", "fence",
                                          "--yes",    "-q",   "--lock-timeout", "30"};
  ASSERT_EQ(RunProcess(args(reference_url, rollback), opts).exit_code, 0);

  ProcessHandle first = StartProcess(args(url, rollback), opts);
  usleep(1000 * 1000);  // inside pg_sleep
  ASSERT_EQ(RunSql(url, dir.path(),
                   "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                   "application_name = 'orchestrate lock' AND datname = current_database()"),
            "1");
  ProcessHandle second = StartProcess(args(url, rollback), opts);
  auto a = Wait(first);
  auto b = Wait(second);
  EXPECT_EQ(a.exit_code, 3) << a.err;
  EXPECT_NE(a.err.find("run lock was lost"), std::string::npos) << a.err;
  EXPECT_EQ(b.exit_code, 0) << b.err;
  auto status = [&](const std::string& db) {
    auto r = RunProcess(args(db, {"status", "--output", "json"}), opts);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  };
  json got = status(url), want = status(reference_url);
  EXPECT_EQ(got["schema_fingerprint"], want["schema_fingerprint"]);
  EXPECT_EQ(got["data_fingerprint"], want["data_fingerprint"]);
  EXPECT_EQ(got["tables"], want["tables"]);
  EXPECT_EQ(got["current_version"], "1.0.0");
  EXPECT_TRUE(got["unfinished_run"].is_null());
}

// policy.permissions: a rollback of staging needs a PostgreSQL role (the database's own identity)
// or, on SQLite, an OS user; refused (exit 3, naming the rule) for anyone else, and what allowed
// it is in history.
TEST_P(IncidentTest, APermissionRuleRefusesAUserOutsideTheRole) {
  std::string db = database_, who_is_allowed;
  const std::string tag = std::to_string(getpid());
  std::string rule;
  auto admin_exec = [&](const std::string& script) {  // statements ending in ';', one by one
    for (size_t at = 0, end; (end = script.find(';', at)) != std::string::npos; at = end + 1)
      RunSql(database_, dir_.path(), script.substr(at, end - at));
    ASSERT_FALSE(HasFailure()) << script;
  };
  if (GetParam() == "postgresql") {
    // A login role that owns the database but is not a superuser (a superuser is in every role).
    admin_exec("CREATE ROLE rm_" + tag + " NOLOGIN; CREATE ROLE dep_" + tag +
               " LOGIN; ALTER DATABASE " + database_.substr(database_.rfind('/') + 1) +
               " OWNER TO dep_" + tag + "; ALTER SCHEMA public OWNER TO dep_" + tag + ";");
    db.replace(db.find("postgres@"), 9, "dep_" + tag + "@");
    rule = "{environments: [staging], actions: [rollback], role: rm_" + tag + "}";
    who_is_allowed = "role rm_" + tag + " (database user dep_" + tag + ")";
  } else {
    rule = "{environments: [staging], actions: [rollback], users: [nobody-" + tag + "]}";
  }
  std::string plan = ReadFileOrDie(plan_);
  plan.replace(plan.find("lock_timeout: 10s}"), 18,
               "lock_timeout: 10s, permissions: [" + rule + "]}");
  WriteFileOrDie(plan_, plan);
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--env", "staging", "--database", db, "--yes", "-q"});
    return Run(args);
  };
  ASSERT_EQ(run({"deploy", "--to", "1.2.0"}).exit_code, 0);  // deploys are not restricted here
  auto refused = run({"rollback", "--reason", "perm"});
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("refused by policy.permissions"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("plan.yaml:"), std::string::npos) << refused.err;
  EXPECT_EQ(Status("staging")["current_version"], "1.2.0");

  if (GetParam() == "postgresql") {
    admin_exec("GRANT rm_" + tag + " TO dep_" + tag + ";");
  } else {
    auto me = RunProcess({"/usr/bin/id", "-un"});
    std::string name = me.out.substr(0, me.out.find('\n'));
    plan = ReadFileOrDie(plan_);
    plan.replace(plan.find("nobody-" + tag), ("nobody-" + tag).size(), name);
    WriteFileOrDie(plan_, plan);
    who_is_allowed = "OS user " + name;
  }
  auto allowed = run({"rollback", "--reason", "perm"});
  ASSERT_EQ(allowed.exit_code, 0) << allowed.err;
  auto history = Run({"history", "--env", "staging", "--database", db, "--output", "json"});
  EXPECT_NE(history.out.find("[allowed: " + who_is_allowed + "]"), std::string::npos)
      << history.out << history.err;
}

// The approval binds the data the ledger reversal writes back: a chunk edited in the database after
// the review is refused (issue: ledger data was not bound).
TEST_P(IncidentTest, AnApprovalBindsTheLedgerDataEachChunkWritesBack) {
  ASSERT_EQ(Run({"deploy", "--env", "staging", "--yes", "-q"}).exit_code, 0);
  const std::string script = dir_ / "rb.sql";
  auto sql = Run({"sql", "--env", "staging", "--to", "1.2.0", "-o", script});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_NE(ReadFileOrDie(script).find("; data sha256:"), std::string::npos);
  {
    auto db = OpenDatabase(database_, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().message();
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok());
    auto changed = (*txn)->ExecCount(
        "UPDATE orchestrate_ledger SET column_names = column_names || ' ' WHERE seed_id = "
        "'loyalty_tiers' "
        "AND id = (SELECT MIN(id) FROM orchestrate_ledger WHERE seed_id = 'loyalty_tiers')");
    ASSERT_TRUE(changed.ok()) << changed.status().message();
    ASSERT_EQ(*changed, 1);
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  for (bool dry_run : {true, false}) {
    std::vector<std::string> args{"rollback", "--env",    "staging",    "--to", "1.2.0",
                                  "--reason", "reviewed", "--approved", script, "--yes"};
    if (dry_run) args.push_back("--dry-run");
    auto refused = Run(args);
    EXPECT_EQ(refused.exit_code, 3) << refused.err;
    EXPECT_NE(refused.err.find("the row ledger changed since the review"), std::string::npos)
        << refused.err;
  }
  EXPECT_EQ(Status("staging")["current_version"], "1.3.0");
}

// The approval binds the database: a script approved for staging's database is refused on another
// database with the same plan and state, naming both.
TEST_P(IncidentTest, AnApprovalForOneDatabaseIsRefusedOnAnother) {
  std::string other = "sqlite:" + (dir_ / "other.db");
  if (GetParam() == "postgresql") {
    ORCH_REQUIRE_PG(url);
    other = url;
  }
  for (const auto& db : {database_, other})
    ASSERT_EQ(Run({"deploy", "--env", "staging", "--database", db, "--yes", "-q"}).exit_code, 0);
  const std::string script = dir_ / "rb.sql";
  ASSERT_EQ(Run({"sql", "--env", "staging", "--to", "1.2.0", "-o", script}).exit_code, 0);
  EXPECT_NE(
      ReadFileOrDie(script).find(GetParam() == "postgresql" ? "-- database: postgresql system "
                                                            : "-- database: sqlite file "),
      std::string::npos);
  for (bool dry_run : {true, false}) {
    std::vector<std::string> args{"rollback", "--env",    "staging", "--database", other,  "--to",
                                  "1.2.0",    "--reason", "x",       "--approved", script, "--yes"};
    if (dry_run) args.push_back("--dry-run");
    auto refused = Run(args);
    EXPECT_EQ(refused.exit_code, 3) << refused.err;
    EXPECT_NE(refused.err.find("\n  database: approved "), std::string::npos) << refused.err;
  }
  auto ok = Run({"rollback", "--env", "staging", "--to", "1.2.0", "--reason", "x", "--approved",
                 script, "--yes", "-q"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

INSTANTIATE_TEST_SUITE_P(Engines, IncidentTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace orchestrate::testing
