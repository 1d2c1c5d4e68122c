// Fleets end to end: the real binary deploys and rolls back samples/shop on several SQLite files
// and PostgreSQL databases at once (orchestrator/fleet.h), one of them made to fail, then fixed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "migrations/database.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override { CopyTree(SourceDir() + "/samples/shop", dir_ / "shop"); }

  // plan.yaml with a `fleet` environment of `targets` and `targets_command` (YAML, as written).
  std::string WritePlan(const std::string& targets, const std::string& targets_command) {
    std::string plan = dir_ / "shop/plan.yaml";
    WriteFileOrDie(
        plan,
        "app: shop\nreleases: releases/\nenvironments:\n"
        "  local:\n"
        "    database: sqlite:${STATE_DIR}/single.db\n"
        "    deployer: {kind: file, path: \"${STATE_DIR}/single.image\"}\n"
        "  fleet:\n" +
            (targets.empty() ? "" : "    targets: " + targets + "\n") +
            (targets_command.empty() ? "" : "    targets_command: " + targets_command + "\n") +
            "    deployer: {kind: file, path: \"${STATE_DIR}/fleet.image\"}\n"
            "policy: {require_reason: true, lock_timeout: 10s}\n");
    return plan;
  }

  // An executable shell script printing `lines`.
  std::string WriteScript(const std::string& name, const std::string& body) {
    std::string path = dir_ / name;
    WriteFileOrDie(path, "#!/bin/sh\n" + body);
    chmod(path.c_str(), 0755);
    return path;
  }

  ProcessResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), OrchestrateBin());
    ProcessOptions opts;
    opts.env["STATE_DIR"] = dir_ / "state";
    return RunProcess(args, opts);
  }

  // `status --output json` of one database of the fleet.
  nlohmann::json StatusOf(const std::string& plan, const std::string& url) {
    auto r = Run({"status", plan, "--env", "local", "--database", url, "--output", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  }

  static const nlohmann::json* Target(const nlohmann::json& report, const std::string& url) {
    for (const auto& t : report["targets"])
      if (t["target"] == RedactUrl(url)) return &t;
    ADD_FAILURE() << "no target " << url << " in " << report.dump(2);
    return nullptr;
  }

  static void Exec(const std::string& url, const std::string& base_dir, const std::string& sql) {
    auto db = OpenDatabase(url, base_dir);
    ASSERT_TRUE(db.ok()) << db.status().message();
    auto t = (*db)->Begin();
    ASSERT_TRUE(t.ok()) << t.status().message();
    ASSERT_TRUE((*t)->Exec(sql).ok());
    ASSERT_TRUE((*t)->Commit().ok());
  }

  std::string Image() {
    std::string image = ReadFileOrDie(dir_ / "state/fleet.image");
    while (!image.empty() && image.back() == '\n') image.pop_back();
    return image;
  }

  TempDir dir_;
};

TEST_F(FleetTest, ATargetLeftWithAnotherSchemaThanRecordedMakesTheFleetExit5) {
  const std::string a = "sqlite:" + (dir_ / "state/drift-a.db");
  const std::string b = "sqlite:" + (dir_ / "state/drift-b.db");
  std::string plan = WritePlan("[\"" + a + "\", \"" + b + "\"]", "");
  ASSERT_EQ(Run({"deploy", plan, "--env", "fleet", "--yes"}).exit_code, 0);
  // On target a, an index by hand that 1.2.0 never had: rolling back to 1.2.0 finds it.
  auto extra = RunProcess(
      {"/usr/bin/sqlite3", dir_ / "state/drift-a.db", "CREATE INDEX by_hand ON customers (email)"});
  ASSERT_EQ(extra.exit_code, 0) << extra.err;
  auto r = Run({"rollback", plan, "--env", "fleet", "--to", "1.2.0", "--reason", "fleet drift",
                "--yes", "--output", "json"});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["targets"].size(), 2u) << j;
  for (const auto& t : j["targets"]) {
    EXPECT_EQ(t["outcome"], "done") << t;
    const bool is_a = t["target"].get<std::string>().find("drift-a") != std::string::npos;
    EXPECT_EQ(t["schema_drift"].size(), is_a ? 1u : 0u) << t;
    if (is_a) {
      EXPECT_NE(t["schema_drift"].dump().find("by_hand"), std::string::npos) << t;
    }
  }
}

TEST_F(FleetTest, SqliteAndPostgresRollBackInParallelAndOnlyTheFailedTargetRunsAgain) {
  ORCH_REQUIRE_PG(pg1);
  std::string pg2 = FreshPgDatabase(), pg3 = FreshPgDatabase();
  ASSERT_FALSE(pg2.empty() || pg3.empty());
  std::vector<std::string> sqlite = {"sqlite:fleet-1.db", "sqlite:" + (dir_ / "state/fleet-2.db"),
                                     "sqlite:" + (dir_ / "state/fleet-3.db"),
                                     "sqlite:" + (dir_ / "state/fleet-4.db")};
  // Two PostgreSQL databases come from a real program, as an inventory script would print them.
  std::string script = WriteScript(
      "list-targets.sh", "echo '# the shards'\necho '" + pg2 + "'\necho\necho '  " + pg3 + "'\n");
  std::string plan = WritePlan("[" + sqlite[0] + ", \"" + sqlite[1] + "\", \"" + sqlite[2] +
                                   "\", \"" + sqlite[3] + "\", \"" + pg1 + "\"]",
                               "[" + script + "]");
  std::vector<std::string> all = sqlite;
  all.insert(all.end(), {pg1, pg2, pg3});

  auto d = Run({"deploy", plan, "--env", "fleet", "--parallel", "2", "--yes"});
  ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
  EXPECT_NE(d.out.find("7 done, 0 nothing to do, 0 failed"), std::string::npos) << d.out;
  EXPECT_EQ(Image(), "registry.example.com/shop:1.3.0");
  for (const auto& url : all) EXPECT_EQ(StatusOf(plan, url)["current_version"], "1.3.0") << url;

  // A column made by hand on one target makes its down-migration (rename back) fail.
  Exec(pg2, dir_ / "shop", "ALTER TABLE customers ADD COLUMN full_name TEXT");
  auto r = Run({"rollback", plan, "--env", "fleet", "--to", "1.0.0", "--reason", "fleet test",
                "--parallel", "2", "--yes", "--output", "json"});
  ASSERT_EQ(r.exit_code, 2) << r.out << r.err;
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["exit_code"], 2);
  ASSERT_EQ(report["targets"].size(), 7u);
  for (const auto& url : all) {
    const nlohmann::json* t = Target(report, url);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ((*t)["from"], "1.3.0");
    if (url == pg2) {
      EXPECT_EQ((*t)["outcome"], "failed");
      EXPECT_NE((*t)["error"].get<std::string>().find("0015_customers_rename_full_name"),
                std::string::npos)
          << *t;
      EXPECT_EQ(StatusOf(plan, url)["unfinished_run"]["status"], "failed");
    } else {
      EXPECT_EQ((*t)["outcome"], "done") << *t;
      EXPECT_EQ(StatusOf(plan, url)["current_version"], "1.0.0") << url;
    }
  }
  // 1.2.0 is schema-first: the image moves only once every database has moved.
  EXPECT_EQ(report["image"]["action"], "not swapped");
  EXPECT_EQ(Image(), "registry.example.com/shop:1.3.0");
  // `status --all-envs` reads each PostgreSQL target's release and unfinished run (Journal::Look).
  {
    auto st = Run({"status", plan, "--all-envs", "--output", "json"});
    ASSERT_EQ(st.exit_code, 0) << st.out << st.err;
    auto j = nlohmann::json::parse(st.out);
    std::map<std::string, nlohmann::json> by_db;
    for (const auto& row : j["databases"]) by_db[row["database"].get<std::string>()] = row;
    const auto& failed = by_db[RedactUrl(pg2)];
    EXPECT_EQ(failed["release"], "1.3.0") << j;
    EXPECT_NE(failed["unfinished_run"].get<std::string>().find("rollback 1.3.0 -> 1.0.0: failed"),
              std::string::npos)
        << failed;
    EXPECT_EQ(by_db[RedactUrl(pg3)]["release"], "1.0.0") << j;
    EXPECT_EQ(by_db[RedactUrl(pg3)]["unfinished_run"], nullptr) << j;
  }

  // The text summary names the failed target, redacted, with what to do.
  auto again_text = Run({"rollback", plan, "--env", "fleet", "--to", "1.0.0", "--reason",
                         "fleet test", "--parallel", "2", "--yes"});
  EXPECT_EQ(again_text.exit_code, 2) << again_text.err;
  EXPECT_NE(again_text.out.find("not done:\n  " + RedactUrl(pg2) + ": "), std::string::npos)
      << again_text.out;
  EXPECT_NE(again_text.out.find("6 nothing to do, 1 failed"), std::string::npos) << again_text.out;

  Exec(pg2, dir_ / "shop", "ALTER TABLE customers DROP COLUMN full_name");
  auto fixed = Run({"rollback", plan, "--env", "fleet", "--to", "1.0.0", "--reason", "fleet test",
                    "--parallel", "2", "--yes", "--output", "json"});
  ASSERT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
  report = nlohmann::json::parse(fixed.out);
  for (const auto& url : all) {
    const nlohmann::json* t = Target(report, url);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ((*t)["outcome"], url == pg2 ? "resumed" : "nothing-to-do") << *t;
    EXPECT_EQ((*t)["steps_run"].get<int>() > 0, url == pg2) << *t;
  }
  EXPECT_EQ(report["image"]["action"], "swapped");
  EXPECT_EQ(Image(), "registry.example.com/shop:1.0.0");

  // Every target now equals a fresh 1.0.0 of its dialect, schema and data.
  ASSERT_EQ(Run({"deploy", plan, "--env", "local", "--to", "1.0.0", "--yes"}).exit_code, 0);
  std::string fresh_pg = FreshPgDatabase();
  ASSERT_EQ(
      Run({"deploy", plan, "--env", "local", "--database", fresh_pg, "--to", "1.0.0", "--yes"})
          .exit_code,
      0);
  auto want_sqlite = StatusOf(plan, "sqlite:" + (dir_ / "state/single.db"));
  auto want_pg = StatusOf(plan, fresh_pg);
  for (const auto& url : all) {
    auto got = StatusOf(plan, url);
    const auto& want = url.rfind("sqlite:", 0) == 0 ? want_sqlite : want_pg;
    EXPECT_EQ(got["current_version"], "1.0.0") << url;
    EXPECT_EQ(got["schema_fingerprint"], want["schema_fingerprint"]) << url;
    EXPECT_EQ(got["data_fingerprint"], want["data_fingerprint"]) << url;
  }

  // Nothing left anywhere: exit 0, as for one database.
  auto idle = Run({"rollback", plan, "--env", "fleet", "--to", "1.0.0", "--reason", "again",
                   "--parallel", "3", "--yes"});
  EXPECT_EQ(idle.exit_code, 0) << idle.out << idle.err;
  EXPECT_NE(idle.out.find("image: already running"), std::string::npos) << idle.out;
}

TEST_F(FleetTest, FailFastStartsNoNewTargetAfterAFailure) {
  ORCH_REQUIRE_PG(pg);
  // The first target is a database that does not exist.
  std::string missing = PgUrlWithDatabase(pg, "orchestrate_no_such_database");
  std::string plan = WritePlan("[\"" + missing + "\", sqlite:a.db, sqlite:b.db]", "");
  auto r = Run({"deploy", plan, "--env", "fleet", "--fail-fast", "--yes", "--output", "json"});
  ASSERT_EQ(r.exit_code, 2) << r.out << r.err;
  auto report = nlohmann::json::parse(r.out);
  ASSERT_EQ(report["targets"].size(), 3u);
  EXPECT_EQ(report["targets"][0]["outcome"], "failed");
  EXPECT_NE(report["targets"][0]["error"].get<std::string>().find("orchestrate_no_such_database"),
            std::string::npos)
      << report;
  EXPECT_EQ(report["targets"][1]["outcome"], "not-started");
  EXPECT_EQ(report["targets"][2]["outcome"], "not-started");
  EXPECT_NE(report["targets"][2]["error"].get<std::string>().find("--fail-fast"),
            std::string::npos);
  struct stat st;
  EXPECT_NE(stat((dir_ / "shop/a.db").c_str(), &st), 0) << "a target after the failure ran";
  EXPECT_NE(stat((dir_ / "state/fleet.image").c_str(), &st), 0) << "the image moved";

  // Without --fail-fast the others run; the image stays until every target is done.
  r = Run({"deploy", plan, "--env", "fleet", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("2 done, 0 nothing to do, 1 failed"), std::string::npos) << r.out;
  EXPECT_NE(stat((dir_ / "state/fleet.image").c_str(), &st), 0) << "the image moved";
}

TEST_F(FleetTest, TargetsCommandAndFleetErrorsSayWhatToDo) {
  // A code-first rollback swaps the image once, before the targets.
  std::string script = WriteScript("targets.sh", "echo sqlite:x.db\necho sqlite:y.db\n");
  std::string plan = WritePlan("", "[" + script + "]");
  ASSERT_EQ(Run({"deploy", plan, "--env", "fleet", "--yes", "-q"}).exit_code, 0);
  auto r = Run({"rollback", plan, "--env", "fleet", "--to", "1.2.0", "--reason", "t", "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("image: swapped registry.example.com/shop:1.3.0 -> "
                       "registry.example.com/shop:1.2.0"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(StatusOf(plan, "sqlite:y.db")["current_version"], "1.2.0");

  // `previous` means a different release on each target: refused.
  r = Run({"rollback", plan, "--env", "fleet", "--reason", "t", "--yes"});
  EXPECT_EQ(r.exit_code, 64) << r.err;
  EXPECT_NE(r.err.find("needs --to VERSION"), std::string::npos) << r.err;

  // Other commands need one database: they say how to pick one.
  r = Run({"status", plan, "--env", "fleet"});
  EXPECT_EQ(r.exit_code, 64) << r.err;
  EXPECT_NE(r.err.find("plan.yaml:7:3: environment 'fleet' is a fleet without a 'database:'"),
            std::string::npos)
      << r.err;

  // A failing inventory command: nothing runs, and the message names the plan's line.
  std::string broken = WriteScript("broken.sh", "echo 'inventory unreachable' >&2\nexit 3\n");
  plan = WritePlan("", "[" + broken + "]");
  r = Run({"deploy", plan, "--env", "fleet", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("plan.yaml:7:3: the targets_command of environment 'fleet'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("inventory unreachable"), std::string::npos) << r.err;

  // An environment with neither a database nor targets is a manifest error.
  std::string bad = dir_ / "shop/bad.yaml";
  WriteFileOrDie(bad,
                 "app: shop\nreleases: releases/\nenvironments:\n  prod:\n"
                 "    deployer: {kind: file, path: x.image}\n");
  r = Run({"validate", bad});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("needs 'database' (a URL), or 'targets' / 'targets_command' for a fleet"),
            std::string::npos)
      << r.err;
}

TEST_F(FleetTest, AKilledFleetRunResumesTheInterruptedTargetAndStartsTheOthers) {
  std::string plan = WritePlan("[sqlite:k1.db, sqlite:k2.db, sqlite:k3.db]", "");
  // The whole process dies (SIGKILL) after step 3 of the first target.
  ProcessOptions opts;
  opts.env["STATE_DIR"] = dir_ / "state";
  opts.env["ORCHESTRATE_FAILPOINT"] = "after-step:3";
  auto killed = RunProcess({FailpointsBin(), "deploy", plan, "--env", "fleet", "--yes"}, opts);
  ASSERT_EQ(killed.signal, SIGKILL) << killed.out << killed.err;

  auto r = Run({"deploy", plan, "--env", "fleet", "--yes", "--output", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report["targets"][0]["outcome"], "resumed") << report;
  EXPECT_EQ(report["targets"][0]["steps_run"], 24) << report;  // 27 steps, 3 done before the kill
  EXPECT_EQ(report["targets"][1]["outcome"], "done") << report;
  EXPECT_EQ(report["targets"][2]["outcome"], "done") << report;
  EXPECT_EQ(Image(), "registry.example.com/shop:1.3.0");
  for (const char* url : {"sqlite:k1.db", "sqlite:k2.db", "sqlite:k3.db"})
    EXPECT_EQ(StatusOf(plan, url)["current_version"], "1.3.0") << url;
}

// An exception in a target's worker thread fails that target (exit 2 with a message) instead of
// std::terminate, and the same command resumes every target (issue 15, item 9).
TEST_F(FleetTest, AnExceptionInAWorkerFailsItsTargetAndTheRunResumes) {
  std::string plan = WritePlan("[sqlite:e1.db, sqlite:e2.db]", "");
  ProcessOptions opts;
  opts.env["STATE_DIR"] = dir_ / "state";
  opts.env["ORCHESTRATE_FAILPOINT"] = "after-step:3:throw";
  auto failed = RunProcess(
      {FailpointsBin(), "deploy", plan, "--env", "fleet", "--parallel", "2", "--yes"}, opts);
  EXPECT_EQ(failed.signal, 0) << failed.err;
  EXPECT_EQ(failed.exit_code, 2) << failed.out << failed.err;
  EXPECT_NE((failed.out + failed.err).find("unexpected internal error: failpoint after-step:3"),
            std::string::npos)
      << failed.out << failed.err;
  auto r = Run({"deploy", plan, "--env", "fleet", "--yes", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* url : {"sqlite:e1.db", "sqlite:e2.db"})
    EXPECT_EQ(StatusOf(plan, url)["current_version"], "1.3.0") << url;
}

TEST_F(FleetTest, StatusAllEnvsShowsEveryDatabaseAndSaysWhichCannotBeRead) {
  std::string plan = dir_ / "shop/plan.yaml";
  WriteFileOrDie(plan,
                 "app: shop\nreleases: releases/\nenvironments:\n"
                 "  local:\n"
                 "    database: sqlite:${STATE_DIR}/single.db\n"
                 "    deployer: {kind: file, path: \"${STATE_DIR}/single.image\"}\n"
                 "  down:\n"
                 "    database: postgresql://postgres:s3cret@127.0.0.1:1/gone\n"
                 "    deployer: {kind: file, path: \"${STATE_DIR}/down.image\"}\n"
                 "  fleet:\n"
                 "    targets: [sqlite:x.db, sqlite:y.db]\n"
                 "    deployer: {kind: file, path: \"${STATE_DIR}/fleet.image\"}\n");
  ASSERT_EQ(Run({"deploy", plan, "--env", "fleet", "--yes", "-q"}).exit_code, 0);
  Exec("sqlite:y.db", dir_ / "shop", "ALTER TABLE customers ADD COLUMN full_name TEXT");
  ASSERT_EQ(Run({"rollback", plan, "--env", "fleet", "--to", "1.0.0", "--yes", "-q"}).exit_code, 2);

  auto r = Run({"status", plan, "--all-envs", "--output", "json"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  std::map<std::string, nlohmann::json> by_db;
  for (const auto& row : j["databases"]) by_db[row["database"].get<std::string>()] = row;
  ASSERT_EQ(by_db.size(), 4u) << j;
  const auto& x = by_db["sqlite:x.db"];
  EXPECT_EQ(x["environment"], "fleet");
  EXPECT_EQ(x["release"], "1.0.0");
  EXPECT_EQ(x["unfinished_run"], nullptr);
  // 1.2.0 is schema-first: the fleet's image waits for y.
  EXPECT_EQ(x["image"], "registry.example.com/shop:1.3.0");
  const auto& y = by_db["sqlite:y.db"];
  EXPECT_EQ(y["release"], "1.3.0");
  EXPECT_NE(y["unfinished_run"].get<std::string>().find("rollback 1.3.0 -> 1.0.0: failed, 3/19"),
            std::string::npos)
      << y;
  const auto& down = by_db["postgresql://postgres:***@127.0.0.1:1/gone"];
  EXPECT_EQ(down["reachable"], false) << j;
  EXPECT_NE(down["error"].get<std::string>().find("cannot connect"), std::string::npos) << down;
  EXPECT_EQ(r.out.find("s3cret"), std::string::npos);
  EXPECT_EQ(by_db["sqlite:" + (dir_ / "state/single.db")]["release"], "(nothing deployed)");

  auto text = Run({"status", plan, "--all-envs"});
  EXPECT_EQ(text.exit_code, 2);
  std::string line = text.out.substr(text.out.find("\ndown ") + 1);
  line = line.substr(0, line.find('\n'));
  EXPECT_NE(line.find("postgresql://postgres:***@127.0.0.1:1/gone"), std::string::npos) << line;
  EXPECT_NE(line.find("unreachable: cannot connect"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("1 database(s) could not be read"), std::string::npos) << text.out;
}

// Issue 14: a fleet is approved one script per target. `sql -o DIR` writes them (each as the fleet
// runs there: no image swap), `--approved DIR` runs only what they say: a folder without a
// target's script is refused before anything runs on any target, a dry run checks as a real run,
// and a target whose database moved on since the review is refused under its own lock.
TEST_F(FleetTest, AFleetIsApprovedOneScriptPerTarget) {
  std::string a = "sqlite:" + (dir_ / "state/a.db"), b = "sqlite:" + (dir_ / "state/b.db");
  std::string plan = WritePlan("[\"" + a + "\", \"" + b + "\"]", "");
  ASSERT_EQ(Run({"deploy", plan, "--env", "fleet", "--yes", "-q"}).exit_code, 0);
  std::string dir = dir_ / "approved";
  auto sql = Run({"sql", plan, "--env", "fleet", "--to", "1.0.0", "-o", dir});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_NE(sql.err.find("01-a_db.sql: approval sha256:"), std::string::npos) << sql.err;
  std::string one = ReadFileOrDie(dir + "/01-a_db.sql");
  EXPECT_NE(one.find("-- database: sqlite file " + (dir_ / "state/a.db")), std::string::npos);
  EXPECT_EQ(one.find("swap image"), std::string::npos) << "the fleet's image moves apart";
  EXPECT_EQ(Run({"sql", plan, "--env", "fleet", "--to", "1.0.0"}).exit_code, 64);

  // One target's script missing: refused before anything runs on any target.
  std::string partial = dir_ / "partial";
  WriteFileOrDie(partial + "/a.sql", one);
  auto refused = Run({"rollback", plan, "--env", "fleet", "--to", "1.0.0", "--approved", partial,
                      "--reason", "r", "--yes"});
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("no approved script in " + partial), std::string::npos) << refused.err;
  EXPECT_EQ(StatusOf(plan, a)["current_version"], "1.3.0");

  // Two scripts for one target: which was approved cannot be told.
  std::string twice = dir_ / "twice";
  WriteFileOrDie(twice + "/a.sql", one);
  WriteFileOrDie(twice + "/a-again.sql", one);
  WriteFileOrDie(twice + "/b.sql", ReadFileOrDie(dir + "/02-b_db.sql"));
  auto ambiguous = Run({"rollback", plan, "--env", "fleet", "--to", "1.0.0", "--approved", twice,
                        "--reason", "r", "--yes"});
  EXPECT_EQ(ambiguous.exit_code, 3) << ambiguous.err;
  EXPECT_NE(ambiguous.err.find("more than one approved script in " + twice), std::string::npos)
      << ambiguous.err;

  // A wrong approval under --dry-run: refused as in a real run.
  std::string wrong = dir_ / "wrong";
  WriteFileOrDie(wrong + "/a.sql", one);
  std::string other = ReadFileOrDie(dir + "/02-b_db.sql");
  WriteFileOrDie(wrong + "/b.sql", other + "-- an extra line\nSELECT 1;\n");
  auto dry =
      Run({"rollback", plan, "--env", "fleet", "--to", "1.0.0", "--approved", wrong, "--dry-run"});
  EXPECT_EQ(dry.exit_code, 3) << dry.out << dry.err;

  auto ran = Run({"rollback", plan, "--env", "fleet", "--to", "1.0.0", "--approved", dir,
                  "--reason", "r", "--yes"});
  ASSERT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  for (const auto& url : {a, b}) EXPECT_EQ(StatusOf(plan, url)["current_version"], "1.0.0");

  // Reviewed at 1.1.0, but one target moved on before the run: that target is refused under its
  // lock, the other runs what was approved.
  ASSERT_EQ(Run({"deploy", plan, "--env", "fleet", "--to", "1.1.0", "--yes", "-q"}).exit_code, 0);
  std::string later = dir_ / "later";
  ASSERT_EQ(Run({"sql", plan, "--env", "fleet", "--to", "1.3.0", "-o", later}).exit_code, 0);
  ASSERT_EQ(Run({"rollback", plan, "--env", "local", "--database", b, "--to", "1.0.0", "--reason",
                 "r", "--yes", "-q"})
                .exit_code,
            0);
  auto moved =
      Run({"deploy", plan, "--env", "fleet", "--to", "1.3.0", "--approved", later, "--yes"});
  EXPECT_EQ(moved.exit_code, 3) << moved.out << moved.err;
  EXPECT_NE(moved.out.find("differs from what was approved"), std::string::npos) << moved.out;
  EXPECT_EQ(StatusOf(plan, a)["current_version"], "1.3.0");
  EXPECT_EQ(StatusOf(plan, b)["current_version"], "1.0.0");
}

// The gates are the single run's (orchestrator/gates.h): a target outside policy.window_days is
// NO-GO on a fleet too, and --allow-outside-window lets the fleet through.
TEST_F(FleetTest, TheWindowGateAndItsFlagWorkOnAFleet) {
  std::string a = "sqlite:" + (dir_ / "state/a.db"), b = "sqlite:" + (dir_ / "state/b.db");
  std::string plan = WritePlan("[\"" + a + "\", \"" + b + "\"]", "");
  std::string text = ReadFileOrDie(plan);
  text.replace(text.find("require_reason: true"), 0, "window_days: 1, ");
  WriteFileOrDie(plan, text);
  ASSERT_EQ(Run({"deploy", plan, "--env", "fleet", "--to", "1.2.0", "--yes", "-q"}).exit_code, 0);
  for (const auto& url : {a, b})
    Exec(url, dir_ / "shop",
         "UPDATE orchestrate_releases SET deployed_at = '2000-01-01T00:00:00.000Z' WHERE version "
         "= '1.1.0'");
  auto nogo =
      Run({"rollback", plan, "--env", "fleet", "--to", "1.1.0", "--reason", "old", "--yes"});
  EXPECT_EQ(nogo.exit_code, 3) << nogo.out << nogo.err;
  EXPECT_NE(nogo.out.find("--allow-outside-window"), std::string::npos) << nogo.out;
  EXPECT_EQ(StatusOf(plan, a)["current_version"], "1.2.0");
  auto allowed = Run({"rollback", plan, "--env", "fleet", "--to", "1.1.0", "--reason", "old",
                      "--allow-outside-window", "--yes"});
  ASSERT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  for (const auto& url : {a, b}) EXPECT_EQ(StatusOf(plan, url)["current_version"], "1.1.0");
}

// policy.permissions on a fleet: every target is checked before anything runs on any; a refusal
// names the rule, and a rule that grants is recorded with each target's run.
TEST_F(FleetTest, PermissionsAreCheckedOnEveryTargetBeforeAnyRuns) {
  std::string plan = WritePlan("[\"sqlite:${STATE_DIR}/a.db\", \"sqlite:${STATE_DIR}/b.db\"]", "");
  std::string text = ReadFileOrDie(plan);
  const std::string rule = "permissions: [{environments: [fleet], users: [nobody-at-all]}]";
  text.replace(text.find("lock_timeout: 10s}"), 18, "lock_timeout: 10s, " + rule + "}");
  WriteFileOrDie(plan, text);
  auto refused = Run({"deploy", plan, "--env", "fleet", "--yes"});
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("refused by policy.permissions"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("nothing ran on any target"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::ifstream(dir_ / "state/a.db").good() &&
               StatusOf(plan, "sqlite:" + (dir_ / "state/a.db"))["current_version"] == "1.3.0");

  auto me = RunProcess({"/usr/bin/id", "-un"});
  const std::string name = me.out.substr(0, me.out.find('\n'));
  text.replace(text.find("nobody-at-all"), 13, name);
  WriteFileOrDie(plan, text);
  auto allowed = Run({"deploy", plan, "--env", "fleet", "--yes", "-q"});
  ASSERT_EQ(allowed.exit_code, 0) << allowed.err;
  auto history = Run({"history", plan, "--env", "local", "--database",
                      "sqlite:" + (dir_ / "state/b.db"), "--output", "json"});
  EXPECT_NE(history.out.find("[allowed: OS user " + name + "]"), std::string::npos) << history.out;
}

}  // namespace
}  // namespace orchestrate::testing
