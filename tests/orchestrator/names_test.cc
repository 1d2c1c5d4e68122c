// The orchestrator's own vocabularies: every value round-trips through its name (as printed in
// text and JSON output) and an unknown name is refused rather than read as another value.
#include <gtest/gtest.h>

#include <string>

#include "orchestrator/check.h"
#include "orchestrator/cli/options.h"
#include "orchestrator/fleet.h"
#include "tests/support/names_test_util.h"

namespace orchestrate {
namespace {

TEST(OrchestratorNamesTest, CheckLevel) {
  ExpectNamesRoundTrip<CheckLevel>(
      {{CheckLevel::kNoGo, "no-go"},
       {CheckLevel::kWarning, "warning"},
       {CheckLevel::kInfo, "info"}},
      [](CheckLevel v) { return Name(v); },
      [](const std::string& s) { return CheckLevelFromName(s); });
}

TEST(OrchestratorNamesTest, TargetOutcome) {
  ExpectNamesRoundTrip<TargetOutcome>(
      {{TargetOutcome::kDone, "done"},
       {TargetOutcome::kResumed, "resumed"},
       {TargetOutcome::kNothingToDo, "nothing to do"},
       {TargetOutcome::kPlanned, "planned"},
       {TargetOutcome::kFailed, "failed"},
       {TargetOutcome::kNeedsHuman, "needs a human"},
       {TargetOutcome::kNotStarted, "not started"}},
      [](TargetOutcome v) { return Name(v); },
      [](const std::string& s) { return TargetOutcomeFromName(s); });
}

// The summary table and the report's counts read the enum: one target per outcome.
TEST(OrchestratorNamesTest, FleetSummaryCountsEachOutcome) {
  FleetReport r;
  r.kind = "rollback";
  for (TargetOutcome o : {TargetOutcome::kDone, TargetOutcome::kFailed, TargetOutcome::kNotStarted,
                          TargetOutcome::kNothingToDo}) {
    TargetReport t;
    t.target = std::string("sqlite:") + Name(o) + ".db";
    t.outcome = o;
    if (o == TargetOutcome::kFailed) t.status = Status::Failed("boom");
    r.targets.push_back(t);
  }
  std::string text = RenderFleetText(r);
  EXPECT_NE(text.find("nothing to do"), std::string::npos) << text;
  EXPECT_NE(text.find("not started"), std::string::npos) << text;
  Status overall = r.Overall();
  EXPECT_FALSE(overall.ok());
  EXPECT_NE(overall.message().find("2 target(s) failed or not started"), std::string::npos)
      << overall.message();
}

TEST(OrchestratorNamesTest, OutputFormat) {
  ExpectNamesRoundTrip<cli::OutputFormat>(
      {{cli::OutputFormat::kText, "text"}, {cli::OutputFormat::kJson, "json"}},
      [](cli::OutputFormat v) { return cli::Name(v); },
      [](const std::string& s) { return cli::OutputFormatFromName(s); });
  cli::GlobalOptions g;
  EXPECT_EQ(g.output, cli::OutputFormat::kText);
  EXPECT_EQ(g.log_format, cli::OutputFormat::kText);
}

}  // namespace
}  // namespace orchestrate
