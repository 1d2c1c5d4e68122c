#include "orchestrator/script_recorder.h"

#include <cctype>

#include "migrations/ledger.h"
#include "migrations/statement_split.h"
#include "migrations/statement_text.h"

namespace orchestrate {
std::string ScriptLiteral(const Value& v, const Database::ScriptClient& client) {
  if (!v) return "NULL";
  if (*v == kMarkerNow) return client.now;
  if (*v == kMarkerActor) return client.who;
  if (*v == kMarkerHost) return client.where;
  if (*v == kMarkerCommand) return "'the review script, run by hand'";
  if (*v == kMarkerReason) return "'the review script, run by hand'";
  if (!client.backslash_escapes || v->find('\\') == std::string::npos) return SqlStringLiteral(*v);
  std::string doubled;
  for (char c : *v) {
    if (c == '\\') doubled += c;
    doubled += c;
  }
  return SqlStringLiteral(doubled);
}

Result<std::string> InlineParameters(const Database& db, const std::string& sql,
                                     const std::vector<Value>& params) {
  const Database::ScriptClient client = db.ScriptClientOf();
  return db.InlineStatement(sql, params,
                            [&client](const Value& v) { return ScriptLiteral(v, client); });
}

namespace {

// Whether `sql` holds a `;` outside quotes and comments (a compound statement).
bool HoldsSemicolon(const std::string& sql) {
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      if (c == '\\' && quote != '`') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '\'' || c == '"' || c == '`') {
      quote = c;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      i = sql.find('\n', i);
      if (i == std::string::npos) return false;
    } else if (c == ';') {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string ScriptStatement(const Database::ScriptClient& client, const std::string& sql) {
  if (client.compound_begin.empty() || !HoldsSemicolon(sql)) return sql + ";\n";
  return client.compound_begin + "\n" + sql + "\n" + client.compound_end + "\n";
}

// One transaction of the executor, inside the real transaction (a savepoint of it when it only
// reads, so that a failed read can be rolled back); on a copy (RecordingDatabase::OpenOnCopy), a
// real transaction of the copy of its own. Writes are run and written; reads are run. BEGIN is
// written before the first write, COMMIT at a commit that follows a write, so that a transaction
// that only reads leaves no trace in the script.
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
    if (!db_.outer_) {  // on a copy: a transaction of its own, committed when this commits
      auto txn = read_only_ ? db_.real_.BeginRead() : db_.real_.Begin();
      if (!txn.ok()) return txn.status();
      own_ = std::move(txn).value();
      target_ = own_.get();
      return Status::Ok();
    }
    target_ = db_.outer_.get();
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
    return target_->Exec(sql, params);
  }
  Result<long> ExecCount(const std::string& sql, const std::vector<Value>& params) override {
    ORCH_RETURN_IF_ERROR(WriteStatement(sql, params));
    return target_->ExecCount(sql, params);
  }
  Status ExecAtCommit(const std::string& sql, const std::vector<Value>& params) override {
    at_commit_.push_back({sql, params});
    return Status::Ok();
  }
  Status ExecWhenFinished(const std::string& sql, bool only_if_rolled_back) override {
    // The script stops at the first error, so only what follows a commit is written.
    if (!only_if_rolled_back) when_finished_.push_back(sql);
    return target_->ExecWhenFinished(sql, only_if_rolled_back);
  }
  Status ExecScript(const std::string& script) override {
    WriteBegin();
    // The step's own SQL: its "line N" comments count from the line after this one.
    db_.out_ << "-- the step's SQL:\n";
    const Database::ScriptClient client = db_.real_.ScriptClientOf();
    const ScriptSplit split =
        client.compound_begin.empty() ? ScriptSplit{} : SplitScript(db_.real_.Kind(), script);
    if (!client.compound_begin.empty() && split.ok) {
      // A client that splits at every `;`: statement by statement, each as it must be written.
      for (const SqlStatement& statement : split.statements) {
        db_.out_ << ScriptStatement(client, statement.text);
        BeginAgainAfter(statement.text);
      }
    } else {
      db_.out_ << script;
      if (!script.empty() && script.back() != '\n') db_.out_ << "\n";
    }
    return target_->ExecScript(script);
  }
  Result<QueryResult> Query(const std::string& sql, const std::vector<Value>& params) override {
    return target_->Query(sql, params);
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
    return target_->RefuseSchemaChanges(on, why);
  }
  Status Commit() override {
    for (const auto& [sql, params] : at_commit_) ORCH_RETURN_IF_ERROR(Exec(sql, params));
    at_commit_.clear();
    finished_ = true;
    if (started_) ORCH_RETURN_IF_ERROR(db_.outer_->Exec("RELEASE SAVEPOINT " + name_));
    if (own_) ORCH_RETURN_IF_ERROR(own_->Commit());
    if (begun_) db_.out_ << "COMMIT;\n";
    for (const std::string& sql : when_finished_)
      db_.out_ << ScriptStatement(db_.real_.ScriptClientOf(), sql);
    return Status::Ok();
  }
  Status Guard(const std::string& query, const std::string& message) override {
    WriteBegin();
    db_.out_ << ScriptStatement(db_.real_.ScriptClientOf(),
                                db_.real_.GuardStatement(query, message));
    return target_->Guard(query, message);
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
    auto text = InlineParameters(db_.real_, sql, params);
    if (!text.ok()) return text.status();
    WriteBegin();
    if (db_.annotate_) db_.out_ << db_.annotate_(*text);
    db_.out_ << ScriptStatement(db_.real_.ScriptClientOf(), *text);
    BeginAgainAfter(*text);
    return Status::Ok();
  }
  // Where DDL commits by itself, the adapter goes on in a new transaction after such a statement,
  // so that what follows commits together (migrations/mysql/mysql_database.h): so does the script.
  void BeginAgainAfter(const std::string& statement) {
    if (db_.real_.DdlCommitsByItself() && db_.real_.CommitsByItself(statement))
      db_.out_ << "BEGIN;\n";
  }

  RecordingDatabase& db_;
  bool read_only_;
  std::string name_;
  bool started_ = false, begun_ = false, finished_ = false;
  std::unique_ptr<Transaction> own_;  // on a copy
  Transaction* target_ = nullptr;     // where statements run: own_ or the outer transaction
  std::vector<std::pair<std::string, std::vector<Value>>> at_commit_;
  std::vector<std::string> when_finished_;
};

RecordingDatabase::RecordingDatabase(Database& real, std::ostream& out) : real_(real), out_(out) {}

RecordingDatabase::~RecordingDatabase() { Close(); }

Status RecordingDatabase::Open(double lock_timeout_seconds) {
  auto txn = real_.Begin();
  if (!txn.ok()) return txn.status();
  outer_ = std::move(txn).value();
  open_ = true;
  return outer_->LimitWaits(lock_timeout_seconds, 0);
}

void RecordingDatabase::OpenOnCopy() { open_ = true; }

void RecordingDatabase::Close() {  // never committed: rolled back
  outer_.reset();
  open_ = false;
}

void RecordingDatabase::Write(const std::string& text) {
  out_ << text;
  if (!text.empty() && text.back() != '\n') out_ << "\n";
}

Result<std::unique_ptr<Transaction>> RecordingDatabase::Begin() {
  if (!open_) return Status::Failed("the recording is not open");
  auto txn = std::make_unique<Txn>(*this, false);
  ORCH_RETURN_IF_ERROR(txn->Start());
  return std::unique_ptr<Transaction>(std::move(txn));
}

Result<std::unique_ptr<Transaction>> RecordingDatabase::BeginRead() {
  if (!open_) return Status::Failed("the recording is not open");
  auto txn = std::make_unique<Txn>(*this, true);
  ORCH_RETURN_IF_ERROR(txn->Start());
  return std::unique_ptr<Transaction>(std::move(txn));
}

Status RecordingDatabase::ExecScriptNoTransaction(const std::string& script) {
  out_ << "-- the step's SQL (outside a transaction):\n" << script;
  if (!script.empty() && script.back() != '\n') out_ << "\n";
  // On a copy it runs too, so that the steps after it see its effect.
  return outer_ ? Status::Ok() : real_.ExecScriptNoTransaction(script);
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
