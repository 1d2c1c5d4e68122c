// `orchestrate import`: each tool's real layout (tests/fixtures/import/<format>/) becomes a plan
// that loads, references the original files in place, and (end to end, with the real binary)
// validates, deploys and rolls back on the embedded SQLite database to the same schema as a fresh
// deploy of the first release, and passes `rehearse` release by release (irreversible ones fail
// it).
#include <gtest/gtest.h>

#include <limits.h>
#include <stdlib.h>
#include <algorithm>
#include <nlohmann/json.hpp>

#include "orchestrator/importers/importers.h"
#include "plans/manifest.h"
#include "tests/support/names_test_util.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

std::string Fixture(const std::string& rel) {
  return SourceDir() + "/tests/fixtures/import/" + rel;
}

std::string Real(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) ? std::string(buf) : "(missing) " + path;
}

bool Exists(const std::string& path) { return Real(path).rfind("(missing)", 0) != 0; }

class ImportTest : public ::testing::Test {
 protected:
  Result<ImportReport> Import(const std::string& format, const std::string& dir,
                              const std::string& group_by = "", bool force = false) {
    ImportOptions o;
    o.format = format;
    o.dir = dir;
    o.out = out_;
    o.group_by = group_by;
    o.app = app_;
    o.force = force;
    return orchestrate::Import(o);
  }

  Plan Load() {
    auto plan = LoadPlan(out_ + "/plan.yaml", [](const std::string&) -> std::optional<std::string> {
      return std::nullopt;
    });
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    if (!plan.ok()) return Plan();
    EXPECT_TRUE(plan->MissingFiles().empty()) << plan->MissingFiles().front();
    return std::move(plan).value();
  }

  static std::vector<std::string> Versions(const Plan& plan) {
    std::vector<std::string> v;
    for (const auto& r : plan.releases) v.push_back(r.version);
    return v;
  }

  static std::vector<std::string> Ids(const Plan& plan) {
    std::vector<std::string> ids;
    for (const auto& r : plan.releases)
      for (const auto& m : r.migrations) ids.push_back(m.id);
    return ids;
  }

  static const Migration& Mig(const Plan& plan, const std::string& id) {
    for (const auto& r : plan.releases)
      for (const auto& m : r.migrations)
        if (m.id == id) return m;
    static Migration none;
    ADD_FAILURE() << "no migration " << id;
    return none;
  }

  TempDir dir_;
  std::string out_ = dir_ / "out";
  std::string app_ = "library";
};

TEST(ImportFormatTest, NamesRoundTrip) {
  ExpectNamesRoundTrip<ImportFormat>(
      {{ImportFormat::kGolangMigrate, "golang-migrate"},
       {ImportFormat::kFlyway, "flyway"},
       {ImportFormat::kSqitch, "sqitch"},
       {ImportFormat::kDiesel, "diesel"},
       {ImportFormat::kLiquibaseSql, "liquibase-sql"}},
      [](ImportFormat v) { return Name(v); },
      [](const std::string& s) { return ImportFormatFromName(s); });
}

TEST_F(ImportTest, GolangMigrateReferencesTheOriginalFilesInPlace) {
  std::string src = Fixture("golang-migrate/db/migrations");
  auto r = Import("golang-migrate", src);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->migrations, 5u);
  EXPECT_EQ(r->irreversible, 1u);
  Plan plan = Load();
  EXPECT_EQ(plan.app, "library");
  EXPECT_TRUE(plan.versions_are_semver);
  // golang-migrate's own version numbers: 0.0.<version>.
  EXPECT_EQ(Versions(plan),
            (std::vector<std::string>{"0.0.1", "0.0.2", "0.0.3", "0.0.4", "0.0.5"}));
  EXPECT_EQ(Ids(plan), (std::vector<std::string>{"000001_create_authors", "000002_create_books",
                                                 "000003_create_members", "000004_create_loans",
                                                 "000005_books_add_isbn"}));
  EXPECT_TRUE(Mig(plan, "000001_create_authors").irreversible);
  const Migration& books = Mig(plan, "000002_create_books");
  EXPECT_FALSE(books.irreversible);
  EXPECT_EQ(Real(books.up.path), Real(src + "/000002_create_books.up.sql"));
  EXPECT_EQ(Real(books.down.path), Real(src + "/000002_create_books.down.sql"));
  // Relative paths (the plan moves with its repository), and no copies.
  std::string manifest = ReadFileOrDie(out_ + "/releases/0.0.2.yaml");
  EXPECT_NE(manifest.find("up: \"../"), std::string::npos) << manifest;
  EXPECT_FALSE(Exists(out_ + "/sql"));
  // The local environment is the embedded SQLite database with a file deployer.
  ASSERT_TRUE(plan.environments.count("local"));
  EXPECT_EQ(plan.environments["local"].database, "sqlite:.orchestrate/library.db");
  EXPECT_EQ(plan.environments["local"].deployer.kind, DeployerKind::kFile);
  // The plan reads the originals outside OUT only because it says so (issue 15, item 16).
  EXPECT_EQ(plan.policy.allow_outside_paths, (std::vector<std::string>{Real(src)}));
}

// Migrations inside OUT need no allow_outside_paths: the plan stays confined to its folder.
TEST_F(ImportTest, MigrationsInsideOutNeedNoOutsidePaths) {
  testing::CopyTree(Fixture("golang-migrate/db/migrations"), out_ + "/db");
  ASSERT_TRUE(Import("golang-migrate", out_ + "/db").ok());
  Plan plan = Load();
  EXPECT_TRUE(plan.policy.allow_outside_paths.empty());
  EXPECT_EQ(ReadFileOrDie(out_ + "/plan.yaml").find("allow_outside_paths"), std::string::npos);
  EXPECT_EQ(Versions(plan).size(), 5u);
}

TEST_F(ImportTest, GroupByNPutsNMigrationsInEachRelease) {
  ASSERT_TRUE(Import("golang-migrate", Fixture("golang-migrate/db/migrations"), "2").ok());
  Plan plan = Load();
  // A release is named after its newest migration.
  EXPECT_EQ(Versions(plan), (std::vector<std::string>{"0.0.2", "0.0.4", "0.0.5"}));
  ASSERT_EQ(plan.releases.size(), 3u);
  EXPECT_EQ(plan.releases[0].migrations.size(), 2u);
  EXPECT_EQ(plan.releases[2].migrations.size(), 1u);
}

TEST_F(ImportTest, GroupingThatTheFormatCannotDoIsAUsageErrorAndWritesNothing) {
  auto tag = Import("golang-migrate", Fixture("golang-migrate/db/migrations"), "tag");
  EXPECT_EQ(tag.status().code(), Code::kUsage);
  EXPECT_NE(tag.status().message().find("no tags"), std::string::npos) << tag.status().message();
  auto prefix = Import("golang-migrate", Fixture("golang-migrate/db/migrations"), "prefix");
  EXPECT_EQ(prefix.status().code(), Code::kUsage);
  EXPECT_NE(prefix.status().message().find("--group-by N"), std::string::npos);
  auto sqitch = Import("sqitch", Fixture("sqitch"), "prefix");
  EXPECT_EQ(sqitch.status().code(), Code::kUsage);
  EXPECT_NE(sqitch.status().message().find("--group-by tag"), std::string::npos);
  auto zero = Import("flyway", Fixture("flyway"), "0");
  EXPECT_EQ(zero.status().code(), Code::kUsage);
  auto format = Import("rails", Fixture("flyway"));
  EXPECT_EQ(format.status().code(), Code::kUsage);
  EXPECT_FALSE(Exists(out_));
}

TEST_F(ImportTest, FlywayOrdersDottedVersionsAndSkipsRepeatables) {
  std::string src = Fixture("flyway/src/main/resources/db/migration");
  auto r = Import("flyway", Fixture("flyway/src/main/resources/db/migration"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  Plan plan = Load();
  // Dotted versions are no semantic versions of their own: releases are numbered in order.
  EXPECT_EQ(Versions(plan),
            (std::vector<std::string>{"0.0.1", "0.0.2", "0.0.3", "0.0.4", "0.0.5"}));
  EXPECT_EQ(Ids(plan), (std::vector<std::string>{"V1__create_authors", "V1.1__create_books",
                                                 "V2__create_members", "V2_1__create_loans",
                                                 "V3__create_view_open_loans"}));
  EXPECT_TRUE(Mig(plan, "V1__create_authors").irreversible);
  EXPECT_EQ(Real(Mig(plan, "V3__create_view_open_loans").down.path),
            Real(src + "/reporting/U3__create_view_open_loans.sql"));
  bool noted = false;
  for (const auto& n : r->notes)
    noted |= n.find("R__refresh_statistics.sql: skipped") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST_F(ImportTest, FlywayGroupByPrefixGroupsByTheFirstVersionNumber) {
  ASSERT_TRUE(Import("flyway", Fixture("flyway/src/main/resources/db/migration"), "prefix").ok());
  Plan plan = Load();
  EXPECT_EQ(Versions(plan), (std::vector<std::string>{"0.0.2", "0.0.4", "0.0.5"}));
  ASSERT_EQ(plan.releases.size(), 3u);
  EXPECT_EQ(plan.releases[0].migrations[1].id, "V1.1__create_books");
  EXPECT_EQ(plan.releases[1].migrations[1].id, "V2_1__create_loans");
}

TEST_F(ImportTest, SqitchReadsProjectReworksAndStripsTransactionWrappers) {
  app_.clear();  // from %project
  auto r = Import("sqitch", Fixture("sqitch"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  Plan plan = Load();
  EXPECT_EQ(plan.app, "library");
  EXPECT_EQ(Ids(plan), (std::vector<std::string>{"authors", "books", "members", "loans",
                                                 "open_loans.v1.1", "open_loans"}));
  EXPECT_TRUE(Mig(plan, "authors").irreversible);
  // The reworked change's earlier instance runs the scripts saved under the tag's name. Sqitch's
  // templates wrap every script in BEGIN; ... COMMIT;: the step runs them inside its own
  // transaction, from copies under OUT/sql/ whose two wrapper lines are comments (so every other
  // line keeps its number).
  const Migration& reworked = Mig(plan, "open_loans.v1.1");
  EXPECT_EQ(Real(reworked.up.path), Real(out_ + "/sql/0005_open_loans.v1.1.up.sql"));
  std::string original = ReadFileOrDie(Fixture("sqitch/deploy/open_loans@v1.1.sql"));
  EXPECT_EQ(std::count(reworked.up.text.begin(), reworked.up.text.end(), '\n'),
            std::count(original.begin(), original.end(), '\n'));
  EXPECT_NE(reworked.up.text.find("-- BEGIN;"), std::string::npos) << reworked.up.text;
  EXPECT_NE(reworked.up.text.find("-- COMMIT;"), std::string::npos) << reworked.up.text;
  EXPECT_NE(Mig(plan, "open_loans").down.text.find("-- COMMIT;"), std::string::npos);
  for (const auto& id : Ids(plan)) EXPECT_TRUE(Mig(plan, id).transactional) << id;
  bool noted = false;
  for (const auto& n : r->notes)
    noted |= n.find("wrap themselves in BEGIN/COMMIT") != std::string::npos;
  EXPECT_TRUE(noted);
  // sqitch.conf says `engine = sqlite`.
  EXPECT_EQ(r->dialect, "sqlite");
  EXPECT_NE(r->dialect_source.find("sqitch.conf: engine = sqlite"), std::string::npos);
  EXPECT_EQ(plan.dialect, "sqlite");
}

TEST_F(ImportTest, SqitchGroupByTagMakesOneReleasePerTagAndOneForTheRest) {
  ASSERT_TRUE(Import("sqitch", Fixture("sqitch"), "tag").ok());
  Plan plan = Load();
  EXPECT_EQ(Versions(plan), (std::vector<std::string>{"0.0.2", "0.0.5", "0.0.6"}));
  ASSERT_EQ(plan.releases.size(), 3u);
  EXPECT_EQ(plan.releases[0].migrations.size(), 2u);
  EXPECT_EQ(plan.releases[1].migrations.size(), 3u);
  EXPECT_EQ(plan.releases[2].migrations.size(), 1u);
  std::string first = ReadFileOrDie(out_ + "/releases/0.0.2.yaml");
  EXPECT_NE(first.find("sqitch tag @v1.0"), std::string::npos) << first;
}

TEST_F(ImportTest, DieselFromProjectOrMigrationsFolderUsesTimestampsAndMetadata) {
  ASSERT_TRUE(Import("diesel", Fixture("diesel")).ok());
  Plan plan = Load();
  // Positions, as for every format; Diesel's own version is in the description.
  EXPECT_EQ(Versions(plan),
            (std::vector<std::string>{"0.0.1", "0.0.2", "0.0.3", "0.0.4", "0.0.5"}));
  EXPECT_NE(ReadFileOrDie(out_ + "/releases/0.0.1.yaml")
                .find("description: \"diesel 2024-01-15-093000_create_authors (diesel version "
                      "20240115093000)\""),
            std::string::npos);
  EXPECT_EQ(plan.dialect, "sqlite");  // Cargo.toml: diesel's feature "sqlite"
  EXPECT_TRUE(Mig(plan, "2024-01-15-093000_create_authors").irreversible);
  EXPECT_FALSE(Mig(plan, "2024-03-01-140000_index_loans_member").transactional);
  EXPECT_TRUE(Mig(plan, "2024-02-01-082000_create_loans").transactional);

  TempDir other;
  out_ = other / "out";
  ASSERT_TRUE(Import("diesel", Fixture("diesel/migrations"), "prefix").ok());
  Plan by_day = Load();
  EXPECT_EQ(Versions(by_day), (std::vector<std::string>{"0.0.2", "0.0.4", "0.0.5"}));
}

TEST_F(ImportTest, LiquibaseChangesetsAreWrittenUnderOutSql) {
  auto r = Import("liquibase-sql", Fixture("liquibase-sql/changelog"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  Plan plan = Load();
  EXPECT_EQ(Ids(plan), (std::vector<std::string>{"1", "2", "3", "4", "5", "6"}));
  EXPECT_TRUE(Mig(plan, "1").irreversible);  // no --rollback
  const Migration& loans = Mig(plan, "4");
  EXPECT_EQ(Real(loans.up.path), Real(out_ + "/sql/0004_4.up.sql"));
  EXPECT_NE(loans.up.text.find("CREATE INDEX loans_member_id_idx"), std::string::npos);
  EXPECT_EQ(loans.up.text.find("--rollback"), std::string::npos) << loans.up.text;
  // Several --rollback lines, in order.
  auto drop_index = loans.down.text.find("DROP INDEX loans_member_id_idx;");
  auto drop_table = loans.down.text.find("DROP TABLE loans;");
  EXPECT_LT(drop_index, drop_table);
  EXPECT_NE(drop_table, std::string::npos) << loans.down.text;
  EXPECT_NE(Mig(plan, "5").down.text.find("Nothing to undo"), std::string::npos);
  EXPECT_NE(Mig(plan, "6").down.text.find("DROP VIEW open_loans;"), std::string::npos);
  EXPECT_FALSE(Mig(plan, "6").transactional);  // runInTransaction:false

  TempDir other;
  out_ = other / "out";
  ASSERT_TRUE(Import("liquibase-sql", Fixture("liquibase-sql/changelog"), "prefix").ok());
  Plan by_file = Load();
  ASSERT_EQ(by_file.releases.size(), 2u);  // one release per changelog file
  EXPECT_EQ(by_file.releases[0].migrations.size(), 2u);
}

TEST_F(ImportTest, LiquibaseSingleChangelogFile) {
  ASSERT_TRUE(
      Import("liquibase-sql", Fixture("liquibase-sql/changelog/db.changelog-1.0.sql")).ok());
  EXPECT_EQ(Ids(Load()), (std::vector<std::string>{"1", "2"}));
}

TEST_F(ImportTest, ScriptsThatManageTheirOwnTransactionRunOutsideOrchestratesOne) {
  TempDir src;
  WriteFileOrDie(src / "1_wrapped.up.sql",
                 "-- golang-migrate leaves transactions to the script\nBEGIN;\n"
                 "CREATE TABLE t (id INTEGER);\nCOMMIT;\n");
  WriteFileOrDie(src / "1_wrapped.down.sql", "DROP TABLE t;\n");
  // A trigger's BEGIN ... END is no transaction.
  WriteFileOrDie(src / "2_trigger.up.sql",
                 "CREATE TRIGGER t_ins AFTER INSERT ON t\nBEGIN\n  SELECT 1;\nEND;\n");
  WriteFileOrDie(src / "2_trigger.down.sql", "DROP TRIGGER t_ins;\n");
  auto r = Import("golang-migrate", src.path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  Plan plan = Load();
  EXPECT_FALSE(Mig(plan, "1_wrapped").transactional);
  EXPECT_TRUE(Mig(plan, "2_trigger").transactional);
  std::string notes;
  for (const auto& n : r->notes) notes += n + "\n";
  EXPECT_NE(notes.find("wrap their scripts in BEGIN/COMMIT, which cannot run inside the "
                       "transaction orchestrate gives each step, so they are imported as "
                       "`transactional: false` (an interrupted step needs `orchestrate force`, "
                       "and what their down scripts drop is not snapshotted): 1_wrapped."),
            std::string::npos)
      << notes;
  EXPECT_NE(notes.find("dialect sqlite assumed"), std::string::npos) << notes;
}

TEST_F(ImportTest, GolangMigrateTimestampsGroupByDay) {
  TempDir src;
  for (const char* v : {"20240115093000", "20240115120000", "20240116080000"}) {
    std::string name = std::string(v) + "_t" + v;
    WriteFileOrDie(src / (name + ".up.sql"),
                   std::string("CREATE TABLE t") + v + " (id INTEGER);\n");
    WriteFileOrDie(src / (name + ".down.sql"), std::string("DROP TABLE t") + v + ";\n");
  }
  ASSERT_TRUE(Import("golang-migrate", src.path(), "prefix").ok());
  Plan plan = Load();
  EXPECT_EQ(Versions(plan), (std::vector<std::string>{"0.0.2", "0.0.3"}));
  EXPECT_NE(ReadFileOrDie(out_ + "/releases/0.0.2.yaml")
                .find("description: \"golang-migrate day 20240115 (golang-migrate versions "
                      "20240115093000 .. 20240115120000)\""),
            std::string::npos);
}

TEST_F(ImportTest, SqitchWithoutTagsGroupsEverythingInOneRelease) {
  TempDir sq;
  WriteFileOrDie(
      sq / "sqitch.plan",
      "%project=p\na 2024-01-01T00:00:00Z A <a@b.c>\nb [a] 2024-01-02T00:00:00Z A <a@b.c>\n");
  WriteFileOrDie(sq / "deploy/a.sql", "CREATE TABLE a (id INTEGER);\n");
  WriteFileOrDie(sq / "deploy/b.sql", "CREATE TABLE b (id INTEGER);\n");
  WriteFileOrDie(sq / "revert/b.sql", "DROP TABLE b;\n");
  ASSERT_TRUE(Import("sqitch", sq.path(), "tag").ok());
  Plan plan = Load();
  EXPECT_EQ(Versions(plan), (std::vector<std::string>{"0.0.2"}));
  EXPECT_TRUE(Mig(plan, "a").irreversible);
  EXPECT_FALSE(Mig(plan, "b").irreversible);
}

TEST_F(ImportTest, SqitchPlanFileMayBeGivenDirectly) {
  ASSERT_TRUE(Import("sqitch", Fixture("sqitch/sqitch.plan")).ok());
  EXPECT_EQ(Ids(Load()).size(), 6u);
}

TEST_F(ImportTest, RefusesToWriteWhereTheSourceLives) {
  out_ = dir_ / "out";
  std::string src = out_ + "/releases/migrations";
  CopyTree(Fixture("golang-migrate/db/migrations"), src);
  auto r = Import("golang-migrate", src);
  EXPECT_EQ(r.status().code(), Code::kUsage);
  EXPECT_NE(r.status().message().find("choose another -o folder"), std::string::npos);
  EXPECT_FALSE(Exists(out_ + "/plan.yaml"));
}

TEST_F(ImportTest, RefusesToOverwriteAPlanUnlessForced) {
  ASSERT_TRUE(Import("golang-migrate", Fixture("golang-migrate/db/migrations")).ok());
  std::string before = ReadFileOrDie(out_ + "/plan.yaml");
  auto again = Import("golang-migrate", Fixture("golang-migrate/db/migrations"), "5");
  EXPECT_EQ(again.status().code(), Code::kInvalid);
  EXPECT_NE(again.status().message().find("--force"), std::string::npos);
  EXPECT_TRUE(Exists(out_ + "/releases/0.0.1.yaml"));

  // --force replaces the plan and removes release manifests that the new import does not write.
  auto forced = Import("golang-migrate", Fixture("golang-migrate/db/migrations"), "5", true);
  ASSERT_TRUE(forced.ok()) << forced.status().message();
  EXPECT_EQ(forced->removed.size(), 5u);
  EXPECT_FALSE(Exists(out_ + "/releases/0.0.1.yaml"));
  EXPECT_EQ(Versions(Load()), (std::vector<std::string>{"0.0.5"}));
}

TEST_F(ImportTest, MalformedSourcesNameTheFileAndLine) {
  TempDir src;
  WriteFileOrDie(src / "0002_x.down.sql", "DROP TABLE x;\n");
  auto gm = Import("golang-migrate", src.path());
  EXPECT_EQ(gm.status().code(), Code::kInvalid);
  EXPECT_NE(gm.status().message().find("0002_x.down.sql: a down migration without an up"),
            std::string::npos)
      << gm.status().message();

  TempDir sq;
  WriteFileOrDie(sq / "sqitch.plan", "%project=p\n\nfirst 2024-01-01T00:00:00Z A <a@b.c>\n");
  auto s = Import("sqitch", sq.path());
  EXPECT_EQ(s.status().code(), Code::kInvalid);
  EXPECT_NE(s.status().message().find("sqitch.plan:3: change first has no deploy script"),
            std::string::npos)
      << s.status().message();

  TempDir lb;
  WriteFileOrDie(lb / "changelog.sql", "CREATE TABLE t (id INTEGER);\n");
  auto l = Import("liquibase-sql", lb / "changelog.sql");
  EXPECT_EQ(l.status().code(), Code::kInvalid);
  EXPECT_NE(l.status().message().find("changelog.sql:1: not a formatted SQL changelog"),
            std::string::npos);
  EXPECT_FALSE(Exists(out_));
}

// ---- each tool's own order and version rules (issue 21) ------------------------------------

// A migration whose up creates table `t` and whose down drops it.
void WriteTable(const std::string& up, const std::string& down, const std::string& table) {
  WriteFileOrDie(up, "CREATE TABLE " + table + " (id INTEGER PRIMARY KEY);\n");
  if (!down.empty()) WriteFileOrDie(down, "DROP TABLE " + table + ";\n");
}

// Diesel's version is the folder name before the first '_' without '-' (`diesel migration
// generate` writes 2017-08-31-010203_name; older projects and hand-made folders
// 20170831010203_name), and Diesel orders by it, not by the folder name: '-' sorts before every
// digit, so by name 2017-09-01-000000_b would run before 20170831010203_a.
TEST_F(ImportTest, DieselOrdersMixedDashedAndUndashedVersionsAsDieselDoes) {
  TempDir src;
  for (const char* name : {"2017-09-01-000000_create_posts", "20170831010203_create_users",
                           "2017-08-31-120000_create_comments", "20170902_create_tags"})
    WriteTable(src / (std::string(name) + "/up.sql"), src / (std::string(name) + "/down.sql"),
               std::string(name).substr(std::string(name).find('_') + 8));
  WriteTable(src / ".hidden_x/up.sql", "", "hidden");  // Diesel skips dot folders
  auto r = Import("diesel", src.path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  Plan plan = Load();
  EXPECT_EQ(Ids(plan), (std::vector<std::string>{
                           "20170831010203_create_users", "2017-08-31-120000_create_comments",
                           "2017-09-01-000000_create_posts", "20170902_create_tags"}));
  EXPECT_EQ(Versions(plan), (std::vector<std::string>{"0.0.1", "0.0.2", "0.0.3", "0.0.4"}));
  EXPECT_NE(ReadFileOrDie(out_ + "/releases/0.0.3.yaml")
                .find("diesel 2017-09-01-000000_create_posts (diesel version 20170901000000)"),
            std::string::npos);

  // Two folders whose versions differ only in their dashes are one version: an error naming
  // both, as Diesel refuses them.
  WriteTable(src / "2017-08-31-010203_again/up.sql", "", "again");
  TempDir other;
  out_ = other / "out";
  auto dup = Import("diesel", src.path());
  EXPECT_EQ(dup.status().code(), Code::kInvalid);
  const std::string& message = dup.status().message();
  EXPECT_NE(message.find(src / "2017-08-31-010203_again"), std::string::npos) << message;
  EXPECT_NE(message.find(src / "20170831010203_create_users"), std::string::npos) << message;
  EXPECT_NE(message.find("have the same Diesel version 20170831010203"), std::string::npos)
      << message;
  EXPECT_FALSE(Exists(out_ + "/plan.yaml"));
}

// golang-migrate's MIGRATIONS.md: versions are 64-bit unsigned numbers, applied in increasing
// order (1_initialize_schema, 2_add_table, ..., or timestamps such as 1500360784_x), so 10 runs
// after 9 whatever the names sort as.
TEST_F(ImportTest, GolangMigrateOrdersVersionsAsNumbers) {
  TempDir src;
  for (const char* v : {"1", "2", "9", "10", "0011"})
    WriteTable(src / (std::string(v) + "_t.up.sql"), src / (std::string(v) + "_t.down.sql"),
               std::string("t") + v);
  WriteTable(src / "18446744073709551615_last.up.sql", "", "last");
  ASSERT_TRUE(Import("golang-migrate", src.path()).ok());
  Plan plan = Load();
  EXPECT_EQ(Ids(plan), (std::vector<std::string>{"1_t", "2_t", "9_t", "10_t", "0011_t",
                                                 "18446744073709551615_last"}));
  EXPECT_EQ(Versions(plan).back(), "0.0.6");
  EXPECT_NE(ReadFileOrDie(out_ + "/releases/0.0.5.yaml").find("(golang-migrate version 11)"),
            std::string::npos);

  TempDir big;
  WriteTable(big / "18446744073709551616_x.up.sql", "", "x");
  auto too_big = Import("golang-migrate", big.path());
  EXPECT_EQ(too_big.status().code(), Code::kInvalid);
  EXPECT_NE(too_big.status().message().find("64-bit unsigned"), std::string::npos);

  // 1 and 001 are one version: both are named.
  TempDir dup;
  WriteTable(dup / "1_a.up.sql", "", "a");
  WriteTable(dup / "001_b.up.sql", "", "b");
  auto twice = Import("golang-migrate", dup.path());
  EXPECT_EQ(twice.status().code(), Code::kInvalid);
  EXPECT_NE(twice.status().message().find("1_a.up.sql"), std::string::npos)
      << twice.status().message();
  EXPECT_NE(twice.status().message().find("001_b.up.sql"), std::string::npos)
      << twice.status().message();
}

// Flyway's documentation lists these as valid versions: 1, 001, 5.2, 1.2.3.4.5.6.7.8.9, 205.68,
// 20130115113556, 2013.1.15.11.35.56, 2013.01.15.11.35.56. Flyway compares them part by part as
// numbers (1.2.10 after 1.2.9; 001 is 1), a missing part counting as 0, '_' as '.'.
TEST_F(ImportTest, FlywayComparesVersionsAsFlywayDoes) {
  TempDir src;
  const std::vector<std::pair<std::string, std::string>> files = {
      {"V20130115113556__m", "m"},
      {"V1.2.10__j", "j"},
      {"V5.2__e", "e"},
      {"V1.2.9__i", "i"},
      {"V2013.01.15.11.35.56__l", "l"},
      {"V001__a", "a"},
      {"V1.2.3.4.5.6.7.8.9__h", "h"},
      {"V205.68__k", "k"},
      {"V1_1__b", "b"},
      {"V99999999999999999999.1__n", "n"}};
  for (const auto& [name, table] : files)
    WriteTable(src / ("sql/" + name + ".sql"), "", "t_" + table);
  ASSERT_TRUE(Import("flyway", src.path()).ok());
  Plan plan = Load();
  EXPECT_EQ(Ids(plan), (std::vector<std::string>{"V001__a", "V1_1__b", "V1.2.3.4.5.6.7.8.9__h",
                                                 "V1.2.9__i", "V1.2.10__j", "V5.2__e", "V205.68__k",
                                                 "V2013.01.15.11.35.56__l", "V20130115113556__m",
                                                 "V99999999999999999999.1__n"}));
  EXPECT_EQ(Versions(plan).front(), "0.0.1");
  EXPECT_EQ(Versions(plan).back(), "0.0.10");
  EXPECT_NE(ReadFileOrDie(out_ + "/releases/0.0.2.yaml").find("(flyway version 1.1)"),
            std::string::npos);

  // One version written two ways: an error naming both files.
  for (const auto& [a, b] : std::vector<std::pair<std::string, std::string>>{
           {"V1_1__x", "V1.1__y"}, {"V01__x", "V1__y"}, {"V1.0__x", "V1__y"}}) {
    TempDir dup;
    WriteTable(dup / (a + ".sql"), "", "x");
    WriteTable(dup / (b + ".sql"), "", "y");
    auto twice = Import("flyway", dup.path());
    EXPECT_EQ(twice.status().code(), Code::kInvalid) << a << " " << b;
    EXPECT_NE(twice.status().message().find(a + ".sql"), std::string::npos)
        << twice.status().message();
    EXPECT_NE(twice.status().message().find(b + ".sql"), std::string::npos)
        << twice.status().message();
    EXPECT_NE(twice.status().message().find("have the same Flyway version"), std::string::npos);
  }
}

// Liquibase identifies a changeset by author, id and changelog: the same pair twice in one
// changelog is an error naming both lines; in two changelogs it is two changesets.
TEST_F(ImportTest, LiquibaseDuplicateChangesetsInOneChangelogAreNamed) {
  TempDir lb;
  WriteFileOrDie(lb / "a.sql",
                 "--liquibase formatted sql\n\n--changeset ada:1\nCREATE TABLE a (id INT);\n"
                 "--rollback DROP TABLE a;\n\n--changeset ada:1\nCREATE TABLE b (id INT);\n");
  auto r = Import("liquibase-sql", lb / "a.sql");
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_NE(r.status().message().find("a.sql:7 and "), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("a.sql:3 both declare changeset ada:1"), std::string::npos)
      << r.status().message();
}

// A folder of changelogs is read as Liquibase's includeAll reads it: by the whole path.
TEST_F(ImportTest, LiquibaseFolderIsReadInWholePathOrder) {
  TempDir lb;
  auto changelog = [](const std::string& id) {
    return "--liquibase formatted sql\n--changeset a:" + id + "\nCREATE TABLE t" + id +
           " (id INT);\n--rollback DROP TABLE t" + id + ";\n";
  };
  WriteFileOrDie(lb / "x/1.sql", changelog("in_folder"));
  WriteFileOrDie(lb / "x-y.sql", changelog("dash"));
  WriteFileOrDie(lb / "w.sql", changelog("first"));
  ASSERT_TRUE(Import("liquibase-sql", lb.path()).ok());
  EXPECT_EQ(Ids(Load()), (std::vector<std::string>{"first", "dash", "in_folder"}));
}

// Sqitch lists a change twice only when it was reworked (with a tag between, and the earlier
// scripts saved as change@tag): otherwise both plan lines are named.
TEST_F(ImportTest, SqitchChangeListedTwiceWithoutAReworkNamesBothLines) {
  TempDir sq;
  WriteFileOrDie(sq / "sqitch.plan",
                 "%project=p\n\nusers 2024-01-01T00:00:00Z A <a@b.c>\n"
                 "users 2024-01-02T00:00:00Z A <a@b.c>\n");
  WriteFileOrDie(sq / "deploy/users.sql", "CREATE TABLE users (id INTEGER);\n");
  auto r = Import("sqitch", sq.path());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_NE(r.status().message().find("sqitch.plan:3 and " + sq / "sqitch.plan:4 both list change "
                                                                  "users"),
            std::string::npos)
      << r.status().message();
}

// Sqitch's templates (`sqitch add`, engine pg):
//   -- Deploy flipr:appschema to pg
//
//   BEGIN;
//
//   -- XXX Add DDLs here.
//
//   COMMIT;
// Such a script runs inside the step's transaction without its wrapper; a script without one
// (Sqitch runs it in autocommit) is transactional unless it holds a statement that cannot run in
// a transaction.
TEST_F(ImportTest, SqitchTemplateShapesDecideTransactions) {
  TempDir sq;
  WriteFileOrDie(sq / "sqitch.conf", "[core]\n\tengine = pg\n");
  WriteFileOrDie(sq / "sqitch.plan",
                 "%syntax-version=1.0.0\n%project=flipr\n\n"
                 "appschema 2024-01-01T00:00:00Z A <a@b.c> # wrapped, as the template writes it\n"
                 "users 2024-01-01T00:01:00Z A <a@b.c> # no wrapper\n"
                 "users_idx 2024-01-01T00:02:00Z A <a@b.c> # CONCURRENTLY\n"
                 "mood 2024-01-01T00:03:00Z A <a@b.c> # ADD VALUE\n");
  WriteFileOrDie(sq / "deploy/appschema.sql",
                 "-- Deploy flipr:appschema to pg\n\nBEGIN;\n\nCREATE SCHEMA flipr;\n\n"
                 "COMMIT;\n");
  WriteFileOrDie(sq / "revert/appschema.sql",
                 "-- Revert flipr:appschema from pg\n\nbegin;\n\nDROP SCHEMA flipr;\n\n"
                 "commit;\n");
  WriteFileOrDie(sq / "deploy/users.sql",
                 "CREATE TABLE flipr.users (nickname TEXT PRIMARY KEY, mood TEXT);\n");
  WriteFileOrDie(sq / "revert/users.sql", "DROP TABLE flipr.users;\n");
  WriteFileOrDie(sq / "deploy/users_idx.sql",
                 "CREATE INDEX CONCURRENTLY users_mood ON flipr.users (mood);\n");
  WriteFileOrDie(sq / "revert/users_idx.sql", "DROP INDEX CONCURRENTLY flipr.users_mood;\n");
  WriteFileOrDie(sq / "deploy/mood.sql",
                 "CREATE TYPE flipr.mood AS ENUM ('happy');\n"
                 "ALTER TYPE flipr.mood ADD VALUE 'sad';\n");
  WriteFileOrDie(sq / "revert/mood.sql", "DROP TYPE flipr.mood;\n");
  auto r = Import("sqitch", sq.path());
  ASSERT_TRUE(r.ok()) << r.status().message();
  Plan plan = Load();
  EXPECT_EQ(plan.dialect, "postgresql");  // sqitch.conf: engine = pg
  const Migration& schema = Mig(plan, "appschema");
  EXPECT_TRUE(schema.transactional);
  EXPECT_EQ(schema.up.text,
            "-- Deploy flipr:appschema to pg\n\n-- BEGIN;  -- (removed by orchestrate import: "
            "the step runs in a transaction)\n\nCREATE SCHEMA flipr;\n\n-- COMMIT;  -- "
            "(removed by orchestrate import: the step runs in a transaction)\n");
  EXPECT_NE(schema.down.text.find("-- commit;"), std::string::npos) << schema.down.text;
  EXPECT_TRUE(Mig(plan, "users").transactional);
  EXPECT_EQ(Real(Mig(plan, "users").up.path), Real(sq / "deploy/users.sql"));  // in place
  EXPECT_FALSE(Mig(plan, "users_idx").transactional);
  EXPECT_FALSE(Mig(plan, "mood").transactional);
  std::string notes;
  for (const auto& n : r->notes) notes += n + "\n";
  EXPECT_NE(notes.find("users_idx (CREATE INDEX (line 1))"), std::string::npos) << notes;
  EXPECT_NE(notes.find("mood (ALTER TYPE ... ADD VALUE (line 2))"), std::string::npos) << notes;
  std::string manifest = ReadFileOrDie(out_ + "/plan.yaml");
  EXPECT_NE(manifest.find("dialect: postgresql\n"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("database: \"${DATABASE_URL:-postgresql://localhost:5432/library}\""),
            std::string::npos)
      << manifest;
}

// The dialect comes from the tool's own configuration where it has one; --dialect overrides it;
// without either, sqlite is assumed and the import says so.
TEST_F(ImportTest, DialectFromTheToolsConfigurationOrTheOption) {
  struct Project {
    std::string format, config, text, dialect;
  };
  for (const Project& p : std::vector<Project>{
           {"flyway", "flyway.conf", "flyway.url=jdbc:postgresql://db:5432/shop\n", "postgresql"},
           {"flyway", "flyway.toml",
            "[environments.default]\nurl = \"jdbc:mysql://db:3306/shop\"\n", "mysql"},
           {"flyway", "conf/flyway.conf", "flyway.url=jdbc:sqlite:shop.db\n", "sqlite"},
           {"diesel", ".env", "DATABASE_URL=postgres://u@localhost/diesel_demo\n", "postgresql"},
           {"diesel", "Cargo.toml",
            "[dependencies]\ndiesel = { version = \"2.1\", features = [\"postgres\"] }\n",
            "postgresql"},
           {"liquibase-sql", "liquibase.properties", "url: jdbc:postgresql://db/shop\n",
            "postgresql"}}) {
    TempDir project;
    WriteFileOrDie(project / p.config, p.text);
    std::string dir = project / "src/main/resources/db/migration";
    if (p.format == "flyway") WriteTable(dir + "/V1__a.sql", "", "a");
    if (p.format == "diesel")
      WriteTable(project / "migrations/2024-01-01-000000_a/up.sql", "", "a");
    if (p.format == "liquibase-sql")
      WriteFileOrDie(dir + "/changelog.sql",
                     "--liquibase formatted sql\n--changeset a:1\nCREATE TABLE a (id INT);\n");
    TempDir out;
    out_ = out / "out";
    auto r = Import(p.format, p.format == "diesel" ? project.path() : dir);
    ASSERT_TRUE(r.ok()) << p.config << ": " << r.status().message();
    EXPECT_EQ(r->dialect, p.dialect) << p.config;
    EXPECT_NE(r->dialect_source.find(p.config), std::string::npos) << r->dialect_source;
    EXPECT_EQ(Load().dialect, p.dialect) << p.config;
  }

  // --dialect wins over the configuration.
  TempDir out;
  out_ = out / "out";
  orchestrate::ImportOptions o;
  o.format = "sqitch";
  o.dir = Fixture("sqitch");
  o.out = out_;
  o.dialect = "postgresql";
  auto r = orchestrate::Import(o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->dialect_source, "--dialect");
  EXPECT_EQ(Load().dialect, "postgresql");
  o.dialect = "oracle";
  o.force = true;
  EXPECT_EQ(orchestrate::Import(o).status().code(), Code::kUsage);
}

// ---- end to end: the real binary
// -----------------------------------------------------------------

struct Case {
  std::string format, dir, group_by;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.format << " " << c.dir << (c.group_by.empty() ? "" : " --group-by " + c.group_by);
}

class ImportRoundTripTest : public ::testing::TestWithParam<Case> {
 protected:
  ProcessResult Run(std::vector<std::string> args, const std::string& state = "state") {
    args.insert(args.begin(), OrchestrateBin());
    ProcessOptions opts;
    opts.env["STATE_DIR"] = dir_ / state;
    return RunProcess(args, opts);
  }

  nlohmann::json Status(const std::string& plan, const std::string& state) {
    auto r = Run({"status", plan, "--output", "json"}, state);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  TempDir dir_;
};

TEST_P(ImportRoundTripTest, ImportValidateDeployRollBackToFirst) {
  const Case& c = GetParam();
  std::string out = dir_ / "plan";
  std::vector<std::string> args = {"import", c.format, Fixture(c.dir), "-o", out, "--app", "lib"};
  if (!c.group_by.empty()) args.insert(args.end(), {"--group-by", c.group_by});
  auto imported = Run(args);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("wrote " + out + "/plan.yaml"), std::string::npos) << imported.out;
  EXPECT_NE(imported.out.find("irreversible"), std::string::npos) << imported.out;
  std::string plan = out + "/plan.yaml";

  auto v = Run({"validate", plan});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  auto d = Run({"deploy", plan, "--yes"});
  ASSERT_EQ(d.exit_code, 0) << d.err << d.out;
  auto loaded = LoadPlan(plan, EnvironmentLookup());
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_GT(loaded->releases.size(), 1u);
  std::string first = loaded->releases.front().version;
  size_t migrations = 0;
  for (const auto& r : loaded->releases) migrations += r.migrations.size();
  auto deployed = Status(plan, "state");
  EXPECT_EQ(deployed["current_version"], loaded->releases.back().version);
  EXPECT_EQ(deployed["applied_migrations"], migrations);
  EXPECT_EQ(deployed["pending_releases"], nlohmann::json::array()) << deployed.dump();

  auto rb = Run({"rollback", plan, "--to", first, "--reason", "import round trip", "--yes"});
  ASSERT_EQ(rb.exit_code, 0) << rb.err << rb.out;
  auto rolled = Status(plan, "state");

  auto fresh = Run({"deploy", plan, "--to", first, "--yes"}, "fresh");
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  auto want = Status(plan, "fresh");
  EXPECT_EQ(rolled["current_version"], first);
  EXPECT_EQ(rolled["schema_fingerprint"], want["schema_fingerprint"]);
  EXPECT_EQ(rolled["tables"], want["tables"]);
  EXPECT_NE(deployed["schema_fingerprint"], want["schema_fingerprint"]);

  // Every release rehearsed against the one before it on a scratch database: it round-trips,
  // unless it holds an irreversible migration (the rehearsal says so and fails).
  for (size_t i = 1; i < loaded->releases.size(); ++i) {
    const Release& rel = loaded->releases[i];
    bool irreversible = std::any_of(rel.migrations.begin(), rel.migrations.end(),
                                    [](const Migration& m) { return m.irreversible; });
    auto reh = Run({"rehearse", plan, "--from", loaded->releases[i - 1].version, "--to",
                    rel.version, "--each"});
    EXPECT_EQ(reh.exit_code, irreversible ? 2 : 0) << rel.version << "\n" << reh.out << reh.err;
    if (irreversible) {
      EXPECT_NE(reh.out.find("irreversible"), std::string::npos) << reh.out;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Formats, ImportRoundTripTest,
    ::testing::Values(Case{"golang-migrate", "golang-migrate/db/migrations", ""},
                      Case{"flyway", "flyway/src/main/resources/db/migration", ""},
                      Case{"flyway", "flyway/src/main/resources/db/migration", "prefix"},
                      Case{"sqitch", "sqitch", ""}, Case{"sqitch", "sqitch", "tag"},
                      Case{"diesel", "diesel", ""},
                      Case{"liquibase-sql", "liquibase-sql/changelog", ""},
                      Case{"liquibase-sql", "liquibase-sql/changelog", "2"}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      std::string name =
          param_info.param.format +
          (param_info.param.group_by.empty() ? "" : "_by_" + param_info.param.group_by);
      for (char& ch : name)
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return name;
    });

// An empty down for an up that does something (a real history's broken downs): a warning of
// `validate` and `check` naming the migration; `validate --strict` refuses it (issue 21).
TEST(ImportCliTest, EmptyDownForANonEmptyUpIsAWarningAndAnErrorWhenStrict) {
  TempDir dir;
  std::string src = dir / "db";
  WriteFileOrDie(src + "/1_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);\n");
  WriteFileOrDie(src + "/1_users.down.sql", "-- TODO\n");
  WriteFileOrDie(src + "/2_placeholder.up.sql", "-- nothing yet\n");
  WriteFileOrDie(src + "/2_placeholder.down.sql", "");
  WriteFileOrDie(src + "/3_posts.up.sql", "CREATE TABLE posts (id INTEGER PRIMARY KEY);\n");
  WriteFileOrDie(src + "/3_posts.down.sql", "DROP TABLE posts;\n");
  ProcessOptions opts;
  opts.env["STATE_DIR"] = dir / "state";
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), OrchestrateBin());
    return RunProcess(args, opts);
  };
  ASSERT_EQ(run({"import", "golang-migrate", src, "-o", dir / "out"}).exit_code, 0);
  std::string plan = dir / "out/plan.yaml";
  auto v = run({"validate", plan});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.err.find("/db/1_users.down.sql: migration 1_users (release "
                       "0.0.1): the down script is empty but the up script is not"),
            std::string::npos)
      << v.err;
  EXPECT_EQ(v.err.find("2_placeholder"), std::string::npos) << v.err;  // nothing to undo
  EXPECT_EQ(v.err.find("3_posts"), std::string::npos) << v.err;
  auto strict = run({"validate", plan, "--strict"});
  EXPECT_EQ(strict.exit_code, 2) << strict.out;
  EXPECT_NE(strict.err.find("migration 1_users (release 0.0.1): the down script is empty"),
            std::string::npos)
      << strict.err;
  EXPECT_NE(strict.err.find("(--strict)"), std::string::npos) << strict.err;

  ASSERT_EQ(run({"deploy", plan, "--yes"}).exit_code, 0);
  auto check = run({"check", plan, "--to", "none"});
  EXPECT_EQ(check.exit_code, 4) << check.out << check.err;
  EXPECT_NE(check.out.find("[0.0.1] migration 1_users: its down script is empty but its up "
                           "script is not"),
            std::string::npos)
      << check.out;
  EXPECT_EQ(check.out.find("migration 2_placeholder: its down"), std::string::npos) << check.out;
}

// The plan's dialect is what validate parses in; a database of another kind cannot run the plan's
// SQL, and validate says so; mysql scripts are only scanned, and validate says that too.
TEST(ImportCliTest, ValidateUsesThePlansDialectAndRefusesADatabaseOfAnotherKind) {
  TempDir dir;
  auto imported = RunProcess({OrchestrateBin(), "import", "sqitch", Fixture("sqitch"), "-o",
                              dir / "pg", "--dialect", "postgresql"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("dialect postgresql (from --dialect)"), std::string::npos)
      << imported.out;
  auto ok = RunProcess({OrchestrateBin(), "validate", dir / "pg/plan.yaml"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto other = RunProcess(
      {OrchestrateBin(), "validate", dir / "pg/plan.yaml", "--database", "sqlite:" + dir / "x.db"});
  EXPECT_EQ(other.exit_code, 2) << other.out;
  EXPECT_NE(other.err.find("--database is a sqlite database, but the plan's SQL is postgresql"),
            std::string::npos)
      << other.err;

  ASSERT_EQ(RunProcess({OrchestrateBin(), "import", "sqitch", Fixture("sqitch"), "-o", dir / "my",
                        "--dialect", "mysql"})
                .exit_code,
            0);
  auto my = RunProcess({OrchestrateBin(), "validate", dir / "my/plan.yaml"});
  EXPECT_EQ(my.exit_code, 0) << my.err;
  EXPECT_NE(
      my.err.find("warning: the SQL is only scanned, not parsed: this build has no MySQL parser"),
      std::string::npos)
      << my.err;
  auto bad = RunProcess({OrchestrateBin(), "import", "sqitch", Fixture("sqitch"), "-o", dir / "bad",
                         "--dialect", "oracle"});
  EXPECT_EQ(bad.exit_code, 64) << bad.err;
}

TEST(ImportCliTest, ExitCodesForUsageAndExistingPlan) {
  TempDir dir;
  auto unknown =
      RunProcess({OrchestrateBin(), "import", "rails", Fixture("flyway"), "-o", dir / "o"});
  EXPECT_EQ(unknown.exit_code, 64) << unknown.err;
  EXPECT_NE(unknown.err.find("unknown format 'rails'"), std::string::npos) << unknown.err;
  auto missing_out = RunProcess({OrchestrateBin(), "import", "flyway", Fixture("flyway")});
  EXPECT_EQ(missing_out.exit_code, 64);
  std::vector<std::string> args = {OrchestrateBin(),  "import", "diesel",
                                   Fixture("diesel"), "-o",     dir / "o"};
  ASSERT_EQ(RunProcess(args).exit_code, 0);
  auto again = RunProcess(args);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already exists: pass --force"), std::string::npos) << again.err;
  args.push_back("--force");
  auto forced = RunProcess(args);
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NE(forced.out.find("removed "), std::string::npos) << forced.out;
}

}  // namespace
}  // namespace orchestrate::testing
