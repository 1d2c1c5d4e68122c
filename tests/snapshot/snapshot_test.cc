// Snapshots (snapshot/snapshot.h) on SQLite and on a real PostgreSQL: what each kind of destructive
// statement captures, that a capture commits or rolls back with the step's transaction, and that
// restore puts back exactly what was captured.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "migrations/fingerprint.h"
#include "migrations/journal.h"
#include "snapshot/snapshot.h"
#include "tests/support/names_test_util.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

#define ASSERT_OK(expr)                                                 \
  do {                                                                  \
    const auto& orch_r_ = (expr);                                       \
    ASSERT_TRUE(StatusOf(orch_r_).ok()) << StatusOf(orch_r_).message(); \
  } while (0)

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The parameter is the dialect: "sqlite" or "postgresql".
class SnapshotTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string url = "sqlite:" + dir_ / "db.sqlite";
    if (GetParam() == "postgresql") {
      ORCH_REQUIRE_PG(pg);
      url = pg;
      db_url_ = pg;
    }
    auto db = OpenDatabase(url, dir_.path());
    ASSERT_OK(db);
    db_ = std::move(db).value();
    snaps_ = std::make_unique<Snapshots>(*db_, [this] { return Clock(); });
  }

  bool IsPg() const { return GetParam() == "postgresql"; }

  // A clock that moves one minute per call from a fixed start, so created_at values differ.
  std::string Clock() {
    ++ticks_;
    char buf[64];
    std::snprintf(buf, sizeof buf, "2026-03-01T%02d:%02d:00.000Z", ticks_ / 60, ticks_ % 60);
    return buf;
  }

  void Run(const std::string& script) {
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    ASSERT_OK((*txn)->ExecScript(script));
    ASSERT_OK((*txn)->Commit());
  }

  // Runs `script` as a down step would: capture, then the script, then commit.
  std::vector<SnapshotInfo> Step(const std::string& script, const std::string& source = "m1") {
    auto txn = db_->Begin();
    EXPECT_TRUE(txn.ok()) << txn.status().message();
    if (!txn.ok()) return {};
    auto taken = snaps_->Capture(**txn, {7, 3, "1.1.0", source}, script);
    EXPECT_TRUE(taken.ok()) << taken.status().message();
    if (!taken.ok()) return {};
    Status ran = (*txn)->ExecScript(script);
    EXPECT_TRUE(ran.ok()) << ran.message();
    Status committed = (*txn)->Commit();
    EXPECT_TRUE(committed.ok()) << committed.message();
    return *taken;
  }

  // Every row of a query as "a|b|NULL" lines, sorted.
  std::vector<std::string> Rows(const std::string& sql) {
    auto txn = db_->BeginRead();
    EXPECT_TRUE(txn.ok());
    if (!txn.ok()) return {};
    auto r = (*txn)->Query(sql);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const Row& row : r->rows) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) line += (i ? "|" : "") + row[i].value_or("NULL");
      out.push_back(line);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Storage tables that exist now (orchestrate_snapshots.* or orchestrate_snap_*).
  std::vector<std::string> StorageTables() {
    return Rows(IsPg()
                    ? "SELECT tablename FROM pg_tables WHERE schemaname = 'orchestrate_snapshots'"
                    : "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE "
                      "'orchestrate\\_snap\\_%' ESCAPE '\\'");
  }

  void CreateCustomers() {
    Run("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, points INTEGER, "
        "note TEXT);"
        "INSERT INTO customers (id, name, points, note) VALUES (1, 'Ada', 10, 'it''s; fine'),"
        " (2, 'Bob', NULL, NULL), (3, 'Cy', 30, 'x');");
  }

  TempDir dir_;
  std::string db_url_;  // PostgreSQL: the fresh database's URL
  std::unique_ptr<Database> db_;
  std::unique_ptr<Snapshots> snaps_;
  int ticks_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Adapters, SnapshotTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST_P(SnapshotTest, DropTableCapturesTheWholeTableAndRestoreInsertsTheMissingRows) {
  CreateCustomers();
  auto fingerprint_before = TakeFingerprint(*db_);
  ASSERT_OK(fingerprint_before);
  auto taken = Step("-- the down step\nDROP TABLE customers;\n");
  ASSERT_EQ(taken.size(), 1u);
  const SnapshotInfo& s = taken[0];
  EXPECT_EQ(s.kind, SnapshotKind::kTable);
  EXPECT_EQ(s.table, "customers");
  EXPECT_EQ(s.rows, 3);
  EXPECT_EQ(s.key_columns, std::vector<std::string>({"id"}));
  EXPECT_EQ(s.columns, std::vector<std::string>({"id", "name", "points", "note"}));
  EXPECT_EQ(s.from.run_id, 7);
  EXPECT_EQ(s.from.step, 3);
  EXPECT_EQ(s.from.release, "1.1.0");
  EXPECT_EQ(s.from.source, "m1");
  // PostgreSQL moves a table that nothing depends on aside instead of copying it.
  EXPECT_EQ(s.description, std::string("line 2: drops table customers") +
                               (IsPg() ? " (moved aside, not copied)" : ""));
  // The snapshot is invisible to schema and data fingerprints: a rollback still compares equal
  // with a database that never had the release.
  auto tables = db_->UserTables();
  ASSERT_OK(tables);
  EXPECT_TRUE(tables->empty());
  auto schema = db_->DescribeSchema();
  ASSERT_OK(schema);
  EXPECT_TRUE(schema->empty()) << (*schema)[0];

  auto listed = snaps_->List();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, s.id);
  EXPECT_EQ((*listed)[0].rows, 3);
  EXPECT_EQ((*listed)[0].columns, s.columns);
  EXPECT_EQ((*listed)[0].storage, s.storage);
  EXPECT_TRUE((*listed)[0].restored_at.empty());

  // Before the table is back, restore refuses and says what to do.
  auto refused = snaps_->Restore(s.id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kNeedsHuman);
  EXPECT_TRUE(Has(refused.status().message(), "re-deploy the release that has it (1.1.0)"))
      << refused.status().message();

  // Re-deployed, with one row written since: that row stays as it is.
  Run("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, points INTEGER, "
      "note TEXT); INSERT INTO customers VALUES (1, 'Ada v2', 11, NULL);");
  auto restored = snaps_->Restore(s.id);
  ASSERT_OK(restored);
  EXPECT_EQ(restored->rows, 2);
  EXPECT_EQ(Rows("SELECT id, name, points, note FROM customers"),
            std::vector<std::string>({"1|Ada v2|11|NULL", "2|Bob|NULL|NULL", "3|Cy|30|x"}));
  auto again = snaps_->Restore(s.id);  // idempotent: nothing is missing any more
  ASSERT_OK(again);
  EXPECT_EQ(again->rows, 0);
  listed = snaps_->List();
  ASSERT_OK(listed);
  EXPECT_FALSE((*listed)[0].restored_at.empty());
}

TEST_P(SnapshotTest, DropColumnCapturesKeyAndColumnAndRestoreUpdatesByKey) {
  CreateCustomers();
  auto taken = Step("ALTER TABLE customers DROP COLUMN points;");
  ASSERT_EQ(taken.size(), 1u);
  const SnapshotInfo& s = taken[0];
  EXPECT_EQ(s.kind, SnapshotKind::kColumns);
  EXPECT_EQ(s.key_columns, std::vector<std::string>({"id"}));
  EXPECT_EQ(s.columns, std::vector<std::string>({"points"}));
  EXPECT_EQ(s.rows, 3);
  EXPECT_EQ(
      Rows("SELECT * FROM " + std::string(IsPg() ? "orchestrate_snapshots." : "") + s.storage),
      std::vector<std::string>({"1|10", "2|NULL", "3|30"}));

  auto refused = snaps_->Restore(s.id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kNeedsHuman);
  EXPECT_TRUE(Has(refused.status().message(), "column customers.points does not exist"))
      << refused.status().message();

  Run("ALTER TABLE customers ADD COLUMN points INTEGER; UPDATE customers SET points = 99;"
      "INSERT INTO customers (id, name, points) VALUES (4, 'Di', 5);");
  auto restored = snaps_->Restore(s.id);
  ASSERT_OK(restored);
  EXPECT_EQ(restored->rows, 3);
  EXPECT_EQ(Rows("SELECT id, name, points FROM customers"),
            std::vector<std::string>({"1|Ada|10", "2|Bob|NULL", "3|Cy|30", "4|Di|5"}));
}

TEST_P(SnapshotTest, DropColumnOfATableWithoutPrimaryKeyKeysOnTheRemainingColumns) {
  Run("CREATE TABLE prices (sku TEXT, region TEXT, cents INTEGER);"
      "INSERT INTO prices VALUES ('a', 'eu', 100), ('a', 'us', 120), ('b', NULL, 7);");
  auto taken = Step("ALTER TABLE prices DROP COLUMN cents;");
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].key_columns, std::vector<std::string>({"sku", "region"}));
  Run("ALTER TABLE prices ADD COLUMN cents INTEGER;");
  auto restored = snaps_->Restore(taken[0].id);
  ASSERT_OK(restored);
  EXPECT_EQ(restored->rows, 3);  // the NULL region matches too
  EXPECT_EQ(Rows("SELECT sku, region, cents FROM prices"),
            std::vector<std::string>({"a|eu|100", "a|us|120", "b|NULL|7"}));
}

TEST_P(SnapshotTest, TruncateDeleteAndUpdateCaptureTheWholeTable) {
  CreateCustomers();
  Run("CREATE TABLE tags (name TEXT); INSERT INTO tags VALUES ('t1'), ('t2');");
  auto deleted = Step("DELETE FROM customers WHERE id = 2;");
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].kind, SnapshotKind::kTable);
  EXPECT_EQ(deleted[0].rows, 3);
  EXPECT_TRUE(Has(deleted[0].description, "deletes rows of customers")) << deleted[0].description;
  auto updated = Step("UPDATE customers SET name = 'X';");
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_EQ(updated[0].kind, SnapshotKind::kTable);
  EXPECT_EQ(updated[0].rows, 2);
  // SQLite has no TRUNCATE: its equivalent is DELETE without WHERE.
  auto truncated = Step(IsPg() ? "TRUNCATE tags;" : "DELETE FROM tags;");
  ASSERT_EQ(truncated.size(), 1u);
  EXPECT_EQ(truncated[0].table, "tags");
  EXPECT_EQ(truncated[0].rows, 2);
  EXPECT_EQ(StorageTables().size(), 3u);
  // The deleted row comes back; the updated names stay (rows present are left as they are).
  auto restored = snaps_->Restore(deleted[0].id);
  ASSERT_OK(restored);
  EXPECT_EQ(restored->rows, 1);
  EXPECT_EQ(Rows("SELECT id, name FROM customers"),
            std::vector<std::string>({"1|X", "2|Bob", "3|X"}));
  ASSERT_OK(snaps_->Restore(truncated[0].id));
  EXPECT_EQ(Rows("SELECT name FROM tags"), std::vector<std::string>({"t1", "t2"}));
}

TEST_P(SnapshotTest, SeveralStatementsOnOneTableGiveOneCaptureAndNewTablesAreSkipped) {
  CreateCustomers();
  auto taken = Step(
      "CREATE TABLE scratch (x INTEGER); INSERT INTO scratch VALUES (1);\n"
      "ALTER TABLE customers DROP COLUMN note;\n"
      "ALTER TABLE customers DROP COLUMN points;\n"
      "DROP TABLE scratch;\n");
  ASSERT_EQ(taken.size(), 1u);  // scratch did not exist before the step: nothing of it is lost
  EXPECT_EQ(taken[0].kind, SnapshotKind::kColumns);
  EXPECT_EQ(taken[0].columns, std::vector<std::string>({"note", "points"}));
  EXPECT_EQ(taken[0].description,
            "line 2: drops column customers.note; line 3: drops column customers.points");

  Run("CREATE TABLE t2 (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t2 VALUES (1, 'a');");
  auto both = Step("UPDATE t2 SET v = 'b';\nALTER TABLE t2 DROP COLUMN v;\nDROP TABLE t2;");
  ASSERT_EQ(both.size(), 1u);  // the whole table covers the column
  EXPECT_EQ(both[0].kind, SnapshotKind::kTable);
  EXPECT_EQ(Rows("SELECT * FROM " + std::string(IsPg() ? "orchestrate_snapshots." : "") +
                 both[0].storage),
            std::vector<std::string>({"1|a"}));
}

TEST_P(SnapshotTest, UnanalysableStatementCapturesWhatItNamesOrSaysNothingCouldBe) {
  CreateCustomers();
  // Captured and committed without running the statements: some of them would not run.
  auto capture = [this](const std::string& sql) {
    auto txn = db_->Begin();
    EXPECT_TRUE(txn.ok());
    auto taken = snaps_->Capture(**txn, {1, 2, "1.0.0", "m"}, sql);
    EXPECT_TRUE(taken.ok()) << taken.status().message();
    EXPECT_TRUE((*txn)->Commit().ok());
    return taken.ok() ? *taken : std::vector<SnapshotInfo>();
  };
  if (!IsPg()) {
    // Not understood by the SQLite scanner, but it names a table: the whole table.
    auto named = capture("ALTER TABLE customers FROBNICATE;");
    ASSERT_EQ(named.size(), 1u);
    EXPECT_EQ(named[0].kind, SnapshotKind::kTable);
    EXPECT_EQ(named[0].table, "customers");
    EXPECT_EQ(named[0].rows, 3);
  }
  // A DO block or CALL (PostgreSQL), an unknown CREATE (SQLite): no table to copy, recorded so.
  auto none = capture(IsPg() ? "DO $$ BEGIN DELETE FROM customers; END $$;" : "CREATE FOO x;");
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].kind, SnapshotKind::kNone);
  EXPECT_TRUE(Has(none[0].description, "names no table to copy")) << none[0].description;
  EXPECT_TRUE(none[0].storage.empty());
  auto refused = snaps_->Restore(none[0].id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kInvalid);
  EXPECT_TRUE(Has(refused.status().message(), "nothing could be captured"));
  auto listed = snaps_->List();
  ASSERT_OK(listed);
  EXPECT_EQ(listed->size(), IsPg() ? 1u : 2u);
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM customers"), std::vector<std::string>({"3"}));
}

TEST_P(SnapshotTest, CaptureRollsBackWithTheStepsTransaction) {
  CreateCustomers();
  {
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    auto taken = snaps_->Capture(**txn, {1, 1, "1.0.0", "m"}, "DROP TABLE customers;");
    ASSERT_OK(taken);
    ASSERT_EQ(taken->size(), 1u);
    ASSERT_OK((*txn)->ExecScript("DROP TABLE customers;"));
    // destroyed without Commit(): the step failed
  }
  auto listed = snaps_->List();
  ASSERT_OK(listed);
  EXPECT_TRUE(listed->empty());
  EXPECT_TRUE(StorageTables().empty());
  EXPECT_EQ(Rows("SELECT COUNT(*) FROM customers"), std::vector<std::string>({"3"}));
}

TEST_P(SnapshotTest, CaptureNowCommitsOnItsOwnForAStepOutsideATransaction) {
  CreateCustomers();
  auto taken = snaps_->CaptureNow({4, 2, "1.1.0", "0009_slow"}, "DELETE FROM customers;");
  ASSERT_OK(taken);
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_EQ((*taken)[0].rows, 3);
  // Committed before the step runs: visible from another connection.
  auto other = OpenDatabase(IsPg() ? db_url_ : "sqlite:" + dir_ / "db.sqlite", dir_.path());
  ASSERT_OK(other);
  auto listed = Snapshots(**other, NowIso8601).List();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].from.source, "0009_slow");
}

TEST_P(SnapshotTest, RowsDeletedThroughForeignKeysAreCapturedToo) {
  Run("CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT);"
      "CREATE TABLE kids (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents (id) "
      "ON DELETE CASCADE, name TEXT);"
      "CREATE TABLE toys (id INTEGER PRIMARY KEY, kid_id INTEGER REFERENCES kids (id) "
      "ON DELETE SET NULL);"
      "CREATE TABLE visits (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents (id));"
      "INSERT INTO parents VALUES (1, 'p1'), (2, 'p2');"
      "INSERT INTO kids VALUES (10, 1, 'k10'), (11, 1, 'k11'), (20, 2, 'k20');"
      "INSERT INTO toys VALUES (100, 10);"
      "INSERT INTO visits VALUES (7, 2);");
  auto taken = Step("DELETE FROM parents WHERE id = 1;");
  std::vector<std::string> tables;
  for (const auto& s : taken) tables.push_back(s.table + ":" + std::to_string(s.rows));
  // visits references parents without an action: deleting a parent changes none of its rows.
  EXPECT_EQ(tables, std::vector<std::string>({"parents:2", "kids:3", "toys:1"}));
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[1].description, "kids references parents (ON DELETE CASCADE)");
  // Parents first, then their children.
  Run("DELETE FROM kids WHERE parent_id = 1;");  // as the cascade does when foreign keys are on
  ASSERT_OK(snaps_->Restore(taken[0].id));
  auto kids = snaps_->Restore(taken[1].id);
  ASSERT_OK(kids);
  EXPECT_EQ(kids->rows, 2);
  EXPECT_EQ(Rows("SELECT id, parent_id, name FROM kids"),
            std::vector<std::string>({"10|1|k10", "11|1|k11", "20|2|k20"}));
  if (IsPg()) {
    auto truncated = Step("TRUNCATE parents CASCADE;");
    std::vector<std::string> all;
    for (const auto& s : truncated) all.push_back(s.table);
    EXPECT_EQ(all, std::vector<std::string>({"parents", "kids", "visits", "toys"}));
  }
}

TEST_P(SnapshotTest, NothingDestroyedCapturesNothing) {
  CreateCustomers();
  auto taken = Step("CREATE INDEX idx_name ON customers (name); DROP INDEX idx_name;");
  EXPECT_TRUE(taken.empty());
  auto listed = snaps_->List();
  ASSERT_OK(listed);
  EXPECT_TRUE(listed->empty());
}

TEST_P(SnapshotTest, CaptureRowsCopiesOnlyMatchingRows) {
  CreateCustomers();
  auto txn = db_->Begin();
  ASSERT_OK(txn);
  auto s = snaps_->CaptureRows(**txn, {2, 4, "1.2.0", "demo_data"}, "customers",
                               "id >= $1 AND name <> $2", {"2", "Cy"}, "seed demo_data rows");
  ASSERT_OK(s);
  EXPECT_EQ(s->kind, SnapshotKind::kRows);
  EXPECT_EQ(s->rows, 1);
  ASSERT_OK((*txn)->Exec("DELETE FROM customers WHERE id = 2"));
  ASSERT_OK((*txn)->Commit());
  auto restored = snaps_->Restore(s->id);
  ASSERT_OK(restored);
  EXPECT_EQ(restored->rows, 1);
  EXPECT_EQ(Rows("SELECT id, name FROM customers"),
            std::vector<std::string>({"1|Ada", "2|Bob", "3|Cy"}));
  auto txn2 = db_->Begin();
  ASSERT_OK(txn2);
  auto missing = snaps_->CaptureRows(**txn2, {}, "nope", "1 = 1", {}, "x");
  EXPECT_FALSE(missing.ok());
}

TEST_P(SnapshotTest, PruneDeletesOlderSnapshotsWithTheirStorage) {
  CreateCustomers();
  Run("CREATE TABLE tags (name TEXT); INSERT INTO tags VALUES ('t');");
  auto first = Step("DROP TABLE tags;");  // created at the clock's 1st minute or so
  auto second = Step("DELETE FROM customers;");
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  ASSERT_LT(first[0].created_at, second[0].created_at);
  ASSERT_EQ(StorageTables().size(), 2u);
  auto pruned = snaps_->Prune(second[0].created_at);  // strictly older than the second
  ASSERT_OK(pruned);
  ASSERT_EQ(pruned->size(), 1u);
  EXPECT_EQ((*pruned)[0].id, first[0].id);
  EXPECT_EQ(StorageTables().size(), 1u);
  auto listed = snaps_->List();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, second[0].id);
  auto gone = snaps_->Restore(first[0].id);
  EXPECT_EQ(gone.status().code(), Code::kInvalid);
  // Ids are never given twice, even after the newest was pruned.
  auto all = snaps_->Prune(std::nullopt);
  ASSERT_OK(all);
  EXPECT_EQ(all->size(), 1u);
  EXPECT_TRUE(StorageTables().empty());
  Run("INSERT INTO customers (id, name) VALUES (9, 'Z');");
  auto third = Step("DELETE FROM customers;");
  ASSERT_EQ(third.size(), 1u);
  EXPECT_GT(third[0].id, second[0].id);
}

TEST_P(SnapshotTest, EstimateSaysWhatWouldBeCapturedChangingNothing) {
  CreateCustomers();
  auto e = snaps_->Estimate(
      "ALTER TABLE customers DROP COLUMN points;\nDROP TABLE gone;\nDROP TABLE customers;");
  ASSERT_OK(e);
  ASSERT_EQ(e->size(), 2u);
  EXPECT_EQ((*e)[0].table, "customers");
  EXPECT_EQ((*e)[0].kind, SnapshotKind::kTable);
  EXPECT_EQ((*e)[0].rows, 3);
  EXPECT_GT((*e)[0].bytes, 0);
  EXPECT_EQ((*e)[1].table, "gone");
  EXPECT_EQ((*e)[1].kind, SnapshotKind::kSkip);
  auto listed = snaps_->List();
  ASSERT_OK(listed);
  EXPECT_TRUE(listed->empty());
  EXPECT_TRUE(StorageTables().empty());
}

TEST(SnapshotPg, EnumColumnsAreStoredAsTextSoTheirTypeCanBeDroppedAndRestoreCastsBack) {
  ORCH_REQUIRE_PG(url);
  TempDir dir;
  auto opened = OpenDatabase(url, dir.path());
  ASSERT_OK(opened);
  Database& db = **opened;
  auto run = [&db](const std::string& sql) {
    auto txn = db.Begin();
    ASSERT_OK(txn);
    ASSERT_OK((*txn)->ExecScript(sql));
    ASSERT_OK((*txn)->Commit());
  };
  const std::string create =
      "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"
      "CREATE TABLE people (id serial PRIMARY KEY, name text NOT NULL, mood mood);";
  run(create + "INSERT INTO people (name, mood) VALUES ('a', 'ok'), ('b', 'happy'), ('c', NULL);");
  Snapshots snaps(db, NowIso8601);
  const std::string down = "DROP TABLE people;\nDROP TYPE mood;";
  {
    auto txn = db.Begin();
    ASSERT_OK(txn);
    auto taken = snaps.Capture(**txn, {1, 1, "2.0.0", "0002_people"}, down);
    ASSERT_OK(taken);
    ASSERT_EQ(taken->size(), 1u);
    EXPECT_EQ((*taken)[0].rows, 3);
    ASSERT_OK((*txn)->ExecScript(down));  // the snapshot does not depend on the type
    ASSERT_OK((*txn)->Commit());
  }
  run(create);
  auto listed = snaps.List();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  auto restored = snaps.Restore((*listed)[0].id);
  ASSERT_OK(restored);
  EXPECT_EQ(restored->rows, 3);
  // The serial sequence moved past the restored ids: the application's next insert gets id 4.
  run("INSERT INTO people (name, mood) VALUES ('d', 'sad');");
  auto txn = db.BeginRead();
  ASSERT_OK(txn);
  auto rows = (*txn)->Query("SELECT id, name, mood::text FROM people ORDER BY id");
  ASSERT_OK(rows);
  std::vector<std::string> got;
  for (const Row& r : rows->rows) got.push_back(*r[0] + "|" + *r[1] + "|" + r[2].value_or("NULL"));
  EXPECT_EQ(got, std::vector<std::string>({"1|a|ok", "2|b|happy", "3|c|NULL", "4|d|sad"}));
}

TEST(SnapshotKindTest, NamesRoundTrip) {
  ExpectNamesRoundTrip<SnapshotKind>(
      {{SnapshotKind::kTable, "table"},
       {SnapshotKind::kColumns, "columns"},
       {SnapshotKind::kRows, "rows"},
       {SnapshotKind::kNone, "none"},
       {SnapshotKind::kSkip, "skip"}},
      [](SnapshotKind v) { return Name(v); },
      [](const std::string& s) { return SnapshotKindFromName(s); });
}

// A catalog row whose kind this build does not know (a newer build wrote it) is listed as a whole
// table's rows, as it was before kinds were an enum; its stored kind is read back by name.
TEST_P(SnapshotTest, ACatalogRowOfAnUnknownKindIsListedAsAWholeTable) {
  CreateCustomers();
  auto taken = Step("DROP TABLE customers;\n");
  ASSERT_EQ(taken.size(), 1u);
  {
    auto txn = db_->Begin();
    ASSERT_OK(txn);
    ASSERT_TRUE((*txn)->Exec("UPDATE orchestrate_snapshot_index SET kind = 'partition'").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto listed = snaps_->List();
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].kind, SnapshotKind::kTable);
  EXPECT_EQ((*listed)[0].table, "customers");
}

// PostgreSQL: a table the step only drops is moved aside (renamed into the snapshot schema, no row
// copied) when nothing depends on it, and copied otherwise; either way the step's DROP TABLE runs
// as written, and the same table moved aside twice (deployed again in between) does not clash.
TEST_P(SnapshotTest, ATableOnlyDroppedIsMovedAsideWhenNothingDependsOnItElseCopied) {
  if (!IsPg()) {
    // SQLite keeps snapshots by copy only.
    CreateCustomers();
    auto taken = Step("DROP TABLE customers;");
    ASSERT_EQ(taken.size(), 1u);
    EXPECT_EQ(taken[0].description, "line 1: drops table customers");
    EXPECT_EQ(taken[0].rows, 3);
    return;
  }
  auto moved = [](const SnapshotInfo& s) {
    return s.description.find("(moved aside, not copied)") != std::string::npos;
  };
  Run("CREATE TABLE parent (id SERIAL PRIMARY KEY, name TEXT UNIQUE);"
      "CREATE TABLE child (id SERIAL PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));"
      "CREATE INDEX child_parent ON child (parent_id);"
      "INSERT INTO parent (name) VALUES ('a'), ('b');"
      "INSERT INTO child (parent_id) VALUES (1), (2), (2);");
  // The child is moved first, its foreign key dropped: then nothing references the parent any
  // more, and it is moved too (a plain DROP TABLE parent after it runs as written).
  auto both = Step("DROP TABLE child; DROP TABLE parent;");
  ASSERT_EQ(both.size(), 2u);
  EXPECT_TRUE(moved(both[0])) << both[0].description;
  EXPECT_EQ(both[0].rows, 3);
  EXPECT_TRUE(moved(both[1])) << both[1].description;
  EXPECT_EQ(both[1].rows, 2);
  EXPECT_EQ(Rows("SELECT id, parent_id FROM orchestrate_snapshots." + both[0].storage),
            std::vector<std::string>({"1|1", "2|2", "3|2"}));

  // Deployed again and dropped again: moved again, its index and sequence renamed with it.
  Run("CREATE TABLE parent (id SERIAL PRIMARY KEY, name TEXT UNIQUE);"
      "CREATE TABLE child (id SERIAL PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));"
      "CREATE INDEX child_parent ON child (parent_id);"
      "INSERT INTO parent (name) VALUES ('a'); INSERT INTO child (parent_id) VALUES (1);");
  auto again = Step("DROP TABLE child;");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(moved(again[0])) << again[0].description;
  // Restore after the release is back: the rows of the moved table are inserted by key.
  Run("CREATE TABLE child (id SERIAL PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));");
  auto restored = snaps_->Restore(again[0].id);
  ASSERT_OK(restored);
  EXPECT_EQ(restored->rows, 1);
  EXPECT_EQ(Rows("SELECT id, parent_id FROM child"), std::vector<std::string>({"1|1"}));

  // Names that need quoting inside the code block the move's statements go to the server in
  // (each statement a string literal): a quote, and a backslash.
  for (const std::string& name : {std::string("it's"), std::string("back\\slash")}) {
    const std::string quoted = "\"" + name + "\"";
    Run("CREATE TABLE " + quoted + " (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO " + quoted +
        " VALUES (1, 'x'), (2, 'y');");
    auto odd = Step("DROP TABLE " + quoted + ";");
    ASSERT_EQ(odd.size(), 1u) << name;
    EXPECT_TRUE(moved(odd[0])) << name << ": " << odd[0].description;
    EXPECT_EQ(odd[0].rows, 2) << name;
    EXPECT_EQ(Rows("SELECT id, note FROM orchestrate_snapshots." + odd[0].storage + " ORDER BY id"),
              std::vector<std::string>({"1|x", "2|y"}))
        << name;
    EXPECT_EQ(Rows("SELECT count(*) FROM pg_class WHERE relname = '" +
                   (name == "it's" ? std::string("it''s") : name) + "'"),
              std::vector<std::string>({"0"}))
        << name << ": the stand-in is dropped by the step";
  }

  // What depends on a table keeps it copied: a view over it, a trigger, a sequence owned by
  // another table, a column of a type of the user's; and a table the script uses before dropping.
  Run("CREATE TABLE viewed (id INTEGER PRIMARY KEY); CREATE VIEW v AS SELECT id FROM viewed;"
      "CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';"
      "CREATE TABLE triggered (id INTEGER PRIMARY KEY);"
      "CREATE TRIGGER t BEFORE INSERT ON triggered FOR EACH ROW EXECUTE FUNCTION noop();"
      "CREATE TABLE borrows (id INTEGER PRIMARY KEY DEFAULT nextval('parent_id_seq'));"
      "CREATE TYPE mood AS ENUM ('ok'); CREATE TABLE typed (id INTEGER PRIMARY KEY, m mood);"
      "CREATE TABLE used (id INTEGER PRIMARY KEY); INSERT INTO used VALUES (1);"
      "CREATE TABLE referenced (id INTEGER PRIMARY KEY);"
      "CREATE TABLE referencing (id INTEGER PRIMARY KEY, r INTEGER REFERENCES referenced (id));");
  auto copied = Step(
      "DROP TABLE viewed CASCADE; DROP TABLE triggered; DROP TABLE borrows; DROP TABLE typed;"
      "CREATE TABLE kept AS SELECT * FROM used; DROP TABLE used; DROP TABLE referenced CASCADE;");
  ASSERT_EQ(copied.size(), 6u);
  for (const SnapshotInfo& s : copied) EXPECT_FALSE(moved(s)) << s.table << ": " << s.description;

  // The estimate (what `plan` shows) says which tables would be moved and which copied, and why.
  Run("CREATE TABLE lone (id INTEGER PRIMARY KEY); CREATE TABLE refd (id INTEGER PRIMARY KEY);"
      "CREATE TABLE refs (id INTEGER PRIMARY KEY, r INTEGER REFERENCES refd (id));");
  auto e = snaps_->Estimate("DROP TABLE lone; DROP TABLE refd;");
  ASSERT_OK(e);
  ASSERT_EQ(e->size(), 2u);
  EXPECT_TRUE((*e)[0].move);
  EXPECT_TRUE(Has(DescribeEstimate((*e)[0]), "whole table lone, moved aside, not copied"))
      << DescribeEstimate((*e)[0]);
  EXPECT_FALSE((*e)[1].move);
  EXPECT_TRUE(Has(DescribeEstimate((*e)[1]), "copied: a foreign key of refs references it now"))
      << DescribeEstimate((*e)[1]);
}

}  // namespace
}  // namespace orchestrate::testing
