// Small text helpers for reporting SQL statements in error messages.
#pragma once

#include <string>

namespace orchestrate {

// Up to `max_chars` of the statement starting at the first significant character at or after
// `offset`, on one line (whitespace runs collapsed), with "..." when cut.
std::string Excerpt(const std::string& script, size_t offset, size_t max_chars = 160);
// `text` with every whitespace run replaced by one space, trimmed.
std::string NormalizeWhitespace(const std::string& text);

}  // namespace orchestrate
