#include "migrations/mysql/portable_sql.h"

#include <cctype>
#include <set>

namespace orchestrate {
namespace mysql {
namespace {

enum class Kind { kWord, kString, kQuoted, kParam, kNumber, kSpace, kOther };

struct Token {
  Kind kind;
  std::string text;
};

bool IsWordStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsWordChar(char c) {
  return IsWordStart(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}
std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// orchestrate's own SQL: '...' strings (PostgreSQL's rules: '' stands for '), "..." and `...`
// identifiers, words, $n, numbers, whitespace and single characters.
std::vector<Token> Tokenize(const std::string& s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    std::size_t j = i + 1;
    Kind kind = Kind::kOther;
    if (std::isspace(static_cast<unsigned char>(c))) {
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      kind = Kind::kSpace;
    } else if (c == '\'' || c == '"' || c == '`') {
      while (j < s.size()) {
        if (s[j] == c && j + 1 < s.size() && s[j + 1] == c) {
          j += 2;
          continue;
        }
        if (s[j] == c) {
          ++j;
          break;
        }
        ++j;
      }
      kind = c == '\'' ? Kind::kString : Kind::kQuoted;
    } else if (c == '$' && j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      kind = Kind::kParam;
    } else if (IsWordStart(c)) {
      while (j < s.size() && IsWordChar(s[j])) ++j;
      kind = Kind::kWord;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
      kind = Kind::kNumber;
    }
    out.push_back({kind, s.substr(i, j - i)});
    i = j;
  }
  return out;
}

bool IsWord(const Token& t, const char* word) {
  return t.kind == Kind::kWord && Upper(t.text) == word;
}

// The index of the next token that is not whitespace, from `i` on; tokens.size() when none.
std::size_t Next(const std::vector<Token>& t, std::size_t i) {
  while (i < t.size() && t[i].kind == Kind::kSpace) ++i;
  return i;
}

// A "..." identifier as a `...` one.
std::string Backticked(const std::string& quoted) {
  std::string inner = quoted.substr(1, quoted.size() - 2), out = "`";
  for (std::size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '"' && i + 1 < inner.size() && inner[i + 1] == '"') ++i;
    if (inner[i] == '`') out += '`';
    out += inner[i];
  }
  return out + "`";
}

// Rewrites the ON CONFLICT clause starting at token `i` (the ON) to the end; returns whether the
// INSERT must become INSERT IGNORE.
bool RewriteOnConflict(std::vector<Token>& t, std::size_t on) {
  std::size_t i = Next(t, on + 1);  // CONFLICT
  i = Next(t, i + 1);
  if (i < t.size() && t[i].text == "(") {  // the conflict target: MySQL uses every unique key
    while (i < t.size() && t[i].text != ")") ++i;
    i = Next(t, i + 1);
  }
  // DO
  const std::size_t action = Next(t, i + 1);
  if (action < t.size() && IsWord(t[action], "NOTHING")) {
    t.erase(t.begin() + static_cast<long>(on), t.begin() + static_cast<long>(action) + 1);
    return true;
  }
  // DO UPDATE SET ...: EXCLUDED.x becomes VALUES(x)
  const std::size_t set = Next(t, action + 1);
  std::vector<Token> replacement = {{Kind::kOther, "ON DUPLICATE KEY UPDATE"}};
  t.erase(t.begin() + static_cast<long>(on), t.begin() + static_cast<long>(set) + 1);
  t.insert(t.begin() + static_cast<long>(on), replacement.begin(), replacement.end());
  for (std::size_t k = on + 1; k + 2 < t.size(); ++k) {
    if (IsWord(t[k], "EXCLUDED") && t[k + 1].text == ".") {
      t[k] = {Kind::kOther, "VALUES(" + t[k + 2].text + ")"};
      t.erase(t.begin() + static_cast<long>(k) + 1, t.begin() + static_cast<long>(k) + 3);
    }
  }
  return false;
}

// The names of the columns in a table-level PRIMARY KEY (a, b) of a CREATE TABLE.
std::set<std::string> PrimaryKeyColumns(const std::vector<Token>& t) {
  std::set<std::string> out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!IsWord(t[i], "PRIMARY")) continue;
    std::size_t k = Next(t, i + 1);
    if (k >= t.size() || !IsWord(t[k], "KEY")) continue;
    k = Next(t, k + 1);
    if (k >= t.size() || t[k].text != "(") continue;
    for (++k; k < t.size() && t[k].text != ")"; ++k)
      if (t[k].kind == Kind::kWord) out.insert(Upper(t[k].text));
  }
  return out;
}

void TranslateDdl(std::vector<Token>& t) {
  if (t.empty() || !IsWord(t[Next(t, 0)], "CREATE")) return;
  const std::size_t second = Next(t, Next(t, 0) + 1);
  if (second >= t.size() || !IsWord(t[second], "TABLE")) return;
  const std::set<std::string> keyed = PrimaryKeyColumns(t);
  int depth = 0;
  std::string column;  // the column whose type comes next, at depth 1
  bool expect_name = true;
  for (std::size_t i = 0; i < t.size(); ++i) {
    Token& tok = t[i];
    if (tok.text == "(") {
      ++depth;
      if (depth == 1) expect_name = true;
      continue;
    }
    if (tok.text == ")") {
      --depth;
      continue;
    }
    if (depth == 1 && tok.text == ",") {
      expect_name = true;
      continue;
    }
    if (depth != 1 || tok.kind == Kind::kSpace) continue;
    if (expect_name && (tok.kind == Kind::kWord || tok.kind == Kind::kQuoted)) {
      column = Upper(tok.text);
      expect_name = false;
      // The type follows the name.
      const std::size_t type = Next(t, i + 1);
      if (type >= t.size() || !IsWord(t[type], "TEXT")) continue;
      bool key = keyed.count(column) > 0 ||
                 (column.size() > 3 && column.compare(column.size() - 3, 3, "_ID") == 0);
      const std::size_t after = Next(t, type + 1);
      if (after < t.size() && IsWord(t[after], "PRIMARY")) key = true;
      if (key) t[type].text = "VARCHAR(255)";
    }
  }
  t.push_back({Kind::kOther, " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"});
}

// MySQL assigns an UPDATE's SET list left to right, each expression seeing the columns assigned
// before it; SQLite and PostgreSQL give every expression the row's old values. Reorders the
// assignments so that one reading another's column comes before it (a stable topological order;
// as written when that is impossible, a cycle MySQL cannot express anyway).
void OrderAssignments(std::vector<Token>& t) {
  std::size_t first = Next(t, 0);
  if (first >= t.size() || !IsWord(t[first], "UPDATE")) return;
  std::size_t set = first;
  int depth = 0;
  for (; set < t.size(); ++set) {
    if (t[set].text == "(") ++depth;
    if (t[set].text == ")") --depth;
    if (depth == 0 && IsWord(t[set], "SET")) break;
  }
  if (set >= t.size()) return;
  struct Assignment {
    std::string target;
    std::set<std::string> reads;
    std::vector<Token> tokens;
  };
  std::vector<Assignment> list(1);
  std::size_t end = set + 1;
  depth = 0;
  for (; end < t.size(); ++end) {
    const Token& tok = t[end];
    if (tok.text == "(") ++depth;
    if (tok.text == ")") --depth;
    if (depth == 0 && (IsWord(tok, "WHERE") || tok.text == ";")) break;
    if (depth == 0 && tok.text == ",") {
      list.emplace_back();
      continue;
    }
    Assignment& a = list.back();
    if (tok.kind == Kind::kWord && a.target.empty()) {
      a.target = Upper(tok.text);
    } else if (tok.kind == Kind::kWord) {
      a.reads.insert(Upper(tok.text));
    }
    a.tokens.push_back(tok);
  }
  std::vector<Assignment> ordered;
  std::vector<bool> placed(list.size(), false);
  while (ordered.size() < list.size()) {
    bool progress = false;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (placed[i]) continue;
      // Waits while a later-placed assignment reads the column it assigns.
      bool read_by_unplaced = false;
      for (std::size_t j = 0; j < list.size(); ++j)
        if (j != i && !placed[j] && list[j].reads.count(list[i].target)) read_by_unplaced = true;
      if (read_by_unplaced) continue;
      ordered.push_back(list[i]);
      placed[i] = true;
      progress = true;
      break;
    }
    if (!progress) return;  // a cycle: leave it as written
  }
  std::vector<Token> rebuilt;
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    if (i > 0) rebuilt.push_back({Kind::kOther, ","});
    std::vector<Token>& tokens = ordered[i].tokens;
    // Whitespace: one space before each assignment but the first keeps its own.
    while (!tokens.empty() && tokens.front().kind == Kind::kSpace) tokens.erase(tokens.begin());
    while (!tokens.empty() && tokens.back().kind == Kind::kSpace) tokens.pop_back();
    rebuilt.push_back({Kind::kSpace, " "});
    rebuilt.insert(rebuilt.end(), tokens.begin(), tokens.end());
  }
  rebuilt.push_back({Kind::kSpace, " "});
  t.erase(t.begin() + static_cast<long>(set) + 1, t.begin() + static_cast<long>(end));
  t.insert(t.begin() + static_cast<long>(set) + 1, rebuilt.begin(), rebuilt.end());
}

}  // namespace

Result<std::string> ToMysql(const std::string& sql, const std::vector<Value>& params,
                            const std::function<std::string(const std::string&)>& quote, bool ddl) {
  std::vector<Token> t = Tokenize(sql);
  if (ddl) TranslateDdl(t);
  OrderAssignments(t);
  bool ignore = false;
  std::string previous;  // the previous word, upper case
  for (std::size_t i = 0; i < t.size(); ++i) {
    Token& tok = t[i];
    if (tok.kind == Kind::kSpace) continue;
    if (tok.kind == Kind::kParam) {
      const long n = std::stol(tok.text.substr(1));
      if (n < 1 || static_cast<std::size_t>(n) > params.size())
        return Status::Invalid("parameter " + tok.text + " has no value (" +
                               std::to_string(params.size()) + " given)");
      const Value& v = params[static_cast<std::size_t>(n - 1)];
      tok.text = v ? quote(*v) : "NULL";
      tok.kind = Kind::kOther;
    } else if (tok.kind == Kind::kString) {
      // Standard SQL quoting ('' for a quote, a backslash is itself) as MySQL reads it, whose
      // strings take backslash escapes: each backslash doubled.
      std::string text;
      for (char c : tok.text) text += c == '\\' ? std::string("\\\\") : std::string(1, c);
      tok.text = text;
    } else if (tok.kind == Kind::kQuoted && tok.text[0] == '"') {
      tok.text = Backticked(tok.text);
    } else if (tok.kind == Kind::kWord) {
      const std::string word = Upper(tok.text);
      const std::size_t next = Next(t, i + 1);
      const bool qualified = i > 0 && t[i - 1].text == ".";
      if (word == "RELEASE" && !qualified) {
        tok.text = "`" + tok.text + "`";
      } else if (word == "KEY" && !qualified && previous != "PRIMARY" && previous != "FOREIGN" &&
                 previous != "UNIQUE" && previous != "DUPLICATE") {
        tok.text = "`" + tok.text + "`";
      } else if (word == "TEXT" && previous == "AS" && !ddl) {
        tok.text = "CHAR";  // CAST(x AS TEXT): MySQL casts to CHAR
      } else if (word == "ON" && next < t.size() && IsWord(t[next], "CONFLICT")) {
        ignore = RewriteOnConflict(t, i) || ignore;
        previous.clear();
        continue;
      }
      previous = word;
    }
  }
  std::string out;
  bool inserted_ignore = !ignore;
  for (const Token& tok : t) {
    out += tok.text;
    if (!inserted_ignore && IsWord(tok, "INSERT")) {
      out += " IGNORE";
      inserted_ignore = true;
    }
  }
  // Trailing whitespace left where a clause was removed.
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

}  // namespace mysql
}  // namespace orchestrate
