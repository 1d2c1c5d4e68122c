// Splitting a MySQL/MariaDB script by the server's own quoting rules (sql_mode without ANSI_QUOTES
// and without NO_BACKSLASH_ESCAPES, the default): '...' and "..." strings (a backslash escapes the
// next character; a doubled quote stands for itself), `...` identifiers (`` stands for `), "-- "
// comments (the dashes must be followed by whitespace or end the line: "--1" is minus minus one),
// "#" comments, and /* */ comments, which do not nest (/*! ... */ executable comments are skipped
// as comments too; a ';' inside one is taken as the comment's).
//
// A ';' ends a statement except inside the BEGIN ... END body of CREATE PROCEDURE, FUNCTION,
// TRIGGER or EVENT, where BEGIN and CASE open a block and END closes one (END IF, END LOOP,
// END WHILE and END REPEAT close what needs no counting). The mysql/mariadb client's DELIMITER
// command is not SQL and never reaches the server: a line that starts with it is refused, with
// its line, rather than sent as a statement that would fail in a confusing way.
#include <cctype>
#include <initializer_list>
#include <string>

#include "migrations/statement_split.h"
#include "migrations/statement_split_internal.h"

namespace orchestrate {
namespace split_internal {
namespace {

constexpr std::size_t kNpos = std::string::npos;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}
std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

class Splitter {
 public:
  explicit Splitter(const std::string& script) : s_(script) {}

  ScriptSplit Split() {
    LineCounter lines(s_);
    std::size_t begin = kNpos;  // the current statement's first token, npos between statements
    std::size_t end = 0;        // one past its last token so far
    std::size_t i = 0;
    while (i < s_.size()) {
      const char c = s_[i];
      if (IsSpace(c)) {
        ++i;
        continue;
      }
      if (c == '#' ||
          (s_.compare(i, 2, "--") == 0 && (i + 2 == s_.size() || IsSpace(s_[i + 2]) ||
                                           static_cast<unsigned char>(s_[i + 2]) < 0x20))) {
        while (i < s_.size() && s_[i] != '\n') ++i;
        continue;
      }
      if (s_.compare(i, 2, "/*") == 0) {
        const std::size_t close = s_.find("*/", i + 2);
        if (close == kNpos) return Error("unterminated /* comment", i);
        i = close + 2;
        continue;
      }
      if (c == ';') {
        if (begin != kNpos && depth_ > 0) {  // inside a routine's body
          end = ++i;
          continue;
        }
        if (begin != kNpos) Add(out_, lines, s_, begin, end);
        begin = kNpos;
        words_ = 0;
        routine_ = false;
        depth_ = 0;
        ++i;
        continue;
      }
      if (begin == kNpos) {
        begin = i;
        if (IsDelimiterCommand(i)) {
          return Error(
              "DELIMITER is a command of the mysql/mariadb client, not SQL: orchestrate sends "
              "each statement on its own, so write the script without it (a CREATE PROCEDURE, "
              "FUNCTION, TRIGGER or EVENT body's BEGIN ... END may hold ';')",
              i);
        }
      }
      if (IsWordChar(c)) {
        std::size_t j = i;
        while (j < s_.size() && IsWordChar(s_[j])) ++j;
        Word(Upper(s_.substr(i, j - i)), j);
        end = i = j;
        continue;
      }
      i = TokenEnd(i);
      if (i == kNpos) return out_;
      end = i;
    }
    if (begin != kNpos) {
      if (depth_ > 0)
        return Error("a BEGIN ... END body without its END (" + std::string(first_word_) + ")",
                     begin);
      Add(out_, lines, s_, begin, end);
    }
    return out_;
  }

 private:
  // Whether the statement starting at `i` is the client's DELIMITER command (at a line's start).
  bool IsDelimiterCommand(std::size_t i) const {
    if (s_.size() - i < 9 || Upper(s_.substr(i, 9)) != "DELIMITER") return false;
    return i + 9 == s_.size() || IsSpace(s_[i + 9]);
  }

  // Follows the words of a statement: whether it creates a routine, and its BEGIN/END depth.
  void Word(const std::string& w, std::size_t after) {
    ++words_;
    if (words_ == 1) {
      first_word_ = w == "CREATE" ? "CREATE" : "";
      return;
    }
    if (first_word_.empty()) return;
    if (!routine_ && depth_ == 0 &&
        (w == "PROCEDURE" || w == "FUNCTION" || w == "TRIGGER" || w == "EVENT")) {
      routine_ = true;
      return;
    }
    if (!routine_) return;
    if (w == "BEGIN" && !NextWordIs(after, "WORK")) {
      ++depth_;
    } else if (w == "CASE" && !after_end_) {
      ++depth_;
    } else if (w == "END") {
      if (!NextWordIsAnyOf(after, {"IF", "LOOP", "WHILE", "REPEAT"}) && depth_ > 0) --depth_;
      after_end_ = true;
      return;
    }
    after_end_ = false;
  }

  std::string NextWord(std::size_t i) const {
    while (i < s_.size() && IsSpace(s_[i])) ++i;
    std::size_t j = i;
    while (j < s_.size() && IsWordChar(s_[j])) ++j;
    return Upper(s_.substr(i, j - i));
  }
  bool NextWordIs(std::size_t i, const char* word) const { return NextWord(i) == word; }
  bool NextWordIsAnyOf(std::size_t i, std::initializer_list<const char*> words) const {
    const std::string next = NextWord(i);
    for (const char* w : words)
      if (next == w) return true;
    return false;
  }

  // Where the token at `i` ends: past the closing quote of a '...' or "..." string or a `...`
  // identifier; i + 1 otherwise, which is enough to find the ';' tokens. kNpos (and out_ failed)
  // when a quote is not closed.
  std::size_t TokenEnd(std::size_t i) {
    const char c = s_[i];
    if (c != '\'' && c != '"' && c != '`') return i + 1;
    for (std::size_t j = i + 1; j < s_.size(); ++j) {
      if (c != '`' && s_[j] == '\\') {
        ++j;
        continue;
      }
      if (s_[j] != c) continue;
      if (j + 1 < s_.size() && s_[j + 1] == c) {
        ++j;
        continue;
      }
      return j + 1;
    }
    Error(c == '`' ? "unterminated quoted identifier" : "unterminated string", i);
    return kNpos;
  }

  const ScriptSplit& Error(const std::string& error, std::size_t offset) {
    Fail(out_, s_, error, offset);
    return out_;
  }

  const std::string& s_;
  ScriptSplit out_;
  int words_ = 0;           // words of the current statement so far
  std::string first_word_;  // "CREATE" when the statement starts with it
  bool routine_ = false;    // CREATE ... PROCEDURE/FUNCTION/TRIGGER/EVENT
  int depth_ = 0;           // open BEGIN/CASE blocks of a routine's body
  bool after_end_ = false;  // the previous word was END (END CASE closes, it does not open)
};

}  // namespace

ScriptSplit SplitMysql(const std::string& script) { return Splitter(script).Split(); }

}  // namespace split_internal
}  // namespace orchestrate
