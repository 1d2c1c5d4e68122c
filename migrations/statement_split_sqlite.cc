// Splitting an SQLite script: a scan of SQLite's quoting rules finds the ';' tokens, and
// sqlite3_complete(), SQLite's own judgement, decides which of them end a statement (see
// statement_split.h for why not the tails of sqlite3_prepare_v2).
//
// sqlite3_complete() reads a NUL-terminated string: a copy of the script is kept, and a NUL is put
// after a ';' while the statement up to it is judged, then taken out again.
#include <sqlite3.h>

#include <string>

#include "migrations/statement_split.h"
#include "migrations/statement_split_internal.h"

namespace orchestrate {
namespace split_internal {
namespace {

constexpr std::size_t kNpos = std::string::npos;

// SQLite's whitespace: not '\v', which its tokenizer refuses.
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

class Splitter {
 public:
  explicit Splitter(const std::string& script) : s_(script), buffer_(script) {}

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
      if (s_.compare(i, 2, "--") == 0) {
        while (i < s_.size() && s_[i] != '\n') ++i;
        continue;
      }
      if (s_.compare(i, 2, "/*") == 0) {  // SQLite's block comments do not nest
        const std::size_t close = s_.find("*/", i + 2);
        if (close == kNpos) return Error("unterminated /* comment", i);
        i = close + 2;
        continue;
      }
      if (c == ';' && begin != kNpos && !CompleteThrough(begin, i)) {
        end = ++i;  // inside a trigger body: the ';' belongs to the statement
        continue;
      }
      if (c == ';') {
        if (begin != kNpos) Add(out_, lines, s_, begin, end);
        begin = kNpos;
        ++i;
        continue;
      }
      if (begin == kNpos) begin = i;
      i = TokenEnd(i);
      if (i == kNpos) return out_;
      end = i;
    }
    if (begin != kNpos) {
      // The last statement, without its ';': one must complete it.
      if (!sqlite3_complete((s_.substr(begin, end - begin) + "\n;").c_str())) {
        return Error("CREATE TRIGGER without the END of its BEGIN ... END body", begin);
      }
      Add(out_, lines, s_, begin, end);
    }
    return out_;
  }

 private:
  // Where the token at `i` ends: past the closing quote of a '...' string, a "..." or `...`
  // identifier (a doubled quote stands for itself) or a [...] identifier; i + 1 otherwise, which
  // is enough to find the ';' tokens. kNpos (and out_ failed) when a quote is not closed.
  std::size_t TokenEnd(std::size_t i) {
    const char c = s_[i];
    if (c != '\'' && c != '"' && c != '`' && c != '[') return i + 1;
    const char close = c == '[' ? ']' : c;
    for (std::size_t j = i + 1; j < s_.size(); ++j) {
      if (s_[j] != close) continue;
      if (c != '[' && j + 1 < s_.size() && s_[j + 1] == close) {
        ++j;
        continue;
      }
      return j + 1;
    }
    Error(c == '\'' ? "unterminated string" : "unterminated quoted identifier", i);
    return kNpos;
  }

  // Whether script[begin, semicolon] (the ';' included) is a complete statement for SQLite. Only
  // a CREATE TRIGGER's body holds a ';' that is not: then the statement is judged again at every
  // ';' of its body, each time from its start.
  bool CompleteThrough(std::size_t begin, std::size_t semicolon) {
    char& after = buffer_[semicolon + 1];  // at the end, the string's own terminator
    const char saved = after;
    after = '\0';
    const bool complete = sqlite3_complete(buffer_.c_str() + begin) != 0;
    after = saved;
    return complete;
  }

  const ScriptSplit& Error(const std::string& error, std::size_t offset) {
    Fail(out_, s_, error, offset);
    return out_;
  }

  const std::string& s_;
  std::string buffer_;
  ScriptSplit out_;
};

}  // namespace

ScriptSplit SplitSqlite(const std::string& script) { return Splitter(script).Split(); }

}  // namespace split_internal
}  // namespace orchestrate
