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

MysqlWhere MysqlWhereOf(const std::string& url) {
  const size_t at = url.find('@'), colon = url.rfind(':'), slash = url.rfind('/');
  return {url.substr(at + 1, colon - at - 1), url.substr(colon + 1, slash - colon - 1),
          url.substr(slash + 1)};
}

ProcessResult RunMariadbScript(const std::string& url, const std::string& script) {
  const MysqlWhere w = MysqlWhereOf(url);
  return RunProcess({"/bin/sh", "-c",
                     "/usr/bin/mariadb --abort-source-on-error -uroot -h" + w.host + " -P" +
                         w.port + " " + w.db + " < '" + script + "'"});
}

}  // namespace orchestrate::testing
