// MariaDB/MySQL for tests: a fresh, empty database per test on the server named by
// ORCHESTRATE_TEST_MYSQL_URL (started by scripts/mysql-test-server; `make test` starts one and
// sets the variable, and ORCHESTRATE_REQUIRE_MYSQL=1 so that MariaDB tests never silently skip
// there).
//
//   TEST(Foo, Bar) {
//     ORCH_REQUIRE_MYSQL(url);  // std::string url: a fresh database, or the test skips (or fails)
//     ...
//   }
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "tests/support/test_util.h"

namespace orchestrate::testing {

// The URL of the test server (ORCHESTRATE_TEST_MYSQL_URL), or "" when none is configured.
std::string MysqlTestServerUrl();
// Whether MariaDB tests must run (ORCHESTRATE_REQUIRE_MYSQL=1): a missing server is a failure.
bool MysqlRequired();
// What to do to run the MariaDB tests: how to start a server and point the tests at it.
std::string MysqlSkipMessage();

// A URL to a fresh, empty database on the test server (CREATE DATABASE with a unique name), or ""
// when no server is configured or the database cannot be created (then *error says why). The
// databases are dropped when the test process exits (best effort).
std::string FreshMysqlDatabase(std::string* error = nullptr);

// The host, port and database of a test server URL (mysql://root@HOST:PORT/DB).
struct MysqlWhere {
  std::string host, port, db;
};
MysqlWhere MysqlWhereOf(const std::string& url);

// Runs the file `script` with the mariadb client on `url`'s database, as a DBA runs a review
// script by hand (`mariadb --abort-source-on-error DB < FILE`: it stops at the first error).
ProcessResult RunMariadbScript(const std::string& url, const std::string& script);

}  // namespace orchestrate::testing

// Declares `std::string url_var` holding the URL of a fresh database on the MariaDB test server;
// skips the test without a server, or fails it when ORCHESTRATE_REQUIRE_MYSQL=1 (see
// ORCH_REQUIRE_PG in tests/support/pg.h).
#define ORCH_REQUIRE_MYSQL(url_var)                                                           \
  std::string url_var;                                                                        \
  do {                                                                                        \
    if (::orchestrate::testing::MysqlTestServerUrl().empty()) {                               \
      if (::orchestrate::testing::MysqlRequired())                                            \
        GTEST_FAIL() << "ORCHESTRATE_REQUIRE_MYSQL=1 but no MariaDB test server: "            \
                     << ::orchestrate::testing::MysqlSkipMessage();                           \
      GTEST_SKIP() << ::orchestrate::testing::MysqlSkipMessage();                             \
    }                                                                                         \
    std::string orch_my_error_;                                                               \
    url_var = ::orchestrate::testing::FreshMysqlDatabase(&orch_my_error_);                    \
    if (url_var.empty()) GTEST_FAIL() << "cannot create a test database: " << orch_my_error_; \
  } while (0)
