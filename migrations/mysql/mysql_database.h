// The MySQL/MariaDB adapter of the Database seam (migrations/database.h), on the MariaDB C
// connector (why: migrations/mysql/session.h).
//
// What differs from the other adapters, and callers must know:
//   - DDL is not transactional: every CREATE/ALTER/DROP/TRUNCATE/RENAME commits the transaction
//     it runs in, by itself, before and after it. A step whose script holds DDL is therefore not
//     atomic: what ran before a failing statement stays. Transaction::ExecScript runs a script's
//     statements one by one in the transaction and names the failing one; it does not pretend.
//   - the run lock is a named lock (GET_LOCK) on a session of its own (migrations/mysql/lock.h);
//     transactions prove at commit that it is still held (fencing), as on PostgreSQL;
//   - LimitWaits sets innodb_lock_wait_timeout and lock_wait_timeout (whole seconds, at least 1)
//     and max_statement_time (MariaDB; MySQL's max_execution_time bounds SELECTs only) for the
//     session while the transaction lasts, and puts the server's defaults back after it;
//   - orchestrate's own statements (Exec, Query, ExecAtCommit) are written in the portable SQL of
//     the state schema and translated (migrations/mysql/portable_sql.h); scripts are not;
//   - a review script cannot be recorded in a transaction that is rolled back: RecordingCopy
//     copies the database into a scratch database of the server to record it on
//     (migrations/mysql/copy.h), and the script is written for the mariadb client
//     (ScriptClientOf: DELIMITER around compound statements, backslashes doubled).
#pragma once

#include <memory>
#include <string>

#include "migrations/database.h"
#include "plans/status.h"

namespace orchestrate {

// Opens mysql://user[:password]@host[:port]/database (or mariadb://...); `password` is used when
// the URL has none, given to the connector as a parameter. Errors never hold the password.
Result<std::unique_ptr<Database>> OpenMysql(const std::string& url, const std::string& password);

}  // namespace orchestrate
