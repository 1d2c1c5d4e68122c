// Statement analysis of migration scripts, before anything runs: for every statement, the lock it
// takes, the tables it touches, whether it destroys data and whether it can run inside a
// transaction. `orchestrate sql` prints it, `orchestrate check` turns it into reasons, and the
// executor reports parse errors with line:column before a step starts.
//
// Pure functions: no database, no I/O, no logging. Conservative by design: a statement that is not
// understood is reported as destructive (analysable == false, destroys_data == true), so a verdict
// built on this errs towards "snapshot it" or "ask a human", never towards silent data loss.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "migrations/statement_split.h"  // Dialect

namespace orchestrate {

// PostgreSQL's table-level lock modes, weakest first (the order is meaningful: a later mode is
// "stronger" in the sense that the analyzer reports the strongest mode a statement takes), plus
// kDatabase for SQLite, where every write holds the one database-wide write lock.
enum class LockLevel {
  kNone,
  kAccessShare,
  kRowShare,
  kRowExclusive,
  kShareUpdateExclusive,
  kShare,
  kShareRowExclusive,
  kExclusive,
  kAccessExclusive,
  kDatabase,  // SQLite: the whole database's write lock, held until the transaction ends
};

// "NONE", "ACCESS SHARE", ..., "ACCESS EXCLUSIVE" (as PostgreSQL spells them), "DATABASE".
const char* LockLevelName(LockLevel level);

// One relation a statement locks, and how. PostgreSQL only (SQLite's one lock is the database's).
struct RelationLock {
  // The relation, named as in StatementAnalysis::tables. Empty when the analyzer cannot know it
  // without the catalog: then `unknown` says which it is ("the table of index idx_orders_x").
  std::string relation;
  std::string unknown;
  LockLevel mode = LockLevel::kNone;
  // True for the locks PostgreSQL's foreign-key triggers take only when the statement writes a row
  // that needs the check: ROW SHARE on the referenced table for an INSERT (or an UPDATE of the
  // key's columns), ROW SHARE (NO ACTION, RESTRICT) or ROW EXCLUSIVE (CASCADE, SET NULL, SET
  // DEFAULT) on the referencing table for a DELETE.
  bool when_rows_written = false;
};

// A foreign key, as the analyzer needs it to know what else a statement locks.
struct ForeignKey {
  std::string table;  // the referencing table
  std::string name;   // the constraint's name ("" when the plan's SQL did not name it)
  std::vector<std::string> columns;  // its columns in `table`
  std::string referenced;            // the referenced table
  // pg_constraint.confdeltype: 'a' NO ACTION, 'r' RESTRICT, 'c' CASCADE, 'n' SET NULL, 'd' SET
  // DEFAULT.
  char on_delete = 'a';
};

// What the analyzer knows of the schema beyond the statement itself: indexes and foreign keys,
// read from the catalog of the database the script runs on (migrations/catalog.h) and/or learnt
// from the statements analysed before (CREATE TABLE ... REFERENCES, CREATE INDEX, DROP ...), which
// AnalyzeScript applies to it as it goes. Names as in StatementAnalysis::tables.
struct SchemaFacts {
  // True when read from the catalog: then a table or index that is not listed has no foreign keys
  // or does not exist. False: only the relations in `tables_seen` are known.
  bool from_catalog = false;
  std::set<std::string> tables_seen;               // tables whose definition was analysed
  std::map<std::string, std::string> index_table;  // index -> its table
  std::vector<ForeignKey> foreign_keys;
};

// MySQL/MariaDB online DDL: how the server carries out an ALTER TABLE (or CREATE/DROP INDEX,
// OPTIMIZE TABLE). The order is meaningful: a later value is slower (algorithm) or lets less run
// beside it (lock).
enum class DdlAlgorithm {
  kNotDdl,   // not an online-DDL statement (or not MySQL)
  kInstant,  // metadata only
  kInplace,  // in the table's own files; may rebuild it, reads and writes go on (LOCK=NONE)
  kCopy,     // into a new copy of the table, row by row
};
enum class DdlLock {
  kNone,       // concurrent reads and writes go on
  kShared,     // reads go on, writes wait until the statement ends
  kExclusive,  // reads and writes wait
};
const char* Name(DdlAlgorithm algorithm);  // "INSTANT", "INPLACE", "COPY"; "" for kNotDdl
const char* Name(DdlLock lock);            // "NONE", "SHARED", "EXCLUSIVE"

struct OnlineDdl {
  DdlAlgorithm algorithm = DdlAlgorithm::kNotDdl;
  DdlLock lock = DdlLock::kNone;
  bool stated = false;  // the statement says ALGORITHM= or LOCK= (the server refuses, or obeys)
  std::string why;      // the clause that decided it: "ADD FOREIGN KEY copies the table (...)"
};
// "ALGORITHM=COPY, LOCK=SHARED"; "" for kNotDdl.
std::string OnlineDdlText(const OnlineDdl& ddl);

struct StatementAnalysis {
  std::string text;  // the statement, from its first significant character, without the ';'
  int line = 0;      // 1-based line in the script where the statement starts (comments skipped)
  // The SQL command: "DROP TABLE", "ALTER TABLE", "CREATE INDEX", "DELETE", "UPDATE", "INSERT",
  // "SELECT", "VACUUM", "BEGIN", ... Statements that are not understood get their first keywords.
  std::string kind;
  // The strongest lock the statement takes on any of `tables` (see the .cc files for the rules;
  // they follow PostgreSQL's "Explicit Locking" chapter and AlterTableGetLockLevel). kNone when it
  // takes no lock on an existing table (CREATE TABLE without foreign keys, SET, BEGIN, ...).
  LockLevel lock = LockLevel::kNone;
  // The relations the statement creates, changes, locks or reads, in order of appearance with the
  // target first, each once; "schema.name" when the script qualifies the name, as written
  // otherwise (PostgreSQL: as the parser folds it, i.e. unquoted names in lower case).
  std::vector<std::string> tables;
  // PostgreSQL: the lock the statement takes on each existing relation it locks, one entry per
  // relation with the strongest mode it takes there (`lock` is the strongest of them), as
  // PostgreSQL 15 really takes them (tests/e2e/locks_test.cc compares them with pg_locks): a DROP
  // INDEX locks the index's table too, a foreign key added or dropped locks the referenced table,
  // DROP TABLE locks the tables its foreign keys reference. Relations the statement creates are
  // not listed (nothing else can see them before it commits), nor the indexes of a table (they
  // are locked with it), nor the system catalogs. The locks that depend on the schema (the table
  // of an index, foreign keys) are known only when AnalyzeScript is given SchemaFacts; otherwise
  // DDL says what it cannot know (RelationLock::unknown) and DML lists no foreign-key locks.
  // Empty when the statement locks no relation, and for SQLite.
  std::vector<RelationLock> locks;
  // PostgreSQL: the extensions a DROP EXTENSION drops, by name (not schema-qualified: extensions
  // are database-wide). Empty for any other statement, and for SQLite (no extensions).
  std::vector<std::string> drops_extensions;
  // True for TRUNCATE and a DELETE without WHERE: every row of `tables.front()` goes.
  bool deletes_all_rows = false;
  // True when running the statement loses data that a snapshot must capture to undo it: DROP
  // TABLE, DROP COLUMN, DROP SCHEMA ... CASCADE, TRUNCATE, any DELETE or UPDATE (with or without
  // WHERE), upserts, ALTER COLUMN TYPE (unless to text or unbounded varchar without USING), and
  // every statement that is not analysable. DROP VIEW, DROP INDEX and the like are not data.
  bool destroys_data = false;
  // What is destroyed, for humans, e.g. "drops table orders", "drops column
  // customers.loyalty_points", "deletes rows of orders matching WHERE", "deletes rows of orders
  // (all rows, no WHERE)". Empty when destroys_data is false.
  std::string destroys;
  // MySQL/MariaDB: the ALGORITHM and LOCK the server takes for an ALTER TABLE, CREATE/DROP INDEX
  // or OPTIMIZE TABLE that states neither (the worse one when it depends on what the statement
  // does not show), or what it states (migrations/analysis/mysql_ddl.cc has the table). kNotDdl
  // for other statements and the other dialects.
  OnlineDdl online_ddl;
  // True when the statement cannot run inside a transaction block: CREATE/DROP INDEX
  // CONCURRENTLY, REINDEX CONCURRENTLY, VACUUM, CREATE/DROP DATABASE, ALTER SYSTEM, ...; for SQLite
  // VACUUM, ATTACH, DETACH and the PRAGMAs that are no-ops inside a transaction (foreign_keys).
  // ALTER TYPE ... ADD VALUE is false: PostgreSQL 12 and later accept it in a transaction.
  bool needs_no_transaction = false;
  // False when the analyzer does not understand the statement (a DO block, CALL, an unknown
  // command): then destroys_data is true and `destroys` says why.
  bool analysable = true;
};

struct ScriptAnalysis {
  std::vector<StatementAnalysis> statements;  // in script order; empty when !ok
  bool ok = true;                             // false: the script does not parse
  std::string error;                          // the parser's message, without a position
  int error_line = 0;    // 1-based line in the script of the error (0 when unknown)
  int error_column = 0;  // 1-based column, in characters (UTF-8 code points), of that line
};

// Splits `script` into statements with SplitScript (migrations/statement_split.h), the splitter
// the adapters execute with, so the statements and lines analysed are those that run; a script
// it cannot split gives ok == false with its error. Then analyses each statement.
//
// kPostgres: parsed with libpg_query (the PostgreSQL 15 grammar); a syntax error gives ok ==
// false with the server's message and its line:column in `script`.
// kSqlite: a conservative scanner; any statement it does not recognise is analysable == false and
// destroys_data == true; an unterminated string, quoted identifier, comment or trigger body gives
// ok == false.
// kMysql: split by MySQL's rules, then the SQLite scanner for what the dialects share, then
// MySQL's own forms (ALTER TABLE clause by clause with its online DDL, CREATE/DROP INDEX ... ON,
// TRUNCATE, RENAME TABLE; locks in MySQL's terms: mysql_ddl.cc): what it does not recognise is
// analysable == false and destroys_data == true.
//
// Never throws. Thread-safe (libpg_query keeps its parser state per thread).
ScriptAnalysis AnalyzeScript(Dialect dialect, const std::string& script);

// As above; with `facts` (PostgreSQL), the locks that depend on the schema are resolved against
// it (StatementAnalysis::locks), and every statement's schema changes are applied to it in order,
// so that the next script (the next step of a plan) is analysed against the schema this one
// leaves. `facts` may be null. Unchanged for SQLite.
ScriptAnalysis AnalyzeScript(Dialect dialect, const std::string& script, SchemaFacts* facts);

// Whether the statement changes the schema, privileges or settings rather than rows: CREATE,
// ALTER, DROP, TRUNCATE, COMMENT, GRANT, REVOKE, REINDEX, CLUSTER, VACUUM, REFRESH, SELECT INTO,
// ATTACH, DETACH, PRAGMA, ... judged by the statement's kind (for a statement the analyzer does not
// understand, its leading keywords): false for a DO block, CALL or EXECUTE.
bool ChangesSchema(const StatementAnalysis& statement);

// A seed writes rows of its declared tables and nothing else: the statements of a seed's script
// that change the schema instead (ChangesSchema), one message each, "LINE:COL: WHAT: KIND (...)
// ...: move it into a migration" (TRUNCATE: use DELETE), where `what` names the seed. Empty when
// there is none, or when the script does not parse (its parse error is reported where it is
// parsed). Statements that are not understood are left to the seed's run-time check.
std::vector<std::string> SchemaChangesInSeed(Dialect dialect, const std::string& script,
                                             const std::string& what);

}  // namespace orchestrate
