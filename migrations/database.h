// The Database seam: the primitive operations orchestrate needs from a target database. Adapters
// (sqlite/, postgres/) know nothing of plans; all ordering and journal policy lives above them.
// No library exception crosses this seam: adapters return Status values.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "migrations/statement_split.h"  // Dialect
#include "plans/status.h"

namespace orchestrate {

class CatalogDialect;  // migrations/catalog_dialect.h
class LedgerDialect;   // migrations/ledger/dialect.h

using Value = std::optional<std::string>;  // nullopt is SQL NULL
using Row = std::vector<Value>;

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<Row> rows;
};

// An open transaction. Destroying it without a successful Commit() rolls it back; destructors
// never throw. Not thread-safe.
class Transaction {
 public:
  virtual ~Transaction() = default;
  // One statement with positional parameters $1, $2, ... (numbered in order of appearance).
  virtual Status Exec(const std::string& sql, const std::vector<Value>& params = {}) = 0;
  // Exec, returning the number of rows the statement inserted, updated or deleted.
  virtual Result<long> ExecCount(const std::string& sql, const std::vector<Value>& params = {}) = 0;
  // Exec, deferred to Commit(): the statement runs just before COMMIT, and an adapter may send
  // both in one round trip (PostgreSQL does). For orchestrate's own bookkeeping whose effect
  // nothing reads before the commit. Its failure, reported by this call or by Commit(), leaves
  // nothing of the transaction committed.
  // The SQL must not use dollar quoting. Default: Exec now.
  virtual Status ExecAtCommit(const std::string& sql, const std::vector<Value>& params = {}) {
    return Exec(sql, params);
  }
  // Runs `sql` once the transaction has ended (Commit(), or the destructor), on the same
  // connection; with `only_if_rolled_back`, only when it did not commit. Its failure is ignored.
  // For what the transaction set up that outlives it (MySQL, whose DDL commits by itself: the
  // ledger's triggers and the session variable that arms them; a snapshot's copy). Default:
  // kFailed (nothing needs it).
  virtual Status ExecWhenFinished(const std::string& sql, bool only_if_rolled_back = false) {
    (void)sql;
    (void)only_if_rolled_back;
    return Status::Failed("this database has nothing to run after a transaction");
  }
  // A script of any number of statements, run in order; no parameters. A failure names the line
  // of the failing statement within the script and an excerpt of it.
  virtual Status ExecScript(const std::string& script) = 0;
  virtual Result<QueryResult> Query(const std::string& sql,
                                    const std::vector<Value>& params = {}) = 0;
  // Bounds how long the statements of this transaction wait: for a lock (kLockTimeout when
  // exceeded; retryable) and in total per statement (kFailed when exceeded). 0 leaves the
  // database's default. Call right after Begin().
  virtual Status LimitWaits(double lock_timeout_seconds, double statement_timeout_seconds) = 0;
  // While `on` (until called with false, or the transaction ends): a statement that would change
  // the schema or the connection's settings (CREATE, ALTER, DROP, PRAGMA, ATTACH, ...) fails before
  // it runs, its error starting with `why` and naming what it would do. For a seed, which writes
  // rows only. kFailed when the adapter cannot refuse them up front (PostgreSQL: the ledger
  // compares the catalog at the end of the seed instead).
  virtual Status RefuseSchemaChanges(bool /*on*/, const std::string& /*why*/) {
    return Status::Failed("this database cannot refuse schema changes up front");
  }
  // kOk: committed. kFailed: not committed (rolled back). kNeedsHuman: the outcome is unknown (the
  // connection was lost during COMMIT): the caller must not retry blindly.
  virtual Status Commit() = 0;

  // A recording of the run (orchestrator/script_recorder.h) writes `comment` into the review
  // script at this point, as "-- comment"; a real transaction ignores it. Records() tells whether
  // it does, so that a caller computes a comment only for a recording.
  virtual bool Records() const { return false; }
  virtual void Note(const std::string& comment) { (void)comment; }
  // Fails (kFailed: `message`, then the first rows) when `query` returns any row. A recording
  // also writes it as a statement that raises (Database::GuardStatement), so that a script run by
  // hand stops where the run would. Default: runs the query.
  virtual Status Guard(const std::string& query, const std::string& message);
};

// What Commit() says (kNeedsHuman) when the run lock was lost under a transaction (fencing, see
// Database::TryLock).
inline constexpr const char kRunLockLost[] =
    "the run lock was lost (its database session ended, or `force --unlock` released it): this "
    "process stopped before committing, and nothing of the transaction was committed; another run "
    "may hold the lock now (status shows it)";

// What an engine may not have built yet (Database::Unsupported).
enum class DatabaseFeature { kRowLedger, kSnapshots, kReviewScript, kRehearsal };
// "the row ledger", "snapshots", "the review script", "rehearsals".
const char* FeatureName(DatabaseFeature feature);

// Whether a statement that commits by itself (Database::CommitsByItself), interrupted in flight,
// took effect, as the catalog shows it (Database::EffectInCatalog).
struct StatementEffect {
  enum class Verdict {
    kApplied,     // its effect is in place: it must not run again
    kNotApplied,  // it is not (or running it again changes nothing): it runs again
    kUndecided,   // the catalog cannot tell: a human decides
  };
  Verdict verdict = Verdict::kUndecided;
  std::string why;  // what the catalog showed, or why it cannot tell
};

// Who holds (or asks for) the run lock.
struct LockHolder {
  std::string owner;  // user name
  std::string host;
  long pid = 0;
  std::string command;      // e.g. "rollback --to 1.0.0"
  std::string since;        // ISO-8601 UTC
  std::string str() const;  // "alice@host (pid 123) since ..., running: rollback --to 1.0.0"
};

// A LockHolder from a row (owner, host, pid, command, since) of orchestrate_lock.
LockHolder LockHolderFromRow(const Row& row);
// The integer in `v`; 0 when NULL or not a number (never throws).
long ToLong(const Value& v);

class Database {
 public:
  virtual ~Database() = default;
  // The URL with any password replaced by "***": safe to print and log.
  virtual std::string DisplayUrl() const = 0;
  // What tells this database from any other, for an approval to bind (orchestrator/review.h):
  // PostgreSQL "postgresql system <system identifier>, database <name>, server <host>:<port>";
  // SQLite "sqlite file <absolute path> (inode <n>)". Default: DisplayUrl().
  virtual Result<std::string> Identity() { return DisplayUrl(); }

  virtual Result<std::unique_ptr<Transaction>> Begin() = 0;
  // A transaction that only reads: it neither waits for nor blocks a running step where the
  // database allows (SQLite: BEGIN DEFERRED in WAL mode). Defaults to Begin().
  virtual Result<std::unique_ptr<Transaction>> BeginRead() { return Begin(); }
  // Asks the server to stop the statement running on this connection now (PostgreSQL: a cancel
  // request; SQLite: sqlite3_interrupt): it fails, and its transaction rolls back. Callable from
  // another thread while this one waits for the statement; a no-op when nothing runs. Best effort.
  virtual void CancelRunning() {}
  // What the server reports of the statement running on this connection now, for a heartbeat
  // line: PostgreSQL the phase and share done of a CREATE INDEX, CLUSTER or VACUUM FULL
  // (pg_stat_progress_create_index, pg_stat_progress_cluster) or the lock it waits for, read on a
  // connection of its own; "" when nothing is known (and on other engines). Callable from another
  // thread while this one waits for the statement. Best effort: never fails, never blocks long.
  virtual std::string RunningProgress() { return ""; }
  // Runs a script outside any transaction, statement by statement (for `transactional: false`
  // migrations such as CREATE INDEX CONCURRENTLY).
  virtual Status ExecScriptNoTransaction(const std::string& script) = 0;

  // Tries once to take the run lock for `me`. Returns true when taken (or already held by this
  // object); false with *holder filled in when someone else holds it. A lock left by a process of
  // this host that no longer exists is taken over.
  // Fencing: while this object holds the lock, every transaction from Begin() proves at its commit,
  // inside the transaction, that the lock is still this object's (PostgreSQL: its lock session
  // still holds the advisory lock, and the lock row is share-locked so a new holder waits for the
  // commit; SQLite: the lock row is still this holder's). A transaction that cannot prove it
  // commits nothing and Commit() returns kNeedsHuman ("the run lock was lost"), so a run that lost
  // its lock stops before its next commit and two processes never act on one run.
  virtual Result<bool> TryLock(const LockHolder& me, LockHolder* holder) = 0;
  // Releases the lock if this object holds it.
  virtual Status Unlock() = 0;
  // Who holds the run lock now, if anyone (a lock of a process that is gone is not reported).
  virtual Result<std::optional<LockHolder>> LockHolderNow() = 0;
  // Removes the lock whoever holds it (`orchestrate force --unlock`). Returns the holder removed.
  virtual Result<std::optional<LockHolder>> BreakLock() = 0;

  // A canonical, line-per-object description of the user schema (everything but the
  // orchestrate_* state tables): tables with their columns (type, nullability, default, key),
  // CHECK and other constraints (SQLite: the CHECKs as its CREATE TABLE writes them), indexes,
  // foreign keys, views and triggers; sorted so that equal schemas describe equally.
  virtual Result<std::vector<std::string>> DescribeSchema() = 0;
  // The user tables (not orchestrate_*), sorted.
  virtual Result<std::vector<std::string>> UserTables() = 0;
  // Quotes an identifier for this dialect.
  virtual std::string QuoteIdent(const std::string& name) const = 0;
  // What the row ledger (migrations/ledger.h) asks of this dialect: its catalog lookups, capture
  // and reversal SQL (migrations/ledger/dialect.h). Owned by the adapter, valid as long as it is;
  // a Database that wraps another returns the wrapped one's.
  virtual const LedgerDialect& Ledger() const = 0;
  // What code above the adapters asks of this database's catalog (its tables' columns and keys,
  // the foreign keys that reference a table) and the SQL fragments the dialects spell differently
  // (migrations/catalog_dialect.h). Owned by the adapter, valid as long as it is; a Database that
  // wraps another returns the wrapped one's.
  virtual const CatalogDialect& Catalog() const = 0;
  // The statements Transaction::LimitWaits sends for these limits (PostgreSQL: SET LOCAL
  // lock_timeout and statement_timeout); empty where the limits are not SQL (SQLite's busy
  // timeout is a setting of the connection).
  virtual std::vector<std::string> WaitLimitStatements(double lock_timeout_seconds,
                                                       double statement_timeout_seconds) const {
    (void)lock_timeout_seconds;
    (void)statement_timeout_seconds;
    return {};
  }
  // One statement that fails, its error saying `message` and the first rows, when `query`
  // returns any row (PostgreSQL: a DO block that raises; SQLite: a JSON path error carrying the
  // message): Transaction::Guard as a script writes it.
  virtual std::string GuardStatement(const std::string& query,
                                     const std::string& message) const = 0;
  // What orchestrate's state schema (migrations/state_schema.h) needs of the dialect; the schema's
  // own DDL is written in SQL that every dialect accepts.
  // A query of one parameter, a table name ($1), that returns a row when that table exists where
  // unqualified names resolve (SQLite: the main database; PostgreSQL: the search_path).
  virtual std::string TableExistsQuery() const = 0;
  // The statements that create the namespaces the state keeps beside its tables, idempotently
  // (PostgreSQL: the schema orchestrate_snapshots, where snapshot copies go); empty where copies
  // are plain tables (SQLite: orchestrate_snap_*).
  virtual std::vector<std::string> StateNamespaceStatements() const = 0;
  // The statements that, run first in a transaction from Begin(), keep any other process from
  // changing the state schema until that transaction ends (PostgreSQL: a transaction-level
  // advisory lock of its own, not the run lock's); empty where Begin() already excludes every
  // other writer (SQLite: BEGIN IMMEDIATE).
  virtual std::vector<std::string> StateSchemaLockStatements() const = 0;
  // The statements with which a script run by hand takes the run lock (failing when another run
  // holds it) and releases it; the holder is the script's session.
  struct ScriptLock {
    std::vector<std::string> take, release;
  };
  virtual ScriptLock ScriptRunLock() const = 0;
  // How a review script run by hand with the dialect's own client is written
  // (orchestrator/review.h, orchestrator/script_recorder.h).
  struct ScriptClient {
    std::string preamble;    // the first lines: stop at the first error, the client's settings
    std::string how_to_run;  // e.g. "`psql -X -f FILE` (it stops at the first error)"
    // SQL expressions for what the script knows only when it runs.
    std::string now;         // the current UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ"
    std::string who, where;  // the session's user, and the client's host
    // Telling the person running it to act (an image swap), and waiting for them when the
    // client can: echo_prefix + what + echo_suffix, then `wait` (empty when it cannot wait).
    std::string echo_prefix, echo_suffix, wait;
    bool waits = false;
    // Whether a backslash in a '...' string is an escape character for this client (MySQL's
    // default sql_mode): script literals then double it.
    bool backslash_escapes = false;
    // Where the client splits statements at every `;` (the mariadb client), the lines that put
    // a statement holding `;` of its own (a compound BEGIN ... END) between: it is written as
    // compound_begin + statement + compound_end. Empty where the client reads such a statement
    // whole (psql, sqlite3).
    std::string compound_begin, compound_end;
  };
  virtual ScriptClient ScriptClientOf() const = 0;
  // orchestrate's own statement `sql` (the portable SQL of migrations/state_schema.h, $n
  // parameters) as this database runs it, with each parameter written by `literal` (NULL
  // included): what a review script holds for it. Default: `sql` with $n replaced.
  virtual Result<std::string> InlineStatement(
      const std::string& sql, const std::vector<Value>& params,
      const std::function<std::string(const Value&)>& literal) const;
  // `parts` (SQL expressions) concatenated as text: `a || b` (MySQL: CONCAT(a, b)).
  virtual std::string ConcatSql(const std::vector<std::string>& parts) const;
  // Where a review script cannot be recorded in a transaction that is rolled back (DDL commits
  // by itself: MySQL/MariaDB), a copy of this database to record it on: a scratch database on the
  // same server with the same schema, data and state, that lives as long as the returned object
  // and is dropped with it. Waits for a lock on this database's objects (to read them) at most
  // `lock_timeout_seconds` (then kLockTimeout). nullptr (the default): record on this database,
  // in a transaction.
  virtual Result<std::unique_ptr<Database>> RecordingCopy(double lock_timeout_seconds) {
    (void)lock_timeout_seconds;
    return std::unique_ptr<Database>();
  }

  // Which statement analysis applies (migrations/analysis/analysis.h).
  virtual orchestrate::Dialect Kind() const = 0;
  // kOk when this database supports `feature`; otherwise kFailed naming the feature and saying it
  // is not yet supported on this engine ("snapshots is not yet supported on MySQL/MariaDB"), for
  // the engine to refuse with before it changes anything. Default: every feature is.
  virtual Status Unsupported(DatabaseFeature feature) const {
    (void)feature;
    return Status::Ok();
  }
  // Whether a DDL statement commits by itself on this engine (MySQL/MariaDB: CREATE, ALTER, DROP,
  // ... end the open transaction and commit), so that a step of several statements cannot be one
  // transaction: the executor then runs such a step statement by statement, with a checkpoint
  // after each (orchestrator/statement_steps.h). Default: false (DDL is transactional).
  virtual bool DdlCommitsByItself() const { return false; }
  // Whether `statement` (one split statement of a script) commits by itself here
  // (migrations/statement_commits.h). Default: false.
  virtual bool CommitsByItself(const std::string& statement) const {
    (void)statement;
    return false;
  }
  // For a statement that commits by itself and was interrupted in flight (started, not recorded
  // done): whether its effect is in place, read from the catalog in a transaction of its own
  // (MySQL: information_schema; migrations/mysql/ddl_effect.h says which forms it decides).
  // REQUIRES: no transaction of this database is open. Default: kUndecided.
  virtual Result<StatementEffect> EffectInCatalog(const std::string& statement) {
    (void)statement;
    return StatementEffect{StatementEffect::Verdict::kUndecided,
                           "this engine does not read a statement's effect from its catalog"};
  }
  // A statement of the state schema (migrations/state_schema.h), written in SQL that SQLite and
  // PostgreSQL accept, as this database must run it (MySQL: reserved words quoted, TEXT key
  // columns as VARCHAR(255), InnoDB and utf8mb4). Default: as it is.
  virtual std::string StateDdl(const std::string& statement) const { return statement; }
  // The query ReadSchemaFacts (migrations/catalog.h) reads indexes and foreign keys with: one row
  // per index ('i', table, index, '', '', '') and per foreign key ('f', table, name, referenced
  // table, ON DELETE action, columns comma-separated); "" when there is nothing to resolve
  // (SQLite: one database-wide lock).
  virtual std::string SchemaFactsQuery() const = 0;
  // Whether a statement that writes rows locks those rows only (PostgreSQL), rather than the
  // whole database (SQLite), for the review script's lock lines.
  virtual bool LocksRows() const = 0;
  // The foreign keys of other tables that reference each of `tables` (as the SQL names them):
  // (referenced table, referencing table, constraint name), in the order of `tables`.
  virtual Result<std::vector<std::array<std::string, 3>>> ForeignKeysInto(
      Transaction& txn, const std::vector<std::string>& tables) const = 0;
  // The views that read each of `tables` (as the SQL names them): (table, view), in the order of
  // `tables`, each view once per table. PostgreSQL: from pg_depend (also materialized views);
  // SQLite, which keeps no dependencies, from the tables the view's own SQL names.
  virtual Result<std::vector<std::array<std::string, 2>>> ViewsReading(
      Transaction& txn, const std::vector<std::string>& tables) const = 0;
  // The extensions installed in the database: (name, version), by name; none for SQLite.
  virtual Result<std::vector<std::array<std::string, 2>>> Extensions(Transaction& txn) const = 0;
  // For policy.permissions: whether the session's database user is a member of `role`, and who
  // that user is; nullopt where the database has no roles (SQLite).
  struct RoleCheck {
    std::string user;
    bool member = false;
  };
  virtual Result<std::optional<RoleCheck>> CheckRole(Transaction& txn,
                                                     const std::string& role) const = 0;
};

// Opens the database of a URL: what fleets and rehearsals are given by the composition root (the
// command line) rather than building adapters themselves. Relative paths and the password are the
// caller's to bind (see OpenDatabase).
using DatabaseOpener = std::function<Result<std::unique_ptr<Database>>(const std::string& url)>;

// The dialect a URL opens, without opening it: kSqlite for "sqlite:...", kMysql for "mysql://"
// and "mariadb://", kPostgres for anything else (what OpenDatabase hands to libpq).
orchestrate::Dialect DialectOfUrl(const std::string& url);

// Opens a database from a URL: "sqlite:path/to/file.db" (relative paths resolved against
// `base_dir`), "mysql://user@host:port/db" (or "mariadb://"), "postgresql://..." or a libpq
// key=value string. `password` is the password used
// when the URL sets none (PostgreSQL: passed to libpq as a connection parameter, never through
// the process environment); "" for none. kInvalid for a URL this build cannot open, with what
// would be accepted.
Result<std::unique_ptr<Database>> OpenDatabase(const std::string& url, const std::string& base_dir,
                                               const std::string& password = "");

// The URL safe to print: the value of every password (any option libpq hides) replaced by "***",
// found by reading the URL the way libpq reads it, never by pattern. A URL that libpq cannot read
// is not shown at all (a fixed text says so). A "sqlite:" URL is shown as it is.
std::string RedactUrl(const std::string& url);

// The secrets written in the URL (passwords), as libpq reads them and as they are written, for
// the secrets registry (plans/secrets.h). Empty for "sqlite:" URLs and URLs libpq cannot read.
std::vector<std::string> SecretsInUrl(const std::string& url);

// A PostgreSQL URL (postgresql://user@host:port/NAME?params or a libpq key=value string) or a
// MySQL one (mysql://user@host:port/NAME) naming the database `dbname` instead.
std::string UrlWithDatabase(const std::string& url, const std::string& dbname);

}  // namespace orchestrate
