// Executor tests on a real SQLite database behind a fault-injecting Database wrapper (the
// leveldb "fault-injection Env" idea): every step is made to fail in turn, and the same command
// run again must resume and reach exactly the state of an uninterrupted run, applying each step
// once.
#include "orchestrator/executor.h"

#include <gtest/gtest.h>

#include <spdlog/spdlog.h>

#include <map>

#include "migrations/fingerprint.h"
#include "migrations/journal.h"
#include "plans/manifest.h"
#include "tests/support/test_util.h"

namespace orchestrate {
namespace {

using testing::SourceDir;
using testing::TempDir;

// Counts script executions and commits; fails the Nth of either when asked. Records which
// scripts were part of a transaction that committed, to prove exactly-once application.
struct Faults {
  int fail_script_at = 0;  // 1-based count of ExecScript calls; 0: never
  int fail_commit_at = 0;
  int scripts = 0;
  int commits = 0;
  std::map<std::string, int> committed_scripts;  // script text -> times committed
};

class FaultyTransaction : public Transaction {
 public:
  FaultyTransaction(std::unique_ptr<Transaction> inner, Faults& f)
      : inner_(std::move(inner)), f_(f) {}
  Status Exec(const std::string& sql, const std::vector<Value>& params) override {
    return inner_->Exec(sql, params);
  }
  Result<long> ExecCount(const std::string& sql, const std::vector<Value>& params) override {
    return inner_->ExecCount(sql, params);
  }
  Status ExecScript(const std::string& script) override {
    if (++f_.scripts == f_.fail_script_at) return Status::Failed("injected script failure");
    Status st = inner_->ExecScript(script);
    if (st.ok()) pending_.push_back(script);
    return st;
  }
  Result<QueryResult> Query(const std::string& sql, const std::vector<Value>& params) override {
    return inner_->Query(sql, params);
  }
  Status LimitWaits(double lock_s, double statement_s) override {
    return inner_->LimitWaits(lock_s, statement_s);
  }
  Status Commit() override {
    if (++f_.commits == f_.fail_commit_at) return Status::Failed("injected commit failure");
    Status st = inner_->Commit();
    if (st.ok())
      for (const auto& s : pending_) ++f_.committed_scripts[s];
    return st;
  }

 private:
  std::unique_ptr<Transaction> inner_;
  Faults& f_;
  std::vector<std::string> pending_;
};

class FaultyDatabase : public Database {
 public:
  FaultyDatabase(std::unique_ptr<Database> inner, Faults& f) : inner_(std::move(inner)), f_(f) {}
  std::string Dialect() const override { return inner_->Dialect(); }
  std::string DisplayUrl() const override { return inner_->DisplayUrl(); }
  Result<std::unique_ptr<Transaction>> Begin() override {
    auto t = inner_->Begin();
    if (!t.ok()) return t.status();
    return std::unique_ptr<Transaction>(new FaultyTransaction(std::move(t).value(), f_));
  }
  Status ExecScriptNoTransaction(const std::string& script) override {
    return inner_->ExecScriptNoTransaction(script);
  }
  Result<bool> TryLock(const LockHolder& me, LockHolder* holder) override {
    return inner_->TryLock(me, holder);
  }
  Status Unlock() override { return inner_->Unlock(); }
  Result<std::optional<LockHolder>> BreakLock() override { return inner_->BreakLock(); }
  Result<std::optional<LockHolder>> LockHolderNow() override { return inner_->LockHolderNow(); }
  Result<std::vector<std::string>> DescribeSchema() override { return inner_->DescribeSchema(); }
  Result<std::vector<std::string>> UserTables() override { return inner_->UserTables(); }
  std::string QuoteIdent(const std::string& name) const override {
    return inner_->QuoteIdent(name);
  }
  std::string GuardStatement(const std::string& query, const std::string& message) const override {
    return inner_->GuardStatement(query, message);
  }
  ScriptLock ScriptRunLock() const override { return inner_->ScriptRunLock(); }
  const LedgerDialect& Ledger() const override { return inner_->Ledger(); }

 private:
  std::unique_ptr<Database> inner_;
  Faults& f_;
};

// An in-memory deployer that records every swap.
class FakeDeployer : public Deployer {
 public:
  std::string Describe() const override { return "fake"; }
  Result<std::string> Current() override { return image; }
  Status Swap(const std::string& to) override {
    if (fail_next) {
      fail_next = false;
      return Status::Failed("injected deployer failure");
    }
    image = to;
    swaps.push_back(to);
    return Status::Ok();
  }
  std::string image;
  std::vector<std::string> swaps;
  bool fail_next = false;
};

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
  EXPECT_TRUE(dep.swaps.empty());
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
    for (const auto& s : *steps) EXPECT_EQ(s.status, "done") << s.n;
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
  for (int k = 1; k <= total_commits; ++k) {
    SCOPED_TRACE("failing commit " + std::to_string(k));
    Faults f;
    f.fail_commit_at = k;
    auto db = std::make_unique<FaultyDatabase>(OpenFresh("commit" + std::to_string(k)), f);
    FakeDeployer dep;
    Executor ex(plan_, *db, dep);
    auto failed = ex.Run(Request(Direction::kDeploy, ""));
    ASSERT_FALSE(failed.ok());
    f.fail_commit_at = 0;
    auto again = ex.Run(Request(Direction::kDeploy, ""));
    ASSERT_TRUE(again.ok()) << again.status().message();
    Fingerprint got = Take(*db);
    EXPECT_EQ(got.schema_sha256, want.schema_sha256);
    EXPECT_EQ(got.data_sha256, want.data_sha256);
    for (const auto& kv : f.committed_scripts) EXPECT_EQ(kv.second, 1) << kv.first;
    EXPECT_EQ(dep.image, plan_.releases.back().image);
  }
}

TEST_F(ExecutorTest, FailedImageSwapIsRetriedOnResume) {
  auto db = OpenFresh("swap");
  FakeDeployer dep;
  Executor ex(plan_, *db, dep);
  ASSERT_TRUE(ex.Run(Request(Direction::kDeploy, "")).ok());
  dep.fail_next = true;
  auto failed = ex.Run(Request(Direction::kRollback, "previous"));
  ASSERT_EQ(failed.status().code(), Code::kFailed);
  EXPECT_NE(failed.status().message().find("injected deployer failure"), std::string::npos);
  auto resumed = ex.Run(Request(Direction::kRollback, "previous"));
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_EQ(dep.image, plan_.FindRelease("1.2.0")->image);
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
  EXPECT_TRUE(dep.swaps.empty());
}

}  // namespace
}  // namespace orchestrate
