#include "migrations/postgres/postgres_database.h"

#include <libpq-fe.h>

#include <cctype>
#include <utility>
#include <vector>

#include "migrations/postgres/catalog_dialect.h"
#include "migrations/postgres/conninfo.h"
#include "migrations/postgres/ledger_dialect.h"
#include "migrations/postgres/pg_lock.h"
#include "migrations/postgres/pg_schema.h"
#include "migrations/postgres/pg_session.h"
#include "migrations/statement_text.h"

namespace orchestrate {
namespace {

// `message` (from libpq, which may quote the connection string) with every secret of `url` and
// `password` replaced by "***".
std::string Scrub(std::string message, const std::string& url, const std::string& password) {
  std::vector<std::string> secrets = pg::ConninfoSecrets(url);
  secrets.push_back(password);
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (std::size_t at = message.find(secret); at != std::string::npos;
         at = message.find(secret, at + 3)) {
      message.replace(at, secret.size(), "***");
    }
  }
  return message;
}

// ---- transactions ---------------------------------------------------------------------------

constexpr const char* kSessionBusy =
    "a transaction is open on this database connection: commit or destroy it first";

// The SET LOCAL statements of Transaction::LimitWaits (also written into review scripts).
std::vector<std::string> WaitLimitSql(double lock_timeout_seconds,
                                      double statement_timeout_seconds) {
  auto ms = [](double s) { return std::to_string(static_cast<long>(s * 1000)) + "ms"; };
  std::vector<std::string> sets;
  if (lock_timeout_seconds > 0)
    sets.push_back("SET LOCAL lock_timeout = '" + ms(lock_timeout_seconds) + "'");
  if (statement_timeout_seconds > 0)
    sets.push_back("SET LOCAL statement_timeout = '" + ms(statement_timeout_seconds) + "'");
  return sets;
}

// A transaction on the main session, with BEGIN and COMMIT sent by this class over a
// pqxx::nontransaction so that they can share round trips: BEGIN (and SET LOCAL of LimitWaits)
// travels with the first statement of a script, and ExecAtCommit statements travel with COMMIT.
// Once a statement fails, PostgreSQL has aborted the transaction: every later call fails without
// reaching the server, and Commit reports that nothing was committed.
class PgTransaction final : public Transaction {
 public:
  // Takes the session's single transaction slot. REQUIRES: !session->transaction_open.
  PgTransaction(std::shared_ptr<pg::Session> session, std::unique_ptr<pqxx::nontransaction> tx)
      : session_(std::move(session)), tx_(std::move(tx)) {
    session_->transaction_open = true;
  }
  ~PgTransaction() override { Finish(); }

  Status Exec(const std::string& sql, const std::vector<Value>& params) override {
    pqxx::result ignored;
    return Run(sql, params, &ignored);
  }

  Result<long> ExecCount(const std::string& sql, const std::vector<Value>& params) override {
    pqxx::result result;
    ORCH_RETURN_IF_ERROR(Run(sql, params, &result));
    return static_cast<long>(result.affected_rows());
  }

  Status ExecAtCommit(const std::string& sql, const std::vector<Value>& params) override {
    ORCH_RETURN_IF_ERROR(CheckUsable());
    return Track(pg::Guard([&] { at_commit_ += pg::InlineParams(*tx_, sql, params) + ";\n"; }));
  }

  Status ExecScript(const std::string& script) override {
    ORCH_RETURN_IF_ERROR(CheckUsable());
    Result<std::vector<SqlStatement>> split = pg::SplitStatements(script);
    if (!split.ok()) return Track(split.status());
    const std::vector<SqlStatement>& statements = *split;
    ORCH_RETURN_IF_ERROR(CheckNoTransactionControl(statements));
    if (statements.empty()) return Status::Ok();
    const std::string prefix = begun_ ? "" : begin_ + ";\n";
    begun_ = true;
    return Track(pg::RunStatements(*tx_, statements, prefix));
  }

  Result<QueryResult> Query(const std::string& sql, const std::vector<Value>& params) override {
    pqxx::result result;
    ORCH_RETURN_IF_ERROR(Run(sql, params, &result));
    return pg::GuardResult<QueryResult>([&] { return pg::ToQueryResult(result); });
  }

  Status LimitWaits(double lock_timeout_seconds, double statement_timeout_seconds) override {
    // SET LOCAL lasts until the end of this transaction only.
    for (const std::string& set : WaitLimitSql(lock_timeout_seconds, statement_timeout_seconds)) {
      if (begun_) {
        ORCH_RETURN_IF_ERROR(Exec(set, {}));
      } else {
        begin_ += "; " + set;  // sent with BEGIN
      }
    }
    return Status::Ok();
  }

  Status Commit() override {
    const Status usable = CheckUsable();
    if (!usable.ok()) {
      Finish();
      return usable.WithContext("not committed");
    }
    if (!begun_ && at_commit_.empty()) {  // nothing was sent: nothing to commit
      Finish();
      return Status::Ok();
    }
    const std::string text = (begun_ ? "" : begin_ + ";\n") + at_commit_ + "COMMIT";
    begun_ = true;
    Status committed;
    try {
      tx_->exec(text);
      committed_ = true;
    } catch (const pqxx::broken_connection& e) {
      committed = Status::NeedsHuman(
          "the outcome of COMMIT is unknown (the connection was lost while committing); inspect "
          "the database before retrying: " +
          pg::OneLine(e.what()));
    } catch (...) {
      committed = pg::CurrentExceptionStatus();
    }
    Finish();
    if (committed.ok() || committed.code() == Code::kNeedsHuman) return committed;
    if (committed.message().find(pg::kFenceMarker) != std::string::npos)
      return Status::NeedsHuman(kRunLockLost);
    return committed.WithContext("not committed");
  }

 private:
  Status CheckUsable() const {
    if (!tx_) return Status::Failed("the transaction is already finished");
    if (failed_) return Status::Failed("the transaction was aborted by an earlier error");
    return Status::Ok();
  }

  // Runs one statement. The first of the transaction carries BEGIN (and the SET LOCALs) in the
  // same message, its parameters written in as literals, unless it uses dollar quoting; the
  // others go through the extended protocol with their parameters apart.
  Status Run(const std::string& sql, const std::vector<Value>& params, pqxx::result* result) {
    if (failed_ && tx_ && begun_ && sql.rfind("ROLLBACK TO SAVEPOINT ", 0) == 0) {
      // PostgreSQL's own rule: rolling back to a savepoint makes an aborted transaction usable.
      Status st = pg::Guard([&] { *result = tx_->exec(sql); });
      if (st.ok()) failed_ = false;
      return st;
    }
    ORCH_RETURN_IF_ERROR(CheckUsable());
    if (!begun_ && !UsesDollarQuoting(sql)) {
      begun_ = true;
      return Track(pg::Guard(
          [&] { *result = tx_->exec(begin_ + ";\n" + pg::InlineParams(*tx_, sql, params)); }));
    }
    ORCH_RETURN_IF_ERROR(SendBegin());
    return Track(pg::Guard([&] { *result = pg::ExecParams(*tx_, sql, params); }));
  }

  // Whether some '$' in `sql` is not a parameter ($1, $2, ...): $$ or $tag$ quoting (or a '$'
  // inside a string, which is harmless to treat the same way).
  static bool UsesDollarQuoting(const std::string& sql) {
    for (std::size_t at = sql.find('$'); at != std::string::npos; at = sql.find('$', at + 1)) {
      if (at + 1 >= sql.size() || !std::isdigit(static_cast<unsigned char>(sql[at + 1])))
        return true;
    }
    return false;
  }

  // Sends BEGIN (with any SET LOCAL) unless it has gone already.
  Status SendBegin() {
    ORCH_RETURN_IF_ERROR(CheckUsable());
    if (begun_) return Status::Ok();
    begun_ = true;
    return Track(pg::Guard([&] { tx_->exec(begin_); }).WithContext("BEGIN"));
  }

  // kInvalid, before anything runs, when a statement would end the transaction early.
  static Status CheckNoTransactionControl(const std::vector<SqlStatement>& statements) {
    for (const SqlStatement& statement : statements) {
      if (!IsTransactionControl(statement.text)) continue;
      return Status::Invalid(
          "line " + std::to_string(statement.line) + ": transaction control (" +
          pg::OneLine(statement.text).substr(0, 40) +
          ") is not allowed in a script that orchestrate runs in a transaction: remove it, or "
          "mark the step transactional: false");
    }
    return Status::Ok();
  }

  // Remembers a failure (see the class comment).
  Status Track(Status status) {
    if (!status.ok()) failed_ = true;
    return status;
  }

  // Rolls back unless committed (never throws; a lost connection has rolled back already and is
  // not reopened here) and frees the session's slot. Idempotent.
  void Finish() {
    if (!tx_) return;
    if (begun_ && !committed_ && session_->conn.is_open()) {
      try {
        tx_->exec("ROLLBACK");
      } catch (...) {  // NOLINT(bugprone-empty-catch): nothing more can be done
      }
    }
    tx_.reset();
    session_->transaction_open = false;
  }

  std::shared_ptr<pg::Session> session_;
  std::unique_ptr<pqxx::nontransaction> tx_;  // null once finished
  std::string begin_ = "BEGIN";               // what starts the transaction on the server
  std::string at_commit_;                     // ExecAtCommit statements, each ending in ";\n"
  bool begun_ = false;                        // begin_ has been sent
  bool committed_ = false;
  bool failed_ = false;
};

// ---- the database ---------------------------------------------------------------------------

// Database::SchemaFactsQuery: one row per index ('i': table, index) and per foreign key ('f':
// table, name, referenced table, ON DELETE action, columns comma-separated), outside the system
// schemas; regclass::text names a relation as the analyzer does (schema-qualified only when its
// schema is not on the search_path).
const char kSchemaFacts[] =
    "WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', "
    "'information_schema') AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%') "
    "SELECT 'i', i.indrelid::regclass::text, i.indexrelid::regclass::text, '', '', '' FROM "
    "pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN ns ON ns.oid = t.relnamespace "
    "UNION ALL SELECT 'f', c.conrelid::regclass::text, c.conname::text, "
    "c.confrelid::regclass::text, c.confdeltype::text, (SELECT string_agg(a.attname::text, ',' "
    "ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = ANY "
    "(c.conkey)) FROM pg_constraint c JOIN ns ON ns.oid = c.connamespace WHERE c.contype = 'f' "
    "ORDER BY 1, 2, 3";

class PgDatabase final : public Database {
 public:
  // `url` is what the user wrote (shown redacted); `conninfo` is what libpq connects with (the
  // lock's session too), which may carry a password `url` does not.
  PgDatabase(std::string url, const std::string& conninfo, std::shared_ptr<pg::Session> session)
      : url_(std::move(url)),
        conninfo_(conninfo),
        backend_pid_(session->conn.backendpid()),
        session_(std::move(session)),
        lock_(conninfo) {}

  std::string DisplayUrl() const override { return RedactUrl(url_); }

  Result<std::unique_ptr<Transaction>> Begin() override {
    ORCH_RETURN_IF_ERROR(CheckIdle());
    // BEGIN itself goes with the first statement (PgTransaction).
    std::unique_ptr<pqxx::nontransaction> tx;
    const Status begun =
        pg::Guard([&] { tx = std::make_unique<pqxx::nontransaction>(session_->conn); });
    if (!begun.ok()) return begun.WithContext("BEGIN");
    auto txn = std::make_unique<PgTransaction>(session_, std::move(tx));
    // Fencing (Database::TryLock): the proof travels with COMMIT, first of what goes there.
    const std::string fence = lock_.FenceSql();
    if (!fence.empty()) ORCH_RETURN_IF_ERROR(txn->ExecAtCommit(fence, {}));
    return std::unique_ptr<Transaction>(std::move(txn));
  }

  Result<std::string> Identity() override {
    auto txn = Begin();
    if (!txn.ok()) return txn.status();
    auto r = (*txn)->Query(
        "SELECT (SELECT system_identifier::text FROM pg_control_system()), current_database(), "
        "COALESCE(host(inet_server_addr()), 'local socket'), current_setting('port')");
    if (!r.ok()) return r.status().WithContext("identifying the database");
    const Row& row = r->rows.front();
    return "postgresql system " + row[0].value_or("?") + ", database " + row[1].value_or("?") +
           ", server " + row[2].value_or("?") + ":" + row[3].value_or("?");
  }

  void CancelRunning() override {
    try {
      session_->conn.cancel_query();  // PQgetCancel + PQcancel: a request on a new connection
    } catch (...) {                   // NOLINT(bugprone-empty-catch): best effort
    }
  }

  std::string RunningProgress() override {
    try {
      // Never waits long for the server: the step it reports on waits for this thread.
      const bool uri =
          conninfo_.rfind("postgresql://", 0) == 0 || conninfo_.rfind("postgres://", 0) == 0;
      pqxx::connection c(conninfo_ + (!uri ? " connect_timeout=2"
                                      : conninfo_.find('?') == std::string::npos
                                          ? "?connect_timeout=2"
                                          : "&connect_timeout=2"));
      pqxx::nontransaction tx(c);
      tx.exec0("SET statement_timeout = 2000");
      pqxx::result r = tx.exec_params(
          "SELECT 'CREATE INDEX: ' || phase || CASE WHEN blocks_total > 0 THEN ', ' || "
          "round(100.0 * blocks_done / blocks_total) || '% of blocks' WHEN tuples_total > 0 THEN "
          "', ' || round(100.0 * tuples_done / tuples_total) || '% of rows' ELSE '' END FROM "
          "pg_stat_progress_create_index WHERE pid = $1 UNION ALL SELECT command || ': ' || phase "
          "|| CASE WHEN heap_blks_total > 0 THEN ', ' || round(100.0 * heap_blks_scanned / "
          "heap_blks_total) || '% of blocks' ELSE '' END FROM pg_stat_progress_cluster WHERE pid "
          "= $1 UNION ALL SELECT 'waiting for a lock (' || wait_event || ')' FROM "
          "pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'",
          backend_pid_);
      if (r.empty() || r[0][0].is_null()) return "";
      return r[0][0].as<std::string>();
    } catch (...) {  // NOLINT(bugprone-empty-catch): best effort, a heartbeat without detail
      return "";
    }
  }

  Status ExecScriptNoTransaction(const std::string& script) override {
    ORCH_RETURN_IF_ERROR(CheckIdle());
    Result<std::vector<SqlStatement>> statements = pg::SplitStatements(script);
    if (!statements.ok()) return statements.status();
    Status ran;
    const Status opened = pg::Guard([&] {
      pqxx::nontransaction autocommit(session_->conn);
      ran = pg::RunStatements(autocommit, *statements);
    });
    return opened.ok() ? ran : opened;
  }

  Result<bool> TryLock(const LockHolder& me, LockHolder* holder) override {
    return lock_.TryLock(me, holder);
  }
  Status Unlock() override { return lock_.Unlock(); }
  Result<std::optional<LockHolder>> BreakLock() override { return lock_.BreakLock(); }
  Result<std::optional<LockHolder>> LockHolderNow() override { return lock_.Holder(); }

  Result<std::vector<std::string>> DescribeSchema() override {
    ORCH_RETURN_IF_ERROR(CheckIdle());
    Result<std::vector<std::string>> lines = pg::GuardResult<std::vector<std::string>>(
        [&] { return pg::DescribeSchema(session_->conn, &session_->description_prepared); });
    if (!lines.ok()) return lines.status().WithContext("describing the schema");
    return lines;
  }

  Result<std::vector<std::string>> UserTables() override {
    ORCH_RETURN_IF_ERROR(CheckIdle());
    Result<std::vector<std::string>> tables =
        pg::GuardResult<std::vector<std::string>>([&] { return pg::UserTables(session_->conn); });
    if (!tables.ok()) return tables.status().WithContext("listing the tables");
    return tables;
  }

  std::string GuardStatement(const std::string& query, const std::string& message) const override {
    return "DO $orchestrate_guard$ DECLARE found text; BEGIN SELECT string_agg(g::text, ', ') "
           "INTO found FROM (SELECT * FROM (" +
           query + ") q LIMIT 11) g; IF found IS NOT NULL THEN RAISE EXCEPTION USING MESSAGE = " +
           SqlStringLiteral(message + ": ") + " || found; END IF; END $orchestrate_guard$";
  }
  ScriptClient ScriptClientOf() const override {
    ScriptClient c;
    c.preamble = "\\set ON_ERROR_STOP on";
    c.how_to_run = "`psql -X -f FILE` (it stops at the first error)";
    c.now = "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
    c.who = "session_user";
    c.where = "COALESCE(host(inet_client_addr()), 'local')";
    c.echo_prefix = "\\echo '";
    c.echo_suffix = "'";
    c.wait =
        "\\if :{?orchestrate_unattended}\n\\else\n\\prompt 'orchestrate: press Enter once it runs "
        "there (psql -v orchestrate_unattended=1 does not wait) ' orchestrate_swapped\n\\endif";
    c.waits = true;
    return c;
  }
  orchestrate::Dialect Kind() const override { return orchestrate::Dialect::kPostgres; }
  std::string SchemaFactsQuery() const override { return kSchemaFacts; }
  bool LocksRows() const override { return true; }
  // One query however many tables (a rollback may drop hundreds).
  Result<std::vector<std::array<std::string, 3>>> ForeignKeysInto(
      Transaction& txn, const std::vector<std::string>& tables) const override {
    std::vector<std::array<std::string, 3>> out;
    if (tables.empty()) return out;
    std::string names;
    for (const auto& t : tables) names += t + "\n";
    auto rows = txn.Query(
        "SELECT t.name, c.conrelid::regclass::text, c.conname FROM unnest(string_to_array("
        "rtrim($1, E'\\n'), E'\\n')) WITH ORDINALITY AS t(name, i) JOIN pg_constraint c ON "
        "c.confrelid = to_regclass(t.name) WHERE c.contype = 'f' AND c.conrelid <> c.confrelid "
        "ORDER BY t.i, 2, 3",
        {names});
    if (!rows.ok()) return rows.status();
    for (const auto& r : rows->rows)
      out.push_back({r[0].value_or(""), r[1].value_or(""), r[2].value_or("")});
    return out;
  }
  Result<std::vector<std::array<std::string, 2>>> ViewsReading(
      Transaction& txn, const std::vector<std::string>& tables) const override {
    std::vector<std::array<std::string, 2>> out;
    if (tables.empty()) return out;
    std::string names;
    for (const auto& t : tables) names += t + "\n";
    // A view's rewrite rule depends on every relation its query reads.
    auto rows = txn.Query(
        "SELECT t.name, v.oid::regclass::text FROM unnest(string_to_array(rtrim($1, E'\\n'), "
        "E'\\n')) WITH ORDINALITY AS t(name, i) JOIN pg_depend d ON d.refclassid = "
        "'pg_class'::regclass AND d.refobjid = to_regclass(t.name) AND d.classid = "
        "'pg_rewrite'::regclass JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = "
        "r.ev_class WHERE v.oid <> d.refobjid GROUP BY t.i, t.name, v.oid ORDER BY t.i, 2",
        {names});
    if (!rows.ok()) return rows.status();
    for (const auto& r : rows->rows) out.push_back({r[0].value_or(""), r[1].value_or("")});
    return out;
  }
  Result<std::vector<std::array<std::string, 2>>> Extensions(Transaction& txn) const override {
    auto rows = txn.Query("SELECT extname, extversion FROM pg_extension ORDER BY 1");
    if (!rows.ok()) return rows.status();
    std::vector<std::array<std::string, 2>> out;
    for (const auto& r : rows->rows) out.push_back({r[0].value_or(""), r[1].value_or("")});
    return out;
  }
  Result<std::optional<RoleCheck>> CheckRole(Transaction& txn,
                                             const std::string& role) const override {
    // CASE keeps pg_has_role from failing on a role that does not exist.
    auto r = txn.Query(
        "SELECT current_user, CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) "
        "THEN pg_has_role(current_user, $1, 'member') ELSE false END",
        {role});
    if (!r.ok()) return r.status();
    const std::string member = r->rows[0][1].value_or("");
    return std::optional<RoleCheck>(
        RoleCheck{r->rows[0][0].value_or(""), member == "t" || member == "true" || member == "1"});
  }
  ScriptLock ScriptRunLock() const override {
    return {pg::ScriptTakeLockSql(), pg::ScriptReleaseLockSql()};
  }
  std::string TableExistsQuery() const override {
    return "SELECT 1 WHERE to_regclass($1::text) IS NOT NULL";
  }
  std::vector<std::string> StateNamespaceStatements() const override {
    return {"CREATE SCHEMA IF NOT EXISTS orchestrate_snapshots"};
  }
  std::vector<std::string> StateSchemaLockStatements() const override {
    return {"SELECT pg_advisory_xact_lock(" + std::to_string(pg::kStateSchemaLockKey) + ")"};
  }
  std::vector<std::string> WaitLimitStatements(double lock_timeout_seconds,
                                               double statement_timeout_seconds) const override {
    return WaitLimitSql(lock_timeout_seconds, statement_timeout_seconds);
  }
  const LedgerDialect& Ledger() const override { return *ledger_; }
  const CatalogDialect& Catalog() const override { return *catalog_; }
  // PQescapeIdentifier's rule, which needs no connection: always quoted, '"' doubled.
  std::string QuoteIdent(const std::string& name) const override {
    std::string quoted = "\"";
    for (const char c : name) {
      quoted += c;
      if (c == '"') quoted += '"';
    }
    return quoted + "\"";
  }

 private:
  // kOk when the main session can start something: connected, no transaction open.
  Status CheckIdle() const {
    if (session_->transaction_open) return Status::Failed(kSessionBusy);
    if (!session_->conn.is_open()) {
      return Status::Failed("the connection to the database was lost; open the database again");
    }
    return Status::Ok();
  }

  std::string url_;
  std::string conninfo_;  // what libpq connects with (RunningProgress's own connection)
  int backend_pid_;       // of session_, for pg_stat_progress_*
  std::shared_ptr<pg::Session> session_;  // shared with the open Transaction, if any
  pg::RunLock lock_;                      // on its own session
  std::unique_ptr<LedgerDialect> ledger_ = NewPostgresLedgerDialect(*this);
  std::unique_ptr<CatalogDialect> catalog_ = NewPostgresCatalogDialect(*this);
};

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url,
                                               const std::string& password) {
  ORCH_RETURN_IF_ERROR(pg::CheckConninfo(url));
  std::string conninfo = url;
  if (!password.empty()) {
    Result<std::string> with_password = pg::ConninfoWithPassword(url, password);
    if (!with_password.ok()) return with_password.status();
    conninfo = std::move(with_password).value();
  }
  std::shared_ptr<pg::Session> session;
  const Status connected = pg::Guard([&] { session = std::make_shared<pg::Session>(conninfo); });
  if (!connected.ok()) {
    return Status::Failed("cannot connect to " + RedactUrl(url) + ": " +
                          Scrub(connected.message(), url, password));
  }
  return std::unique_ptr<Database>(std::make_unique<PgDatabase>(url, conninfo, std::move(session)));
}

}  // namespace orchestrate
