// Internal to the PostgreSQL adapter: the run lock, a session-level advisory lock held on a
// connection of its own, so that it lasts for the whole run whatever the main connection does
// (transactions, failures) and is released by the server when the process dies.
//
// The holder is also recorded in the row id = 1 of orchestrate_lock (owner, host, pid, command,
// since), written by whoever takes the advisory lock, so that others can say who holds it. The
// advisory lock is the truth; the row is only a description (a stale row left by a killed process
// is overwritten by the next holder).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "migrations/postgres/pg_session.h"
#include "plans/status.h"

namespace orchestrate {
namespace pg {

// The advisory lock key: 64-bit FNV-1a of "orchestrate". A fixed, documented value so that DBAs
// can find it in pg_locks (classid = high 32 bits, objid = low 32 bits, objsubid = 1).
constexpr std::int64_t LockKeyOf(const char* text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (; *text != '\0'; ++text) {
    hash ^= static_cast<unsigned char>(*text);
    hash *= 1099511628211ull;
  }
  return static_cast<std::int64_t>(hash);
}
inline constexpr std::int64_t kLockKey = LockKeyOf("orchestrate");
// The transaction-level advisory lock that serialises changes to the state schema
// (Database::StateSchemaLockStatements): another key, so that it never waits for a run.
inline constexpr std::int64_t kStateSchemaLockKey = LockKeyOf("orchestrate state schema");
// In the error of a transaction whose fence failed (RunLock::FenceSql).
inline constexpr const char kFenceMarker[] = "orchestrate-run-lock-lost";

// The statements of Database::ScriptRunLock: a script run by hand with psql takes the same
// advisory lock for its session (failing when another holds it) and records itself as holder.
std::vector<std::string> ScriptTakeLockSql();
std::vector<std::string> ScriptReleaseLockSql();

// Not thread-safe.
class RunLock {
 public:
  // Connects lazily, on the first call that needs it.
  explicit RunLock(std::string url) : url_(std::move(url)) {}
  // Releases the lock if held (best effort; closing the session releases it anyway).
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  // See Database::TryLock. A process that died has lost its session and so its lock: there is
  // nothing to take over. Fails (kFailed) when the lock session was lost after being taken.
  Result<bool> TryLock(const LockHolder& me, LockHolder* holder);
  // See Database::Unlock.
  Status Unlock();
  // See Database::BreakLock: terminates the server session that holds the advisory lock (needs
  // superuser, the same role, or pg_signal_backend) and deletes the row.
  Result<std::optional<LockHolder>> BreakLock();
  // The holder of the advisory lock, if it is held (the row describes it; a stale row is not).
  Result<std::optional<LockHolder>> Holder();
  // While the lock is held: the statements that prove, in a transaction of another session, that
  // it still is (Database::TryLock, fencing). They share-lock the lock row (a new holder's
  // WriteHolder waits for that transaction to end) and fail with kFenceMarker in the error when
  // this lock session (the same server pid, started at the same time) is gone, and with it the
  // advisory lock. "" when the lock is not held.
  std::string FenceSql() const;

 private:
  Status Connect();
  Result<bool> CheckStillHeld();
  Status WriteHolder(const LockHolder& me);
  std::optional<LockHolder> ReadHolder();
  std::optional<LockHolder> DescribeHoldingSession();
  void DropSession();

  std::string url_;
  std::unique_ptr<Session> session_;  // the dedicated lock session, or null
  int backend_pid_ = 0;               // server pid of the session holding the lock; 0: not held
  std::string backend_start_us_;      // when that session started, in microseconds since 1970
};

}  // namespace pg
}  // namespace orchestrate
