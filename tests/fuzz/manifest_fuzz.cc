// Fuzzes LoadPlan with the input as plan.yaml, next to a valid release manifest and its SQL files:
// any input must give either a plan that satisfies the model's invariants or a kInvalid Status
// whose every line names the file it is about.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "plans/manifest.h"
#include "tests/fuzz/fuzz_util.h"

namespace orchestrate::fuzz {
namespace {

const std::string& PlanDir() {
  static const std::string dir = [] {
    std::string d = ScratchDir() + "/plan";
    std::filesystem::create_directories(d + "/releases");
    std::filesystem::create_directories(d + "/sql");
    WriteFile(d + "/releases/1.0.0.yaml",
              "version: 1.0.0\nimage: shop:1.0.0\nmigrations:\n"
              "  - {id: a, up: ../sql/a.up.sql, down: ../sql/a.down.sql}\n");
    WriteFile(d + "/releases/1.1.0.yaml", "version: 1.1.0\nimage: shop:1.1.0\n");
    WriteFile(d + "/sql/a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    WriteFile(d + "/sql/a.down.sql", "DROP TABLE a;\n");
    return d;
  }();
  return dir;
}

void CheckLoad(const std::string& plan_path) {
  Result<Plan> plan = LoadPlan(plan_path, FixedLookup());
  if (!plan.ok()) {
    Check(plan.status().code() == Code::kInvalid, "LoadPlan fails with kInvalid only");
    std::istringstream lines(plan.status().message());
    int n = 0;
    for (std::string line; std::getline(lines, line); ++n)
      Check(line.rfind(ScratchDir(), 0) == 0, "every error line starts with the file it is about");
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
  std::string path = PlanDir() + "/plan.yaml";
  WriteFile(path, std::string(reinterpret_cast<const char*>(data), size));
  CheckLoad(path);
  return 0;
}
