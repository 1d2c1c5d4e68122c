// Loading plan.yaml and release manifests (plans/manifest.h): the model a valid plan produces, and
// the "file:line:col: what; what to do" diagnostics an invalid one produces. Every test writes its
// fixture into a fresh folder under /tmp (tests/plans/plan_fixture.h) and loads it from there and
// from memory.
#include "plans/manifest.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "plans/sha256.h"
#include "tests/plans/plan_fixture.h"

namespace orchestrate {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Every test runs twice: with the plan loaded from the disk (LoadPlan) and parsed from its text
// with the other files in memory (ParsePlan, MemoryPlanFiles).
class LoadPlanTest : public testing::PlanFolderTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    PlanFolderTest::SetUp();
    from_memory_ = GetParam();
  }

  // A plan.yaml whose releases are the folder releases/ and with one valid environment.
  void WriteMinimalPlan() {
    Write("plan.yaml",
          "app: shop\n"
          "releases: releases/\n"
          "environments:\n"
          "  local:\n"
          "    database: sqlite:shop.db\n"
          "    deployer: {kind: file, path: shop.image}\n");
  }

  // A valid release manifest with no migrations.
  void WriteRelease(const std::string& rel, const std::string& version) {
    Write(rel, "version: " + version + "\nimage: shop:" + version + "\n");
  }

  std::vector<std::string> Versions(const Plan& plan) {
    std::vector<std::string> out;
    for (const auto& r : plan.releases) out.push_back(r.version);
    return out;
  }
};

// ---- valid plans ------------------------------------------------------------------------------

TEST_P(LoadPlanTest, LoadsACompletePlan) {
  const std::string plan_text =
      "# the plan\n"
      "app: shop\n"
      "releases: releases/\n"
      "environments:\n"
      "  staging:\n"
      "    database: postgresql://${DB_HOST}:${DB_PORT:-5432}/shop\n"
      "    deployer: {kind: file, path: state/staging.image}\n"
      "  local:\n"
      "    database: sqlite:${STATE_DIR:-.orchestrate}/shop.db\n"
      "    deployer: {kind: file, path: \"${STATE_DIR:-.orchestrate}/shop.image\"}\n"
      "policy: {require_reason: true, allow_major: false, window_days: 90, snapshot: off,\n"
      "         batch_rows: 100, lock_timeout: 2m}\n";
  Write("plan.yaml", plan_text);
  const std::string rel_text =
      "version: 1.2.0\n"
      "image: registry.example.com/shop:1.2.0\n"
      "migrations:\n"
      "  - {id: 0001_init, up: ../sql/0001_init.up.sql, down: ../sql/0001_init.down.sql}\n"
      "  - id: 0002_idx\n"
      "    up: ../sql/0002_idx.up.sql\n"
      "    down: irreversible\n"
      "    transactional: false\n"
      "seeds:\n"
      "  - {id: countries, tables: [country, region], sql: ../seeds/countries.sql,\n"
      "     undo: ../seeds/countries.undo.sql}\n"
      "  - {id: promo, tables: [promo], sql: ../seeds/promo.sql}\n"
      "not_rolled_back: [environment variables, \"feature ${FLAG:-flags}\"]\n";
  Write("releases/1.2.0.yaml", rel_text);
  Write("releases/1.3.0.yaml",
        "version: 1.3.0\n"
        "image: registry.example.com/shop:1.3.0\n"
        "order: schema-first\n");
  Write("sql/0001_init.up.sql", "CREATE TABLE country (code TEXT PRIMARY KEY);\n");
  Write("sql/0001_init.down.sql", "DROP TABLE country;\n");
  Write("sql/0002_idx.up.sql", "CREATE INDEX country_code ON country (code);\n");
  Write("seeds/countries.sql", "INSERT INTO country VALUES ('FR');\n");
  Write("seeds/countries.undo.sql", "DELETE FROM country WHERE code = 'FR';\n");
  Write("seeds/promo.sql", "INSERT INTO promo VALUES (1);\n");
  vars_ = {{"DB_HOST", "db.internal"}};

  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Plan& plan = r.value();
  EXPECT_EQ(plan.app, "shop");
  EXPECT_EQ(plan.file, P("plan.yaml"));
  EXPECT_EQ(plan.sha256, Sha256Hex(plan_text));
  EXPECT_TRUE(plan.versions_are_semver);
  EXPECT_EQ(Versions(plan), (std::vector<std::string>{"1.2.0", "1.3.0"}));
  EXPECT_TRUE(plan.MissingFiles().empty());

  // Environments, with ${VAR} expanded through the given lookup and defaults applied.
  ASSERT_EQ(plan.environments.size(), 2u);
  EXPECT_EQ(plan.default_environment, "local");
  const Environment& staging = plan.environments.at("staging");
  EXPECT_EQ(staging.name, "staging");
  EXPECT_EQ(staging.database, "postgresql://db.internal:5432/shop");
  EXPECT_EQ(staging.deployer.kind, DeployerKind::kFile);
  EXPECT_EQ(staging.deployer.settings.at("path"), P("state/staging.image"));
  EXPECT_EQ(staging.pos.str(), P("plan.yaml") + ":5:3");
  const Environment& local = plan.environments.at("local");
  EXPECT_EQ(local.database, "sqlite:.orchestrate/shop.db");
  EXPECT_EQ(local.deployer.settings.at("path"), P(".orchestrate/shop.image"));

  EXPECT_TRUE(plan.policy.require_reason);
  EXPECT_FALSE(plan.policy.allow_major);
  EXPECT_EQ(plan.policy.window_days, 90);
  EXPECT_EQ(plan.policy.snapshot, SnapshotPolicy::kOff);
  EXPECT_EQ(plan.policy.batch_rows, 100);
  EXPECT_DOUBLE_EQ(plan.policy.lock_timeout_seconds, 120);

  // The first release, with paths resolved against the release manifest's folder.
  const Release& rel = plan.releases[0];
  EXPECT_EQ(rel.image, "registry.example.com/shop:1.2.0");
  EXPECT_EQ(rel.order, ReleaseOrder::kCodeFirst);
  EXPECT_EQ(rel.file, P("releases/1.2.0.yaml"));
  EXPECT_EQ(rel.sha256, Sha256Hex(rel_text));
  EXPECT_EQ(rel.pos.str(), P("releases/1.2.0.yaml") + ":1:1");
  EXPECT_EQ(rel.not_rolled_back,
            (std::vector<std::string>{"environment variables", "feature flags"}));

  ASSERT_EQ(rel.migrations.size(), 2u);
  const Migration& m1 = rel.migrations[0];
  EXPECT_EQ(m1.id, "0001_init");
  EXPECT_EQ(m1.up.path, P("releases/../sql/0001_init.up.sql"));
  EXPECT_TRUE(m1.up.present);
  EXPECT_EQ(m1.up.text, "CREATE TABLE country (code TEXT PRIMARY KEY);\n");
  EXPECT_EQ(m1.up.sha256, Sha256Hex("CREATE TABLE country (code TEXT PRIMARY KEY);\n"));
  EXPECT_EQ(m1.up.pos.str(), P("releases/1.2.0.yaml") + ":4:25");
  EXPECT_EQ(m1.down.path, P("releases/../sql/0001_init.down.sql"));
  EXPECT_TRUE(m1.down.present);
  EXPECT_EQ(m1.down.sha256, Sha256Hex("DROP TABLE country;\n"));
  EXPECT_FALSE(m1.irreversible);
  EXPECT_TRUE(m1.transactional);
  EXPECT_EQ(m1.pos.str(), P("releases/1.2.0.yaml") + ":4:5");

  const Migration& m2 = rel.migrations[1];
  EXPECT_EQ(m2.id, "0002_idx");
  EXPECT_TRUE(m2.irreversible);
  EXPECT_FALSE(m2.transactional);
  EXPECT_TRUE(m2.up.present);
  EXPECT_FALSE(m2.down.present);

  ASSERT_EQ(rel.seeds.size(), 2u);
  const Seed& countries = rel.seeds[0];
  EXPECT_EQ(countries.id, "countries");
  EXPECT_EQ(countries.tables, (std::vector<std::string>{"country", "region"}));
  EXPECT_EQ(countries.sql.path, P("releases/../seeds/countries.sql"));
  EXPECT_EQ(countries.sql.sha256, Sha256Hex("INSERT INTO country VALUES ('FR');\n"));
  ASSERT_TRUE(countries.undo.has_value());
  EXPECT_TRUE(countries.undo->present);
  EXPECT_EQ(countries.undo->text, "DELETE FROM country WHERE code = 'FR';\n");
  EXPECT_EQ(countries.undo->sha256, Sha256Hex("DELETE FROM country WHERE code = 'FR';\n"));
  EXPECT_FALSE(rel.seeds[1].undo.has_value());

  EXPECT_EQ(plan.releases[1].order, ReleaseOrder::kSchemaFirst);
  EXPECT_TRUE(plan.releases[1].migrations.empty());

  // Lookups.
  EXPECT_EQ(plan.IndexOf("1.3.0"), 1);
  EXPECT_EQ(plan.IndexOf("9.9.9"), -1);
  ASSERT_NE(plan.FindRelease("1.3.0"), nullptr);
  EXPECT_EQ(plan.FindRelease("1.3.0")->image, "registry.example.com/shop:1.3.0");
  EXPECT_EQ(plan.FindRelease("9.9.9"), nullptr);
}

TEST_P(LoadPlanTest, PolicyDefaultsWhenAbsent) {
  WriteMinimalPlan();
  WriteRelease("releases/1.0.0.yaml", "1.0.0");
  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Policy defaults;
  EXPECT_EQ(r->policy.require_reason, defaults.require_reason);
  EXPECT_EQ(r->policy.allow_major, defaults.allow_major);
  EXPECT_EQ(r->policy.window_days, defaults.window_days);
  EXPECT_EQ(r->policy.snapshot, defaults.snapshot);
  EXPECT_EQ(r->policy.batch_rows, defaults.batch_rows);
  EXPECT_DOUBLE_EQ(r->policy.lock_timeout_seconds, defaults.lock_timeout_seconds);
}

TEST_P(LoadPlanTest, ReleasesAreSortedBySemverWhenEveryVersionParses) {
  WriteMinimalPlan();
  // File-name order: 1.10.0, 1.2.0, 1.9.0, 1.9.0-rc.1, v1.0.0 (semver order is different).
  WriteRelease("releases/1.10.0.yaml", "1.10.0");
  WriteRelease("releases/1.2.0.yaml", "1.2.0");
  WriteRelease("releases/1.9.0.yml", "1.9.0");
  WriteRelease("releases/1.9.0-rc.1.yaml", "1.9.0-rc.1");
  WriteRelease("releases/v1.0.0.yaml", "v1.0.0");
  Write("releases/README.md", "not a manifest\n");
  Write("releases/.hidden.yaml", "not: even: yaml: [\n");
  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->versions_are_semver);
  EXPECT_EQ(Versions(*r),
            (std::vector<std::string>{"v1.0.0", "1.2.0", "1.9.0-rc.1", "1.9.0", "1.10.0"}));
}

TEST_P(LoadPlanTest, FolderReleasesKeepFileNameOrderWhenAVersionIsNotSemver) {
  WriteMinimalPlan();
  WriteRelease("releases/a.yaml", "2.0.0");
  WriteRelease("releases/b.yaml", "2024-01");  // not semver: no release is sorted
  WriteRelease("releases/c.yaml", "1.0.0");
  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->versions_are_semver);
  EXPECT_EQ(Versions(*r), (std::vector<std::string>{"2.0.0", "2024-01", "1.0.0"}));
}

TEST_P(LoadPlanTest, ReleasesAsAListOfFiles) {
  Write("plan.yaml",
        "app: shop\n"
        "releases:\n"
        "  - manifests/second.yaml\n"
        "  - ${REL_DIR}/first.yaml\n"
        "environments:\n"
        "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: x.image}}\n");
  Write(
      "manifests/second.yaml",
      "version: 2.0.0\nimage: shop:2\nmigrations:\n  - {id: m2, up: m2.sql, down: m2.down.sql}\n");
  Write("manifests/first.yaml", "version: 1.0.0\nimage: shop:1\n");
  Write("manifests/m2.sql", "up");
  Write("manifests/m2.down.sql", "down");
  vars_ = {{"REL_DIR", "manifests"}};
  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->versions_are_semver);
  EXPECT_EQ(Versions(*r), (std::vector<std::string>{"1.0.0", "2.0.0"}));
  EXPECT_EQ(r->releases[1].file, P("manifests/second.yaml"));
  EXPECT_EQ(r->releases[1].migrations.at(0).up.path, P("manifests/m2.sql"));
  EXPECT_TRUE(r->releases[1].migrations.at(0).up.present);
}

TEST_P(LoadPlanTest, ListedReleasesKeepManifestOrderWhenAVersionIsNotSemver) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: [r/zulu.yaml, r/alpha.yaml, r/mike.yaml]\n"
        "environments:\n"
        "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: x.image}}\n");
  WriteRelease("r/zulu.yaml", "9.0.0");
  WriteRelease("r/alpha.yaml", "spring");
  WriteRelease("r/mike.yaml", "1.0.0");
  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->versions_are_semver);
  EXPECT_EQ(Versions(*r), (std::vector<std::string>{"9.0.0", "spring", "1.0.0"}));
}

TEST_P(LoadPlanTest, DefaultEnvironmentIsTheFirstDeclaredWithoutLocal) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n"
        "environments:\n"
        "  zeta: {database: 'sqlite:z.db', deployer: {kind: file, path: z.image}}\n"
        "  alpha: {database: 'sqlite:a.db', deployer: {kind: file, path: a.image}}\n");
  WriteRelease("releases/1.0.0.yaml", "1.0.0");
  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->default_environment, "zeta");
}

TEST_P(LoadPlanTest, DefaultEnvironmentIsLocalWhenDeclaredAnywhere) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n"
        "environments:\n"
        "  zeta: {database: 'sqlite:z.db', deployer: {kind: file, path: z.image}}\n"
        "  local: {database: 'sqlite:l.db', deployer: {kind: file, path: l.image}}\n"
        "  alpha: {database: 'sqlite:a.db', deployer: {kind: file, path: a.image}}\n");
  WriteRelease("releases/1.0.0.yaml", "1.0.0");
  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->default_environment, "local");
}

TEST_P(LoadPlanTest, AbsolutePathsAreKeptAsIs) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: " +
            P("releases") +
            "\n"
            "environments:\n"
            "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: " +
            P("abs.image") + "}}\n");
  Write("releases/1.0.0.yaml", "version: 1.0.0\nimage: shop:1\nmigrations:\n  - {id: m1, up: " +
                                   P("up.sql") + ", down: " + P("down.sql") + "}\n");
  Write("up.sql", "u");
  Write("down.sql", "d");
  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->environments.at("local").deployer.settings.at("path"), P("abs.image"));
  EXPECT_EQ(r->releases.at(0).migrations.at(0).up.path, P("up.sql"));
  EXPECT_EQ(r->releases.at(0).migrations.at(0).up.text, "u");
}

TEST_P(LoadPlanTest, MissingSqlFilesAreNotLoadErrorsButAreListed) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "migrations:\n"
        "  - id: m1\n"
        "    up: sql/m1.up.sql\n"
        "    down: sql/m1.down.sql\n"
        "  - id: m2\n"
        "    up: sql/m2.up.sql\n"
        "    down: irreversible\n"
        "seeds:\n"
        "  - id: s1\n"
        "    tables: [t]\n"
        "    sql: seeds/s1.sql\n"
        "    undo: seeds/s1.undo.sql\n");
  Write("releases/sql/m1.down.sql", "DROP TABLE t;");  // present: not listed
  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Migration& m1 = r->releases.at(0).migrations.at(0);
  EXPECT_FALSE(m1.up.present);
  EXPECT_TRUE(m1.up.text.empty());
  EXPECT_TRUE(m1.up.sha256.empty());
  EXPECT_TRUE(m1.down.present);

  const std::string f = P("releases/1.0.0.yaml");
  EXPECT_EQ(r->MissingFiles(), (std::vector<std::string>{
                                   f + ":5:9: up file " + P("releases/sql/m1.up.sql") +
                                       " does not exist: fix the path or add the file",
                                   f + ":8:9: up file " + P("releases/sql/m2.up.sql") +
                                       " does not exist: fix the path or add the file",
                                   f + ":13:10: seed file " + P("releases/seeds/s1.sql") +
                                       " does not exist: fix the path or add the file",
                                   f + ":14:11: undo file " + P("releases/seeds/s1.undo.sql") +
                                       " does not exist: fix the path or add the file",
                               }));
}

TEST_P(LoadPlanTest, DownAutoNeedsNoDownFileAndATransactionalMigration) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "migrations:\n"
        "  - {id: m1, up: sql/m1.up.sql, down: auto}\n");
  Write("releases/sql/m1.up.sql", "CREATE TABLE t (id integer);");
  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Migration& m1 = r->releases.at(0).migrations.at(0);
  EXPECT_TRUE(m1.auto_down);
  EXPECT_FALSE(m1.irreversible);
  EXPECT_FALSE(m1.down.present);
  EXPECT_TRUE(r->MissingFiles().empty());  // no down file is expected
  EXPECT_TRUE(r->policy.keep_preexisting_extensions);

  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "migrations:\n"
        "  - {id: m1, up: sql/m1.up.sql, down: auto, transactional: false}\n");
  auto bad = Load();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(
      bad.status().message().find("1.0.0.yaml:4:39: down: auto needs a transactional migration"),
      std::string::npos)
      << bad.status().message();
}

// A migration (or seed) may name the SQL it runs on one kind of database (`mysql: {up: ...}`):
// SelectDialectSql puts that dialect's files in place, the default ones elsewhere, and may be
// called again with another dialect.
TEST_P(LoadPlanTest, PerDialectSqlIsSelectedByTheDatabaseKindWithTheDefaultElsewhere) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "migrations:\n"
        "  - id: m1\n"
        "    up: sql/m1.up.sql\n"
        "    down: sql/m1.down.sql\n"
        "    mysql: {up: sql/mysql/m1.up.sql}\n"
        "    sqlite: {up: sql/sqlite/m1.up.sql, down: sql/sqlite/m1.down.sql}\n"
        "seeds:\n"
        "  - {id: s1, tables: [t], sql: sql/s1.sql, mysql: {sql: sql/mysql/s1.sql}}\n");
  Write("releases/sql/m1.up.sql", "CREATE TABLE t (id integer PRIMARY KEY, name text);");
  Write("releases/sql/m1.down.sql", "DROP TABLE t;");
  Write("releases/sql/mysql/m1.up.sql", "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(9));");
  Write("releases/sql/sqlite/m1.up.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, name);");
  Write("releases/sql/sqlite/m1.down.sql", "DROP TABLE IF EXISTS t;");
  Write("releases/sql/s1.sql", "INSERT INTO t VALUES (1, 'a') ON CONFLICT DO NOTHING;");
  Write("releases/sql/mysql/s1.sql", "INSERT IGNORE INTO t VALUES (1, 'a');");
  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->MissingFiles().empty());
  EXPECT_EQ(r->DialectsWithOwnSql(), (std::vector<std::string>{"sqlite", "mysql"}));
  Plan plan = *r;
  const Migration& m = plan.releases.at(0).migrations.at(0);
  const Seed& seed = plan.releases.at(0).seeds.at(0);
  EXPECT_EQ(m.up.text, "CREATE TABLE t (id integer PRIMARY KEY, name text);");  // until selected

  SelectDialectSql(&plan, "mysql");
  EXPECT_EQ(plan.sql_dialect, "mysql");
  EXPECT_EQ(m.up.text, "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(9));");
  EXPECT_EQ(m.up.sha256, Sha256Hex(m.up.text));
  EXPECT_EQ(m.down.text, "DROP TABLE t;");  // not named for mysql: the default
  EXPECT_EQ(seed.sql.text, "INSERT IGNORE INTO t VALUES (1, 'a');");

  SelectDialectSql(&plan, "sqlite");
  EXPECT_EQ(m.up.text, "CREATE TABLE t (id INTEGER PRIMARY KEY, name);");
  EXPECT_EQ(m.down.text, "DROP TABLE IF EXISTS t;");
  EXPECT_EQ(seed.sql.text, "INSERT INTO t VALUES (1, 'a') ON CONFLICT DO NOTHING;");

  SelectDialectSql(&plan, "postgresql");
  EXPECT_EQ(m.up.text, "CREATE TABLE t (id integer PRIMARY KEY, name text);");
  EXPECT_EQ(m.down.text, "DROP TABLE t;");
}

TEST_P(LoadPlanTest, PerDialectSqlErrorsNameTheLine) {
  WriteMinimalPlan();
  Write("releases/sql/m1.up.sql", "CREATE TABLE t (id integer);");
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "migrations:\n"
        "  - {id: m1, up: sql/m1.up.sql, down: irreversible, mysql: {down: sql/m1.up.sql}}\n"
        "  - {id: m2, up: sql/m1.up.sql, down: irreversible, mysql: {}}\n"
        "  - {id: m3, up: sql/m1.up.sql, down: irreversible, mysql: {upp: x.sql}}\n");
  auto bad = Load();
  ASSERT_FALSE(bad.ok());
  const std::string f = P("releases/1.0.0.yaml");
  EXPECT_TRUE(Contains(bad.status().message(),
                       f + ":4:67: migration m1 says down: irreversible, which holds for every "
                           "dialect: remove its mysql down"))
      << bad.status().message();
  EXPECT_TRUE(Contains(bad.status().message(),
                       f + ":5:60: migration m2's mysql SQL names no file: give `up:`, `down:` "
                           "or both"))
      << bad.status().message();
  EXPECT_TRUE(Contains(bad.status().message(),
                       f + ":6:61: unknown key 'upp' in migration m3's mysql SQL (allowed: up, "
                           "down)"))
      << bad.status().message();

  // A file a dialect names that does not exist is a missing file, like the default ones.
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "migrations:\n"
        "  - {id: m1, up: sql/m1.up.sql, down: irreversible, mysql: {up: sql/nope.sql}}\n");
  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->MissingFiles().size(), 1u);
  EXPECT_TRUE(Contains(r->MissingFiles()[0],
                       "mysql up file " + P("releases/sql/nope.sql") + " does not exist"))
      << r->MissingFiles()[0];
}

TEST_P(LoadPlanTest, SqlPathThatIsAFolderIsALoadError) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "migrations:\n"
        "  - {id: m1, up: sql, down: sql}\n");
  MakeFolder("releases/sql");
  std::string msg = LoadError();
  EXPECT_TRUE(Contains(msg, P("releases/1.0.0.yaml") + ":4:18: cannot read " + P("releases/sql") +
                                ": is a folder, not a file"))
      << msg;
}

// ---- invalid plans ----------------------------------------------------------------------------

// Only a plan read from a file can be missing.
using LoadPlanFileTest = testing::PlanFolderTest;

TEST_F(LoadPlanFileTest, MissingPlanFile) {
  std::string msg = LoadError("nope.yaml");
  EXPECT_TRUE(Contains(msg, P("nope.yaml") + ": cannot read the plan")) << msg;
}

TEST_P(LoadPlanTest, MalformedPlanYamlReportsThePosition) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: [a.yaml, b.yaml\n"
        "environments: {}\n");
  std::string msg = LoadError();
  // yaml-cpp reports the unterminated flow sequence where it finds the next mapping.
  EXPECT_EQ(msg, P("plan.yaml") + ":3:13: malformed YAML: end of sequence flow not found");
}

TEST_P(LoadPlanTest, MalformedReleaseYamlReportsThePosition) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "  bad: indent\n");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("releases/1.0.0.yaml") + ":3:6: malformed YAML: illegal map value");
}

TEST_P(LoadPlanTest, UnknownKeyListsTheAllowedKeys) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "rollback_order: fast\n");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("releases/1.0.0.yaml") +
                     ":3:1: unknown key 'rollback_order' in a release manifest (allowed: version, "
                     "image, order, migrations, seeds, not_rolled_back, description)");
}

TEST_P(LoadPlanTest, UnknownKeyInAPlan) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n"
        "environments:\n"
        "  local:\n"
        "    database: sqlite:shop.db\n"
        "    deployer: {kind: file, path: shop.image}\n"
        "    healthcheck: []\n");
  WriteRelease("releases/1.0.0.yaml", "1.0.0");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("plan.yaml") +
                     ":7:5: unknown key 'healthcheck' in environment 'local' (allowed: database, "
                     "deployer, password_env, verify, targets, targets_command)");
}

TEST_P(LoadPlanTest, ListWhereAStringIsExpected) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: [shop:1, shop:2]\n");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("releases/1.0.0.yaml") +
                     ":2:8: 'image' must be a single value (a string), not a list or mapping");
}

TEST_P(LoadPlanTest, StringWhereAListIsExpected) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "migrations: 0001_init.sql\n");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("releases/1.0.0.yaml") +
                     ":3:13: 'migrations' must be a list of {id, up, down} entries");
}

TEST_P(LoadPlanTest, EmptyValueIsAnError) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image:\n"
        "order: code-first\n");
  // The position is the key's: an empty value has no position of its own.
  EXPECT_EQ(LoadError(), P("releases/1.0.0.yaml") + ":2:1: 'image' is empty: give it a value");
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: ~\n");
  EXPECT_EQ(LoadError(), P("releases/1.0.0.yaml") + ":2:1: 'image' is empty: give it a value");
}

TEST_P(LoadPlanTest, MissingRequiredKey) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n");
  WriteRelease("releases/1.0.0.yaml", "1.0.0");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("plan.yaml") + ":1:1: the plan is missing the required key 'environments'");
}

TEST_P(LoadPlanTest, MissingRequiredKeyInAMigration) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "migrations:\n"
        "  - {id: m1, up: m1.sql}\n");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("releases/1.0.0.yaml") + ":4:5: a migration is missing the required key 'down'");
}

TEST_P(LoadPlanTest, DuplicateKey) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n"
        "app: shop2\n"
        "environments:\n"
        "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: x.image}}\n");
  WriteRelease("releases/1.0.0.yaml", "1.0.0");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("plan.yaml") + ":3:1: duplicate key 'app' in the plan: keep only one");
}

TEST_P(LoadPlanTest, DuplicateEnvironment) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n"
        "environments:\n"
        "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: x.image}}\n"
        "  local: {database: 'sqlite:y.db', deployer: {kind: file, path: y.image}}\n");
  WriteRelease("releases/1.0.0.yaml", "1.0.0");
  std::string msg = LoadError();
  EXPECT_TRUE(Contains(msg, P("plan.yaml") + ":5:3: duplicate environment 'local'")) << msg;
}

TEST_P(LoadPlanTest, DuplicateVersionAcrossManifests) {
  WriteMinimalPlan();
  WriteRelease("releases/a.yaml", "1.0.0");
  WriteRelease("releases/b.yaml", "1.0.0");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("releases/b.yaml") + ":1:1: duplicate version 1.0.0 (also in " +
                     P("releases/a.yaml") + "): give each release manifest its own version");
}

TEST_P(LoadPlanTest, DuplicateMigrationAndSeedIdsAcrossReleases) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "migrations:\n"
        "  - {id: 0001_init, up: a.sql, down: a.sql}\n"
        "seeds:\n"
        "  - {id: countries, tables: [country], sql: s.sql}\n");
  Write("releases/2.0.0.yaml",
        "version: 2.0.0\n"
        "image: shop:2\n"
        "migrations:\n"
        "  - {id: 0002, up: b.sql, down: b.sql}\n"
        "  - {id: 0001_init, up: b.sql, down: b.sql}\n"
        "seeds:\n"
        "  - {id: countries, tables: [country], sql: s.sql}\n");
  std::string msg = LoadError();
  EXPECT_EQ(
      Lines(msg),
      (std::vector<std::string>{
          P("releases/2.0.0.yaml") + ":5:5: duplicate migration id '0001_init' (first at " +
              P("releases/1.0.0.yaml") + ":4:5): migration ids must be unique across releases",
          P("releases/2.0.0.yaml") + ":7:5: duplicate seed id 'countries' (first at " +
              P("releases/1.0.0.yaml") + ":6:5): seed ids must be unique across releases",
      }))
      << msg;
}

TEST_P(LoadPlanTest, DuplicateMigrationIdInOneRelease) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "migrations:\n"
        "  - {id: m1, up: a.sql, down: a.sql}\n"
        "  - {id: m1, up: b.sql, down: b.sql}\n");
  std::string msg = LoadError();
  EXPECT_TRUE(Contains(msg, P("releases/1.0.0.yaml") + ":5:5: duplicate migration id 'm1'")) << msg;
}

TEST_P(LoadPlanTest, BadIdIsAnError) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "migrations:\n"
        "  - {id: 'drop tables', up: a.sql, down: a.sql}\n");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("releases/1.0.0.yaml") +
                     ":4:10: migration id 'drop tables' may hold only letters, digits, '_', '-' "
                     "and '.'");
}

TEST_P(LoadPlanTest, UnsetVariablePointsAtTheDollar) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n"
        "environments:\n"
        "  local:\n"
        "    database: sqlite:${STATE_DIR}/shop.db\n"
        "    deployer: {kind: file, path: x.image}\n");
  WriteRelease("releases/1.0.0.yaml", "1.0.0");
  std::string msg = LoadError();
  // "    database: " is 14 characters, so the value starts at column 15 and its `$` at 22.
  EXPECT_EQ(msg.rfind(P("plan.yaml") + ":5:22: variable STATE_DIR is not set", 0), 0u) << msg;
}

TEST_P(LoadPlanTest, UnsetVariableInAQuotedValuePointsAtTheDollar) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n"
        "environments:\n"
        "  local:\n"
        "    database: \"sqlite:${STATE_DIR}/shop.db\"\n"
        "    deployer: {kind: file, path: 'a/${IMAGE_DIR}/x.image'}\n");
  WriteRelease("releases/1.0.0.yaml", "1.0.0");
  std::string msg = LoadError();
  EXPECT_EQ(Lines(msg),
            (std::vector<std::string>{
                P("plan.yaml") +
                    ":5:23: variable STATE_DIR is not set: export it, or give a default with "
                    "${STATE_DIR:-value}",
                P("plan.yaml") +
                    ":6:37: variable IMAGE_DIR is not set: export it, or give a default with "
                    "${IMAGE_DIR:-value}",
            }))
      << msg;
}

TEST_P(LoadPlanTest, BadVariableReferenceInAReleaseList) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "not_rolled_back: [ok, \"x ${1BAD}\"]\n");
  std::string msg = LoadError();
  EXPECT_EQ(msg.rfind(P("releases/1.0.0.yaml") + ":3:26: bad variable reference ${1BAD}", 0), 0u)
      << msg;
}

TEST_P(LoadPlanTest, UnknownDeployerKind) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n"
        "environments:\n"
        "  local:\n"
        "    database: sqlite:shop.db\n"
        "    deployer: {kind: ftp}\n");
  WriteRelease("releases/1.0.0.yaml", "1.0.0");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("plan.yaml") +
                     ":6:22: unknown deployer kind 'ftp' (known: file, command, kubectl, helm, "
                     "ssm, gitops)");
}

TEST_P(LoadPlanTest, FileDeployerNeedsAPath) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n"
        "environments:\n"
        "  local:\n"
        "    database: sqlite:shop.db\n"
        "    deployer: {kind: file}\n");
  WriteRelease("releases/1.0.0.yaml", "1.0.0");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("plan.yaml") +
                     ":6:15: a file deployer needs 'path': the file that holds the running image");
}

TEST_P(LoadPlanTest, BadOrderValue) {
  WriteMinimalPlan();
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "image: shop:1\n"
        "order: data-first\n");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("releases/1.0.0.yaml") + ":3:8: 'order' must be code-first or schema-first");
}

TEST_P(LoadPlanTest, BadPolicyValues) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n"
        "environments:\n"
        "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: x.image}}\n"
        "policy:\n"
        "  require_reason: maybe\n"
        "  window_days: -1\n"
        "  batch_rows: 0\n"
        "  snapshot: always\n"
        "  lock_timeout: soon\n");
  WriteRelease("releases/1.0.0.yaml", "1.0.0");
  std::string msg = LoadError();
  const std::string f = P("plan.yaml");
  EXPECT_EQ(Lines(msg), (std::vector<std::string>{
                            f + ":6:19: 'require_reason' must be true or false",
                            f + ":7:16: 'window_days' must be a whole number from 0 to 36500",
                            f + ":8:15: 'batch_rows' must be a whole number from 1 to 10000000",
                            f + ":9:13: 'snapshot' must be on-destroy or off",
                            f + ":10:17: 'lock_timeout' must be a duration such as 30s, 500ms "
                                "or 2m",
                        }))
      << msg;
}

TEST_P(LoadPlanTest, OnModifiedAndImageSwapsReadByName) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n"
        "environments:\n"
        "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: x.image}}\n"
        "policy: {on_modified: revert, image_swaps: once, snapshot: on-destroy}\n");
  WriteRelease("releases/1.0.0.yaml", "1.0.0");
  auto r = Load();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->policy.on_modified, OnModified::kRevert);
  EXPECT_EQ(r->policy.image_swaps, Policy::ImageSwaps::kOnce);
  EXPECT_EQ(r->policy.snapshot, SnapshotPolicy::kOnDestroy);

  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n"
        "environments:\n"
        "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: x.image}}\n"
        "policy:\n"
        "  on_modified: Keep\n"
        "  image_swaps: twice\n");
  std::string msg = LoadError();
  const std::string f = P("plan.yaml");
  EXPECT_EQ(Lines(msg),
            (std::vector<std::string>{
                f + ":6:16: 'on_modified' must be fail (stop and list the rows), keep (leave rows "
                    "changed since the deploy as they are) or revert (give them back their old "
                    "values anyway)",
                f + ":7:16: 'image_swaps' must be per-release (the image moves at every crossed "
                    "release, on the side its `order` says) or once (one swap for the whole run)",
            }))
      << msg;
}

TEST_P(LoadPlanTest, MissingReleasesFolder) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: nowhere/\n"
        "environments:\n"
        "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: x.image}}\n");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("plan.yaml") + ":2:11: releases folder " + P("nowhere/") +
                     " does not exist: create it or fix the path");
}

TEST_P(LoadPlanTest, EmptyReleasesFolder) {
  WriteMinimalPlan();
  MakeFolder("releases");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("plan.yaml") + ":2:11: releases folder " + P("releases/") +
                     " holds no .yaml release manifests");
}

TEST_P(LoadPlanTest, MissingListedReleaseManifest) {
  Write("plan.yaml",
        "app: shop\n"
        "releases:\n"
        "  - r/1.0.0.yaml\n"
        "  - r/2.0.0.yaml\n"
        "environments:\n"
        "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: x.image}}\n");
  WriteRelease("r/1.0.0.yaml", "1.0.0");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("plan.yaml") + ":4:5: release manifest " + P("r/2.0.0.yaml") +
                     " does not exist: fix the path");
}

TEST_P(LoadPlanTest, ReleasesOfTheWrongType) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: {a: b}\n"
        "environments:\n"
        "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: x.image}}\n");
  std::string msg = LoadError();
  EXPECT_EQ(msg,
            P("plan.yaml") + ":2:11: 'releases' must be a folder path or a list of manifest files");
}

TEST_P(LoadPlanTest, PlanThatIsNotAMapping) {
  Write("plan.yaml", "- just\n- a list\n");
  std::string msg = LoadError();
  EXPECT_EQ(msg, P("plan.yaml") + ":1:1: the plan must be a mapping of keys to values");
}

TEST_P(LoadPlanTest, ReportsEveryErrorAtOnce) {
  Write("plan.yaml",
        "app: shop\n"
        "releases: releases/\n"
        "colour: blue\n"
        "environments:\n"
        "  local:\n"
        "    database: sqlite:${NOPE}\n"
        "    deployer: {kind: ftp}\n");
  Write("releases/1.0.0.yaml",
        "version: 1.0.0\n"
        "order: sideways\n");
  Write("releases/2.0.0.yaml",
        "version: 2.0.0\n"
        "image: [a]\n");
  std::string msg = LoadError();
  const std::string plan = P("plan.yaml");
  const std::string r1 = P("releases/1.0.0.yaml");
  const std::string r2 = P("releases/2.0.0.yaml");
  std::vector<std::string> lines = Lines(msg);
  ASSERT_EQ(lines.size(), 6u) << msg;
  EXPECT_EQ(lines[0].rfind(plan + ":3:1: unknown key 'colour' in the plan", 0), 0u) << msg;
  EXPECT_EQ(lines[1].rfind(plan + ":6:22: variable NOPE is not set", 0), 0u) << msg;
  EXPECT_EQ(lines[2], plan +
                          ":7:22: unknown deployer kind 'ftp' (known: file, command, kubectl, "
                          "helm, ssm, gitops)");
  EXPECT_EQ(lines[3], r1 + ":1:1: a release manifest is missing the required key 'image'");
  EXPECT_EQ(lines[4], r1 + ":2:8: 'order' must be code-first or schema-first");
  EXPECT_EQ(lines[5],
            r2 + ":2:8: 'image' must be a single value (a string), not a list or mapping");
}

// ---- ParsePlan on its own ---------------------------------------------------------------------

TEST(ParsePlanTest, TheOriginsFolderIsWhereReleasesAndFilesAreTakenFrom) {
  MemoryPlanFiles files;
  files.Add("/app/releases/1.0.0.yaml",
            "version: 1.0.0\nimage: shop:1\nmigrations:\n"
            "  - {id: m1, up: ../sql/m1.up.sql, down: ../sql/m1.down.sql}\n");
  files.Add("/app/sql/m1.up.sql", "CREATE TABLE t (x INT);");
  const std::string text =
      "app: shop\nreleases: releases/\nenvironments:\n"
      "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: shop.image}}\n";
  auto plan = ParsePlan(
      text, "/app/plan.yaml", [](const std::string&) { return std::nullopt; }, files);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->file, "/app/plan.yaml");
  EXPECT_EQ(plan->sha256, Sha256Hex(text));
  EXPECT_EQ(plan->environments.at("local").deployer.settings.at("path"), "/app/shop.image");
  const Migration& m1 = plan->releases.at(0).migrations.at(0);
  EXPECT_EQ(m1.up.path, "/app/releases/../sql/m1.up.sql");
  EXPECT_EQ(m1.up.text, "CREATE TABLE t (x INT);");
  EXPECT_FALSE(m1.down.present);
  EXPECT_EQ(plan->MissingFiles().size(), 1u);
}

TEST(ParsePlanTest, AFileInMemoryOutsideTheOriginsFolderIsRefused) {
  MemoryPlanFiles files;
  files.Add("/app/releases/1.0.0.yaml",
            "version: 1.0.0\nimage: shop:1\nmigrations:\n"
            "  - {id: m1, up: ../../secret.sql, down: ../../secret.sql}\n");
  files.Add("/secret.sql", "SELECT 'not for the plan';");
  auto plan = ParsePlan(
      "app: shop\nreleases: [releases/1.0.0.yaml]\nenvironments:\n"
      "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: shop.image}}\n",
      "/app/plan.yaml", [](const std::string&) { return std::nullopt; }, files);
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(Contains(plan.status().message(),
                       "/app/releases/1.0.0.yaml:4:18: SQL file /app/releases/../../secret.sql "
                       "resolves to /secret.sql, outside the plan's folder /app"))
      << plan.status().message();
  EXPECT_FALSE(Contains(plan.status().message(), "not for the plan"));
}

// Without files, ParsePlan reads what the plan names from the disk, next to `origin`.
using ParsePlanDiskTest = testing::PlanFolderTest;

TEST_F(ParsePlanDiskTest, WithoutFilesTheDiskIsRead) {
  Write("releases/1.0.0.yaml", "version: 1.0.0\nimage: shop:1\n");
  auto plan = ParsePlan(
      "app: shop\nreleases: releases/\nenvironments:\n"
      "  local: {database: 'sqlite:x.db', deployer: {kind: file, path: shop.image}}\n",
      P("plan.yaml"), lookup_);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  EXPECT_EQ(plan->releases.at(0).file, P("releases/1.0.0.yaml"));
  EXPECT_FALSE(std::filesystem::exists(P("plan.yaml")));
}

INSTANTIATE_TEST_SUITE_P(DiskAndMemory, LoadPlanTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "ParsePlan" : "LoadPlan";
                         });

}  // namespace
}  // namespace orchestrate
