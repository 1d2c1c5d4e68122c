// SplitScript's dispatch, IsTransactionControl, and positions in a script. The dialects' splitters
// are in statement_split_postgres.cc and statement_split_sqlite.cc.
#include "migrations/statement_split.h"

#include <algorithm>

#include "migrations/statement_split_internal.h"
#include "plans/names.h"

namespace orchestrate {
namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The first `n` words of `text` in upper case, skipping whitespace and comments (-- and nested
// /* */); stops at the first token that is not a word.
std::vector<std::string> LeadingWords(const std::string& text, std::size_t n) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (words.size() < n && i < text.size()) {
    if (IsSpace(text[i])) {
      ++i;
    } else if (text.compare(i, 2, "--") == 0) {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (text.compare(i, 2, "/*") == 0) {
      int depth = 0;
      while (i < text.size()) {
        if (text.compare(i, 2, "/*") == 0) {
          ++depth;
          i += 2;
        } else if (text.compare(i, 2, "*/") == 0) {
          i += 2;
          if (--depth == 0) break;
        } else {
          ++i;
        }
      }
    } else if (IsWordChar(text[i]) && !(text[i] >= '0' && text[i] <= '9')) {
      std::string word;
      for (; i < text.size() && IsWordChar(text[i]); ++i) {
        const char c = text[i];
        word += c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
      }
      words.push_back(std::move(word));
    } else {
      break;
    }
  }
  return words;
}

}  // namespace

ScriptSplit SplitScript(Dialect dialect, const std::string& script) {
  ScriptSplit out;
  const std::size_t nul = script.find('\0');
  const std::size_t bad =
      dialect == Dialect::kPostgres ? InvalidUtf8Offset(script) : std::string::npos;
  if (nul != std::string::npos || bad != std::string::npos) {
    split_internal::Fail(
        out, script, nul < bad ? "the script contains a NUL byte" : "invalid UTF-8 byte sequence",
        std::min(nul, bad));
    return out;
  }
  switch (dialect) {
    case Dialect::kPostgres:
      return split_internal::SplitPostgres(script);
    case Dialect::kMysql:
      return split_internal::SplitMysql(script);
    case Dialect::kSqlite:
      break;
  }
  return split_internal::SplitSqlite(script);
}

std::string SplitErrorMessage(const ScriptSplit& split) {
  return "line " + std::to_string(split.error_line) + ":" + std::to_string(split.error_column) +
         ": " + split.error;
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

LineColumn LineColumnAt(const std::string& text, std::size_t offset) {
  LineColumn lc;
  const std::size_t end = std::min(offset, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++lc.line;
      lc.column = 1;
    } else if (!IsContinuationByte(text[i])) {
      ++lc.column;
    }
  }
  return lc;
}

std::size_t ByteOffsetOfCodePoint(const std::string& text, std::size_t n) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (IsContinuationByte(text[i])) continue;
    if (seen == n) return i;
    ++seen;
  }
  return text.size();
}

std::size_t InvalidUtf8Offset(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    // The sequence's length, the bits of its lead byte, and the smallest code point of that
    // length (anything smaller is an overlong form).
    std::size_t len = 4;
    unsigned cp = c & 0x07u;
    unsigned min = 0x10000;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1Fu;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0Fu;
      min = 0x800;
    } else if ((c & 0xF8) != 0xF0) {
      return i;  // a continuation byte or 0xF8..0xFF where a sequence should start
    }
    if (i + len > text.size()) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if (!IsContinuationByte(text[i + k])) return i;
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string::npos;
}

namespace split_internal {

void Fail(ScriptSplit& out, const std::string& script, const std::string& error,
          std::size_t offset) {
  out.ok = false;
  out.statements.clear();
  out.error = error;
  const LineColumn lc = LineColumnAt(script, offset);
  out.error_line = lc.line;
  out.error_column = lc.column;
}

int LineCounter::LineOf(std::size_t offset) {
  if (offset < at_) {  // backwards: count again from the start
    at_ = 0;
    line_ = 1;
  }
  for (; at_ < offset && at_ < text_.size(); ++at_) {
    if (text_[at_] == '\n') ++line_;
  }
  return line_;
}

void Add(ScriptSplit& out, LineCounter& lines, const std::string& script, std::size_t begin,
         std::size_t end) {
  if (end <= begin) return;
  out.statements.push_back({script.substr(begin, end - begin), begin, lines.LineOf(begin)});
}

}  // namespace split_internal
namespace {
constexpr std::pair<Dialect, const char*> kDialects[] = {
    {Dialect::kPostgres, "postgresql"}, {Dialect::kSqlite, "sqlite"}, {Dialect::kMysql, "mysql"}};
}  // namespace

const char* DialectName(Dialect dialect) { return NameIn(kDialects, dialect, "postgresql"); }
std::optional<Dialect> DialectFromName(std::string_view name) {
  return FromNameIn(kDialects, name);
}

}  // namespace orchestrate
