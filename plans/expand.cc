#include "plans/expand.h"

#include <cctype>
#include <cstdlib>

namespace orchestrate {

VarLookup EnvironmentLookup() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

namespace {

bool ValidName(const std::string& name) {
  if (name.empty()) return false;
  if (!std::isalpha(static_cast<unsigned char>(name[0])) && name[0] != '_') return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

}  // namespace

Result<std::string> ExpandVars(const std::string& text, const VarLookup& lookup,
                               size_t* error_offset) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out.push_back(c);
      continue;
    }
    if (text[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (text[i + 1] != '{') {
      out.push_back(c);
      continue;
    }
    auto fail = [&](const std::string& msg) -> Result<std::string> {
      if (error_offset) *error_offset = i;
      return Status::Invalid(msg);
    };
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos)
      return fail("unterminated ${...}: add the closing '}' (write $$ for a literal '$')");
    std::string body = text.substr(i + 2, close - i - 2);
    std::string name = body;
    std::optional<std::string> fallback;
    auto sep = body.find(":-");
    if (sep != std::string::npos) {
      name = body.substr(0, sep);
      fallback = body.substr(sep + 2);
    }
    if (!ValidName(name))
      return fail("bad variable reference ${" + body +
                  "}: a name is letters, digits and '_', not starting with a digit; a default is "
                  "written ${NAME:-default}");
    std::optional<std::string> value = lookup ? lookup(name) : std::nullopt;
    if (!value || (value->empty() && fallback)) {
      if (!fallback)
        return fail("variable " + name + " is not set: export it, or give a default with ${" +
                    name + ":-value}");
      value = fallback;
    }
    out += *value;
    i = close;
  }
  return out;
}

namespace {

// The length of the `{name}` placeholder at text[i] (a '{'), or 0 when there is none.
size_t PlaceholderAt(const std::string& text, size_t i) {
  size_t j = i + 1;
  while (j < text.size() && (std::islower(static_cast<unsigned char>(text[j])) || text[j] == '_'))
    ++j;
  return j > i + 1 && j < text.size() && text[j] == '}' ? j - i + 1 : 0;
}

// Splits `text` at its placeholders; `vars` (when set) says where ${...} references lie, which
// hold no placeholder.
std::vector<std::pair<TemplatePiece, size_t>> Split(const std::string& text, bool vars) {
  std::vector<std::pair<TemplatePiece, size_t>> pieces;  // piece, offset in text
  size_t literal = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (vars && text[i] == '$' && i + 1 < text.size()) {
      if (text[i + 1] == '$') {
        ++i;
      } else if (text[i + 1] == '{') {
        size_t close = text.find('}', i + 2);
        if (close == std::string::npos) break;  // ExpandVars reports it
        i = close;
      }
      continue;
    }
    size_t n = text[i] == '{' ? PlaceholderAt(text, i) : 0;
    if (n == 0) continue;
    if (i > literal) pieces.push_back({{text.substr(literal, i - literal), false}, literal});
    pieces.push_back({{text.substr(i + 1, n - 2), true}, i});
    literal = i + n;
    i += n - 1;
  }
  if (literal < text.size()) pieces.push_back({{text.substr(literal), false}, literal});
  return pieces;
}

}  // namespace

Result<std::vector<TemplatePiece>> ExpandTemplate(const std::string& text, const VarLookup& lookup,
                                                  size_t* error_offset) {
  std::vector<TemplatePiece> out;
  for (auto& [piece, offset] : Split(text, true)) {
    if (!piece.placeholder) {
      size_t at = 0;
      auto expanded = ExpandVars(piece.text, lookup, &at);
      if (!expanded.ok()) {
        if (error_offset) *error_offset = offset + at;
        return expanded.status();
      }
      piece.text = std::move(expanded).value();
    }
    out.push_back(std::move(piece));
  }
  return out;
}

std::vector<TemplatePiece> SplitPlaceholders(const std::string& text) {
  std::vector<TemplatePiece> out;
  for (auto& [piece, offset] : Split(text, false)) out.push_back(std::move(piece));
  return out;
}

}  // namespace orchestrate
