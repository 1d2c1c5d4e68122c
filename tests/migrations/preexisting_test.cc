// The pure half of extension ownership (migrations/preexisting.h): which objects a script's
// `CREATE ... IF NOT EXISTS` names, and a down without its drops of the ones kept.
#include "migrations/preexisting.h"

#include <gtest/gtest.h>

#include "migrations/statement_split.h"

namespace orchestrate {
namespace {

TEST(PreexistingTest, IfNotExistsObjectsOfEveryKindOnceInScriptOrder) {
  auto got = IfNotExistsObjects(
      "CREATE EXTENSION IF NOT EXISTS citext;\n"
      "create extension if not exists \"uuid-ossp\" with schema public;\n"
      "CREATE TABLE IF NOT EXISTS public.audit (id int);\n"
      "CREATE UNLOGGED TABLE IF NOT EXISTS reporting.daily (d date);\n"
      "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS audit_by_id ON audit (id);\n"
      "CREATE SEQUENCE IF NOT EXISTS \"Invoice\";\n"
      "CREATE SCHEMA IF NOT EXISTS reporting;\n"
      "CREATE TABLE plain (id int);\n"                      // not IF NOT EXISTS
      "CREATE EXTENSION IF NOT EXISTS citext;\n"            // again
      "CREATE TABLE IF NOT EXISTS t AS SELECT 'x' AS s;\n"  // a string: kept as far as read
  );
  std::vector<PreexistingObject> want = {{"extension", "citext"},  {"extension", "uuid-ossp"},
                                         {"table", "audit"},       {"table", "reporting.daily"},
                                         {"index", "audit_by_id"}, {"sequence", "Invoice"},
                                         {"schema", "reporting"}};
  EXPECT_EQ(got, want);
}

TEST(PreexistingTest, DownKeepingCommentsOutDropsOfOnlyKeptObjectsAndKeepsLineNumbers) {
  const std::string down =
      "DROP TABLE notes;\n"
      "DROP TABLE\n  audit;\n"
      "DROP EXTENSION IF EXISTS pg_trgm, citext CASCADE;\n"
      "DROP EXTENSION \"uuid-ossp\";\n"
      "DROP INDEX audit_by_id;\n";
  std::vector<PreexistingObject> dropped;
  const std::string out = DownKeeping(
      down, {{"table", "audit"}, {"extension", "citext"}, {"extension", "uuid-ossp"}}, &dropped);
  EXPECT_EQ(out,
            "DROP TABLE notes;\n"
            "/* kept by orchestrate: table audit existed before the up (policy "
            "keep_preexisting_extensions)\n */;\n"
            "DROP EXTENSION IF EXISTS pg_trgm CASCADE /* kept by orchestrate: extension citext "
            "existed before the up (policy keep_preexisting_extensions) */;\n"
            "/* kept by orchestrate: extension uuid-ossp existed before the up (policy "
            "keep_preexisting_extensions) */;\n"
            "DROP INDEX audit_by_id;\n");
  std::vector<PreexistingObject> want = {
      {"table", "audit"}, {"extension", "citext"}, {"extension", "uuid-ossp"}};
  EXPECT_EQ(dropped, want);
  // The statements that remain are what the splitter sees.
  ScriptSplit split = SplitScript(Dialect::kPostgres, out);
  ASSERT_TRUE(split.ok);
  ASSERT_EQ(split.statements.size(), 3u);
  EXPECT_EQ(split.statements[2].line, 6);
}

TEST(PreexistingTest, DownKeepingLeavesWhatItDoesNotReadAlone) {
  std::vector<PreexistingObject> dropped;
  const std::vector<PreexistingObject> kept = {{"extension", "citext"}, {"table", "audit"}};
  for (const std::string down :
       {"DROP EXTENSION citext_other;\n", "DROP TABLE audit_log;\n",
        "DROP VIEW audit;\n",  // a view is not what the up found
        "DO $$ BEGIN DROP EXTENSION citext; END $$;\n", "DROP TABLE other.audit;\n"}) {
    EXPECT_EQ(DownKeeping(down, kept, &dropped), down);
  }
  EXPECT_TRUE(dropped.empty());
  EXPECT_EQ(DownKeeping("DROP TABLE public.audit;", kept, &dropped),
            "/* kept by orchestrate: table audit existed before the up (policy "
            "keep_preexisting_extensions) */;");
}

TEST(PreexistingTest, DescribeObjects) {
  EXPECT_EQ(DescribeObjects({{"extension", "citext"}, {"table", "audit"}}),
            "extension citext, table audit");
}

}  // namespace
}  // namespace orchestrate
