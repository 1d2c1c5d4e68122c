// Splitting a PostgreSQL script on the tokens of libpg_query's scanner (pg_query_scan).
//
// pg_query_scan returns its tokens as a protobuf message (pg_query.proto: ScanResult). The
// protobuf-c headers that would decode it are not part of the libpg_query package, and only two
// integer fields are needed, so the message is read here from the protobuf wire format.
#include <pg_query.h>

#include <cstdint>
#include <string>
#include <vector>

#include "migrations/statement_split.h"
#include "migrations/statement_split_internal.h"

namespace orchestrate {
namespace split_internal {
namespace {

struct Token {
  std::size_t start = 0;  // byte offsets in the script
  std::size_t end = 0;
};

// ---- the protobuf wire format: https://protobuf.dev/programming-guides/encoding/ ---------------

class WireReader {
 public:
  WireReader(const std::uint8_t* data, std::size_t size) : p_(data), end_(data + size) {}

  bool AtEnd() const { return p_ >= end_; }
  bool ok() const { return ok_; }

  std::uint64_t Varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) break;
      const std::uint8_t byte = *p_++;
      value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    ok_ = false;
    p_ = end_;
    return 0;
  }

  // A length-delimited field's bytes, as a reader of their own.
  WireReader Bytes() {
    const std::uint64_t size = Varint();
    if (!ok_ || size > static_cast<std::uint64_t>(end_ - p_)) {
      ok_ = false;
      p_ = end_;
      return WireReader(end_, 0);
    }
    WireReader inner(p_, static_cast<std::size_t>(size));
    p_ += size;
    return inner;
  }

  // Skips a field of `wire_type` whose tag has been read.
  void Skip(std::uint64_t wire_type) {
    std::size_t fixed = 0;
    switch (wire_type) {
      case 0:
        (void)Varint();
        return;
      case 2:
        (void)Bytes();
        return;
      case 1:
        fixed = 8;
        break;
      case 5:
        fixed = 4;
        break;
      default:
        ok_ = false;
        p_ = end_;
        return;
    }
    if (fixed > static_cast<std::size_t>(end_ - p_)) {
      ok_ = false;
      p_ = end_;
      return;
    }
    p_ += fixed;
  }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
  bool ok_ = true;
};

// ScanResult { int32 version = 1; repeated ScanToken tokens = 2; }
// ScanToken { int32 start = 1; int32 end = 2; Token token = 4; KeywordKind keyword_kind = 5; }
bool DecodeTokens(const PgQueryProtobuf& pbuf, std::vector<Token>& tokens) {
  WireReader result(reinterpret_cast<const std::uint8_t*>(pbuf.data), pbuf.len);
  while (!result.AtEnd()) {
    const std::uint64_t tag = result.Varint();
    if ((tag >> 3) != 2 || (tag & 7) != 2) {
      result.Skip(tag & 7);
      continue;
    }
    WireReader message = result.Bytes();
    Token token;
    while (!message.AtEnd()) {
      const std::uint64_t field = message.Varint();
      if ((field & 7) == 0 && ((field >> 3) == 1 || (field >> 3) == 2)) {
        const auto value = static_cast<std::size_t>(message.Varint());
        ((field >> 3) == 1 ? token.start : token.end) = value;
      } else {
        message.Skip(field & 7);
      }
    }
    if (!message.ok()) return false;
    tokens.push_back(token);
  }
  return result.ok();
}

// ---- splitting
// ------------------------------------------------------------------------------------

std::string Upper(std::string text) {
  for (char& c : text)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return text;
}

// Whether a ';' ends the statement being read: not inside parentheses, nor inside the BEGIN ATOMIC
// ... END body of CREATE [OR REPLACE] FUNCTION/PROCEDURE. Tokens are fed upper-cased, comments
// left out.
class StatementEnd {
 public:
  void Feed(const std::string& token, const std::string& next) {
    if (head_.size() < 4) {
      head_.push_back(token);
      auto routine = [](const std::string& w) { return w == "FUNCTION" || w == "PROCEDURE"; };
      routine_ = head_.size() >= 2 && head_[0] == "CREATE" &&
                 (routine(head_[1]) || (head_.size() == 4 && head_[1] == "OR" &&
                                        head_[2] == "REPLACE" && routine(head_[3])));
    }
    if (token == "(") {
      ++parens_;
    } else if (token == ")") {
      if (parens_ > 0) --parens_;
    } else if (routine_ && body_ == 0) {
      if (parens_ == 0 && token == "BEGIN" && next == "ATOMIC") body_ = 1;
    } else if (routine_ && token == "CASE") {
      ++body_;
    } else if (routine_ && token == "END") {
      --body_;
    }
  }
  bool SemicolonEnds() const { return parens_ == 0 && body_ == 0; }

 private:
  std::vector<std::string> head_;  // the first words, to recognise CREATE FUNCTION
  bool routine_ = false;
  int parens_ = 0;
  int body_ = 0;  // BEGIN ATOMIC and CASE not yet closed by END
};

bool IsComment(const std::string& script, const Token& t) {
  return script.compare(t.start, 2, "--") == 0 || script.compare(t.start, 2, "/*") == 0;
}

}  // namespace

ScriptSplit SplitPostgres(const std::string& script) {
  ScriptSplit out;
  PgQueryScanResult scan = pg_query_scan(script.c_str());
  if (scan.error != nullptr) {
    const PgQueryError& e = *scan.error;
    const std::size_t offset =
        e.cursorpos > 0 ? ByteOffsetOfCodePoint(script, static_cast<std::size_t>(e.cursorpos - 1))
                        : 0;
    Fail(out, script, e.message != nullptr ? e.message : "the scanner failed", offset);
    pg_query_free_scan_result(scan);
    return out;
  }
  std::vector<Token> all;
  const bool decoded = DecodeTokens(scan.pbuf, all);
  pg_query_free_scan_result(scan);
  std::vector<Token> tokens;
  for (const Token& t : all) {
    if (!decoded || t.end < t.start || t.end > script.size()) {
      Fail(out, script, "libpg_query returned tokens that cannot be read", 0);
      return out;
    }
    if (t.end > t.start && !IsComment(script, t)) tokens.push_back(t);
  }

  LineCounter lines(script);
  auto word = [&](std::size_t i) {
    if (i >= tokens.size()) return std::string();
    return Upper(script.substr(tokens[i].start, tokens[i].end - tokens[i].start));
  };
  std::size_t begin = std::string::npos;  // the current statement's first token, npos between
  std::size_t end = 0;
  StatementEnd state;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const std::string token = word(i);
    if (token == ";" && state.SemicolonEnds()) {
      if (begin != std::string::npos) Add(out, lines, script, begin, end);
      begin = std::string::npos;
      state = StatementEnd();
      continue;
    }
    if (begin == std::string::npos) begin = tokens[i].start;
    end = tokens[i].end;
    state.Feed(token, word(i + 1));
  }
  if (begin != std::string::npos) Add(out, lines, script, begin, end);
  return out;
}

}  // namespace split_internal
}  // namespace orchestrate
