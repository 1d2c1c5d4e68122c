// Broken inputs, end to end: the real binary against a deployed copy of samples/shop, given a
// broken plan, release manifest, SQL file, URL or flag. Each must fail with the documented exit
// code (2 bad input, 64 usage), say where the problem is (file:line:col, or the migration and its
// line:col), and leave the database exactly as it was: user schema and data, the journal, the
// running image.
#include <gtest/gtest.h>
#include <sys/stat.h>

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

// A string literal with the NUL bytes it holds.
template <size_t N>
std::string Bytes(const char (&text)[N]) {
  return std::string(text, N - 1);
}

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
       {"deploy", "--database", "oracle://h/shop", "--yes"},
       2,
       {"cannot open database 'oracle://...'"}},
      {"url: unreachable MySQL",
       {},
       {"deploy", "--database", "mysql://root:s3cret@127.0.0.1:1/shop", "--yes"},
       2,
       {"cannot connect to mysql://root:***@127.0.0.1:1/shop"}},
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
      // ---- connection strings that hold a password libpq would not read as one -------------
      {"url: an unencoded '@' in a URI password",
       {},
       {"status", "--database", "postgresql://alice:Sup3r@S3cretPW@db.example/shop"},
       2,
       {"not shown", "percent-encode '@' as %40"}},
      {"url: an unencoded '/' in a URI password",
       {},
       {"status", "--database", "postgresql://alice:Sup3r/S3cretPW@db.example/shop"},
       2,
       {"not shown"}},
      {"url: an unterminated quote in a key=value password",
       {},
       {"status", "--database", "host=db.example password='Sup3r S3cretPW"},
       2,
       {"not shown", "unterminated quoted string"}},
      // ---- hostile inputs (issue 15) ------------------------------------------------------------
      {"sql: a NUL byte in a down file cuts nothing silently",
       {{"sql/0010_orders_add_shipping_method.down.sql",
         Bytes("DROP INDEX IF EXISTS x;\0DROP TABLE orders;\n")}},
       deploy,
       2,
       {"shop/releases/../sql/0010_orders_add_shipping_method.down.sql:1:24: a NUL byte"}},
      {"sql: a migration only SQLite parses fails validate in the pg environment's dialect",
       {{"sql/0010_orders_add_shipping_method.up.sql",
         "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);\n"}},
       {"validate"},
       2,
       {"0010_orders_add_shipping_method.up.sql:1:", "(postgresql)"}},
      {"release: a NUL byte in a manifest",
       {{"releases/1.2.0.yaml", Bytes("version: 1.2.0\0\nimage: x\n")}},
       {"validate"},
       2,
       {"shop/releases/1.2.0.yaml:1:15: a NUL byte"}},
      {"release: an image that is not UTF-8",
       {{"releases/1.2.0.yaml", "version: 1.2.0\nimage: registry.example.com/shop:1.2.\xff\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:2:", "not valid UTF-8"}},
      {"flag: a --reason that is not UTF-8",
       {},
       {"rollback", "--to", "1.0.0", "--reason", "caf\xe9", "--yes"},
       64,
       {"--reason is not valid UTF-8"}},
      {"flag: an --actor that is not UTF-8",
       {},
       {"deploy", "--yes", "--actor", "\xc0\xaf"},
       64,
       {"--actor is not valid UTF-8"}},
      {"sql: up is /dev/zero",
       {{"plan.yaml", Plan(kEnvLocal + "policy: {allow_outside_paths: [/dev]}\n")},
        {"releases/1.2.0.yaml",
         kRelease120Head + "migrations:\n  - {id: 0009_x, up: /dev/zero, down: irreversible}\n"}},
       {"validate"},
       2,
       {"shop/releases/1.2.0.yaml:4:", "cannot read /dev/zero: is a device"}},
      {"release: equal precedence through build metadata",
       {{"releases/1.2.0.yaml", "version: 1.1.0+build.2\nimage: x\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:1:10: version 1.1.0+build.2 has the same precedence as version "
        "1.1.0 at ",
        "shop/releases/1.1.0.yaml:1:10"}},
      {"release: equal precedence through a leading v",
       {{"releases/1.2.0.yaml", "version: v1.1.0\nimage: x\n"}},
       rollback,
       2,
       {"same precedence", "shop/releases/1.1.0.yaml:1:10", "shop/releases/1.2.0.yaml:1:10"}},
      {"release: an image tag that smuggles a helm assignment",
       {{"releases/1.2.0.yaml",
         "version: 1.2.0\nimage: \"registry.example.com/shop:1.1,securityContext.privileged="
         "true\"\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:2:8:", "is not an image reference: the tag"}},
      {"sql: a path out of the plan folder",
       {{"releases/1.2.0.yaml",
         kRelease120Head +
             "migrations:\n  - {id: 0009_x, up: ../../../../../../../../etc/passwd, down: "
             "irreversible}\n"}},
       {"sql", "--to", "1.2.0"},
       2,
       {"shop/releases/1.2.0.yaml:4:", "resolves to /etc/passwd, outside the plan's folder",
        "policy.allow_outside_paths"}},
      {"sql: an absolute path out of the plan folder",
       {{"releases/1.2.0.yaml",
         kRelease120Head + "migrations:\n  - {id: 0009_x, up: /etc/passwd, down: irreversible}\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:4:", "outside the plan's folder"}},
      {"flag: --to holding an escape sequence is shown escaped",
       {},
       {"deploy", "--to", "\x1b[2J9.9.9\r", "--yes"},
       2,
       {"version \\x1b[2J9.9.9\\r is not a release"}},
      {"release: a second YAML document",
       {{"releases/1.2.0.yaml", kRelease120Head + "---\nversion: 9.0.0\nimage: x\n"}},
       deploy,
       2,
       {"shop/releases/1.2.0.yaml:4:1: a second YAML document"}},
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
    // No input reaches the terminal as an escape sequence.
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
    // What a file outside the plan holds is never echoed.
    EXPECT_EQ(r.err.find("root:x:0:0"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("root:x:0:0"), std::string::npos) << r.out;
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

// Inputs a file-content list cannot express: a FIFO as a release manifest (which hung `validate`)
// and a SQL file that is a symlink to a file outside the plan (which was read and echoed).
TEST_F(BadInputTest, AFifoOrASymlinkOutOfThePlanIsRefusedAndNothingIsEchoed) {
  const DatabaseState before = ReadState(url_, dir_ / "state/shop.image");
  ASSERT_EQ(mkfifo((dir_ / "shop/releases/1.4.0.yaml").c_str(), 0600), 0);
  for (const char* cmd : {"validate", "plan"}) {
    auto r = Run({cmd});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("shop/releases/1.4.0.yaml: cannot read release manifest: is a FIFO"),
              std::string::npos)
        << r.err;
  }
  RestoreShop();

  WriteFileOrDie(dir_ / "outside.sql", "SELECT 'TOP-SECRET';\n");
  const std::string link = dir_ / "shop/sql/0009_customers_add_country_code.up.sql";
  std::filesystem::remove(link);
  std::filesystem::create_symlink(dir_ / "outside.sql", link);
  for (const char* cmd : {"validate", "sql"}) {
    auto r = Run({cmd});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("0009_customers_add_country_code.up.sql resolves to " +
                         std::filesystem::canonical(dir_ / "outside.sql").string() +
                         ", outside the plan's folder"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("TOP-SECRET"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("TOP-SECRET"), std::string::npos) << r.out;
  }
  RestoreShop();
  ExpectSameState(before, ReadState(url_, dir_ / "state/shop.image"));
}

// SQL files are carried as the bytes they hold: a Latin-1 comment in a migration deploys and rolls
// back, and every JSON output replaces the bad byte instead of aborting with nlohmann's
// type_error.316 (exit 134 before; issue 15, item 8).
TEST_F(BadInputTest, SqlThatIsNotUtf8DeploysAndEveryJsonOutputCarriesIt) {
  const std::string up = dir_ / "shop/sql/0010_orders_add_shipping_method.up.sql";
  WriteFileOrDie(up,
                 "-- Exp\xe9"
                 "dition (Latin-1)\n" +
                     ReadFileOrDie(up));
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"plan", "--output", "json"},
           {"deploy", "--yes", "--output", "json"},
           {"history", "--output", "json"},
           {"status", "--output", "json"},
           {"rollback", "--to", "1.1.0", "--reason", "x", "--yes", "--output", "json"}}) {
    SCOPED_TRACE(args[0]);
    auto r = Run(args);
    EXPECT_EQ(r.signal, 0) << r.err;
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(nlohmann::json::parse(r.out, nullptr, false).is_discarded()) << r.out;
  }
  EXPECT_EQ(Status()["current_version"], "1.1.0");
}

// Placeholders are filled in once: a ${VAR} value holding "{image}" reaches the deploy command as
// written, not as the image (issue 15, item 15).
TEST_F(BadInputTest, APlaceholderInsideAVariableValueIsNotFilledIn) {
  const std::string args = dir_ / "args";
  WriteFileOrDie(dir_ / "shop/plan.yaml",
                 "app: shop\nreleases: releases/\nenvironments:\n  local:\n"
                 "    database: sqlite:${STATE_DIR}/shop.db\n"
                 "    deployer: {kind: command, set: [sh, -c, 'printf \"%s|\" \"$@\" > " +
                     args + "', set, \"{image}\", \"${EXTRA}\", \"{env}\"]}\n");
  ProcessOptions opts;
  opts.env["STATE_DIR"] = dir_ / "state";
  opts.env["EXTRA"] = "--note={image}{env}";
  auto r = RunProcess({OrchestrateBin(), "deploy", plan_, "--yes", "-q"}, opts);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFileOrDie(args), "registry.example.com/shop:1.3.0|--note={image}{env}|local|");
}

// An exception nothing expected (std::bad_alloc from a huge input, a library's throw) ends the
// run with exit 2 and "orchestrate: error: ...", never abort(): the stack unwinds, so the run lock
// is released and the same command resumes the run (issue 15, item 9). Thrown by the failpoints
// build at a step.
TEST_F(BadInputTest, AnEscapedExceptionIsExit2WithAMessageAndReleasesTheLock) {
  for (const std::string fp : {"before-step:2:bad_alloc", "after-step:3:throw"}) {
    SCOPED_TRACE(fp);
    ProcessOptions opts;
    opts.env["STATE_DIR"] = dir_ / "state";
    opts.env["ORCHESTRATE_FAILPOINT"] = fp;
    auto r = RunProcess({FailpointsBin(), "deploy", plan_, "--yes", "-q"}, opts);
    EXPECT_EQ(r.signal, 0) << r.err;
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(fp.find("bad_alloc") != std::string::npos
                             ? "orchestrate: error: out of memory (std::bad_alloc)"
                             : "orchestrate: error: unexpected internal error: failpoint"),
              std::string::npos)
        << r.err;
    auto st = Status();
    EXPECT_TRUE(st["lock"].is_null()) << st.dump();
  }
  auto d = Run({"deploy", "--yes", "-q"});
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(Status()["current_version"], "1.3.0");
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

// ---- secrets (issue 15, items 5-7) --------------------------------------------------------------

// Passwords holding every character that is special in a URL or in key=value pairs.
std::vector<std::string> SecretPasswords() {
  std::vector<std::string> out;
  for (const char c : std::string("?#@/:%&=' \\"))
    out.push_back(std::string("Sup3r") + c + "S3cretPW");
  out.push_back("Sup3r?#@/:%&=' \\S3cretPW");
  return out;
}

// `text` percent-encoded where libpq needs it in a URI's user info: '@', '/' and '%'.
std::string EncodedUserInfo(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '@')
      out += "%40";
    else if (c == '/')
      out += "%2F";
    else if (c == '%')
      out += "%25";
    else
      out += c;
  }
  return out;
}

// `text` as a quoted key=value value, and with backslash escapes and no quotes.
std::string QuotedValue(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}
std::string EscapedValue(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == ' ' || c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// No piece of a password (each is Sup3r<special>S3cretPW) in `text`.
void ExpectNoPassword(const std::string& text, const std::string& where) {
  EXPECT_EQ(text.find("Sup3r"), std::string::npos) << where << ":\n" << text;
  EXPECT_EQ(text.find("S3cretPW"), std::string::npos) << where << ":\n" << text;
}

// A password in the URL is never printed, whichever URL-special characters it holds and in
// whichever form libpq accepts it: not by `status`, not in errors, not in --output json. (The
// server is not there: a socket folder that does not exist, so each command fails at once.)
TEST_F(BadInputTest, UrlPasswordsAreNeverPrinted) {
  for (const std::string& password : SecretPasswords()) {
    for (const std::string& url : {"postgresql://alice:" + EncodedUserInfo(password) +
                                       "@%2Fnonexistent-orchestrate-socket/shop",
                                   "host=/nonexistent-orchestrate-socket user=alice password=" +
                                       QuotedValue(password) + " dbname=shop",
                                   "password=" + EscapedValue(password) +
                                       " host=/nonexistent-orchestrate-socket dbname=shop"}) {
      SCOPED_TRACE(url);
      for (const std::vector<std::string>& args :
           {std::vector<std::string>{"status", "--database", url},
            {"status", "--output", "json", "--database", url},
            {"deploy", "--yes", "--database", url},
            {"rollback", "--to", "1.0.0", "--reason", "r", "--yes", "--output", "json",
             "--log-format", "json", "--database=" + url}}) {
        auto r = Run(args);
        EXPECT_EQ(r.exit_code, 2) << r.err;
        ExpectNoPassword(r.out, "stdout of " + args[0]);
        ExpectNoPassword(r.err, "stderr of " + args[0]);
        EXPECT_NE(r.err.find("cannot connect to"), std::string::npos) << r.err;
      }
    }
  }
}

// The database password (password_env, PGPASSWORD) reaches no deployer or verify program, and
// what such a program prints of it is masked in the error, in orchestrate_runs.error and in
// `history`. `kind`: the program is the deployer's `set` ("deployer") or a verify check
// ("verify"). `database`: the environment's URL (password_env gives its password), with nothing
// deployed; `state`: a folder of the test's own.
void ExpectProgramsGetNoPasswordAndWhatTheyPrintIsMasked(const std::string& kind,
                                                         const std::string& plan_file,
                                                         const std::string& database,
                                                         const std::string& state) {
  const std::string password = "Sup3r?#@/:%&=' \\S3cretPW";
  // The program writes its environment to a file, prints the password (as a program that found
  // it elsewhere would: here it is its argument) on both streams and fails.
  const std::string leak =
      "env > \"$0\"; echo \"to stdout: $1\"; echo \"to stderr: $1\" >&2; exit 1";
  {
    SCOPED_TRACE(kind);
    const std::string env_file = state + "/" + kind + ".env";
    std::filesystem::create_directories(state);
    const std::string program = "[sh, -c, '" + leak + "', '" + env_file + "', '${LEAK}']";
    WriteFileOrDie(
        plan_file,
        Plan("environments:\n  local:\n    database: \"${DATABASE}\"\n"
             "    password_env: ORCH_TEST_DB_PASSWORD\n" +
             (kind == "deployer" ? "    deployer: {kind: command, set: " + program + "}\n"
                                 : "    deployer: {kind: file, path: \"${STATE_DIR}/" + kind +
                                       ".image\"}\n"
                                       "    verify: [{command: " +
                                       program + "}]\n")));
    ProcessOptions opts;
    opts.env["STATE_DIR"] = state;
    opts.env["DATABASE"] = database;
    opts.env["ORCH_TEST_DB_PASSWORD"] = password;
    opts.env["PGPASSWORD"] = "Sup3rPg S3cretPW";
    opts.env["LEAK"] = password;
    auto run = [&](std::vector<std::string> args) {
      args.insert(args.begin() + 1, plan_file);
      args.insert(args.begin(), OrchestrateBin());
      return RunProcess(args, opts);
    };
    for (const std::string format : {"text", "json"}) {
      auto r = run({"deploy", "--yes", "--output", format, "--log-format", format});
      EXPECT_EQ(r.exit_code, 2) << r.err;
      ExpectNoPassword(r.out, "stdout");
      ExpectNoPassword(r.err, "stderr");
      EXPECT_NE(r.err.find("to stderr: ***"), std::string::npos) << r.err;
    }

    const std::string child_env = ReadFileOrDie(env_file);
    EXPECT_EQ(child_env.find("PGPASSWORD"), std::string::npos) << child_env;
    EXPECT_EQ(child_env.find("ORCH_TEST_DB_PASSWORD"), std::string::npos) << child_env;
    EXPECT_NE(child_env.find("STATE_DIR="), std::string::npos) << child_env;  // the rest is there

    for (const std::string format : {"text", "json"}) {
      auto history = run({"history", "--output", format});
      EXPECT_EQ(history.exit_code, 0) << history.err;
      ExpectNoPassword(history.out, "history --output " + format);
      if (format == "json") {  // (text shows the first 300 characters of the error)
        EXPECT_NE(history.out.find("to stderr: ***"), std::string::npos) << history.out;
      }
    }

    auto db = OpenDatabase(database, "");
    ASSERT_TRUE(db.ok()) << db.status().message();
    auto txn = (*db)->BeginRead();
    ASSERT_TRUE(txn.ok());
    auto rows = (*txn)->Query(
        "SELECT COALESCE(r.error, '') || ' ' || COALESCE(s.error, '') || ' ' || r.command FROM "
        "orchestrate_runs r JOIN orchestrate_steps s ON s.run_id = r.id WHERE s.error IS NOT NULL");
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    ASSERT_FALSE(rows->rows.empty());
    for (const Row& row : rows->rows) ExpectNoPassword(row.at(0).value_or(""), "journal");
  }
}

TEST_F(BadInputTest, ProgramsGetNoDatabasePasswordAndWhatTheyPrintOfItIsMasked) {
  for (const std::string kind : {"deployer", "verify"}) {
    const std::string state = dir_ / ("state-" + kind);
    ExpectProgramsGetNoPasswordAndWhatTheyPrintIsMasked(kind, plan_, "sqlite:" + state + "/shop.db",
                                                        state);
  }
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

// The same on PostgreSQL, where the password of password_env goes to libpq as a connection
// parameter (the test server trusts local connections: it connects whatever the password).
TEST_F(PgBadInputTest, ProgramsGetNoDatabasePasswordAndWhatTheyPrintOfItIsMasked) {
  for (const std::string kind : {"deployer", "verify"}) {
    ORCH_REQUIRE_PG(url);
    ExpectProgramsGetNoPasswordAndWhatTheyPrintIsMasked(kind, plan_, url, dir_ / "state");
  }
}

// A password with URL-special characters in the URL of a real server (which trusts local
// connections, so any password connects): `status` (text and JSON), an error, `history` and the
// command line stored in orchestrate_runs show ***, in URI and key=value forms.
TEST_F(PgBadInputTest, UrlPasswordsAreNeitherPrintedNorStored) {
  const std::string password = SecretPasswords().back();
  for (const std::string form : {"uri", "key=value"}) {
    SCOPED_TRACE(form);
    ORCH_REQUIRE_PG(plain);  // postgresql://postgres@127.0.0.1:PORT/NAME
    const size_t user_end = plain.find('@');
    const size_t port_begin = plain.find(':', user_end);
    const size_t name_begin = plain.find('/', port_begin);
    ASSERT_NE(name_begin, std::string::npos) << plain;
    const std::string url =
        form == "uri"
            ? plain.substr(0, user_end) + ":" + EncodedUserInfo(password) + plain.substr(user_end)
            : "host=" + plain.substr(user_end + 1, port_begin - user_end - 1) +
                  " port=" + plain.substr(port_begin + 1, name_begin - port_begin - 1) +
                  " user=postgres password=" + QuotedValue(password) +
                  " dbname=" + plain.substr(name_begin + 1);
    auto run = [&](std::vector<std::string> args) {
      args.insert(args.end(), {"--env", "pg", "--database", url});
      return Run(args);
    };
    auto d = run({"deploy", "--to", "1.0.0", "--yes"});
    ASSERT_EQ(d.exit_code, 0) << d.err;
    ExpectNoPassword(d.out + d.err, "deploy");
    auto text = run({"status"});
    EXPECT_EQ(text.exit_code, 0) << text.err;
    ExpectNoPassword(text.out + text.err, "status");
    EXPECT_NE(text.out.find("***"), std::string::npos) << text.out;
    auto json = run({"status", "--output", "json"});
    EXPECT_EQ(json.exit_code, 0) << json.err;
    ExpectNoPassword(json.out + json.err, "status --output json");
    auto error = run({"rollback", "--to", "9.9.9", "--reason", "r", "--yes", "--output", "json"});
    EXPECT_EQ(error.exit_code, 2) << error.err;
    ExpectNoPassword(error.out + error.err, "an error");
    auto history = run({"history", "--output", "json"});
    EXPECT_EQ(history.exit_code, 0) << history.err;
    ExpectNoPassword(history.out, "history --output json");

    auto db = OpenDatabase(plain, "");
    ASSERT_TRUE(db.ok()) << db.status().message();
    auto txn = (*db)->BeginRead();
    ASSERT_TRUE(txn.ok());
    auto rows = (*txn)->Query("SELECT command FROM orchestrate_runs");
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    ASSERT_EQ(rows->rows.size(), 1u);
    const std::string command = rows->rows[0].at(0).value_or("");
    ExpectNoPassword(command, "orchestrate_runs.command");
    EXPECT_NE(command.find("***"), std::string::npos) << command;
  }
}

}  // namespace
}  // namespace orchestrate::testing
