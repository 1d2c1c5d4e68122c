// JSON text that never throws on the bytes it carries.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace orchestrate {

// `j` as JSON text (indented by `indent` spaces, or on one line when -1). A string holding bytes
// that are not UTF-8 (a SQL file, a --reason recorded by an older version, a program's output)
// gets U+FFFD in their place instead of nlohmann's type_error.316: output is never aborted for it.
std::string JsonText(const nlohmann::json& j, int indent = -1);

}  // namespace orchestrate
