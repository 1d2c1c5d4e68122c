// AnalyzeScript's dispatch and the helpers both dialects share.
#include <algorithm>
#include <cctype>
#include <string>

#include "migrations/analysis/analysis.h"
#include "migrations/analysis/internal.h"

namespace orchestrate {

const char* LockLevelName(LockLevel level) {
  switch (level) {
    case LockLevel::kNone:
      return "NONE";
    case LockLevel::kAccessShare:
      return "ACCESS SHARE";
    case LockLevel::kRowShare:
      return "ROW SHARE";
    case LockLevel::kRowExclusive:
      return "ROW EXCLUSIVE";
    case LockLevel::kShareUpdateExclusive:
      return "SHARE UPDATE EXCLUSIVE";
    case LockLevel::kShare:
      return "SHARE";
    case LockLevel::kShareRowExclusive:
      return "SHARE ROW EXCLUSIVE";
    case LockLevel::kExclusive:
      return "EXCLUSIVE";
    case LockLevel::kAccessExclusive:
      return "ACCESS EXCLUSIVE";
    case LockLevel::kDatabase:
      return "DATABASE";
  }
  return "UNKNOWN";
}

ScriptAnalysis AnalyzeScript(Dialect dialect, const std::string& script) {
  return AnalyzeScript(dialect, script, nullptr);
}

ScriptAnalysis AnalyzeScript(Dialect dialect, const std::string& script, SchemaFacts* facts) {
  switch (dialect) {
    case Dialect::kPostgres:
      return analysis_internal::AnalyzePostgres(script, facts);
    case Dialect::kMysql: {  // no MySQL grammar: the conservative scanner, then MySQL's forms
      ScriptAnalysis out = analysis_internal::AnalyzeSqlite(script, Dialect::kMysql);
      for (StatementAnalysis& s : out.statements) analysis_internal::RefineMysql(s);
      return out;
    }
    case Dialect::kSqlite:
      break;
  }
  return analysis_internal::AnalyzeSqlite(script);
}

bool ChangesSchema(const StatementAnalysis& statement) {
  static const char* const kWords[] = {
      "CREATE",  "ALTER",  "DROP",   "TRUNCATE", "COMMENT", "GRANT",    "REVOKE", "REINDEX",
      "CLUSTER", "VACUUM", "ATTACH", "DETACH",   "PRAGMA",  "SECURITY", "IMPORT", "REFRESH"};
  const std::string kind = analysis_internal::Upper(statement.kind);
  const std::string first = kind.substr(0, kind.find(' '));
  for (const char* w : kWords)
    if (first == w) return true;
  return kind == "SELECT INTO";
}

std::vector<std::string> SchemaChangesInSeed(Dialect dialect, const std::string& script,
                                             const std::string& what) {
  std::vector<std::string> out;
  ScriptAnalysis a = AnalyzeScript(dialect, script);
  if (!a.ok) return out;
  for (const auto& st : a.statements) {
    if (!ChangesSchema(st)) continue;
    // The statement's column: where its text starts on its line.
    size_t line_start = 0;
    for (int line = 1; line < st.line && line_start != std::string::npos; ++line) {
      line_start = script.find('\n', line_start);
      if (line_start != std::string::npos) ++line_start;
    }
    int column = 1;
    if (line_start != std::string::npos) {
      size_t at = script.find(st.text.substr(0, std::min<size_t>(st.text.size(), 40)), line_start);
      if (at != std::string::npos) column = LineColumnAt(script, at).column;
    }
    std::string excerpt = st.text.substr(0, std::min<size_t>(st.text.size(), 80));
    for (char& c : excerpt)
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    if (excerpt.size() < st.text.size()) excerpt += "...";
    const bool truncate = analysis_internal::Upper(st.kind).rfind("TRUNCATE", 0) == 0;
    out.push_back(std::to_string(st.line) + ":" + std::to_string(column) + ": " + what + ": " +
                  st.kind + " (" + excerpt +
                  ") in a seed: a seed may only write rows of the tables it declares; " +
                  (truncate ? "use DELETE, which the ledger records, or move it into a migration"
                            : "move schema changes into a migration"));
  }
  return out;
}

namespace analysis_internal {

void AddTable(StatementAnalysis& s, const std::string& table) {
  if (table.empty()) return;
  if (std::find(s.tables.begin(), s.tables.end(), table) == s.tables.end()) {
    s.tables.push_back(table);
  }
}

void RaiseLock(StatementAnalysis& s, LockLevel level) {
  if (static_cast<int>(level) > static_cast<int>(s.lock)) s.lock = level;
}

void LockRelation(StatementAnalysis& s, const std::string& relation, LockLevel mode,
                  bool when_rows_written, const std::string& unknown) {
  if (mode == LockLevel::kNone || (relation.empty() && unknown.empty())) return;
  RaiseLock(s, mode);
  for (RelationLock& l : s.locks) {
    if (l.relation != relation || l.unknown != unknown) continue;
    if (static_cast<int>(mode) > static_cast<int>(l.mode)) l.mode = mode;
    l.when_rows_written = l.when_rows_written && when_rows_written;
    return;
  }
  s.locks.push_back({relation, relation.empty() ? unknown : "", mode, when_rows_written});
}

void AddDestroys(StatementAnalysis& s, const std::string& what) {
  s.destroys_data = true;
  if (what.empty() || s.destroys.find(what) != std::string::npos) return;
  if (!s.destroys.empty()) s.destroys += "; ";
  s.destroys += what;
}

void MarkNotAnalysable(StatementAnalysis& s, const std::string& why) {
  s.analysable = false;
  AddDestroys(s, why);
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string LeadingKeywords(const std::string& text, int max_words) {
  std::string out;
  int words = 0;
  size_t i = 0;
  while (i < text.size() && words < max_words) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t start = i;
    while (i < text.size() &&
           (std::isalpha(static_cast<unsigned char>(text[i])) || text[i] == '_')) {
      ++i;
    }
    if (i == start) break;
    if (!out.empty()) out += ' ';
    out += Upper(text.substr(start, i - start));
    ++words;
  }
  return out.empty() ? "UNKNOWN" : out;
}

}  // namespace analysis_internal
}  // namespace orchestrate
