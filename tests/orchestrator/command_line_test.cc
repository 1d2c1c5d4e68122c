// The commands printed for people (orchestrator/command_line.h): quoted so that a shell splits them
// back into the same words, and complete.
#include "orchestrator/command_line.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace orchestrate {
namespace {

TEST(ShellJoinTest, QuotesWhatAShellWouldSplitOrExpand) {
  EXPECT_EQ(ShellJoin({"orchestrate", "rollback", "plan.yaml", "--to", "1.2.0"}),
            "orchestrate rollback plan.yaml --to 1.2.0");
  EXPECT_EQ(ShellJoin({"--reason", "checkout 500s", "it's $HOME", ""}),
            "--reason 'checkout 500s' 'it'\\''s $HOME' ''");
}

TEST(ShellQuoteTest, OneLineWritesControlCharactersAsBashEscapes) {
  EXPECT_EQ(ShellQuote("a\nb"), "'a\nb'");  // a shell reads the newline back
  EXPECT_EQ(ShellQuote("fix: it's\n\tdone\x01", true), "$'fix: it\\'s\\n\\tdone\\x01'");
  EXPECT_EQ(ShellQuote("{}", true), "'{}'");  // brace expansion: never bare
  EXPECT_EQ(ShellQuote("plain-word_1.2", true), "plain-word_1.2");
}

TEST(ShellJoinTest, SplitGivesBackTheSameWords) {
  const std::vector<std::string> words = {"orchestrate",
                                          "rollback",
                                          "/tmp/a b/plan.yaml",
                                          "--reason",
                                          "a 'quoted' \"x\"",
                                          "$(rm -rf /)",
                                          "back\\slash",
                                          "tab\there",
                                          "",
                                          "postgresql://u@h/db?sslmode=require&x=1"};
  auto split = ShellSplit(ShellJoin(words));
  ASSERT_TRUE(split.ok()) << split.status().message();
  EXPECT_EQ(*split, words);
}

TEST(ShellSplitTest, DoubleQuotesBackslashesAndErrors) {
  auto split = ShellSplit("a \"b \\\"c\\\" $d\" e\\ f");
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(*split, (std::vector<std::string>{"a", "b \"c\" $d", "e f"}));
  EXPECT_FALSE(ShellSplit("a 'unterminated").ok());
  EXPECT_FALSE(ShellSplit("a \"unterminated").ok());
}

TEST(InvocationTest, CommandsRepeatTheEnvironmentTheDatabaseAndTheRunsOptions) {
  Invocation how{"deploy/plan.yaml",
                 "staging",
                 "postgresql://deploy:***@db/shop",
                 {"--reason", "checkout 500s", "--allow-major"}};
  EXPECT_EQ(how.Command("force", {"--unlock"}),
            "orchestrate force deploy/plan.yaml --env staging --database "
            "'postgresql://deploy:***@db/shop' --unlock");
  EXPECT_EQ(how.RunCommand("rollback", "1.2.0"),
            "orchestrate rollback deploy/plan.yaml --env staging --database "
            "'postgresql://deploy:***@db/shop' --to 1.2.0 --reason 'checkout 500s' --allow-major");
  EXPECT_NE(how.Note().find("without its password"), std::string::npos);
  EXPECT_EQ(Invocation({"plan.yaml", "local", "", {}}).Note(), "");
}

TEST(ResumeCommandOfTest, TheStoredCommandWithThisPlanFileElseOneBuiltFromTheRun) {
  EXPECT_EQ(ResumeCommandOf("orchestrate rollback old/plan.yaml --env prod --to 1.0.0 --reason "
                            "'x y'",
                            "plan.yaml", "rollback", "prod", "1.0.0", "x y"),
            "orchestrate rollback plan.yaml --env prod --to 1.0.0 --reason 'x y'");
  // A run recorded before commands were stored whole.
  EXPECT_EQ(ResumeCommandOf("rollback --to 1.0.0", "plan.yaml", "rollback", "prod", "1.0.0", "x y"),
            "orchestrate rollback plan.yaml --env prod --to 1.0.0 --reason 'x y'");
}

}  // namespace
}  // namespace orchestrate
