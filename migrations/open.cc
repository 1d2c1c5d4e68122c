#include <algorithm>
#include <cctype>
#include <charconv>

#include "migrations/database.h"
#include "migrations/mysql/mysql_database.h"
#include "migrations/mysql/url.h"
#include "migrations/postgres/conninfo.h"
#include "migrations/postgres/postgres_database.h"
#include "migrations/sqlite/sqlite_database.h"

namespace orchestrate {

std::string LockHolder::str() const {
  std::string out = owner.empty() ? "?" : owner;
  if (!host.empty()) out += "@" + host;
  if (pid) out += " (pid " + std::to_string(pid) + ")";
  if (!since.empty()) out += " since " + since;
  if (!command.empty()) out += ", running: " + command;
  return out;
}

LockHolder LockHolderFromRow(const Row& r) {
  auto s = [&](size_t i) { return i < r.size() ? r[i].value_or("") : std::string(); };
  return LockHolder{s(0), s(1), ToLong(r.size() > 2 ? r[2] : Value()), s(3), s(4)};
}

long ToLong(const Value& v) {
  if (!v) return 0;
  long out = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  (void)ptr;
  return ec == std::errc() ? out : 0;
}

Status Transaction::Guard(const std::string& query, const std::string& message) {
  auto rows = Query("SELECT * FROM (" + query + ") orchestrate_guard LIMIT 11");
  if (!rows.ok()) return rows.status();
  if (rows->rows.empty()) return Status::Ok();
  std::string out = message;
  for (size_t i = 0; i < rows->rows.size() && i < 10; ++i) {
    std::string line;
    for (const Value& v : rows->rows[i]) line += (line.empty() ? "" : ", ") + v.value_or("NULL");
    out += "\n  (" + line + ")";
  }
  if (rows->rows.size() > 10) out += "\n  ...";
  return Status::Failed(out);
}

Result<std::string> Database::InlineStatement(
    const std::string& sql, const std::vector<Value>& params,
    const std::function<std::string(const Value&)>& literal) const {
  std::string text;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '$' || i + 1 >= sql.size() ||
        !std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      text += sql[i];
      continue;
    }
    size_t j = i + 1;
    while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
    const size_t n = std::stoul(sql.substr(i + 1, j - i - 1));
    if (n == 0 || n > params.size())
      return Status::Failed("statement refers to missing parameter $" + std::to_string(n));
    text += literal(params[n - 1]);
    i = j - 1;
  }
  return text;
}

std::string Database::ConcatSql(const std::vector<std::string>& parts) const {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : " || ") + part;
  return out;
}

namespace {

bool IsSqliteUrl(const std::string& url) { return url.rfind("sqlite:", 0) == 0; }

}  // namespace

const char* FeatureName(DatabaseFeature feature) {
  switch (feature) {
    case DatabaseFeature::kRowLedger:
      return "the row ledger (a seed's `tables:`)";
    case DatabaseFeature::kSnapshots:
      return "snapshots of the data a rollback destroys (policy.snapshot: on-destroy)";
    case DatabaseFeature::kReviewScript:
      return "the review script (`orchestrate sql`, --approved)";
    case DatabaseFeature::kRehearsal:
      return "rehearse";
  }
  return "this feature";
}

Dialect DialectOfUrl(const std::string& url) {
  if (IsSqliteUrl(url)) return Dialect::kSqlite;
  if (mysql::IsMysqlUrl(url)) return Dialect::kMysql;
  return Dialect::kPostgres;
}

std::string RedactUrl(const std::string& url) {
  // A SQLite URL is a path: nothing in it is secret. A MySQL URL is read by its own rules;
  // anything else the way libpq reads it.
  if (IsSqliteUrl(url)) return url;
  if (mysql::IsMysqlUrl(url)) return mysql::RedactUrl(url);
  return pg::RedactConninfo(url);
}

std::vector<std::string> SecretsInUrl(const std::string& url) {
  if (IsSqliteUrl(url)) return {};
  if (mysql::IsMysqlUrl(url)) return mysql::Secrets(url);
  return pg::ConninfoSecrets(url);
}

Result<std::unique_ptr<Database>> OpenDatabase(const std::string& url, const std::string& base_dir,
                                               const std::string& password) {
  if (IsSqliteUrl(url)) {
    std::string path = url.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);  // sqlite:///abs or sqlite://rel
    if (!path.empty() && path[0] != '/' && !base_dir.empty() && base_dir != ".")
      path = base_dir + "/" + path;
    return OpenSqlite(path);
  }
  if (mysql::IsMysqlUrl(url)) return OpenMysql(url, password);
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0 ||
      url.find('=') != std::string::npos)
    return OpenPostgres(url, password);
  // Not a URL this build can open, so not read as one: only its scheme (letters before "://",
  // which hold no password) is shown.
  const size_t colon = url.find("://");
  const bool scheme =
      colon != std::string::npos && colon > 0 &&
      std::all_of(url.begin(), url.begin() + static_cast<long>(colon), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '.' || c == '-';
      });
  return Status::Invalid("cannot open database " +
                         (scheme ? "'" + url.substr(0, colon) + "://...'" : RedactUrl(url)) +
                         ": use sqlite:path/to/file.db, postgresql://user@host:port/db, "
                         "mysql://user@host:port/db (or mariadb://) or a "
                         "libpq key=value string such as 'host=/tmp dbname=shop'");
}

std::string UrlWithDatabase(const std::string& url, const std::string& dbname) {
  if (mysql::IsMysqlUrl(url)) return mysql::WithDatabase(url, dbname);
  return pg::ConninfoWithDatabase(url, dbname);
}

}  // namespace orchestrate
