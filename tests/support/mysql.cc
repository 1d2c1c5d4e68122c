#include "tests/support/mysql.h"

#include "tests/support/test_databases.h"

namespace orchestrate::testing {

std::string MysqlTestServerUrl() { return TestEnv("ORCHESTRATE_TEST_MYSQL_URL"); }

bool MysqlRequired() { return TestEnv("ORCHESTRATE_REQUIRE_MYSQL") == "1"; }

std::string MysqlSkipMessage() {
  return "no MariaDB test server (ORCHESTRATE_TEST_MYSQL_URL is unset). To run the MariaDB "
         "tests, start one and point the tests at it:\n"
         "  URL=$(scripts/mysql-test-server start /tmp/orchestrate-mysql)\n"
         "  export ORCHESTRATE_TEST_MYSQL_URL=$URL\n"
         "and afterwards `scripts/mysql-test-server stop /tmp/orchestrate-mysql`. (`make test` "
         "does all this.)";
}

std::string FreshMysqlDatabase(std::string* error) {
  static const TestDatabaseKind kMariaDb{" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "",
                                         "ORCHESTRATE_KEEP_MYSQL_DATABASES"};
  return FreshTestDatabase(MysqlTestServerUrl(), kMariaDb, error);
}

}  // namespace orchestrate::testing
