// Small text helpers for SQL text: excerpts for error messages, and the one string-literal quoting
// every generated statement uses.
#pragma once

#include <string>

namespace orchestrate {

// Up to `max_chars` of the statement starting at the first significant character at or after
// `offset`, on one line (whitespace runs collapsed), with "..." when cut.
std::string Excerpt(const std::string& script, size_t offset, size_t max_chars = 160);
// `text` with every whitespace run replaced by one space, trimmed.
std::string NormalizeWhitespace(const std::string& text);
// `text` as a standard SQL string literal: in single quotes, each quote doubled. Every engine runs
// with standard string semantics (PostgreSQL's standard_conforming_strings, SQLite), so no other
// character is special. The one quoting function of the code base: the ledger's generated SQL,
// guard statements and the review script all use it.
std::string SqlStringLiteral(const std::string& text);

}  // namespace orchestrate
