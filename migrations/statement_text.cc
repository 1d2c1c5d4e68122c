#include "migrations/statement_text.h"

#include <cctype>

namespace orchestrate {
namespace {

size_t SkipInsignificant(const std::string& s, size_t i) {
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
    } else if (s.compare(i, 2, "--") == 0) {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (s.compare(i, 2, "/*") == 0) {
      size_t end = s.find("*/", i + 2);
      i = end == std::string::npos ? s.size() : end + 2;
    } else {
      break;
    }
  }
  return i;
}

}  // namespace

std::string Excerpt(const std::string& script, size_t offset, size_t max_chars) {
  size_t start = SkipInsignificant(script, offset);
  std::string out;
  bool space = false;
  for (size_t i = start; i < script.size() && out.size() < max_chars; ++i) {
    char c = script[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
    if (c == ';') return out;
  }
  if (out.size() >= max_chars) out += "...";
  return out;
}

std::string NormalizeWhitespace(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string SqlStringLiteral(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

}  // namespace orchestrate
