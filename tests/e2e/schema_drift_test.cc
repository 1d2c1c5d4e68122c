// The schema each release left is recorded when it is deployed, and a rollback that reaches a
// release compares the live schema with it (migrations/release_schema.h), on real SQLite and
// PostgreSQL through the real binary: a down that re-adds an index the up never removed rolls
// back with exit 5 ("rolled back, schema differs from the recorded state of 1.0.0"), the
// difference is in history, and status shows it; a down that is right rolls back with exit 0.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "migrations/database.h"
#include "migrations/release_schema.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

const char kPlan[] =
    "app: tiny\n"
    "releases: releases/\n"
    "environments:\n"
    "  local:\n"
    "    database: sqlite:${STATE_DIR}/tiny.db\n"
    "    deployer: {kind: file, path: \"${STATE_DIR}/tiny.image\"}\n"
    "policy: {lock_timeout: 10s}\n";
const char kUp1[] = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n";
const char kDown1[] = "DROP TABLE items;\n";
const char kUp2[] = "ALTER TABLE items ADD COLUMN note TEXT;\n";
const char kRightDown2[] = "ALTER TABLE items DROP COLUMN note;\n";
// Re-adds an index that 0002's up never removed: a schema no release had.
const char kWrongDown2[] =
    "ALTER TABLE items DROP COLUMN note;\nCREATE INDEX items_by_name ON items (name);\n";

std::string ReleaseYaml(const std::string& version, const std::string& migration) {
  return "version: " + version + "\nimage: tiny:" + version +
         "\norder: code-first\nmigrations:\n  - {id: " + migration + ", up: ../sql/" + migration +
         ".up.sql, down: ../sql/" + migration + ".down.sql}\n";
}

class SchemaDriftTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      ORCH_REQUIRE_PG(url);
      url_ = url;
    } else {
      url_ = "sqlite:" + (dir_ / "state/tiny.db");
    }
  }

  void WriteApp(const std::string& down2, const std::string& up1 = kUp1,
                const std::string& down1 = kDown1, const std::string& up2 = kUp2) {
    WriteFileOrDie(dir_ / "app/plan.yaml", kPlan);
    WriteFileOrDie(dir_ / "app/releases/1.0.0.yaml", ReleaseYaml("1.0.0", "0001_items"));
    WriteFileOrDie(dir_ / "app/releases/1.1.0.yaml", ReleaseYaml("1.1.0", "0002_note"));
    WriteFileOrDie(dir_ / "app/sql/0001_items.up.sql", up1);
    WriteFileOrDie(dir_ / "app/sql/0001_items.down.sql", down1);
    WriteFileOrDie(dir_ / "app/sql/0002_note.up.sql", up2);
    WriteFileOrDie(dir_ / "app/sql/0002_note.down.sql", down2);
  }

  // `orchestrate COMMAND app/plan.yaml ARGS... --database URL`.
  ProcessResult Cli(std::vector<std::string> args) {
    args.insert(args.begin() + 1, dir_ / "app/plan.yaml");
    args.insert(args.begin(), OrchestrateBin());
    args.push_back("--database");
    args.push_back(url_);
    ProcessOptions opts;
    opts.env["STATE_DIR"] = dir_ / "state";
    return RunProcess(args, opts);
  }

  std::unique_ptr<Database> Open() {
    auto db = OpenDatabase(url_, dir_.path());
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  TempDir dir_;
  std::string url_;
};

INSTANTIATE_TEST_SUITE_P(Adapters, SchemaDriftTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

bool Contains(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& l : lines)
    if (l.find(part) != std::string::npos) return true;
  return false;
}

TEST_P(SchemaDriftTest, ADownThatReAddsAnIndexEndsWithTheDifferenceReportedAndStatusShowsIt) {
  WriteApp(kWrongDown2);
  auto deploy = Cli({"deploy", "--yes"});
  ASSERT_EQ(deploy.exit_code, 0) << deploy.out << deploy.err;

  // Each release's schema was recorded when it was deployed.
  auto db = Open();
  ASSERT_NE(db, nullptr);
  auto at1 = LoadReleaseSchema(*db, "1.0.0");
  auto at2 = LoadReleaseSchema(*db, "1.1.0");
  ASSERT_TRUE(at1.ok() && at2.ok());
  ASSERT_TRUE(at1->has_value() && at2->has_value());
  EXPECT_TRUE(Contains((*at1)->lines, "items.name")) << (*at1)->lines.size();
  EXPECT_FALSE(Contains((*at1)->lines, "items.note"));
  EXPECT_TRUE(Contains((*at2)->lines, "items.note"));
  db.reset();

  auto status = Cli({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("the schema is the recorded state of 1.1.0"), std::string::npos)
      << status.out;

  auto rollback = Cli({"rollback", "--to", "1.0.0", "--reason", "drift test", "--yes"});
  EXPECT_EQ(rollback.exit_code, 5) << rollback.out << rollback.err;
  EXPECT_NE(rollback.out.find("rolled back, schema differs from the recorded state of 1.0.0"),
            std::string::npos)
      << rollback.out;
  EXPECT_NE(rollback.out.find("+ index items.items_by_name"), std::string::npos) << rollback.out;
  // Reported at once, when the step reached the release (a warning on stderr), not only at the end.
  EXPECT_NE(rollback.err.find("the schema differs from the recorded state of 1.0.0"),
            std::string::npos)
      << rollback.err;

  // status: drift against the recorded state of 1.0.0.
  status = Cli({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("drift:        the schema differs from the recorded state of 1.0.0"),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("+ index items.items_by_name"), std::string::npos) << status.out;
  auto sj = Cli({"status", "--output", "json"});
  ASSERT_EQ(sj.exit_code, 0) << sj.err;
  auto s = nlohmann::json::parse(sj.out);
  EXPECT_EQ(s["schema_drift_release"], "1.0.0") << s;
  ASSERT_TRUE(s["schema_drift"].is_array()) << s;
  ASSERT_EQ(s["schema_drift"].size(), 1u) << s;
  EXPECT_EQ(s["schema_drift"][0].get<std::string>().rfind("+ index items.items_by_name", 0), 0u)
      << s;

  // history records it with the run.
  auto hj = Cli({"history", "--output", "json"});
  ASSERT_EQ(hj.exit_code, 0) << hj.err;
  auto runs = nlohmann::json::parse(hj.out)["runs"];
  ASSERT_EQ(runs.size(), 2u) << runs;
  EXPECT_EQ(runs[0]["kind"], "rollback") << runs;
  EXPECT_EQ(runs[0]["status"], "done") << runs;
  ASSERT_EQ(runs[0]["schema_drift"].size(), 1u) << runs;
  EXPECT_EQ(runs[0]["schema_drift"][0]["release"], "1.0.0") << runs;
  EXPECT_EQ(runs[1]["schema_drift"].size(), 0u) << runs;
  auto history = Cli({"history"});
  EXPECT_NE(history.out.find("schema differs from the recorded state of 1.0.0"), std::string::npos)
      << history.out;

  // Put right by hand: status says so.
  db = Open();
  ASSERT_NE(db, nullptr);
  {
    auto txn = db->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Exec("DROP INDEX items_by_name").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  status = Cli({"status"});
  EXPECT_NE(status.out.find("the schema is the recorded state of 1.0.0"), std::string::npos)
      << status.out;
}

TEST_P(SchemaDriftTest, ARightDownRollsBackWithExitZeroAndNoDifference) {
  WriteApp(kRightDown2);
  ASSERT_EQ(Cli({"deploy", "--yes"}).exit_code, 0);
  auto rollback =
      Cli({"rollback", "--to", "1.0.0", "--reason", "clean", "--yes", "--output", "json"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  auto j = nlohmann::json::parse(rollback.out);
  EXPECT_EQ(j["outcome"], "done") << j;
  EXPECT_EQ(j["schema_drift"].size(), 0u) << j;
  auto s = nlohmann::json::parse(Cli({"status", "--output", "json"}).out);
  EXPECT_EQ(s["schema_drift"], nlohmann::json::array()) << s;
  auto runs = nlohmann::json::parse(Cli({"history", "--output", "json"}).out)["runs"];
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0]["schema_drift"].size(), 0u) << runs;
}

TEST_P(SchemaDriftTest, JsonRollbackOutcomeNamesTheDifference) {
  WriteApp(kWrongDown2);
  ASSERT_EQ(Cli({"deploy", "--yes"}).exit_code, 0);
  auto rollback =
      Cli({"rollback", "--to", "1.0.0", "--reason", "json", "--yes", "--output", "json"});
  ASSERT_EQ(rollback.exit_code, 5) << rollback.out << rollback.err;
  auto j = nlohmann::json::parse(rollback.out);
  EXPECT_EQ(j["outcome"], "schema-differs") << j;
  ASSERT_EQ(j["schema_drift"].size(), 1u) << j;
  EXPECT_EQ(j["schema_drift"][0]["release"], "1.0.0") << j;
}

TEST_P(SchemaDriftTest, CheckWarnsForADownARecordedRehearsalFoundNotToRoundTrip) {
  WriteApp(kWrongDown2);
  ASSERT_EQ(Cli({"deploy", "--yes"}).exit_code, 0);
  auto rehearse = Cli({"rehearse", "--from", "1.0.0", "--each", "--report", dir_ / "report"});
  ASSERT_EQ(rehearse.exit_code, 2) << rehearse.out << rehearse.err;
  const std::string report = dir_ / "report/rehearsal.json";
  auto j = nlohmann::json::parse(ReadFileOrDie(report));
  ASSERT_EQ(j["migrations"].size(), 1u) << j;
  EXPECT_EQ(j["migrations"][0]["verdict"], "drift") << j;

  // Without the rehearsal, check knows nothing of it.
  auto plain = Cli({"check", "--to", "1.0.0"});
  EXPECT_EQ(plain.out.find("did not round-trip"), std::string::npos) << plain.out;
  // With it: a warning naming the migration and its release, in advance.
  auto check = Cli({"check", "--to", "1.0.0", "--rehearsal", report});
  EXPECT_EQ(check.exit_code, 4) << check.out << check.err;
  EXPECT_NE(check.out.find("[1.1.0] migration 0002_note: its down did not round-trip in the "
                           "rehearsal " +
                           report),
            std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("drift: extra after"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("items_by_name"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("0 of the 1 down(s) of this rollback rehearsed clean"),
            std::string::npos)
      << check.out;

  // A rehearsal of another down file does not apply: noted, not warned.
  j["migrations"][0]["down_sha256"] = std::string(64, '0');
  WriteFileOrDie(dir_ / "other.json", j.dump());
  check = Cli({"check", "--to", "1.0.0", "--rehearsal", dir_ / "other.json"});
  EXPECT_EQ(check.out.find("did not round-trip"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("rehearsed another down file than the one stored in the database"),
            std::string::npos)
      << check.out;

  // Not a report of rehearse --each, or of another app: refused.
  WriteFileOrDie(dir_ / "bad.json", "{\"app\": \"tiny\"}");
  check = Cli({"check", "--to", "1.0.0", "--rehearsal", dir_ / "bad.json"});
  EXPECT_EQ(check.exit_code, 2) << check.out << check.err;
  EXPECT_NE(check.err.find("not the report of `rehearse --each`"), std::string::npos) << check.err;
  j["app"] = "other";
  WriteFileOrDie(dir_ / "app.json", j.dump());
  check = Cli({"check", "--to", "1.0.0", "--rehearsal", dir_ / "app.json"});
  EXPECT_EQ(check.exit_code, 2) << check.out << check.err;
  EXPECT_NE(check.err.find("a rehearsal of app 'other', not 'tiny'"), std::string::npos)
      << check.err;
}

TEST_P(SchemaDriftTest, ADownThatReordersColumnsIsColumnOrderOnlyAndStillReported) {
  // The down rebuilds the table with its columns in another order (no key: nothing else differs).
  WriteApp(
      "CREATE TABLE pairs_new (b TEXT, a INTEGER);\nINSERT INTO pairs_new (b, a) SELECT b, a FROM "
      "pairs;\nDROP TABLE pairs;\nALTER TABLE pairs_new RENAME TO pairs;\n",
      "CREATE TABLE pairs (a INTEGER, b TEXT);\n", "DROP TABLE pairs;\n",
      "ALTER TABLE pairs ADD COLUMN c INTEGER;\n");
  ASSERT_EQ(Cli({"deploy", "--yes"}).exit_code, 0);
  auto rehearse = Cli({"rehearse", "--from", "1.0.0", "--each", "--output", "json", "-q"});
  EXPECT_EQ(rehearse.exit_code, 2) << rehearse.out << rehearse.err;
  auto j = nlohmann::json::parse(rehearse.out);
  ASSERT_EQ(j["migrations"].size(), 1u) << j;
  EXPECT_EQ(j["migrations"][0]["verdict"], "column order only") << j;
  EXPECT_NE(
      j["migrations"][0]["differences"].dump().find("column order of pairs: (a, b) -> (b, a)"),
      std::string::npos)
      << j;
  EXPECT_EQ(j["totals"]["column order only"], 1) << j;

  auto rollback = Cli({"rollback", "--to", "1.0.0", "--reason", "order", "--yes"});
  EXPECT_EQ(rollback.exit_code, 5) << rollback.out << rollback.err;
  EXPECT_NE(rollback.out.find("~ column order of pairs: (a, b) -> (b, a)"), std::string::npos)
      << rollback.out;
  auto status = Cli({"status"});
  EXPECT_NE(status.out.find("~ column order of pairs: (a, b) -> (b, a)"), std::string::npos)
      << status.out;
}

TEST_P(SchemaDriftTest, ADownThatAddsACheckConstraintIsReported) {
  // SQLite cannot add a constraint to a table (ALTER TABLE), so its down rebuilds the table with
  // one; PostgreSQL adds it.
  const bool pg = GetParam() == "postgresql";
  WriteApp(pg ? "ALTER TABLE items DROP COLUMN note;\nALTER TABLE items ADD CONSTRAINT "
                "name_not_empty CHECK (name <> '');\n"
              : "CREATE TABLE items_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (name "
                "<> ''));\nINSERT INTO items_new (id, name) SELECT id, name FROM items;\nDROP "
                "TABLE items;\nALTER TABLE items_new RENAME TO items;\n");
  ASSERT_EQ(Cli({"deploy", "--yes"}).exit_code, 0);
  auto rollback = Cli({"rollback", "--to", "1.0.0", "--reason", "check", "--yes"});
  EXPECT_EQ(rollback.exit_code, 5) << rollback.out << rollback.err;
  EXPECT_NE(rollback.out.find("rolled back, schema differs from the recorded state of 1.0.0"),
            std::string::npos)
      << rollback.out;
  EXPECT_NE(rollback.out.find(pg ? "+ constraint items.name_not_empty CHECK"
                                 : "+ check items CHECK (name <> '')"),
            std::string::npos)
      << rollback.out;
  auto status = Cli({"status"});
  EXPECT_NE(status.out.find("drift:        the schema differs from the recorded state of 1.0.0"),
            std::string::npos)
      << status.out;
}

}  // namespace
}  // namespace orchestrate::testing
