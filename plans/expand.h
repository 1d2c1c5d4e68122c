// ${VAR} expansion for manifest values.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "plans/status.h"

namespace orchestrate {

// Returns the value of a variable, or nullopt when it is not set.
using VarLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
VarLookup EnvironmentLookup();

// Expands `${NAME}` and `${NAME:-default}` (default used when NAME is unset or empty) in `text`;
// `$$` is a literal `$`; a `$` not followed by `{` or `$` is kept as is. NAME is
// [A-Za-z_][A-Za-z0-9_]*. Errors (kInvalid): an unset variable without a default, an empty or bad
// name, a missing `}`. On error, *error_offset (when given) is the offset in `text` of the `$`.
Result<std::string> ExpandVars(const std::string& text, const VarLookup& lookup,
                               size_t* error_offset = nullptr);

// One piece of a deployer's argv element: literal text, or a `{name}` placeholder that the
// deployer fills in when it runs (text is the name).
struct TemplatePiece {
  std::string text;
  bool placeholder = false;
  bool operator==(const TemplatePiece& o) const {
    return text == o.text && placeholder == o.placeholder;
  }
};

// Splits the manifest text of an argv element into pieces, in one pass from left to right:
// `{name}` ([a-z_]+ between braces) written in the text itself is a placeholder; `${VAR}` is
// expanded as ExpandVars does, and what it expands to is literal text, even when it holds
// "{image}". So nothing is expanded twice: neither a placeholder inside a variable's value nor
// (once the deployer fills them in) one inside a placeholder's value. Errors as ExpandVars.
Result<std::vector<TemplatePiece>> ExpandTemplate(const std::string& text, const VarLookup& lookup,
                                                  size_t* error_offset = nullptr);

// The pieces of `text` that holds no ${VAR} to expand (an argv built in code): `{name}` is a
// placeholder, everything else literal.
std::vector<TemplatePiece> SplitPlaceholders(const std::string& text);

}  // namespace orchestrate
