#include "migrations/postgres/sql_split.h"

#include <algorithm>

namespace orchestrate {
namespace {

constexpr std::size_t kNpos = std::string::npos;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// PostgreSQL's identifier characters: letters, '_', any non-ASCII byte; then also digits and '$'.
bool IsIdentStart(char c) {
  return IsAsciiLetter(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c) || c == '$'; }

bool StartsWith(const std::string& s, std::size_t i, const char* two) {
  return i + 1 < s.size() && s[i] == two[0] && s[i + 1] == two[1];
}

// The Skip* functions take the index of an opening token and return the index just past its
// closing token, or s.size() when it is unterminated.

std::size_t SkipLineComment(const std::string& s, std::size_t i) {
  const std::size_t newline = s.find('\n', i);
  return newline == kNpos ? s.size() : newline;
}

// /* ... */ comments nest in PostgreSQL.
std::size_t SkipBlockComment(const std::string& s, std::size_t i) {
  int depth = 0;
  while (i < s.size()) {
    if (StartsWith(s, i, "/*")) {
      ++depth;
      i += 2;
    } else if (StartsWith(s, i, "*/")) {
      i += 2;
      if (--depth == 0) return i;
    } else {
      ++i;
    }
  }
  return s.size();
}

// '...' or "...", where a doubled quote stands for itself; with `backslash` (E'...' strings) a
// backslash escapes the next character.
std::size_t SkipQuoted(const std::string& s, std::size_t i, char quote, bool backslash) {
  ++i;
  while (i < s.size()) {
    if (backslash && s[i] == '\\') {
      i += 2;
    } else if (s[i] == quote) {
      if (i + 1 < s.size() && s[i + 1] == quote) {
        i += 2;
      } else {
        return i + 1;
      }
    } else {
      ++i;
    }
  }
  return s.size();
}

// True when the quote at s[i] opens an escape string: E'...' (the E not ending a longer word).
bool IsEscapeString(const std::string& s, std::size_t i) {
  return i >= 1 && (s[i - 1] == 'E' || s[i - 1] == 'e') && (i < 2 || !IsIdentChar(s[i - 2]));
}

// The dollar-quote delimiter ("$$" or "$tag$") starting at s[i] == '$', or "" when there is none
// there (a parameter such as $1, or a '$' inside an identifier).
std::string DollarDelimiter(const std::string& s, std::size_t i) {
  if (i > 0 && IsIdentChar(s[i - 1])) return "";
  std::size_t j = i + 1;
  if (j < s.size() && IsIdentStart(s[j])) {
    while (j < s.size() && IsIdentChar(s[j]) && s[j] != '$') ++j;
  }
  if (j < s.size() && s[j] == '$') return s.substr(i, j - i + 1);
  return "";
}

std::size_t SkipDollarQuoted(const std::string& s, std::size_t i, const std::string& delimiter) {
  const std::size_t close = s.find(delimiter, i + delimiter.size());
  return close == kNpos ? s.size() : close + delimiter.size();
}

// Where the token starting at s[i] ends, for tokens that may contain ';' (quotes); i + 1 for any
// other character.
std::size_t SkipToken(const std::string& s, std::size_t i) {
  switch (s[i]) {
    case '\'':
      return SkipQuoted(s, i, '\'', IsEscapeString(s, i));
    case '"':
      return SkipQuoted(s, i, '"', false);
    case '$': {
      const std::string delimiter = DollarDelimiter(s, i);
      return delimiter.empty() ? i + 1 : SkipDollarQuoted(s, i, delimiter);
    }
    default:
      return i + 1;
  }
}

std::string TrimRight(std::string text) {
  while (!text.empty() && IsSpace(text.back())) text.pop_back();
  return text;
}

// The first `n` words of a statement, upper-cased, skipping whitespace and comments; stops at the
// first token that is not a word.
std::vector<std::string> LeadingWords(const std::string& s, std::size_t n) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (words.size() < n && i < s.size()) {
    if (IsSpace(s[i])) {
      ++i;
    } else if (StartsWith(s, i, "--")) {
      i = SkipLineComment(s, i);
    } else if (StartsWith(s, i, "/*")) {
      i = SkipBlockComment(s, i);
    } else if (IsAsciiLetter(s[i]) || s[i] == '_') {
      std::string word;
      for (; i < s.size() && (IsAsciiLetter(s[i]) || IsDigit(s[i]) || s[i] == '_'); ++i) {
        word += static_cast<char>(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
      }
      words.push_back(word);
    } else {
      break;
    }
  }
  return words;
}

}  // namespace

std::vector<SqlStatement> SplitPostgresScript(const std::string& script) {
  std::vector<SqlStatement> statements;
  std::size_t i = 0;
  int line = 1;
  std::size_t start = kNpos;  // start of the current statement, kNpos between statements
  int start_line = 0;

  auto advance_to = [&](std::size_t to) {
    line += static_cast<int>(std::count(script.data() + i, script.data() + to, '\n'));
    i = to;
  };
  auto finish_statement = [&](std::size_t end) {
    if (start == kNpos) return;
    statements.push_back({TrimRight(script.substr(start, end - start)), start, start_line});
    start = kNpos;
  };

  while (i < script.size()) {
    const char c = script[i];
    if (StartsWith(script, i, "--")) {
      advance_to(SkipLineComment(script, i));
    } else if (StartsWith(script, i, "/*")) {
      advance_to(SkipBlockComment(script, i));
    } else if (IsSpace(c)) {
      advance_to(i + 1);
    } else if (c == ';') {
      finish_statement(i);
      advance_to(i + 1);
    } else {
      if (start == kNpos) {
        start = i;
        start_line = line;
      }
      advance_to(SkipToken(script, i));
    }
  }
  finish_statement(script.size());
  return statements;
}

bool IsTransactionControl(const std::string& statement) {
  const std::vector<std::string> words = LeadingWords(statement, 2);
  if (words.empty()) return false;
  const std::string& first = words[0];
  const std::string second = words.size() > 1 ? words[1] : "";
  if (first == "BEGIN" || first == "START" || first == "COMMIT" || first == "END" ||
      first == "ABORT") {
    return true;
  }
  if (first == "ROLLBACK") return second != "TO";
  if (first == "PREPARE") return second == "TRANSACTION";
  return false;
}

}  // namespace orchestrate
