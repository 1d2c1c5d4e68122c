// The review script is a recording of the run: a Database that runs a deploy or rollback for real
// inside ONE transaction of the target database that is never committed, and writes every
// statement that changes something to the script, in order, inside the BEGIN/COMMIT of the
// transaction the executor gave it. The executor, the journal, the ledger and the snapshots run
// their own code unchanged against it, so what the script holds is what `orchestrate rollback`
// sends, statement by statement (orchestrator/review.h renders the rest around it).
//
// How: the transactions the executor begins all run in the one real transaction, so later steps
// see what earlier ones did, exactly as in the run (one that only reads is a savepoint, rolled
// back to when it fails). Reads run and are not written; a failure stops the recording. Statements
// that cannot run inside a transaction (`transactional: false` steps) are written, not run: later
// steps of the recording do not see their effect. Image swaps are not the database's: the deployer
// of the recording (RecordingDeployer) writes what the operator must do at that point.
//
// Values that differ between the recording and the run are written as markers (see Marker*):
// the time as the database's own clock, who runs it as the session's user. Everything else (run
// id, snapshot ids, ledger chunk ids) is what the run would use on the database as it is now; the
// script guards that (review.cc, "the database is as reviewed").
//
// Costs: rendering does the run's work and takes its locks, then rolls it all back; waits for a
// lock are bounded by the lock timeout given to Open().
//
// Where DDL commits by itself (MySQL/MariaDB) no transaction can hold the run: the recording is
// made on a throwaway copy of the database instead (Database::RecordingCopy, OpenOnCopy), where
// every transaction commits as in the run; the database itself is only read, to copy it.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "orchestrator/deployer.h"

namespace orchestrate {

// Parameter values standing for what the run knows only when it runs.
inline constexpr const char kMarkerNow[] =
    "\x01"
    "now";  // the current UTC time, ISO-8601
inline constexpr const char kMarkerActor[] =
    "\x01"
    "actor";  // who runs it
inline constexpr const char kMarkerHost[] =
    "\x01"
    "host";  // from where
inline constexpr const char kMarkerCommand[] =
    "\x01"
    "command";  // the command that ran it
inline constexpr const char kMarkerReason[] =
    "\x01"
    "reason";  // why

// A parameter as an SQL literal, markers as the expressions of `client`
// (Database::ScriptClientOf).
std::string ScriptLiteral(const Value& v, const Database::ScriptClient& client);
// orchestrate's statement `sql` as `db` runs it (Database::InlineStatement), its $n parameters
// replaced by literals; kFailed for a missing parameter.
Result<std::string> InlineParameters(const Database& db, const std::string& sql,
                                     const std::vector<Value>& params);
// `sql` as one statement of a script for `client`: followed by `;`, or between the client's
// compound_begin and compound_end lines when it holds a `;` of its own.
std::string ScriptStatement(const Database::ScriptClient& client, const std::string& sql);

class RecordingDatabase : public Database {
 public:
  // `real` must outlive this; `out` receives the script.
  RecordingDatabase(Database& real, std::ostream& out);
  ~RecordingDatabase() override;

  // Begins the one real transaction, waiting at most `lock_timeout_seconds` for any lock.
  Status Open(double lock_timeout_seconds);
  // Records on `real`, a throwaway copy of the database (Database::RecordingCopy), instead: each
  // transaction of the run is a real one of the copy, committed as the run commits it, and
  // statements outside a transaction run there too (DDL that commits by itself cannot be held in
  // one transaction).
  void OpenOnCopy();
  // Rolls everything back (also done by the destructor).
  void Close();
  // Writes a comment or a client command (psql's \echo, sqlite3's .print) to the script as is.
  void Write(const std::string& text);
  // Until the end of the ledger chunks (migrations/ledger.h, kLedgerScriptEnd), each statement
  // written gets the lines `annotate` returns for it in front.
  void AnnotateStatements(std::function<std::string(const std::string&)> annotate) {
    annotate_ = std::move(annotate);
  }

  std::string DisplayUrl() const override { return real_.DisplayUrl(); }
  Result<std::string> Identity() override { return real_.Identity(); }
  Result<std::unique_ptr<Transaction>> Begin() override;
  Result<std::unique_ptr<Transaction>> BeginRead() override;
  Status ExecScriptNoTransaction(const std::string& script) override;
  // The recording takes no lock (the script takes its own): always "taken".
  Result<bool> TryLock(const LockHolder&, LockHolder*) override { return true; }
  Status Unlock() override { return Status::Ok(); }
  Result<std::optional<LockHolder>> LockHolderNow() override { return std::optional<LockHolder>(); }
  Result<std::optional<LockHolder>> BreakLock() override {
    return Status::Failed("a recording cannot break the run lock");
  }
  // Read by the real database: SQLite reads on the connection of the recording's transaction
  // (seeing what it did); PostgreSQL's read on a connection of their own fails while the
  // recording is open ("a transaction is open").
  Result<std::vector<std::string>> DescribeSchema() override { return real_.DescribeSchema(); }
  Result<std::vector<std::string>> UserTables() override { return real_.UserTables(); }
  std::string QuoteIdent(const std::string& name) const override { return real_.QuoteIdent(name); }
  const LedgerDialect& Ledger() const override { return real_.Ledger(); }
  const CatalogDialect& Catalog() const override { return real_.Catalog(); }
  std::string GuardStatement(const std::string& query, const std::string& message) const override {
    return real_.GuardStatement(query, message);
  }
  ScriptLock ScriptRunLock() const override { return real_.ScriptRunLock(); }
  ScriptClient ScriptClientOf() const override { return real_.ScriptClientOf(); }
  Result<std::string> InlineStatement(
      const std::string& sql, const std::vector<Value>& params,
      const std::function<std::string(const Value&)>& literal) const override {
    return real_.InlineStatement(sql, params, literal);
  }
  std::string ConcatSql(const std::vector<std::string>& parts) const override {
    return real_.ConcatSql(parts);
  }
  bool DdlCommitsByItself() const override { return real_.DdlCommitsByItself(); }
  bool CommitsByItself(const std::string& statement) const override {
    return real_.CommitsByItself(statement);
  }
  Result<StatementEffect> EffectInCatalog(const std::string& statement) override {
    return real_.EffectInCatalog(statement);
  }
  std::string StateDdl(const std::string& statement) const override {
    return real_.StateDdl(statement);
  }
  Status Unsupported(DatabaseFeature feature) const override { return real_.Unsupported(feature); }
  orchestrate::Dialect Kind() const override { return real_.Kind(); }
  bool LocksRows() const override { return real_.LocksRows(); }
  std::string SchemaFactsQuery() const override { return real_.SchemaFactsQuery(); }
  Result<std::vector<std::array<std::string, 3>>> ForeignKeysInto(
      Transaction& txn, const std::vector<std::string>& tables) const override {
    return real_.ForeignKeysInto(txn, tables);
  }
  Result<std::vector<std::array<std::string, 2>>> ViewsReading(
      Transaction& txn, const std::vector<std::string>& tables) const override {
    return real_.ViewsReading(txn, tables);
  }
  Result<std::vector<std::array<std::string, 2>>> Extensions(Transaction& txn) const override {
    return real_.Extensions(txn);
  }
  Result<std::optional<RoleCheck>> CheckRole(Transaction& txn,
                                             const std::string& role) const override {
    return real_.CheckRole(txn, role);
  }

  std::string TableExistsQuery() const override { return real_.TableExistsQuery(); }
  std::vector<std::string> StateNamespaceStatements() const override {
    return real_.StateNamespaceStatements();
  }
  std::vector<std::string> StateSchemaLockStatements() const override {
    return real_.StateSchemaLockStatements();
  }
  std::vector<std::string> WaitLimitStatements(double lock_timeout_seconds,
                                               double statement_timeout_seconds) const override {
    return real_.WaitLimitStatements(lock_timeout_seconds, statement_timeout_seconds);
  }

 private:
  class Txn;
  friend class Txn;
  Database& real_;
  std::ostream& out_;
  std::unique_ptr<Transaction> outer_;  // Open(): the one transaction
  bool open_ = false;
  int savepoints_ = 0;
  std::function<std::string(const std::string&)> annotate_;
};

// A deployer that swaps nothing: at each swap it writes, to the script, what the operator must do
// there (psql: \echo and a \prompt that waits for Enter; sqlite3: .print), and reports the image
// as swapped. `real` describes the target; it must outlive this.
class RecordingDeployer : public Deployer {
 public:
  RecordingDeployer(const Deployer& real, std::string current, RecordingDatabase& script);
  std::string Describe() const override { return real_.Describe(); }
  Result<std::string> Current() override { return current_; }
  Status Swap(const std::string& image) override;
  std::vector<std::string> SwapParts() const override { return {"by-hand"}; }
  Status RunSwapPart(const std::string& part, const SwapContext& swap) override;

 private:
  const Deployer& real_;
  std::string current_;
  RecordingDatabase& script_;
};

}  // namespace orchestrate
