// Status and Result (plans/status.h): a Result never holds neither a value nor a failure, a failed
// Result's value() is a loud bug, and secondary failures are joined to the first, not dropped.
#include "plans/status.h"

#include <gtest/gtest.h>

#include <string>

namespace orchestrate {
namespace {

TEST(ResultTest, AnOkStatusWithoutAValueBecomesAFailureSayingSo) {
  Result<int> r = Status::Ok();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kFailed);
  EXPECT_NE(r.status().message().find("OK status and no value"), std::string::npos);
}

TEST(ResultTest, AValueAndAFailureAreWhatTheySay) {
  Result<std::string> v = std::string("x");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "x");
  EXPECT_TRUE(v.status().ok());
  Result<int> f = Status::NeedsHuman("locked");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kNeedsHuman);
}

TEST(ResultDeathTest, ValueOfAFailedResultAbortsWithItsMessage) {
  Result<int> f = Status::Failed("the database is gone");
  EXPECT_DEATH((void)f.value(), "value\\(\\) of a failed result: the database is gone");
}

TEST(StatusTest, SecondaryFailuresAreJoinedToTheFirst) {
  Status first = Status::Failed("step 3 failed");
  Status joined =
      first.Also("recording it in the journal", {Status::Ok(), Status::Failed("disk full")});
  EXPECT_EQ(joined.code(), Code::kFailed);
  EXPECT_EQ(joined.message(), "step 3 failed\n(also, recording it in the journal: disk full)");
  EXPECT_EQ(first.Also("x", {Status::Ok()}).message(), "step 3 failed");
  // On an OK status, the first secondary failure is the failure.
  Status from_ok = Status::Ok().Also("x", {Status::Usage("bad flag"), Status::Failed("later")});
  EXPECT_EQ(from_ok.code(), Code::kUsage);
  EXPECT_EQ(from_ok.message(), "bad flag\n(also, x: later)");
}

}  // namespace
}  // namespace orchestrate
