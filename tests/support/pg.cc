#include "tests/support/pg.h"

#include "migrations/database.h"
#include "tests/support/test_databases.h"

namespace orchestrate::testing {

std::string PgTestServerUrl() { return TestEnv("ORCHESTRATE_TEST_PG_URL"); }

bool PgRequired() { return TestEnv("ORCHESTRATE_REQUIRE_PG") == "1"; }

std::string PgSkipMessage() {
  return "no PostgreSQL test server (ORCHESTRATE_TEST_PG_URL is unset). To run the PostgreSQL "
         "tests, start one and point the tests at it:\n"
         "  URL=$(scripts/pg-test-server start /tmp/orchestrate-pg)\n"
         "  export ORCHESTRATE_TEST_PG_URL=$URL\n"
         "and afterwards `scripts/pg-test-server stop /tmp/orchestrate-pg`. (`make test` does all "
         "this.)";
}

std::string PgUrlWithDatabase(const std::string& url, const std::string& dbname) {
  return UrlWithDatabase(url, dbname);
}

std::string FreshPgDatabase(std::string* error) {
  // WITH (FORCE) ends sessions a test left open (PostgreSQL 13+).
  static const TestDatabaseKind kPostgres{"", " WITH (FORCE)", "ORCHESTRATE_KEEP_PG_DATABASES"};
  return FreshTestDatabase(PgTestServerUrl(), kPostgres, error);
}

}  // namespace orchestrate::testing
