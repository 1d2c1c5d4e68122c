#include "tests/support/test_databases.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "migrations/database.h"

namespace orchestrate::testing {
namespace {

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
  void Add(const std::string& server_url, const TestDatabaseKind& kind, const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    created_.push_back({server_url, kind, name});
  }
  void TearDown() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::unique_ptr<Database> db;  // one connection per server
    std::string open_url;
    for (const Created& c : created_) {
      if (TestEnv(c.kind.keep_variable) == "1") continue;
      if (!db || open_url != c.server_url) {
        auto opened = OpenDatabase(c.server_url, ".");
        if (!opened.ok()) continue;
        db = std::move(opened).value();
        open_url = c.server_url;
      }
      // Best effort: a database that cannot be dropped stays for the server's stop to remove.
      (void)db->ExecScriptNoTransaction("DROP DATABASE IF EXISTS " + db->QuoteIdent(c.name) +
                                        c.kind.drop_suffix);
    }
    created_.clear();
  }

 private:
  struct Created {
    std::string server_url;
    TestDatabaseKind kind;
    std::string name;
  };
  CreatedDatabases() = default;
  std::mutex mu_;
  std::vector<Created> created_;
};

// Registered before main() runs (AddGlobalTestEnvironment must precede RUN_ALL_TESTS).
[[maybe_unused]] const CreatedDatabases& kRegistered = CreatedDatabases::Get();

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

std::string TestEnv(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string FreshTestDatabase(const std::string& server_url, const TestDatabaseKind& kind,
                              std::string* error) {
  if (error != nullptr) error->clear();
  if (server_url.empty()) return "";
  auto fail = [&](const std::string& why) {
    if (error != nullptr) *error = why;
    return std::string();
  };
  auto db = OpenDatabase(server_url, ".");
  if (!db.ok()) return fail(db.status().message());
  const std::string name = UniqueName();
  Status st = (*db)->ExecScriptNoTransaction("CREATE DATABASE " + (*db)->QuoteIdent(name) +
                                             kind.create_suffix);
  if (!st.ok())
    return fail("CREATE DATABASE " + name + " on " + RedactUrl(server_url) + ": " + st.message());
  CreatedDatabases::Get().Add(server_url, kind, name);
  return UrlWithDatabase(server_url, name);
}

}  // namespace orchestrate::testing
