// The ledger's operations (migrations/ledger.h, LedgerOp): the names stored in
// orchestrate_ledger.op round-trip, and a chunk whose operation this build does not know (a newer
// build wrote it) is refused with its name, never reversed as something else.
#include <gtest/gtest.h>

#include <string>

#include "migrations/database.h"
#include "migrations/ledger.h"
#include "migrations/state_schema.h"
#include "tests/support/names_test_util.h"
#include "tests/support/test_util.h"

namespace orchestrate {
namespace {

TEST(LedgerOpTest, NamesRoundTrip) {
  ExpectNamesRoundTrip<LedgerOp>(
      {{LedgerOp::kInsert, "insert"}, {LedgerOp::kUpdate, "update"}, {LedgerOp::kDelete, "delete"}},
      [](LedgerOp v) { return Name(v); }, [](const std::string& s) { return LedgerOpFromName(s); });
}

TEST(LedgerOpTest, AChunkWithAnUnknownOperationIsRefusedAndKept) {
  testing::TempDir dir;
  auto db = OpenDatabase("sqlite:" + (dir / "ledger.db"), "");
  ASSERT_TRUE(db.ok()) << db.status().message();
  ASSERT_TRUE(EnsureStateSchema(**db).ok());
  {
    auto txn = (*db)->Begin();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)").ok());
    ASSERT_TRUE((*txn)
                    ->Exec("INSERT INTO orchestrate_ledger (id, seed_id, release, table_name, op, "
                           "key_columns, column_names, row_count, new_rows) VALUES (1, 's', "
                           "'1.0.0', 't', 'merge', '[\"id\"]', '[\"id\",\"v\"]', 1, "
                           "'[{\"id\":1,\"v\":\"a\"}]')")
                    .ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  LedgerReversal reversal("s", OnModified::kFail, 100);
  auto txn = (*db)->Begin();
  ASSERT_TRUE(txn.ok());
  auto batch = reversal.Next(**db, **txn);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().code(), Code::kFailed);
  EXPECT_NE(batch.status().message().find("unknown ledger operation 'merge'"), std::string::npos)
      << batch.status().message();
  (*txn).reset();  // rolled back
  auto read = (*db)->Begin();
  ASSERT_TRUE(read.ok());
  auto left = (*read)->Query("SELECT count(*) FROM orchestrate_ledger");
  ASSERT_TRUE(left.ok()) << left.status().message();
  EXPECT_EQ(left->rows[0][0].value_or(""), "1");
}

}  // namespace
}  // namespace orchestrate
