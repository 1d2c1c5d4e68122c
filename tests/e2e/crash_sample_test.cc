// The sampled crash suite (in ctest, so `make test` runs it; `make crash-test` keeps the
// exhaustive one): a run killed with SIGKILL at one failpoint of every kind (the registry,
// orchestrator/failpoint.h), on SQLite, PostgreSQL and MariaDB, then the same command run again
// on the real binary. It must
// finish, leave the database, the applied migrations, the snapshots and the image of one
// uninterrupted run, and show every database step of the run done exactly once.
//
// The plan is small on purpose (two releases, each kind of step once) so that the suite takes
// seconds per engine: a rollback 1.1.0 -> 1.0.0 has an image swap, a ledger reversal in batches
// of one row (snapshots of its rows), a transactional and a non-transactional down that drop a
// table (snapshots, the second committed on its own) and a down that drops a column.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "migrations/fingerprint.h"
#include "orchestrator/failpoint.h"
#include "tests/support/mysql.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

enum class Engine { kSqlite, kPostgres, kMariaDb };

const char* EngineName(Engine e) {
  return e == Engine::kSqlite ? "Sqlite" : e == Engine::kPostgres ? "Postgres" : "MariaDb";
}

// One sampled crash: ORCHESTRATE_FAILPOINT = KIND[:N][SUFFIX], where N is the number of the first
// step whose kind or id is `step` (none when `step` is empty), in the run of `command`.
struct Sample {
  FailpointKind kind;
  std::string command;  // "rollback" (1.1.0 -> 1.0.0) or "deploy" (1.0.0 -> 1.1.0)
  std::string step;     // a step kind ("swap-image") or id ("0002_points"); "" for none
  std::string suffix;   // after the step number (":set", ":1")
  // (A kill inside a step whose DDL MariaDB commits by itself is sampled there too: such a step
  // runs statement by statement and resumes after the last statement recorded done,
  // orchestrator/statement_steps.h; its snapshot is taken on its own before it.)

  std::string Name() const {
    std::string name = std::string(FailpointKindName(kind)) + "_" + command +
                       (step.empty() ? "" : "_" + step) + suffix;
    for (char& c : name)
      if (!isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
  }
};

const std::vector<Sample>& Samples() {
  using K = FailpointKind;
  static const std::vector<Sample> samples = {
      {K::kBeforeRunStart, "rollback", "", ""},
      {K::kAfterRunStart, "rollback", "", ""},
      {K::kBeforeStep, "rollback", "0004_tiers", ""},
      {K::kSnapshotCopied, "rollback", "0002_points", ":1"},
      {K::kSnapshotCopied, "rollback", "undo-seed", ":1"},
      {K::kAfterSnapshotCommit, "rollback", "0003_audit", ""},
      {K::kBeforeCommit, "rollback", "0002_points", ""},
      {K::kBeforeCommit, "rollback", "forget-release", ""},
      {K::kBeforeCommit, "deploy", "0002_points", ""},
      {K::kBeforeCommit, "deploy", "record-release", ""},
      {K::kBeforeCommit, "deploy", "run-seed", ""},
      {K::kAfterStep, "rollback", "0004_tiers", ""},
      {K::kBeforeSwapPart, "rollback", "swap-image", ":set"},
      {K::kSwapPartStarted, "rollback", "swap-image", ":set"},
      {K::kSwapPartRan, "rollback", "swap-image", ":set"},
      {K::kSwapPartRan, "deploy", "swap-image", ":verify"},
      {K::kAfterSwapPart, "rollback", "swap-image", ":verify"},
      {K::kBeforeBatchCommit, "rollback", "undo-seed", ""},
      {K::kAfterBatch, "rollback", "undo-seed", ":1"},
      {K::kBeforeFinish, "rollback", "", ""},
      {K::kAfterFinish, "rollback", "", ""},
      {K::kAfterFinish, "deploy", "", ""},
  };
  return samples;
}

class CrashSampleTest : public ::testing::TestWithParam<std::tuple<Engine, size_t>> {
 protected:
  Engine engine() const { return std::get<0>(GetParam()); }
  const Sample& sample() const { return Samples()[std::get<1>(GetParam())]; }

  void SetUp() override {
    WritePlan();
    if (engine() == Engine::kPostgres) {
      ORCH_REQUIRE_PG(url);
      ORCH_REQUIRE_PG(reference);
      url_ = url;
      reference_url_ = reference;
    } else if (engine() == Engine::kMariaDb) {
      ORCH_REQUIRE_MYSQL(url);
      ORCH_REQUIRE_MYSQL(reference);
      url_ = url;
      reference_url_ = reference;
    }
  }

  void Write(const std::string& path, const std::string& text) {
    WriteFileOrDie(dir_ / ("plan/" + path), text);
  }

  void WritePlan() {
    Write("plan.yaml",
          "app: mini\nreleases: releases/\nenvironments:\n  local:\n"
          "    database: sqlite:${STATE_DIR}/mini.db\n"
          "    deployer: {kind: file, path: \"${STATE_DIR}/mini.image\"}\n"
          "policy: {batch_rows: 1, lock_timeout: 10s, snapshot: " +
              std::string("on-destroy, on_modified: revert") + "}\n");
    Write("releases/1.0.0.yaml",
          "version: 1.0.0\nimage: mini:1.0.0\nmigrations:\n"
          "  - {id: 0001_customers, up: ../sql/0001.up.sql, down: ../sql/0001.down.sql}\n");
    Write("releases/1.1.0.yaml",
          "version: 1.1.0\nimage: mini:1.1.0\nmigrations:\n"
          "  - {id: 0002_points, up: ../sql/0002.up.sql, down: ../sql/0002.down.sql}\n"
          "  - {id: 0003_audit, up: ../sql/0003.up.sql, down: ../sql/0003.down.sql, "
          "transactional: false}\n"
          "  - {id: 0004_tiers, up: ../sql/0004.up.sql, down: ../sql/0004.down.sql}\n"
          "seeds:\n  - {id: tiers, tables: [tiers], sql: ../seeds/tiers.sql}\n");
    Write("sql/0001.up.sql",
          "CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL);\n"
          "INSERT INTO customers (id, email) VALUES (1, 'ann@example.com'), "
          "(2, 'bob@example.com');\n");
    Write("sql/0001.down.sql", "DROP TABLE customers;\n");
    Write("sql/0002.up.sql",
          "ALTER TABLE customers ADD COLUMN points INTEGER NOT NULL DEFAULT 0;\n"
          "UPDATE customers SET points = 10 WHERE id = 1;\n");
    Write("sql/0002.down.sql", "ALTER TABLE customers DROP COLUMN points;\n");
    Write("sql/0003.up.sql",
          "CREATE TABLE audit (id INTEGER PRIMARY KEY, note VARCHAR(50));\n"
          "INSERT INTO audit (id, note) VALUES (1, 'deployed');\n");
    Write("sql/0003.down.sql", "DROP TABLE audit;\n");
    Write("sql/0004.up.sql",
          "CREATE TABLE tiers (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL);\n"
          "INSERT INTO tiers (id, name) VALUES (1, 'basic');\n");
    Write("sql/0004.down.sql", "DROP TABLE tiers;\n");
    Write("seeds/tiers.sql",
          "UPDATE tiers SET name = 'bronze' WHERE id = 1;\n"
          "INSERT INTO tiers (id, name) VALUES (2, 'silver');\n"
          "INSERT INTO tiers (id, name) VALUES (3, 'gold');\n");
  }

  // The database of the state folder `state`: `url` or the plan's SQLite default.
  std::string UrlOf(const std::string& state) const {
    const std::string& url = state == "reference" ? reference_url_ : url_;
    return url.empty() ? "sqlite:" + (dir_ / (state + "/mini.db")) : url;
  }

  ProcessResult Run(const std::string& state, std::vector<std::string> args,
                    const std::string& failpoint = "") {
    args.insert(args.begin() + 1, dir_ / "plan/plan.yaml");
    args.insert(args.begin(), failpoint.empty() ? OrchestrateBin() : FailpointsBin());
    args.insert(args.end(), {"--database", UrlOf(state)});
    if (args[1] == "deploy" || args[1] == "rollback")
      args.insert(args.end(), {"--yes", "-q", "--lock-timeout", "30"});
    ProcessOptions o;
    o.env["STATE_DIR"] = dir_ / state;
    if (!failpoint.empty()) o.env["ORCHESTRATE_FAILPOINT"] = failpoint;
    return RunProcess(args, o);
  }

  // The arguments of the sampled run, and of what prepares its database.
  std::vector<std::string> Command() const {
    if (sample().command == "deploy") return {"deploy", "--to", "1.1.0"};
    return {"rollback", "--to", "1.0.0", "--reason", "crash"};
  }
  std::vector<std::string> Prepare() const {
    return {"deploy", "--to", sample().command == "deploy" ? "1.0.0" : "1.1.0"};
  }

  // The failpoint name of the sample, from the steps of the run `plan` shows on `state`.
  std::string FailpointName(const std::string& state) {
    std::string name = FailpointKindName(sample().kind);
    if (sample().step.empty()) return name;
    auto plan = Run(state, {"plan", "--to", sample().command == "deploy" ? "1.1.0" : "1.0.0",
                            "--output", "json"});
    EXPECT_EQ(plan.exit_code, 0) << plan.err;
    if (plan.exit_code != 0) return "";
    const auto steps = nlohmann::json::parse(plan.out)["steps"];
    for (size_t i = 0; i < steps.size(); ++i)
      if (steps[i]["kind"] == sample().step || steps[i].value("id", "") == sample().step)
        return name + ":" + std::to_string(i + 1) + sample().suffix;
    ADD_FAILURE() << "no step " << sample().step << " in " << plan.out;
    return "";
  }

  // User schema and data, applied migrations, snapshots (where taken) and the running image.
  std::string EndState(const std::string& state) {
    auto db = OpenDatabase(UrlOf(state), "");
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return "";
    auto fp = TakeFingerprint(**db);
    EXPECT_TRUE(fp.ok()) << fp.status().message();
    if (!fp.ok()) return "";
    std::string out = "schema " + fp->schema_sha256 + ", data " + fp->data_sha256;
    auto txn = (*db)->BeginRead();
    EXPECT_TRUE(txn.ok()) << txn.status().message();
    if (!txn.ok()) return "";
    const std::vector<std::string> queries = {
        "SELECT COUNT(*) FROM orchestrate_migrations",
        "SELECT COUNT(*), COUNT(DISTINCT step), COALESCE(SUM(row_count), 0) FROM "
        "orchestrate_snapshot_index"};
    for (const auto& q : queries) {
      auto rows = (*txn)->Query(q);
      EXPECT_TRUE(rows.ok()) << q << ": " << rows.status().message();
      if (!rows.ok()) continue;
      for (const auto& v : rows->rows[0]) out += ", " + v.value_or("NULL");
    }
    return out + ", image " + ReadFileOrDie(dir_ / (state + "/mini.image"));
  }

  // Every step of the newest run done; each database step applied once.
  void ExpectEachStepOnce(const std::string& state) {
    auto db = OpenDatabase(UrlOf(state), "");
    ASSERT_TRUE(db.ok()) << db.status().message();
    auto txn = (*db)->BeginRead();
    ASSERT_TRUE(txn.ok()) << txn.status().message();
    auto rows = (*txn)->Query(
        "SELECT n, status, attempts, kind FROM orchestrate_steps WHERE run_id = (SELECT MAX(id) "
        "FROM orchestrate_runs) ORDER BY n");
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    ASSERT_FALSE(rows->rows.empty());
    for (const auto& r : rows->rows) {
      const std::string n = r[0].value_or("");
      EXPECT_EQ(r[1].value_or(""), "done") << "step " << n;
      // A swap is resumed part by part (each part once: swap_parts_test.cc); its step may start
      // twice.
      if (r[3].value_or("") != "swap-image") {
        EXPECT_EQ(r[2].value_or(""), "1") << "step " << n << " applied more than once";
      }
    }
  }

  TempDir dir_;
  std::string url_, reference_url_;  // "" on SQLite
};

TEST_P(CrashSampleTest, KilledThereTheSameCommandFinishesTheRun) {
  for (const std::string state : {"reference", "state"}) {
    auto prepared = Run(state, Prepare());
    ASSERT_EQ(prepared.exit_code, 0) << prepared.err;
    if (sample().command == "rollback") {
      // A seeded row changed since the deploy: the reversal snapshots it before reverting it.
      auto db = OpenDatabase(UrlOf(state), "");
      ASSERT_TRUE(db.ok()) << db.status().message();
      auto txn = (*db)->Begin();
      ASSERT_TRUE(txn.ok()) << txn.status().message();
      ASSERT_TRUE((*txn)->Exec("UPDATE tiers SET name = 'platinum' WHERE id = 3").ok());
      ASSERT_TRUE((*txn)->Commit().ok());
    }
  }
  auto reference = Run("reference", Command());
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  const std::string want = EndState("reference");

  const std::string failpoint = FailpointName("state");
  ASSERT_FALSE(failpoint.empty());
  SCOPED_TRACE("killed at " + failpoint);
  auto killed = Run("state", Command(), failpoint);
  ASSERT_EQ(killed.signal, SIGKILL)
      << "the failpoint was not reached: exit " << killed.exit_code << "\n"
      << killed.err;

  auto again = Run("state", Command());
  if (sample().kind == FailpointKind::kAfterFinish) {
    // The run was recorded finished before the kill: there is nothing left to do (exit 0, said
    // on stdout).
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("nothing to do"), std::string::npos) << again.out << again.err;
  } else {
    ASSERT_EQ(again.exit_code, 0) << again.err;
  }
  EXPECT_EQ(EndState("state"), want);
  ExpectEachStepOnce("state");
  // `status` of the state folder: no unfinished run, no lock left behind.
  auto st = RunProcess({OrchestrateBin(), "status", dir_ / "plan/plan.yaml", "--database",
                        UrlOf("state"), "--output", "json"},
                       ProcessOptions{{{"STATE_DIR", dir_ / "state"}}, 0, ""});
  ASSERT_EQ(st.exit_code, 0) << st.err;
  const auto json = nlohmann::json::parse(st.out);
  EXPECT_TRUE(json["unfinished_run"].is_null()) << st.out;
  EXPECT_TRUE(json["lock"].is_null()) << st.out;
}

std::vector<std::tuple<Engine, size_t>> AllSamples() {
  std::vector<std::tuple<Engine, size_t>> out;
  for (Engine e : {Engine::kSqlite, Engine::kPostgres, Engine::kMariaDb})
    for (size_t i = 0; i < Samples().size(); ++i) out.emplace_back(e, i);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Sampled, CrashSampleTest, ::testing::ValuesIn(AllSamples()),
                         [](const ::testing::TestParamInfo<std::tuple<Engine, size_t>>& p) {
                           return std::string(EngineName(std::get<0>(p.param))) + "_" +
                                  Samples()[std::get<1>(p.param)].Name();
                         });

// The registry: every kind the code declares has a sampled crash above on every engine (a new
// kind without one fails here), and the registry lists each kind once.
TEST(FailpointRegistry, EveryDeclaredKindIsSampledOnEveryEngine) {
  const auto& kinds = AllFailpointKinds();
  EXPECT_EQ(kinds.size(), static_cast<size_t>(FailpointKind::kBeforeStatementsCommit) + 1)
      << "a kind is missing from AllFailpointKinds()";
  // The kinds of fleet runs, sampled where fleets are: tests/e2e/shard_test.cc kills a shard at
  // before-target and finishes its databases by running it again. The kinds of steps run
  // statement by statement (MySQL/MariaDB): tests/e2e/mysql_statements_test.cc kills a deploy and a
  // rollback at each of them.
  const std::set<std::string> sampled_elsewhere = {"before-target",  "before-ddl-started",
                                                   "before-ddl",     "after-ddl",
                                                   "after-ddl-done", "before-statements-commit"};
  std::set<std::string> names;
  for (FailpointKind k : kinds) EXPECT_TRUE(names.insert(FailpointKindName(k)).second);
  for (Engine e : {Engine::kSqlite, Engine::kPostgres, Engine::kMariaDb}) {
    std::set<std::string> sampled;
    for (const auto& [engine, i] : AllSamples())
      if (engine == e) sampled.insert(FailpointKindName(Samples()[i].kind));
    for (FailpointKind k : kinds) {
      const std::string name = FailpointKindName(k);
      if (sampled_elsewhere.count(name)) continue;
      EXPECT_TRUE(sampled.count(name)) << name << " has no sampled crash on " << EngineName(e);
    }
  }
}

// The runners' calls name their kind (Point(FailpointKind::k...), Failpoint(FailpointKind::k...)):
// each kind is used by the code, so a kind left in the registry after its failpoint was removed
// fails here.
TEST(FailpointRegistry, EveryKindIsUsedByTheExecutor) {
  const std::string source = ReadFileOrDie(SourceDir() + "/orchestrator/executor.cc") +
                             ReadFileOrDie(SourceDir() + "/orchestrator/fleet.cc") +
                             ReadFileOrDie(SourceDir() + "/orchestrator/statement_steps.cc");
  const std::vector<std::string> enumerators = {
      "kBeforeRunStart", "kAfterRunStart",       "kBeforeStep",
      "kSnapshotCopied", "kAfterSnapshotCommit", "kBeforeCommit",
      "kAfterStep",      "kBeforeSwapPart",      "kSwapPartStarted",
      "kSwapPartRan",    "kAfterSwapPart",       "kBeforeBatchCommit",
      "kAfterBatch",     "kBeforeFinish",        "kAfterFinish",
      "kBeforeTarget",   "kBeforeDdlStarted",    "kBeforeDdl",
      "kAfterDdl",       "kAfterDdlDone",        "kBeforeStatementsCommit"};
  ASSERT_EQ(enumerators.size(), AllFailpointKinds().size());
  for (const auto& e : enumerators)
    EXPECT_NE(source.find("FailpointKind::" + e), std::string::npos) << e << " is never used";
}

}  // namespace
}  // namespace orchestrate::testing
