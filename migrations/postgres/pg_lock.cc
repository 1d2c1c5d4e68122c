#include "migrations/postgres/pg_lock.h"

#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "migrations/state_schema.h"

namespace orchestrate {
namespace pg {
namespace {

constexpr int kTerminateWaitTries = 100;  // x 100 ms
constexpr auto kTerminateWaitStep = std::chrono::milliseconds(100);

// The pg_locks rows (alias l) of sessions holding the run lock in this database; $1 is the key.
constexpr const char* kHeldLockFilter =
    "l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND l.classid::bigint = (($1::bigint >> 32) & 4294967295)"
    " AND l.objid::bigint = ($1::bigint & 4294967295)";

constexpr const char* kUtcNow =
    "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

Value KeyParam() { return std::to_string(kLockKey); }

std::string Text(const pqxx::field& field) { return field.is_null() ? "" : field.c_str(); }

pqxx::result Run(Session& session, const std::string& sql, const std::vector<Value>& params = {}) {
  pqxx::nontransaction tx(session.conn);
  return ExecParams(tx, sql, params);
}

bool LockTableExists(Session& session) {
  return Run(session, "SELECT to_regclass('orchestrate_lock') IS NOT NULL")[0][0].as<bool>();
}

// Terminates the sessions holding the run lock and waits until they are gone. (The pids are
// selected first: a WHERE clause calling pg_terminate_backend may run before the other filters.)
Status TerminateHolders(Session& session) {
  return Guard([&] {
    std::string pids;  // an int[] literal
    for (const pqxx::row& row :
         Run(session, std::string("SELECT l.pid FROM pg_locks l WHERE ") + kHeldLockFilter,
             {KeyParam()})) {
      const std::string pid = row[0].c_str();
      if (!Run(session, "SELECT pg_terminate_backend($1::int)", {pid})[0][0].as<bool>()) {
        throw std::runtime_error("could not terminate the server session (pid " + pid +
                                 ") holding the run lock");
      }
      pids += (pids.empty() ? "" : ",") + pid;
    }
    if (pids.empty()) return;
    for (int i = 0; i < kTerminateWaitTries; ++i) {
      const pqxx::result alive =
          Run(session, "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])",
              {"{" + pids + "}"});
      if (alive[0][0].as<int>() == 0) return;
      std::this_thread::sleep_for(kTerminateWaitStep);
    }
    throw std::runtime_error("the session holding the run lock did not end within 10 s");
  });
}

}  // namespace

RunLock::~RunLock() { (void)Unlock(); }

Status RunLock::Connect() {
  if (session_ && session_->conn.is_open()) return Status::Ok();
  return Guard([&] {
    session_ = std::make_unique<Session>(url_);
    // Named, and kept alive: the lock session is idle between its few statements, and a server
    // (or role) idle timeout must not end it, or the run would lose its lock (and stop, fenced)
    // in the middle of a step. One round trip; a setting this server does not have (before
    // PostgreSQL 14: idle_session_timeout) is skipped, as current_setting(name, true) is NULL.
    Run(*session_,
        "SELECT set_config('application_name', 'orchestrate lock', false), (SELECT "
        "count(set_config(n, '0', false)) FROM unnest(ARRAY['idle_session_timeout', "
        "'idle_in_transaction_session_timeout']) n WHERE current_setting(n, true) IS NOT NULL)");
  });
}

std::string RunLock::FenceSql() const {
  if (backend_pid_ == 0) return "";
  // The lock session holds the advisory lock for as long as it lives (only it could release
  // it, and it does so only in Unlock): the session still being there, the same one (its pid and
  // start time), proves the lock is held. pg_stat_get_activity(pid) reads one backend's entry,
  // where pg_locks would copy the server's whole lock table at every step.
  return std::string("SELECT 1 FROM orchestrate_lock WHERE id = 1 FOR SHARE;\n") + "SELECT ('" +
         kFenceMarker + ": ' || count(*))::int FROM pg_stat_get_activity(" +
         std::to_string(backend_pid_) +
         ") s WHERE (extract(epoch FROM s.backend_start) * 1000000)::bigint = " +
         backend_start_us_ + " HAVING count(*) = 0";
}

void RunLock::DropSession() {
  backend_pid_ = 0;
  session_.reset();  // ending the session releases its advisory locks
}

Result<bool> RunLock::CheckStillHeld() {
  // The lock lives as long as its server session: an error here, or another server pid (should
  // libpqxx have reconnected), means the session and so the lock were lost.
  const Result<int> pid =
      GuardResult<int>([&] { return Run(*session_, "SELECT pg_backend_pid()")[0][0].as<int>(); });
  if (pid.ok() && *pid == backend_pid_) return true;
  DropSession();
  return Status::Failed("the run lock was lost: its database session ended" +
                        (pid.ok() ? std::string() : ": " + pid.status().message()));
}

Result<bool> RunLock::TryLock(const LockHolder& me, LockHolder* holder) {
  if (backend_pid_ != 0) return CheckStillHeld();
  ORCH_RETURN_IF_ERROR(Connect());
  const Result<bool> taken = GuardResult<bool>([&] {
    const pqxx::row row = Run(*session_,
                              "SELECT pg_try_advisory_lock($1::bigint), pg_backend_pid(), "
                              "(SELECT (extract(epoch FROM backend_start) * 1000000)::bigint FROM "
                              "pg_stat_get_activity(pg_backend_pid()))",
                              {KeyParam()})[0];
    if (row[0].as<bool>()) {
      backend_pid_ = row[1].as<int>();
      backend_start_us_ = row[2].is_null() ? "NULL" : row[2].c_str();
    }
    return row[0].as<bool>();
  });
  if (!taken.ok()) return taken.status().WithContext("taking the run lock");
  if (!*taken) {
    if (holder != nullptr) {
      std::optional<LockHolder> current = ReadHolder();
      if (!current) current = DescribeHoldingSession();
      *holder = current.value_or(LockHolder{"unknown", "unknown", 0, "unknown", "unknown"});
    }
    return false;
  }
  const Status written = WriteHolder(me);
  if (!written.ok()) {
    DropSession();
    return written.WithContext("recording the run lock holder");
  }
  return true;
}

Result<std::optional<LockHolder>> RunLock::Holder() {
  ORCH_RETURN_IF_ERROR(Connect());
  const Result<bool> held = GuardResult<bool>([&] {
    return !Run(*session_, std::string("SELECT l.pid FROM pg_locks l WHERE ") + kHeldLockFilter,
                {KeyParam()})
                .empty();
  });
  if (!held.ok()) return held.status();
  if (!*held) return std::optional<LockHolder>();
  std::optional<LockHolder> current = ReadHolder();
  if (!current) current = DescribeHoldingSession();
  return current;
}

Status RunLock::WriteHolder(const LockHolder& me) {
  return Guard([&] {
    Run(*session_, LockTableStatement());
    Run(*session_,
        std::string("INSERT INTO orchestrate_lock (id, owner, host, pid, command, since) "
                    "VALUES (1, $1, $2, $3::bigint, $4, COALESCE(NULLIF($5::text, ''), ") +
            kUtcNow +
            ")) ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, host = EXCLUDED.host, "
            "pid = EXCLUDED.pid, command = EXCLUDED.command, since = EXCLUDED.since",
        {me.owner, me.host, std::to_string(me.pid), me.command, me.since});
  });
}

std::optional<LockHolder> RunLock::ReadHolder() {
  std::optional<LockHolder> holder;
  (void)Guard([&] {
    if (!LockTableExists(*session_)) return;
    const pqxx::result r = Run(
        *session_, "SELECT owner, host, pid, command, since FROM orchestrate_lock WHERE id = 1");
    if (r.empty()) return;
    holder = LockHolder{Text(r[0][0]), Text(r[0][1]), r[0][2].is_null() ? 0 : r[0][2].as<long>(),
                        Text(r[0][3]), Text(r[0][4])};
  });
  return holder;
}

// For a lock held with no orchestrate_lock row (its holder has not written it yet, or is not
// orchestrate): what the server knows of the session.
std::optional<LockHolder> RunLock::DescribeHoldingSession() {
  std::optional<LockHolder> holder;
  (void)Guard([&] {
    const pqxx::result r = Run(
        *session_,
        std::string("SELECT COALESCE(a.usename, ''), COALESCE(a.client_hostname, "
                    "host(a.client_addr), 'local socket'), a.pid, COALESCE(a.application_name, ''),"
                    " to_char(a.backend_start AT TIME ZONE 'UTC', "
                    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                    "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE ") +
            kHeldLockFilter,
        {KeyParam()});
    if (r.empty()) return;
    holder = LockHolder{Text(r[0][0]), Text(r[0][1]), 0,
                        "unknown (no orchestrate_lock row; server session pid " + Text(r[0][2]) +
                            ", application_name '" + Text(r[0][3]) + "')",
                        Text(r[0][4])};
  });
  return holder;
}

Status RunLock::Unlock() {
  if (backend_pid_ == 0) return Status::Ok();
  const Status status = Guard([&] {
    Run(*session_, "DELETE FROM orchestrate_lock WHERE id = 1");
    Run(*session_, "SELECT pg_advisory_unlock($1::bigint)", {KeyParam()});
  });
  DropSession();  // releases the lock even if the statements above failed
  return status.WithContext("releasing the run lock");
}

Result<std::optional<LockHolder>> RunLock::BreakLock() {
  if (backend_pid_ != 0) {
    std::optional<LockHolder> mine = ReadHolder();
    ORCH_RETURN_IF_ERROR(Unlock());
    return mine;
  }
  ORCH_RETURN_IF_ERROR(Connect());
  std::optional<LockHolder> removed = ReadHolder();
  if (!removed) removed = DescribeHoldingSession();
  ORCH_RETURN_IF_ERROR(TerminateHolders(*session_).WithContext("breaking the run lock"));
  // Delete the row under the lock, so as not to delete the row of a run that took it meanwhile.
  const Status deleted = Guard([&] {
    if (!Run(*session_, "SELECT pg_try_advisory_lock($1::bigint)", {KeyParam()})[0][0].as<bool>()) {
      return;
    }
    if (LockTableExists(*session_)) Run(*session_, "DELETE FROM orchestrate_lock WHERE id = 1");
    Run(*session_, "SELECT pg_advisory_unlock($1::bigint)", {KeyParam()});
  });
  ORCH_RETURN_IF_ERROR(deleted.WithContext("breaking the run lock"));
  return removed;
}

std::vector<std::string> ScriptTakeLockSql() {
  const std::string key = std::to_string(kLockKey);
  return {
      "DO $orchestrate_lock$ BEGIN IF NOT pg_try_advisory_lock(" + key +
          ") THEN RAISE EXCEPTION 'orchestrate: another run holds the run lock (`orchestrate "
          "status` shows who); nothing was changed'; END IF; END $orchestrate_lock$",
      LockTableStatement(),
      std::string("INSERT INTO orchestrate_lock (id, owner, host, pid, command, since) VALUES "
                  "(1, session_user, COALESCE(host(inet_client_addr()), 'local'), "
                  "pg_backend_pid(), 'the review script, run by hand', ") +
          kUtcNow +
          ") ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, host = EXCLUDED.host, pid = "
          "EXCLUDED.pid, command = EXCLUDED.command, since = EXCLUDED.since"};
}

std::vector<std::string> ScriptReleaseLockSql() {
  return {"DELETE FROM orchestrate_lock WHERE id = 1 AND pid = pg_backend_pid()",
          "SELECT pg_advisory_unlock(" + std::to_string(kLockKey) + ")"};
}

}  // namespace pg
}  // namespace orchestrate
