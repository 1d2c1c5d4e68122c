#include "migrations/mysql_tokens.h"

#include <cctype>
#include <utility>

namespace orchestrate {
namespace {

// A character of a word (MySQL identifiers and numbers).
bool WordChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}

}  // namespace

std::vector<MysqlToken> TokenizeMysql(const std::string& s) {
  std::vector<MysqlToken> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' ||
               (c == '-' && s.compare(i, 2, "--") == 0 &&
                (i + 2 >= s.size() || std::isspace(static_cast<unsigned char>(s[i + 2]))))) {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      const std::size_t end = s.find("*/", i + 2);
      i = end == std::string::npos ? s.size() : end + 2;
    } else if (c == '`') {
      MysqlToken t{MysqlToken::Kind::kQuoted, "", ""};
      for (++i; i < s.size(); ++i) {
        if (s[i] == '`' && i + 1 < s.size() && s[i + 1] == '`') {
          t.text += '`';
          ++i;
        } else if (s[i] == '`') {
          ++i;
          break;
        } else {
          t.text += s[i];
        }
      }
      out.push_back(std::move(t));
    } else if (c == '\'' || c == '"') {
      MysqlToken t{MysqlToken::Kind::kString, "", ""};
      for (++i; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          t.text += s[++i];
        } else if (s[i] == c && i + 1 < s.size() && s[i + 1] == c) {
          t.text += c;
          ++i;
        } else if (s[i] == c) {
          ++i;
          break;
        } else {
          t.text += s[i];
        }
      }
      out.push_back(std::move(t));
    } else if (WordChar(c)) {
      MysqlToken t{MysqlToken::Kind::kWord, "", ""};
      while (i < s.size() && WordChar(s[i])) t.text += s[i++];
      for (char w : t.text)
        t.upper += static_cast<char>(std::toupper(static_cast<unsigned char>(w)));
      out.push_back(std::move(t));
    } else {
      out.push_back({MysqlToken::Kind::kPunct, std::string(1, c), std::string(1, c)});
      ++i;
    }
  }
  return out;
}

}  // namespace orchestrate
