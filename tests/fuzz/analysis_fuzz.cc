// Fuzzes AnalyzeScript (migrations/analysis/analysis.h) in both dialects with the same input:
// never crashes, and the result keeps the header's promises (conservative when not understood,
// positions within the script, a reason for every destructive statement).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "migrations/analysis/analysis.h"
#include "tests/fuzz/fuzz_util.h"

namespace orchestrate::fuzz {
namespace {

void CheckAnalysis(Dialect dialect, const std::string& script) {
  ScriptAnalysis a = AnalyzeScript(dialect, script);
  const int lines = 1 + static_cast<int>(std::count(script.begin(), script.end(), '\n'));
  if (!a.ok) {
    Check(a.statements.empty(), "no statements when the script does not parse");
    Check(!a.error.empty(), "a parse failure says why");
    Check(a.error_line >= 0 && a.error_line <= lines, "the error line is within the script");
    Check(a.error_column >= 0, "the error column is not negative");
    return;
  }
  int previous_line = 1;
  for (const auto& s : a.statements) {
    Check(s.line >= previous_line && s.line <= lines, "statement lines are in order, in range");
    previous_line = s.line;
    Check(LockLevelName(s.lock) != nullptr, "every lock level has a name");
    Check(s.analysable || s.destroys_data, "what is not understood counts as destructive");
    Check(s.destroys_data == !s.destroys.empty(), "a destructive statement says what it destroys");
    if (dialect == Dialect::kSqlite)
      Check(s.lock == LockLevel::kNone || s.lock == LockLevel::kDatabase,
            "SQLite locks the whole database or nothing");
  }
}

}  // namespace
}  // namespace orchestrate::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace orchestrate;
  const std::string script(reinterpret_cast<const char*>(data), size);
  fuzz::CheckAnalysis(Dialect::kPostgres, script);
  fuzz::CheckAnalysis(Dialect::kSqlite, script);
  return 0;
}
