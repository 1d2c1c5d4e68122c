// Splitting a PostgreSQL script into statements, so that each runs on its own and a failure can
// name the line of the statement that failed. Pure functions: no I/O, no database.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace orchestrate {

// One statement of a script.
struct SqlStatement {
  std::string text;    // from its first token up to (not including) its ';', trailing space trimmed
  std::size_t offset;  // where `text` starts in the script: text == script.substr(offset, size)
  int line;            // 1-based line of its first token within the script
};

// Splits a PostgreSQL script at the semicolons that end statements, that is, semicolons outside
// '...' and E'...' strings, "..." identifiers, $tag$...$tag$ dollar quotes, -- comments and
// (nested) /* */ comments. Whitespace and comments between statements are dropped; statements
// with no tokens (";;") are skipped; a last statement without ';' is kept. An unterminated quote
// or comment extends to the end of the script (the server then reports the error).
// Never fails; total on any input, including invalid UTF-8 and NUL bytes.
// Not handled: psql meta-commands (\i, \set) and semicolons inside SQL-standard function bodies
// (CREATE FUNCTION ... BEGIN ATOMIC ... END), which are split like any other.
std::vector<SqlStatement> SplitPostgresScript(const std::string& script);

// True when `statement` (as produced by SplitPostgresScript) starts or ends a transaction: BEGIN,
// START TRANSACTION, COMMIT, END, ABORT, ROLLBACK (but not ROLLBACK TO SAVEPOINT), PREPARE
// TRANSACTION. Such statements would break the atomicity of a step run in a transaction.
bool IsTransactionControl(const std::string& statement);

}  // namespace orchestrate
