// Internal to the MySQL/MariaDB adapter: the run lock, a named lock (GET_LOCK) held by a session
// of its own for the whole run, so that whatever the main session does (transactions, failures,
// DDL that commits by itself) leaves it alone, and the server releases it when the process dies.
//
// GET_LOCK names are server-wide: the name is "orchestrate:" and the database's name (hashed
// when that would pass MySQL's 64 characters), so runs on two databases of one server do not
// exclude each other. The holder is also recorded in row id = 1 of orchestrate_lock, as on
// PostgreSQL: the named lock is the truth, the row only describes it (a stale row left by a killed
// process is overwritten by the next holder, and not reported while nobody holds the lock).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "migrations/mysql/session.h"
#include "migrations/mysql/url.h"

namespace orchestrate {
namespace mysql {

// The GET_LOCK name of the run lock of `database`.
std::string LockName(const std::string& database);

// Not thread-safe.
class RunLock {
 public:
  RunLock(Url url, std::string password) : url_(std::move(url)), password_(std::move(password)) {}
  ~RunLock();  // releases the lock if held (closing the session releases it anyway)
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  Result<bool> TryLock(const LockHolder& me, LockHolder* holder);
  Status Unlock();
  // Kills the server session that holds the named lock (KILL CONNECTION: the same user or the
  // CONNECTION ADMIN / SUPER privilege), waits (up to 5 s) for the server to free the lock, and
  // deletes the row.
  Result<std::optional<LockHolder>> BreakLock();
  Result<std::optional<LockHolder>> Holder();
  // While held: proves in `txn`, a transaction of another session, that this lock session still
  // holds the named lock, and share-locks the lock row (a new holder's row write waits for `txn`
  // to end). kNeedsHuman (kRunLockLost) when it does not; kOk when the lock is not held.
  Status Fence(Transaction& txn) const;

 private:
  Status Connect();
  Result<std::optional<LockHolder>> ReadHolder(Session& session, unsigned long connection);

  Url url_;
  std::string password_;
  std::unique_ptr<Session> session_;  // the lock session, or null
  unsigned long held_by_ = 0;         // the lock session's connection id while held; 0: not held
};

}  // namespace mysql
}  // namespace orchestrate
