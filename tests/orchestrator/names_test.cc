// The orchestrator's own vocabularies: every value round-trips through its name (as printed in
// text and JSON output) and an unknown name is refused rather than read as another value.
#include <gtest/gtest.h>

#include <string>

#include "orchestrator/check.h"
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

}  // namespace
}  // namespace orchestrate
