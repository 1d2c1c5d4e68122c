#include "migrations/mysql/mysql_database.h"

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <ctime>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "migrations/mysql/catalog_dialect.h"
#include "migrations/mysql/copy.h"
#include "migrations/mysql/ddl_effect.h"
#include "migrations/mysql/ledger_dialect.h"
#include "migrations/mysql/lock.h"
#include "migrations/mysql/portable_sql.h"
#include "migrations/mysql/schema.h"
#include "migrations/mysql/session.h"
#include "migrations/mysql/url.h"
#include "migrations/statement_commits.h"
#include "migrations/statement_text.h"

namespace orchestrate {
namespace {

constexpr const char* kSessionBusy =
    "a transaction is open on this database connection: commit or destroy it first";

// The statements of LimitWaits for a server (MariaDB or MySQL): one SET of all the limits (a
// round trip per transaction, not per limit).
std::vector<std::string> WaitLimitSql(bool mariadb, double lock_timeout_seconds,
                                      double statement_timeout_seconds) {
  std::vector<std::string> sets;
  if (lock_timeout_seconds > 0) {
    const long seconds = std::max(1L, static_cast<long>(std::ceil(lock_timeout_seconds)));
    sets.push_back("innodb_lock_wait_timeout = " + std::to_string(seconds));
    sets.push_back("lock_wait_timeout = " + std::to_string(seconds));
  }
  if (statement_timeout_seconds > 0) {
    if (mariadb) {
      sets.push_back("max_statement_time = " + std::to_string(statement_timeout_seconds));
    } else {
      sets.push_back("max_execution_time = " +
                     std::to_string(static_cast<long>(statement_timeout_seconds * 1000)));
    }
  }
  if (sets.empty()) return {};
  std::string set = "SET SESSION ";
  for (std::size_t i = 0; i < sets.size(); ++i) set += (i == 0 ? "" : ", ") + sets[i];
  return {set};
}

// The server defaults back, after a transaction that set limits: one SET.
std::string ResetLimitSql(bool mariadb) {
  return std::string(
             "SET SESSION innodb_lock_wait_timeout = DEFAULT, lock_wait_timeout = DEFAULT, ") +
         (mariadb ? "max_statement_time = DEFAULT" : "max_execution_time = DEFAULT");
}

// Whether MySQL commits the transaction by itself before and after `statement` (DDL and the
// other statements that "cause an implicit commit"): migrations/statement_commits.h.
bool CommitsImplicitly(const std::string& statement) {
  return orchestrate::CommitsImplicitly(orchestrate::Dialect::kMysql, statement);
}

// A transaction on the main session: START TRANSACTION at Begin(), ROLLBACK unless committed.
// A statement that commits by itself (CommitsImplicitly) ends the server's transaction: a new
// one is started right after it, so that what follows still commits with the journal row, and
// the statements committed so are remembered: a failure after one of them is kNeedsHuman (the
// step is partly applied), naming them.
class MysqlTransaction final : public Transaction {
 public:
  MysqlTransaction(std::shared_ptr<mysql::Session> session, const mysql::RunLock* lock)
      : session_(std::move(session)), lock_(lock) {
    session_->transaction_open = true;
  }
  ~MysqlTransaction() override { Finish(); }

  Status Start() { return Track(session_->Run("START TRANSACTION")); }

  Status Exec(const std::string& sql, const std::vector<Value>& params) override {
    return Run(sql, params, nullptr, nullptr);
  }
  Result<long> ExecCount(const std::string& sql, const std::vector<Value>& params) override {
    long n = 0;
    ORCH_RETURN_IF_ERROR(Run(sql, params, nullptr, &n));
    return n;
  }
  Status ExecAtCommit(const std::string& sql, const std::vector<Value>& params) override {
    ORCH_RETURN_IF_ERROR(CheckUsable());
    auto translated = Translate(sql, params);
    if (!translated.ok()) return Track(translated.status());
    at_commit_.push_back(std::move(translated).value());
    return Status::Ok();
  }
  Status ExecScript(const std::string& script) override {
    ORCH_RETURN_IF_ERROR(CheckUsable());
    const ScriptSplit split = SplitScript(Dialect::kMysql, script);
    if (!split.ok)
      return Track(Status::Failed(SplitErrorMessage(split) + " (nothing of the script ran)"));
    for (const SqlStatement& statement : split.statements) {
      if (!IsTransactionControl(statement.text)) continue;
      return Track(Status::Invalid(
          "line " + std::to_string(statement.line) + ": transaction control (" +
          NormalizeWhitespace(statement.text).substr(0, 40) +
          ") is not allowed in a script that orchestrate runs in a transaction: remove it, or "
          "mark the step transactional: false"));
    }
    for (const SqlStatement& statement : split.statements) {
      const Status st = session_->Run(statement.text);
      if (!st.ok())
        return Track(PartlyApplied(Status::FromCode(
            st.code(), "line " + std::to_string(statement.line) + ": " + st.message() +
                           "\n  statement: " + Excerpt(statement.text, 0, 200))));
      if (CommitsImplicitly(statement.text)) {
        committed_early_.push_back("line " + std::to_string(statement.line) + ": " +
                                   Excerpt(statement.text, 0, 80));
        ORCH_RETURN_IF_ERROR(Track(session_->Run("START TRANSACTION")));
      }
    }
    return Status::Ok();
  }
  Status ExecWhenFinished(const std::string& sql, bool only_if_rolled_back) override {
    ORCH_RETURN_IF_ERROR(CheckUsable());
    when_finished_.emplace_back(sql, only_if_rolled_back);
    return Status::Ok();
  }
  Result<QueryResult> Query(const std::string& sql, const std::vector<Value>& params) override {
    QueryResult result;
    ORCH_RETURN_IF_ERROR(Run(sql, params, &result, nullptr));
    return result;
  }
  Status LimitWaits(double lock_timeout_seconds, double statement_timeout_seconds) override {
    for (const std::string& set :
         WaitLimitSql(session_->mariadb(), lock_timeout_seconds, statement_timeout_seconds)) {
      limited_ = true;
      ORCH_RETURN_IF_ERROR(Track(session_->Run(set)));
    }
    return Status::Ok();
  }
  Status Commit() override {
    Status usable = CheckUsable();
    if (!usable.ok()) {
      Finish();
      return usable.WithContext("not committed");
    }
    for (const std::string& sql : at_commit_) {
      const Status st = session_->Run(sql);
      if (!st.ok()) {
        Finish();
        return PartlyApplied(st.WithContext("not committed"));
      }
    }
    if (lock_ != nullptr) {
      const Status fenced = lock_->Fence(*this);
      if (!fenced.ok()) {
        Finish();
        return fenced.code() == Code::kNeedsHuman ? fenced : fenced.WithContext("not committed");
      }
    }
    const Status committed = session_->Run("COMMIT");
    if (committed.ok()) committed_ = true;
    const bool lost = session_->lost();
    Finish();
    if (committed.ok()) return committed;
    if (!committed_early_.empty() && !lost)
      return PartlyApplied(committed.WithContext("not committed"));
    if (lost)
      return Status::NeedsHuman(
          "the outcome of COMMIT is unknown (the connection was lost while committing); inspect "
          "the database before retrying: " +
          committed.message());
    return committed.WithContext("not committed");
  }

 private:
  Result<std::string> Translate(const std::string& sql, const std::vector<Value>& params) {
    return mysql::ToMysql(sql, params, [this](const std::string& s) { return session_->Quote(s); });
  }
  Status Run(const std::string& sql, const std::vector<Value>& params, QueryResult* result,
             long* affected) {
    ORCH_RETURN_IF_ERROR(CheckUsable());
    auto translated = Translate(sql, params);
    if (!translated.ok()) return Track(translated.status());
    if (translated->rfind("DO GET_LOCK(", 0) == 0) named_locks_ = true;
    ORCH_RETURN_IF_ERROR(Track(session_->Run(*translated, result, affected)));
    // orchestrate's own DDL (the state schema's CREATE ... IF NOT EXISTS, idempotent) commits
    // too: the transaction goes on in a new one.
    if (CommitsImplicitly(*translated)) return Track(session_->Run("START TRANSACTION"));
    return Status::Ok();
  }
  // `failure`, after statements that committed by themselves: kNeedsHuman naming them.
  Status PartlyApplied(const Status& failure) const {
    if (committed_early_.empty() || failure.ok()) return failure;
    std::string list;
    for (const std::string& s : committed_early_) list += "\n    " + s;
    return Status::NeedsHuman(
        failure.message() +
        "\n  MySQL/MariaDB had already committed these statements by themselves (DDL is not "
        "transactional), so the step is partly applied:" +
        list +
        "\n  inspect the schema, finish or undo them by hand, then mark the step with "
        "`orchestrate force --step N --mark done|pending`");
  }
  Status CheckUsable() const {
    if (finished_) return Status::Failed("the transaction is already finished");
    if (failed_) return Status::Failed("the transaction was aborted by an earlier error");
    return Status::Ok();
  }
  Status Track(Status status) {
    if (!status.ok()) failed_ = true;
    return status;
  }
  // Rolls back unless committed, puts the session's limits back; never throws. Idempotent.
  void Finish() {
    if (finished_) return;
    finished_ = true;
    if (!committed_) (void)session_->Run("ROLLBACK");
    // What the transaction set up that outlives it (the ledger's triggers), with its limits
    // still in force: a DROP TRIGGER waits for a busy table no longer than a step would.
    for (const auto& [sql, only_if_rolled_back] : when_finished_)
      if (!committed_ || !only_if_rolled_back) (void)session_->Run(sql);
    // A named lock (StateSchemaLockStatements) outlives the transaction on MySQL: released here.
    // The main session never holds the run lock (it has a session of its own).
    if (named_locks_) (void)session_->Run("DO RELEASE_ALL_LOCKS()");
    if (limited_) (void)session_->Run(ResetLimitSql(session_->mariadb()));
    session_->transaction_open = false;
  }

  std::shared_ptr<mysql::Session> session_;
  const mysql::RunLock* lock_;
  std::vector<std::string> at_commit_;        // translated ExecAtCommit statements
  std::vector<std::string> committed_early_;  // script statements that committed by themselves
  std::vector<std::pair<std::string, bool>> when_finished_;  // ExecWhenFinished, as given
  bool committed_ = false, failed_ = false, finished_ = false, limited_ = false;
  bool named_locks_ = false;  // a GET_LOCK ran in this transaction
};

std::string QuoteLiteral(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return out + "'";
}

class MysqlDatabase final : public Database {
 public:
  MysqlDatabase(std::string url, mysql::Url parsed, const std::string& password,
                std::shared_ptr<mysql::Session> session)
      : url_(std::move(url)),
        parsed_(parsed),
        password_(password),
        session_(std::move(session)),
        lock_(std::move(parsed), password) {}

  std::string DisplayUrl() const override { return mysql::RedactUrl(url_); }
  Result<std::string> Identity() override {
    ORCH_RETURN_IF_ERROR(CheckIdle());
    QueryResult r;
    ORCH_RETURN_IF_ERROR(
        session_->Run("SELECT @@hostname, @@port, DATABASE(), @@datadir, VERSION()", &r));
    const Row& row = r.rows.at(0);
    return "mysql server " + row[0].value_or("?") + ":" + row[1].value_or("?") + " (data " +
           row[3].value_or("?") + ", " + row[4].value_or("?") + "), database " +
           row[2].value_or("?");
  }

  Result<std::unique_ptr<Transaction>> Begin() override {
    ORCH_RETURN_IF_ERROR(CheckIdle());
    auto txn = std::make_unique<MysqlTransaction>(session_, &lock_);
    ORCH_RETURN_IF_ERROR(txn->Start().WithContext("START TRANSACTION"));
    return std::unique_ptr<Transaction>(std::move(txn));
  }
  void CancelRunning() override { session_->Cancel(); }

  Status ExecScriptNoTransaction(const std::string& script) override {
    ORCH_RETURN_IF_ERROR(CheckIdle());
    const ScriptSplit split = SplitScript(orchestrate::Dialect::kMysql, script);
    if (!split.ok) return Status::Failed(SplitErrorMessage(split) + " (nothing of the script ran)");
    for (const SqlStatement& statement : split.statements) {
      const Status st = session_->Run(statement.text);
      if (!st.ok())
        return Status::FromCode(st.code(), "line " + std::to_string(statement.line) + ": " +
                                               st.message() +
                                               "\n  statement: " + Excerpt(statement.text, 0, 200));
    }
    return Status::Ok();
  }

  Result<bool> TryLock(const LockHolder& me, LockHolder* holder) override {
    return lock_.TryLock(me, holder);
  }
  Status Unlock() override { return lock_.Unlock(); }
  Result<std::optional<LockHolder>> LockHolderNow() override { return lock_.Holder(); }
  Result<std::optional<LockHolder>> BreakLock() override { return lock_.BreakLock(); }

  Result<std::vector<std::string>> DescribeSchema() override {
    ORCH_RETURN_IF_ERROR(CheckIdle());
    auto lines = mysql::DescribeSchema(*session_);
    if (!lines.ok()) return lines.status().WithContext("describing the schema");
    return lines;
  }
  Result<std::vector<std::string>> UserTables() override {
    ORCH_RETURN_IF_ERROR(CheckIdle());
    auto tables = mysql::UserTables(*session_);
    if (!tables.ok()) return tables.status().WithContext("listing the tables");
    return tables;
  }
  std::string QuoteIdent(const std::string& name) const override {
    std::string quoted = "`";
    for (const char c : name) {
      quoted += c;
      if (c == '`') quoted += '`';
    }
    return quoted + "`";
  }
  const LedgerDialect& Ledger() const override { return *ledger_; }
  const CatalogDialect& Catalog() const override { return *catalog_; }
  std::vector<std::string> WaitLimitStatements(double lock_timeout_seconds,
                                               double statement_timeout_seconds) const override {
    return WaitLimitSql(session_->mariadb(), lock_timeout_seconds, statement_timeout_seconds);
  }
  // MariaDB runs a compound statement outside a routine (BEGIN NOT ATOMIC ... END).
  std::string GuardStatement(const std::string& query, const std::string& message) const override {
    // As Transaction::Guard runs it: orchestrate's SQL, translated.
    auto translated = mysql::ToMysql(query, {}, QuoteLiteral);
    return "BEGIN NOT ATOMIC IF EXISTS (SELECT 1 FROM (" + (translated.ok() ? *translated : query) +
           ") orchestrate_guard) THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = " +
           QuoteLiteral(message.substr(0, 500)) + "; END IF; END";
  }
  std::string TableExistsQuery() const override {
    return "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
           "TABLE_NAME = $1";
  }
  std::vector<std::string> StateNamespaceStatements() const override { return {}; }
  // DDL commits by itself on MySQL, so a transaction cannot hold the state schema still: a named
  // lock of its own (not the run lock's) serialises the processes that create or upgrade it, for
  // as long as the main session lives or until released.
  std::vector<std::string> StateSchemaLockStatements() const override {
    return {"DO GET_LOCK(" +
            QuoteLiteral(mysql::LockName(parsed_.database).substr(0, 40) + ":state-schema") +
            ", 60)"};
  }
  std::string StateDdl(const std::string& statement) const override {
    auto translated = mysql::ToMysql(statement, {}, QuoteLiteral, true);
    return translated.ok() ? *translated : statement;
  }
  ScriptLock ScriptRunLock() const override {
    const std::string name = QuoteLiteral(mysql::LockName(parsed_.database));
    return {{"BEGIN NOT ATOMIC IF GET_LOCK(" + name +
             ", 0) <> 1 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'orchestrate: another "
             "run holds the run lock (`orchestrate status` shows who); nothing was changed'; END "
             "IF; END"},
            {"DO RELEASE_LOCK(" + name + ")"}};
  }
  ScriptClient ScriptClientOf() const override {
    ScriptClient c;
    // As orchestrate's own sessions (migrations/mysql/session.h): utf8mb4, UTC.
    c.preamble = "SET NAMES utf8mb4;\nSET time_zone = '+00:00';";
    c.how_to_run =
        "`mariadb --abort-source-on-error DATABASE < FILE` (it stops at the first error)";
    c.now = "DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%dT%H:%i:%s.%fZ')";
    c.who = "CURRENT_USER()";
    c.where = "SUBSTRING_INDEX(USER(), '@', -1)";
    c.echo_prefix = "SELECT '";
    c.echo_suffix = "' AS orchestrate;";
    c.waits = false;
    c.backslash_escapes = true;
    c.compound_begin = "DELIMITER //";
    c.compound_end = "//\nDELIMITER ;";
    return c;
  }
  Result<std::string> InlineStatement(
      const std::string& sql, const std::vector<Value>& params,
      const std::function<std::string(const Value&)>& literal) const override {
    return mysql::ToMysql(sql, params, [&literal](const std::string& v) { return literal(v); });
  }
  std::string ConcatSql(const std::vector<std::string>& parts) const override {
    std::string out;
    for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
    return "CONCAT(" + out + ")";
  }
  Result<std::unique_ptr<Database>> RecordingCopy(double lock_timeout_seconds) override;
  orchestrate::Dialect Kind() const override { return orchestrate::Dialect::kMysql; }
  std::string SchemaFactsQuery() const override {
    return "SELECT 'i', TABLE_NAME, INDEX_NAME, '', '', '' FROM information_schema.STATISTICS "
           "WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME, INDEX_NAME UNION ALL SELECT 'f', "
           "rc.TABLE_NAME, rc.CONSTRAINT_NAME, rc.REFERENCED_TABLE_NAME, rc.DELETE_RULE, "
           "(SELECT GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ',') FROM "
           "information_schema.KEY_COLUMN_USAGE k WHERE k.CONSTRAINT_SCHEMA = "
           "rc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = rc.TABLE_NAME AND k.CONSTRAINT_NAME = "
           "rc.CONSTRAINT_NAME) FROM information_schema.REFERENTIAL_CONSTRAINTS rc WHERE "
           "rc.CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1, 2, 3";
  }
  bool LocksRows() const override { return true; }
  Result<std::vector<std::array<std::string, 3>>> ForeignKeysInto(
      Transaction& txn, const std::vector<std::string>& tables) const override {
    std::vector<std::array<std::string, 3>> out;
    for (const std::string& table : tables) {
      auto rows = txn.Query(
          "SELECT TABLE_NAME, CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
          "WHERE CONSTRAINT_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME = $1 AND TABLE_NAME <> "
          "$1 ORDER BY 1, 2",
          {table});
      if (!rows.ok()) return rows.status();
      for (const auto& r : rows->rows) out.push_back({table, r[0].value_or(""), r[1].value_or("")});
    }
    return out;
  }
  // information_schema.VIEW_TABLE_USAGE (MariaDB 11 / MySQL 8) is not in MariaDB 10.11: the
  // views whose definition names the table (as a quoted identifier, which is how the server
  // stores a definition).
  Result<std::vector<std::array<std::string, 2>>> ViewsReading(
      Transaction& txn, const std::vector<std::string>& tables) const override {
    std::vector<std::array<std::string, 2>> out;
    for (const std::string& table : tables) {
      auto rows = txn.Query(
          "SELECT TABLE_NAME FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() AND "
          "LOCATE($1, VIEW_DEFINITION) > 0 ORDER BY TABLE_NAME",
          {QuoteIdent(table)});
      if (!rows.ok()) return rows.status();
      for (const auto& r : rows->rows) out.push_back({table, r[0].value_or("")});
    }
    return out;
  }
  // MySQL has no extensions (plugins are the server's, not the database's).
  Result<std::vector<std::array<std::string, 2>>> Extensions(Transaction& /*txn*/) const override {
    return std::vector<std::array<std::string, 2>>();
  }
  // MariaDB roles: the current user is a member of `role` when it is granted to them.
  Result<std::optional<RoleCheck>> CheckRole(Transaction& txn,
                                             const std::string& role) const override {
    auto r = txn.Query(
        "SELECT CURRENT_USER(), EXISTS (SELECT 1 FROM information_schema.APPLICABLE_ROLES WHERE "
        "ROLE_NAME = $1)",
        {role});
    if (!r.ok()) return r.status();
    return std::optional<RoleCheck>(
        RoleCheck{r->rows[0][0].value_or(""), r->rows[0][1].value_or("") == "1"});
  }
  bool DdlCommitsByItself() const override { return true; }
  bool CommitsByItself(const std::string& statement) const override {
    return CommitsImplicitly(statement);
  }
  Result<StatementEffect> EffectInCatalog(const std::string& statement) override {
    ORCH_RETURN_IF_ERROR(CheckIdle());
    auto txn = Begin();
    if (!txn.ok()) return txn.status();
    return mysql::ReadEffect(**txn, statement);
  }
  // Every feature is supported: a rehearsal needs only a scratch database (CREATE DATABASE) and
  // the catalog; the row ledger is migrations/mysql/ledger_dialect.h; snapshots are taken as on
  // PostgreSQL (a copy made empty, then filled in the step's transaction), or on their own before
  // a step whose statements commit one by one; the review script is recorded on a copy
  // (RecordingCopy).

  // Makes this the copy RecordingCopy returns: its database is dropped with it.
  void DropOnClose() { drop_on_close_ = true; }
  ~MysqlDatabase() override {
    if (!drop_on_close_) return;
    const Status dropped = session_->Run("DROP DATABASE IF EXISTS " + QuoteIdent(parsed_.database));
    if (!dropped.ok())
      spdlog::warn("could not drop the copy {} that the review was recorded on: {}",
                   parsed_.database, dropped.message());
  }

 private:
  Status CheckIdle() const {
    if (session_->transaction_open) return Status::Failed(kSessionBusy);
    return Status::Ok();
  }

  std::string url_;
  mysql::Url parsed_;
  std::string password_;
  std::shared_ptr<mysql::Session> session_;
  mysql::RunLock lock_;
  std::unique_ptr<LedgerDialect> ledger_ = NewMysqlLedgerDialect(*this);
  std::unique_ptr<CatalogDialect> catalog_ = NewMysqlCatalogDialect(*this);
  bool drop_on_close_ = false;
};

Result<std::unique_ptr<Database>> MysqlDatabase::RecordingCopy(double lock_timeout_seconds) {
  ORCH_RETURN_IF_ERROR(CheckIdle());
  static int made = 0;  // two copies of one process in one second differ
  const std::string name = "orchestrate_review_" + std::to_string(getpid()) + "_" +
                           std::to_string(static_cast<long>(std::time(nullptr))) + "_" +
                           std::to_string(++made);
  spdlog::info("copying database {} into {}, where the run is recorded (dropped afterwards)",
               parsed_.database, name);
  const Status created = session_->Run("CREATE DATABASE " + QuoteIdent(name));
  if (!created.ok())
    return created.WithContext("cannot create the database " + name +
                               " to copy into (the user needs CREATE and DROP on the server)");
  mysql::Url url = parsed_;
  url.database = name;
  auto session = mysql::Session::Connect(url, password_);
  if (!session.ok()) {
    (void)session_->Run("DROP DATABASE IF EXISTS " + QuoteIdent(name));
    return session.status();
  }
  std::shared_ptr<mysql::Session> shared = std::move(session).value();
  auto copy =
      std::make_unique<MysqlDatabase>(mysql::WithDatabase(url_, name), url, password_, shared);
  copy->DropOnClose();  // from here on, also when the copy fails
  // Reading the source waits for its locks no longer than a step would (the server's default
  // lock_wait_timeout is a year); the main session's limits are put back after.
  Status copied = Status::Ok();
  for (const std::string& set : WaitLimitSql(session_->mariadb(), lock_timeout_seconds, 0)) {
    if (copied.ok()) copied = session_->Run(set);
    if (copied.ok()) copied = shared->Run(set);
  }
  if (copied.ok()) copied = mysql::CopyDatabase(*session_, *shared);
  const Status reset = session_->Run(ResetLimitSql(session_->mariadb()));
  if (copied.ok()) copied = reset.ok() ? shared->Run(ResetLimitSql(session_->mariadb())) : reset;
  if (!copied.ok()) return copied.WithContext("copying " + parsed_.database + " into " + name);
  return std::unique_ptr<Database>(std::move(copy));
}

}  // namespace

Result<std::unique_ptr<Database>> OpenMysql(const std::string& url, const std::string& password) {
  auto parsed = mysql::ParseUrl(url);
  if (!parsed.ok()) return parsed.status();
  auto session = mysql::Session::Connect(*parsed, password);
  if (!session.ok()) {
    std::string message = session.status().message();
    for (const std::string& secret : mysql::Secrets(url)) {
      for (std::size_t at = message.find(secret); !secret.empty() && at != std::string::npos;
           at = message.find(secret, at + 3))
        message.replace(at, secret.size(), "***");
    }
    return Status::Failed("cannot connect to " + mysql::RedactUrl(url) + ": " + message);
  }
  std::shared_ptr<mysql::Session> shared = std::move(session).value();
  return std::unique_ptr<Database>(
      std::make_unique<MysqlDatabase>(url, *parsed, password, std::move(shared)));
}

}  // namespace orchestrate
