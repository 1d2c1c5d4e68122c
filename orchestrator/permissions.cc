#include "orchestrator/permissions.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace orchestrate {
namespace {

bool Lists(const std::vector<std::string>& list, const std::string& item) {
  return list.empty() || std::find(list.begin(), list.end(), item) != list.end();
}

struct OsUser {
  std::string name;
  std::vector<std::string> groups;
};

OsUser CurrentOsUser() {
  OsUser user;
  const passwd* pw = getpwuid(getuid());
  if (pw == nullptr) {
    user.name = "uid " + std::to_string(getuid());
    return user;
  }
  user.name = pw->pw_name;
  int count = 64;
  std::vector<gid_t> gids(static_cast<size_t>(count));
  if (getgrouplist(pw->pw_name, pw->pw_gid, gids.data(), &count) < 0) {
    gids.resize(static_cast<size_t>(count));
    if (getgrouplist(pw->pw_name, pw->pw_gid, gids.data(), &count) < 0) count = 0;
  }
  gids.resize(static_cast<size_t>(std::max(count, 0)));
  for (gid_t gid : gids)
    if (const group* gr = getgrgid(gid)) user.groups.push_back(gr->gr_name);
  return user;
}

}  // namespace

namespace {

std::vector<const PermissionRule*> RulesFor(const Plan& plan, const std::string& environment,
                                            Direction direction) {
  const std::string action = DirectionName(direction);
  std::vector<const PermissionRule*> rules;
  for (const auto& rule : plan.policy.permissions)
    if (Lists(rule.environments, environment) && Lists(rule.actions, action))
      rules.push_back(&rule);
  return rules;
}

}  // namespace

bool PermissionRulesApply(const Plan& plan, const std::string& environment, Direction direction) {
  return !RulesFor(plan, environment, direction).empty();
}

Result<std::string> CheckPermission(const Plan& plan, const std::string& environment,
                                    Direction direction, Database& db) {
  const std::string action = DirectionName(direction);
  const std::vector<const PermissionRule*> rules = RulesFor(plan, environment, direction);
  if (rules.empty()) return std::string();

  const OsUser os = CurrentOsUser();
  std::string db_user;
  std::string checked;
  bool has_roles = true;  // until the database says it has none (SQLite)
  for (const PermissionRule* rule : rules) {
    if (!rule->role.empty() && has_roles) {
      auto txn = db.BeginRead();
      if (!txn.ok()) return txn.status();
      auto r = db.CheckRole(**txn, rule->role);
      if (!r.ok()) return r.status().WithContext("checking policy.permissions");
      if (!*r) {
        has_roles = false;
      } else {
        db_user = (*r)->user;
        if ((*r)->member) return "role " + rule->role + " (database user " + db_user + ")";
      }
    }
    if (std::find(rule->users.begin(), rule->users.end(), os.name) != rule->users.end())
      return "OS user " + os.name;
    for (const auto& g : rule->groups)
      if (std::find(os.groups.begin(), os.groups.end(), g) != os.groups.end())
        return "OS group " + g + " (user " + os.name + ")";
    std::string needs;
    if (!rule->role.empty())
      needs += "membership in role " + rule->role +
               (has_roles ? ""
                          : " (a database role: this database is " +
                                std::string(DialectName(db.Kind())) + ", which has none)");
    auto join = [](const std::vector<std::string>& v) {
      std::string out;
      for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
      return out;
    };
    if (!rule->users.empty())
      needs += (needs.empty() ? "" : ", or ") + ("OS user " + join(rule->users));
    if (!rule->groups.empty())
      needs += (needs.empty() ? "" : ", or ") + ("OS group " + join(rule->groups));
    checked += "\n  " + rule->pos.str() + ": needs " + needs;
  }
  return Status::NeedsHuman(
      "refused by policy.permissions: a " + action + " of environment " + environment +
      " is allowed by these rules, and none grants it to " +
      (db_user.empty() ? "" : "database user " + db_user + " / ") + "OS user " + os.name + ":" +
      checked + "\nask someone the rules allow to run it, or have the role or group granted");
}

}  // namespace orchestrate
