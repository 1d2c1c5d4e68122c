#include "migrations/mysql/session.h"

#include <mysql.h>

#include <utility>

namespace orchestrate {
namespace mysql {
namespace {

std::string ErrorOf(st_mysql* conn) {
  return std::string(mysql_error(conn)) + " (error " + std::to_string(mysql_errno(conn)) + ")";
}

// Opens a raw connection; null with *error set on failure.
st_mysql* Open(const Url& url, const std::string& password, std::string* error) {
  st_mysql* conn = mysql_init(nullptr);
  if (conn == nullptr) {
    *error = "out of memory";
    return nullptr;
  }
  const unsigned timeout = url.connect_timeout;
  mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // Read no option file (~/.my.cnf could name another server or user).
  const std::string& pw = url.has_password ? url.password : password;
  const bool socket = !url.socket.empty();
  if (mysql_real_connect(conn, socket ? nullptr : url.host.c_str(), url.user.c_str(),
                         pw.empty() ? nullptr : pw.c_str(), url.database.c_str(),
                         socket ? 0 : url.port, socket ? url.socket.c_str() : nullptr,
                         CLIENT_FOUND_ROWS) == nullptr) {
    *error = ErrorOf(conn);
    mysql_close(conn);
    return nullptr;
  }
  return conn;
}

}  // namespace

Result<std::unique_ptr<Session>> Session::Connect(const Url& url, const std::string& password) {
  std::string error;
  st_mysql* conn = Open(url, password, &error);
  if (conn == nullptr) return Status::Failed(error);
  std::unique_ptr<Session> session(new Session(conn, url, password));
  QueryResult version;
  ORCH_RETURN_IF_ERROR(session->Run("SELECT VERSION()", &version));
  session->mariadb_ = !version.rows.empty() && version.rows[0][0] &&
                      version.rows[0][0]->find("MariaDB") != std::string::npos;
  ORCH_RETURN_IF_ERROR(session->Run("SET time_zone = '+00:00', autocommit = 1"));
  return session;
}

Session::Session(st_mysql* conn, Url url, std::string password)
    : conn_(conn), url_(std::move(url)), password_(std::move(password)) {}

Session::~Session() { mysql_close(conn_); }

bool Session::lost() const { return last_errno_ == kServerGone || last_errno_ == kServerLost; }

Status Session::Run(const std::string& sql, QueryResult* result, long* affected) {
  last_errno_ = 0;
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
    last_errno_ = mysql_errno(conn_);
    const std::string message = ErrorOf(conn_);
    if (last_errno_ == kLockWaitTimeout || last_errno_ == kDeadlock)
      return Status::LockTimeout(message);
    if (last_errno_ == kStatementTimeout) return Status::Failed("statement timeout: " + message);
    return Status::Failed(message);
  }
  MYSQL_RES* res = mysql_store_result(conn_);
  if (res == nullptr) {
    if (mysql_field_count(conn_) != 0) {
      last_errno_ = mysql_errno(conn_);
      return Status::Failed(ErrorOf(conn_));
    }
    if (affected) *affected = static_cast<long>(mysql_affected_rows(conn_));
    if (result) *result = QueryResult();
    return DrainResults();
  }
  if (result) {
    *result = QueryResult();
    const unsigned n = mysql_num_fields(res);
    MYSQL_FIELD* fields = mysql_fetch_fields(res);
    for (unsigned i = 0; i < n; ++i) result->columns.emplace_back(fields[i].name);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      unsigned long* lengths = mysql_fetch_lengths(res);
      Row out;
      for (unsigned i = 0; i < n; ++i)
        out.push_back(row[i] ? Value(std::string(row[i], lengths[i])) : Value());
      result->rows.push_back(std::move(out));
    }
  }
  if (affected) *affected = static_cast<long>(mysql_num_rows(res));
  mysql_free_result(res);
  return DrainResults();
}

// A CALL returns a result per SELECT of the procedure and a last status: the first is the one
// returned, the others are read and dropped, so that the connection can take the next statement.
Status Session::DrainResults() {
  for (;;) {
    const int more = mysql_next_result(conn_);
    if (more == -1) return Status::Ok();  // no more results
    if (more > 0) {
      last_errno_ = mysql_errno(conn_);
      return Status::Failed(ErrorOf(conn_));
    }
    if (MYSQL_RES* extra = mysql_store_result(conn_)) mysql_free_result(extra);
  }
}

std::string Session::Quote(const std::string& text) const {
  std::string out(text.size() * 2 + 1, '\0');
  const unsigned long n = mysql_real_escape_string(conn_, out.data(), text.data(), text.size());
  out.resize(n);
  return "'" + out + "'";
}

unsigned long Session::Id() const { return mysql_thread_id(conn_); }

void Session::Cancel() const {
  std::string error;
  st_mysql* other = Open(url_, password_, &error);
  if (other == nullptr) return;
  const std::string kill = "KILL QUERY " + std::to_string(Id());
  (void)mysql_real_query(other, kill.data(), kill.size());  // best effort
  mysql_close(other);
}

}  // namespace mysql
}  // namespace orchestrate
