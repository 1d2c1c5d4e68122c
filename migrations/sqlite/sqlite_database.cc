// The SQLite adapter (sqlite_database.h). Over 500 lines: one Database class (connection,
// transactions, the run lock row, the authorizer for seeds, the catalog and the script dialect)
// whose parts share the connection's state.
#include "migrations/sqlite/sqlite_database.h"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstring>
#include <set>

#include "migrations/analysis/analysis.h"
#include "migrations/sqlite/catalog_dialect.h"
#include "migrations/sqlite/ledger_dialect.h"
#include "migrations/state_schema.h"
#include "migrations/statement_split.h"
#include "migrations/statement_text.h"

namespace orchestrate {
namespace {

// The CHECK constraints written in a CREATE TABLE statement (sqlite_master.sql), each as
// "CHECK (<expression>)" with whitespace collapsed, sorted: SQLite's pragmas do not list them.
// A scanner that skips quoted names, string literals and comments, and takes the balanced
// parentheses after the keyword CHECK.
std::vector<std::string> CheckConstraintsOf(const std::string& sql) {
  std::vector<std::string> out;
  const size_t n = sql.size();
  auto skip_quoted = [&](size_t i) -> size_t {  // i at an opening quote: the index after it closes
    const char open = sql[i];
    const char close = open == '[' ? ']' : open;
    for (size_t j = i + 1; j < n; ++j) {
      if (sql[j] != close) continue;
      if (close != ']' && j + 1 < n && sql[j + 1] == close) {
        ++j;  // a doubled quote
        continue;
      }
      return j + 1;
    }
    return n;
  };
  auto skip_comment = [&](size_t i) -> size_t {  // i at "--" or "/*"
    if (sql[i] == '-') {
      size_t end = sql.find('\n', i);
      return end == std::string::npos ? n : end + 1;
    }
    size_t end = sql.find("*/", i + 2);
    return end == std::string::npos ? n : end + 2;
  };
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t i = 0; i < n;) {
    const char c = sql[i];
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
      i = skip_quoted(i);
      continue;
    }
    if ((c == '-' && i + 1 < n && sql[i + 1] == '-') ||
        (c == '/' && i + 1 < n && sql[i + 1] == '*')) {
      i = skip_comment(i);
      continue;
    }
    const bool at_word = (i == 0 || !is_word(sql[i - 1])) && i + 5 <= n &&
                         strncasecmp(sql.c_str() + i, "check", 5) == 0 &&
                         (i + 5 == n || !is_word(sql[i + 5]));
    if (!at_word) {
      ++i;
      continue;
    }
    size_t j = i + 5;
    while (j < n && std::isspace(static_cast<unsigned char>(sql[j]))) ++j;
    if (j >= n || sql[j] != '(') {
      i += 5;
      continue;
    }
    const size_t open = j;
    int depth = 0;
    while (j < n) {
      const char d = sql[j];
      if (d == '\'' || d == '"' || d == '`' || d == '[') {
        j = skip_quoted(j);
        continue;
      }
      if (d == '(') ++depth;
      if (d == ')' && --depth == 0) break;
      ++j;
    }
    if (j >= n) break;  // unbalanced: nothing more to read
    out.push_back("CHECK " + NormalizeWhitespace(sql.substr(open, j - open + 1)));
    i = j + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

using sqlite_api::sqlite3;
using sqlite_api::sqlite3_stmt;

constexpr int kBusyTimeoutMs = 5000;
// How long one attempt to claim the run lock waits for another writer; AcquireRunLock retries
// until --lock-timeout, so a claim never waits past it for a step that someone else runs.
constexpr int kClaimBusyTimeoutMs = 100;
// SQLITE_TRANSIENT names sqlite3_destructor_type unqualified, which is inside sqlite_api here.
const sqlite_api::sqlite3_destructor_type kTransient =
    reinterpret_cast<sqlite_api::sqlite3_destructor_type>(-1);

std::string Errmsg(sqlite3* db) { return sqlite_api::sqlite3_errmsg(db); }

// An error of the last call on `db`: waiting for another connection's lock is retryable.
Status ErrorStatus(sqlite3* db, int rc) {
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    return Status::LockTimeout(Errmsg(db) + " (another connection holds a lock)");
  if (primary == SQLITE_INTERRUPT)
    return Status::Failed("statement timeout: the statement ran longer than allowed");
  return Status::Failed(Errmsg(db));
}

// Runs one prepared statement to completion, collecting rows into *out when given.
Status Step(sqlite3* db, sqlite3_stmt* stmt, QueryResult* out) {
  if (out) {
    int n = sqlite_api::sqlite3_column_count(stmt);
    out->columns.clear();
    for (int i = 0; i < n; ++i) out->columns.push_back(sqlite_api::sqlite3_column_name(stmt, i));
  }
  for (;;) {
    int rc = sqlite_api::sqlite3_step(stmt);
    if (rc == SQLITE_DONE) return Status::Ok();
    if (rc != SQLITE_ROW) return ErrorStatus(db, rc);
    if (!out) continue;
    Row row;
    int n = sqlite_api::sqlite3_column_count(stmt);
    for (int i = 0; i < n; ++i) {
      if (sqlite_api::sqlite3_column_type(stmt, i) == SQLITE_NULL) {
        row.emplace_back(std::nullopt);
      } else {
        auto* text = reinterpret_cast<const char*>(sqlite_api::sqlite3_column_text(stmt, i));
        int len = sqlite_api::sqlite3_column_bytes(stmt, i);
        row.emplace_back(std::string(text, static_cast<size_t>(len)));
      }
    }
    out->rows.push_back(std::move(row));
  }
}

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite_api::sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

Status RunOne(sqlite3* db, const std::string& sql, const std::vector<Value>& params,
              QueryResult* out) {
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  int prc =
      sqlite_api::sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, &tail);
  if (prc != SQLITE_OK) {
    Status st = ErrorStatus(db, prc);
    return Status::FromCode(st.code(), st.message() + "\n  statement: " + Excerpt(sql, 0));
  }
  StmtPtr stmt(raw);
  if (!stmt) return Status::Ok();  // only whitespace or comments
  int expected = sqlite_api::sqlite3_bind_parameter_count(raw);
  // Bind by name, so that "$2 ... $1" and a repeated "$1" mean what they mean on PostgreSQL.
  for (int idx = 1; idx <= expected; ++idx) {
    const char* name = sqlite_api::sqlite3_bind_parameter_name(raw, idx);
    long n = name && name[0] == '$' ? std::strtol(name + 1, nullptr, 10) : 0;
    if (n < 1 || n > static_cast<long>(params.size()))
      return Status::Failed(std::string("bad parameter ") + (name ? name : "?") + " (use $1.." +
                            std::to_string(params.size()) + ")");
    const Value& v = params[static_cast<size_t>(n - 1)];
    int rc = v ? sqlite_api::sqlite3_bind_text(raw, idx, v->data(), static_cast<int>(v->size()),
                                               kTransient)
               : sqlite_api::sqlite3_bind_null(raw, idx);
    if (rc != SQLITE_OK) return Status::Failed(Errmsg(db));
  }
  Status st = Step(db, raw, out);
  if (!st.ok())
    return Status::FromCode(st.code(), st.message() + "\n  statement: " + Excerpt(sql, 0));
  return st;
}

// Runs every statement of `script` in order: the statements of SplitScript, which the analysis
// sees too, each prepared on its own (so that it sees what the statements before it created). In a
// transaction (`in_transaction`), a statement that would end it (COMMIT, ROLLBACK, ...) is refused
// with kInvalid before it runs, as the PostgreSQL adapter does.
Status RunScript(sqlite3* db, const std::string& script, bool in_transaction) {
  const ScriptSplit split = SplitScript(Dialect::kSqlite, script);
  if (!split.ok) return Status::Failed(SplitErrorMessage(split) + " (nothing of the script ran)");
  for (const SqlStatement& statement : split.statements) {
    const std::string line = "line " + std::to_string(statement.line) + ": ";
    const char* text = statement.text.c_str();
    const char* end = text + statement.text.size();
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite_api::sqlite3_prepare_v2(db, text, static_cast<int>(statement.text.size()), &raw,
                                            &tail);
    StmtPtr stmt(raw);
    Status st = rc == SQLITE_OK ? Status::Ok() : ErrorStatus(db, rc);
    if (st.ok() && tail != nullptr && tail < end) {
      // SQLite must read the statement as one: anything after it is whitespace or comments.
      sqlite3_stmt* more = nullptr;
      rc = sqlite_api::sqlite3_prepare_v2(db, tail, static_cast<int>(end - tail), &more, nullptr);
      StmtPtr rest(more);
      if (rc != SQLITE_OK || rest)
        return Status::Failed(line +
                              "SQLite reads more than one statement where orchestrate's splitter "
                              "sees one (a bug in orchestrate: please report it with the script)"
                              "\n  statement: " +
                              Excerpt(script, statement.offset));
    }
    if (st.ok() && stmt && in_transaction && IsTransactionControl(statement.text))
      return Status::Invalid(line + "transaction control (" +
                             Excerpt(script, statement.offset, 40) +
                             ") is not allowed in a script that orchestrate runs in a "
                             "transaction: remove it, or mark the step transactional: false");
    if (st.ok() && stmt) st = Step(db, raw, nullptr);
    if (!st.ok())
      return Status::FromCode(
          st.code(), line + st.message() + "\n  statement: " + Excerpt(script, statement.offset));
  }
  return Status::Ok();
}

class SqliteDatabase;

class SqliteTransaction : public Transaction {
 public:
  explicit SqliteTransaction(sqlite3* db) : db_(db) {}
  ~SqliteTransaction() override {
    if (open_) (void)RunOne(db_, "ROLLBACK", {}, nullptr);  // best effort; never throws
    RestoreWaits();
    if (refusing_) (void)RefuseSchemaChanges(false, "");
  }
  // An authorizer on the connection denies what changes the schema or settings at prepare time.
  Status RefuseSchemaChanges(bool on, const std::string& why) override {
    refuse_why_ = why;
    refused_.clear();
    refusing_ = on;
    sqlite_api::sqlite3_set_authorizer(db_, on ? &SqliteTransaction::Authorize : nullptr,
                                       on ? this : nullptr);
    return Status::Ok();
  }
  Status LimitWaits(double lock_timeout_seconds, double statement_timeout_seconds) override {
    if (lock_timeout_seconds > 0)
      sqlite_api::sqlite3_busy_timeout(db_, static_cast<int>(lock_timeout_seconds * 1000));
    if (statement_timeout_seconds > 0) {
      // SQLite has no statement timeout: a progress handler interrupts a call that runs longer.
      statement_timeout_ =
          std::chrono::milliseconds(static_cast<long>(statement_timeout_seconds * 1000));
      sqlite_api::sqlite3_progress_handler(db_, 10000, &SqliteTransaction::OnProgress, this);
    }
    limited_ = true;
    return Status::Ok();
  }
  // BEGIN IMMEDIATE takes the write lock at once (a writer never fails half way to upgrade);
  // BEGIN DEFERRED only reads, alongside a writer in WAL mode.
  Status Start(bool write) {
    Status st = RunOne(db_, write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", {}, nullptr);
    open_ = st.ok();
    return st;
  }
  // Like PostgreSQL, a failed statement aborts the transaction: later calls fail, and Commit
  // rolls back (SQLite itself would carry on and commit what ran before the failure). A finished
  // transaction runs nothing (SQLite would run it outside any transaction).
  Status Exec(const std::string& sql, const std::vector<Value>& params) override {
    ORCH_RETURN_IF_ERROR(CheckUsable());
    StartClock();
    return Track(RunOne(db_, sql, params, nullptr));
  }
  Result<long> ExecCount(const std::string& sql, const std::vector<Value>& params) override {
    ORCH_RETURN_IF_ERROR(Exec(sql, params));
    return static_cast<long>(sqlite_api::sqlite3_changes(db_));
  }
  Status ExecScript(const std::string& script) override {
    ORCH_RETURN_IF_ERROR(CheckUsable());
    StartClock();
    Status st = Track(RunScript(db_, script, /*in_transaction=*/true));
    if (!st.ok() && !refused_.empty())
      return Status::Invalid(refuse_why_ + " (refused: " + refused_ + "): " + st.message());
    return st;
  }
  Result<QueryResult> Query(const std::string& sql, const std::vector<Value>& params) override {
    ORCH_RETURN_IF_ERROR(CheckUsable());
    StartClock();
    QueryResult out;
    Status st = Track(RunOne(db_, sql, params, &out));
    if (!st.ok()) return st;
    return out;
  }
  // Commit() proves first that `holder` still holds the run lock (Database::TryLock, fencing).
  void FenceWith(const LockHolder& holder) { fence_ = holder; }

  Status Commit() override {
    if (!open_) return Status::Failed("the transaction is no longer open");
    if (!failed_ && fence_) {
      QueryResult held;
      Status st =
          Track(RunOne(db_,
                       "SELECT 1 FROM orchestrate_lock WHERE id = 1 AND host = $1 AND pid = "
                       "$2 AND since = $3",
                       {fence_->host, std::to_string(fence_->pid), fence_->since}, &held));
      if (st.ok() && held.rows.empty()) {
        (void)RunOne(db_, "ROLLBACK", {}, nullptr);
        open_ = false;
        RestoreWaits();
        return Status::NeedsHuman(kRunLockLost);
      }
    }
    if (failed_) {
      if (!sqlite_api::sqlite3_get_autocommit(db_)) (void)RunOne(db_, "ROLLBACK", {}, nullptr);
      open_ = false;
      RestoreWaits();
      return Status::Failed("not committed: the transaction was aborted by an earlier error");
    }
    Status st = RunOne(db_, "COMMIT", {}, nullptr);
    if (!st.ok()) {
      // SQLite rolls back or keeps the transaction open on a failed COMMIT; make it definite.
      if (!sqlite_api::sqlite3_get_autocommit(db_)) (void)RunOne(db_, "ROLLBACK", {}, nullptr);
      open_ = false;
      return Status::Failed("commit failed: " + st.message());
    }
    open_ = false;
    RestoreWaits();
    return st;
  }

 private:
  Status CheckUsable() const {
    if (!open_) return Status::Failed("the transaction is already finished");
    if (failed_) return Status::Failed("the transaction was aborted by an earlier error");
    return Status::Ok();
  }
  Status Track(Status status) {
    if (!status.ok()) failed_ = true;
    return status;
  }
  // The authorizer of RefuseSchemaChanges: denies DDL, PRAGMA, ATTACH and DETACH, and says what
  // it denied in refused_.
  static int Authorize(void* self, int action, const char* a1, const char* a2, const char* /*db*/,
                       const char* /*trigger*/) {
    const char* what = nullptr;
    switch (action) {
      case SQLITE_CREATE_INDEX:
      case SQLITE_CREATE_TEMP_INDEX:
        what = "CREATE INDEX";
        break;
      case SQLITE_CREATE_TABLE:
      case SQLITE_CREATE_TEMP_TABLE:
      case SQLITE_CREATE_VTABLE:
        what = "CREATE TABLE";
        break;
      case SQLITE_CREATE_TRIGGER:
      case SQLITE_CREATE_TEMP_TRIGGER:
        what = "CREATE TRIGGER";
        break;
      case SQLITE_CREATE_VIEW:
      case SQLITE_CREATE_TEMP_VIEW:
        what = "CREATE VIEW";
        break;
      case SQLITE_DROP_INDEX:
      case SQLITE_DROP_TEMP_INDEX:
        what = "DROP INDEX";
        break;
      case SQLITE_DROP_TABLE:
      case SQLITE_DROP_TEMP_TABLE:
      case SQLITE_DROP_VTABLE:
        what = "DROP TABLE";
        break;
      case SQLITE_DROP_TRIGGER:
      case SQLITE_DROP_TEMP_TRIGGER:
        what = "DROP TRIGGER";
        break;
      case SQLITE_DROP_VIEW:
      case SQLITE_DROP_TEMP_VIEW:
        what = "DROP VIEW";
        break;
      case SQLITE_ALTER_TABLE:
        what = "ALTER TABLE";
        a1 = a2;  // (database, table)
        break;
      case SQLITE_REINDEX:
        what = "REINDEX";
        break;
      case SQLITE_PRAGMA:
        what = "PRAGMA";
        break;
      case SQLITE_ATTACH:
        what = "ATTACH";
        break;
      case SQLITE_DETACH:
        what = "DETACH";
        break;
      default:
        return SQLITE_OK;
    }
    auto* t = static_cast<SqliteTransaction*>(self);
    if (t->refused_.empty()) t->refused_ = std::string(what) + (a1 ? std::string(" ") + a1 : "");
    return SQLITE_DENY;
  }
  static int OnProgress(void* self) {
    auto* t = static_cast<SqliteTransaction*>(self);
    return std::chrono::steady_clock::now() > t->deadline_ ? 1 : 0;
  }
  void StartClock() { deadline_ = std::chrono::steady_clock::now() + statement_timeout_; }
  void RestoreWaits() {
    if (!limited_) return;
    sqlite_api::sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    sqlite_api::sqlite3_progress_handler(db_, 0, nullptr, nullptr);
    limited_ = false;
  }

  sqlite3* db_;
  std::optional<LockHolder> fence_;
  bool open_ = false;
  bool failed_ = false;
  bool limited_ = false;
  bool refusing_ = false;
  std::string refuse_why_, refused_;  // RefuseSchemaChanges: why, and the first refusal
  std::chrono::milliseconds statement_timeout_{0};
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
};

class SqliteDatabase : public Database {
 public:
  SqliteDatabase(std::unique_ptr<soci::session> session, std::string path)
      : session_(std::move(session)), path_(std::move(path)) {
    auto* backend = static_cast<soci::sqlite3_session_backend*>(session_->get_backend());
    db_ = backend->conn_;
  }
  ~SqliteDatabase() override {
    if (locked_) (void)Unlock();
  }

  // Foreign keys on (as applications run them) and a busy timeout so concurrent writers wait.
  Status Configure() {
    sqlite_api::sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    Status st = RunOne(db_, "PRAGMA foreign_keys = ON", {}, nullptr);
    if (!st.ok())
      return Status::Failed("cannot open SQLite database " + path_ + ": " + st.message());
    // WAL: readers (status, history) neither wait for nor block a running step. Best effort: a
    // read-only file keeps its journal mode.
    (void)RunOne(db_, "PRAGMA journal_mode = WAL", {}, nullptr);
    // Reading the schema catches a file that is not a database at all.
    st = RunOne(db_, "SELECT count(*) FROM sqlite_master", {}, nullptr);
    if (!st.ok())
      return Status::Failed("cannot open SQLite database " + path_ + ": " + st.message());
    return Status::Ok();
  }

  std::string DisplayUrl() const override { return "sqlite:" + path_; }
  Result<std::string> Identity() override {
    char resolved[PATH_MAX];
    struct stat st {};
    if (realpath(path_.c_str(), resolved) == nullptr || stat(resolved, &st) != 0)
      return Status::Failed("cannot identify " + path_ + ": " + std::strerror(errno));
    return "sqlite file " + std::string(resolved) + " (inode " +
           std::to_string(static_cast<unsigned long long>(st.st_ino)) + ")";
  }

  Result<std::unique_ptr<Transaction>> Begin() override { return Start(true); }
  void CancelRunning() override { sqlite_api::sqlite3_interrupt(db_); }
  Result<std::unique_ptr<Transaction>> BeginRead() override { return Start(false); }

  Result<std::optional<LockHolder>> LockHolderNow() override {
    auto txn = BeginRead();
    if (!txn.ok()) return txn.status();
    auto rows =
        (*txn)->Query("SELECT owner, host, pid, command, since FROM orchestrate_lock WHERE id = 1");
    if (!rows.ok() || rows->rows.empty()) return std::optional<LockHolder>();  // no table: free
    LockHolder h = LockHolderFromRow(rows->rows.front());
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    if (h.host == host && h.pid > 0 && ::kill(static_cast<pid_t>(h.pid), 0) != 0 && errno == ESRCH)
      return std::optional<LockHolder>();  // left by a process that is gone: taken over on use
    return std::optional<LockHolder>(h);
  }

  Status ExecScriptNoTransaction(const std::string& script) override {
    return RunScript(db_, script, /*in_transaction=*/false);
  }

  Result<bool> TryLock(const LockHolder& me, LockHolder* holder) override {
    if (locked_) return true;
    // A held lock is seen by a read first: a reader does not wait for the write lock that the
    // holder's running step keeps (WAL), so --lock-timeout is kept while a slow step runs.
    auto current = LockHolderNow();
    if (current.ok() && *current && !((*current)->host == me.host && (*current)->pid == me.pid)) {
      *holder = **current;
      return false;
    }
    sqlite_api::sqlite3_busy_timeout(db_, kClaimBusyTimeoutMs);
    auto txn = Begin();
    const bool busy = !txn.ok() && sqlite_api::sqlite3_errcode(db_) == SQLITE_BUSY;
    sqlite_api::sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    if (!txn.ok()) {
      if (busy) {
        holder->owner = "another process";
        holder->command = "a write transaction (the database is busy)";
        return false;
      }
      return txn.status();
    }
    Transaction& t = **txn;
    ORCH_RETURN_IF_ERROR(t.Exec(LockTableStatement()));
    auto rows =
        t.Query("SELECT owner, host, pid, command, since FROM orchestrate_lock WHERE id = 1");
    if (!rows.ok()) return rows.status();
    if (!rows->rows.empty()) {
      const Row& r = rows->rows.front();
      LockHolder h = LockHolderFromRow(r);
      bool stale = h.host == me.host && h.pid > 0 && ::kill(static_cast<pid_t>(h.pid), 0) != 0 &&
                   errno == ESRCH;
      bool mine = h.host == me.host && h.pid == me.pid;
      if (!stale && !mine) {
        *holder = h;
        return false;
      }
    }
    ORCH_RETURN_IF_ERROR(
        t.Exec("INSERT OR REPLACE INTO orchestrate_lock (id, owner, host, pid, command, since) "
               "VALUES (1, $1, $2, $3, $4, $5)",
               {me.owner, me.host, std::to_string(me.pid), me.command, me.since}));
    ORCH_RETURN_IF_ERROR(t.Commit());
    locked_ = true;
    me_ = me;
    return true;
  }

  Status Unlock() override {
    if (!locked_) return Status::Ok();
    locked_ = false;  // the transaction that deletes the lock row is not fenced by it
    auto txn = Begin();
    if (!txn.ok()) return txn.status();
    ORCH_RETURN_IF_ERROR(
        (*txn)->Exec("DELETE FROM orchestrate_lock WHERE id = 1 AND host = $1 AND pid = $2",
                     {me_.host, std::to_string(me_.pid)}));
    return (*txn)->Commit();
  }

  Result<std::optional<LockHolder>> BreakLock() override {
    auto txn = Begin();
    if (!txn.ok()) return txn.status();
    ORCH_RETURN_IF_ERROR((*txn)->Exec(LockTableStatement()));
    auto rows = (*txn)->Query("SELECT owner, host, pid, command, since FROM orchestrate_lock");
    if (!rows.ok()) return rows.status();
    std::optional<LockHolder> was;
    if (!rows->rows.empty()) {
      const Row& r = rows->rows.front();
      was = LockHolderFromRow(r);
    }
    ORCH_RETURN_IF_ERROR((*txn)->Exec("DELETE FROM orchestrate_lock"));
    ORCH_RETURN_IF_ERROR((*txn)->Commit());
    return was;
  }

  Result<std::vector<std::string>> UserTables() override {
    QueryResult out;
    ORCH_RETURN_IF_ERROR(RunOne(db_,
                                "SELECT name FROM sqlite_master WHERE type = 'table' "
                                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                                "AND name NOT LIKE 'orchestrate\\_%' ESCAPE '\\' ORDER BY name",
                                {}, &out));
    std::vector<std::string> names;
    for (const auto& r : out.rows) names.push_back(r[0].value_or(""));
    return names;
  }

  Result<std::vector<std::string>> DescribeSchema() override {
    auto tables = UserTables();
    if (!tables.ok()) return tables.status();
    std::vector<std::string> lines;
    for (const auto& t : *tables) {
      QueryResult cols, idx, fks, create;
      ORCH_RETURN_IF_ERROR(RunOne(
          db_, "SELECT cid, name, type, \"notnull\", dflt_value, pk FROM pragma_table_info($1)",
          {t}, &cols));
      for (const auto& c : cols.rows)
        lines.push_back("column " + t + "." + c[1].value_or("") + " #" + c[0].value_or("") + " " +
                        c[2].value_or("") + (c[3].value_or("0") == "1" ? " not null" : " null") +
                        (c[4] ? " default " + *c[4] : "") +
                        (c[5].value_or("0") != "0" ? " pk" + *c[5] : ""));
      ORCH_RETURN_IF_ERROR(RunOne(
          db_, "SELECT name, \"unique\", origin, partial FROM pragma_index_list($1) ORDER BY name",
          {t}, &idx));
      for (const auto& i : idx.rows) {
        QueryResult ic;
        ORCH_RETURN_IF_ERROR(
            RunOne(db_, "SELECT name FROM pragma_index_info($1) ORDER BY seqno", {i[0]}, &ic));
        std::string cols_list;
        for (const auto& c : ic.rows)
          cols_list += (cols_list.empty() ? "" : ",") + c[0].value_or("?");
        std::string origin = i[2].value_or("c");
        // Automatic indexes of UNIQUE/PRIMARY KEY constraints are named by creation order; describe
        // them by what they index instead.
        std::string name = origin == "c" ? i[0].value_or("") : "(" + origin + ")";
        lines.push_back("index " + t + "." + name + (i[1].value_or("0") == "1" ? " unique" : "") +
                        " (" + cols_list + ")" + (i[3].value_or("0") == "1" ? " partial" : ""));
      }
      ORCH_RETURN_IF_ERROR(RunOne(db_,
                                  "SELECT \"table\", \"from\", \"to\", on_update, on_delete "
                                  "FROM pragma_foreign_key_list($1) ORDER BY id, seq",
                                  {t}, &fks));
      for (const auto& f : fks.rows)
        lines.push_back("foreign key " + t + "." + f[1].value_or("") + " -> " + f[0].value_or("") +
                        "." + f[2].value_or("(pk)") + " on update " + f[3].value_or("") +
                        " on delete " + f[4].value_or(""));
      ORCH_RETURN_IF_ERROR(RunOne(
          db_, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1", {t}, &create));
      for (const auto& check :
           CheckConstraintsOf(create.rows.empty() ? "" : create.rows[0][0].value_or("")))
        lines.push_back("check " + t + " " + check);
    }
    QueryResult other;
    ORCH_RETURN_IF_ERROR(RunOne(db_,
                                "SELECT type, name, sql FROM sqlite_master WHERE type IN "
                                "('view', 'trigger') AND name NOT LIKE 'orchestrate\\_%' "
                                "ESCAPE '\\' ORDER BY type, name",
                                {}, &other));
    for (const auto& o : other.rows)
      lines.push_back(o[0].value_or("") + " " + o[1].value_or("") + " " +
                      NormalizeWhitespace(o[2].value_or("")));
    return lines;
  }

  Result<std::unique_ptr<Transaction>> Start(bool write) {
    auto txn = std::make_unique<SqliteTransaction>(db_);
    Status st = txn->Start(write);
    if (!st.ok()) return st.WithContext("cannot begin a transaction on " + path_);
    if (write && locked_) txn->FenceWith(me_);
    return std::unique_ptr<Transaction>(std::move(txn));
  }

  // SQLite has no statement that raises a message of its own outside a trigger: a JSON path
  // error carries it ("JSON path error near ' <message> (N row(s))'").
  std::string GuardStatement(const std::string& query, const std::string& message) const override {
    return "SELECT json_extract('{}', " + SqlStringLiteral(" " + message + " (") +
           " || count(*) || ' row(s))') FROM (" + query + ") HAVING count(*) > 0";
  }
  std::string TableExistsQuery() const override {
    return "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1";
  }
  std::vector<std::string> StateNamespaceStatements() const override { return {}; }
  // BEGIN IMMEDIATE (Begin) holds the database's one write lock until the transaction ends.
  std::vector<std::string> StateSchemaLockStatements() const override { return {}; }
  ScriptClient ScriptClientOf() const override {
    ScriptClient c;
    c.preamble = ".bail on\n.timeout 5000\nPRAGMA foreign_keys = ON;";
    c.how_to_run = "`sqlite3 DATABASE < FILE` (it stops at the first error)";
    c.now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
    c.who = "'sqlite3'";
    c.where = "'localhost'";
    c.echo_prefix = ".print '";
    c.echo_suffix = ", before going on (sqlite3 does not wait)'";
    return c;
  }
  orchestrate::Dialect Kind() const override { return orchestrate::Dialect::kSqlite; }
  std::string SchemaFactsQuery() const override { return ""; }
  bool LocksRows() const override { return false; }
  // One query per table (no round trips on SQLite).
  Result<std::vector<std::array<std::string, 3>>> ForeignKeysInto(
      Transaction& txn, const std::vector<std::string>& tables) const override {
    std::vector<std::array<std::string, 3>> out;
    for (const auto& table : tables) {
      auto rows = txn.Query(
          "SELECT m.name, 'foreign key ' || f.id FROM sqlite_master m, "
          "pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND lower(f.\"table\") = "
          "lower($1) AND lower(m.name) <> lower($1) ORDER BY 1, 2",
          {table});
      if (!rows.ok()) return rows.status();
      for (const auto& r : rows->rows) out.push_back({table, r[0].value_or(""), r[1].value_or("")});
    }
    return out;
  }
  // SQLite keeps no dependencies: a view reads a table when the analysis of its SELECT names it.
  Result<std::vector<std::array<std::string, 2>>> ViewsReading(
      Transaction& txn, const std::vector<std::string>& tables) const override {
    std::vector<std::array<std::string, 2>> out;
    if (tables.empty()) return out;
    auto views = txn.Query("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY 1");
    if (!views.ok()) return views.status();
    auto lower = [](std::string s) {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    auto blank = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    // Each view's SELECT (its SQL after the first AS between blanks) analysed once: the tables it
    // names, in lower case.
    std::vector<std::pair<std::string, std::set<std::string>>> reads;
    for (const auto& v : views->rows) {
      const std::string sql = v[1].value_or("");
      const std::string folded = lower(sql);
      size_t as = folded.find("as");
      while (as != std::string::npos &&
             !(as > 0 && blank(sql[as - 1]) && as + 2 < sql.size() && blank(sql[as + 2])))
        as = folded.find("as", as + 1);
      if (as == std::string::npos) continue;
      std::set<std::string> names;
      for (const auto& st : AnalyzeScript(Dialect::kSqlite, sql.substr(as + 3)).statements)
        for (const auto& t : st.tables) names.insert(lower(t));
      reads.emplace_back(v[0].value_or(""), std::move(names));
    }
    for (const auto& table : tables)
      for (const auto& [view, names] : reads)
        if (names.count(lower(table))) out.push_back({table, view});
    return out;
  }
  Result<std::vector<std::array<std::string, 2>>> Extensions(Transaction&) const override {
    return std::vector<std::array<std::string, 2>>();  // SQLite has no extensions
  }
  Result<std::optional<RoleCheck>> CheckRole(Transaction&, const std::string&) const override {
    return std::optional<RoleCheck>();  // SQLite has no roles
  }
  // The lock row, as TryLock writes it: inserting it fails ("UNIQUE constraint failed") while
  // another run holds it.
  ScriptLock ScriptRunLock() const override {
    return {{LockTableStatement(),
             "INSERT INTO orchestrate_lock (id, owner, host, pid, command, since) VALUES (1, "
             "'sqlite3', 'localhost', 0, 'the review script, run by hand', "
             "strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))"},
            {"DELETE FROM orchestrate_lock WHERE id = 1 AND command = 'the review script, run by "
             "hand'"}};
  }
  const LedgerDialect& Ledger() const override { return *ledger_; }
  const CatalogDialect& Catalog() const override { return *catalog_; }
  std::string QuoteIdent(const std::string& name) const override {
    std::string out = "\"";
    for (char c : name) {
      if (c == '"') out += '"';
      out += c;
    }
    return out + "\"";
  }

 private:
  std::unique_ptr<soci::session> session_;
  std::string path_;
  std::unique_ptr<LedgerDialect> ledger_ = NewSqliteLedgerDialect(*this);
  std::unique_ptr<CatalogDialect> catalog_ = NewSqliteCatalogDialect(*this);
  sqlite3* db_ = nullptr;
  bool locked_ = false;
  LockHolder me_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path) {
  if (path.empty())
    return Status::Invalid("sqlite: URL without a file path (use sqlite:path/to/file.db)");
  // Create the folder, as `sqlite3` would create the file: a fresh environment needs no set-up.
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string dir = path.substr(0, slash);
    if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
      return Status::Failed("cannot create folder " + dir + " for " + path + ": " +
                            std::strerror(errno));
  }
  try {
    std::string conn = "db=\"" + path + "\" timeout=" + std::to_string(kBusyTimeoutMs / 1000);
    auto session = std::make_unique<soci::session>(soci::sqlite3, conn);
    auto db = std::make_unique<SqliteDatabase>(std::move(session), path);
    ORCH_RETURN_IF_ERROR(db->Configure());
    return std::unique_ptr<Database>(std::move(db));
  } catch (const std::exception& e) {
    return Status::Failed("cannot open SQLite database " + path + ": " + e.what());
  }
}

}  // namespace orchestrate
