// The row ledger end to end, with the real binary, on SQLite and on PostgreSQL: every kind of seed
// (insert, update, delete, several tables, foreign keys, a table keyed by `key:`) deployed and
// rolled back leaves every table's data checksum as it was before the deploy; conflicts stop the
// rollback with the documented errors; an interrupted reversal resumes at the right batch.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <sstream>

#include <nlohmann/json.hpp>

#include "migrations/database.h"
#include "tests/support/mysql.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

// A small app: release 1.0.0 creates the tables and their first rows; 1.1.0 seeds with the ledger.
const char kSchema[] = R"(
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score INTEGER);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id),
                    note TEXT);
CREATE TABLE tags (label TEXT NOT NULL, weight INTEGER);
CREATE TABLE other (id INTEGER PRIMARY KEY, v TEXT);
CREATE TABLE categories (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories (id),
                         name TEXT NOT NULL);
INSERT INTO parent (id, name, score) VALUES (1, 'one', 10), (2, 'two', 20), (3, 'three', NULL);
INSERT INTO child (id, parent_id, note) VALUES (1, 1, 'a'), (2, 2, 'b');
INSERT INTO tags (label, weight) VALUES ('red', 1), ('blue', 2);
INSERT INTO other (id, v) VALUES (1, 'x');
)";
const char kSchemaDown[] =
    "DROP TABLE child;\nDROP TABLE parent;\nDROP TABLE tags;\nDROP TABLE other;\n"
    "DROP TABLE categories;\n";

// Inserts (multi-row, and children of new parents), updates (several rows, NULLs) and deletes.
const char kMixedSeed[] = R"(
INSERT INTO parent (id, name, score) VALUES (10, 'ten', 100), (11, 'eleven', 110), (12, 'it''s', 0);
INSERT INTO child (id, parent_id, note) VALUES (10, 10, 'new'), (11, 11, NULL);
UPDATE parent SET score = score + 1, name = 'uno' WHERE id = 1;
UPDATE parent SET score = 5 WHERE id IN (2, 3);
UPDATE parent SET score = 6 WHERE id = 2;
DELETE FROM child WHERE id = 2;
UPDATE tags SET weight = 9 WHERE label = 'red';
DELETE FROM tags WHERE label = 'blue';
INSERT INTO tags (label, weight) VALUES ('green', 3);
)";

class LedgerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      ORCH_REQUIRE_PG(url);
      url_ = url;
    } else if (GetParam() == "mysql") {
      ORCH_REQUIRE_MYSQL(url);
      url_ = url;
    } else {
      url_ = "sqlite:" + (dir_ / "app.db");
    }
  }

  // Writes plan.yaml and the two releases; `seed_entry` is the seeds: list item of 1.1.0.
  void WritePlan(const std::string& seed_sql, const std::string& tables,
                 const std::string& policy = "", const std::string& extra_seed_keys = "") {
    WriteFileOrDie(dir_ / "app/plan.yaml",
                   "app: ledgerapp\nreleases: releases/\nenvironments:\n  local:\n"
                   "    database: sqlite:unused.db\n"
                   "    deployer: {kind: file, path: image.txt}\n" +
                       (policy.empty() ? "" : "policy: {" + policy + "}\n"));
    WriteFileOrDie(dir_ / "app/sql/0001.up.sql", kSchema);
    WriteFileOrDie(dir_ / "app/sql/0001.down.sql", kSchemaDown);
    WriteFileOrDie(dir_ / "app/releases/1.0.0.yaml",
                   "version: 1.0.0\nimage: app:1.0.0\nmigrations:\n"
                   "  - {id: '0001', up: ../sql/0001.up.sql, down: ../sql/0001.down.sql}\n");
    WriteFileOrDie(dir_ / "app/seeds/mixed.sql", seed_sql);
    WriteFileOrDie(dir_ / "app/releases/1.1.0.yaml",
                   "version: 1.1.0\nimage: app:1.1.0\nseeds:\n  - {id: mixed, tables: " + tables +
                       ", sql: ../seeds/mixed.sql" + extra_seed_keys + "}\n");
  }

  ProcessResult Run(std::vector<std::string> args, const std::string& bin = "",
                    const std::map<std::string, std::string>& env = {}) {
    args.insert(args.begin() + 1, dir_ / "app/plan.yaml");
    args.insert(args.begin(), bin.empty() ? OrchestrateBin() : bin);
    args.insert(args.end(), {"--database", url_});
    ProcessOptions o;
    o.env = env;
    return RunProcess(args, o);
  }

  nlohmann::json Status() {
    auto r = Run({"status", "--output", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  }

  QueryResult Query(const std::string& sql) {
    auto db = OpenDatabase(url_, dir_.path());
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return {};
    auto txn = (*db)->Begin();
    EXPECT_TRUE(txn.ok());
    auto r = (*txn)->Query(sql);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : QueryResult{};
  }
  void Exec(const std::string& sql) {
    auto db = OpenDatabase(url_, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().message();
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->ExecScript(sql).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  long Count(const std::string& sql) {
    auto r = Query(sql);
    return r.rows.empty() ? -1 : ToLong(r.rows[0][0]);
  }

  void Deploy(const std::string& to) {
    auto r = Run({"deploy", "--to", to, "--yes"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  TempDir dir_;
  std::string url_;
};

// Tests of one engine's own mechanism (query plans, authorizer, catalog comparison).
class SqliteLedgerTest : public LedgerTest {};
// The review script (`orchestrate sql`) run by hand with each engine's client.
class ScriptLedgerTest : public LedgerTest {};
class PgLedgerTest : public LedgerTest {};

TEST_P(LedgerTest, EverySeedKindRoundTripsToTheSameData) {
  WritePlan(kMixedSeed, "[parent, child, {name: tags, key: [label]}]");
  Deploy("1.0.0");
  auto before = Status();
  Deploy("1.1.0");
  EXPECT_EQ(Count("SELECT count(*) FROM parent"), 6);
  EXPECT_EQ(Count("SELECT score FROM parent WHERE id = 2"), 6);
  // Every insert, update and delete statement was recorded.
  EXPECT_GT(Count("SELECT count(*) FROM orchestrate_ledger WHERE seed_id = 'mixed'"), 5);
  EXPECT_NE(Status()["data_fingerprint"], before["data_fingerprint"]);

  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto after = Status();
  EXPECT_EQ(after["data_fingerprint"], before["data_fingerprint"]);
  EXPECT_EQ(after["tables"], before["tables"]);
  EXPECT_EQ(Count("SELECT count(*) FROM orchestrate_ledger"), 0);

  // A re-deploy after the rollback records afresh and rolls back again.
  Deploy("1.1.0");
  r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
}

// Row 2 is updated by both statements: its second change goes to a later generation of the run,
// whose first generation (rows 1, 2 and 3) is then not contiguous in the order of the changes.
TEST_P(LedgerTest, ARowUpdatedTwiceAmongOthersIsReversedToItsFirstValues) {
  WritePlan(
      "UPDATE parent SET score = 100 WHERE id IN (1, 2);\n"
      "UPDATE parent SET score = 200 WHERE id IN (2, 3);\n",
      "[parent]");
  Deploy("1.0.0");
  auto before = Status();
  Deploy("1.1.0");
  EXPECT_EQ(Count("SELECT score FROM parent WHERE id = 1"), 100);
  EXPECT_EQ(Count("SELECT score FROM parent WHERE id = 2"), 200);
  EXPECT_EQ(Count("SELECT count(*) FROM orchestrate_ledger"), 2);  // two generations
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
  EXPECT_EQ(Count("SELECT score FROM parent WHERE id = 2"), 20);
}

// A seed written as one statement per row: consecutive inserts, updates or deletes of one table
// share a chunk, up to batch_rows, on every engine; another table's statement in between starts a
// new chunk, and a row updated twice goes to a later chunk (rows 1 and 2 share the first, row 1's
// second update is alone). The merged chunks reverse exactly their rows, every row gets its first
// value back, a changed row among them is still found, and the keys of a chunk can be a range that
// grew (PostgreSQL: 26, 27) or keys that are not (20, 21, 25).
TEST_P(LedgerTest, ConsecutiveStatementsOfOneTableShareAChunk) {
  const std::string seed_sql =
      "INSERT INTO parent (id, name) VALUES (20, 'a');\n"
      "INSERT INTO parent (id, name) VALUES (21, 'b');\n"
      "INSERT INTO parent (id, name) VALUES (25, 'c');\n"
      "INSERT INTO parent (id, name) VALUES (26, 'd');\n"
      "INSERT INTO parent (id, name) VALUES (27, 'e');\n"
      "INSERT INTO other (id, v) VALUES (5, 'o');\n"
      "INSERT INTO parent (id, name) VALUES (28, 'f');\n"
      "INSERT INTO tags (label, weight) VALUES ('t1', 1);\n"
      "INSERT INTO tags (label, weight) VALUES ('t2', 2);\n"
      "DELETE FROM child WHERE id = 1;\n"
      "DELETE FROM child WHERE id = 2;\n"
      "UPDATE parent SET score = 1 WHERE id = 1;\n"
      "UPDATE parent SET score = 5 WHERE id = 2;\n"
      "UPDATE parent SET score = 2 WHERE id = 1;\n";
  const std::string tables = "[parent, other, child, {name: tags, key: [label]}]";
  WritePlan(seed_sql, tables, "batch_rows: 3");
  Deploy("1.0.0");
  auto before = Status();
  Deploy("1.1.0");
  std::string chunks;
  for (const auto& r :
       Query("SELECT table_name, op, row_count FROM orchestrate_ledger ORDER BY id").rows)
    chunks += r[0].value_or("") + " " + r[1].value_or("") + " " + r[2].value_or("") + "; ";
  EXPECT_EQ(chunks,
            "parent insert 3; parent insert 2; other insert 1; parent insert 1; tags insert 2; "
            "child delete 2; parent update 2; parent update 1; ");
  if (GetParam() == "postgresql") {
    EXPECT_EQ(Count("SELECT count(*) FROM orchestrate_ledger WHERE key_min = 26 AND key_max = 27 "
                    "AND new_rows IS NULL"),
              1);
    EXPECT_EQ(Count("SELECT count(*) FROM orchestrate_ledger WHERE key_min = 20 AND key_max = 25 "
                    "AND new_rows::bigint[] = '{20,21,25}'"),
              1);
  }

  // A row of a merged chunk changed after the deploy stops the rollback, listed by its key.
  Exec("UPDATE parent SET name = 'changed by the app' WHERE id = 21;");
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("id=21"), std::string::npos) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE id = 21"), 1);
  // PostgreSQL knows a changed row by the transaction that wrote it last, not by its values.
  WritePlan(seed_sql, tables, "batch_rows: 3, on_modified: revert");

  r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM orchestrate_ledger"), 0);
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
  EXPECT_EQ(Count("SELECT count(*) FROM child"), 2);
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE score IS NULL OR score <> 1"), 3);
  EXPECT_EQ(Count("SELECT score FROM parent WHERE id = 1"), 10);
  EXPECT_EQ(Count("SELECT score FROM parent WHERE id = 2"), 20);
}

TEST_P(LedgerTest, ARowChangedAfterTheDeployStopsTheRollbackListingIt) {
  WritePlan(kMixedSeed, "[parent, child, {name: tags, key: [label]}]");
  Deploy("1.1.0");
  Exec("UPDATE parent SET name = 'changed by the app' WHERE id = 11;");
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("changed after the deploy"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("id=11"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("on_modified"), std::string::npos) << r.err;
  // Nothing of the failed batch was applied: the row is as the app left it.
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE name = 'changed by the app'"), 1);
}

TEST_P(LedgerTest, OnModifiedKeepLeavesTheChangedRowAndReversesTheRest) {
  WritePlan(kMixedSeed, "[parent, child, {name: tags, key: [label]}]", "on_modified: keep");
  Deploy("1.1.0");
  Exec("UPDATE parent SET name = 'changed by the app' WHERE id = 12;");
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE id = 12"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE id IN (10, 11)"), 0);
  EXPECT_EQ(Count("SELECT score FROM parent WHERE id = 2"), 20);
}

TEST_P(LedgerTest, OnModifiedRevertReversesChangedRowsToo) {
  WritePlan(kMixedSeed, "[parent, child, {name: tags, key: [label]}]", "on_modified: revert");
  Deploy("1.0.0");
  auto before = Status();
  Deploy("1.1.0");
  Exec(
      "UPDATE parent SET name = 'changed by the app' WHERE id IN (2, 12);\n"
      "INSERT INTO tags (label, weight) VALUES ('blue', 7);");
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
  // The values the app wrote exist nowhere else: they were copied before being overwritten.
  auto list = Run({"snapshots", "list", "--output", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("changed since the deploy"), std::string::npos) << list.out;
  long rows = 0;
  const auto listed = nlohmann::json::parse(list.out);
  for (const auto& s : listed["snapshots"]) rows += s.value("rows", 0L);
  EXPECT_EQ(rows, 3) << list.out;  // parent 2 (updated), 12 (inserted), tags 'blue' (re-created)
}

// A row one release's seed inserted and a later release's seed updated: the later reversal gives
// it back the values the first seed wrote, and the first reversal still recognises it as its own.
TEST_P(LedgerTest, SeedsOfSeveralReleasesReverseInOrder) {
  WritePlan("INSERT INTO parent (id, name, score) VALUES (70, 'seventy', 1), (71, 'x', 2);\n",
            "[parent]");
  WriteFileOrDie(dir_ / "app/seeds/later.sql",
                 "UPDATE parent SET score = 99 WHERE id IN (1, 70);\nDELETE FROM parent WHERE id = "
                 "71;\nINSERT INTO parent (id, name) VALUES (72, 'y');\n");
  WriteFileOrDie(dir_ / "app/releases/1.2.0.yaml",
                 "version: 1.2.0\nimage: app:1.2.0\nseeds:\n"
                 "  - {id: later, tables: [parent], sql: ../seeds/later.sql}\n");
  Deploy("1.0.0");
  auto at100 = Status();
  Deploy("1.1.0");
  auto at110 = Status();
  Deploy("1.2.0");
  auto r = Run({"rollback", "--to", "1.1.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Status()["data_fingerprint"], at110["data_fingerprint"]);
  r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Status()["data_fingerprint"], at100["data_fingerprint"]);
  // And straight from 1.2.0 to 1.0.0 in one run.
  Deploy("1.2.0");
  r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Status()["data_fingerprint"], at100["data_fingerprint"]);
}

TEST_P(LedgerTest, ARowReferencedByALaterRowStopsTheRollbackNamingTheReferencingTable) {
  WritePlan(kMixedSeed, "[parent, child, {name: tags, key: [label]}]");
  Deploy("1.1.0");
  Exec("INSERT INTO child (id, parent_id, note) VALUES (99, 10, 'made by the app');");
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("referenced by rows of child"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("id=10"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("options:"), std::string::npos) << r.err;
  // Removing the referencing row and running the same command again finishes the rollback.
  Exec("DELETE FROM child WHERE id = 99;");
  r = Run({"rollback", "--to", "1.0.0", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM parent"), 3);
}

TEST_P(LedgerTest, AWriteToAnUndeclaredTableFailsTheSeedAndAppliesNothing) {
  WritePlan(
      "INSERT INTO parent (id, name) VALUES (50, 'fifty');\n"
      "UPDATE other SET v = 'y' WHERE id = 1;\n",
      "[parent]");
  Deploy("1.0.0");
  auto before = Status();
  auto r = Run({"deploy", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("wrote to table other"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not declare"), std::string::npos) << r.err;
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
}

TEST_P(LedgerTest, ATableWithoutPrimaryKeyNeedsKeyColumns) {
  WritePlan("INSERT INTO tags (label, weight) VALUES ('x', 1);\n", "[tags]");
  Deploy("1.0.0");
  auto r = Run({"deploy", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("has no primary key"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("key: ["), std::string::npos) << r.err;
}

TEST_P(LedgerTest, AnUndoSqlWinsOverTheLedger) {
  WritePlan("INSERT INTO parent (id, name) VALUES (60, 'sixty'), (61, 'sixty-one');\n", "[parent]",
            "", ", undo: ../seeds/undo.sql");
  WriteFileOrDie(dir_ / "app/seeds/undo.sql", "DELETE FROM parent WHERE id = 60;\n");
  Deploy("1.1.0");
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The undo deleted 60 only; the ledger would have removed both.
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE id = 61"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM orchestrate_ledger"), 0);
}

TEST_P(LedgerTest, AnInterruptedReversalResumesAtTheNextBatch) {
  std::string seed = "INSERT INTO parent (id, name) VALUES ";
  // Even ids only: on PostgreSQL the chunks are not dense ranges and are deleted key by key.
  for (int i = 100; i < 120; ++i)
    seed += (i > 100 ? ", (" : "(") + std::to_string(2 * i) + ", 'n')";
  seed += ";\n";
  WritePlan(seed, "[parent]", "batch_rows: 3");
  Deploy("1.0.0");
  auto before = Status();
  Deploy("1.1.0");
  long chunks = Count("SELECT count(*) FROM orchestrate_ledger");
  EXPECT_EQ(chunks, 7);  // 20 rows in chunks of 3
  // The rollback's steps: 1 swap image, 2 reverse seed mixed, 3 forget release 1.1.0.
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"}, FailpointsBin(),
               {{"ORCHESTRATE_FAILPOINT", "after-batch:2:2"}});
  ASSERT_EQ(r.signal, SIGKILL) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM orchestrate_ledger"), chunks - 2);
  // Newest first: the last chunk holds 20 - 6 * 3 = 2 rows, the one before it 3.
  EXPECT_EQ(Count("SELECT count(*) FROM parent"), 3 + 20 - 5);
  // Progress (without a terminal: a line per batch) counts the whole reversal, with the rate.
  EXPECT_NE(r.err.find("; 2/20 rows done, "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("; 5/20 rows done, "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" rows/s, about "), std::string::npos) << r.err;
  r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM orchestrate_ledger"), 0);
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
  // The resumed run's progress starts from what the killed one reversed (5 of 20).
  EXPECT_NE(r.err.find("; 8/20 rows done"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("/15 rows done"), std::string::npos) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM orchestrate_meta WHERE key LIKE 'ledger_rows:%'"), 0);
}

// Consecutive integer keys: PostgreSQL records the range (not the keys) and reverses it from the
// top in slices of batch_rows, shrinking the range in each slice's transaction.
TEST_P(LedgerTest, ARangeOfKeysIsReversedInSlicesAndResumes) {
  WritePlan(
      "INSERT INTO parent (id, name) SELECT 300 + x, 'r' FROM (SELECT 0 AS x UNION ALL "
      "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 "
      "UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d;\n",
      "[parent]", "batch_rows: 3");
  Deploy("1.0.0");
  auto before = Status();
  Deploy("1.1.0");
  bool pg = GetParam() == "postgresql";
  EXPECT_EQ(Count("SELECT count(*) FROM orchestrate_ledger"), pg ? 1 : 4);
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"}, FailpointsBin(),
               {{"ORCHESTRATE_FAILPOINT", "after-batch:2:2"}});
  ASSERT_EQ(r.signal, SIGKILL) << r.err;
  // PostgreSQL: two slices of 3 from the top; SQLite: the newest chunk (1 row), then one of 3.
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE id >= 300"), pg ? 4 : 6);
  if (pg) {
    EXPECT_EQ(Count("SELECT row_count FROM orchestrate_ledger"), 4);
    EXPECT_EQ(Count("SELECT key_max FROM orchestrate_ledger"), 303);
  }
  r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM orchestrate_ledger"), 0);
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
}

// A row changed after the deploy in a later slice of a range (the slices after the first skip
// reading the ledger first on PostgreSQL): the rollback stops at that slice, listing the row,
// with the slices before it done; with on_modified: keep it goes on and leaves only that row.
TEST_P(LedgerTest, AChangedRowInALaterSliceOfARangeIsFoundAndKeptOnRequest) {
  const std::string seed =
      "INSERT INTO parent (id, name) SELECT 300 + x, 'r' FROM (SELECT 0 AS x UNION ALL "
      "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 "
      "UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d;\n";
  WritePlan(seed, "[parent]", "batch_rows: 3");
  Deploy("1.0.0");
  auto before = Status();
  Deploy("1.1.0");
  Exec("UPDATE parent SET name = 'changed by the app' WHERE id = 302;");
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("1 row(s) of parent that it inserted were changed after the deploy"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("id=302"), std::string::npos) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE name = 'changed by the app'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE id >= 300"),
            GetParam() == "postgresql" ? 4 : 3);  // the batch holding 302 was rolled back

  WritePlan(seed, "[parent]", "batch_rows: 3, on_modified: keep");
  r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE id >= 300"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE id = 302"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM orchestrate_ledger"), 0);
  Exec("DELETE FROM parent WHERE id = 302;");
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
}

TEST_P(LedgerTest, CheckSaysNoGoForChangedAndReferencedSeededRows) {
  WritePlan(kMixedSeed, "[parent, child, {name: tags, key: [label]}]");
  Deploy("1.1.0");
  auto r = Run({"check", "--to", "1.0.0"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("the ledger reverses"), std::string::npos) << r.out;
  auto before = Status();
  Exec("INSERT INTO child (id, parent_id, note) VALUES (99, 10, 'made by the app');");
  r = Run({"check", "--to", "1.0.0"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("referenced by rows of child"), std::string::npos) << r.out;
  Exec("DELETE FROM child WHERE id = 99;\nUPDATE parent SET name = 'changed' WHERE id = 11;");
  r = Run({"check", "--to", "1.0.0"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("1 row(s) of parent that it inserted were changed after the deploy"),
            std::string::npos)
      << r.out;
  // The check reversed the ledger in a transaction it rolled back: nothing changed.
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE id IN (10, 11, 12)"), 3);
  EXPECT_GT(Count("SELECT count(*) FROM orchestrate_ledger"), 5);
}

// The review script lists the ledger's statements, and they are what a DBA can run by hand.
TEST_P(ScriptLedgerTest, TheReviewScriptReversesTheLedgerWhenRunByHand) {
  WritePlan(kMixedSeed, "[parent, child, {name: tags, key: [label]}]");
  Deploy("1.0.0");
  auto before = Status();
  Deploy("1.1.0");
  std::string script = dir_ / "rollback.sql";
  auto r = Run({"sql", "--rollback", "--to", "1.0.0", "-o", script});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string text = ReadFileOrDie(script);
  EXPECT_NE(text.find("-- ledger chunk"), std::string::npos) << text;
  EXPECT_NE(text.find("DELETE FROM orchestrate_ledger WHERE id ="), std::string::npos);
  ProcessResult ran;
  if (GetParam() == "postgresql")
    ran = RunProcess(
        {"/usr/bin/psql", "-X", "-q", "-v", "orchestrate_unattended=1", url_, "-f", script});
  else if (GetParam() == "mysql")
    ran = RunMariadbScript(url_, script);
  else
    ran = RunProcess({"/usr/bin/sqlite3", "-bail", dir_ / "app.db", ".read " + script});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
  EXPECT_EQ(Count("SELECT count(*) FROM orchestrate_ledger"), 0);
}

// Issue 15 item 11: a seed inserting a tree into a self-referencing table. Its own rows are not
// foreign references: the rows of a chunk go in one statement (the foreign key is checked at its
// end), and chunks go newest first, so children (inserted after their parents) go first.
TEST_P(LedgerTest, ASelfReferencingTreeTheSeedInsertedIsReversed) {
  const std::string tree =
      "INSERT INTO categories (id, parent_id, name) VALUES (1, NULL, 'root'), (2, 1, 'a'), "
      "(3, 1, 'b'), (4, 2, 'a1'), (5, 4, 'a1x');\n"
      "INSERT INTO categories (id, parent_id, name) VALUES (6, 5, 'deep'), (7, 3, 'b1');\n";
  // In chunks of 2: a chunk holds a parent and its child, and a child's chunk is newer than its
  // parent's (PostgreSQL: a range of ids, reversed from the top).
  WritePlan(tree, "[categories]", "batch_rows: 2");
  Deploy("1.0.0");
  auto before = Status();
  Deploy("1.1.0");
  EXPECT_EQ(Count("SELECT count(*) FROM categories"), 7);
  auto r = Run({"check", "--to", "1.0.0"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("created after the deploy"), std::string::npos) << r.out;
  r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM categories"), 0);
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
  // One chunk for the whole tree.
  WritePlan(tree, "[categories]");
  Deploy("1.1.0");
  r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
}

// A row the application added under the seeded tree still stops the reversal, named as such.
TEST_P(LedgerTest, AnAppRowUnderTheSeededTreeStillStopsTheReversal) {
  WritePlan("INSERT INTO categories (id, parent_id, name) VALUES (1, NULL, 'root'), (2, 1, 'a');\n",
            "[categories]");
  Deploy("1.1.0");
  Exec("INSERT INTO categories (id, parent_id, name) VALUES (50, 2, 'made by the app');");
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("referenced by rows of categories"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("id=2"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("id=1)"), std::string::npos) << r.err;  // referenced by its own row only
  EXPECT_EQ(Count("SELECT count(*) FROM categories"), 3);
  Exec("DELETE FROM categories WHERE id = 50;");
  r = Run({"rollback", "--to", "1.0.0", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM categories"), 0);
}

// Issue 15 item 10: reversing 4,000 inserted rows of a 51,000-row table took 203 s on SQLite (each
// row of the table was compared with every recorded row). By key, it takes well under a second.
TEST_P(LedgerTest, ReversingThousandsOfRowsOfABigTableGoesByKey) {
  // MariaDB stops a recursive query after max_recursive_iterations (1000 here) unless told.
  const std::string more =
      GetParam() == "mysql" ? "SET STATEMENT max_recursive_iterations = 100000 FOR " : "";
  WritePlan(more +
                "INSERT INTO parent (id, name, score) WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL "
                "SELECT x + 1 FROM n WHERE x < 4000) SELECT 100000 + 2 * x, 'seeded', x FROM n;\n",
            "[parent]");
  Deploy("1.0.0");
  Exec(more +
       "INSERT INTO parent (id, name, score) WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + "
       "1 FROM n WHERE x < 47000) SELECT 1000 + x, 'app', x FROM n;");
  auto before = Status();
  Deploy("1.1.0");
  EXPECT_EQ(Count("SELECT count(*) FROM parent"), 51003);
  auto started = std::chrono::steady_clock::now();
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM parent"), 47003);
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
  EXPECT_LT(seconds, 30.0) << "the reversal is not by key";
}

// The same, without timing: every statement the review script lists for a chunk finds the
// table's rows through its key (SQLite's plan shows SEARCH, never a SCAN of the table).
TEST_P(SqliteLedgerTest, EveryReversalStatementFindsRowsThroughTheKey) {
  WritePlan(kMixedSeed, "[parent, child, {name: tags, key: [label]}]");
  Deploy("1.1.0");
  std::string script = dir_ / "rollback.sql";
  for (const std::string policy : {"", "on_modified: keep"}) {
    WritePlan(kMixedSeed, "[parent, child, {name: tags, key: [label]}]", policy);
    auto r = Run({"sql", "--rollback", "--to", "1.0.0", "-o", script});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(ReadFileOrDie(script));
    int checked = 0;
    for (std::string line; std::getline(lines, line);) {
      // The table the statement changes (deleting rows of parent also makes SQLite look for rows
      // of child that reference them, which scans child: it has no index on parent_id).
      std::string table;
      for (const char* t : {"parent", "child"})
        if (line.find(std::string(" \"") + t + "\" ") < line.find(" WHERE")) table = t;
      if (line.rfind("--", 0) == 0 || table.empty()) continue;
      auto plan = Query("EXPLAIN QUERY PLAN " + line.substr(0, line.size() - 1));
      std::string text;
      for (const auto& row : plan.rows) text += row.back().value_or("") + "\n";
      ++checked;
      for (const std::string& scan :
           std::vector<std::string>{"SCAN " + table + "\n", "SCAN t\n", "SCAN d\n"})
        EXPECT_EQ(text.find(scan), std::string::npos) << line << "\n" << text;
    }
    EXPECT_GE(checked, 4) << policy;
  }
}

// Issue 15 item 3: a seed writes rows of its declared tables; DDL destroyed data that nothing
// restored. Refused by `validate` (file:line:col) and at run time before anything ran.
TEST_P(LedgerTest, ASeedThatChangesTheSchemaIsRefused) {
  const std::string inserts = "INSERT INTO parent (id, name) VALUES (50, 'fifty');\n";
  WritePlan(inserts, "[parent]");
  Deploy("1.0.0");
  auto before = Status();
  for (const std::string ddl : {"DROP TABLE other;", "ALTER TABLE other DROP COLUMN v;",
                                "  CREATE INDEX o_v ON other (v);", "TRUNCATE other;"}) {
    if (GetParam() == "sqlite" && ddl == "TRUNCATE other;") continue;  // no TRUNCATE in SQLite
    SCOPED_TRACE(ddl);
    WritePlan(inserts + ddl + "\n", "[parent]");
    auto r = Run({"validate"});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    std::string col = ddl[0] == ' ' ? "3" : "1";
    EXPECT_NE(r.err.find("seeds/mixed.sql:2:" + col + ": seed mixed:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(ddl.substr(ddl.find_first_not_of(' '), 10)), std::string::npos) << r.err;
    r = Run({"deploy", "--yes"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("seed mixed (release 1.1.0)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("line 2:" + col), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("move"), std::string::npos) << r.err;
    EXPECT_EQ(Count("SELECT count(*) FROM other WHERE v = 'x'"), 1);
    EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
    EXPECT_EQ(Status()["tables"], before["tables"]);
  }
}

// What the analysis cannot see (PostgreSQL: DDL run by a DO block) is found at the end of the
// seed's transaction by comparing the catalog, and nothing of the seed is applied.
// (SQLite has no dynamic SQL: see the next test.)
TEST_P(PgLedgerTest, SchemaChangesHiddenFromTheAnalysisAreCaughtAtRunTime) {
  WritePlan("SELECT 1;\n", "[parent]");
  Deploy("1.0.0");
  auto before = Status();
  for (const std::string ddl : {"DROP TABLE other", "ALTER TABLE other DROP COLUMN v",
                                "TRUNCATE other", "CREATE TABLE sneaky (id int)"}) {
    SCOPED_TRACE(ddl);
    WritePlan("INSERT INTO parent (id, name) VALUES (50, 'fifty');\nDO $$ BEGIN EXECUTE '" + ddl +
                  "'; END $$;\n",
              "[parent]");
    auto r = Run({"deploy", "--yes"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("seed mixed (release 1.1.0) changed the schema"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find(ddl.rfind("CREATE", 0) == 0 ? "table sneaky created" : "table other "),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("line 2: DO"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("into a migration"), std::string::npos) << r.err;
    EXPECT_EQ(Count("SELECT count(*) FROM other WHERE v = 'x'"), 1);
    EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
  }
}

// SQLite: the seed runs under an authorizer that denies DDL before it runs (whatever the scanner
// made of the statement).
// (PostgreSQL compares the catalog instead: see the test before.)
// A chunk that statements join stops growing at 100 rows (each joining statement writes the
// chunk's keys again), or at 1,000 while its keys are a range of integers (the next keys only move
// its upper bound), whatever batch_rows allows: 1,001 one-row inserts of the next keys leave chunks
// of 1,000 and 1; 201 of keys with gaps, of 100, 100 and 1.
TEST_P(PgLedgerTest, AChunkThatStatementsJoinStopsAtAHundredRowsOrAThousandInARange) {
  std::string seed;
  for (int i = 0; i < 1001; ++i)
    seed += "INSERT INTO parent (id, name) VALUES (" + std::to_string(1000 + i) + ", 'n');\n";
  seed += "INSERT INTO other (id, v) VALUES (99, 'between');\n";
  for (int i = 0; i < 201; ++i)
    seed += "INSERT INTO parent (id, name) VALUES (" + std::to_string(5000 + 2 * i) + ", 'g');\n";
  WritePlan(seed, "[parent, other]");
  Deploy("1.0.0");
  auto before = Status();
  Deploy("1.1.0");
  std::string chunks;
  for (const auto& r : Query("SELECT row_count FROM orchestrate_ledger ORDER BY id").rows)
    chunks += r[0].value_or("") + " ";
  EXPECT_EQ(chunks, "1000 1 1 100 100 1 ");
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE id >= 1000"), 0);
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
}

// One-row updates of distinct rows join a chunk the same way, 100 rows at most; reversing them
// newest first gives every row its old values back, and the rows the seed inserted are still
// recognised as its own and deleted.
TEST_P(PgLedgerTest, OneRowUpdatesOfDistinctRowsShareAChunkOfAtMostAHundred) {
  std::string seed =
      "INSERT INTO parent (id, name) SELECT g, 'n' FROM generate_series(1000, 2000) g;\n";
  for (int i = 0; i < 1001; ++i)
    seed += "UPDATE parent SET score = " + std::to_string(i) +
            " WHERE id = " + std::to_string(1000 + i) + ";\n";
  seed += "UPDATE parent SET score = 7 WHERE id = 2;\n";
  WritePlan(seed, "[parent]");
  Deploy("1.0.0");
  auto before = Status();
  Deploy("1.1.0");
  std::string chunks;
  for (const auto& r : Query("SELECT op, row_count FROM orchestrate_ledger ORDER BY id").rows)
    chunks += r[0].value_or("") + " " + r[1].value_or("") + "; ";
  std::string expected = "insert 1001; ";
  for (int i = 0; i < 10; ++i) expected += "update 100; ";
  EXPECT_EQ(chunks, expected + "update 2; ");
  EXPECT_EQ(Count("SELECT score FROM parent WHERE id = 2000"), 1000);
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE id >= 1000"), 0);
  EXPECT_EQ(Count("SELECT score FROM parent WHERE id = 2"), 20);
  EXPECT_EQ(Status()["data_fingerprint"], before["data_fingerprint"]);
}

TEST_P(SqliteLedgerTest, TheSqliteAuthorizerRefusesSchemaChangesAndAllowsRows) {
  WritePlan("SELECT 1;\n", "[parent]");
  Deploy("1.0.0");
  auto db = OpenDatabase(url_, dir_.path());
  ASSERT_TRUE(db.ok()) << db.status().message();
  for (const std::string ddl :
       {"DROP TABLE other", "ALTER TABLE other DROP COLUMN v", "CREATE TEMP TABLE x (a)",
        "CREATE INDEX i ON other (v)", "PRAGMA writable_schema = ON"}) {
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->RefuseSchemaChanges(true, "seed s may only write rows").ok());
    EXPECT_TRUE((*txn)
                    ->ExecScript("INSERT INTO other (id, v) VALUES (7, 'y');\n"
                                 "UPDATE other SET v = 'z' WHERE id = 7;\nSAVEPOINT a;\n"
                                 "DELETE FROM other WHERE id = 7;\nRELEASE a;\n")
                    .ok());
    auto st = (*txn)->ExecScript("SELECT 1;\n" + ddl + ";\n");
    EXPECT_FALSE(st.ok()) << ddl;
    EXPECT_NE(st.message().find("seed s may only write rows"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("line 2"), std::string::npos) << st.message();
  }
  {  // Off again, the connection runs DDL as before.
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->RefuseSchemaChanges(true, "x").ok());
    ASSERT_TRUE((*txn)->RefuseSchemaChanges(false, "").ok());
    EXPECT_TRUE((*txn)->ExecScript("CREATE TABLE fine (a);\nDROP TABLE fine;\n").ok());
  }
  EXPECT_EQ(Count("SELECT count(*) FROM other"), 1);
}

// Issue 15 item 12: a reversal that stops after batches were committed says so, and what remains,
// instead of "nothing of this step was applied".
TEST_P(LedgerTest, AFailedReversalSaysWhatWasReversedAndWhatRemains) {
  std::string seed = "INSERT INTO parent (id, name) VALUES ";
  for (int i = 0; i < 10; ++i) seed += (i ? ", (" : "(") + std::to_string(400 + 2 * i) + ", 'n')";
  WritePlan(seed + ";\n", "[parent]", "batch_rows: 3");
  Deploy("1.1.0");
  // Chunks of 3, 3, 3 and 1 rows, reversed newest first: 418 is in the newest, 402 in the second.
  Exec("UPDATE parent SET name = 'changed by the app' WHERE id = 402;");
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.find("nothing of this step was applied"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("7 row(s) of seed mixed reversed by the batches before this one were "
                       "committed and stay reversed; 3 row(s) remain in its ledger"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("3 row(s) in 1 chunk(s) remain to reverse"), std::string::npos) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE id >= 400"), 3);
}

// The same when a foreign key blocks a later batch.
TEST_P(LedgerTest, AReversalBlockedByAReferenceSaysWhatWasReversedAndWhatRemains) {
  std::string seed = "INSERT INTO parent (id, name) VALUES ";
  for (int i = 0; i < 10; ++i) seed += (i ? ", (" : "(") + std::to_string(400 + 2 * i) + ", 'n')";
  WritePlan(seed + ";\n", "[parent]", "batch_rows: 3");
  Deploy("1.1.0");
  Exec("INSERT INTO child (id, parent_id, note) VALUES (99, 402, 'made by the app');");
  auto r = Run({"rollback", "--to", "1.0.0", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("referenced by rows of child"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("nothing of this step was applied"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("7 row(s) of seed mixed reversed by the batches before this one were "
                       "committed and stay reversed; 3 row(s) remain in its ledger"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("3 row(s) in 1 chunk(s) remain to reverse"), std::string::npos) << r.err;
  Exec("DELETE FROM child WHERE id = 99;");
  r = Run({"rollback", "--to", "1.0.0", "--yes"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM parent WHERE id >= 400"), 0);
}

INSTANTIATE_TEST_SUITE_P(Dialects, LedgerTest, ::testing::Values("sqlite", "postgresql", "mysql"),
                         [](const auto& param_info) { return param_info.param; });

INSTANTIATE_TEST_SUITE_P(Dialects, ScriptLedgerTest,
                         ::testing::Values("sqlite", "postgresql", "mysql"),
                         [](const auto& param_info) { return param_info.param; });
INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteLedgerTest, ::testing::Values("sqlite"),
                         [](const auto& param_info) { return param_info.param; });
INSTANTIATE_TEST_SUITE_P(Postgres, PgLedgerTest, ::testing::Values("postgresql"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace orchestrate::testing
