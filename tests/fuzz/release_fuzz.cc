// Fuzzes ParsePlan with the input as a release manifest (/fuzz/release/r.yaml, in memory) named by
// a fixed, valid plan.yaml. SQL files the manifest may name (up.sql, down.sql, seed.sql) exist next
// to it.
#include <cstddef>
#include <cstdint>
#include <set>
#include <sstream>
#include <string>

#include "plans/manifest.h"
#include "tests/fuzz/fuzz_util.h"

namespace orchestrate::fuzz {
namespace {

const char kDir[] = "/fuzz/release";
const char kPlanText[] =
    "app: shop\nreleases: [0.9.0.yaml, r.yaml]\nenvironments:\n  local:\n"
    "    database: sqlite:${STATE_DIR}/x.db\n    deployer: {kind: file, path: image}\n";

// The files around the input, which goes in as r.yaml.
MemoryPlanFiles FilesWith(const std::string& release) {
  static const MemoryPlanFiles fixed = [] {
    MemoryPlanFiles f;
    f.Add("/fuzz/release/0.9.0.yaml", "version: 0.9.0\nimage: shop:0.9.0\n");
    f.Add("/fuzz/release/up.sql", "CREATE TABLE a (id INTEGER);\n");
    f.Add("/fuzz/release/down.sql", "DROP TABLE a;\n");
    f.Add("/fuzz/release/seed.sql", "INSERT INTO a VALUES (1);\n");
    return f;
  }();
  MemoryPlanFiles files = fixed;
  files.Add("/fuzz/release/r.yaml", release);
  return files;
}

}  // namespace
}  // namespace orchestrate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace orchestrate;
  using namespace orchestrate::fuzz;
  const MemoryPlanFiles files = FilesWith(std::string(reinterpret_cast<const char*>(data), size));
  Result<Plan> plan = ParsePlan(kPlanText, std::string(kDir) + "/plan.yaml", FixedLookup(), files);
  if (!plan.ok()) {
    Check(plan.status().code() == Code::kInvalid, "LoadPlan fails with kInvalid only");
    std::istringstream lines(plan.status().message());
    for (std::string line; std::getline(lines, line);)
      Check(line.rfind(std::string(kDir) + "/", 0) == 0, "every error line names its file");
    return 0;
  }
  Check(plan->releases.size() == 2, "both releases load");
  std::set<std::string> ids;
  for (const auto& rel : plan->releases) {
    Check(!rel.version.empty() && !rel.image.empty(), "version and image are required");
    for (const auto& m : rel.migrations) {
      Check(ids.insert(m.id).second, "migration ids are unique");
      Check(!m.id.empty(), "migration ids are not empty");
      Check(m.up.present == !m.up.sha256.empty(), "a present file has a checksum");
    }
    for (const auto& s : rel.seeds) Check(!s.tables.empty(), "a seed names its tables");
  }
  (void)plan->MissingFiles();
  return 0;
}
