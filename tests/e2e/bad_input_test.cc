// Broken inputs, end to end: the real binary against a deployed copy of samples/shop, given a
// broken plan, release manifest, SQL file, URL or flag. Each must fail with the documented exit
// code (2 bad input, 64 usage), say where the problem is (file:line:col, or the migration and its
// line:col), and leave the database exactly as it was: user schema and data, the journal, the
// running image.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "migrations/database.h"
#include "migrations/fingerprint.h"
#include "tests/support/pg.h"
#include "tests/support/shop_fixture.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

// Everything a failed command must not have changed.
struct DatabaseState {
  std::string schema, data, journal, image;
};

std::string JournalCounts(Database& db) {
  auto txn = db.BeginRead();
  if (!txn.ok()) return "cannot read: " + txn.status().message();
  std::string out;
  for (const char* table : {"orchestrate_runs", "orchestrate_steps", "orchestrate_migrations",
                            "orchestrate_seeds", "orchestrate_ledger", "orchestrate_releases"}) {
    auto rows = (*txn)->Query(std::string("SELECT COUNT(*) FROM ") + table);
    out += std::string(table) + "=" +
           (rows.ok() ? rows->rows.at(0).at(0).value_or("NULL") : rows.status().message()) + " ";
  }
  return out;
}

DatabaseState ReadState(const std::string& url, const std::string& image_file) {
  DatabaseState s;
  auto db = OpenDatabase(url, "");
  EXPECT_TRUE(db.ok()) << db.status().message();
  if (!db.ok()) return s;
  auto fp = TakeFingerprint(**db);
  EXPECT_TRUE(fp.ok()) << fp.status().message();
  if (fp.ok()) {
    s.schema = fp->schema_sha256;
    s.data = fp->data_sha256;
  }
  s.journal = JournalCounts(**db);
  s.image = ReadFileOrDie(image_file);
  return s;
}

void ExpectSameState(const DatabaseState& before, const DatabaseState& after) {
  EXPECT_EQ(before.schema, after.schema) << "the schema changed";
  EXPECT_EQ(before.data, after.data) << "the data changed";
  EXPECT_EQ(before.journal, after.journal) << "the journal changed";
  EXPECT_EQ(before.image, after.image) << "the image changed";
}

struct BadInput {
  std::string name;
  // Files of the shop copy to replace (path relative to the copy, new content).
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::string> args;  // the command, then what follows PLAN
  int exit_code;
  std::vector<std::string> expect;  // each in stderr
};

const std::string kEnvLocal =
    "environments:\n  local:\n    database: sqlite:${STATE_DIR}/shop.db\n"
    "    deployer: {kind: file, path: \"${STATE_DIR}/shop.image\"}\n";

std::string Plan(const std::string& rest) { return "app: shop\nreleases: releases/\n" + rest; }

// loyalty_tiers (seeded in 1.3.0) as a table without a primary key.
const std::string kTiersWithoutKey =
    "-- no primary key\nCREATE TABLE loyalty_tiers (code VARCHAR(20) NOT NULL, name "
    "VARCHAR(100) NOT NULL,\n  min_points INTEGER NOT NULL, discount_pct NUMERIC(5,2) NOT NULL "
    "DEFAULT 0);\n";

const std::string kRelease120Head = "version: 1.2.0\nimage: registry.example.com/shop:1.2.0\n";

std::vector<BadInput> Cases() {
  const std::vector<std::string> deploy = {"deploy", "--yes"};
  const std::vector<std::string> rollback = {"rollback", "--to", "1.0.0",
                                             "--reason", "bad",  "--yes"};
  return {
      // ---- plan.yaml ----------------------------------------------------------------------------
      {"plan: unclosed flow sequence",
       {{"plan.yaml", "app: shop\nreleases: [releases/1.0.0.yaml\n" + kEnvLocal}},
       deploy,
       2,
       {"shop/plan.yaml:3:", "malformed YAML"}},
      {"plan: tab indentation",
       {{"plan.yaml", "app: shop\nreleases: releases/\nenvironments:\n\tlocal: {}\n"}},
       deploy,
       2,
       {"shop/plan.yaml:4:", "malformed YAML"}},
      {"plan: unknown top-level key",
       {{"plan.yaml", Plan(kEnvLocal + "colour: blue\n")}},
       rollback,
       2,
       {"shop/plan.yaml:7:1: unknown key 'colour'"}},
      {"plan: app is a list",
       {{"plan.yaml", "app: [shop, store]\nreleases: releases/\n" + kEnvLocal}},
       rollback,
       2,
       {"shop/plan.yaml:1:6: 'app' must be a single value"}},
      {"plan: missing app",
       {{"plan.yaml", "releases: releases/\n" + kEnvLocal}},
       deploy,
       2,
       {"shop/plan.yaml:1:1:", "missing the required key 'app'"}},
      {"plan: missing releases",
       {{"plan.yaml", "app: shop\n" + kEnvLocal}},
       deploy,
       2,
       {"shop/plan.yaml:1:1:", "missing the required key 'releases'"}},
      {"plan: missing environments",
       {{"plan.yaml", "app: shop\nreleases: releases/\n"}},
       deploy,
       2,
       {"shop/plan.yaml:1:1:", "missing the required key 'environments'"}},
      {"plan: environments is a list",
       {{"plan.yaml", Plan("environments: [local]\n")}},
       deploy,
       2,
       {"shop/plan.yaml:3:15:", "'environments' must map"}},
      {"plan: bad duration",
       {{"plan.yaml", Plan(kEnvLocal + "policy: {lock_timeout: soon}\n")}},
       rollback,
       2,
       {"shop/plan.yaml:7:24:", "'lock_timeout' must be a duration"}},
      {"plan: window_days not a number",
       {{"plan.yaml", Plan(kEnvLocal + "policy:\n  window_days: -3\n")}},
       rollback,
       2,
       {"shop/plan.yaml:8:16:", "'window_days' must be a whole number"}},
      {"plan: require_reason not a boolean",
       {{"plan.yaml", Plan(kEnvLocal + "policy:\n  require_reason: perhaps\n")}},
       rollback,
       2,
       {"shop/plan.yaml:8:19:", "'require_reason' must be true or false"}},
      {"plan: variable unset without default",
       {{"plan.yaml", Plan("environments:\n  local:\n    database: sqlite:${NO_SUCH_VAR_X}/a.db\n"
                           "    deployer: {kind: file, path: \"${STATE_DIR}/shop.image\"}\n")}},
       deploy,
       2,
       {"shop/plan.yaml:5:22:", "variable NO_SUCH_VAR_X is not set"}},
      {"plan: bad variable name",
       {{"plan.yaml", Plan("environments:\n  local:\n    database: sqlite:${STATE_DIR}/shop.db\n"
                           "    deployer: {kind: file, path: \"${9lives}/shop.image\"}\n")}},
       deploy,
       2,
       {"shop/plan.yaml:6:", "bad variable reference ${9lives}"}},
      {"plan: unterminated variable",
       {{"plan.yaml", Plan("environments:\n  local:\n    database: sqlite:${STATE_DIR/shop.db\n"
                           "    deployer: {kind: file, path: \"${STATE_DIR}/shop.image\"}\n")}},
       deploy,
       2,
       {"shop/plan.yaml:5:22:", "unterminated ${...}"}},
      {"plan: releases folder missing",
       {{"plan.yaml", "app: shop\nreleases: no-such-folder/\n" + kEnvLocal}},
       deploy,
       2,
       {"shop/plan.yaml:2:11:", "no-such-folder/ does not exist"}},
      {"plan: release file escaping the plan folder does not exist",
       {{"plan.yaml", "app: shop\nreleases: [../../../../../no-such-release.yaml]\n" + kEnvLocal}},
       deploy,
       2,
       {"shop/plan.yaml:2:12:", "no-such-release.yaml does not exist"}},
      {"plan: unknown deployer kind",
       {{"plan.yaml", Plan("environments:\n  local:\n    database: sqlite:${STATE_DIR}/shop.db\n"
                           "    deployer: {kind: ftp, path: x}\n")}},
       rollback,
       2,
       {"shop/plan.yaml:6:", "unknown deployer kind 'ftp'"}},
      {"plan: duplicate key",
       {{"plan.yaml", Plan(kEnvLocal + "app: other\n")}},
       deploy,
       2,
       {"shop/plan.yaml:7:1:", "duplicate key 'app'"}},
      // ---- release manifests --------------------------------------------------------------------
      {"release: missing version",
       {{"releases/1.2.0.yaml", "image: registry.example.com/shop:1.2.0\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:1:1:", "missing the required key 'version'"}},
      {"release: bad version",
       {{"releases/1.2.0.yaml", "version: 1.2.0 beta\nimage: x\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:1:10:", "version '1.2.0 beta' may hold only"}},
      {"release: duplicate version",
       {{"releases/1.2.0.yaml", "version: 1.1.0\nimage: x\n"}},
       rollback,
       2,
       {"shop/releases/1.2.0.yaml:1:1:", "duplicate version 1.1.0"}},
      {"release: bad order value",
       {{"releases/1.2.0.yaml", kRelease120Head + "order: data-first\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:3:8:", "'order' must be code-first or schema-first"}},
      {"release: missing up file",
       {{"releases/1.2.0.yaml", kRelease120Head +
                                    "migrations:\n  - {id: 0009_x, up: ../sql/none.up.sql, "
                                    "down: ../sql/none.down.sql}\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:4:", "none.up.sql", "0009_x"}},
      {"release: migration without down",
       {{"releases/1.2.0.yaml",
         kRelease120Head + "migrations:\n  - {id: 0009_x, up: ../sql/none.up.sql}\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:4:5:", "missing the required key 'down'"}},
      {"release: duplicate migration id",
       {{"releases/1.2.0.yaml", kRelease120Head +
                                    "migrations:\n  - {id: 0006_create_countries, "
                                    "up: ../sql/0006_create_countries.up.sql, "
                                    "down: ../sql/0006_create_countries.down.sql}\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:4:5:", "duplicate migration id '0006_create_countries'"}},
      {"release: migrations not a list",
       {{"releases/1.2.0.yaml", kRelease120Head + "migrations: 0009\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:3:13:", "'migrations' must be a list"}},
      {"release: transactional not a boolean",
       {{"releases/1.2.0.yaml",
         kRelease120Head + "migrations:\n  - {id: 0009_x, up: ../sql/0009_customers_add_country_"
                           "code.up.sql, down: irreversible, transactional: sometimes}\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:4:", "'transactional' must be true or false"}},
      {"release: bad migration id",
       {{"releases/1.2.0.yaml",
         kRelease120Head + "migrations:\n  - {id: \"drop table\", up: a.sql, down: b.sql}\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:4:", "migration id 'drop table' may hold only"}},
      {"release: not a mapping",
       {{"releases/1.2.0.yaml", "- 1.2.0\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:1:1:", "must be a mapping"}},
      // ---- SQL files ----------------------------------------------------------------------------
      {"sql: unterminated string on SQLite, reported before anything runs",
       {{"sql/0010_orders_add_shipping_method.up.sql",
         "-- broken\nALTER TABLE orders ADD COLUMN note TEXT;\nUPDATE orders SET note = 'x;\n"}},
       deploy,
       2,
       {"migration 0010_orders_add_shipping_method", "line 3:", "unterminated string",
        "nothing was changed"}},
      {"sql: unterminated comment on SQLite",
       {{"sql/0009_customers_add_country_code.up.sql", "/* never closed\nSELECT 1;\n"}},
       deploy,
       2,
       {"migration 0009_customers_add_country_code", "line 1:", "nothing was changed"}},
      // ---- URLs ---------------------------------------------------------------------------------
      {"url: unknown scheme",
       {},
       {"deploy", "--database", "mysql://h/shop", "--yes"},
       2,
       {"cannot open database 'mysql://h/shop'"}},
      {"url: unreachable PostgreSQL",
       {},
       {"rollback", "--to", "1.0.0", "--reason", "bad", "--yes", "--database",
        "postgresql://postgres@127.0.0.1:1/shop"},
       2,
       {"cannot connect to postgresql://postgres@127.0.0.1:1/shop"}},
      {"url: sqlite path through a regular file",
       {},
       {"deploy", "--yes", "--database", "sqlite:releases/1.0.0.yaml/x.db"},
       2,
       {"cannot open SQLite database", "shop/releases/1.0.0.yaml/x.db"}},
      {"url: sqlite without a path",
       {},
       {"deploy", "--yes", "--database", "sqlite:"},
       2,
       {"sqlite: URL without a file path"}},
      // ---- flags --------------------------------------------------------------------------------
      {"flag: unknown", {}, {"rollback", "--frobnicate", "--yes"}, 64, {"--frobnicate"}},
      {"flag: --to unknown version (deploy)",
       {},
       {"deploy", "--to", "9.9.9", "--yes"},
       2,
       {"version 9.9.9 is not a release", "known: 1.0.0, 1.1.0, 1.2.0, 1.3.0"}},
      {"flag: --to unknown version (rollback)",
       {},
       {"rollback", "--to", "0.0.1", "--reason", "bad", "--yes"},
       2,
       {"version 0.0.1 is not a release"}},
      {"flag: rollback --to a newer version",
       {},
       {"rollback", "--to", "1.3.0", "--reason", "bad", "--yes"},
       2,
       {"is newer than the current release"}},
      {"flag: --lock-timeout garbage",
       {},
       {"rollback", "--to", "1.0.0", "--reason", "bad", "--yes", "--lock-timeout", "soonish"},
       64,
       {"--lock-timeout soonish"}},
      {"seed: table created without a primary key and no key: columns",
       {{"sql/0013_create_loyalty_tiers.up.sql", kTiersWithoutKey}},
       {"validate"},
       2,
       {"shop/releases/1.3.0.yaml:", "seed loyalty_tiers writes to table loyalty_tiers",
        "has no primary key",
        "migration 0013_create_loyalty_tiers (" /* the creating file and line follow */,
        "0013_create_loyalty_tiers.up.sql:2)", "key: [column, ...]"}},
      // Issue 15 item 3: a seed writes rows of its declared tables, never the schema.
      {"seed: DROP TABLE in a seed",
       {{"seeds/loyalty_tiers.sql",
         "INSERT INTO loyalty_tiers (id, code, name, min_points, discount_pct) VALUES (9, 'x', "
         "'X', 0, 0);\nDROP TABLE customers;\n"}},
       {"validate"},
       2,
       {"/seeds/loyalty_tiers.sql:2:1: seed loyalty_tiers: DROP TABLE (DROP TABLE customers)",
        "move schema changes into a migration"}},
      {"seed: ALTER TABLE ... DROP COLUMN in a seed",
       {{"seeds/loyalty_tiers.sql", "-- tiers\n  ALTER TABLE customers DROP COLUMN email;\n"}},
       {"validate"},
       2,
       {"/seeds/loyalty_tiers.sql:2:3: seed loyalty_tiers: ALTER TABLE",
        "move schema changes into a migration"}},
      {"flag: --output xml",
       {},
       {"deploy", "--yes", "--output", "xml"},
       64,
       {"--output: xml not in {text,json}"}},
      {"flag: unknown environment",
       {},
       {"deploy", "--yes", "--env", "prod"},
       64,
       {"unknown environment 'prod'"}},
      {"flag: rollback without the reason the policy requires",
       {},
       {"rollback", "--yes"},
       64,
       {"--reason"}},
  };
}

class BadInputTest : public ShopCopyTest {
 protected:
  void SetUp() override {
    ShopCopyTest::SetUp();
    url_ = "sqlite:" + (dir_ / "state/shop.db");
    auto d = Run({"deploy", "--to", "1.1.0", "--yes", "-q"});
    ASSERT_EQ(d.exit_code, 0) << d.err;
  }

  // Puts back the pristine shop copy (files a case replaced or added).
  void RestoreShop() {
    std::filesystem::remove_all(dir_ / "shop");
    CopyTree(SourceDir() + "/samples/shop", dir_ / "shop");
  }

  std::string url_;
};

TEST_F(BadInputTest, EachFailsWithItsExitCodeAndPositionAndTouchesNothing) {
  const auto cases = Cases();
  ASSERT_GE(cases.size(), 30u);
  const DatabaseState before = ReadState(url_, dir_ / "state/shop.image");
  ASSERT_FALSE(before.schema.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    for (const auto& [file, text] : c.files) WriteFileOrDie(dir_ / ("shop/" + file), text);
    auto r = Run(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.err;
    EXPECT_EQ(r.signal, 0);
    for (const auto& e : c.expect)
      EXPECT_NE(r.err.find(e), std::string::npos) << e << "\n" << r.err;
    // The cause is said once, on stderr, and nothing claims success.
    EXPECT_EQ(r.out.find("deployed shop"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("rolled back shop"), std::string::npos) << r.out;
    if (!c.files.empty()) RestoreShop();
    ExpectSameState(before, ReadState(url_, dir_ / "state/shop.image"));
  }
  // The untouched deployment still works: the inputs left no lock and no unfinished run.
  auto st = Status();
  EXPECT_EQ(st["current_version"], "1.1.0");
  EXPECT_TRUE(st["unfinished_run"].is_null()) << st.dump();
  auto d = Run({"deploy", "--yes", "-q"});
  EXPECT_EQ(d.exit_code, 0) << d.err;
}

// The same table without a primary key passes validation once the seed declares key: columns,
// and a primary key added by a later ALTER TABLE counts as one.
TEST_F(BadInputTest, ATableWithoutPrimaryKeyIsValidWithKeyColumnsOrAPrimaryKeyAddedLater) {
  WriteFileOrDie(dir_ / "shop/sql/0013_create_loyalty_tiers.up.sql", kTiersWithoutKey);
  std::string release = ReadFileOrDie(dir_ / "shop/releases/1.3.0.yaml");
  const std::string seed = "tables: [loyalty_tiers]";
  ASSERT_NE(release.find(seed), std::string::npos);
  WriteFileOrDie(dir_ / "shop/releases/1.3.0.yaml",
                 release.substr(0, release.find(seed)) +
                     "tables: [{name: loyalty_tiers, key: [code]}]" +
                     release.substr(release.find(seed) + seed.size()));
  auto keyed = Run({"validate"});
  EXPECT_EQ(keyed.exit_code, 0) << keyed.err;

  RestoreShop();
  WriteFileOrDie(dir_ / "shop/sql/0013_create_loyalty_tiers.up.sql",
                 kTiersWithoutKey + "ALTER TABLE loyalty_tiers ADD PRIMARY KEY (code);\n");
  auto altered = Run({"validate"});
  EXPECT_EQ(altered.exit_code, 0) << altered.err;
}

// A syntax error in a PostgreSQL migration is found by the parser before the first step runs: the
// error names the migration and line:column, and the database (deployed at 1.1.0) is untouched.
using PgBadInputTest = ShopCopyTest;

TEST_F(PgBadInputTest, SyntaxErrorIsReportedBeforeAnythingRuns) {
  ORCH_REQUIRE_PG(url);
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--env", "pg", "--database", url});
    return Run(args);
  };
  auto d = run({"deploy", "--to", "1.1.0", "--yes", "-q"});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  const DatabaseState before = ReadState(url, dir_ / "state/shop-pg.image");
  // 0009 is valid and would run first; 0010 has the error on line 3, column 7.
  WriteFileOrDie(dir_ / "shop/sql/0010_orders_add_shipping_method.up.sql",
                 "-- broken on purpose\nALTER TABLE orders ADD COLUMN note TEXT;\n"
                 "ALTER TABEL orders ADD COLUMN x INTEGER;\n");
  auto r = run({"deploy", "--yes"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("migration 0010_orders_add_shipping_method"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 3:7"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("syntax error at or near \"TABEL\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
  ExpectSameState(before, ReadState(url, dir_ / "state/shop-pg.image"));
}

}  // namespace
}  // namespace orchestrate::testing
