#include "tests/fakes/faulty_database.h"

namespace orchestrate::fakes {

const char kInjectedInDoubt[] =
    "the outcome of COMMIT is unknown (injected: the connection was lost while committing); "
    "inspect the database before retrying";

namespace {

class FaultyTransaction : public Transaction {
 public:
  FaultyTransaction(std::unique_ptr<Transaction> inner, Faults& faults)
      : inner_(std::move(inner)), f_(faults) {}

  Status Exec(const std::string& sql, const std::vector<Value>& params) override {
    if (FailExec())
      return Status::Failed("injected failure of statement " + std::to_string(f_.execs));
    return inner_->Exec(sql, params);
  }
  Result<long> ExecCount(const std::string& sql, const std::vector<Value>& params) override {
    if (FailExec())
      return Status::Failed("injected failure of statement " + std::to_string(f_.execs));
    return inner_->ExecCount(sql, params);
  }
  Status ExecAtCommit(const std::string& sql, const std::vector<Value>& params) override {
    if (FailExec())
      return Status::Failed("injected failure of statement " + std::to_string(f_.execs));
    return inner_->ExecAtCommit(sql, params);
  }
  Status ExecWhenFinished(const std::string& sql, bool only_if_rolled_back) override {
    return inner_->ExecWhenFinished(sql, only_if_rolled_back);
  }
  Status ExecScript(const std::string& script) override {
    ++f_.scripts;
    if (f_.scripts == f_.fault_commit_of_script) commit_faulted_ = true;
    if (f_.scripts == f_.fail_script_at) {
      ++f_.faults_fired;
      return Status::Failed("injected script failure");
    }
    Status st = inner_->ExecScript(script);
    if (st.ok()) pending_.push_back(script);
    return st;
  }
  Result<QueryResult> Query(const std::string& sql, const std::vector<Value>& params) override {
    return inner_->Query(sql, params);
  }
  Status LimitWaits(double lock_timeout_seconds, double statement_timeout_seconds) override {
    return inner_->LimitWaits(lock_timeout_seconds, statement_timeout_seconds);
  }
  Status RefuseSchemaChanges(bool on, const std::string& why) override {
    return inner_->RefuseSchemaChanges(on, why);
  }
  bool Records() const override { return inner_->Records(); }
  void Note(const std::string& comment) override { inner_->Note(comment); }
  Status Guard(const std::string& query, const std::string& message) override {
    return inner_->Guard(query, message);
  }

  Status Commit() override {
    ++f_.commits;
    if (f_.commits == f_.fault_commit_at) commit_faulted_ = true;
    if (!commit_faulted_) return CommitInner();
    ++f_.faults_fired;
    switch (f_.commit_fault) {
      case CommitFault::kFail:
        inner_.reset();  // rolls back
        return Status::Failed("injected commit failure");
      case CommitFault::kUnknownAfterCommit: {
        Status st = CommitInner();
        if (!st.ok()) return st;
        return Status::NeedsHuman(kInjectedInDoubt);
      }
      case CommitFault::kUnknownAfterRollback:
        inner_.reset();
        return Status::NeedsHuman(kInjectedInDoubt);
    }
    return Status::Failed("unknown commit fault");
  }

 private:
  bool FailExec() {
    if (++f_.execs != f_.fail_exec_at) return false;
    ++f_.faults_fired;
    return true;
  }
  Status CommitInner() {
    Status st = inner_->Commit();
    if (st.ok())
      for (const auto& s : pending_) ++f_.committed_scripts[s];
    return st;
  }

  std::unique_ptr<Transaction> inner_;
  Faults& f_;
  std::vector<std::string> pending_;  // scripts run in this transaction
  bool commit_faulted_ = false;
};

Result<std::unique_ptr<Transaction>> Wrap(Result<std::unique_ptr<Transaction>> t, Faults& f) {
  if (!t.ok()) return t.status();
  return std::unique_ptr<Transaction>(new FaultyTransaction(std::move(t).value(), f));
}

}  // namespace

Result<std::unique_ptr<Transaction>> FaultyDatabase::Begin() {
  return Wrap(inner_->Begin(), faults_);
}

Result<std::unique_ptr<Transaction>> FaultyDatabase::BeginRead() {
  return Wrap(inner_->BeginRead(), faults_);
}

}  // namespace orchestrate::fakes
