// Loading plan.yaml and its release manifests: strict YAML parsing, ${VAR} expansion, validation.
#pragma once

#include <string>

#include "plans/expand.h"
#include "plans/model.h"
#include "plans/plan_files.h"
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

// LoadPlan for a command that uses one environment, `environment` ("": the default one): an unset
// ${VAR} in another environment does not fail the plan; that environment is loaded with the
// errors in Environment::unavailable instead. One in the environment used fails as in LoadPlan.
Result<Plan> LoadPlanForEnvironment(const std::string& plan_path, const VarLookup& lookup,
                                    const std::string& environment);

// LoadPlan for a plan whose text is at hand: `text` is the plan as if read from the file `origin`.
// `origin` names the plan in every diagnostic ("origin:line:col: ...") and becomes Plan::file; its
// folder is the plan's folder, from which release manifests, the releases folder, SQL files and
// the deployer's `path`/`repo` are taken and inside which they must resolve (as for a plan file
// there). Those files are read through `files`: the disk by default, or a MemoryPlanFiles that
// holds them (plans/plan_files.h), so that a test or fuzzer gives a whole plan without writing a
// file. `files` is used only during the call. The result, and every error, is what LoadPlan gives
// for a file `origin` holding `text` whose folder holds what `files` holds.
// `defer_for`: as LoadPlanForEnvironment for that environment; nullptr: as LoadPlan.
Result<Plan> ParsePlan(const std::string& text, const std::string& origin, const VarLookup& lookup,
                       const PlanFiles& files = DiskPlanFiles(),
                       const std::string* defer_for = nullptr);

// The folder part of `path`: "." when there is none, "/" for a file at the root.
std::string DirName(const std::string& path);

// A duration such as "30s", "500ms", "2m", "1h" or a plain number of seconds. False when malformed.
bool ParseDuration(const std::string& text, double* seconds);

}  // namespace orchestrate
