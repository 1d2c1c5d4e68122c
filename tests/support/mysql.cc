#include "tests/support/mysql.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <vector>

#include "migrations/database.h"

namespace orchestrate::testing {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// The databases this process created, dropped when the tests end (see tests/support/pg.cc).
class CreatedMysqlDatabases : public ::testing::Environment {
 public:
  static CreatedMysqlDatabases& Get() {
    static CreatedMysqlDatabases* instance = [] {
      auto* env = new CreatedMysqlDatabases;
      ::testing::AddGlobalTestEnvironment(env);
      return env;
    }();
    return *instance;
  }
  void Add(const std::string& server_url, const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    server_url_ = server_url;
    names_.push_back(name);
  }
  void TearDown() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (names_.empty() || Env("ORCHESTRATE_KEEP_MYSQL_DATABASES") == "1") return;
    auto db = OpenDatabase(server_url_, ".");
    if (!db.ok()) return;
    for (const std::string& name : names_)
      (void)(*db)->ExecScriptNoTransaction("DROP DATABASE IF EXISTS " + (*db)->QuoteIdent(name));
    names_.clear();
  }

 private:
  CreatedMysqlDatabases() = default;
  std::mutex mu_;
  std::string server_url_;
  std::vector<std::string> names_;
};

[[maybe_unused]] const CreatedMysqlDatabases& kRegistered = CreatedMysqlDatabases::Get();

// orchestrate_t_<pid>_<n>_<random>: unique across processes and runs, under 64 characters.
std::string UniqueName() {
  static std::atomic<int> counter{0};
  static std::mt19937_64 rng(
      static_cast<unsigned long long>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
      (static_cast<unsigned long long>(getpid()) << 32));
  static std::mutex mu;
  unsigned long long random;
  {
    std::lock_guard<std::mutex> lock(mu);
    random = rng() & 0xffffffffull;
  }
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08llx", random);
  return "orchestrate_t_" + std::to_string(getpid()) + "_" + std::to_string(++counter) + "_" +
         suffix;
}

}  // namespace

std::string MysqlTestServerUrl() { return Env("ORCHESTRATE_TEST_MYSQL_URL"); }

bool MysqlRequired() { return Env("ORCHESTRATE_REQUIRE_MYSQL") == "1"; }

std::string MysqlSkipMessage() {
  return "no MariaDB test server (ORCHESTRATE_TEST_MYSQL_URL is unset). To run the MariaDB "
         "tests, start one and point the tests at it:\n"
         "  URL=$(scripts/mysql-test-server start /tmp/orchestrate-mysql)\n"
         "  export ORCHESTRATE_TEST_MYSQL_URL=$URL\n"
         "and afterwards `scripts/mysql-test-server stop /tmp/orchestrate-mysql`. (`make test` "
         "does all this.)";
}

std::string FreshMysqlDatabase(std::string* error) {
  if (error != nullptr) error->clear();
  const std::string server = MysqlTestServerUrl();
  if (server.empty()) return "";
  auto fail = [&](const std::string& why) {
    if (error != nullptr) *error = why;
    return std::string();
  };
  auto db = OpenDatabase(server, ".");
  if (!db.ok()) return fail(db.status().message());
  const std::string name = UniqueName();
  Status st = (*db)->ExecScriptNoTransaction("CREATE DATABASE " + (*db)->QuoteIdent(name) +
                                             " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
  if (!st.ok())
    return fail("CREATE DATABASE " + name + " on " + RedactUrl(server) + ": " + st.message());
  CreatedMysqlDatabases::Get().Add(server, name);
  return UrlWithDatabase(server, name);
}

}  // namespace orchestrate::testing
