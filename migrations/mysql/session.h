// Internal to the MySQL/MariaDB adapter: one connection through the MariaDB C connector
// (libmariadb), with every failure turned into a Status here.
//
// Why the C connector and not SOCI's MySQL backend (SOCI is what the SQLite adapter uses):
//   - statement control: a connection opened without CLIENT_MULTI_STATEMENTS runs exactly one
//     statement per call, so the adapter splits scripts itself (statement_split_mysql.cc) and
//     knows which statement failed, at which line; SOCI adds nothing there and hides the handle;
//   - error codes: mysql_errno()/mysql_sqlstate() tell a lock wait timeout (1205), a deadlock
//     (1213), a statement timeout (1969) and a lost connection (2006, 2013: a COMMIT in doubt)
//     apart; SOCI 4.0's mysql_soci_error carries only the text;
//   - GET_LOCK: the run lock lives on a session of its own for the whole run; a plain handle
//     whose lifetime the adapter owns is what that needs;
//   - passwords: given to mysql_real_connect() as a parameter, never through the environment
//     (MYSQL_PWD) or an option file, and never in a connection string that an error could echo.
// Not thread-safe, except Cancel(), which opens a connection of its own.
#pragma once

#include <memory>
#include <string>

#include "migrations/database.h"
#include "migrations/mysql/url.h"
#include "plans/status.h"

struct st_mysql;  // MYSQL, from <mysql.h>: kept out of this header

namespace orchestrate {
namespace mysql {

// MariaDB/MySQL error numbers the adapter acts on.
inline constexpr unsigned kLockWaitTimeout = 1205;   // ER_LOCK_WAIT_TIMEOUT (rows or metadata)
inline constexpr unsigned kDeadlock = 1213;          // ER_LOCK_DEADLOCK
inline constexpr unsigned kStatementTimeout = 1969;  // ER_STATEMENT_TIMEOUT (MariaDB)
inline constexpr unsigned kQueryInterrupted = 1317;  // ER_QUERY_INTERRUPTED (KILL QUERY)
inline constexpr unsigned kServerGone = 2006;        // CR_SERVER_GONE_ERROR
inline constexpr unsigned kServerLost = 2013;        // CR_SERVER_LOST

class Session {
 public:
  // Connects: utf8mb4, UTC session time zone, autocommit on. The password is `url`'s, else
  // `password`. Errors never contain the password.
  static Result<std::unique_ptr<Session>> Connect(const Url& url, const std::string& password);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Runs one statement; fills *result (columns and rows; empty for a statement without a result
  // set) and *affected when given. Errors: kLockTimeout for a lock wait timeout or a deadlock,
  // kFailed otherwise; the message is the server's, with its error number. last_errno() tells
  // which.
  Status Run(const std::string& sql, QueryResult* result = nullptr, long* affected = nullptr);
  unsigned last_errno() const { return last_errno_; }
  bool lost() const;  // the last error was a lost connection

  // `text` as a quoted string literal for this connection ('...', escaped).
  std::string Quote(const std::string& text) const;
  // The server's connection id of this session (CONNECTION_ID()).
  unsigned long Id() const;
  // Whether the server is MariaDB (max_statement_time) rather than MySQL (max_execution_time).
  bool mariadb() const { return mariadb_; }
  // Asks the server to stop this session's running statement (KILL QUERY on a new connection).
  void Cancel() const;

  bool transaction_open = false;  // a Transaction of this session is alive

 private:
  Session(st_mysql* conn, Url url, std::string password);
  Status DrainResults();
  st_mysql* conn_;
  Url url_;
  std::string password_;  // kept for Cancel(); never printed
  unsigned last_errno_ = 0;
  bool mariadb_ = true;
};

}  // namespace mysql
}  // namespace orchestrate
