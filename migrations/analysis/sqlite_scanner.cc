// The SQLite analyzer: a conservative scanner, not a parser. It takes the statements of the shared
// splitter (migrations/statement_split.h, which the SQLite adapter executes), tokenizes each the
// way SQLite's tokenizer does (strings, quoted identifiers, comments), and recognises statements
// by their leading keywords. Whatever it does not recognise is not analysable, hence destructive.
//
// Locks: SQLite has one write lock for the whole database. Every statement that writes (DDL, DML,
// VACUUM, REINDEX, ANALYZE, BEGIN IMMEDIATE/EXCLUSIVE, anything not recognised) reports kDatabase;
// reads (SELECT, EXPLAIN, PRAGMA, transaction control) report kNone.
#include <cctype>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "migrations/analysis/analysis.h"
#include "migrations/analysis/internal.h"

namespace orchestrate {
namespace analysis_internal {
namespace {

// ---- tokens ------------------------------------------------------------------------------------

struct Token {
  enum Type { kWord, kQuotedName, kString, kNumber, kParam, kPunct };
  Type type = kPunct;
  std::string value;  // kWord: as written; kQuotedName: unquoted; kPunct: the character
  size_t begin = 0;   // byte offsets in the text tokenized (one statement)
  size_t end = 0;
};

struct TokenizeResult {
  std::vector<Token> tokens;
  std::string error;  // empty when the script tokenized
  size_t error_offset = 0;
};

bool IsWordStart(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) || c == '_' || u >= 0x80;
}
bool IsWordChar(char c) {
  return IsWordStart(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$';
}

// The end of a quoted run that starts at `i` (on the opening quote) and closes with `close`, a
// doubled `close` standing for itself (except in [brackets]); npos when unterminated.
size_t QuotedEnd(const std::string& s, size_t i, char close, bool doubling) {
  for (size_t j = i + 1; j < s.size(); ++j) {
    if (s[j] != close) continue;
    if (doubling && j + 1 < s.size() && s[j + 1] == close) {
      ++j;
      continue;
    }
    return j + 1;
  }
  return std::string::npos;
}

std::string Unquote(const std::string& raw) {
  if (raw.size() < 2) return raw;
  const char open = raw.front();
  const char close = open == '[' ? ']' : open;
  std::string out;
  for (size_t i = 1; i + 1 < raw.size(); ++i) {
    out += raw[i];
    if (open != '[' && raw[i] == close && i + 2 < raw.size() && raw[i + 1] == close) ++i;
  }
  return out;
}

TokenizeResult Tokenize(const std::string& s) {
  TokenizeResult r;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (s.compare(i, 2, "--") == 0) {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (s.compare(i, 2, "/*") == 0) {  // SQLite's block comments do not nest
      const size_t close = s.find("*/", i + 2);
      if (close == std::string::npos) {
        r.error = "unterminated /* comment";
        r.error_offset = i;
        return r;
      }
      i = close + 2;
      continue;
    }
    Token t;
    t.begin = i;
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
      const char close = c == '[' ? ']' : c;
      const size_t end = QuotedEnd(s, i, close, c != '[');
      if (end == std::string::npos) {
        r.error = c == '\'' ? "unterminated string" : "unterminated quoted identifier";
        r.error_offset = i;
        return r;
      }
      t.type = c == '\'' ? Token::kString : Token::kQuotedName;
      t.value = Unquote(s.substr(i, end - i));
      i = end;
    } else if (IsWordStart(c)) {
      while (i < s.size() && IsWordChar(s[i])) ++i;
      t.type = Token::kWord;
      t.value = s.substr(t.begin, i - t.begin);
      if (i < s.size() && s[i] == '\'' && (t.value == "x" || t.value == "X")) {  // X'blob'
        const size_t end = QuotedEnd(s, i, '\'', true);
        if (end == std::string::npos) {
          r.error = "unterminated blob literal";
          r.error_offset = t.begin;
          return r;
        }
        t.type = Token::kString;
        i = end;
      }
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < s.size() &&
                std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
      t.type = Token::kNumber;
    } else if ((c == '?' || c == ':' || c == '@' || c == '$') && i + 1 < s.size() &&
               IsWordChar(s[i + 1])) {
      ++i;
      while (i < s.size() && IsWordChar(s[i])) ++i;
      t.type = Token::kParam;
    } else {
      t.type = Token::kPunct;
      t.value = std::string(1, c);
      ++i;
    }
    t.end = i;
    if (t.value.empty()) t.value = s.substr(t.begin, t.end - t.begin);
    r.tokens.push_back(std::move(t));
  }
  return r;
}

bool IsKeyword(const Token& t, const char* keyword) {
  return t.type == Token::kWord && Upper(t.value) == keyword;
}
bool IsPunct(const Token& t, char c) {
  return t.type == Token::kPunct && t.value.size() == 1 && t.value[0] == c;
}

// ---- one statement -----------------------------------------------------------------------------

// Reads a statement's tokens front to back.
class Cursor {
 public:
  explicit Cursor(const std::vector<Token>& tokens, size_t pos = 0) : t_(tokens), pos_(pos) {}

  bool AtEnd() const { return pos_ >= t_.size(); }
  size_t pos() const { return pos_; }
  const Token* Peek(size_t ahead = 0) const {
    return pos_ + ahead < t_.size() ? &t_[pos_ + ahead] : nullptr;
  }
  // Consumes the keyword when it is next.
  bool Accept(const char* keyword) {
    if (AtEnd() || !IsKeyword(t_[pos_], keyword)) return false;
    ++pos_;
    return true;
  }
  // Consumes the keywords when they are all next, in order.
  bool AcceptAll(std::initializer_list<const char*> keywords) {
    size_t p = pos_;
    for (const char* k : keywords) {
      if (p >= t_.size() || !IsKeyword(t_[p], k)) return false;
      ++p;
    }
    pos_ = p;
    return true;
  }
  // An upper-cased keyword, consumed; empty (nothing consumed) when the next token is not a word.
  std::string Word() {
    if (AtEnd() || t_[pos_].type != Token::kWord) return std::string();
    return Upper(t_[pos_++].value);
  }
  // A [schema.]name, consumed; empty when the next token is not a name.
  std::string Name() {
    if (!IsName(pos_)) return std::string();
    std::string name = t_[pos_++].value;
    if (pos_ + 1 < t_.size() && IsPunct(t_[pos_], '.') && IsName(pos_ + 1)) {
      name += "." + t_[pos_ + 1].value;
      pos_ += 2;
    }
    return name;
  }

 private:
  bool IsName(size_t p) const {
    return p < t_.size() && (t_[p].type == Token::kWord || t_[p].type == Token::kQuotedName ||
                             t_[p].type == Token::kString);
  }
  const std::vector<Token>& t_;
  size_t pos_;
};

class StatementScanner {
 public:
  StatementScanner(const std::vector<Token>& tokens, StatementAnalysis& out)
      : t_(tokens), a_(out) {}

  void Analyze() {
    Cursor c(t_);
    Statement(c);
    if (a_.kind.empty()) a_.kind = LeadingKeywords(a_.text, 2);
  }

 private:
  void Kind(const std::string& kind) {
    if (a_.kind.empty()) a_.kind = kind;
  }
  void Write() { RaiseLock(a_, LockLevel::kDatabase); }
  void Unknown(const std::string& why) {
    Write();
    MarkNotAnalysable(a_, why);
  }

  void Statement(Cursor& c) {
    const std::string first = c.Word();
    if (first == "CREATE") return Create(c);
    if (first == "DROP") return Drop(c);
    if (first == "ALTER") return Alter(c);
    if (first == "INSERT" || first == "REPLACE") return Insert(c, first);
    if (first == "UPDATE") return Update(c);
    if (first == "DELETE") return Delete(c);
    if (first == "WITH") return With(c);
    if (first == "SELECT" || first == "VALUES") {
      Kind("SELECT");
      return Reads(0);
    }
    if (first == "EXPLAIN") {
      Kind("EXPLAIN");  // EXPLAIN [QUERY PLAN] describes a statement without running it
      return Reads(0);
    }
    if (first == "BEGIN") {
      Kind("BEGIN");
      if (c.Accept("IMMEDIATE") || c.Accept("EXCLUSIVE")) Write();
      return;
    }
    if (first == "COMMIT" || first == "END") return Kind("COMMIT");
    if (first == "ROLLBACK") {
      c.Accept("TRANSACTION");
      return Kind(c.Accept("TO") ? "ROLLBACK TO SAVEPOINT" : "ROLLBACK");
    }
    if (first == "SAVEPOINT") return Kind("SAVEPOINT");
    if (first == "RELEASE") return Kind("RELEASE SAVEPOINT");
    if (first == "PRAGMA") return Pragma(c);
    if (first == "VACUUM") {
      Kind("VACUUM");
      a_.needs_no_transaction = true;  // "cannot VACUUM from within a transaction"
      return Write();
    }
    if (first == "REINDEX" || first == "ANALYZE") {
      Kind(first);
      AddTable(a_, c.Name());
      return Write();
    }
    if (first == "ATTACH" || first == "DETACH") {
      Kind(first);
      a_.needs_no_transaction = true;  // refused inside a transaction
      return;
    }
    Unknown("statement not recognised by the SQLite scanner");
  }

  void Create(Cursor& c) {
    if (!c.Accept("TEMP")) c.Accept("TEMPORARY");
    Write();
    const bool unique = c.Accept("UNIQUE");
    const std::string what = c.Word();
    const bool virtual_table = what == "VIRTUAL" && c.Accept("TABLE");
    if (unique && what != "INDEX") return Unknown("CREATE UNIQUE " + what + " not recognised");
    c.AcceptAll({"IF", "NOT", "EXISTS"});
    const std::string name = c.Name();
    if (name.empty()) return Unknown("CREATE " + what + " without a name");
    if (virtual_table) {
      Kind("CREATE VIRTUAL TABLE");
      return AddTable(a_, name);
    }
    if (what == "TABLE" || what == "VIEW") {
      Kind("CREATE " + what);
      AddTable(a_, name);
      return Reads(c.pos());  // CREATE TABLE ... AS SELECT, CREATE VIEW ... AS SELECT
    }
    if (what == "INDEX") {
      Kind("CREATE INDEX");
      if (!c.Accept("ON")) return Unknown("CREATE INDEX without ON");
      return AddTable(a_, c.Name());
    }
    if (what == "TRIGGER") {
      Kind("CREATE TRIGGER");
      // The table follows the first top-level ON; the body runs later, when the trigger fires.
      for (size_t p = c.pos(); p < t_.size() && !IsKeyword(t_[p], "BEGIN"); ++p) {
        if (IsKeyword(t_[p], "ON")) {
          Cursor on(t_, p + 1);
          return AddTable(a_, on.Name());
        }
      }
      return Unknown("CREATE TRIGGER without ON");
    }
    Unknown("CREATE " + what + " not recognised");
  }

  void Drop(Cursor& c) {
    Write();
    const std::string what = c.Word();
    if (what != "TABLE" && what != "INDEX" && what != "VIEW" && what != "TRIGGER") {
      return Unknown("DROP " + what + " not recognised");
    }
    Kind("DROP " + what);
    c.AcceptAll({"IF", "EXISTS"});
    const std::string name = c.Name();
    AddTable(a_, name);
    if (what == "TABLE") AddDestroys(a_, "drops table " + name);
  }

  void Alter(Cursor& c) {
    Write();
    if (!c.Accept("TABLE")) return Unknown("ALTER " + c.Word() + " not recognised");
    Kind("ALTER TABLE");
    const std::string table = c.Name();
    AddTable(a_, table);
    if (c.Accept("RENAME") || c.Accept("ADD")) return;  // RENAME [COLUMN|TO], ADD [COLUMN]
    if (c.Accept("DROP")) {
      c.Accept("COLUMN");
      return AddDestroys(a_, "drops column " + table + "." + c.Name());
    }
    Unknown("ALTER TABLE form not recognised");
  }

  void Insert(Cursor& c, const std::string& first) {
    Kind(first);
    Write();
    bool replace = first == "REPLACE";
    if (c.Accept("OR")) replace = c.Word() == "REPLACE";
    c.Accept("INTO");
    const std::string table = c.Name();
    AddTable(a_, table);
    if (replace) AddDestroys(a_, "replaces (deletes) the rows of " + table + " that conflict");
    for (size_t p = c.pos(); p + 1 < t_.size(); ++p) {
      if (IsKeyword(t_[p], "DO") && IsKeyword(t_[p + 1], "UPDATE")) {
        AddDestroys(a_, "updates rows of " + table + " on conflict (upsert)");
        break;
      }
    }
    Reads(c.pos());
  }

  void Update(Cursor& c) {
    Kind("UPDATE");
    Write();
    if (c.Accept("OR")) c.Word();
    const std::string table = c.Name();
    AddTable(a_, table);
    AddDestroys(a_, "updates rows of " + table + WhereText(c.pos()));
    Reads(c.pos());
  }

  void Delete(Cursor& c) {
    Kind("DELETE");
    Write();
    c.Accept("FROM");
    const std::string table = c.Name();
    AddTable(a_, table);
    AddDestroys(a_, "deletes rows of " + table + WhereText(c.pos()));
    Reads(c.pos());
  }

  // WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (query), ... then the statement.
  void With(Cursor& c) {
    c.Accept("RECURSIVE");
    int depth = 0;
    bool expect_name = true;
    for (size_t p = c.pos(); p < t_.size(); ++p) {
      const Token& t = t_[p];
      if (IsPunct(t, '(')) ++depth;
      if (IsPunct(t, ')')) --depth;
      if (depth != 0) continue;
      if (expect_name && (t.type == Token::kWord || t.type == Token::kQuotedName)) {
        ctes_.insert(t.value);
        expect_name = false;
      } else if (IsPunct(t, ',')) {
        expect_name = true;
      } else if (t.type == Token::kWord) {
        const std::string k = Upper(t.value);
        if (k == "SELECT" || k == "VALUES" || k == "INSERT" || k == "REPLACE" || k == "UPDATE" ||
            k == "DELETE") {
          Cursor rest(t_, p);
          return Statement(rest);
        }
      }
    }
    Unknown("WITH without a statement");
  }

  void Pragma(Cursor& c) {
    Kind("PRAGMA");
    std::string name = c.Name();
    const size_t dot = name.find('.');
    if (dot != std::string::npos) name = name.substr(dot + 1);
    name = Upper(name);
    const bool sets = !c.AtEnd();  // PRAGMA x = v, PRAGMA x(v)
    if (name == "WRITABLE_SCHEMA" || name == "SCHEMA_VERSION") {
      if (sets) Unknown("PRAGMA " + name + " can change the schema behind SQLite's back");
      return;
    }
    // foreign_keys is a no-op inside a transaction; the journal mode cannot change in one.
    if (sets && (name == "FOREIGN_KEYS" || name == "JOURNAL_MODE")) a_.needs_no_transaction = true;
  }

  // " matching WHERE" when a top-level WHERE follows token `from`, " (all rows, no WHERE)"
  // otherwise.
  std::string WhereText(size_t from) const {
    int depth = 0;
    for (size_t p = from; p < t_.size(); ++p) {
      if (IsPunct(t_[p], '(')) ++depth;
      if (IsPunct(t_[p], ')')) --depth;
      if (depth == 0 && IsKeyword(t_[p], "WHERE")) return " matching WHERE";
    }
    return " (all rows, no WHERE)";
  }

  // The tables named after FROM or JOIN from token `from` on (best effort: table-valued functions
  // and the second table of "FROM a, b" are not listed).
  void Reads(size_t from) {
    for (size_t p = from; p + 1 < t_.size(); ++p) {
      if (!IsKeyword(t_[p], "FROM") && !IsKeyword(t_[p], "JOIN")) continue;
      Cursor c(t_, p + 1);
      const std::string name = c.Name();
      if (name.empty() || ctes_.count(name) != 0) continue;
      const Token* next = c.Peek();
      if (next != nullptr && IsPunct(*next, '(')) continue;  // a table-valued function
      AddTable(a_, name);
    }
  }

  const std::vector<Token>& t_;
  StatementAnalysis& a_;
  std::set<std::string> ctes_;
};

void Fail(ScriptAnalysis& out, const std::string& script, const std::string& error, size_t offset) {
  out.ok = false;
  out.statements.clear();
  out.error = error;
  const LineColumn lc = LineColumnAt(script, offset);
  out.error_line = lc.line;
  out.error_column = lc.column;
}

}  // namespace

ScriptAnalysis AnalyzeSqlite(const std::string& script, Dialect split_dialect) {
  ScriptAnalysis out;
  const ScriptSplit split = SplitScript(split_dialect, script);
  if (!split.ok && split_dialect != Dialect::kSqlite) {
    out.ok = false;
    out.error = split.error;
    out.error_line = split.error_line;
    out.error_column = split.error_column;
    return out;
  }
  if (!split.ok) {
    // The tokenizer names the unterminated string, identifier or comment and where it starts;
    // the splitter knows only which statement it spoils (or that a trigger has no END).
    const TokenizeResult tokens = Tokenize(script);
    if (!tokens.error.empty()) {
      Fail(out, script, tokens.error, tokens.error_offset);
    } else {
      out.ok = false;
      out.error = split.error;
      out.error_line = split.error_line;
      out.error_column = split.error_column;
    }
    return out;
  }
  for (const SqlStatement& statement : split.statements) {
    TokenizeResult tokens = Tokenize(statement.text);
    StatementAnalysis s;
    s.text = statement.text;
    s.line = statement.line;
    if (!tokens.error.empty() && split_dialect != Dialect::kSqlite) {
      // MySQL quoting SQLite does not read (a backslash escape): not understood, so judged the
      // worst way.
      s.analysable = false;
      s.destroys_data = true;
      s.destroys = "unknown effect: a statement whose quoting the scanner cannot read";
      out.statements.push_back(std::move(s));
      continue;
    }
    if (!tokens.error.empty()) {
      Fail(out, script, tokens.error, statement.offset + tokens.error_offset);
      return out;
    }
    StatementScanner(tokens.tokens, s).Analyze();
    out.statements.push_back(std::move(s));
  }
  return out;
}

}  // namespace analysis_internal
}  // namespace orchestrate
