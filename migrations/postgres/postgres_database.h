// The PostgreSQL adapter of the Database seam, on libpqxx. (libpqxx stays out of this header.)
#pragma once

#include <memory>
#include <string>

#include "migrations/database.h"
#include "plans/status.h"

namespace orchestrate {

// Connects to PostgreSQL. `url` is a libpq connection string: "postgresql://user:pass@host:port/db"
// (or postgres://) or "host=... dbname=..."; libpq parses it. A password `url` does not set is
// `password` when not empty (given to libpq as a connection parameter), else libpq's own
// (PGPASSWORD or ~/.pgpass). Returns kInvalid when libpq cannot parse `url` (or when it holds an
// '@' libpq would not read as the end of user:password, see conninfo.h), kFailed when the
// connection fails; messages never contain the password or the unparsable string.
//
// The Database returned:
// - runs transactions (Begin) and scripts on one main session, one transaction at a time: Begin,
//   ExecScriptNoTransaction, DescribeSchema and UserTables fail while a Transaction is open;
// - takes the run lock on a second, dedicated session (a session-level advisory lock), opened on
//   the first TryLock or BreakLock, so that the lock lives exactly as long as this object or the
//   process;
// - in a transaction, refuses scripts that contain transaction control (BEGIN, COMMIT, ...): they
//   would commit a step's effect apart from its journal row.
// Transactions may outlive the Database (they share its main session). Not thread-safe.
Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url, const std::string& password);

}  // namespace orchestrate
