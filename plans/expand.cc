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

}  // namespace orchestrate
