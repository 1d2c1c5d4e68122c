// The PostgreSQL analyzer: libpg_query parses the whole script with the server's own grammar
// (version 15) and returns the raw parse tree as JSON, with each statement's byte range; the
// statements' text and lines are those of the shared splitter (migrations/statement_split.h),
// which the adapters execute, and each is checked to lie in the parser's range of the same
// statement. Parser errors become line:column. The statements themselves are analysed in
// pg_statement.cc.
#include <pg_query.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "migrations/analysis/analysis.h"
#include "migrations/analysis/internal.h"
#include "migrations/analysis/pg_tree.h"

namespace orchestrate {
namespace analysis_internal {
namespace {

// ---- errors ------------------------------------------------------------------------------------

// Fills the error fields of `out` from a libpg_query error whose cursor position (1-based, in
// characters) is relative to `text`, which starts at byte `base` of `script`.
void SetError(ScriptAnalysis& out, const std::string& script, size_t base, const std::string& text,
              const PgQueryError& error) {
  out.ok = false;
  out.statements.clear();
  out.error = error.message != nullptr ? error.message : "syntax error";
  size_t offset = base;
  if (error.cursorpos > 0) {
    offset = base + ByteOffsetOfCodePoint(text, static_cast<size_t>(error.cursorpos - 1));
  }
  const LineColumn lc = LineColumnAt(script, offset);
  out.error_line = lc.line;
  out.error_column = lc.column;
}

// The script failed to parse without an error position: find the first statement that fails on
// its own and point at it (or at the position inside it, when that parse gives one).
void LocateError(ScriptAnalysis& out, const std::string& script, const ScriptSplit& split,
                 const PgQueryError& error) {
  SetError(out, script, 0, script, error);
  const std::size_t first = split.statements.empty() ? 0 : split.statements.front().offset;
  const LineColumn lc = LineColumnAt(script, first);
  out.error_line = lc.line;
  out.error_column = lc.column;
  for (const SqlStatement& statement : split.statements) {
    PgQueryParseResult one = pg_query_parse(statement.text.c_str());
    const bool failed = one.error != nullptr;
    if (failed) SetError(out, script, statement.offset, statement.text, *one.error);
    pg_query_free_parse_result(one);
    if (failed) break;
  }
}

// The splitter and the parser see different statements from the `index`th on: never expected, and
// reported rather than analysing statements other than those that would run.
ScriptAnalysis Disagree(const ScriptSplit& split, size_t index) {
  ScriptAnalysis out;
  out.ok = false;
  out.error =
      "the statement splitter and PostgreSQL's parser disagree on where this statement ends (a "
      "bug in orchestrate: please report it with the script)";
  out.error_line = index < split.statements.size() ? split.statements[index].line : 1;
  out.error_column = 1;
  return out;
}

}  // namespace

ScriptAnalysis AnalyzePostgres(const std::string& script, SchemaFacts* facts) {
  ScriptAnalysis out;
  const ScriptSplit split = SplitScript(Dialect::kPostgres, script);
  if (!split.ok) {  // a NUL byte, invalid UTF-8, an unterminated quote or comment
    out.ok = false;
    out.error = split.error;
    out.error_line = split.error_line;
    out.error_column = split.error_column;
    return out;
  }

  PgQueryParseResult result = pg_query_parse(script.c_str());
  if (result.error != nullptr) {
    if (result.error->cursorpos > 0) {
      SetError(out, script, 0, script, *result.error);
    } else {
      LocateError(out, script, split, *result.error);
    }
    pg_query_free_parse_result(result);
    return out;
  }
  Json tree = Json::parse(result.parse_tree != nullptr ? result.parse_tree : "", nullptr,
                          /*allow_exceptions=*/false);
  pg_query_free_parse_result(result);
  if (tree.is_discarded() || !tree.is_object()) {
    out.ok = false;
    out.error = "libpg_query returned a parse tree that is not valid JSON";
    return out;
  }

  try {
    const Json& stmts = List(tree, "stmts");
    if (stmts.size() != split.statements.size()) {
      return Disagree(
          split, stmts.size() < split.statements.size() ? stmts.size() : split.statements.size());
    }
    for (size_t i = 0; i < stmts.size(); ++i) {
      const Json& raw = stmts[i];
      const SqlStatement& statement = split.statements[i];
      // The parser's range of the statement: from the end of the previous one (comments and
      // whitespace included) to its ';', or to the end of the script when its length is 0.
      const Json& location = Field(raw, "stmt_location");
      const Json& length = Field(raw, "stmt_len");
      const size_t from = location.is_number() ? location.get<size_t>() : 0;
      const size_t len = length.is_number() ? length.get<size_t>() : 0;
      const size_t limit = len == 0 ? script.size() : std::min(script.size(), from + len);
      if (statement.offset < from || statement.offset + statement.text.size() > limit) {
        return Disagree(split, i);
      }
      StatementAnalysis s;
      s.text = statement.text;
      s.line = statement.line;
      AnalyzePgStatement(Field(raw, "stmt"), s, facts);
      out.statements.push_back(std::move(s));
    }
  } catch (const Json::exception& e) {  // a tree shaped unlike the one this file expects
    out = ScriptAnalysis();
    out.ok = false;
    out.error = std::string("could not read libpg_query's parse tree: ") + e.what();
  }
  return out;
}

}  // namespace analysis_internal
}  // namespace orchestrate
