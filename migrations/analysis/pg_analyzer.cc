// The PostgreSQL analyzer: libpg_query parses the whole script with the server's own grammar
// (version 15) and returns the raw parse tree as JSON, with each statement's byte range; this file
// turns ranges into text and lines, and parser errors into line:column. The statements themselves
// are analysed in pg_statement.cc.
#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "migrations/analysis/analysis.h"
#include "migrations/analysis/internal.h"
#include "migrations/analysis/pg_tree.h"

namespace orchestrate {
namespace analysis_internal {
namespace {

// ---- splitting: where a statement's text starts and ends ---------------------------------------

bool IsIdentChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}

// The end of the comment or whitespace run at `i`, or `i` when there is none there.
size_t SkipSpaceAndComments(const std::string& s, size_t i, size_t limit) {
  while (i < limit) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    } else if (s.compare(i, 2, "--") == 0) {
      while (i < limit && s[i] != '\n') ++i;
    } else if (s.compare(i, 2, "/*") == 0) {
      int depth = 0;  // PostgreSQL's block comments nest
      while (i < limit) {
        if (s.compare(i, 2, "/*") == 0) {
          ++depth;
          i += 2;
        } else if (s.compare(i, 2, "*/") == 0) {
          i += 2;
          if (--depth == 0) break;
        } else {
          ++i;
        }
      }
    } else {
      break;
    }
  }
  return std::min(i, limit);
}

// One past the last significant character of s[begin, limit): trailing comments and whitespace
// excluded. The text already parsed, so it is lexically valid.
size_t SignificantEnd(const std::string& s, size_t begin, size_t limit) {
  size_t i = begin;
  size_t end = begin;
  while (i < limit) {
    const size_t after_space = SkipSpaceAndComments(s, i, limit);
    if (after_space != i) {
      i = after_space;
      continue;
    }
    const char c = s[i];
    if (c == '\'' || c == '"') {
      // E'...' strings take backslash escapes; every quoted text doubles its quote.
      const bool backslash = c == '\'' && i > begin && (s[i - 1] == 'E' || s[i - 1] == 'e') &&
                             (i - 1 == begin || !IsIdentChar(s[i - 2]));
      ++i;
      while (i < limit) {
        if (backslash && s[i] == '\\') {
          i += 2;
        } else if (s[i] == c) {
          if (i + 1 < limit && s[i + 1] == c) {
            i += 2;
          } else {
            ++i;
            break;
          }
        } else {
          ++i;
        }
      }
    } else if (c == '$' && (i == begin || !IsIdentChar(s[i - 1])) && i + 1 < limit &&
               !std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      size_t j = i + 1;
      while (j < limit && IsIdentChar(s[j]) && s[j] != '$') ++j;
      if (j < limit && s[j] == '$') {  // a dollar quote: $tag$ ... $tag$
        const std::string tag = s.substr(i, j - i + 1);
        const size_t close = s.find(tag, j + 1);
        i = close == std::string::npos || close + tag.size() > limit ? limit : close + tag.size();
      } else {
        ++i;
      }
    } else if (IsIdentChar(c)) {
      while (i < limit && IsIdentChar(s[i])) ++i;
    } else {
      ++i;
    }
    end = i;
  }
  return std::min(end, limit);
}

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
  } else {
    offset = SkipSpaceAndComments(script, base, script.size());
  }
  const LineColumn lc = LineColumnAt(script, offset);
  out.error_line = lc.line;
  out.error_column = lc.column;
}

// The script failed to parse without an error position: find the first statement that fails on
// its own and point at it (or at the position inside it, when that parse gives one).
void LocateError(ScriptAnalysis& out, const std::string& script, const PgQueryError& error) {
  SetError(out, script, 0, script, error);
  PgQuerySplitResult split = pg_query_split_with_scanner(script.c_str());
  if (split.error == nullptr) {
    for (int i = 0; i < split.n_stmts; ++i) {
      const auto location = static_cast<size_t>(split.stmts[i]->stmt_location);
      const std::string text =
          script.substr(location, static_cast<size_t>(split.stmts[i]->stmt_len));
      PgQueryParseResult one = pg_query_parse(text.c_str());
      const bool failed = one.error != nullptr;
      if (failed) SetError(out, script, location, text, *one.error);
      pg_query_free_parse_result(one);
      if (failed) break;
    }
  }
  pg_query_free_split_result(split);
}

}  // namespace

ScriptAnalysis AnalyzePostgres(const std::string& script, SchemaFacts* facts) {
  ScriptAnalysis out;
  // libpg_query reads a C string in UTF-8 (the server's encoding for it).
  const size_t nul = script.find('\0');
  const size_t bad = InvalidUtf8Offset(script);
  if (nul != std::string::npos || bad != std::string::npos) {
    out.ok = false;
    out.error = nul < bad ? "the script contains a NUL byte" : "invalid UTF-8 byte sequence";
    const LineColumn lc = LineColumnAt(script, std::min(nul, bad));
    out.error_line = lc.line;
    out.error_column = lc.column;
    return out;
  }

  PgQueryParseResult result = pg_query_parse(script.c_str());
  if (result.error != nullptr) {
    if (result.error->cursorpos > 0) {
      SetError(out, script, 0, script, *result.error);
    } else {
      LocateError(out, script, *result.error);
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
    for (const Json& raw : List(tree, "stmts")) {
      const Json& location = Field(raw, "stmt_location");
      const Json& length = Field(raw, "stmt_len");
      const size_t from = location.is_number() ? location.get<size_t>() : 0;
      const size_t len = length.is_number() ? length.get<size_t>() : 0;
      const size_t limit = len == 0 ? script.size() : std::min(script.size(), from + len);
      const size_t begin = SkipSpaceAndComments(script, std::min(from, limit), limit);
      const size_t end = SignificantEnd(script, begin, limit);

      StatementAnalysis s;
      s.text = script.substr(begin, end - begin);
      s.line = LineColumnAt(script, begin).line;
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
