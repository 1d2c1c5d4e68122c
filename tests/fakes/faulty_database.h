// A Database that wraps a real one (SQLite or PostgreSQL) and injects faults, the leveldb
// "fault-injection Env" idea: fail the Nth statement, script or commit, or make a commit's outcome
// unknown (kNeedsHuman, as an adapter reports a connection lost during COMMIT) after the commit
// really happened or after it was really rolled back. Everything else is forwarded unchanged, so a
// run on it behaves as on the real database until a fault fires.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "migrations/database.h"

namespace orchestrate::fakes {

// What happens at the commit a fault is set for.
enum class CommitFault {
  kFail,                  // kFailed; the transaction is rolled back
  kUnknownAfterCommit,    // committed for real, then kNeedsHuman "outcome unknown"
  kUnknownAfterRollback,  // rolled back for real, then kNeedsHuman "outcome unknown"
};

// The faults to inject and what was seen, shared by the database and its transactions (the test
// owns it; it may change it between runs). Counts are 1-based and count every call made through
// any transaction of the database; 0 means never.
struct Faults {
  int fail_exec_at = 0;    // the Nth Exec, ExecCount or ExecAtCommit fails (kFailed)
  int fail_script_at = 0;  // the Nth ExecScript fails (kFailed), before it runs
  // The commit that `commit_fault` hits: the Nth Commit, or the commit of the transaction that
  // ran the Nth ExecScript.
  int fault_commit_at = 0;
  int fault_commit_of_script = 0;
  CommitFault commit_fault = CommitFault::kFail;

  // Seen so far.
  int execs = 0, scripts = 0, commits = 0;
  int faults_fired = 0;
  // Each script of a transaction that really committed -> how often it committed.
  std::map<std::string, int> committed_scripts;
};

// The message of an injected "outcome unknown" commit, as the PostgreSQL adapter words it.
extern const char kInjectedInDoubt[];

class FaultyDatabase : public Database {
 public:
  // `faults` must outlive this object.
  FaultyDatabase(std::unique_ptr<Database> inner, Faults& faults)
      : inner_(std::move(inner)), faults_(faults) {}

  Database& inner() { return *inner_; }

  std::string DisplayUrl() const override { return inner_->DisplayUrl(); }
  Result<std::string> Identity() override { return inner_->Identity(); }
  Result<std::unique_ptr<Transaction>> Begin() override;
  Result<std::unique_ptr<Transaction>> BeginRead() override;
  void CancelRunning() override { inner_->CancelRunning(); }
  Status ExecScriptNoTransaction(const std::string& script) override {
    return inner_->ExecScriptNoTransaction(script);
  }
  Result<bool> TryLock(const LockHolder& me, LockHolder* holder) override {
    return inner_->TryLock(me, holder);
  }
  Status Unlock() override { return inner_->Unlock(); }
  Result<std::optional<LockHolder>> LockHolderNow() override { return inner_->LockHolderNow(); }
  Result<std::optional<LockHolder>> BreakLock() override { return inner_->BreakLock(); }
  Result<std::vector<std::string>> DescribeSchema() override { return inner_->DescribeSchema(); }
  Result<std::vector<std::string>> UserTables() override { return inner_->UserTables(); }
  std::string QuoteIdent(const std::string& name) const override {
    return inner_->QuoteIdent(name);
  }
  std::vector<std::string> WaitLimitStatements(double lock_timeout_seconds,
                                               double statement_timeout_seconds) const override {
    return inner_->WaitLimitStatements(lock_timeout_seconds, statement_timeout_seconds);
  }
  std::string GuardStatement(const std::string& query, const std::string& message) const override {
    return inner_->GuardStatement(query, message);
  }
  ScriptLock ScriptRunLock() const override { return inner_->ScriptRunLock(); }
  ScriptClient ScriptClientOf() const override { return inner_->ScriptClientOf(); }
  orchestrate::Dialect Kind() const override { return inner_->Kind(); }
  bool LocksRows() const override { return inner_->LocksRows(); }
  std::string SchemaFactsQuery() const override { return inner_->SchemaFactsQuery(); }
  Result<std::vector<std::array<std::string, 3>>> ForeignKeysInto(
      Transaction& txn, const std::vector<std::string>& tables) const override {
    return inner_->ForeignKeysInto(txn, tables);
  }
  Result<std::vector<std::array<std::string, 2>>> ViewsReading(
      Transaction& txn, const std::vector<std::string>& tables) const override {
    return inner_->ViewsReading(txn, tables);
  }
  Result<std::vector<std::array<std::string, 2>>> Extensions(Transaction& txn) const override {
    return inner_->Extensions(txn);
  }
  Result<std::optional<RoleCheck>> CheckRole(Transaction& txn,
                                             const std::string& role) const override {
    return inner_->CheckRole(txn, role);
  }

  std::string TableExistsQuery() const override { return inner_->TableExistsQuery(); }
  const LedgerDialect& Ledger() const override { return inner_->Ledger(); }
  const CatalogDialect& Catalog() const override { return inner_->Catalog(); }
  std::vector<std::string> StateNamespaceStatements() const override {
    return inner_->StateNamespaceStatements();
  }
  std::vector<std::string> StateSchemaLockStatements() const override {
    return inner_->StateSchemaLockStatements();
  }

 private:
  std::unique_ptr<Database> inner_;
  Faults& faults_;
};

}  // namespace orchestrate::fakes
