// Fuzzes the statement splitter that analysis and execution share (migrations/statement_split.h),
// in both dialects: total on any input; every statement is the exact slice of the script at its
// offset, on the line it reports, with no space or ';' at either end; an error has a position in
// the script. For PostgreSQL, whenever the whole script parses, the statements are the parser's
// (the same number, each inside the parser's range of it), which is what the analysis relies on.
// For SQLite, sqlite3_complete() agrees with each statement's end: complete with its ';', and at
// no earlier ';' inside it.
#include <pg_query.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "migrations/statement_split.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace orchestrate;
using namespace orchestrate::fuzz;

void CheckSplit(const std::string& script, const ScriptSplit& split) {
  const int lines = 1 + static_cast<int>(std::count(script.begin(), script.end(), '\n'));
  if (!split.ok) {
    Check(split.statements.empty(), "no statements with an error");
    Check(!split.error.empty(), "an error says what is wrong");
    Check(split.error_line >= 1 && split.error_line <= lines, "the error line is in the script");
    Check(split.error_column >= 1, "the error column is positive");
    return;
  }
  std::size_t end_of_previous = 0;
  for (const SqlStatement& s : split.statements) {
    Check(!s.text.empty(), "no empty statements");
    Check(s.offset >= end_of_previous, "statements are in order and do not overlap");
    Check(s.offset + s.text.size() <= script.size(), "a statement lies within the script");
    Check(script.compare(s.offset, s.text.size(), s.text) == 0, "text is the slice at offset");
    // Whitespace for both scanners ('\v' is not: PostgreSQL 15 and SQLite read it as a token).
    Check(std::string(" \t\n\r\f").find(s.text.front()) == std::string::npos, "no leading space");
    Check(std::string(" \t\n\r\f").find(s.text.back()) == std::string::npos, "no trailing space");
    Check(s.text.back() != ';' || s.text.size() > 1, "no statement is a lone ';'");
    const int line = 1 + static_cast<int>(std::count(
                             script.begin(), script.begin() + static_cast<long>(s.offset), '\n'));
    Check(s.line == line, "line is the 1-based line of the statement's first character");
    (void)IsTransactionControl(s.text);
    end_of_previous = s.offset + s.text.size();
  }
}

// When the script parses, the parser's statements and the splitter's are the same ones.
void CheckAgainstParser(const std::string& script, const ScriptSplit& split) {
  if (!split.ok) return;
  PgQuerySplitResult parsed = pg_query_split_with_parser(script.c_str());
  if (parsed.error == nullptr) {
    Check(parsed.n_stmts == static_cast<int>(split.statements.size()),
          "the parser and the splitter count the same statements");
    for (int i = 0; i < parsed.n_stmts && i < static_cast<int>(split.statements.size()); ++i) {
      const auto from = static_cast<std::size_t>(parsed.stmts[i]->stmt_location);
      const auto len = static_cast<std::size_t>(parsed.stmts[i]->stmt_len);
      const std::size_t limit = len == 0 ? script.size() : from + len;
      const SqlStatement& s = split.statements[static_cast<std::size_t>(i)];
      Check(s.offset >= from && s.offset + s.text.size() <= limit,
            "each statement lies in the parser's range of it");
    }
  }
  pg_query_free_split_result(parsed);
}

// SQLite would end each statement where the splitter does, and not before.
void CheckAgainstSqlite(const ScriptSplit& split) {
  if (!split.ok) return;
  for (const SqlStatement& s : split.statements) {
    Check(sqlite3_complete((s.text + "\n;").c_str()) != 0, "SQLite finds the statement complete");
    for (std::size_t p = s.text.find(';'); p != std::string::npos; p = s.text.find(';', p + 1)) {
      Check(sqlite3_complete(s.text.substr(0, p + 1).c_str()) == 0,
            "SQLite does not end the statement at a ';' inside it");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string script(reinterpret_cast<const char*>(data), size);
  const ScriptSplit pg = SplitScript(Dialect::kPostgres, script);
  CheckSplit(script, pg);
  CheckAgainstParser(script, pg);
  const ScriptSplit sqlite = SplitScript(Dialect::kSqlite, script);
  CheckSplit(script, sqlite);
  CheckAgainstSqlite(sqlite);
  return 0;
}
