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

}  // namespace orchestrate
