// Sqitch: DIR/sqitch.plan lists changes in deploy order, one a line:
//   name [dependencies] 2024-01-15T09:30:00Z Planner Name <planner@example.com> # note
// `@tag ...` lines tag the change before them; `%project=name` names the project; `#` starts a
// comment. Each change's scripts are deploy/<name>.sql and revert/<name>.sql (verify/ is not used:
// orchestrate verifies by comparing schema fingerprints). A change listed twice was reworked: the
// earlier instance's scripts are deploy/<name>@<tag>.sql for a tag between the two instances.
// sqitch.conf's [core] top_dir and plan_file are honoured.
#include <map>
#include <sstream>

#include "orchestrator/importers/internal.h"

namespace orchestrate::importers {
namespace {

// Reads `key = value` from the [core] section of sqitch.conf (git-config syntax, simplified).
std::string CoreSetting(const std::string& conf, const std::string& key) {
  std::istringstream in(conf);
  std::string line, section;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      section = line;
      continue;
    }
    auto eq = line.find('=');
    if (section == "[core]" && eq != std::string::npos && Trim(line.substr(0, eq)) == key) {
      std::string v = Trim(line.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return "";
}

struct Change {
  std::string name;
  int line = 0;
  std::vector<std::string> tags_after;  // tags from this change up to the next instance
};

}  // namespace

Result<Source> ReadSqitch(const std::string& dir_or_plan) {
  std::string dir = dir_or_plan, plan_file;
  if (IsFile(dir_or_plan)) {
    plan_file = dir_or_plan;
    dir = dir_or_plan.substr(0, dir_or_plan.rfind('/'));
  }
  std::string top = dir;
  std::string conf, engine;
  if (IsFile(JoinPath(dir, "sqitch.conf")) && ReadText(JoinPath(dir, "sqitch.conf"), &conf).ok()) {
    std::string t = CoreSetting(conf, "top_dir");
    if (!t.empty()) top = t[0] == '/' ? t : JoinPath(dir, t);
    std::string p = CoreSetting(conf, "plan_file");
    if (plan_file.empty() && !p.empty()) plan_file = p[0] == '/' ? p : JoinPath(dir, p);
    engine = CoreSetting(conf, "engine");
  }
  if (plan_file.empty()) plan_file = JoinPath(top, "sqitch.plan");
  if (!IsFile(plan_file))
    return Status::Invalid(plan_file +
                           " does not exist: pass the Sqitch project folder (the one holding "
                           "sqitch.plan) or the plan file itself");
  std::string text;
  ORCH_RETURN_IF_ERROR(ReadText(plan_file, &text));

  Source src;
  src.format = ImportFormat::kSqitch;
  if (!engine.empty()) {
    // Sqitch's engines that orchestrate's dialects cover; the others need --dialect.
    static const std::map<std::string, std::string> kEngines = {{"pg", "postgresql"},
                                                                {"cockroach", "postgresql"},
                                                                {"sqlite", "sqlite"},
                                                                {"mysql", "mysql"}};
    auto it = kEngines.find(engine);
    src.dialect = it == kEngines.end() ? "" : it->second;
    src.dialect_source = JoinPath(dir, "sqitch.conf") + ": engine = " + engine;
    if (src.dialect.empty())
      src.notes.push_back(src.dialect_source +
                          ": an engine orchestrate has no dialect for (postgresql, sqlite, "
                          "mysql)");
  }
  src.has_tags = true;
  src.no_prefix_reason = "Sqitch changes have no version to take a prefix of: use --group-by tag";
  std::vector<Change> changes;
  std::istringstream in(text);
  std::string raw;
  for (int line_no = 1; std::getline(in, raw); ++line_no) {
    std::string line = Trim(raw);
    std::string where = plan_file + ":" + std::to_string(line_no);
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '%') {
      auto eq = line.find('=');
      if (eq != std::string::npos && Trim(line.substr(1, eq - 1)) == "project")
        src.app = Trim(line.substr(eq + 1));
      continue;
    }
    size_t end = line.find_first_of(" \t[");
    std::string name = line.substr(0, end);
    if (name[0] == '@') {
      if (changes.empty()) {
        src.notes.push_back(where + ": tag " + name + " before any change: ignored");
        continue;
      }
      changes.back().tags_after.push_back(name);
      src.tags[changes.size() - 1] += (src.tags[changes.size() - 1].empty() ? "" : " ") + name;
      continue;
    }
    if (name[0] == '-')
      return Status::Invalid(where + ": '" + name +
                             "' reverts a change inside the plan; orchestrate imports plans that "
                             "only add changes: remove the line (and the change before it)");
    if (name[0] == '+') name.erase(0, 1);
    if (name.empty() || name.find('@') != std::string::npos)
      return Status::Invalid(where +
                             ": cannot read a change name here: expected "
                             "`name [deps] timestamp planner <email>`");
    changes.push_back({name, line_no, {}});
  }
  if (changes.empty())
    return Status::Invalid(plan_file + ": the plan lists no changes: add some with `sqitch add`");

  std::string deploy_dir = JoinPath(top, "deploy"), revert_dir = JoinPath(top, "revert");
  for (size_t i = 0; i < changes.size(); ++i) {
    const Change& c = changes[i];
    std::string where = plan_file + ":" + std::to_string(c.line);
    // A later instance of the same name means this one was reworked: its scripts carry the name
    // of a tag between the two instances.
    std::string suffix;
    size_t next = i + 1;
    while (next < changes.size() && changes[next].name != c.name) ++next;
    if (next < changes.size()) {
      std::vector<std::string> candidates;
      for (size_t k = i; k < next; ++k)
        for (const auto& t : changes[k].tags_after) candidates.push_back(t);
      for (const auto& t : candidates)
        if (IsFile(JoinPath(deploy_dir, c.name + t + ".sql"))) {
          suffix = t;
          break;
        }
      if (suffix.empty())
        return Status::Invalid(where + " and " + plan_file + ":" +
                               std::to_string(changes[next].line) + " both list change " + c.name +
                               ": a change is listed again only when reworked, but no deploy/" +
                               c.name +
                               "@TAG.sql exists for a tag between the two: was `sqitch rework` "
                               "run? Add the tag between them");
    }
    SourceMigration mig;
    mig.name = c.name + suffix;
    mig.id = SanitizeId(suffix.empty() ? c.name : c.name + "." + suffix.substr(1));
    mig.up = JoinPath(deploy_dir, c.name + suffix + ".sql");
    mig.origin = where;
    if (!IsFile(mig.up))
      return Status::Invalid(where + ": change " + c.name + " has no deploy script " + mig.up +
                             ": add it (sqitch add) or remove the change from the plan");
    std::string revert = JoinPath(revert_dir, c.name + suffix + ".sql");
    if (IsFile(revert)) mig.down = revert;
    src.migrations.push_back(std::move(mig));
  }
  return src;
}

}  // namespace orchestrate::importers
