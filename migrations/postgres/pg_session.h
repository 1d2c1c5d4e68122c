// Internal to the PostgreSQL adapter: a libpqxx connection and the conversion of libpqxx
// exceptions into Status values. Nothing outside migrations/postgres/ includes this header.
#pragma once

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "migrations/database.h"
#include "migrations/statement_split.h"
#include "plans/status.h"

namespace orchestrate {
namespace pg {

// One database session, with client encoding UTF-8. Server notices (e.g. "relation already
// exists, skipping") are dropped: libpqxx passes them only to registered errorhandlers, and none
// is. Throws like pqxx::connection when the connection cannot be made: construct it inside Guard().
struct Session {
  explicit Session(const std::string& url);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  pqxx::connection conn;
  bool transaction_open = false;      // a pqxx transaction object exists on `conn`
  bool description_prepared = false;  // pg_schema.h: DescribeSchema's statement is prepared
};

// The Status for the exception being handled: kNeedsHuman for pqxx::in_doubt_error, else kFailed
// with the server's message ("ERROR: ... (SQLSTATE 42703)" for SQL errors).
// REQUIRES: called inside a catch block.
Status CurrentExceptionStatus();

// Runs fn(); any exception it throws becomes a Status.
template <typename F>
Status Guard(F&& fn) {
  try {
    fn();
    return Status::Ok();
  } catch (...) {
    return CurrentExceptionStatus();
  }
}

// Runs fn(), which returns a T (or Result<T>); any exception it throws becomes a Status.
template <typename T, typename F>
Result<T> GuardResult(F&& fn) {
  try {
    return fn();
  } catch (...) {
    return CurrentExceptionStatus();
  }
}

// Runs one statement with positional parameters ($1, ...; nullopt is NULL) through the extended
// query protocol, which also rejects a string of several statements. Throws pqxx exceptions.
pqxx::result ExecParams(pqxx::transaction_base& tx, const std::string& sql,
                        const std::vector<Value>& params);

// The result as column names and rows of optional strings.
QueryResult ToQueryResult(const pqxx::result& result);

// The statements of a PostgreSQL script (SplitScript); a script that cannot be split is kFailed,
// "line L:C: <the scanner's message> (nothing of the script ran)".
Result<std::vector<SqlStatement>> SplitStatements(const std::string& script);

// Runs the statements of a script one by one in `tx`, stopping at the first failure, which is
// reported as "line N: ERROR: ... (SQLSTATE x)\n  statement: <its first 200 bytes>".
// `first_prefix` (e.g. "BEGIN; SET LOCAL ...; "), when given, is sent in the same message as the
// first statement, saving a round trip; a failure in it is reported like one of that statement.
Status RunStatements(pqxx::transaction_base& tx, const std::vector<SqlStatement>& statements,
                     const std::string& first_prefix = "");

// `sql` with its parameters $1, $2, ... written in as literals quoted by `tx` (NULL for nullopt),
// for a statement sent as text. Quoted strings, quoted identifiers and -- comments are skipped;
// dollar quoting is not understood. Throws pqxx::argument_error for a $N without a parameter.
std::string InlineParams(pqxx::transaction_base& tx, const std::string& sql,
                         const std::vector<Value>& params);

// The same text on one line: runs of whitespace become one space, ends trimmed.
std::string OneLine(const std::string& text);

}  // namespace pg
}  // namespace orchestrate
