// The statement splitter that analysis and execution share (migrations/statement_split.h): what
// it splits, what it refuses with which position, and that the statement analysis and the real
// SQLite and PostgreSQL adapters see the same statements on the same lines.
#include "migrations/statement_split.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "migrations/analysis/analysis.h"
#include "migrations/database.h"
#include "migrations/statement_text.h"
#include "tests/support/mysql.h"
#include "tests/support/names_test_util.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

struct Expected {
  std::string text;
  int line;
};

bool operator==(const Expected& a, const Expected& b) {
  return a.text == b.text && a.line == b.line;
}

std::ostream& operator<<(std::ostream& os, const Expected& e) {
  return os << e.line << ": <" << e.text << ">";
}

std::vector<Expected> Statements(Dialect dialect, const std::string& script) {
  const ScriptSplit split = SplitScript(dialect, script);
  EXPECT_TRUE(split.ok) << split.error << " at " << split.error_line << ":" << split.error_column;
  std::vector<Expected> out;
  for (const SqlStatement& s : split.statements) {
    EXPECT_EQ(script.substr(s.offset, s.text.size()), s.text);
    out.push_back({s.text, s.line});
  }
  return out;
}

std::vector<Expected> Analysed(Dialect dialect, const std::string& script) {
  const ScriptAnalysis a = AnalyzeScript(dialect, script);
  EXPECT_TRUE(a.ok) << a.error << " at " << a.error_line << ":" << a.error_column;
  std::vector<Expected> out;
  for (const StatementAnalysis& s : a.statements) out.push_back({s.text, s.line});
  return out;
}

const char* Name(Dialect d) { return DialectName(d); }

// ---- the tricky scripts: each runs on a real database of its dialect ---------------------------

struct Tricky {
  const char* name;
  Dialect dialect;
  std::string script;
  std::vector<Expected> statements;
  std::string check;            // a query after the script has run...
  std::vector<Row> check_rows;  // ...and its rows
};

const std::vector<Tricky>& TrickyScripts() {
  static const std::vector<Tricky> scripts = {
      {"dollar quotes, nested comments, E'' escapes, BEGIN ATOMIC, ';;', no final ';'",
       Dialect::kPostgres,
       "-- leading comment; with a semicolon\n"                                // 1
       "CREATE TABLE t (id int, s text);;\n"                                   // 2
       "INSERT INTO t VALUES (1, $$a;b$$), (2, $x$ $$;$$ $x$);\n"              // 3
       "/* outer /* inner; */ still; */ INSERT INTO t VALUES (3, 'c;''d');\n"  // 4
       "INSERT INTO t VALUES (4, E'it\\'s; ok') -- trailing; comment\n"        // 5
       ";\n"                                                                   // 6
       "CREATE FUNCTION f(i int) RETURNS int LANGUAGE sql\n"                   // 7
       "BEGIN ATOMIC\n"                                                        // 8
       "  SELECT CASE WHEN i > 0 THEN i ELSE 0 END;\n"                         // 9
       "  SELECT i + 1;\n"                                                     // 10
       "END;\n"                                                                // 11
       "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (5, 'p;'); "
       "END;\n"                                                             // 12
       "CALL p();\n"                                                        // 13
       "/* only a comment; */ ; ;\n"                                        // 14
       "INSERT INTO t VALUES (6, f(41)::text) /* no final semicolon */\n",  // 15
       {{"CREATE TABLE t (id int, s text)", 2},
        {"INSERT INTO t VALUES (1, $$a;b$$), (2, $x$ $$;$$ $x$)", 3},
        {"INSERT INTO t VALUES (3, 'c;''d')", 4},
        {"INSERT INTO t VALUES (4, E'it\\'s; ok')", 5},
        {"CREATE FUNCTION f(i int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n"
         "  SELECT CASE WHEN i > 0 THEN i ELSE 0 END;\n  SELECT i + 1;\nEND",
         7},
        {"CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (5, "
         "'p;'); "
         "END",
         12},
        {"CALL p()", 13},
        {"INSERT INTO t VALUES (6, f(41)::text)", 15}},
       "SELECT id, s FROM t ORDER BY id",
       {{"1", "a;b"},
        {"2", " $$;$$ "},
        {"3", "c;'d"},
        {"4", "it's; ok"},
        {"5", "p;"},
        {"6", "42"}}},
      {"a rule's parenthesised actions and a statement starting with a function-like word",
       Dialect::kPostgres,
       "CREATE TABLE a (x int);\nCREATE TABLE b (x int);\n"
       "CREATE RULE r AS ON INSERT TO a DO ALSO (INSERT INTO b VALUES (NEW.x); "
       "INSERT INTO b VALUES (NEW.x + 1));\n"
       "INSERT INTO a VALUES (1);\n",
       {{"CREATE TABLE a (x int)", 1},
        {"CREATE TABLE b (x int)", 2},
        {"CREATE RULE r AS ON INSERT TO a DO ALSO (INSERT INTO b VALUES (NEW.x); INSERT INTO b "
         "VALUES (NEW.x + 1))",
         3},
        {"INSERT INTO a VALUES (1)", 4}},
       "SELECT x FROM b ORDER BY x",
       {{"1"}, {"2"}}},
      {"strings, identifiers and comments with ';', a trigger body with CASE ... END;, ';;', "
       "no final ';'",
       Dialect::kSqlite,
       "-- leading comment; with a semicolon\n"                                     // 1
       "CREATE TABLE t (id INTEGER, s TEXT);;\n"                                    // 2
       "CREATE TABLE \"we;ird\" (s TEXT);\n"                                        // 3
       "INSERT INTO t VALUES (1, 'a;b'), (2, 'it''s; fine'); -- after; the end\n"   // 4
       "/* block; comment */ INSERT INTO \"we;ird\" VALUES ('x;y' /* in; */)\n"     // 5
       ";\n"                                                                        // 6
       "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"                                // 7
       "  INSERT INTO \"we;ird\" VALUES (CASE WHEN new.id > 2 THEN 'big;' END);\n"  // 8
       "  UPDATE t SET s = CASE WHEN s = '' THEN 'empty;' ELSE s END;\n"            // 9
       "END;\n"                                                                     // 10
       "; ;\n"                                                                      // 11
       "INSERT INTO t VALUES (3, '') -- no final semicolon\n"                       // 12
       "-- and a comment after it\n",                                               // 13
       {{"CREATE TABLE t (id INTEGER, s TEXT)", 2},
        {"CREATE TABLE \"we;ird\" (s TEXT)", 3},
        {"INSERT INTO t VALUES (1, 'a;b'), (2, 'it''s; fine')", 4},
        {"INSERT INTO \"we;ird\" VALUES ('x;y' /* in; */)", 5},
        {"CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
         "  INSERT INTO \"we;ird\" VALUES (CASE WHEN new.id > 2 THEN 'big;' END);\n"
         "  UPDATE t SET s = CASE WHEN s = '' THEN 'empty;' ELSE s END;\nEND",
         7},
        {"INSERT INTO t VALUES (3, '')", 12}},
       "SELECT s FROM t UNION ALL SELECT s FROM \"we;ird\" ORDER BY 1",
       {{"a;b"}, {"big;"}, {"empty;"}, {"it's; fine"}, {"x;y"}}},
      {"MySQL: # and -- comments, backslash escapes, \"strings\", `identifiers`, a trigger body "
       "with CASE ... END and IF ... END IF, ';;', no final ';'",
       Dialect::kMysql,
       "-- leading comment; with a semicolon\n"                                      // 1
       "# a hash comment; too\n"                                                     // 2
       "CREATE TABLE t (id INT, s TEXT);;\n"                                         // 3
       "CREATE TABLE `we;ird` (s TEXT);\n"                                           // 4
       "INSERT INTO t VALUES (1, 'a;b'), (2, 'it\\'s; fine'), (3, \"dq;\\\"x\");\n"  // 5
       "/* block; comment */ INSERT INTO `we;ird` VALUES ('x;y' /* in; */)\n"        // 6
       ";\n"                                                                         // 7
       "CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN\n"                    // 8
       "  INSERT INTO `we;ird` VALUES (CASE WHEN NEW.id > 3 THEN 'big;' END);\n"     // 9
       "  IF NEW.s = '' THEN INSERT INTO `we;ird` VALUES ('empty;'); END IF;\n"      // 10
       "END;\n"                                                                      // 11
       "; ;\n"                                                                       // 12
       "INSERT INTO t VALUES (4, '') # no final semicolon\n"                         // 13
       "-- and a comment after it\n",                                                // 14
       {{"CREATE TABLE t (id INT, s TEXT)", 3},
        {"CREATE TABLE `we;ird` (s TEXT)", 4},
        {"INSERT INTO t VALUES (1, 'a;b'), (2, 'it\\'s; fine'), (3, \"dq;\\\"x\")", 5},
        {"INSERT INTO `we;ird` VALUES ('x;y' /* in; */)", 6},
        {"CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN\n"
         "  INSERT INTO `we;ird` VALUES (CASE WHEN NEW.id > 3 THEN 'big;' END);\n"
         "  IF NEW.s = '' THEN INSERT INTO `we;ird` VALUES ('empty;'); END IF;\nEND",
         8},
        {"INSERT INTO t VALUES (4, '')", 13}},
       "SELECT s FROM t UNION ALL SELECT s FROM `we;ird` ORDER BY 1",
       {{""}, {"a;b"}, {"big;"}, {"dq;\"x"}, {"empty;"}, {"it's; fine"}, {"x;y"}}},
  };
  return scripts;
}

TEST(StatementSplitTest, TrickyScriptsSplitAsExpectedAndAsTheAnalysisSeesThem) {
  for (const Tricky& t : TrickyScripts()) {
    SCOPED_TRACE(t.name);
    EXPECT_EQ(Statements(t.dialect, t.script), t.statements);
    EXPECT_EQ(Analysed(t.dialect, t.script), t.statements);
  }
}

// libpg_query's pg_query_split_with_scanner drops a statement that starts with an unknown word;
// such a statement must run (and fail) instead.
TEST(StatementSplitTest, PostgresKeepsAStatementThatStartsWithAnUnknownWord) {
  EXPECT_EQ(Statements(Dialect::kPostgres, "SELECT 1; SELEC 2;\nSELECT 3"),
            (std::vector<Expected>{{"SELECT 1", 1}, {"SELEC 2", 1}, {"SELECT 3", 2}}));
}

TEST(StatementSplitTest, EmptyAndCommentOnlyScriptsHaveNoStatements) {
  for (Dialect d : {Dialect::kPostgres, Dialect::kSqlite, Dialect::kMysql}) {
    for (const char* script : {"", "  \n", ";;", "-- nothing\n/* here */;\n", "; -- x"}) {
      EXPECT_TRUE(Statements(d, script).empty()) << Name(d) << ": " << script;
    }
  }
}

TEST(StatementSplitTest, TrailingCommentsAreNotPartOfTheStatement) {
  for (Dialect d : {Dialect::kPostgres, Dialect::kSqlite, Dialect::kMysql}) {
    SCOPED_TRACE(Name(d));
    EXPECT_EQ(Statements(d, "SELECT '--x' -- real\n;"),
              (std::vector<Expected>{{"SELECT '--x'", 1}}));
    EXPECT_EQ(Statements(d, "SELECT '/*' /* a */ /* b */\n"),
              (std::vector<Expected>{{"SELECT '/*'", 1}}));
    EXPECT_EQ(Statements(d, "SELECT 1 -- a\n -- b\n\n"), (std::vector<Expected>{{"SELECT 1", 1}}));
    EXPECT_EQ(Statements(d, "SELECT 1 -- a\n + 2 -- b"),
              (std::vector<Expected>{{"SELECT 1 -- a\n + 2", 1}}));
  }
}

struct BadScript {
  Dialect dialect;
  std::string script;
  std::string error;  // a part of the message
  int line;
  int column;
};

TEST(StatementSplitTest, ScriptsThatCannotBeSplitGiveTheErrorAndItsPosition) {
  const BadScript cases[] = {
      {Dialect::kPostgres, "SELECT 1;\nSELECT 'é', 'oops;\n", "unterminated quoted string", 2, 13},
      {Dialect::kPostgres, "SELECT 1;\n  SELECT $x$ body; $y$", "unterminated dollar-quoted", 2,
       10},
      {Dialect::kPostgres, "SELECT 1; /* a /* b */ still open", "unterminated /* comment", 1, 11},
      {Dialect::kPostgres, "SELECT E'\\';", "unterminated quoted string", 1, 8},
      {Dialect::kPostgres, std::string("SELECT 1;\nSEL\0", 15), "NUL byte", 2, 4},
      {Dialect::kPostgres, "SELECT 1;\nSELECT 'é\xff';\n", "invalid UTF-8", 2, 10},
      {Dialect::kSqlite, "SELECT 1;\n  INSERT INTO t VALUES ('oops);\n", "unterminated string", 2,
       25},
      {Dialect::kSqlite, "SELECT [a;b] FROM \"t;\n", "unterminated quoted identifier", 1, 19},
      {Dialect::kSqlite, "CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM u;",
       "CREATE TRIGGER without the END", 1, 1},
      {Dialect::kSqlite, "DROP TABLE a; /* DROP TABLE b;", "unterminated /* comment", 1, 15},
      {Dialect::kSqlite, std::string("SELECT 1;\nSEL\0", 15), "NUL byte", 2, 4},
      {Dialect::kMysql, "SELECT 1;\n  INSERT INTO t VALUES ('it\\'s);\n", "unterminated string", 2,
       25},
      {Dialect::kMysql, "SELECT 1;\nSELECT `a;b FROM t;\n", "unterminated quoted identifier", 2, 8},
      {Dialect::kMysql, "DROP TABLE a; /* DROP TABLE b;", "unterminated /* comment", 1, 15},
      {Dialect::kMysql,
       "CREATE TABLE a (id INT);\n\nDELIMITER $$\nCREATE PROCEDURE p() BEGIN "
       "SELECT 1; END$$\nDELIMITER ;\n",
       "DELIMITER is a command of the mysql/mariadb client", 3, 1},
      {Dialect::kMysql, "CREATE PROCEDURE p() BEGIN SELECT 1;",
       "BEGIN ... END body without its END", 1, 1},
      {Dialect::kMysql, std::string("SELECT 1;\nSEL\0", 15), "NUL byte", 2, 4},
  };
  for (const BadScript& c : cases) {
    SCOPED_TRACE(std::string(Name(c.dialect)) + ": " + c.script);
    const ScriptSplit split = SplitScript(c.dialect, c.script);
    EXPECT_FALSE(split.ok);
    EXPECT_TRUE(split.statements.empty());
    EXPECT_NE(split.error.find(c.error), std::string::npos) << split.error;
    EXPECT_EQ(split.error_line, c.line);
    EXPECT_EQ(split.error_column, c.column);
    EXPECT_EQ(SplitErrorMessage(split).rfind(
                  "line " + std::to_string(c.line) + ":" + std::to_string(c.column) + ": ", 0),
              0u)
        << SplitErrorMessage(split);
  }
}

TEST(StatementSplitTest, LinesCountFromTheStatementsFirstToken) {
  const std::string script = "\n\n/* a\n comment */ SELECT\n1;\n-- x\n\n  SELECT 2";
  for (Dialect d : {Dialect::kPostgres, Dialect::kSqlite, Dialect::kMysql}) {
    EXPECT_EQ(Statements(d, script), (std::vector<Expected>{{"SELECT\n1", 4}, {"SELECT 2", 8}}))
        << Name(d);
  }
}

TEST(StatementSplitTest, TransactionControlIsRecognisedByItsLeadingWords) {
  for (const char* yes :
       {"BEGIN", "begin transaction", "START TRANSACTION", "COMMIT", "END", "ABORT", "ROLLBACK",
        "rollback work", "PREPARE TRANSACTION 'x'", "/* c */ COMMIT", "BEGIN IMMEDIATE"}) {
    EXPECT_TRUE(IsTransactionControl(yes)) << yes;
  }
  for (const char* no :
       {"ROLLBACK TO SAVEPOINT s", "ROLLBACK /* c */ TO s", "SAVEPOINT s", "RELEASE SAVEPOINT s",
        "PREPARE q AS SELECT 1", "SELECT 'BEGIN'",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END", ""}) {
    EXPECT_FALSE(IsTransactionControl(no)) << no;
  }
}

// MySQL's own rules: "--" starts a comment only before whitespace; routine bodies nest BEGIN ...
// END and CASE ... END CASE, while END IF / END LOOP close what holds no count.
TEST(StatementSplitTest, MysqlCommentsNeedASpaceAndRoutineBodiesNest) {
  EXPECT_EQ(Statements(Dialect::kMysql, "SELECT 1--1;\nSELECT 2 --\n;SELECT 3 -- x;\n"),
            (std::vector<Expected>{{"SELECT 1--1", 1}, {"SELECT 2", 2}, {"SELECT 3", 3}}));
  const std::string procedure =
      "CREATE PROCEDURE p(IN n INT)\nBEGIN\n  DECLARE i INT DEFAULT 0;\n  l: LOOP\n"
      "    SET i = i + 1;\n    IF i > n THEN LEAVE l; END IF;\n  END LOOP l;\n"
      "  CASE n WHEN 1 THEN SELECT 'one;'; ELSE BEGIN SELECT 'many'; END; END CASE;\n"
      "  WHILE i > 0 DO SET i = i - 1; END WHILE;\nEND";
  EXPECT_EQ(Statements(Dialect::kMysql, procedure + ";\nCALL p(2);"),
            (std::vector<Expected>{{procedure, 1}, {"CALL p(2)", 11}}));
  // Outside a routine, BEGIN starts a transaction and ends at its ';'.
  EXPECT_EQ(Statements(Dialect::kMysql, "BEGIN;\nSELECT 1;"),
            (std::vector<Expected>{{"BEGIN", 1}, {"SELECT 1", 2}}));
}

// The ';' inside one statement's strings do not rescan it (sqlite3_complete at each would: see the
// header): a large seed of that shape (150 000 of them) still splits in well under a second.
TEST(StatementSplitTest, ManySemicolonsInsideOneStatementStaySplittable) {
  std::string values;
  for (int i = 0; i < 50000; ++i) values += "a; b; c; ";
  const std::string script = "INSERT INTO t VALUES ('" + values + "');\nSELECT 1;";
  for (Dialect d : {Dialect::kPostgres, Dialect::kSqlite, Dialect::kMysql}) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<Expected> statements = Statements(d, script);
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(statements.size(), 2u) << Name(d);
    EXPECT_EQ(statements[1], (Expected{"SELECT 1", 2})) << Name(d);
    EXPECT_LT(took, std::chrono::seconds(1)) << Name(d);
  }
}

// ---- the same statements on a real database -----------------------------------------------------

class SplitOnDatabase : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      ORCH_REQUIRE_PG(url);
      url_ = url;
      dialect_ = Dialect::kPostgres;
    } else if (GetParam() == "mysql") {
      ORCH_REQUIRE_MYSQL(url);
      url_ = url;
      dialect_ = Dialect::kMysql;
    } else {
      url_ = "sqlite:" + dir_ / "split.sqlite";
      dialect_ = Dialect::kSqlite;
    }
    db_ = Open();
    ASSERT_NE(db_, nullptr);
  }

  std::unique_ptr<Database> Open() {
    auto db = OpenDatabase(url_, dir_.path());
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  // Runs `script` in a transaction and commits it.
  Status RunInTransaction(const std::string& script) {
    auto txn = db_->Begin();
    if (!txn.ok()) return txn.status();
    ORCH_RETURN_IF_ERROR((*txn)->ExecScript(script));
    return (*txn)->Commit();
  }

  // Drops what the tricky scripts create.
  void DropAll() {
    std::string drop = dialect_ == Dialect::kPostgres  // BEGIN ATOMIC bodies depend on t
                           ? "DROP FUNCTION IF EXISTS f; DROP PROCEDURE IF EXISTS p;"
                           : "";
    drop +=
        "DROP TABLE IF EXISTS t; DROP TABLE IF EXISTS a; DROP TABLE IF EXISTS b; "
        "DROP TABLE IF EXISTS " +
        db_->QuoteIdent("we;ird") + ";";
    const Status dropped = db_->ExecScriptNoTransaction(drop);
    EXPECT_TRUE(dropped.ok()) << dropped.message();
  }

  TempDir dir_;
  std::string url_;
  Dialect dialect_ = Dialect::kSqlite;
  std::unique_ptr<Database> db_;
};

// Every tricky script of the dialect runs on the real database, with the effect of exactly its
// statements; then a statement appended after it fails, named by the line that the splitter and
// the analysis give it: execution counted the statements and lines as they did.
TEST_P(SplitOnDatabase, TrickyScriptsRunAsSplitAndFailuresNameTheAnalysedLine) {
  for (const Tricky& t : TrickyScripts()) {
    if (t.dialect != dialect_) continue;
    SCOPED_TRACE(t.name);
    DropAll();
    const Status ran = RunInTransaction(t.script);
    ASSERT_TRUE(ran.ok()) << ran.message();
    {
      auto txn = db_->Begin();
      ASSERT_TRUE(txn.ok());
      auto rows = (*txn)->Query(t.check);
      ASSERT_TRUE(rows.ok()) << rows.status().message();
      EXPECT_EQ(rows->rows, t.check_rows);
    }

    // Again on fresh tables, with a failing statement after the script.
    const std::string failing = t.script + "\n;\n\n  INSERT INTO no_such_table VALUES (1);\n";
    const ScriptAnalysis analysed = AnalyzeScript(dialect_, failing);
    ASSERT_TRUE(analysed.ok) << analysed.error;
    ASSERT_EQ(analysed.statements.size(), t.statements.size() + 1);
    const int line = analysed.statements.back().line;
    DropAll();
    const Status failed = RunInTransaction(failing);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.message().rfind("line " + std::to_string(line) + ": ", 0), 0u)
        << failed.message();
    EXPECT_NE(failed.message().find("statement: INSERT INTO no_such_table VALUES (1)"),
              std::string::npos)
        << failed.message();
  }
}

// A script that cannot be split runs none of its statements, also outside a transaction, and
// says where it is broken.
TEST_P(SplitOnDatabase, AScriptThatCannotBeSplitRunsNothing) {
  ASSERT_TRUE(RunInTransaction("CREATE TABLE t (id INTEGER)").ok());
  const Status st = db_->ExecScriptNoTransaction(
      "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\nINSERT INTO t VALUES ('3);\n");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kFailed);
  EXPECT_EQ(st.message().rfind("line 3:23: unterminated ", 0), 0u) << st.message();
  EXPECT_NE(st.message().find("nothing of the script ran"), std::string::npos) << st.message();
  auto txn = db_->Begin();
  ASSERT_TRUE(txn.ok());
  auto rows = (*txn)->Query("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->rows, (std::vector<Row>{{"0"}}));
}

// SqlStringLiteral (the one quoting function of generated SQL) gives the engine back the text
// as it was: quotes, backslashes, semicolons, dollar quotes, newlines and non-ASCII.
TEST_P(SplitOnDatabase, StringLiteralsReadBackAsTheTextTheyQuote) {
  const std::vector<std::string> texts = {"",           "it's",     "''",     "a\\b\\'",
                                          "x; DROP t;", "$$ $q$ $", "l1\nl2", "Zürich ☃"};
  for (const std::string& text : texts) {
    SCOPED_TRACE(text);
    auto txn = db_->Begin();
    ASSERT_TRUE(txn.ok());
    auto rows = (*txn)->Query("SELECT " + SqlStringLiteral(text));
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    EXPECT_EQ(rows->rows, (std::vector<Row>{{text}}));
  }
}

INSTANTIATE_TEST_SUITE_P(Adapters, SplitOnDatabase,
                         ::testing::Values("sqlite", "postgresql", "mysql"),
                         [](const auto& param_info) { return param_info.param; });

// The one name of each dialect (messages, JSON, the review script's header): what the removed
// Database::Dialect() returned, and what each adapter's Kind() is called.
TEST(DialectNameTest, NamesRoundTrip) {
  ExpectNamesRoundTrip<Dialect>(
      {{Dialect::kPostgres, "postgresql"},
       {Dialect::kSqlite, "sqlite"},
       {Dialect::kMysql, "mysql"}},
      [](Dialect d) { return DialectName(d); },
      [](const std::string& s) { return DialectFromName(s); });
}

}  // namespace
}  // namespace orchestrate::testing
