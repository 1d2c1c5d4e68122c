// PostgreSQL for tests: a fresh, empty database per test on the server named by
// ORCHESTRATE_TEST_PG_URL (started by scripts/pg-test-server; `make test` starts one and sets the
// variable, and ORCHESTRATE_REQUIRE_PG=1 so that PostgreSQL tests never silently skip there).
//
//   TEST(Foo, Bar) {
//     ORCH_REQUIRE_PG(url);  // std::string url: a fresh database, or the test skips (or fails)
//     ...
//   }
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace orchestrate::testing {

// The URL of the test server (ORCHESTRATE_TEST_PG_URL), or "" when none is configured.
std::string PgTestServerUrl();
// Whether PostgreSQL tests must run (ORCHESTRATE_REQUIRE_PG=1): a missing server is a failure.
bool PgRequired();
// What to do to run the PostgreSQL tests: how to start a server and point the tests at it.
std::string PgSkipMessage();

// Returns a URL to a fresh, empty database on the test server (CREATE DATABASE with a unique name),
// or "" when no server is configured or the database cannot be created (then *error, if given,
// says why; it stays empty when no server is configured). The databases are dropped when the test
// process exits (best effort: the server is thrown away anyway).
std::string FreshPgDatabase(std::string* error = nullptr);

// `url` (postgresql://user@host:port/NAME[?params] or a libpq key=value string) naming the
// database `dbname` instead.
std::string PgUrlWithDatabase(const std::string& url, const std::string& dbname);

}  // namespace orchestrate::testing

// Declares `std::string url_var` holding the URL of a fresh database on the test server. Without a
// server, skips the test (GTEST_SKIP) saying how to start one, or fails it (a fatal failure, which
// returns) when ORCHESTRATE_REQUIRE_PG=1. Use at the start of a test body or of SetUp() (a skip or
// fatal failure in SetUp() keeps the test body from running).
#define ORCH_REQUIRE_PG(url_var)                                                              \
  std::string url_var;                                                                        \
  do {                                                                                        \
    if (::orchestrate::testing::PgTestServerUrl().empty()) {                                  \
      if (::orchestrate::testing::PgRequired())                                               \
        GTEST_FAIL() << "ORCHESTRATE_REQUIRE_PG=1 but no PostgreSQL test server: "            \
                     << ::orchestrate::testing::PgSkipMessage();                              \
      GTEST_SKIP() << ::orchestrate::testing::PgSkipMessage();                                \
    }                                                                                         \
    std::string orch_pg_error_;                                                               \
    url_var = ::orchestrate::testing::FreshPgDatabase(&orch_pg_error_);                       \
    if (url_var.empty()) GTEST_FAIL() << "cannot create a test database: " << orch_pg_error_; \
  } while (0)
