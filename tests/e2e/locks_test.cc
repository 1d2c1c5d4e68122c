// The lock table of the review script (`orchestrate sql`) against what PostgreSQL really takes: the
// sample shop's deploy from empty and its rollback to 1.0.0 are rendered, then the script is run
// statement by statement on the database it was rendered for, each statement in a transaction of
// its own, and the relation locks the transaction holds after the statement (pg_locks) are
// compared with the locks the script printed for it ("--   line N: KIND, LOCKS" for a step's
// SQL, "--   chunk statement: KIND, LOCKS" for a ledger chunk's).
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "migrations/analysis/analysis.h"
#include "migrations/database.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

// What the script says one statement locks: the strongest mode per relation, and which of them
// are taken only when rows are written (foreign-key checks).
struct Expected {
  std::map<std::string, LockLevel> locks;
  std::set<std::string> when_rows_written;
  std::string line;  // the script's line, for messages
};

LockLevel LevelNamed(const std::string& name) {
  for (int i = 0; i <= static_cast<int>(LockLevel::kDatabase); ++i) {
    const auto level = static_cast<LockLevel>(i);
    if (name == LockLevelName(level)) return level;
  }
  ADD_FAILURE() << "unknown lock mode " << name;
  return LockLevel::kNone;
}

// pg_locks.mode ("ShareRowExclusiveLock") as a LockLevel.
LockLevel PgMode(const std::string& mode) {
  std::string words;
  for (char c : mode.substr(0, mode.size() - 4)) {  // without "Lock"
    if (std::isupper(static_cast<unsigned char>(c)) && !words.empty()) words += ' ';
    words += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return LevelNamed(words);
}

bool Stronger(LockLevel a, LockLevel b) { return static_cast<int>(a) > static_cast<int>(b); }

// "KIND, MODE lock on a, b + MODE lock on c (foreign key checks, when rows are written); ...".
Expected ParseLockLine(const std::string& line, const std::string& after) {
  Expected e;
  e.line = line;
  std::string rest = after;
  rest = rest.substr(0, rest.find("; "));
  const size_t comma = rest.find(", ");
  if (comma == std::string::npos) return e;  // the kind alone: no lock
  rest = rest.substr(comma + 2);
  const std::string kChecks = " (foreign key checks, when rows are written)";
  const std::string kChecksShort = " (foreign key checks)";
  size_t start = 0;
  while (start <= rest.size()) {
    size_t end = rest.find(" + ", start);
    std::string part =
        rest.substr(start, end == std::string::npos ? std::string::npos : end - start);
    bool conditional = false;
    for (const std::string& suffix : {kChecks, kChecksShort}) {
      if (part.size() > suffix.size() &&
          part.compare(part.size() - suffix.size(), suffix.size(), suffix) == 0) {
        part.resize(part.size() - suffix.size());
        conditional = true;
      }
    }
    const size_t on = part.find(" lock on ");
    EXPECT_NE(on, std::string::npos) << line;
    if (on == std::string::npos) break;
    const LockLevel mode = LevelNamed(part.substr(0, on));
    std::istringstream names(part.substr(on + 9));
    for (std::string name; std::getline(names, name, ',');) {
      if (name.rfind(' ', 0) == 0) name.erase(0, 1);
      // With the catalog at hand the review names every relation it locks.
      EXPECT_NE(name.rfind("the ", 0), 0u) << "a lock on an unknown relation: " << line;
      e.locks[name] = mode;
      if (conditional) e.when_rows_written.insert(name);
    }
    if (end == std::string::npos) break;
    start = end + 3;
  }
  return e;
}

struct Relation {
  std::string name, kind, schema;
};

// Runs `script` (a rendered review script) on `db` statement by statement and compares each
// statement's relation locks with what the script printed for it. Returns how many statements
// were compared.
int RunAndCompare(Database& db, const std::string& script) {
  // Blocks of SQL: BEGIN ... COMMIT (a step, a ledger chunk), or SQL outside one (the header's
  // state tables). Expectations are keyed by the line in their block: a step's SQL starts on the
  // line after its BEGIN, so its "line N" is line N of the block; a chunk statement's line follows
  // its "--   chunk statement:" line.
  std::istringstream in(script);
  std::map<int, Expected> step_lines;   // "--   line N:" of the current step
  std::map<int, Expected> block_lines;  // chunk statements of the current block
  std::string block;
  int block_line = 0;
  int sql_from = -1;  // block lines before the step's own SQL (-1: the block has none)
  bool in_block = false;
  int compared = 0;
  size_t expectations = 0;

  auto run_block = [&](const std::string& text, std::map<int, Expected> expected) {
    ScriptAnalysis split = AnalyzeScript(Dialect::kPostgres, text);
    EXPECT_TRUE(split.ok) << split.error << "\n" << text;
    for (const auto& st : split.statements) {
      // Every relation there is before the statement, by oid: a relation the statement drops is
      // gone from pg_class after it, but not its lock.
      std::map<std::string, Relation> before;
      {
        auto txn = db.Begin();
        EXPECT_TRUE(txn.ok()) << txn.status().message();
        if (!txn.ok()) return;
        auto rows = (*txn)->Query(
            "SELECT c.oid::text, c.oid::regclass::text, c.relkind::text, n.nspname::text FROM "
            "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace");
        EXPECT_TRUE(rows.ok()) << rows.status().message();
        if (!rows.ok()) return;
        for (const auto& r : rows->rows) before[*r[0]] = {*r[1], *r[2], *r[3]};
      }
      auto txn = db.Begin();
      EXPECT_TRUE(txn.ok()) << txn.status().message();
      if (!txn.ok()) return;
      Status ran = (*txn)->ExecScript(st.text);
      EXPECT_TRUE(ran.ok()) << ran.message() << "\n" << st.text;
      if (!ran.ok()) return;
      auto held = (*txn)->Query(
          "SELECT relation::text, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = "
          "'relation' AND granted");
      EXPECT_TRUE(held.ok()) << held.status().message();
      if (!held.ok()) return;
      Status committed = (*txn)->Commit();
      EXPECT_TRUE(committed.ok()) << committed.message();

      auto e = expected.find(st.line);
      if (e == expected.end()) continue;  // orchestrate's own records: not analysed by the script
      ++compared;
      std::map<std::string, LockLevel> actual;
      for (const auto& r : held->rows) {
        auto rel = before.find(*r[0]);
        // Relations the statement created: nothing else can see them before it commits, and the
        // script lists the relations that exist (CREATE TABLE's own table, its primary key, ...).
        if (rel == before.end()) continue;
        // System catalogs and TOAST tables: every statement reads the catalogs, and a table's
        // TOAST table is locked with it; neither is something a reviewer weighs.
        const std::string& schema = rel->second.schema;
        if (schema == "pg_catalog" || schema == "information_schema" ||
            schema.rfind("pg_toast", 0) == 0)
          continue;
        // Indexes are locked with their table (the planner opens each one ACCESS SHARE, a write
        // ROW EXCLUSIVE, a key check ROW SHARE): the script states the table's lock. An index the
        // statement names itself (DROP INDEX) is compared.
        const bool index = rel->second.kind == "i" || rel->second.kind == "I";
        if (index && !e->second.locks.count(rel->second.name)) continue;
        const LockLevel mode = PgMode(*r[1]);
        LockLevel& strongest = actual[rel->second.name];
        if (Stronger(mode, strongest)) strongest = mode;
      }
      const Expected& want = e->second;
      for (const auto& [relation, mode] : actual) {
        auto w = want.locks.find(relation);
        if (w == want.locks.end()) {
          ADD_FAILURE() << st.text << "\n  holds " << LockLevelName(mode) << " on " << relation
                        << ", which the script does not list: " << want.line;
        } else {
          EXPECT_EQ(LockLevelName(w->second), std::string(LockLevelName(mode)))
              << st.text << "\n  on " << relation << ": " << want.line;
        }
      }
      for (const auto& [relation, mode] : want.locks) {
        // Foreign-key checks lock only when a row needs the check.
        if (want.when_rows_written.count(relation)) continue;
        EXPECT_TRUE(actual.count(relation))
            << st.text << "\n  the script lists " << LockLevelName(mode) << " on " << relation
            << ", which the statement does not take: " << want.line;
      }
    }
  };

  std::string outside;  // SQL outside a BEGIN ... COMMIT block
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("-- step ", 0) == 0) {
      expectations += step_lines.size();
      step_lines.clear();
      continue;
    }
    if (line.rfind("--   line ", 0) == 0) {
      const size_t colon = line.find(": ");
      step_lines[std::stoi(line.substr(10, colon - 10))] =
          ParseLockLine(line, line.substr(colon + 2));
      continue;
    }
    if (line.rfind("\\", 0) == 0) continue;  // psql's own commands (\set, \echo, \if ...)
    if (line == "BEGIN;") {
      if (!outside.empty()) run_block(outside, {});
      outside.clear();
      in_block = true;
      block.clear();
      block_line = 0;
      sql_from = -1;
      block_lines.clear();
      continue;
    }
    if (in_block && line == "-- the step's SQL:") {
      sql_from = block_line;  // the step's "line N" is block line sql_from + N
      continue;
    }
    if (line == "COMMIT;") {
      // A step's own SQL starts after its marker; chunk statements are keyed by their line.
      std::map<int, Expected> expected = block_lines;
      if (block_lines.empty() && sql_from >= 0)
        for (const auto& [n, e] : step_lines) expected[sql_from + n] = e;
      expectations += block_lines.size();
      run_block(block, expected);
      in_block = false;
      continue;
    }
    if (!in_block) {
      if (line.rfind("--", 0) != 0) outside += line + "\n";
      continue;
    }
    ++block_line;
    block += line + "\n";
    if (line.rfind("--   chunk statement: ", 0) == 0) {
      block_lines[block_line + 1] = ParseLockLine(line, line.substr(22));
    }
  }
  expectations += step_lines.size();
  if (!outside.empty()) run_block(outside, {});
  // Every statement the script printed locks for was run and compared.
  EXPECT_EQ(static_cast<size_t>(compared), expectations);
  return compared;
}

class LocksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CopyTree(SourceDir() + "/samples/shop", dir_ / "shop");
    plan_ = dir_ / "shop/plan.yaml";
  }

  ProcessResult Run(const std::string& url, std::vector<std::string> args) {
    args.insert(args.begin() + 1, plan_);
    args.insert(args.begin(), OrchestrateBin());
    args.insert(args.end(), {"--env", "pg", "--database", url});
    ProcessOptions o;
    o.env["STATE_DIR"] = dir_ / "state";
    return RunProcess(args, o);
  }

  TempDir dir_;
  std::string plan_;
};

TEST_F(LocksTest, DeployFromEmptyLocksWhatTheScriptSays) {
  ORCH_REQUIRE_PG(url);
  auto sql = Run(url, {"sql"});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  // The script names the locks that foreign keys add (the seed's rows are checked against the
  // tables they reference; CREATE TABLE and ADD COLUMN ... REFERENCES lock the referenced table).
  // The seed's rows also go to the ledger (its capture triggers write orchestrate_ledger).
  EXPECT_NE(sql.out.find("--   line 13: INSERT, ROW EXCLUSIVE lock on orders, orchestrate_ledger + "
                         "ROW SHARE lock on "
                         "customers, order_statuses (foreign key checks, when rows are written)"),
            std::string::npos)
      << sql.out;
  EXPECT_NE(sql.out.find("--   line 3: ALTER TABLE, ACCESS EXCLUSIVE lock on customers + SHARE ROW "
                         "EXCLUSIVE lock on countries"),
            std::string::npos);
  auto db = OpenDatabase(url, "");
  ASSERT_TRUE(db.ok()) << db.status().message();
  EXPECT_GT(RunAndCompare(**db, sql.out), 50);
}

TEST_F(LocksTest, RollbackLocksWhatTheScriptSays) {
  ORCH_REQUIRE_PG(url);
  ASSERT_EQ(Run(url, {"deploy", "--yes", "-q"}).exit_code, 0);
  auto sql = Run(url, {"sql", "--to", "1.0.0"});
  ASSERT_EQ(sql.exit_code, 0) << sql.err;
  // DROP INDEX locks the index's table; dropping a column with a foreign key locks the table it
  // references; the ledger's chunk statements have their lock line.
  EXPECT_NE(sql.out.find("--   line 2: DROP INDEX, ACCESS EXCLUSIVE lock on "
                         "idx_orders_shipping_method, orders\n"),
            std::string::npos)
      << sql.out;
  EXPECT_NE(sql.out.find("ACCESS EXCLUSIVE lock on orders, shipping_methods; DESTROYS DATA: drops "
                         "column orders.shipping_method_id"),
            std::string::npos);
  EXPECT_NE(sql.out.find("--   chunk statement: DELETE, ROW EXCLUSIVE lock on loyalty_tiers"),
            std::string::npos);
  // The estimates follow the plan (the script is recorded from the run): the ledger reversal of
  // step 2 empties loyalty_tiers before step 7 drops it.
  EXPECT_NE(sql.out.find("-- estimate: loyalty_tiers holds 0 rows when the step starts"),
            std::string::npos);
  auto db = OpenDatabase(url, "");
  ASSERT_TRUE(db.ok()) << db.status().message();
  EXPECT_GT(RunAndCompare(**db, sql.out), 12);
}

// The comparison itself: a script that leaves out the table a DROP INDEX locks is caught.
TEST(LocksCompare, AnUnderstatedLockFails) {
  ORCH_REQUIRE_PG(url);
  auto db = OpenDatabase(url, "");
  ASSERT_TRUE(db.ok()) << db.status().message();
  {
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->ExecScript("CREATE TABLE t (a int); CREATE INDEX i1 ON t (a);").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  const std::string script =
      "-- step 1 of 1: x\n"
      "--   line 1: DROP INDEX, ACCESS EXCLUSIVE lock on i1\n"
      "BEGIN;\n"
      "-- the step's SQL:\n"
      "DROP INDEX i1;\n"
      "COMMIT;\n";
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    RunAndCompare(**db, script);
  }
  ASSERT_EQ(failures.size(), 1);
  EXPECT_NE(std::string(failures.GetTestPartResult(0).message())
                .find("holds ACCESS EXCLUSIVE on t, which the script does not list"),
            std::string::npos)
      << failures.GetTestPartResult(0).message();
}

}  // namespace
}  // namespace orchestrate::testing
