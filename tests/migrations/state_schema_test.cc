// The state schema (migrations/state_schema.h) on real SQLite and PostgreSQL: a fresh database gets
// the newest version; a database as the release of fb88fd0 left it (version 1, written out below
// as that release wrote it) is upgraded and then `status`, `history` and `rollback` of the real
// binary work on it; a version from the future is refused; the upgrade is idempotent and safe
// when processes race.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "migrations/database.h"
#include "migrations/state_schema.h"
#include "plans/sha256.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

// ---- the fixture: version 1 as the release of fb88fd0 created it ------------------------------

// The journal's tables (migrations/journal.cc at fb88fd0, kSchema), word for word.
const char* const kJournalV1[] = {
    "CREATE TABLE IF NOT EXISTS orchestrate_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS orchestrate_releases (version TEXT PRIMARY KEY, seq BIGINT NOT "
    "NULL, image TEXT NOT NULL, release_order TEXT NOT NULL, deployed_at TEXT NOT NULL, run_id "
    "BIGINT)",
    "CREATE TABLE IF NOT EXISTS orchestrate_migrations (id TEXT PRIMARY KEY, release TEXT NOT "
    "NULL, seq BIGINT NOT NULL, up_sql TEXT NOT NULL, up_sha256 TEXT NOT NULL, down_sql TEXT, "
    "down_sha256 TEXT, irreversible INTEGER NOT NULL, transactional INTEGER NOT NULL, applied_at "
    "TEXT NOT NULL, run_id BIGINT)",
    "CREATE TABLE IF NOT EXISTS orchestrate_seeds (id TEXT PRIMARY KEY, release TEXT NOT NULL, seq "
    "BIGINT NOT NULL, sql_sha256 TEXT NOT NULL, has_undo INTEGER NOT NULL, undo_sql TEXT, "
    "applied_at TEXT NOT NULL, run_id BIGINT)",
    "CREATE TABLE IF NOT EXISTS orchestrate_runs (id BIGINT PRIMARY KEY, kind TEXT NOT NULL, app "
    "TEXT NOT NULL, environment TEXT, fingerprint TEXT NOT NULL, from_version TEXT, to_version "
    "TEXT NOT NULL, actor TEXT NOT NULL, host TEXT, pid BIGINT, reason TEXT, command TEXT, status "
    "TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, error TEXT, step_count INTEGER NOT "
    "NULL)",
    "CREATE TABLE IF NOT EXISTS orchestrate_steps (run_id BIGINT NOT NULL, n INTEGER NOT NULL, "
    "kind TEXT NOT NULL, release TEXT NOT NULL, ref TEXT, status TEXT NOT NULL, attempts INTEGER "
    "NOT NULL, started_at TEXT, finished_at TEXT, error TEXT, spec TEXT NOT NULL, PRIMARY KEY "
    "(run_id, n))",
    "CREATE TABLE IF NOT EXISTS orchestrate_ledger (id BIGINT PRIMARY KEY, seed_id TEXT NOT NULL, "
    "release TEXT NOT NULL, table_name TEXT NOT NULL, op TEXT NOT NULL, key_columns TEXT NOT "
    "NULL, column_names TEXT NOT NULL, row_count BIGINT NOT NULL, xid BIGINT, old_rows TEXT, "
    "new_rows TEXT, key_min BIGINT, key_max BIGINT)",
    "CREATE INDEX IF NOT EXISTS orchestrate_ledger_by_seed ON orchestrate_ledger (seed_id, id)",
    "CREATE TABLE IF NOT EXISTS orchestrate_swap_parts (run_id BIGINT NOT NULL, n INTEGER NOT "
    "NULL, part TEXT NOT NULL, status TEXT NOT NULL, at TEXT NOT NULL, error TEXT, PRIMARY KEY "
    "(run_id, n, part))",
    "CREATE TABLE IF NOT EXISTS orchestrate_ledger_restores (table_name TEXT NOT NULL, xid BIGINT "
    "NOT NULL)",
};
// Version 1's run lock created its table when first taken (pg_lock.cc, sqlite_database.cc).
const char kLockV1[] =
    "CREATE TABLE IF NOT EXISTS orchestrate_lock (id INTEGER PRIMARY KEY, owner TEXT, host TEXT, "
    "pid BIGINT, command TEXT, since TEXT)";

// Every table of the newest version.
const char* const kAllStateTables[] = {
    "orchestrate_meta",
    "orchestrate_releases",
    "orchestrate_migrations",
    "orchestrate_seeds",
    "orchestrate_runs",
    "orchestrate_steps",
    "orchestrate_ledger",
    "orchestrate_swap_parts",
    "orchestrate_ledger_restores",
    "orchestrate_lock",
    "orchestrate_snapshot_index",
    "orchestrate_snapshot_counter",
    "orchestrate_release_schemas",
    "orchestrate_schema_checks",
    "orchestrate_step_statements",
};

// A tiny application of two releases, one migration each.
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
const char kUp2[] = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n";
const char kDown2[] = "DROP TABLE notes;\n";

std::string ReleaseYaml(const std::string& version, const std::string& migration) {
  return "version: " + version + "\nimage: tiny:" + version +
         "\norder: code-first\nmigrations:\n  - {id: " + migration + ", up: ../sql/" + migration +
         ".up.sql, down: ../sql/" + migration + ".down.sql}\n";
}

class StateSchemaTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (IsPg()) {
      ORCH_REQUIRE_PG(url);
      url_ = url;
    } else {
      url_ = "sqlite:" + (dir_ / "state/tiny.db");
    }
    db_ = Open();
    ASSERT_NE(db_, nullptr);
  }

  bool IsPg() const { return GetParam() == "postgresql"; }

  std::unique_ptr<Database> Open() {
    auto db = OpenDatabase(url_, dir_.path());
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  void Exec(Database& db, const std::vector<std::string>& statements) {
    auto txn = db.Begin();
    ASSERT_TRUE(txn.ok()) << txn.status().message();
    for (const auto& sql : statements) ASSERT_TRUE((*txn)->Exec(sql).ok()) << sql;
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  std::vector<Row> Rows(const std::string& sql, const std::vector<Value>& params = {}) {
    auto txn = db_->BeginRead();
    EXPECT_TRUE(txn.ok()) << txn.status().message();
    if (!txn.ok()) return {};
    auto r = (*txn)->Query(sql, params);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().message();
    return r.ok() ? r->rows : std::vector<Row>();
  }

  std::string One(const std::string& sql) {
    auto rows = Rows(sql);
    return rows.size() == 1 && !rows[0].empty() ? rows[0][0].value_or("NULL") : "(none)";
  }

  bool HasTable(const std::string& table) {
    auto txn = db_->BeginRead();
    EXPECT_TRUE(txn.ok());
    if (!txn.ok()) return false;
    auto has = StateTableExists(**txn, *db_, table);
    EXPECT_TRUE(has.ok()) << has.status().message();
    return has.ok() && *has;
  }

  // The state tables as the catalog describes them (name, columns with types, nullability and
  // keys; indexes), so that two databases' state schemas compare equal only when they are.
  std::vector<std::string> DescribeState() {
    std::vector<std::string> out;
    const std::string sql =
        IsPg()
            ? "SELECT c.table_name || '.' || c.column_name || ' ' || c.data_type || ' ' || "
              "c.is_nullable FROM information_schema.columns c WHERE c.table_schema = "
              "current_schema() AND c.table_name LIKE 'orchestrate%' ORDER BY c.table_name, "
              "c.ordinal_position"
            : "SELECT m.name || '.' || p.name || ' ' || p.type || ' ' || p.\"notnull\" || ' ' || "
              "p.pk FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' "
              "AND m.name LIKE 'orchestrate%' ORDER BY m.name, p.cid";
    for (const Row& r : Rows(sql)) out.push_back(r[0].value_or(""));
    const std::string idx = IsPg() ? "SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE "
                                     "schemaname = current_schema() AND tablename LIKE "
                                     "'orchestrate%' ORDER BY indexname"
                                   : "SELECT name || ' ' || COALESCE(sql, '') FROM sqlite_master "
                                     "WHERE type = 'index' AND tbl_name LIKE 'orchestrate%' ORDER "
                                     "BY name";
    for (const Row& r : Rows(idx)) out.push_back(r[0].value_or(""));
    return out;
  }

  bool HasSnapshotNamespace() {
    return One("SELECT count(*) FROM pg_namespace WHERE nspname = 'orchestrate_snapshots'") == "1";
  }

  // Version 1 as the release of fb88fd0 left it after deploying the tiny app to 1.1.0 in run 1:
  // the journal's tables, the lock table of its run lock, no snapshot catalog (no rollback yet).
  void WriteVersion1Deployed() {
    std::vector<std::string> ddl(std::begin(kJournalV1), std::end(kJournalV1));
    ddl.push_back(kLockV1);
    ddl.push_back("INSERT INTO orchestrate_meta (key, value) VALUES ('schema_version', '1')");
    ddl.push_back(kUp1);
    ddl.push_back(kUp2);
    ddl.push_back("INSERT INTO notes (id, body) VALUES (1, 'kept in a snapshot')");
    ASSERT_NO_FATAL_FAILURE(Exec(*db_, ddl));
    const std::string at = "2026-12-01T10:00:00.000Z";
    auto txn = db_->Begin();
    ASSERT_TRUE(txn.ok());
    Transaction& t = **txn;
    for (int i = 1; i <= 2; ++i) {
      const std::string v = i == 1 ? "1.0.0" : "1.1.0";
      const std::string id = i == 1 ? "0001_items" : "0002_notes";
      const std::string up = i == 1 ? kUp1 : kUp2, down = i == 1 ? kDown1 : kDown2;
      ASSERT_TRUE(t.Exec("INSERT INTO orchestrate_releases (version, seq, image, release_order, "
                         "deployed_at, run_id) VALUES ($1, $2, $3, 'code-first', $4, 1)",
                         {v, std::to_string(i), "tiny:" + v, at})
                      .ok());
      ASSERT_TRUE(t.Exec("INSERT INTO orchestrate_migrations (id, release, seq, up_sql, up_sha256, "
                         "down_sql, down_sha256, irreversible, transactional, applied_at, run_id) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 1, $8, 1)",
                         {id, v, std::to_string(i), up, Sha256Hex(up), down, Sha256Hex(down), at})
                      .ok());
      ASSERT_TRUE(t.Exec("INSERT INTO orchestrate_steps (run_id, n, kind, release, ref, status, "
                         "attempts, started_at, finished_at, spec) VALUES (1, $1, "
                         "'apply-migration', $2, $3, 'done', 1, $4, $4, '{}')",
                         {std::to_string(i), v, id, at})
                      .ok());
    }
    ASSERT_TRUE(t.Exec("INSERT INTO orchestrate_runs (id, kind, app, environment, fingerprint, "
                       "from_version, to_version, actor, host, pid, reason, command, status, "
                       "started_at, finished_at, step_count) VALUES (1, 'deploy', 'tiny', "
                       "'local', 'f1', NULL, '1.1.0', 'alice', 'oldhost', 4242, NULL, "
                       "'orchestrate deploy plan.yaml --yes', 'done', $1, $1, 2)",
                       {at})
                    .ok());
    ASSERT_TRUE(t.Commit().ok());
  }

  // The tiny app's files, and its image as deployed.
  void WriteApp() {
    WriteFileOrDie(dir_ / "app/plan.yaml", kPlan);
    WriteFileOrDie(dir_ / "app/releases/1.0.0.yaml", ReleaseYaml("1.0.0", "0001_items"));
    WriteFileOrDie(dir_ / "app/releases/1.1.0.yaml", ReleaseYaml("1.1.0", "0002_notes"));
    WriteFileOrDie(dir_ / "app/sql/0001_items.up.sql", kUp1);
    WriteFileOrDie(dir_ / "app/sql/0001_items.down.sql", kDown1);
    WriteFileOrDie(dir_ / "app/sql/0002_notes.up.sql", kUp2);
    WriteFileOrDie(dir_ / "app/sql/0002_notes.down.sql", kDown2);
    WriteFileOrDie(dir_ / "state/tiny.image", "tiny:1.1.0");
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

  TempDir dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

INSTANTIATE_TEST_SUITE_P(Adapters, StateSchemaTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST_P(StateSchemaTest, FreshDatabaseGetsTheNewestVersionWithEveryTable) {
  auto before = StateSchemaVersion(*db_);
  ASSERT_TRUE(before.ok()) << before.status().message();
  EXPECT_EQ(*before, 0);
  ASSERT_TRUE(EnsureStateSchema(*db_).ok());
  auto after = StateSchemaVersion(*db_);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, kStateSchemaVersion);
  EXPECT_EQ(kStateSchemaVersion, 4);
  for (const char* table : kAllStateTables) EXPECT_TRUE(HasTable(table)) << table;
  if (IsPg()) {
    EXPECT_TRUE(HasSnapshotNamespace());
  }
  EXPECT_EQ(One("SELECT count(*) FROM orchestrate_meta"), "1");

  // What the review script writes creates the same schema on another fresh database.
  const auto fresh = DescribeState();
  ASSERT_FALSE(fresh.empty());
  TempDir other_dir;
  std::string other_url = "sqlite:" + (other_dir / "other.db");
  if (IsPg()) {
    ORCH_REQUIRE_PG(url);
    other_url = url;
  }
  auto other = OpenDatabase(other_url, other_dir.path());
  ASSERT_TRUE(other.ok());
  ASSERT_NO_FATAL_FAILURE(Exec(**other, StateSchemaStatements(**other)));
  std::swap(db_, *other);
  EXPECT_EQ(DescribeState(), fresh);
  auto v = StateSchemaVersion(*db_);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, kStateSchemaVersion);
}

TEST_P(StateSchemaTest, Version1IsUpgradedKeepingItsRowsToTheSameSchemaAsAFreshOne) {
  // The newest schema, created fresh, to compare with.
  std::vector<std::string> fresh;
  {
    TempDir other_dir;
    std::string other_url = "sqlite:" + (other_dir / "fresh.db");
    if (IsPg()) {
      ORCH_REQUIRE_PG(url);
      other_url = url;
    }
    auto other = OpenDatabase(other_url, other_dir.path());
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE(EnsureStateSchema(**other).ok());
    std::swap(db_, *other);
    fresh = DescribeState();
    std::swap(db_, *other);
  }

  ASSERT_NO_FATAL_FAILURE(WriteVersion1Deployed());
  EXPECT_FALSE(HasTable("orchestrate_snapshot_index"));
  auto v1 = StateSchemaVersion(*db_);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(*v1, 1);

  ASSERT_TRUE(EnsureStateSchema(*db_).ok());
  EXPECT_EQ(One("SELECT value FROM orchestrate_meta WHERE key = 'schema_version'"), "4");
  for (const char* table : kAllStateTables) EXPECT_TRUE(HasTable(table)) << table;
  if (IsPg()) {
    EXPECT_TRUE(HasSnapshotNamespace());
  }
  EXPECT_EQ(DescribeState(), fresh);
  // Version 1's rows are as they were.
  EXPECT_EQ(One("SELECT count(*) FROM orchestrate_releases"), "2");
  EXPECT_EQ(One("SELECT count(*) FROM orchestrate_migrations"), "2");
  EXPECT_EQ(One("SELECT actor FROM orchestrate_runs WHERE id = 1"), "alice");

  // Idempotent: again, nothing changes.
  ASSERT_TRUE(EnsureStateSchema(*db_).ok());
  EXPECT_EQ(One("SELECT value FROM orchestrate_meta WHERE key = 'schema_version'"), "4");
  EXPECT_EQ(DescribeState(), fresh);
}

TEST_P(StateSchemaTest, Version1WithoutTheTablesAddedWithoutABumpGetsThem) {
  // A database recorded at 1 by a build before edb0908: no ledger, swap parts, ledger restores.
  std::vector<std::string> ddl;
  for (const char* sql : kJournalV1) {
    const std::string s = sql;
    if (s.find("orchestrate_ledger") == std::string::npos &&
        s.find("orchestrate_swap_parts") == std::string::npos)
      ddl.push_back(s);
  }
  ddl.push_back("INSERT INTO orchestrate_meta (key, value) VALUES ('schema_version', '1')");
  ASSERT_NO_FATAL_FAILURE(Exec(*db_, ddl));
  EXPECT_FALSE(HasTable("orchestrate_ledger"));
  ASSERT_TRUE(EnsureStateSchema(*db_).ok());
  for (const char* table : kAllStateTables) EXPECT_TRUE(HasTable(table)) << table;
  EXPECT_EQ(One("SELECT value FROM orchestrate_meta WHERE key = 'schema_version'"), "4");
}

TEST_P(StateSchemaTest, AVersionFromTheFutureIsRefusedChangingNothing) {
  // A newer orchestrate's database: version 1's journal tables, recorded as version 5.
  std::vector<std::string> ddl(std::begin(kJournalV1), std::end(kJournalV1));
  ddl.push_back("INSERT INTO orchestrate_meta (key, value) VALUES ('schema_version', '5')");
  ASSERT_NO_FATAL_FAILURE(Exec(*db_, ddl));
  Status st = EnsureStateSchema(*db_);
  EXPECT_EQ(st.code(), Code::kNeedsHuman) << st.message();
  EXPECT_NE(st.message().find("have schema version 5, newer than this build knows (4): use a "
                              "newer orchestrate"),
            std::string::npos)
      << st.message();
  EXPECT_FALSE(HasTable("orchestrate_snapshot_index"));
  EXPECT_EQ(One("SELECT value FROM orchestrate_meta WHERE key = 'schema_version'"), "5");

  // The binary says so and exits 3 (needs a human), having run nothing.
  WriteApp();
  auto r = Cli({"deploy", "--yes"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("newer than this build knows (4)"), std::string::npos)
      << r.out << r.err;
  EXPECT_FALSE(HasTable("orchestrate_snapshot_index"));
  EXPECT_FALSE(HasTable("items"));
  EXPECT_EQ(One("SELECT count(*) FROM orchestrate_runs"), "0");
  EXPECT_EQ(One("SELECT value FROM orchestrate_meta WHERE key = 'schema_version'"), "5");
}

TEST_P(StateSchemaTest, StatusHistoryAndRollbackWorkOnADatabaseAnOlderReleaseDeployed) {
  ASSERT_NO_FATAL_FAILURE(WriteVersion1Deployed());
  WriteApp();

  // Read-only commands read version 1 as it is.
  auto status = Cli({"status", "--output", "json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(nlohmann::json::parse(status.out)["current_version"], "1.1.0") << status.out;
  auto history = Cli({"history", "--output", "json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  auto runs = nlohmann::json::parse(history.out)["runs"];
  ASSERT_EQ(runs.size(), 1u) << runs;
  EXPECT_EQ(runs[0]["actor"], "alice") << runs[0];

  // A rollback upgrades the state schema, then rolls back (snapshotting the dropped table into
  // the catalog version 2 created).
  auto rollback = Cli({"rollback", "--to", "1.0.0", "--reason", "upgrade test", "--yes"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  EXPECT_EQ(One("SELECT value FROM orchestrate_meta WHERE key = 'schema_version'"), "4");
  EXPECT_EQ(One("SELECT count(*) FROM orchestrate_snapshot_index WHERE source_table = 'notes'"),
            "1");
  EXPECT_FALSE(HasTable("notes"));
  EXPECT_TRUE(HasTable("items"));
  EXPECT_EQ(ReadFileOrDie(dir_ / "state/tiny.image"), "tiny:1.0.0\n");

  status = Cli({"status", "--output", "json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto s = nlohmann::json::parse(status.out);
  EXPECT_EQ(s["current_version"], "1.0.0") << s;
  EXPECT_EQ(s["pending_releases"], nlohmann::json::array({"1.1.0"})) << s;
  EXPECT_EQ(s["unfinished_run"], nullptr) << s;
  history = Cli({"history", "--output", "json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  runs = nlohmann::json::parse(history.out)["runs"];
  ASSERT_EQ(runs.size(), 2u) << runs;
  EXPECT_EQ(runs[0]["kind"], "rollback") << runs[0];
  EXPECT_EQ(runs[1]["actor"], "alice") << runs[1];

  // And deploying again works on the upgraded database.
  auto deploy = Cli({"deploy", "--yes"});
  ASSERT_EQ(deploy.exit_code, 0) << deploy.out << deploy.err;
  EXPECT_TRUE(HasTable("notes"));
}

// Version 2 as the releases before the recorded release schemas left it: version 1's tables plus
// the lock table and the snapshot catalog (state_schema.cc at version 2, word for word).
const char kSnapshotIndexV2[] =
    "CREATE TABLE IF NOT EXISTS orchestrate_snapshot_index (id BIGINT PRIMARY KEY, run_id BIGINT, "
    "step INTEGER, release TEXT, source TEXT, source_table TEXT NOT NULL, kind TEXT NOT NULL, "
    "key_columns TEXT NOT NULL, columns TEXT NOT NULL, row_count BIGINT NOT NULL, storage TEXT "
    "NOT NULL, created_at TEXT NOT NULL, restored_at TEXT, description TEXT NOT NULL)";
const char kSnapshotCounterV2[] =
    "CREATE TABLE IF NOT EXISTS orchestrate_snapshot_counter (id INTEGER PRIMARY KEY, last_id "
    "BIGINT NOT NULL)";

TEST_P(StateSchemaTest, Version2KeepsWorkingAndIsUpgradedToRecordReleaseSchemas) {
  ASSERT_NO_FATAL_FAILURE(WriteVersion1Deployed());
  std::vector<std::string> v2 = db_->StateNamespaceStatements();
  v2.push_back(kSnapshotIndexV2);
  v2.push_back(kSnapshotCounterV2);
  v2.push_back("UPDATE orchestrate_meta SET value = '2' WHERE key = 'schema_version'");
  ASSERT_NO_FATAL_FAILURE(Exec(*db_, v2));
  EXPECT_FALSE(HasTable("orchestrate_release_schemas"));
  WriteApp();

  // Read-only commands read version 2 as it is: status has nothing recorded to compare with.
  auto status = Cli({"status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("no schema recorded when 1.1.0 was deployed: not compared"),
            std::string::npos)
      << status.out;
  auto history = Cli({"history", "--output", "json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_EQ(nlohmann::json::parse(history.out)["runs"].size(), 1u) << history.out;
  EXPECT_FALSE(HasTable("orchestrate_release_schemas"));

  // A rollback upgrades to version 4 and rolls back; 1.0.0 was deployed before any schema was
  // recorded, so there is nothing to compare with: exit 0.
  auto rollback = Cli({"rollback", "--to", "1.0.0", "--reason", "v2 test", "--yes"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  EXPECT_EQ(One("SELECT value FROM orchestrate_meta WHERE key = 'schema_version'"), "4");
  EXPECT_TRUE(HasTable("orchestrate_release_schemas"));
  EXPECT_TRUE(HasTable("orchestrate_schema_checks"));
  EXPECT_FALSE(HasTable("notes"));
  EXPECT_EQ(One("SELECT actor FROM orchestrate_runs WHERE id = 1"), "alice");

  // Deploying again records the schema 1.1.0 leaves; rolling back to 1.0.0 still has nothing
  // recorded for 1.0.0 (deployed before version 3): still exit 0, and status says so.
  ASSERT_EQ(Cli({"deploy", "--yes"}).exit_code, 0);
  EXPECT_EQ(One("SELECT count(*) FROM orchestrate_release_schemas WHERE version = '1.1.0'"), "1");
  EXPECT_EQ(One("SELECT count(*) FROM orchestrate_release_schemas WHERE version = '1.0.0'"), "0");
  status = Cli({"status"});
  EXPECT_NE(status.out.find("the schema is the recorded state of 1.1.0"), std::string::npos)
      << status.out;
}

// Version 3 (what the releases before statement-level checkpoints leave) gains
// orchestrate_step_statements, and nothing else changes; the binary deploys on it.
TEST_P(StateSchemaTest, Version3IsUpgradedToStatementCheckpointsLikeAFreshOne) {
  ASSERT_TRUE(EnsureStateSchema(*db_).ok());
  const auto fresh = DescribeState();
  ASSERT_FALSE(fresh.empty());
  ASSERT_NO_FATAL_FAILURE(Exec(*db_, {"DROP TABLE orchestrate_step_statements",
                                      "UPDATE orchestrate_meta SET value = '3' WHERE key = "
                                      "'schema_version'"}));
  EXPECT_FALSE(HasTable("orchestrate_step_statements"));
  auto v3 = StateSchemaVersion(*db_);
  ASSERT_TRUE(v3.ok());
  EXPECT_EQ(*v3, 3);
  WriteApp();
  auto deployed = Cli({"deploy", "--yes"});
  ASSERT_EQ(deployed.exit_code, 0) << deployed.out << deployed.err;
  EXPECT_EQ(One("SELECT value FROM orchestrate_meta WHERE key = 'schema_version'"), "4");
  EXPECT_TRUE(HasTable("orchestrate_step_statements"));
  EXPECT_EQ(DescribeState(), fresh);
  EXPECT_TRUE(HasTable("notes"));
}

TEST_P(StateSchemaTest, AProcessThatWaitedForAnUpgradeSeesItsVersionAndDoesNothing) {
  ASSERT_NO_FATAL_FAILURE(WriteVersion1Deployed());
  // Another process holds the state schema lock while it upgrades: it records the newest version
  // but (so that this test can tell) leaves orchestrate_snapshot_counter out.
  auto other = Open();
  ASSERT_NE(other, nullptr);
  auto txn = other->Begin();
  ASSERT_TRUE(txn.ok());
  for (const auto& sql : other->StateSchemaLockStatements()) ASSERT_TRUE((*txn)->Exec(sql).ok());
  for (const auto& sql : StateSchemaStatements(*other)) {
    if (sql.find("orchestrate_snapshot_counter") != std::string::npos) continue;
    if (sql.rfind("CREATE ", 0) == 0) {
      ASSERT_TRUE((*txn)->Exec(sql).ok()) << sql;
    }
  }
  ASSERT_TRUE((*txn)
                  ->Exec("UPDATE orchestrate_meta SET value = $1 WHERE key = 'schema_version'",
                         {std::to_string(kStateSchemaVersion)})
                  .ok());

  std::atomic<bool> done{false};
  Status upgraded;
  std::thread waiter([&] {
    upgraded = EnsureStateSchema(*db_);  // reads 1, then waits for the lock
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_FALSE(done) << "EnsureStateSchema did not wait for the state schema lock";
  ASSERT_TRUE((*txn)->Commit().ok());
  waiter.join();
  EXPECT_TRUE(upgraded.ok()) << upgraded.message();
  EXPECT_EQ(One("SELECT value FROM orchestrate_meta WHERE key = 'schema_version'"), "4");
  EXPECT_FALSE(HasTable("orchestrate_snapshot_counter"));  // the step did not run again
}

TEST_P(StateSchemaTest, ProcessesRacingToCreateOrUpgradeAllSucceedOnce) {
  for (const bool from_v1 : {false, true}) {
    SCOPED_TRACE(from_v1 ? "from version 1" : "fresh");
    if (from_v1) {
      ASSERT_NO_FATAL_FAILURE(Exec(*db_, {"DROP TABLE orchestrate_snapshot_counter",
                                          "UPDATE orchestrate_meta SET value = '1'"}));
    }
    constexpr int kProcesses = 4;
    std::vector<std::unique_ptr<Database>> dbs;
    for (int i = 0; i < kProcesses; ++i) dbs.push_back(Open());
    std::vector<Status> results(kProcesses);
    std::vector<std::thread> threads;
    for (int i = 0; i < kProcesses; ++i)
      threads.emplace_back([&, i] { results[i] = EnsureStateSchema(*dbs[i]); });
    for (auto& t : threads) t.join();
    for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(One("SELECT value FROM orchestrate_meta WHERE key = 'schema_version'"), "4");
    EXPECT_EQ(One("SELECT count(*) FROM orchestrate_meta"), "1");
    for (const char* table : kAllStateTables) EXPECT_TRUE(HasTable(table)) << table;
  }
}

}  // namespace
}  // namespace orchestrate::testing
