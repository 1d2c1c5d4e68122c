// `down: auto` (issue 18) on a real PostgreSQL through the real binary: for each DDL form, release
// 1.0.0 sets a schema up (with rows), release 1.1.0's one migration says `down: auto`; deploy to
// 1.1.0, roll back to 1.0.0, and the schema and every table's rows must equal those of a fresh
// deploy of 1.0.0 on another database (and the rollback must find the recorded state of 1.0.0:
// exit 0, not 5). Plus the refusals: a statement the generator does not handle, and SQLite.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "migrations/database.h"
#include "migrations/fingerprint.h"
#include "tests/support/json_schema.h"
#include "tests/support/mysql.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

const char kPlan[] =
    "app: auto\n"
    "releases: releases/\n"
    "environments:\n"
    "  local:\n"
    "    database: sqlite:${STATE_DIR}/auto.db\n"
    "    deployer: {kind: file, path: \"${STATE_DIR}/auto.image\"}\n"
    "policy: {lock_timeout: 10s}\n";

// The schema every case starts from (release 1.0.0), with rows.
const char kBase[] =
    "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, price numeric(10,2) DEFAULT 0 "
    "CHECK (price >= 0), code varchar(10));\n"
    "CREATE INDEX items_by_name ON items (name);\n"
    "INSERT INTO items VALUES (1, 'apple', 1.50, 'A1'), (2, 'pear', 2.25, 'P2'), (3, 'fig', NULL, "
    "NULL);\n"
    "CREATE TABLE tags (id integer, label text);\n"
    "INSERT INTO tags VALUES (1, 'red'), (2, 'green');\n"
    "CREATE VIEW cheap_items AS SELECT id, name FROM items WHERE price < 2;\n"
    "CREATE OR REPLACE FUNCTION item_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) "
    "FROM items $$;\n"
    "COMMENT ON TABLE items IS 'what we sell';\n";

struct Case {
  const char* name;
  const char* up;               // release 1.1.0's migration, `down: auto`
  const char* extra_base = "";  // appended to kBase
};

const Case kCases[] = {
    {"CreateTableWithData",
     "CREATE TABLE orders (id serial PRIMARY KEY, placed_at timestamptz NOT NULL DEFAULT now());\n"
     "INSERT INTO orders (placed_at) VALUES ('2024-01-01'), ('2024-01-02');\n"},
    {"CreateTableIfNotExistsOfANewTable", "CREATE TABLE IF NOT EXISTS notes (body text);\n"},
    {"CreateTableIfNotExistsOfAnExistingTable",
     "CREATE TABLE IF NOT EXISTS tags (id integer, label text);\n"},
    {"CreateForeignKeyTable",
     "CREATE TABLE order_lines (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, item_id "
     "integer NOT NULL REFERENCES items (id) ON DELETE CASCADE, qty integer CHECK (qty > 0));\n"
     "INSERT INTO order_lines (item_id, qty) VALUES (1, 2);\n"},
    {"CreateTableAs", "CREATE TABLE item_names AS SELECT id, name FROM items;\n"},
    {"CreateMaterializedView",
     "CREATE MATERIALIZED VIEW item_totals AS SELECT count(*) FROM items;\n"},
    {"CreateTablePartitioned",
     "CREATE TABLE events (at date NOT NULL, what text) PARTITION BY RANGE (at);\n"
     "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO "
     "('2025-01-01');\n"},
    {"AddColumn", "ALTER TABLE items ADD COLUMN note text;\n"},
    {"AddColumnNotNullWithDefault",
     "ALTER TABLE items ADD COLUMN stock integer NOT NULL DEFAULT 0;\n"},
    {"AddColumnIfNotExistsOfAnExistingColumn",
     "ALTER TABLE items ADD COLUMN IF NOT EXISTS code varchar(10);\n"},
    {"AddSerialColumn", "ALTER TABLE tags ADD COLUMN seq serial;\n"},
    {"AddColumnWithUniqueAndCheck",
     "ALTER TABLE items ADD COLUMN sku text UNIQUE CHECK (length(sku) > 2);\n"},
    {"AddColumnReferences", "ALTER TABLE tags ADD COLUMN item_id integer REFERENCES items (id);\n"},
    {"AddTwoColumnsInOneStatement",
     "ALTER TABLE items ADD COLUMN a integer, ADD COLUMN b text DEFAULT 'b';\n"},
    {"CreateIndex", "CREATE INDEX items_by_code ON items (code);\n"},
    {"CreateIndexWithoutAName", "CREATE INDEX ON items (price);\n"},
    {"CreateUniqueIndex", "CREATE UNIQUE INDEX items_code_key2 ON items (code);\n"},
    {"CreatePartialExpressionIndex",
     "CREATE INDEX items_lower_name ON items (lower(name)) WHERE price IS NOT NULL;\n"},
    {"CreateIndexIfNotExistsOfAnExistingIndex",
     "CREATE INDEX IF NOT EXISTS items_by_name ON items (name);\n"},
    {"CreateExtensionIfNotExistsAlreadyInstalled", "CREATE EXTENSION IF NOT EXISTS citext;\n",
     "CREATE EXTENSION IF NOT EXISTS citext;\n"},
    {"CreateExtension", "CREATE EXTENSION hstore;\n"},
    {"DropLastColumnWithData", "ALTER TABLE items DROP COLUMN code;\n"},
    {"DropColumnWithDefaultCheckAndIndex",
     "DROP VIEW cheap_items;\nALTER TABLE items DROP COLUMN code, DROP COLUMN price;\n",
     "CREATE INDEX items_by_price ON items (price);\n"},
    {"DropColumnOfATableWithoutKey", "ALTER TABLE tags DROP COLUMN label;\n"},
    // Column order: the columns after a re-created one are moved behind it (Reorder).
    {"DropColumnFromTheMiddleOfItsTable", "ALTER TABLE tags DROP COLUMN id;\n"},
    {"DropMiddleColumnWithIndexDefaultAndCheckOnLaterColumns",
     "DROP VIEW cheap_items;\nALTER TABLE items DROP COLUMN name;\n"},
    {"DropFirstColumnBeforeTheKeyAndAUniqueColumn", "ALTER TABLE notes DROP COLUMN body;\n",
     "CREATE TABLE notes (body text DEFAULT 'x', id integer PRIMARY KEY, tag text UNIQUE NOT NULL, "
     "parent integer REFERENCES notes (id));\n"
     "COMMENT ON COLUMN notes.tag IS 'one per note';\n"
     "INSERT INTO notes VALUES ('first', 1, 'a', NULL), ('second', 2, 'b', 1);\n"},
    {"DropColumnIfExistsOfNoColumn", "ALTER TABLE items DROP COLUMN IF EXISTS nothing;\n"},
    {"ChangeColumnTypeWidening", "ALTER TABLE items ALTER COLUMN code TYPE text;\n"},
    {"ChangeColumnTypeNarrowing", "ALTER TABLE items ALTER COLUMN code TYPE varchar(2);\n"},
    {"ChangeColumnTypeWithUsing",
     "ALTER TABLE items ALTER COLUMN code TYPE integer USING length(code);\n"},
    {"ChangeColumnTypeIntToBigint", "ALTER TABLE tags ALTER COLUMN id TYPE bigint;\n"},
    {"SetDefault", "ALTER TABLE items ALTER COLUMN code SET DEFAULT 'X';\n"},
    {"DropDefault", "ALTER TABLE items ALTER COLUMN price DROP DEFAULT;\n"},
    {"SetNotNull", "ALTER TABLE tags ALTER COLUMN label SET NOT NULL;\n"},
    {"DropNotNull", "ALTER TABLE items ALTER COLUMN name DROP NOT NULL;\n"},
    {"AddNamedCheckConstraint",
     "ALTER TABLE items ADD CONSTRAINT name_not_empty CHECK (name <> '');\n"},
    {"AddUnnamedUniqueConstraint", "ALTER TABLE items ADD UNIQUE (name);\n"},
    {"AddPrimaryKeyOnATableWithout", "ALTER TABLE tags ADD PRIMARY KEY (id);\n"},
    {"AddForeignKeyNotValidThenValidate",
     "ALTER TABLE tags ADD CONSTRAINT tags_item FOREIGN KEY (id) REFERENCES items (id) NOT "
     "VALID;\nALTER TABLE tags VALIDATE CONSTRAINT tags_item;\n"},
    {"DropCheckConstraint", "ALTER TABLE items DROP CONSTRAINT items_price_check;\n"},
    {"DropForeignKeyConstraint", "ALTER TABLE tags DROP CONSTRAINT tags_fk;\n",
     "ALTER TABLE tags ADD CONSTRAINT tags_fk FOREIGN KEY (id) REFERENCES items (id);\n"},
    {"DropIndex", "DROP INDEX items_by_name;\n"},
    {"DropIndexIfExistsOfNoIndex", "DROP INDEX IF EXISTS no_such_index;\n"},
    {"CreateView",
     "CREATE VIEW pricey_items AS SELECT id, name, price FROM items WHERE price > 2;\n"},
    {"CreateOrReplaceAnExistingView",
     "CREATE OR REPLACE VIEW cheap_items AS SELECT id, name FROM items WHERE price < 1;\n"},
    {"DropView", "DROP VIEW cheap_items;\n"},
    {"RenameTable", "ALTER TABLE tags RENAME TO labels;\n"},
    {"RenameColumn", "ALTER TABLE items RENAME COLUMN code TO sku;\n"},
    {"RenameIndex", "ALTER INDEX items_by_name RENAME TO items_name_idx;\n"},
    {"RenameConstraint", "ALTER TABLE items RENAME CONSTRAINT items_price_check TO price_ok;\n"},
    {"RenameView", "ALTER VIEW cheap_items RENAME TO bargains;\n"},
    {"CreateSequence", "CREATE SEQUENCE invoice_numbers START 1000;\n"},
    {"CreateEnumTypeAndUseIt",
     "CREATE TYPE mood AS ENUM ('ok', 'sad');\nCREATE TABLE moods (m mood);\n"},
    {"CreateCompositeType", "CREATE TYPE money_pair AS (low numeric, high numeric);\n"},
    {"CreateSchema", "CREATE SCHEMA reporting;\nCREATE TABLE reporting.daily (d date);\n"},
    {"CreateFunction",
     "CREATE FUNCTION double_it(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x * 2 $$;\n"},
    {"CreateOrReplaceAnExistingFunction",
     "CREATE OR REPLACE FUNCTION item_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) + "
     "0 FROM items $$;\n"},
    {"CreateTrigger",
     "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"
     "CREATE TRIGGER items_touch BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch();\n"},
    {"CommentOnTable", "COMMENT ON TABLE items IS 'what we sell, now with more';\n"},
    {"CommentOnColumn", "COMMENT ON COLUMN items.name IS 'shown on the shelf';\n"},
    {"SeveralFormsInOneMigration",
     "CREATE TABLE suppliers (id integer PRIMARY KEY, name text);\n"
     "INSERT INTO suppliers VALUES (1, 'acme');\n"
     "ALTER TABLE items ADD COLUMN supplier_id integer REFERENCES suppliers (id);\n"
     "UPDATE suppliers SET name = 'ACME';\n"
     "CREATE INDEX items_by_supplier ON items (supplier_id);\n"
     "ALTER TABLE items DROP COLUMN code;\n"
     "CREATE VIEW supplied AS SELECT i.name, s.name AS supplier FROM items i JOIN suppliers s ON "
     "s.id = i.supplier_id;\n"},
};

std::string Lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

class AutoDown : public ::testing::TestWithParam<Case> {
 protected:
  void WriteApp(const std::string& base, const std::string& up) {
    WriteFileOrDie(dir_ / "app/plan.yaml", kPlan);
    WriteFileOrDie(dir_ / "app/releases/1.0.0.yaml",
                   "version: 1.0.0\nimage: auto:1.0.0\nmigrations:\n"
                   "  - {id: 0001_base, up: ../sql/0001_base.up.sql, down: irreversible}\n");
    WriteFileOrDie(dir_ / "app/releases/1.1.0.yaml",
                   "version: 1.1.0\nimage: auto:1.1.0\nmigrations:\n"
                   "  - {id: 0002_change, up: ../sql/0002_change.up.sql, down: auto}\n");
    WriteFileOrDie(dir_ / "app/sql/0001_base.up.sql", base);
    WriteFileOrDie(dir_ / "app/sql/0002_change.up.sql", up);
  }

  ProcessResult Cli(std::vector<std::string> args, const std::string& url) {
    args.insert(args.begin() + 1, dir_ / "app/plan.yaml");
    args.insert(args.begin(), OrchestrateBin());
    args.push_back("--database");
    args.push_back(url);
    ProcessOptions opts;
    opts.env["STATE_DIR"] = dir_ / "state";
    return RunProcess(args, opts);
  }

  Fingerprint Print(const std::string& url) {
    auto db = OpenDatabase(url, dir_.path());
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return {};
    auto fp = TakeFingerprint(**db);
    EXPECT_TRUE(fp.ok()) << fp.status().message();
    return fp.ok() ? *fp : Fingerprint();
  }

  // The schema and every table's rows of `url` are those of `fresh_url` (`context` is added to
  // the failure messages).
  void ExpectSameAs(const std::string& url, const std::string& fresh_url,
                    const std::string& context = "") {
    Fingerprint want = Print(fresh_url), got = Print(url);
    EXPECT_EQ(got.schema, want.schema) << "after the rollback:\n"
                                       << Lines(got.schema) << "a fresh deploy:\n"
                                       << Lines(want.schema) << context;
    ASSERT_EQ(got.tables.size(), want.tables.size()) << context;
    for (size_t i = 0; i < got.tables.size(); ++i) {
      EXPECT_EQ(got.tables[i].table, want.tables[i].table);
      EXPECT_EQ(got.tables[i].rows, want.tables[i].rows) << got.tables[i].table;
      EXPECT_EQ(got.tables[i].sha256, want.tables[i].sha256) << got.tables[i].table << "\n"
                                                             << context;
    }
  }

  TempDir dir_;
};

TEST_P(AutoDown, RollsBackToTheSchemaAndRowsOfAFreshDeploy) {
  ORCH_REQUIRE_PG(url);
  std::string fresh_url = FreshPgDatabase();
  ASSERT_FALSE(fresh_url.empty());
  WriteApp(std::string(kBase) + GetParam().extra_base, GetParam().up);

  auto fresh = Cli({"deploy", "--to", "1.0.0", "--yes"}, fresh_url);
  ASSERT_EQ(fresh.exit_code, 0) << fresh.out << fresh.err;
  auto deploy = Cli({"deploy", "--yes"}, url);
  ASSERT_EQ(deploy.exit_code, 0) << deploy.out << deploy.err;
  auto sql = Cli({"sql", "--to", "1.0.0", "-o", dir_ / "rb.sql"}, url);
  ASSERT_EQ(sql.exit_code, 0) << sql.out << sql.err;
  const std::string full = ReadFileOrDie(dir_ / "rb.sql");
  // The generated down as the script shows it (the rest is bookkeeping), for failure messages.
  const size_t from = full.find("-- generated by orchestrate");
  const std::string script = from == std::string::npos ? full : full.substr(from, 3000);
  EXPECT_NE(from, std::string::npos) << full;

  auto rollback = Cli({"rollback", "--to", "1.0.0", "--reason", "auto test", "--yes"}, url);
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err << "\n" << script;

  ExpectSameAs(url, fresh_url, script);

  // It deploys again after the rollback (the copies of its values do not collide).
  auto again = Cli({"deploy", "--yes"}, url);
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;

  // `rehearse --each` proves the generated down on a scratch database: up (generating it), down,
  // compare with the state before the up, up again.
  auto each = Cli({"rehearse", "--from", "1.0.0", "--to", "1.1.0", "--each"}, url);
  EXPECT_EQ(each.exit_code, 0) << each.out << each.err;
  EXPECT_NE(each.out.find("1 clean"), std::string::npos) << each.out;
}

INSTANTIATE_TEST_SUITE_P(Forms, AutoDown, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.name; });

}  // namespace
}  // namespace orchestrate::testing

namespace orchestrate::testing {
namespace {

class AutoDownRefusal : public AutoDown {};

TEST_F(AutoDownRefusal, AnUnhandledStatementIsRefusedAtDeployWithItsPositionAndNothingChanges) {
  ORCH_REQUIRE_PG(url);
  WriteApp(kBase, "ALTER TABLE items ADD COLUMN note text;\n  DROP TABLE tags;\n");
  auto validate = Cli({"validate"}, url);
  EXPECT_NE(validate.exit_code, 0) << validate.out;
  EXPECT_NE((validate.out + validate.err).find("0002_change.up.sql:2:3: DropStmt"),
            std::string::npos)
      << validate.out << validate.err;

  auto first = Cli({"deploy", "--to", "1.0.0", "--yes"}, url);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto deploy = Cli({"deploy", "--yes"}, url);
  EXPECT_EQ(deploy.exit_code, 2) << deploy.out << deploy.err;
  EXPECT_NE(deploy.err.find("0002_change.up.sql:2:3: DropStmt: down: auto does not handle"),
            std::string::npos)
      << deploy.err;
  EXPECT_NE(deploy.err.find("nothing was changed"), std::string::npos) << deploy.err;
  // Nothing changed: no column note, and 1.0.0 is still the current release.
  auto db = OpenDatabase(url, dir_.path());
  ASSERT_TRUE(db.ok());
  auto schema = (*db)->DescribeSchema();
  ASSERT_TRUE(schema.ok());
  for (const auto& line : *schema) EXPECT_EQ(line.find("items.note"), std::string::npos) << line;
  auto status = Cli({"status"}, url);
  EXPECT_NE(status.out.find("release:      1.0.0\n"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("pending:      1.1.0"), std::string::npos) << status.out;
}

TEST_F(AutoDownRefusal, RowsWrittenIntoATableTheMigrationDidNotCreateAreRefused) {
  ORCH_REQUIRE_PG(url);
  WriteApp(kBase, "UPDATE items SET price = 0;\n");
  auto deploy = Cli({"deploy", "--yes"}, url);
  EXPECT_EQ(deploy.exit_code, 2) << deploy.out << deploy.err;
  EXPECT_NE(deploy.err.find("0002_change.up.sql:1:1: UpdateStmt: down: auto does not handle this "
                            "statement (writes rows of items, a table this migration did not "
                            "create)"),
            std::string::npos)
      << deploy.err;
}

// A column dropped from the middle of its table comes back at its old position (the later columns
// are moved behind it), unless something the move would lose depends on a later column (here a
// view): then it comes back at the end, and `check` says so, and why, before the rollback.
TEST_F(AutoDownRefusal, ACheckWarnsWhenAColumnDroppedFromTheMiddleCannotGetItsPositionBack) {
  ORCH_REQUIRE_PG(url);
  WriteApp(std::string(kBase) +
               "CREATE TABLE people (id integer PRIMARY KEY, nick text, email text);\n"
               "CREATE VIEW emails AS SELECT email FROM people;\n",
           "ALTER TABLE people DROP COLUMN nick;\nALTER TABLE tags DROP COLUMN id;\n");
  auto deploy = Cli({"deploy", "--yes"}, url);
  ASSERT_EQ(deploy.exit_code, 0) << deploy.out << deploy.err;
  auto check = Cli({"check", "--to", "1.0.0"}, url);
  EXPECT_EQ(check.exit_code, 4) << check.out << check.err;
  EXPECT_NE(check.out.find("migration 0002_change (generated down, down: auto): column nick of "
                           "people is re-created at the end of the table, not at its old "
                           "position 2 (rule _RETURN on view emails depends on a column after "
                           "it)"),
            std::string::npos)
      << check.out;
  EXPECT_EQ(check.out.find("column id of tags"), std::string::npos) << check.out;
}

// The copy a generated down restores from survives `snapshots prune` while its migration is
// applied (else the rollback could not give the values back), and goes once it is rolled back.
TEST_F(AutoDownRefusal, PruneKeepsTheCopyAGeneratedDownRestoresFrom) {
  ORCH_REQUIRE_PG(url);
  WriteApp(kBase, "ALTER TABLE items DROP COLUMN code;\n");
  ASSERT_EQ(Cli({"deploy", "--yes"}, url).exit_code, 0);
  auto prune = Cli({"snapshots", "prune", "--output", "json"}, url);
  ASSERT_EQ(prune.exit_code, 0) << prune.out << prune.err;
  auto doc = nlohmann::json::parse(prune.out);
  auto schema = nlohmann::json::parse(
      ReadFileOrDie(SourceDir() + "/docs/schema/output-snapshots.schema.json"));
  EXPECT_EQ(ValidateJsonSchema(schema, doc), std::vector<std::string>{}) << doc.dump(2);
  EXPECT_EQ(doc["pruned"].size(), 0u) << doc.dump(2);
  ASSERT_EQ(doc["kept"].size(), 1u) << doc.dump(2);
  EXPECT_EQ(doc["kept"][0]["kept_for"], "0002_change");
  auto text = Cli({"snapshots", "prune"}, url);
  EXPECT_NE(text.out.find("the generated down of migration 0002_change (down: auto) restores "
                          "from it"),
            std::string::npos)
      << text.out;

  auto rollback = Cli({"rollback", "--to", "1.0.0", "--reason", "prune test", "--yes"}, url);
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  auto db = OpenDatabase(url, dir_.path());
  ASSERT_TRUE(db.ok());
  auto txn = (*db)->Begin();
  ASSERT_TRUE(txn.ok());
  auto codes = (*txn)->Query("SELECT string_agg(coalesce(code, '-'), ',' ORDER BY id) FROM items");
  ASSERT_TRUE(codes.ok()) << codes.status().message();
  EXPECT_EQ(codes->rows[0][0].value_or(""), "A1,P2,-");
  auto after = Cli({"snapshots", "prune", "--output", "json"}, url);
  ASSERT_EQ(after.exit_code, 0) << after.err;
  auto later = nlohmann::json::parse(after.out);
  EXPECT_EQ(later["kept"].size(), 0u) << later.dump(2);
  EXPECT_GE(later["pruned"].size(), 1u) << later.dump(2);
}

// Extension ownership for a hand-written down: the up's CREATE ... IF NOT EXISTS found citext
// and the table audit_log already there; the down drops them with pg_trgm, which the up did
// create. `check` warns, `plan` and the review script show the drops kept, and the rollback keeps
// citext and audit_log (policy keep_preexisting_extensions) and drops pg_trgm: the schema of a
// fresh deploy of 1.0.0 on a database that had them too.
TEST_F(AutoDownRefusal, AHandWrittenDownKeepsWhatTheUpFoundAlreadyThere) {
  ORCH_REQUIRE_PG(url);
  std::string fresh_url = FreshPgDatabase();
  ASSERT_FALSE(fresh_url.empty());
  for (const std::string& u : {url, fresh_url}) {
    auto db = OpenDatabase(u, dir_.path());
    ASSERT_TRUE(db.ok());
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)
                    ->ExecScript("CREATE EXTENSION citext;\n"
                                 "CREATE TABLE audit_log (id integer, what text);\n"
                                 "INSERT INTO audit_log VALUES (1, 'before the release');\n")
                    .ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  WriteApp("CREATE TABLE items (id integer PRIMARY KEY);\n", "");
  WriteFileOrDie(dir_ / "app/releases/1.1.0.yaml",
                 "version: 1.1.0\nimage: auto:1.1.0\nmigrations:\n"
                 "  - {id: 0002_change, up: ../sql/0002_change.up.sql, down: "
                 "../sql/0002_change.down.sql}\n");
  WriteFileOrDie(dir_ / "app/sql/0002_change.up.sql",
                 "CREATE EXTENSION IF NOT EXISTS citext;\n"
                 "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
                 "CREATE TABLE IF NOT EXISTS audit_log (id integer, what text);\n"
                 "CREATE TABLE notes (body citext);\n");
  WriteFileOrDie(dir_ / "app/sql/0002_change.down.sql",
                 "DROP TABLE notes;\nDROP TABLE audit_log;\nDROP EXTENSION pg_trgm, citext;\n");
  ASSERT_EQ(Cli({"deploy", "--to", "1.0.0", "--yes"}, fresh_url).exit_code, 0);
  auto deploy = Cli({"deploy", "--yes"}, url);
  ASSERT_EQ(deploy.exit_code, 0) << deploy.out << deploy.err;

  auto check = Cli({"check", "--to", "1.0.0"}, url);
  EXPECT_EQ(check.exit_code, 4) << check.out << check.err;
  EXPECT_NE(check.out.find("migration 0002_change: its down drops table audit_log, extension "
                           "citext, which its up's CREATE ... IF NOT EXISTS found already there "
                           "(the release did not create it): the rollback keeps it (policy "
                           "keep_preexisting_extensions)"),
            std::string::npos)
      << check.out;
  EXPECT_EQ(check.out.find("its down script is empty"), std::string::npos) << check.out;
  auto plan = Cli({"plan", "--to", "1.0.0"}, url);
  EXPECT_NE(plan.out.find("keeps table audit_log, extension citext: the up found it already "
                          "there (policy keep_preexisting_extensions)"),
            std::string::npos)
      << plan.out;
  auto sql = Cli({"sql", "--to", "1.0.0", "-o", dir_ / "rb.sql"}, url);
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  const std::string script = ReadFileOrDie(dir_ / "rb.sql");
  EXPECT_NE(script.find("DROP EXTENSION pg_trgm /* kept by orchestrate: extension citext existed "
                        "before the up"),
            std::string::npos)
      << script;

  auto rollback = Cli({"rollback", "--to", "1.0.0", "--reason", "ownership", "--yes"}, url);
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  ExpectSameAs(url, fresh_url);
  auto db = OpenDatabase(url, dir_.path());
  ASSERT_TRUE(db.ok());
  auto txn = (*db)->Begin();
  ASSERT_TRUE(txn.ok());
  auto ext = (*txn)->Query(
      "SELECT string_agg(extname::text, ',' ORDER BY extname) FROM pg_extension WHERE extname IN "
      "('citext', 'pg_trgm')");
  ASSERT_TRUE(ext.ok());
  EXPECT_EQ(ext->rows[0][0].value_or(""), "citext");
  ASSERT_TRUE((*txn)->Commit().ok());

  // With keep_preexisting_extensions: false the down runs as written, and check says so.
  ASSERT_EQ(Cli({"deploy", "--yes"}, url).exit_code, 0);
  WriteFileOrDie(dir_ / "app/plan.yaml",
                 std::string(kPlan) +
                     "policy: {lock_timeout: 10s, keep_preexisting_extensions: "
                     "false}\n");
  std::string text = ReadFileOrDie(dir_ / "app/plan.yaml");
  text.erase(text.find("policy: {lock_timeout: 10s}\n"), 28);
  WriteFileOrDie(dir_ / "app/plan.yaml", text);
  auto check_false = Cli({"check", "--to", "1.0.0"}, url);
  EXPECT_NE(check_false.out.find("the rollback drops it anyway (keep_preexisting_extensions: "
                                 "false)"),
            std::string::npos)
      << check_false.out << check_false.err;
}

TEST_F(AutoDownRefusal, SqliteRefusesDownAutoNamingTheManifestLine) {
  WriteApp("CREATE TABLE items (id integer PRIMARY KEY);\n",
           "ALTER TABLE items ADD COLUMN note text;\n");
  auto deploy = Cli({"deploy", "--yes"}, "sqlite:" + (dir_ / "state/auto.db"));
  EXPECT_EQ(deploy.exit_code, 2) << deploy.out << deploy.err;
  EXPECT_NE(deploy.err.find("1.1.0.yaml:4:"), std::string::npos) << deploy.err;
  EXPECT_NE(deploy.err.find("down: auto is supported on PostgreSQL only so far"), std::string::npos)
      << deploy.err;
}

TEST_F(AutoDownRefusal, MariaDbRefusesDownAutoNamingTheManifestLine) {
  ORCH_REQUIRE_MYSQL(url);
  WriteApp("CREATE TABLE items (id integer PRIMARY KEY);\n",
           "ALTER TABLE items ADD COLUMN note text;\n");
  auto deploy = Cli({"deploy", "--yes"}, url);
  EXPECT_EQ(deploy.exit_code, 2) << deploy.out << deploy.err;
  EXPECT_NE(deploy.err.find("1.1.0.yaml:4:"), std::string::npos) << deploy.err;
  EXPECT_NE(deploy.err.find("down: auto is supported on PostgreSQL only so far"), std::string::npos)
      << deploy.err;
}

// The sample plan of issue 18's "Done when": every migration says `down: auto`, citext is
// installed before the deploy.
TEST_F(AutoDownRefusal, TheSamplePlanRoundTripsWithTheDroppedValuesAndThePreexistingExtension) {
  ORCH_REQUIRE_PG(url);
  std::string fresh_url = FreshPgDatabase();
  ASSERT_FALSE(fresh_url.empty());
  for (const std::string& u : {url, fresh_url}) {
    auto db = OpenDatabase(u, dir_.path());
    ASSERT_TRUE(db.ok());
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Exec("CREATE EXTENSION citext").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  CopyTree(SourceDir() + "/samples/auto-down", dir_ / "app");
  auto cli = [&](std::vector<std::string> args, const std::string& u) {
    args.push_back("--env");
    args.push_back("pg");
    return Cli(std::move(args), u);
  };
  auto validate = cli({"validate"}, url);
  ASSERT_EQ(validate.exit_code, 0) << validate.out << validate.err;
  auto fresh = cli({"deploy", "--to", "1.0.0", "--yes"}, fresh_url);
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  // A deploy script for a DBA cannot hold the generated downs: they need the catalog after each
  // up statement.
  auto script = cli({"sql"}, url);
  EXPECT_EQ(script.exit_code, 2) << script.out << script.err;
  EXPECT_NE(script.err.find("a review script cannot generate its down"), std::string::npos)
      << script.err;
  auto deploy = cli({"deploy", "--yes"}, url);
  ASSERT_EQ(deploy.exit_code, 0) << deploy.out << deploy.err;

  auto plan = cli({"plan", "--to", "1.0.0"}, url);
  EXPECT_NE(plan.out.find("generated at deploy (down: auto)"), std::string::npos) << plan.out;
  auto check = cli({"check", "--to", "1.0.0"}, url);
  EXPECT_EQ(check.exit_code, 4) << check.out << check.err;
  EXPECT_NE(check.out.find("migration 0005_citext (generated down, down: auto): extension citext "
                           "was installed before the up: the down keeps it"),
            std::string::npos)
      << check.out;

  // The copy of the dropped column's values is a snapshot like any other.
  auto snapshots = cli({"snapshots", "list"}, url);
  EXPECT_NE(snapshots.out.find("0006_drop_shelf"), std::string::npos) << snapshots.out;
  // A DBA reviews the generated downs and the rollback runs what was approved.
  auto sql = cli({"sql", "--to", "1.0.0", "-o", dir_ / "rb.sql"}, url);
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_NE(ReadFileOrDie(dir_ / "rb.sql").find("-- generated by orchestrate (down: auto)"),
            std::string::npos);
  auto rollback = cli(
      {"rollback", "--to", "1.0.0", "--reason", "sample", "--approved", dir_ / "rb.sql", "--yes"},
      url);
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  Fingerprint want = Print(fresh_url), got = Print(url);
  EXPECT_EQ(got.schema, want.schema) << Lines(got.schema) << "--\n" << Lines(want.schema);
  EXPECT_EQ(got.data_sha256, want.data_sha256);

  auto db = OpenDatabase(url, dir_.path());
  ASSERT_TRUE(db.ok());
  auto txn = (*db)->Begin();
  ASSERT_TRUE(txn.ok());
  auto shelves = (*txn)->Query("SELECT shelf FROM books ORDER BY id");
  ASSERT_TRUE(shelves.ok()) << shelves.status().message();
  ASSERT_EQ(shelves->rows.size(), 3u);
  EXPECT_EQ(shelves->rows[0][0].value_or("NULL"), "A3");
  EXPECT_EQ(shelves->rows[1][0].value_or("NULL"), "B1");
  EXPECT_FALSE(shelves->rows[2][0].has_value());
  auto citext = (*txn)->Query("SELECT 1 FROM pg_extension WHERE extname = 'citext'");
  ASSERT_TRUE(citext.ok());
  EXPECT_EQ(citext->rows.size(), 1u) << "the pre-existing extension was dropped";
  txn->reset();

  // And all the way back: the first release's generated down drops its table.
  auto none = cli({"rollback", "--to", "none", "--reason", "sample", "--yes"}, url);
  ASSERT_EQ(none.exit_code, 0) << none.out << none.err;
  auto tables = (*db)->UserTables();
  ASSERT_TRUE(tables.ok());
  EXPECT_TRUE(tables->empty()) << tables->size();
}

}  // namespace
}  // namespace orchestrate::testing

namespace orchestrate::testing {
namespace {

// `import golang-migrate` of a PostgreSQL project whose downs are missing or empty (as many real
// histories ship them): those migrations get `down: auto`, and the imported plan deploys and rolls
// back on PostgreSQL to the schema and rows of a fresh deploy of its first release. An up the
// generator does not handle stays irreversible, and the import says why.
class ImportedDownAuto : public AutoDown {
 protected:
  ProcessResult Run(std::vector<std::string> args, const std::string& url = "") {
    args.insert(args.begin(), OrchestrateBin());
    if (!url.empty()) args.insert(args.end(), {"--database", url});
    ProcessOptions opts;
    opts.env["STATE_DIR"] = dir_ / "state";
    return RunProcess(args, opts);
  }
};

TEST_F(ImportedDownAuto, MissingAndEmptyDownsBecomeDownAutoAndRollBack) {
  ORCH_REQUIRE_PG(url);
  std::string fresh_url = FreshPgDatabase();
  ASSERT_FALSE(fresh_url.empty());
  const std::string src = dir_ / "db";
  WriteFileOrDie(src + "/1_create_authors.up.sql",
                 "CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL);\n"
                 "INSERT INTO authors (name) VALUES ('Le Guin'), ('Lem');\n");
  WriteFileOrDie(src + "/1_create_authors.down.sql", "DROP TABLE authors;\n");
  WriteFileOrDie(src + "/2_create_books.up.sql",
                 "CREATE TABLE books (id integer PRIMARY KEY, author_id integer NOT NULL "
                 "REFERENCES authors (id), title text);\n"
                 "INSERT INTO books VALUES (1, 1, 'The Dispossessed'), (2, 2, 'Solaris');\n");
  WriteFileOrDie(src + "/2_create_books.down.sql", "");  // empty, as golang-migrate creates it
  WriteFileOrDie(src + "/3_books_isbn.up.sql",
                 "ALTER TABLE books ADD COLUMN isbn text;\n"
                 "CREATE INDEX books_by_isbn ON books (isbn);\n");
  WriteFileOrDie(src + "/3_books_isbn.down.sql", "-- TODO\n");
  WriteFileOrDie(src + "/4_drop_title.up.sql", "ALTER TABLE books DROP COLUMN title;\n");
  // 4 has no down file at all.

  auto imported =
      Run({"import", "golang-migrate", src, "-o", dir_ / "out", "--dialect", "postgresql"});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  EXPECT_NE(imported.out.find("0 irreversible: no down script, 3 down: auto: orchestrate writes "
                              "their downs at deploy"),
            std::string::npos)
      << imported.out;
  EXPECT_NE(ReadFileOrDie(dir_ / "out/releases/0.0.2.yaml")
                .find("down: auto  # 2_create_books's down script is empty: orchestrate writes "
                      "the down at deploy"),
            std::string::npos);
  EXPECT_NE(ReadFileOrDie(dir_ / "out/releases/0.0.4.yaml")
                .find("down: auto  # golang-migrate has no down script for 4_drop_title"),
            std::string::npos);
  EXPECT_NE(ReadFileOrDie(dir_ / "out/releases/0.0.1.yaml").find("1_create_authors.down.sql"),
            std::string::npos);
  auto json = Run({"import", "golang-migrate", src, "-o", dir_ / "out", "--dialect", "postgresql",
                   "--force", "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["auto_down"], 3) << json.out;

  const std::string plan = dir_ / "out/plan.yaml";
  auto validate = Run({"validate", plan}, url);
  EXPECT_EQ(validate.exit_code, 0) << validate.out << validate.err;
  EXPECT_EQ(validate.err.find("down script is empty"), std::string::npos) << validate.err;
  ASSERT_EQ(Run({"deploy", plan, "--to", "0.0.1", "--yes"}, fresh_url).exit_code, 0);
  auto deploy = Run({"deploy", plan, "--yes"}, url);
  ASSERT_EQ(deploy.exit_code, 0) << deploy.out << deploy.err;
  auto sql = Run({"sql", plan, "--to", "0.0.1"}, url);
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_NE(sql.out.find("-- generated by orchestrate (down: auto)"), std::string::npos) << sql.out;
  auto rollback = Run({"rollback", plan, "--to", "0.0.1", "--reason", "import", "--yes"}, url);
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;

  ExpectSameAs(url, fresh_url);
}

TEST_F(ImportedDownAuto, AnUpTheGeneratorDoesNotHandleStaysIrreversibleAndTheImportSaysWhy) {
  const std::string src = dir_ / "db";
  WriteFileOrDie(src + "/1_legacy.up.sql", "CREATE TABLE legacy (id integer);\n");
  WriteFileOrDie(src + "/2_drop_legacy.up.sql", "DROP TABLE legacy;\n");
  WriteFileOrDie(src + "/2_drop_legacy.down.sql", "\n");
  WriteFileOrDie(src + "/3_drop_again.up.sql", "DROP TABLE IF EXISTS legacy;\n");
  auto imported =
      Run({"import", "golang-migrate", src, "-o", dir_ / "out", "--dialect", "postgresql"});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  EXPECT_NE(imported.out.find("1 irreversible: no down script, 1 down: auto"), std::string::npos)
      << imported.out;
  const std::string third = ReadFileOrDie(dir_ / "out/releases/0.0.3.yaml");
  EXPECT_NE(third.find("down: irreversible  # golang-migrate has no down script for "
                       "3_drop_again; down: auto does not handle "),
            std::string::npos)
      << third;
  EXPECT_NE(third.find("3_drop_again.up.sql:1:1: DropStmt"), std::string::npos) << third;
  EXPECT_NE(imported.out.find("note: 2_drop_legacy keeps its empty down script: down: auto does "
                              "not handle "),
            std::string::npos)
      << imported.out;
  // On SQLite (the assumed dialect) nothing says `down: auto`: the generator is PostgreSQL's.
  auto sqlite = Run({"import", "golang-migrate", src, "-o", dir_ / "lite"});
  ASSERT_EQ(sqlite.exit_code, 0) << sqlite.err;
  EXPECT_EQ(ReadFileOrDie(dir_ / "lite/releases/0.0.1.yaml").find("down: auto"), std::string::npos);
  EXPECT_NE(ReadFileOrDie(dir_ / "lite/releases/0.0.1.yaml").find("down: irreversible"),
            std::string::npos);
}

}  // namespace
}  // namespace orchestrate::testing
