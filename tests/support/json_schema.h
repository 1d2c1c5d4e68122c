// A small JSON Schema (draft-07) validator for tests: the subset that docs/schema/output-*.json
// uses. Keywords: type (a name or a list of names), properties, required, items (one schema),
// enum, additionalProperties (false or a schema), and $ref to a definition of the same document
// ("#/definitions/NAME"). Any other keyword is an error of the schema, so a schema cannot
// silently rely on one that is not checked.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace orchestrate::testing {

// Every way `doc` breaks `schema`, one line each ("/runs/0/run_id: expected integer, got
// string"); empty when it is valid.
std::vector<std::string> ValidateJsonSchema(const nlohmann::json& schema,
                                            const nlohmann::json& doc);

}  // namespace orchestrate::testing
