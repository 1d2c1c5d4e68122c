// Executor tests on a real SQLite database behind a fault-injecting Database wrapper (the
// leveldb "fault-injection Env" idea, tests/fakes/faulty_database.h): every step is made to fail
// in turn, and the same command run again must resume and reach exactly the state of an
// uninterrupted run, applying each step once. The deployer records its calls
// (tests/fakes/recording_deployer.h).
#include "orchestrator/executor.h"

#include <gtest/gtest.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "migrations/fingerprint.h"
#include "migrations/journal.h"
#include "migrations/release_schema.h"
#include "plans/manifest.h"
#include "tests/fakes/faulty_database.h"
#include "tests/fakes/fixed_clock.h"
#include "tests/fakes/recording_deployer.h"
#include "tests/support/test_util.h"

namespace orchestrate {
namespace {

using testing::SourceDir;
using testing::TempDir;

using fakes::CommitFault;
using fakes::Faults;
using fakes::FaultyDatabase;
using FakeDeployer = fakes::RecordingDeployer;

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    auto plan = LoadPlan(SourceDir() + "/samples/shop/plan.yaml",
                         [this](const std::string& name) -> std::optional<std::string> {
                           if (name == "STATE_DIR") return dir_.path();
                           return std::nullopt;
                         });
    ASSERT_TRUE(plan.ok()) << plan.status().message();
    plan_ = std::move(plan).value();
  }

  std::unique_ptr<Database> OpenFresh(const std::string& name) {
    auto db = OpenDatabase("sqlite:" + dir_.path() + "/" + name + ".db", "");
    EXPECT_TRUE(db.ok()) << db.status().message();
    return std::move(db).value();
  }

  RunRequest Request(Direction d, const std::string& target) {
    RunRequest r;
    r.direction = d;
    r.target = target;
    r.meta = {"tester", "testhost", 4242, "", "test", "local"};
    r.lock_timeout_seconds = 1;
    return r;
  }

  Fingerprint Take(Database& db) {
    auto fp = TakeFingerprint(db);
    EXPECT_TRUE(fp.ok()) << fp.status().message();
    return fp.ok() ? *fp : Fingerprint{};
  }

  // Deploys the newest release, then rolls back to 1.0.0; returns the end fingerprint.
  Fingerprint Reference() {
    auto db = OpenFresh("reference");
    FakeDeployer dep;
    Executor ex(plan_, *db, dep);
    EXPECT_TRUE(ex.Run(Request(Direction::kDeploy, "")).ok());
    auto r = ex.Run(Request(Direction::kRollback, "1.0.0"));
    EXPECT_TRUE(r.ok()) << r.status().message();
    return Take(*db);
  }

  // How many scripts a clean rollback from the newest release to 1.0.0 runs.
  int RollbackScripts() {
    Faults f;
    FaultyDatabase db(OpenFresh("count-scripts"), f);
    FakeDeployer dep;
    Executor ex(plan_, db, dep);
    EXPECT_TRUE(ex.Run(Request(Direction::kDeploy, "")).ok());
    f.scripts = 0;
    EXPECT_TRUE(ex.Run(Request(Direction::kRollback, "1.0.0")).ok());
    return f.scripts;
  }

  TempDir dir_;
  Plan plan_;
};

TEST_F(ExecutorTest, DeployThenRollbackEqualsFreshDeployOfTarget) {
  Fingerprint rolled = Reference();
  auto fresh = OpenFresh("fresh");
  FakeDeployer dep;
  Executor ex(plan_, *fresh, dep);
  auto r = ex.Run(Request(Direction::kDeploy, "1.0.0"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  Fingerprint want = Take(*fresh);
  EXPECT_EQ(rolled.schema, want.schema);
  EXPECT_EQ(rolled.schema_sha256, want.schema_sha256);
  EXPECT_EQ(rolled.data_sha256, want.data_sha256);
}

TEST_F(ExecutorTest, AlreadyThereIsNothingToDo) {
  auto db = OpenFresh("noop");
  FakeDeployer dep;
  Executor ex(plan_, *db, dep);
  ASSERT_TRUE(ex.Run(Request(Direction::kDeploy, "1.1.0")).ok());
  auto again = ex.Run(Request(Direction::kDeploy, "1.1.0"));
  EXPECT_EQ(again.status().code(), Code::kNothingToDo);
}

TEST_F(ExecutorTest, DeclinedConfirmationChangesNothing) {
  auto db = OpenFresh("declined");
  FakeDeployer dep;
  Executor ex(plan_, *db, dep);
  RunRequest req = Request(Direction::kDeploy, "");
  req.confirm = [](const RunPlan&) { return false; };
  auto r = ex.Run(req);
  EXPECT_EQ(r.status().code(), Code::kDeclined);
  auto tables = db->UserTables();
  ASSERT_TRUE(tables.ok());
  EXPECT_TRUE(tables->empty());
  EXPECT_TRUE(dep.swaps().empty());
}

// Every script of the rollback fails once in turn; the re-run resumes and the end state equals
// the uninterrupted run's, with every script committed exactly once.
TEST_F(ExecutorTest, RollbackFailingAtEveryScriptResumes) {
  Fingerprint want = Reference();
  int total_scripts = 0;
  {
    // Count the scripts a rollback runs.
    Faults f;
    auto db = std::make_unique<FaultyDatabase>(OpenFresh("count"), f);
    FakeDeployer dep;
    Executor ex(plan_, *db, dep);
    ASSERT_TRUE(ex.Run(Request(Direction::kDeploy, "")).ok());
    f.scripts = 0;
    ASSERT_TRUE(ex.Run(Request(Direction::kRollback, "1.0.0")).ok());
    total_scripts = f.scripts;
  }
  ASSERT_GT(total_scripts, 10);
  for (int k = 1; k <= total_scripts; ++k) {
    SCOPED_TRACE("failing script " + std::to_string(k));
    Faults f;
    auto db = std::make_unique<FaultyDatabase>(OpenFresh("fail" + std::to_string(k)), f);
    FakeDeployer dep;
    Executor ex(plan_, *db, dep);
    ASSERT_TRUE(ex.Run(Request(Direction::kDeploy, "")).ok());
    f.scripts = 0;
    f.committed_scripts.clear();
    f.fail_script_at = k;
    auto failed = ex.Run(Request(Direction::kRollback, "1.0.0"));
    ASSERT_EQ(failed.status().code(), Code::kFailed);
    EXPECT_NE(failed.status().message().find("injected script failure"), std::string::npos);

    // A different intent is refused while the rollback is unfinished.
    auto other = ex.Run(Request(Direction::kDeploy, ""));
    EXPECT_EQ(other.status().code(), Code::kNeedsHuman);

    f.fail_script_at = 0;
    auto resumed = ex.Run(Request(Direction::kRollback, "1.0.0"));
    ASSERT_TRUE(resumed.ok()) << resumed.status().message();
    EXPECT_TRUE(resumed->resumed);
    Fingerprint got = Take(*db);
    EXPECT_EQ(got.schema_sha256, want.schema_sha256);
    EXPECT_EQ(got.data_sha256, want.data_sha256);
    for (const auto& kv : f.committed_scripts) EXPECT_EQ(kv.second, 1) << kv.first;
    EXPECT_EQ(static_cast<int>(f.committed_scripts.size()), total_scripts);

    Journal journal(*db, NowIso8601);
    auto steps = journal.LoadSteps(resumed->run_id);
    ASSERT_TRUE(steps.ok());
    for (const auto& s : *steps) EXPECT_STREQ(Name(s.status), "done") << s.n;
  }
}

// Every commit of a deploy fails once in turn (the step's SQL, its state-table effects and its
// journal mark are rolled back together); the re-run completes.
TEST_F(ExecutorTest, DeployFailingAtEveryCommitResumes) {
  Fingerprint want;
  int total_commits = 0;
  {
    Faults f;
    auto db = std::make_unique<FaultyDatabase>(OpenFresh("count"), f);
    FakeDeployer dep;
    Executor ex(plan_, *db, dep);
    ASSERT_TRUE(ex.Run(Request(Direction::kDeploy, "")).ok());
    total_commits = f.commits;
    want = Take(*db);
  }
  int unrecorded = 0;  // runs whose failing commit was a release's recorded schema
  for (int k = 1; k <= total_commits; ++k) {
    SCOPED_TRACE("failing commit " + std::to_string(k));
    Faults f;
    f.fault_commit_at = k;
    auto db = std::make_unique<FaultyDatabase>(OpenFresh("commit" + std::to_string(k)), f);
    FakeDeployer dep;
    Executor ex(plan_, *db, dep);
    auto failed = ex.Run(Request(Direction::kDeploy, ""));
    if (failed.ok()) {
      // The commit that records the schema a release left: a warning, after the release's own
      // step committed (migrations/release_schema.h). The run is done, one record missing.
      ++unrecorded;
      int recorded = 0;
      for (const auto& r : plan_.releases) {
        auto schema = LoadReleaseSchema(*db, r.version);
        ASSERT_TRUE(schema.ok()) << schema.status().message();
        recorded += schema->has_value() ? 1 : 0;
      }
      EXPECT_EQ(recorded, static_cast<int>(plan_.releases.size()) - 1);
      EXPECT_EQ(Take(*db).schema_sha256, want.schema_sha256);
      continue;
    }
    f.fault_commit_at = 0;
    auto again = ex.Run(Request(Direction::kDeploy, ""));
    ASSERT_TRUE(again.ok()) << again.status().message();
    Fingerprint got = Take(*db);
    EXPECT_EQ(got.schema_sha256, want.schema_sha256);
    EXPECT_EQ(got.data_sha256, want.data_sha256);
    for (const auto& kv : f.committed_scripts) EXPECT_EQ(kv.second, 1) << kv.first;
    EXPECT_EQ(dep.image(), plan_.releases.back().image);
  }
  // The schema a release left rides in the next transaction to commit (executor.h): no commit is
  // its own, so every failing commit fails the run.
  EXPECT_EQ(unrecorded, 0);
}

// A commit per step and nothing more (executor.h, protocol step 4): the releases recorded and
// forgotten, the run's start and finish and the image swaps' marks ride in the transactions of
// the steps beside them. What commits on its own: the run lock taken and released (SQLite claims
// a lock row), and a rollback's record before its first step, an image swap.
TEST_F(ExecutorTest, ARunCommitsOncePerDatabaseStepAndNothingMore) {
  plan_.policy.batch_rows = 1 << 20;  // a seed's ledger reversed in one batch: one checkpoint
  for (Direction d : {Direction::kDeploy, Direction::kRollback}) {
    SCOPED_TRACE(DirectionName(d));
    Faults f;
    auto db = std::make_unique<FaultyDatabase>(OpenFresh("commits"), f);
    FakeDeployer dep;
    Executor ex(plan_, *db, dep);
    if (d == Direction::kRollback) {
      ASSERT_TRUE(ex.Run(Request(Direction::kDeploy, "")).ok());
    }
    f.commits = 0;
    auto run = ex.Run(Request(d, d == Direction::kDeploy ? "" : "1.0.0"));
    ASSERT_TRUE(run.ok()) << run.status().message();
    int work = 0, bookkeeping = 0, swaps = 0;
    for (const Step& s : run->plan.steps) {
      if (s.kind == StepKind::kSwapImage) {
        ++swaps;
      } else if (s.kind == StepKind::kRecordRelease || s.kind == StepKind::kForgetRelease) {
        ++bookkeeping;
      } else {
        ++work;
      }
    }
    ASSERT_GT(bookkeeping, 1);
    ASSERT_GT(swaps, 0);
    EXPECT_GE(f.commits, work);
    EXPECT_LE(f.commits, work + 3)
        << work << " work steps, " << bookkeeping << " bookkeeping steps, " << swaps << " swaps";
  }
}

TEST_F(ExecutorTest, FailedImageSwapIsRetriedOnResume) {
  auto db = OpenFresh("swap");
  FakeDeployer dep;
  Executor ex(plan_, *db, dep);
  ASSERT_TRUE(ex.Run(Request(Direction::kDeploy, "")).ok());
  dep.FailNext("RunSwapPart set");
  auto failed = ex.Run(Request(Direction::kRollback, "previous"));
  ASSERT_EQ(failed.status().code(), Code::kFailed);
  EXPECT_NE(failed.status().message().find("injected deployer failure"), std::string::npos);
  auto resumed = ex.Run(Request(Direction::kRollback, "previous"));
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_EQ(dep.image(), plan_.FindRelease("1.2.0")->image);
}

TEST_F(ExecutorTest, SecondRunIsRefusedWhileLocked) {
  std::string url = "sqlite:" + dir_.path() + "/locked.db";
  auto holder_db = OpenDatabase(url, "");
  ASSERT_TRUE(holder_db.ok());
  LockHolder other{"alice", "otherhost", 99, "rollback --to 1.0.0", "2026-01-01T00:00:00Z"};
  LockHolder seen;
  auto got = (*holder_db)->TryLock(other, &seen);
  ASSERT_TRUE(got.ok() && *got);

  auto db = OpenDatabase(url, "");
  ASSERT_TRUE(db.ok());
  FakeDeployer dep;
  Executor ex(plan_, **db, dep);
  RunRequest req = Request(Direction::kDeploy, "");
  req.lock_timeout_seconds = 0.2;
  auto r = ex.Run(req);
  ASSERT_EQ(r.status().code(), Code::kNeedsHuman);
  EXPECT_NE(r.status().message().find("locked by alice@otherhost (pid 99)"), std::string::npos)
      << r.status().message();
  EXPECT_TRUE(dep.swaps().empty());
}

// ---- a commit whose outcome is unknown ----------------------------------------------------------

// The commit of a rollback step reports kNeedsHuman "outcome unknown" (a connection lost during
// COMMIT), once after the transaction really committed and once after it was really rolled back.
// The run must stop there as needing a human, retry nothing, and the same command run again must
// resume from what really happened: the step is done when it committed, runs again when it did
// not, and every script ends up applied exactly once.
class InDoubtCommitTest : public ExecutorTest, public ::testing::WithParamInterface<CommitFault> {};

TEST_P(InDoubtCommitTest, StopsAsNeedingAHumanAndTheNextRunResumesFromWhatHappened) {
  const bool really_committed = GetParam() == CommitFault::kUnknownAfterCommit;
  const Fingerprint want = Reference();
  const int total_scripts = RollbackScripts();
  const int doubtful = 3;  // the commit of the rollback's third script is in doubt
  ASSERT_GT(total_scripts, doubtful);

  Faults f;
  FaultyDatabase db(OpenFresh("in-doubt"), f);
  FakeDeployer dep;
  Executor ex(plan_, db, dep);
  ASSERT_TRUE(ex.Run(Request(Direction::kDeploy, "")).ok());
  f = Faults{};
  f.fault_commit_of_script = doubtful;
  f.commit_fault = GetParam();

  auto stopped = ex.Run(Request(Direction::kRollback, "1.0.0"));
  ASSERT_EQ(stopped.status().code(), Code::kNeedsHuman) << stopped.status().message();
  const std::string msg = stopped.status().message();
  EXPECT_NE(msg.find("the outcome of COMMIT is unknown"), std::string::npos) << msg;
  EXPECT_NE(msg.find("inspect the database before retrying"), std::string::npos) << msg;
  // Never retried: the fault fired once, the script in doubt ran once and nothing ran after it.
  EXPECT_EQ(f.faults_fired, 1);
  EXPECT_EQ(f.scripts, doubtful);
  EXPECT_EQ(static_cast<int>(f.committed_scripts.size()),
            really_committed ? doubtful : doubtful - 1);

  // The run stays unfinished, failed on the step, for `status` and the next run to see.
  Journal journal(db.inner(), NowIso8601);
  auto unfinished = journal.UnfinishedRun();
  ASSERT_TRUE(unfinished.ok() && unfinished->has_value());
  const RunRecord run = **unfinished;
  EXPECT_STREQ(Name(run.status), "failed");
  EXPECT_NE(run.error.find("the outcome of COMMIT is unknown"), std::string::npos) << run.error;
  auto steps = journal.LoadSteps(run.id);
  ASSERT_TRUE(steps.ok());
  // The step whose commit was in doubt: the first one not done. Its done mark committed (or not)
  // with its SQL.
  int done_with_sql = 0;
  for (const auto& s : *steps)
    if (std::string(Name(s.status)) == "done" && !s.step.sql.empty()) ++done_with_sql;
  EXPECT_EQ(done_with_sql, really_committed ? doubtful : doubtful - 1);

  // The same command again, no fault: resumes the run and ends where a clean rollback ends.
  f.fault_commit_of_script = 0;
  auto resumed = ex.Run(Request(Direction::kRollback, "1.0.0"));
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_TRUE(resumed->resumed);
  EXPECT_EQ(resumed->run_id, run.id);
  const Fingerprint got = Take(db);
  EXPECT_EQ(got.schema_sha256, want.schema_sha256);
  EXPECT_EQ(got.data_sha256, want.data_sha256);
  EXPECT_EQ(static_cast<int>(f.committed_scripts.size()), total_scripts);
  for (const auto& kv : f.committed_scripts) EXPECT_EQ(kv.second, 1) << kv.first;
  // What committed in doubt did not run again; what was rolled back did.
  EXPECT_EQ(f.scripts, really_committed ? total_scripts : total_scripts + 1);
  auto after = journal.LoadSteps(run.id);
  ASSERT_TRUE(after.ok());
  for (const auto& s : *after) EXPECT_STREQ(Name(s.status), "done") << s.n;
}

INSTANTIATE_TEST_SUITE_P(BothOutcomes, InDoubtCommitTest,
                         ::testing::Values(CommitFault::kUnknownAfterCommit,
                                           CommitFault::kUnknownAfterRollback),
                         [](const ::testing::TestParamInfo<CommitFault>& param) {
                           return param.param == CommitFault::kUnknownAfterCommit
                                      ? "ReallyCommitted"
                                      : "ReallyRolledBack";
                         });

// ---- the deployer's calls -----------------------------------------------------------------------

// A rollback of the sample shop from 1.3.0 to 1.0.0 crosses 1.3.0 (code-first: 1.2.0's image goes
// back before 1.3.0's database steps), 1.2.0 (schema-first: 1.1.0's image after its steps) and
// 1.1.0 (code-first: 1.0.0's image before its steps); the two swaps between 1.2.0's and 1.1.0's
// steps collapse into one. Each swap runs the deployer's parts in order, then reads the image back
// and verifies.
TEST_F(ExecutorTest, RollbackDrivesTheDeployerReleaseByRelease) {
  auto db = OpenFresh("calls");
  FakeDeployer dep({"set", "rollout"});
  Executor ex(plan_, *db, dep);
  ASSERT_TRUE(ex.Run(Request(Direction::kDeploy, "")).ok());
  const std::string img = "registry.example.com/shop:";
  ASSERT_EQ(dep.image(), img + "1.3.0");
  dep.Clear();

  auto r = ex.Run(Request(Direction::kRollback, "1.0.0"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(
      dep.calls(),
      (std::vector<std::string>{
          "Current -> " + img + "1.3.0",  // planning: what runs now
          "SwapParts", "RunSwapPart set " + img + "1.2.0", "RunSwapPart rollout " + img + "1.2.0",
          "Current -> " + img + "1.2.0",  // the read-back
          "Verify " + img + "1.2.0",
          // 1.3.0's and 1.2.0's database steps
          "SwapParts", "RunSwapPart set " + img + "1.0.0", "RunSwapPart rollout " + img + "1.0.0",
          "Current -> " + img + "1.0.0", "Verify " + img + "1.0.0",
          // 1.1.0's database steps
      }));
  EXPECT_EQ(dep.swaps(), (std::vector<std::string>{img + "1.2.0", img + "1.0.0"}));

  // Where the swaps stand among the database steps: first, and right after 1.2.0's last step.
  std::vector<std::string> kinds;
  for (const Step& s : r->plan.steps)
    kinds.push_back(s.kind == StepKind::kSwapImage ? "swap " + s.image_to : s.release);
  ASSERT_GE(kinds.size(), 4u);
  EXPECT_EQ(kinds.front(), "swap " + img + "1.2.0");
  auto second = std::find(kinds.begin(), kinds.end(), "swap " + img + "1.0.0");
  ASSERT_NE(second, kinds.end());
  EXPECT_EQ(*(second - 1), "1.2.0");
  EXPECT_EQ(*(second + 1), "1.1.0");
  EXPECT_EQ(kinds.back(), "1.1.0");
}

// A failed part stops the swap; the resumed run runs that part again and the ones after it, not
// the parts done before.
TEST_F(ExecutorTest, AFailedSwapPartRunsAgainOnResumeAndTheDonePartsDoNot) {
  auto db = OpenFresh("parts");
  FakeDeployer dep({"set", "rollout"});
  Executor ex(plan_, *db, dep);
  ASSERT_TRUE(ex.Run(Request(Direction::kDeploy, "")).ok());
  const std::string img = "registry.example.com/shop:";
  dep.Clear();
  dep.FailNext("RunSwapPart rollout");
  auto failed = ex.Run(Request(Direction::kRollback, "previous"));
  ASSERT_EQ(failed.status().code(), Code::kFailed);
  EXPECT_NE(failed.status().message().find("swap part 'rollout'"), std::string::npos)
      << failed.status().message();
  EXPECT_EQ(dep.Actions(),
            (std::vector<std::string>{"RunSwapPart set " + img + "1.2.0",
                                      "RunSwapPart rollout " + img + "1.2.0 (failed)"}));
  dep.Clear();
  auto resumed = ex.Run(Request(Direction::kRollback, "previous"));
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_EQ(dep.Actions(), (std::vector<std::string>{"RunSwapPart rollout " + img + "1.2.0",
                                                     "Verify " + img + "1.2.0"}));
  EXPECT_EQ(dep.image(), img + "1.2.0");
}

// ---- the clock ----------------------------------------------------------------------------------

// The executor stamps runs with its clock, and policy history_days prunes by it.
TEST_F(ExecutorTest, RunsAreStampedAndPrunedByTheExecutorsClock) {
  fakes::FixedClock clock("2026-03-04T05:06:07.000Z");
  plan_.policy.history_days = 30;
  auto db = OpenFresh("clock");
  FakeDeployer dep;
  Executor ex(plan_, *db, dep, clock.Function());
  ASSERT_TRUE(ex.Run(Request(Direction::kDeploy, "1.0.0")).ok());
  Journal journal(*db, NowIso8601);
  auto history = journal.History(10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ(history->at(0).started_at, "2026-03-04T05:06:07.000Z");
  EXPECT_EQ(history->at(0).finished_at, "2026-03-04T05:06:07.000Z");

  clock.Advance(10 * 24 * 3600);
  ASSERT_TRUE(ex.Run(Request(Direction::kDeploy, "1.1.0")).ok());
  history = journal.History(10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);  // 10 days old: kept
  EXPECT_EQ(history->at(0).started_at, "2026-03-14T05:06:07.000Z");

  clock.Advance(25 * 24 * 3600);
  ASSERT_TRUE(ex.Run(Request(Direction::kDeploy, "1.2.0")).ok());
  history = journal.History(10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u) << "the run of 35 days ago is pruned, the one of 25 kept";
  EXPECT_EQ(history->at(0).to_version, "1.2.0");
  EXPECT_EQ(history->at(1).to_version, "1.1.0");
}

}  // namespace
}  // namespace orchestrate
