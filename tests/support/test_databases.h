// Throwaway databases on a test server (PostgreSQL or MariaDB), shared by tests/support/pg.h and
// tests/support/mysql.h: each test gets a database of its own, with a name unique across
// processes and runs, dropped when the test program ends (unless a variable says to keep them).
#pragma once

#include <string>

namespace orchestrate::testing {

// The value of the environment variable `name`, or "".
std::string TestEnv(const char* name);

// How a kind of test server creates and drops a database.
struct TestDatabaseKind {
  std::string create_suffix;  // after CREATE DATABASE "name" (e.g. a character set)
  std::string drop_suffix;    // after DROP DATABASE IF EXISTS "name" (e.g. WITH (FORCE))
  const char* keep_variable;  // when this variable is "1", the databases are kept
};

// Creates a fresh database on the server `server_url` and returns its URL; "" with `error` set
// (when not null) when it cannot be created. It is dropped when the tests end.
std::string FreshTestDatabase(const std::string& server_url, const TestDatabaseKind& kind,
                              std::string* error);

}  // namespace orchestrate::testing
