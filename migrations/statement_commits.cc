#include "migrations/statement_commits.h"

#include <cctype>
#include <vector>

namespace orchestrate {

bool CommitsImplicitly(Dialect dialect, const std::string& statement) {
  if (dialect != Dialect::kMysql) return false;
  std::vector<std::string> words;
  std::string word;
  for (std::size_t i = 0; i <= statement.size() && words.size() < 2; ++i) {
    const char c = i < statement.size() ? statement[i] : ' ';
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      break;
    }
  }
  if (words.empty()) return false;
  const std::string& first = words[0];
  const std::string second = words.size() > 1 ? words[1] : "";
  if ((first == "CREATE" || first == "DROP") && second == "TEMPORARY") return false;
  static const char* const kCommitting[] = {
      "CREATE", "ALTER",   "DROP",     "RENAME", "TRUNCATE", "GRANT",   "REVOKE",    "LOCK",
      "UNLOCK", "ANALYZE", "OPTIMIZE", "REPAIR", "FLUSH",    "INSTALL", "UNINSTALL", "CACHE"};
  for (const char* w : kCommitting)
    if (first == w) return true;
  return first == "LOAD" && second == "INDEX";
}

std::optional<MixedStatements> MixesDdlAndDml(Dialect dialect, const std::string& script) {
  if (dialect != Dialect::kMysql) return std::nullopt;
  const ScriptSplit split = SplitScript(dialect, script);
  if (!split.ok) return std::nullopt;
  MixedStatements mixed;
  for (const SqlStatement& statement : split.statements) {
    int& line = CommitsImplicitly(dialect, statement.text) ? mixed.ddl_line : mixed.dml_line;
    if (line == 0) line = statement.line;
  }
  if (mixed.ddl_line == 0 || mixed.dml_line == 0) return std::nullopt;
  return mixed;
}

}  // namespace orchestrate
