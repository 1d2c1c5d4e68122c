// Fuzzes ParsePlan with the input as the text of /fuzz/plan/plan.yaml, next to valid release
// manifests and their SQL files held in memory: any input must give either a plan that satisfies
// the model's invariants or a kInvalid Status whose every line names the file it is about.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "plans/manifest.h"
#include "tests/fuzz/fuzz_util.h"

namespace orchestrate::fuzz {
namespace {

const char kPlanPath[] = "/fuzz/plan/plan.yaml";

const MemoryPlanFiles& Files() {
  static const MemoryPlanFiles files = [] {
    MemoryPlanFiles f;
    f.Add("/fuzz/plan/releases/1.0.0.yaml",
          "version: 1.0.0\nimage: shop:1.0.0\nmigrations:\n"
          "  - {id: a, up: ../sql/a.up.sql, down: ../sql/a.down.sql}\n");
    f.Add("/fuzz/plan/releases/1.1.0.yaml", "version: 1.1.0\nimage: shop:1.1.0\n");
    f.Add("/fuzz/plan/sql/a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    f.Add("/fuzz/plan/sql/a.down.sql", "DROP TABLE a;\n");
    return f;
  }();
  return files;
}

void CheckParse(const std::string& text) {
  Result<Plan> plan = ParsePlan(text, kPlanPath, FixedLookup(), Files());
  if (!plan.ok()) {
    Check(plan.status().code() == Code::kInvalid, "LoadPlan fails with kInvalid only");
    std::istringstream lines(plan.status().message());
    int n = 0;
    for (std::string line; std::getline(lines, line); ++n)
      Check(line.rfind("/fuzz/", 0) == 0, "every error line starts with the file it is about");
    Check(n > 0, "a failure says why");
    return;
  }
  Check(!plan->releases.empty(), "a loaded plan has releases");
  Check(!plan->environments.empty(), "a loaded plan has environments");
  Check(plan->environments.count(plan->default_environment) == 1,
        "the default environment is one of the environments");
  for (const auto& rel : plan->releases) {
    Check(!rel.version.empty(), "every release has a version");
    Check(plan->FindRelease(rel.version) == &rel, "versions are unique");
  }
  for (const auto& missing : plan->MissingFiles())
    Check(!missing.empty(), "MissingFiles lines are not empty");
}

}  // namespace
}  // namespace orchestrate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace orchestrate::fuzz;
  CheckParse(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
