// Fuzzes the PostgreSQL statement splitter (migrations/postgres/sql_split.h): total on any input,
// and every statement is the exact slice of the script at its offset, on the line it reports.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "migrations/postgres/sql_split.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace orchestrate;
  using namespace orchestrate::fuzz;
  const std::string script(reinterpret_cast<const char*>(data), size);
  std::vector<SqlStatement> statements = SplitPostgresScript(script);
  size_t end_of_previous = 0;
  for (const auto& s : statements) {
    Check(!s.text.empty(), "no empty statements");
    Check(s.offset >= end_of_previous, "statements are in order and do not overlap");
    Check(s.offset + s.text.size() <= script.size(), "a statement lies within the script");
    Check(script.compare(s.offset, s.text.size(), s.text) == 0, "text is the slice at offset");
    Check(!std::isspace(static_cast<unsigned char>(s.text.front())), "no leading space");
    Check(!std::isspace(static_cast<unsigned char>(s.text.back())), "trailing space trimmed");
    int line = 1 + static_cast<int>(std::count(script.begin(),
                                               script.begin() + static_cast<long>(s.offset), '\n'));
    Check(s.line == line, "line is the 1-based line of the statement's first character");
    (void)IsTransactionControl(s.text);
    end_of_previous = s.offset + s.text.size();
  }
  // A script without semicolons, quotes or comments is at most one statement.
  if (script.find_first_of(";'\"$-/") == std::string::npos) Check(statements.size() <= 1, "one");
  return 0;
}
