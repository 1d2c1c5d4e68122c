// MySQL/MariaDB statement text as tokens: what the two readers of MySQL statements (the analysis,
// migrations/analysis/mysql_ddl.cc, and the catalog decision of an interrupted DDL,
// migrations/mysql/ddl_effect.cc) need to find keywords, names and clause boundaries. Not a
// parser. Pure: no database.
#pragma once

#include <string>
#include <vector>

namespace orchestrate {

struct MysqlToken {
  enum class Kind { kWord, kQuoted, kString, kPunct };
  Kind kind = Kind::kPunct;
  // A word (numbers included) as written, a `quoted` name or a 'string'/"string" unquoted
  // (doubled quotes and backslash escapes read), a punctuation character.
  std::string text;
  std::string upper;  // a word in ASCII upper case (a punctuation character as is)
};

// The tokens of one statement, comments (`-- `, `#`, `/* */`) dropped. An unterminated quote ends
// at the end of the text.
std::vector<MysqlToken> TokenizeMysql(const std::string& statement);

}  // namespace orchestrate
