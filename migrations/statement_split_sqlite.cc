// Splitting an SQLite script with sqlite3_complete(), SQLite's own judgement of where a statement
// ends (see statement_split.h for why not the tails of sqlite3_prepare_v2).
//
// sqlite3_complete() reads a NUL-terminated string: a copy of the script is kept, and a NUL is put
// after each ';' while the text up to it is judged, then taken out again.
#include <sqlite3.h>

#include <algorithm>
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

// The end of the whitespace and comments (SQLite's: -- to the end of the line, /* */ not nested)
// from `i` on, before `limit`; kNpos when a /* comment is not closed before `limit`.
// REQUIRES: `i` is not inside a token.
std::size_t SkipSpaceAndComments(const std::string& s, std::size_t i, std::size_t limit) {
  while (i < limit) {
    if (IsSpace(s[i])) {
      ++i;
    } else if (s.compare(i, 2, "--") == 0) {
      while (i < limit && s[i] != '\n') ++i;
    } else if (s.compare(i, 2, "/*") == 0) {
      const std::size_t close = s.find("*/", i + 2);
      if (close == kNpos || close + 2 > limit) return kNpos;
      i = close + 2;
    } else {
      break;
    }
  }
  return i;
}

class Splitter {
 public:
  explicit Splitter(const std::string& script) : script_(script), buffer_(script) {}

  ScriptSplit Split() {
    ScriptSplit out;
    LineCounter lines(script_);
    std::size_t pos = 0;
    while (true) {
      const std::size_t begin = SkipSpaceAndComments(script_, pos, script_.size());
      if (begin == kNpos) {
        Fail(out, script_, "unterminated /* comment", script_.find("/*", pos));
        return out;
      }
      if (begin == script_.size()) return out;
      std::size_t semicolon = script_.find(';', begin);
      while (semicolon != kNpos && !CompleteThrough(begin, semicolon)) {
        semicolon = script_.find(';', semicolon + 1);
      }
      if (semicolon == kNpos) {  // the last statement, without its ';'
        if (!sqlite3_complete((script_.substr(begin) + "\n;").c_str())) {
          Fail(out, script_,
               "incomplete statement: an unterminated string, quoted identifier or comment, or a "
               "CREATE TRIGGER without the END of its body",
               begin);
          return out;
        }
        Add(out, lines, script_, begin, SignificantEnd(begin, script_.size()));
        return out;
      }
      Add(out, lines, script_, begin, SignificantEnd(begin, semicolon));
      pos = semicolon + 1;
    }
  }

 private:
  // Whether script[begin, semicolon] (the ';' included) ends with a complete statement.
  bool CompleteThrough(std::size_t begin, std::size_t semicolon) {
    char& after = buffer_[semicolon + 1];  // the string's own terminator at the end
    const char saved = after;
    after = '\0';
    const bool complete = sqlite3_complete(buffer_.c_str() + begin) != 0;
    after = saved;
    return complete;
  }

  // Whether a token could start at `at` in the statement starting at `begin`, that is, `at` is
  // not inside a string, identifier or comment of it (nor inside a trigger body, where this says
  // no: only the comments after a statement's last token matter here).
  bool OutsideTokens(std::size_t begin, std::size_t at) const {
    return sqlite3_complete((script_.substr(begin, at - begin) + "\n;").c_str()) != 0;
  }

  // One past the last token of the statement script[begin, limit): trailing whitespace and
  // comments excluded.
  std::size_t SignificantEnd(std::size_t begin, std::size_t limit) const {
    std::size_t end = limit;
    while (end > begin && IsSpace(script_[end - 1])) --end;
    // A trailing comment either ends with "*/" or starts with "--" on the last line.
    const std::size_t line_start = script_.rfind('\n', end == 0 ? 0 : end - 1);
    const bool dashes = script_.find("--", line_start == kNpos || line_start < begin
                                               ? begin
                                               : line_start) < end;
    const bool block = end >= begin + 2 && script_.compare(end - 2, 2, "*/") == 0;
    if (!dashes && !block) return end;
    // The first comment (at a token boundary) that only comments and whitespace follow.
    std::size_t at = begin;
    while (at < end) {
      const std::size_t dash = script_.find("--", at);
      const std::size_t slash = script_.find("/*", at);
      const std::size_t comment = std::min(dash, slash);
      if (comment >= end) break;
      if (!OutsideTokens(begin, comment)) {
        at = comment + 1;
        continue;
      }
      const std::size_t after = SkipSpaceAndComments(script_, comment, end);
      if (after == kNpos || after >= end) {
        std::size_t trimmed = comment;
        while (trimmed > begin && IsSpace(script_[trimmed - 1])) --trimmed;
        return trimmed;
      }
      at = after;
    }
    return end;
  }

  const std::string& script_;
  std::string buffer_;
};

}  // namespace

ScriptSplit SplitSqlite(const std::string& script) { return Splitter(script).Split(); }

}  // namespace split_internal
}  // namespace orchestrate
