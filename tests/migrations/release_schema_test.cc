// SchemaDiff (migrations/release_schema.h): what a rollback and `status` print when the live
// schema is not the one recorded for a release. Pure: no database.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "migrations/release_schema.h"

namespace orchestrate {
namespace {

using Lines = std::vector<std::string>;

TEST(SchemaDiff, TheSameSchemaInAnotherLineOrderHasNoDifference) {
  EXPECT_TRUE(SchemaDiff({"index t.a (x)", "column t.x #0 INTEGER null"},
                         {"column t.x #0 INTEGER null", "index t.a (x)"})
                  .empty());
}

TEST(SchemaDiff, AChangedObjectsTwoLinesStandTogetherRecordedFirstWithoutPositions) {
  const Lines recorded = {"column a.x #0 INTEGER null", "column b.y #0 TEXT null",
                          "index b.b_y (y)"};
  const Lines live = {"column a.x #0 INTEGER null", "column b.y #0 TEXT not null",
                      "index b.b_y (y)", "index a.extra (x)"};
  EXPECT_EQ(SchemaDiff(recorded, live),
            (Lines{"+ index a.extra (x)", "- column b.y TEXT null", "+ column b.y TEXT not null"}));
}

TEST(SchemaDiff, ColumnsInAnotherOrderAreOneLineOnEitherEngine) {
  // SQLite's lines carry positions; PostgreSQL's list the columns in order.
  EXPECT_EQ(SchemaDiff({"column p.a #0 INTEGER null", "column p.b #1 TEXT null"},
                       {"column p.b #0 TEXT null", "column p.a #1 INTEGER null"}),
            (Lines{"~ column order of p: (a, b) -> (b, a)"}));
  EXPECT_EQ(SchemaDiff({"column p.a integer null", "column p.b text null"},
                       {"column p.b text null", "column p.a integer null"}),
            (Lines{"~ column order of p: (a, b) -> (b, a)"}));
  // A column added is its own line, not a reordering.
  EXPECT_EQ(
      SchemaDiff({"column p.a integer null"}, {"column p.b text null", "column p.a integer null"}),
      (Lines{"+ column p.b text null"}));
}

TEST(SchemaDiff, WithoutColumnPositionLeavesOtherLinesAlone) {
  EXPECT_EQ(WithoutColumnPosition("column t.c #12 INTEGER not null"),
            "column t.c INTEGER not null");
  EXPECT_EQ(WithoutColumnPosition("index t.c_idx (c)"), "index t.c_idx (c)");
}

}  // namespace
}  // namespace orchestrate
