// `history` and policy history_days, end to end with the real binary on SQLite.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "migrations/database.h"
#include "tests/support/shop_fixture.h"

namespace orchestrate::testing {
namespace {

class HistoryTest : public ShopCopyTest {
 protected:
  // The policy line of the sample plan, replaced.
  void SetPolicy(const std::string& policy) {
    std::string text = ReadFileOrDie(plan_);
    const std::string old = "policy: {require_reason: true, lock_timeout: 10s}";
    size_t at = text.find(old);
    ASSERT_NE(at, std::string::npos) << text;
    WriteFileOrDie(plan_, text.replace(at, old.size(), policy));
  }

  std::unique_ptr<Database> Open() {
    auto db = OpenDatabase("sqlite:" + (dir_ / "state/shop.db"), "");
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  // Changes the journal as time passing would (a test may not wait ten days).
  bool Exec(const std::string& sql) {
    auto db = Open();
    if (!db) return false;
    auto t = db->Begin();
    return t.ok() && (*t)->Exec(sql).ok() && (*t)->Commit().ok();
  }

  long Count(const std::string& sql) {
    auto db = Open();
    if (!db) return -1;
    auto t = db->Begin();
    if (!t.ok()) return -1;
    auto rows = (*t)->Query(sql);
    return rows.ok() && !rows->rows.empty() ? ToLong(rows->rows[0][0]) : -1;
  }
};

TEST_F(HistoryTest, ShowsEnvironmentAndDurationAndPrunesFinishedRunsOlderThanHistoryDays) {
  SetPolicy("policy: {require_reason: true, lock_timeout: 10s, history_days: 5}");
  ASSERT_EQ(Run({"deploy", "--to", "1.1.0", "--yes"}).exit_code, 0);
  ASSERT_EQ(Run({"deploy", "--yes"}).exit_code, 0);

  auto h = Run({"history"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_NE(h.out.find("ENV    FROM -> TO"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("DURATION"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("local  1.1.0 -> 1.3.0"), std::string::npos) << h.out;
  auto runs = nlohmann::json::parse(Run({"history", "--output", "json"}).out)["runs"];
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["environment"], "local");
  EXPECT_GT(runs[0]["seconds"].get<double>(), 0.0) << runs[0];
  EXPECT_LT(runs[0]["seconds"].get<double>(), 60.0) << runs[0];

  // Run 1 finished ten days ago (as far as the journal knows).
  ASSERT_TRUE(
      Exec("UPDATE orchestrate_runs SET started_at = '2000-01-01T00:00:00.000Z', "
           "finished_at = '2000-01-01T00:00:01.500Z' WHERE id = 1"));
  runs = nlohmann::json::parse(Run({"history", "--output", "json"}).out)["runs"];
  EXPECT_EQ(runs[1]["seconds"], 1.5);
  ASSERT_GT(Count("SELECT COUNT(*) FROM orchestrate_steps WHERE run_id = 1"), 0);

  // The next run prunes it (and its steps), keeping the recent ones.
  auto r = Run({"rollback", "--to", "1.1.0", "--reason", "history test", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("pruned 1 finished run(s) older than 5 days"), std::string::npos) << r.err;
  runs = nlohmann::json::parse(Run({"history", "--output", "json"}).out)["runs"];
  ASSERT_EQ(runs.size(), 2u) << runs;
  EXPECT_EQ(runs[0]["run_id"], 3);
  EXPECT_EQ(runs[0]["kind"], "rollback");
  EXPECT_EQ(runs[0]["reason"], "history test");
  EXPECT_EQ(runs[1]["run_id"], 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM orchestrate_steps WHERE run_id = 1"), 0);
  // What is deployed is not history: the releases the pruned run recorded are still known.
  EXPECT_EQ(Status()["current_version"], "1.1.0");
}

TEST_F(HistoryTest, HistoryDaysZeroKeepsEverythingAndBadValuesAreRejected) {
  SetPolicy("policy: {require_reason: true, lock_timeout: 10s, history_days: 0}");
  ASSERT_EQ(Run({"deploy", "--to", "1.0.0", "--yes"}).exit_code, 0);
  ASSERT_TRUE(Exec("UPDATE orchestrate_runs SET finished_at = '2000-01-01T00:00:00.000Z'"));
  ASSERT_EQ(Run({"deploy", "--yes"}).exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(Run({"history", "--output", "json"}).out)["runs"].size(), 2u);
}

TEST_F(HistoryTest, HistoryDaysThatIsNotANumberIsAManifestError) {
  SetPolicy("policy: {require_reason: true, history_days: forever}");
  auto v = Run({"validate"});
  EXPECT_EQ(v.exit_code, 2) << v.err;
  EXPECT_NE(v.err.find("plan.yaml:11:"), std::string::npos) << v.err;
  EXPECT_NE(v.err.find("'history_days' must be a whole number from 0 to 36500"), std::string::npos)
      << v.err;
}

// A --reason is shown as one line without control characters: a newline cannot forge a row, an
// escape sequence cannot rewrite the terminal (issue 15, item 18). A reason that is not UTF-8 is
// refused; one already in the database (written by an older version) does not stop
// `history --output json` (item 8).
TEST_F(HistoryTest, ReasonsAreShownWithoutControlCharactersAndBadBytesNeverAbortJson) {
  ASSERT_EQ(Run({"deploy", "--yes"}).exit_code, 0);
  const std::string forged = "slow\n99   rollback  local  1.3.0 -> 0.0.1  done  \x1b[2J\x1b[H\r";
  auto r = Run({"rollback", "--to", "1.2.0", "--reason", forged, "--actor", "ops\x07", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto h = Run({"history"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_EQ(h.out.find('\x1b'), std::string::npos) << h.out;
  EXPECT_EQ(h.out.find('\x07'), std::string::npos) << h.out;
  EXPECT_EQ(h.out.find('\r'), std::string::npos) << h.out;
  EXPECT_EQ(h.out.find("\n99 "), std::string::npos) << h.out;  // no forged row
  EXPECT_NE(h.out.find("slow\\n99   rollback"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("\\x1b[2J"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("ops\\x07"), std::string::npos) << h.out;
  // Header + 2 runs: 3 lines.
  EXPECT_EQ(std::count(h.out.begin(), h.out.end(), '\n'), 3) << h.out;
  auto json = Run({"history", "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["runs"][0]["reason"], forged);  // JSON escapes, exactly

  // A reason that is not UTF-8, stored before such reasons were refused.
  ASSERT_TRUE(Exec("UPDATE orchestrate_runs SET reason = CAST(X'6361669E' AS TEXT)"));
  json = Run({"history", "--output", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.signal, 0);
  auto parsed = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << json.out;
  EXPECT_EQ(parsed["runs"][0]["reason"], "caf\xef\xbf\xbd");  // U+FFFD in place of the bad byte
  h = Run({"history"});
  EXPECT_EQ(h.exit_code, 0) << h.err;
  EXPECT_NE(h.out.find("caf\\x9e"), std::string::npos) << h.out;
  EXPECT_EQ(Run({"status", "--output", "json"}).exit_code, 0);
}

}  // namespace
}  // namespace orchestrate::testing
