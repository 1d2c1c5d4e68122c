#include "tests/support/pg.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <regex>
#include <vector>

#include "migrations/database.h"

namespace orchestrate::testing {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

// The databases this process created, dropped when the tests end (a gtest environment, so that
// this runs inside RUN_ALL_TESTS rather than during static destruction).
class CreatedDatabases : public ::testing::Environment {
 public:
  static CreatedDatabases& Get() {
    // Owned by gtest once registered.
    static CreatedDatabases* instance = [] {
      auto* env = new CreatedDatabases;
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
    if (names_.empty() || Env("ORCHESTRATE_KEEP_PG_DATABASES") == "1") return;
    auto db = OpenDatabase(server_url_, ".");
    if (!db.ok()) return;
    for (const std::string& name : names_) {
      // WITH (FORCE) ends sessions a test left open (PostgreSQL 13+). Best effort.
      (void)(*db)->ExecScriptNoTransaction("DROP DATABASE IF EXISTS " + (*db)->QuoteIdent(name) +
                                           " WITH (FORCE)");
    }
    names_.clear();
  }

 private:
  CreatedDatabases() = default;
  std::mutex mu_;
  std::string server_url_;
  std::vector<std::string> names_;
};

// Registered before main() runs (AddGlobalTestEnvironment must precede RUN_ALL_TESTS).
[[maybe_unused]] const CreatedDatabases& kRegistered = CreatedDatabases::Get();

// A database name unique across processes and runs: orchestrate_t_<pid>_<n>_<random>.
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

std::string PgTestServerUrl() { return Env("ORCHESTRATE_TEST_PG_URL"); }

bool PgRequired() { return Env("ORCHESTRATE_REQUIRE_PG") == "1"; }

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
  if (error != nullptr) error->clear();
  const std::string server = PgTestServerUrl();
  if (server.empty()) return "";
  auto fail = [&](const std::string& why) {
    if (error != nullptr) *error = why;
    return std::string();
  };
  auto db = OpenDatabase(server, ".");
  if (!db.ok()) return fail(db.status().message());
  const std::string name = UniqueName();
  Status st = (*db)->ExecScriptNoTransaction("CREATE DATABASE " + (*db)->QuoteIdent(name));
  if (!st.ok())
    return fail("CREATE DATABASE " + name + " on " + RedactUrl(server) + ": " + st.message());
  CreatedDatabases::Get().Add(server, name);
  return PgUrlWithDatabase(server, name);
}

}  // namespace orchestrate::testing
