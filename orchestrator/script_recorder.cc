#include "orchestrator/script_recorder.h"

#include <cctype>

#include "migrations/ledger.h"
#include "migrations/statement_text.h"

namespace orchestrate {
std::string ScriptLiteral(const Value& v, const Database::ScriptClient& client) {
  if (!v) return "NULL";
  if (*v == kMarkerNow) return client.now;
  if (*v == kMarkerActor) return client.who;
  if (*v == kMarkerHost) return client.where;
  if (*v == kMarkerCommand) return "'the review script, run by hand'";
  if (*v == kMarkerReason) return "'the review script, run by hand'";
  return SqlStringLiteral(*v);
}

Result<std::string> InlineParameters(const std::string& sql, const std::vector<Value>& params,
                                     const Database::ScriptClient& client) {
  std::string text;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == '$' && i + 1 < sql.size() &&
        std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      size_t j = i + 1;
      while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
      size_t n = std::stoul(sql.substr(i + 1, j - i - 1));
      if (n == 0 || n > params.size())
        return Status::Failed("statement refers to missing parameter $" + std::to_string(n));
      text += ScriptLiteral(params[n - 1], client);
      i = j - 1;
    } else {
      text += sql[i];
    }
  }
  return text;
}

// One transaction of the executor, inside the real transaction (a savepoint of it when it only
// reads, so that a failed read can be rolled back). Writes are run and written; reads are run.
// BEGIN is written before the first write, COMMIT at a commit that follows a write, so that a
// transaction that only reads leaves no trace in the script.
class RecordingDatabase::Txn : public Transaction {
 public:
  Txn(RecordingDatabase& db, bool read_only) : db_(db), read_only_(read_only) {}
  ~Txn() override {
    if (begun_ && !finished_) db_.out_ << "ROLLBACK;\n";
    if (!finished_ && started_) {
      (void)db_.outer_->Exec("ROLLBACK TO SAVEPOINT " + name_);
      (void)db_.outer_->Exec("RELEASE SAVEPOINT " + name_);
    }
  }
  Status Start() {
    // A transaction that writes is not a savepoint: PostgreSQL gives the rows written in a
    // subtransaction its own xid as xmin, while txid_current() (which the ledger records for rows
    // it restores) stays the top transaction's, and the recording must see what the run sees.
    // Its commit cannot be undone anyway: a failure stops the recording.
    if (!read_only_) return Status::Ok();
    name_ = "orchestrate_recording_" + std::to_string(++db_.savepoints_);
    ORCH_RETURN_IF_ERROR(db_.outer_->Exec("SAVEPOINT " + name_));
    started_ = true;
    return Status::Ok();
  }

  Status Exec(const std::string& sql, const std::vector<Value>& params) override {
    ORCH_RETURN_IF_ERROR(WriteStatement(sql, params));
    return db_.outer_->Exec(sql, params);
  }
  Result<long> ExecCount(const std::string& sql, const std::vector<Value>& params) override {
    ORCH_RETURN_IF_ERROR(WriteStatement(sql, params));
    return db_.outer_->ExecCount(sql, params);
  }
  Status ExecAtCommit(const std::string& sql, const std::vector<Value>& params) override {
    at_commit_.push_back({sql, params});
    return Status::Ok();
  }
  Status ExecWhenFinished(const std::string& sql, bool only_if_rolled_back) override {
    return db_.outer_->ExecWhenFinished(sql, only_if_rolled_back);
  }
  Status ExecScript(const std::string& script) override {
    WriteBegin();
    // The step's own SQL: its "line N" comments count from the line after this one.
    db_.out_ << "-- the step's SQL:\n";
    db_.out_ << script;
    if (!script.empty() && script.back() != '\n') db_.out_ << "\n";
    return db_.outer_->ExecScript(script);
  }
  Result<QueryResult> Query(const std::string& sql, const std::vector<Value>& params) override {
    return db_.outer_->Query(sql, params);
  }
  Status LimitWaits(double lock_timeout_seconds, double statement_timeout_seconds) override {
    // Written, not run: the recording keeps the lock timeout it was opened with.
    if (read_only_) return Status::Ok();
    for (const std::string& set :
         db_.real_.WaitLimitStatements(lock_timeout_seconds, statement_timeout_seconds)) {
      WriteBegin();
      db_.out_ << set << ";\n";
    }
    return Status::Ok();
  }
  Status RefuseSchemaChanges(bool on, const std::string& why) override {
    return db_.outer_->RefuseSchemaChanges(on, why);
  }
  Status Commit() override {
    for (const auto& [sql, params] : at_commit_) ORCH_RETURN_IF_ERROR(Exec(sql, params));
    at_commit_.clear();
    finished_ = true;
    if (started_) ORCH_RETURN_IF_ERROR(db_.outer_->Exec("RELEASE SAVEPOINT " + name_));
    if (begun_) db_.out_ << "COMMIT;\n";
    return Status::Ok();
  }
  Status Guard(const std::string& query, const std::string& message) override {
    WriteBegin();
    db_.out_ << db_.real_.GuardStatement(query, message) << ";\n";
    return db_.outer_->Guard(query, message);
  }
  bool Records() const override { return true; }
  void Note(const std::string& comment) override {
    db_.out_ << "-- " << comment << "\n";
    if (comment == kLedgerScriptEnd) db_.annotate_ = nullptr;
  }

 private:
  void WriteBegin() {
    if (begun_) return;
    begun_ = true;
    db_.out_ << "BEGIN;\n";
  }
  Status WriteStatement(const std::string& sql, const std::vector<Value>& params) {
    auto text = InlineParameters(sql, params, db_.real_.ScriptClientOf());
    if (!text.ok()) return text.status();
    WriteBegin();
    if (db_.annotate_) db_.out_ << db_.annotate_(*text);
    db_.out_ << *text << ";\n";
    return Status::Ok();
  }

  RecordingDatabase& db_;
  bool read_only_;
  std::string name_;
  bool started_ = false, begun_ = false, finished_ = false;
  std::vector<std::pair<std::string, std::vector<Value>>> at_commit_;
};

RecordingDatabase::RecordingDatabase(Database& real, std::ostream& out) : real_(real), out_(out) {}

RecordingDatabase::~RecordingDatabase() { Close(); }

Status RecordingDatabase::Open(double lock_timeout_seconds) {
  auto txn = real_.Begin();
  if (!txn.ok()) return txn.status();
  outer_ = std::move(txn).value();
  return outer_->LimitWaits(lock_timeout_seconds, 0);
}

void RecordingDatabase::Close() { outer_.reset(); }  // never committed: rolled back

void RecordingDatabase::Write(const std::string& text) {
  out_ << text;
  if (!text.empty() && text.back() != '\n') out_ << "\n";
}

Result<std::unique_ptr<Transaction>> RecordingDatabase::Begin() {
  if (!outer_) return Status::Failed("the recording is not open");
  auto txn = std::make_unique<Txn>(*this, false);
  ORCH_RETURN_IF_ERROR(txn->Start());
  return std::unique_ptr<Transaction>(std::move(txn));
}

Result<std::unique_ptr<Transaction>> RecordingDatabase::BeginRead() {
  if (!outer_) return Status::Failed("the recording is not open");
  auto txn = std::make_unique<Txn>(*this, true);
  ORCH_RETURN_IF_ERROR(txn->Start());
  return std::unique_ptr<Transaction>(std::move(txn));
}

Status RecordingDatabase::ExecScriptNoTransaction(const std::string& script) {
  out_ << "-- the step's SQL (outside a transaction):\n" << script;
  if (!script.empty() && script.back() != '\n') out_ << "\n";
  return Status::Ok();
}

RecordingDeployer::RecordingDeployer(const Deployer& real, std::string current,
                                     RecordingDatabase& script)
    : real_(real), current_(std::move(current)), script_(script) {}

Status RecordingDeployer::Swap(const std::string& image) {
  current_ = image;
  return Status::Ok();
}

Status RecordingDeployer::RunSwapPart(const std::string& part, const SwapContext& swap) {
  if (part != "by-hand") return Status::Invalid("no swap part '" + part + "' in a recording");
  // The deployer's own description names paths of this machine: the step's comment lines list
  // its actions (and bind no approval to a machine).
  std::string what =
      "orchestrate: now point the application at " + swap.image + " (as the comments above say)";
  for (char& c : what)
    if (c == '\'' || c == '\n') c = ' ';
  const Database::ScriptClient client = script_.ScriptClientOf();
  script_.Write(client.echo_prefix + what + client.echo_suffix +
                (client.wait.empty() ? "" : "\n" + client.wait));
  current_ = swap.image;
  return Status::Ok();
}

}  // namespace orchestrate
