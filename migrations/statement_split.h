// Splitting a migration script into its statements: the one splitter that both the statement
// analysis (migrations/analysis/) and the adapters that execute scripts use, so that what a review
// shows, statement by statement and line by line, is what runs. Pure functions: no database, no
// I/O; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orchestrate {

// The SQL dialect of a database (Database::Kind()) and of the scripts written for it.
enum class Dialect { kPostgres, kSqlite, kMysql };
// "postgresql", "sqlite" or "mysql": the one name of a dialect in messages, JSON and plan output.
const char* DialectName(Dialect dialect);
// nullopt for a name this build does not know.
std::optional<Dialect> DialectFromName(std::string_view name);

// One statement of a script.
struct SqlStatement {
  // From its first token to its last, without the ';' that ends it and without the comments and
  // whitespace before and after it: text == script.substr(offset, text.size()).
  std::string text;
  std::size_t offset = 0;  // where `text` starts in the script
  int line = 0;            // 1-based line of `offset` in the script
};

struct ScriptSplit {
  std::vector<SqlStatement> statements;  // in script order, never empty ones; empty when !ok
  bool ok = true;                        // false: the script cannot be split (see SplitScript)
  std::string error;                     // what is wrong, without a position
  int error_line = 0;                    // 1-based line of the error in the script
  int error_column = 0;                  // 1-based column of that line, in UTF-8 code points
};

// Splits `script` into the statements that the database will see, in order. Statements with no
// tokens (";;", comments only) are not statements; a last statement without ';' is one.
//
// kPostgres: the script is cut into tokens by libpg_query's scanner (PostgreSQL 15's own lexer),
// so quoted strings, E'' escapes, "identifiers", $tag$ dollar quotes and nested /* */ comments are
// exactly what the server reads. A ';' token ends a statement except inside parentheses (CREATE
// RULE ... DO (a; b)) and inside the BEGIN ATOMIC ... END body of CREATE [OR REPLACE]
// FUNCTION/PROCEDURE, where CASE ... END pairs are counted (psql's rule; libpg_query's own
// pg_query_split_with_scanner ignores such bodies, and drops statements that start with an
// unknown word, so it is not used). Not ok: a NUL byte, invalid UTF-8 (the server would refuse
// both), or what the scanner refuses (an unterminated quote, dollar quote or comment), with the
// scanner's message and position.
//
// kSqlite: a scan of SQLite's quoting rules ('...' strings, "..." `...` [...] identifiers, -- and
// /* */ comments, which do not nest) finds the ';' tokens, and SQLite's own sqlite3_complete()
// decides which of them end a statement: all but those inside a CREATE TRIGGER ... BEGIN ... END
// body. Why not the tails of sqlite3_prepare_v2, which is what runs the statements: preparing needs
// the tables a statement names to exist (they are created by earlier migrations, or earlier in the
// same script), and on such an error the tail can stop in the middle of the statement (ALTER TABLE
// missing ADD ...). Why not sqlite3_complete() at every ';' byte: a ';' inside a string would
// rescan the statement from its start, quadratic in a seed of long texts. The SQLite adapter
// prepares each statement returned here and checks that SQLite reads it as exactly one. Cost:
// linear, except that each ';' of a trigger body rescans the trigger from its start. Not ok: a NUL
// byte, an unterminated string, quoted identifier or /* comment (where it starts; SQLite itself
// would take an unclosed comment to run to the end), or a trigger without END (where it starts).
//
// kMysql: a scan of MySQL/MariaDB's quoting rules (default sql_mode: '...' and "..." strings with
// backslash escapes, `...` identifiers, "-- ", "#" and /* */ comments); a ';' inside the BEGIN ...
// END body of CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT does not end the statement. Not ok: a NUL
// byte, an unterminated string, identifier or comment, a routine body without its END, or a
// DELIMITER line (a command of the mysql client, not SQL), each where it starts.
ScriptSplit SplitScript(Dialect dialect, const std::string& script);

// "line L:C: <error>", for a split that is not ok.
std::string SplitErrorMessage(const ScriptSplit& split);

// True when `statement` (the text of a split statement) starts or ends a transaction: BEGIN,
// START TRANSACTION, COMMIT, END, ABORT, ROLLBACK (but not ROLLBACK TO SAVEPOINT), PREPARE
// TRANSACTION. Such statements would break the atomicity of a step run in a transaction. Both
// dialects: judged by the leading words only.
bool IsTransactionControl(const std::string& statement);

// ---- positions in a script ----------------------------------------------------------------------

struct LineColumn {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in UTF-8 code points
};
// The line and column of byte `offset` of `text` (offset may equal text.size(): one past the end).
LineColumn LineColumnAt(const std::string& text, std::size_t offset);
// The byte offset of the `n`th (0-based) code point of `text`; text.size() when there are fewer.
std::size_t ByteOffsetOfCodePoint(const std::string& text, std::size_t n);
// The byte offset of the first byte of `text` that is not part of a valid UTF-8 sequence (an
// overlong form, a surrogate, a truncated sequence, ...); std::string::npos when all is valid.
std::size_t InvalidUtf8Offset(const std::string& text);

}  // namespace orchestrate
