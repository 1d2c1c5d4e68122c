#include <charconv>
#include <regex>

#include "migrations/database.h"
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

std::string RedactUrl(const std::string& url) {
  // scheme://user:password@host  ->  scheme://user:***@host
  static const std::regex kUserinfo(R"(([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@?#\s]*):[^@/?#\s]*@)");
  // password=... in a key=value string or a URL query.
  static const std::regex kKeyValue(R"((^|[\s?&])(password)\s*=\s*('(\\.|[^'])*'|[^\s&]*))",
                                    std::regex::icase);
  std::string out = std::regex_replace(url, kUserinfo, "$1:***@");
  return std::regex_replace(out, kKeyValue, "$1$2=***");
}

Result<std::unique_ptr<Database>> OpenDatabase(const std::string& url,
                                               const std::string& base_dir) {
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);  // sqlite:///abs or sqlite://rel
    if (!path.empty() && path[0] != '/' && !base_dir.empty() && base_dir != ".")
      path = base_dir + "/" + path;
    return OpenSqlite(path);
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0 ||
      url.find('=') != std::string::npos)
    return OpenPostgres(url);
  return Status::Invalid("cannot open database '" + RedactUrl(url) +
                         "': use sqlite:path/to/file.db, postgresql://user@host:port/db or a "
                         "libpq key=value string such as 'host=/tmp dbname=shop'");
}

std::string UrlWithDatabase(const std::string& url, const std::string& dbname) {
  static const std::regex kUri(R"(^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)(/[^?#]*)?(.*)$)");
  std::smatch m;
  if ((url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) &&
      std::regex_match(url, m, kUri))
    return m[1].str() + "/" + dbname + m[3].str();
  // key=value: replace dbname=..., or add it.
  static const std::regex kDbname(R"((^|\s)dbname\s*=\s*('(\\.|[^'])*'|\S*))");
  if (std::regex_search(url, kDbname))
    return std::regex_replace(url, kDbname, "$1dbname=" + dbname,
                              std::regex_constants::format_first_only);
  return url + " dbname=" + dbname;
}

}  // namespace orchestrate
