#include "migrations/mysql/lock.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <thread>

#include "migrations/mysql/portable_sql.h"
#include "migrations/state_schema.h"

namespace orchestrate {
namespace mysql {
namespace {

std::string Quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string LockName(const std::string& database) {
  const std::string name = "orchestrate:" + database;
  if (name.size() <= 64) return name;
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : database) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return "orchestrate:" + database.substr(0, 30) + ":" + hex;
}

RunLock::~RunLock() { (void)Unlock(); }

Status RunLock::Connect() {
  if (session_) return Status::Ok();
  auto s = Session::Connect(url_, password_);
  if (!s.ok()) return s.status().WithContext("connecting the run lock's session");
  session_ = std::move(s).value();
  return Status::Ok();
}

Result<std::optional<LockHolder>> RunLock::ReadHolder(Session& session, unsigned long connection) {
  QueryResult exists;
  ORCH_RETURN_IF_ERROR(session.Run(
      "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = "
      "'orchestrate_lock'",
      &exists));
  if (!exists.rows.empty()) {
    QueryResult row;
    ORCH_RETURN_IF_ERROR(session.Run(
        "SELECT owner, host, pid, command, since FROM orchestrate_lock WHERE id = 1", &row));
    if (!row.rows.empty()) return std::optional<LockHolder>(LockHolderFromRow(row.rows[0]));
  }
  LockHolder unknown;
  unknown.owner = "MySQL connection " + std::to_string(connection);
  return std::optional<LockHolder>(unknown);
}

Result<bool> RunLock::TryLock(const LockHolder& me, LockHolder* holder) {
  ORCH_RETURN_IF_ERROR(Connect());
  const std::string name = Quoted(LockName(url_.database));
  if (held_by_ != 0) {
    QueryResult still;
    ORCH_RETURN_IF_ERROR(
        session_->Run("SELECT IS_USED_LOCK(" + name + ") = CONNECTION_ID()", &still));
    if (!still.rows.empty() && still.rows[0][0].value_or("") == "1") return true;
    held_by_ = 0;
    return Status::Failed("the run lock's session no longer holds the lock");
  }
  QueryResult got;
  Status st = session_->Run("SELECT GET_LOCK(" + name + ", 0), CONNECTION_ID()", &got);
  if (!st.ok() && session_->lost()) {  // a dropped idle session: once more on a new one
    session_.reset();
    ORCH_RETURN_IF_ERROR(Connect());
    st = session_->Run("SELECT GET_LOCK(" + name + ", 0), CONNECTION_ID()", &got);
  }
  ORCH_RETURN_IF_ERROR(st);
  if (got.rows.empty() || got.rows[0][0].value_or("") != "1") {
    QueryResult who;
    ORCH_RETURN_IF_ERROR(session_->Run("SELECT IS_USED_LOCK(" + name + ")", &who));
    const unsigned long id =
        static_cast<unsigned long>(ToLong(who.rows.empty() ? Value() : who.rows[0][0]));
    auto described = ReadHolder(*session_, id);
    if (!described.ok()) return described.status();
    if (holder && described->has_value()) *holder = **described;
    return false;
  }
  held_by_ = static_cast<unsigned long>(ToLong(got.rows[0][1]));
  auto quote = [this](const std::string& s) { return session_->Quote(s); };
  auto ddl = ToMysql(LockTableStatement(), {}, quote, true);
  if (!ddl.ok()) return ddl.status();
  auto write = ToMysql(
      "INSERT INTO orchestrate_lock (id, owner, host, pid, command, since) VALUES (1, $1, $2, $3, "
      "$4, $5) ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, host = EXCLUDED.host, pid = "
      "EXCLUDED.pid, command = EXCLUDED.command, since = EXCLUDED.since",
      {me.owner, me.host, std::to_string(me.pid), me.command, me.since}, quote);
  if (!write.ok()) return write.status();
  Status wrote = session_->Run(*ddl);
  if (wrote.ok()) wrote = session_->Run(*write);
  if (!wrote.ok()) {
    (void)Unlock();
    return wrote.WithContext("recording the run lock's holder");
  }
  return true;
}

Status RunLock::Unlock() {
  if (held_by_ == 0 || !session_) return Status::Ok();
  held_by_ = 0;
  Status deleted = session_->Run("DELETE FROM orchestrate_lock WHERE id = 1");
  Status released = session_->Run("DO RELEASE_LOCK(" + Quoted(LockName(url_.database)) + ")");
  if (!released.ok()) session_.reset();  // closing the session releases it
  return deleted.ok() ? released : deleted;
}

Result<std::optional<LockHolder>> RunLock::Holder() {
  ORCH_RETURN_IF_ERROR(Connect());
  QueryResult who;
  ORCH_RETURN_IF_ERROR(
      session_->Run("SELECT IS_USED_LOCK(" + Quoted(LockName(url_.database)) + ")", &who));
  if (who.rows.empty() || !who.rows[0][0]) return std::optional<LockHolder>();
  return ReadHolder(*session_, static_cast<unsigned long>(ToLong(who.rows[0][0])));
}

Result<std::optional<LockHolder>> RunLock::BreakLock() {
  ORCH_RETURN_IF_ERROR(Connect());
  QueryResult who;
  ORCH_RETURN_IF_ERROR(
      session_->Run("SELECT IS_USED_LOCK(" + Quoted(LockName(url_.database)) + ")", &who));
  if (who.rows.empty() || !who.rows[0][0]) return std::optional<LockHolder>();
  const unsigned long id = static_cast<unsigned long>(ToLong(who.rows[0][0]));
  auto holder = ReadHolder(*session_, id);
  if (!holder.ok()) return holder.status();
  if (id == held_by_) {
    ORCH_RETURN_IF_ERROR(Unlock());
    return holder;
  }
  Status killed = session_->Run("KILL CONNECTION " + std::to_string(id));
  if (!killed.ok() && session_->last_errno() != 1094)  // ER_NO_SUCH_THREAD: gone meanwhile
    return killed.WithContext("ending the session that holds the run lock");
  // The server ends the killed session (and frees its lock) a moment later: waited for, so that
  // the lock is free when this returns.
  for (int i = 0; i < 100; ++i) {
    QueryResult still;
    ORCH_RETURN_IF_ERROR(session_->Run(
        "SELECT IS_USED_LOCK(" + Quoted(LockName(url_.database)) + ") = " + std::to_string(id),
        &still));
    if (still.rows.empty() || still.rows[0][0].value_or("") != "1") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ORCH_RETURN_IF_ERROR(session_->Run("DELETE FROM orchestrate_lock WHERE id = 1"));
  return holder;
}

Status RunLock::Fence(Transaction& txn) const {
  if (held_by_ == 0) return Status::Ok();
  // One round trip: the holder's row share-locked (a lock breaker updates it) and the named lock
  // still this session's.
  auto r = txn.Query("SELECT IS_USED_LOCK(" + Quoted(LockName(url_.database)) +
                     ") = " + std::to_string(held_by_) +
                     ", (SELECT id FROM orchestrate_lock WHERE id = 1 LOCK IN SHARE MODE)");
  if (!r.ok()) return r.status();
  if (r->rows.empty() || r->rows[0][0].value_or("") != "1") return Status::NeedsHuman(kRunLockLost);
  return Status::Ok();
}

}  // namespace mysql
}  // namespace orchestrate
