// Internal to the MySQL/MariaDB adapter: its URLs.
//
//   mysql://user[:password]@host[:port]/database[?param=value&...]   (also mariadb://)
//
// user, password and database are percent-decoded; a host in brackets is an IPv6 address; the
// port defaults to 3306. Parameters: `socket` (a Unix socket path used instead of host:port) and
// `connect_timeout` (seconds); any other is refused, so that a typo is not silently ignored.
// Pure functions: no I/O; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "plans/status.h"

namespace orchestrate {
namespace mysql {

struct Url {
  std::string user, password, host = "127.0.0.1", database, socket;
  unsigned port = 3306;
  unsigned connect_timeout = 10;
  bool has_password = false;
};

// Whether `url` starts with mysql:// or mariadb://.
bool IsMysqlUrl(const std::string& url);

// The parts of `url`; kInvalid (the message never holds the password) when it is not a URL of
// the form above.
Result<Url> ParseUrl(const std::string& url);

// `url` with the password replaced by "***"; a fixed text when it cannot be parsed (never the
// URL, which may hold a password).
std::string RedactUrl(const std::string& url);

// The password written in `url`, decoded and as written; empty when none (or not parseable).
std::vector<std::string> Secrets(const std::string& url);

// `url` naming the database `database` instead (parameters and credentials kept).
std::string WithDatabase(const std::string& url, const std::string& database);

}  // namespace mysql
}  // namespace orchestrate
