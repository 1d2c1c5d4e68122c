// `orchestrate rehearse --each` at the scale of a real history, with the real binary, on SQLite
// and PostgreSQL: a generated history of 300 migrations (30 releases) with three deliberately
// broken downs (one fails, one re-adds an index the up never removed, one forgets its column)
// reports all three in ONE run, goes on past each (rebuilding the scratch database from a
// checkpoint), and says every other migration is clean, in text, JSON, Markdown and JUnit.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

constexpr int kMigrations = 300;
constexpr int kPerRelease = 10;
// The broken downs, by migration number.
constexpr int kDownFails = 57, kDownAddsIndex = 150, kDownKeepsColumn = 263;

std::string Id(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "m%03d", i);
  return buf;
}

std::string Version(int i) {  // migration i (1-based) is in release 1.R.0; 0 is in 1.0.0
  return "1." + std::to_string(i == 0 ? 0 : (i - 1) / kPerRelease + 1) + ".0";
}

// The generated application: every 10th migration creates a table, every 5th indexes the column
// before it, the others add a column.
void WriteHistory(const TempDir& dir) {
  WriteFileOrDie(dir / "app/plan.yaml",
                 "app: big\nreleases: releases/\nenvironments:\n  local:\n"
                 "    database: sqlite:${STATE_DIR}/big.db\n"
                 "    deployer: {kind: file, path: \"${STATE_DIR}/big.image\"}\n");
  std::map<std::string, std::string> releases;
  int table = 0;
  for (int i = 0; i <= kMigrations; ++i) {
    std::string up, down;
    const std::string t = "t" + std::to_string(table);
    if (i % kPerRelease == 1 || i == 0) {
      table = i == 0 ? 0 : table + 1;
      const std::string nt = "t" + std::to_string(table);
      up = "CREATE TABLE " + nt + " (id INTEGER PRIMARY KEY, v TEXT);\n";
      down = "DROP TABLE " + nt + ";\n";
    } else if (i % 5 == 0) {
      up = "CREATE INDEX ix" + std::to_string(i) + " ON " + t + " (c" + std::to_string(i - 1) +
           ");\n";
      down = "DROP INDEX ix" + std::to_string(i) + ";\n";
    } else {
      up = "ALTER TABLE " + t + " ADD COLUMN c" + std::to_string(i) + " INTEGER;\n";
      down = "ALTER TABLE " + t + " DROP COLUMN c" + std::to_string(i) + ";\n";
    }
    if (i == kDownFails) down = "DROP TABLE no_such_table;\n";
    if (i == kDownAddsIndex) down += "CREATE INDEX extra_index ON " + t + " (id);\n";
    if (i == kDownKeepsColumn) down = "SELECT 1;\n";
    WriteFileOrDie(dir / ("app/sql/" + Id(i) + ".up.sql"), up);
    WriteFileOrDie(dir / ("app/sql/" + Id(i) + ".down.sql"), down);
    std::string& rel = releases[Version(i)];
    if (rel.empty())
      rel = "version: " + Version(i) + "\nimage: big:" + Version(i) +
            "\norder: code-first\nmigrations:\n";
    rel += "  - {id: " + Id(i) + ", up: ../sql/" + Id(i) + ".up.sql, down: ../sql/" + Id(i) +
           ".down.sql}\n";
  }
  for (const auto& [version, text] : releases)
    WriteFileOrDie(dir / ("app/releases/" + version + ".yaml"), text);
}

class RehearseEachTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      ORCH_REQUIRE_PG(url);
      url_ = url;
    }
    WriteHistory(dir_);
  }

  ProcessResult Cli(std::vector<std::string> args) {
    args.insert(args.begin() + 1, dir_ / "app/plan.yaml");
    args.insert(args.begin(), OrchestrateBin());
    if (!url_.empty()) args.insert(args.end(), {"--database", url_});
    ProcessOptions opts;
    opts.env["STATE_DIR"] = dir_ / "state";
    return RunProcess(args, opts);
  }

  TempDir dir_;
  std::string url_;  // "" for SQLite (the plan's own URL only names the dialect)
};

INSTANTIATE_TEST_SUITE_P(Adapters, RehearseEachTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST_P(RehearseEachTest, ThreeBrokenDownsOf300AreAllReportedInOneRun) {
  const auto started = std::chrono::steady_clock::now();
  auto r = Cli({"rehearse", "--from", "1.0.0", "--each", "--report", dir_ / "report", "--output",
                "json", "-q"});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("rehearse --each of %d migrations on %s: %.1f s\n", kMigrations, GetParam().c_str(),
              seconds);
  RecordProperty("seconds", std::to_string(seconds));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_FALSE(j["ok"].get<bool>());
  ASSERT_EQ(j["migrations"].size(), static_cast<size_t>(kMigrations)) << j["totals"];
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& m : j["migrations"]) by_id[m["id"].get<std::string>()] = m;
  EXPECT_EQ(by_id[Id(kDownFails)]["verdict"], "down error") << by_id[Id(kDownFails)];
  EXPECT_NE(by_id[Id(kDownFails)]["error"].get<std::string>().find("no_such_table"),
            std::string::npos)
      << by_id[Id(kDownFails)];
  EXPECT_EQ(by_id[Id(kDownAddsIndex)]["verdict"], "drift") << by_id[Id(kDownAddsIndex)];
  EXPECT_NE(by_id[Id(kDownAddsIndex)]["differences"].dump().find("extra_index"), std::string::npos)
      << by_id[Id(kDownAddsIndex)];
  EXPECT_EQ(by_id[Id(kDownKeepsColumn)]["verdict"], "drift") << by_id[Id(kDownKeepsColumn)];
  EXPECT_NE(by_id[Id(kDownKeepsColumn)]["differences"].dump().find(
                "c" + std::to_string(kDownKeepsColumn)),
            std::string::npos)
      << by_id[Id(kDownKeepsColumn)];
  // Every other migration is clean: the rebuilds after the failures left no trace.
  EXPECT_EQ(j["totals"]["clean"], kMigrations - 3) << j["totals"];
  EXPECT_EQ(j["totals"]["drift"], 2) << j["totals"];
  EXPECT_EQ(j["totals"]["down error"], 1) << j["totals"];
  EXPECT_EQ(j["totals"]["not reached"], 0) << j["totals"];
  EXPECT_EQ(j["rebuilds"], 3) << j;
  EXPECT_GE(j["checkpoints"].get<int>(), kMigrations / 25) << j;

  // The same verdicts in the files for CI and people.
  auto saved = nlohmann::json::parse(ReadFileOrDie(dir_ / "report/rehearsal.json"));
  EXPECT_EQ(saved["totals"], j["totals"]);
  const std::string junit = ReadFileOrDie(dir_ / "report/junit.xml");
  EXPECT_NE(junit.find("name=\"" + Id(kDownFails) + " (1.6.0)\""), std::string::npos);
  EXPECT_NE(junit.find("<failure message=\"down error\">"), std::string::npos);
  const std::string md = ReadFileOrDie(dir_ / "report/rehearsal.md");
  EXPECT_NE(md.find("### " + Id(kDownAddsIndex) + " (1.15.0): drift"), std::string::npos) << md;
  EXPECT_NE(md.find("300 migrations: 297 clean, 2 drift, 1 down error"), std::string::npos);
}

}  // namespace
}  // namespace orchestrate::testing
