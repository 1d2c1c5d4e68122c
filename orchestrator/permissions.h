// policy.permissions: who may deploy or roll back an environment (plans/model.h, PermissionRule),
// checked before anything runs.
#pragma once

#include <string>

#include "migrations/database.h"
#include "plans/model.h"
#include "plans/planner.h"
#include "plans/status.h"

namespace orchestrate {

// Whether the rules of `plan` that apply to `direction` on `environment` let this run go: the
// database's own identity (PostgreSQL: current_user and its role memberships) and the OS user
// running this process (real uid; never --actor or $USER). Returns what granted it, for history
// ("role release_managers (database user deploy)"), or "" when no rule applies. kNeedsHuman when
// rules apply and none grants, naming each rule (file:line:col) and who was checked.
// Whether any rule of `plan` applies to `direction` on `environment` (else CheckPermission
// grants without looking at anything).
bool PermissionRulesApply(const Plan& plan, const std::string& environment, Direction direction);

Result<std::string> CheckPermission(const Plan& plan, const std::string& environment,
                                    Direction direction, Database& db);

}  // namespace orchestrate
