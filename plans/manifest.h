// Loading plan.yaml and its release manifests: strict YAML parsing, ${VAR} expansion, validation.
#pragma once

#include <string>

#include "plans/expand.h"
#include "plans/model.h"
#include "plans/status.h"

namespace orchestrate {

// Loads `plan_path` and every release manifest it names, and reads the SQL files they reference.
// Every problem found is reported at once, one line each, as "file:line:col: what is wrong; what to
// do" in a kInvalid Status: malformed YAML, unknown keys, wrong types, missing required keys,
// duplicate keys, versions or ids, unknown deployer kinds, bad ${VAR} references. SQL files that do
// not exist are NOT errors here (see Plan::MissingFiles and SqlFile::present): a rollback must work
// from the SQL stored in the database after the files are gone. Releases are ordered by semantic
// version when every version parses as one, else in manifest order (a folder: file-name order).
Result<Plan> LoadPlan(const std::string& plan_path, const VarLookup& lookup);

// The folder part of `path`: "." when there is none, "/" for a file at the root.
std::string DirName(const std::string& path);

// A duration such as "30s", "500ms", "2m", "1h" or a plain number of seconds. False when malformed.
bool ParseDuration(const std::string& text, double* seconds);

}  // namespace orchestrate
