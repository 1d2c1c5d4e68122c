// `orchestrate status PLAN --all-envs`: for every environment of the plan (every database of a
// fleet), the release its database runs, the image its deployer reports and any unfinished run. An
// environment that cannot be reached is a line saying so, not the end of the report: this is what
// an operator looks at first in an incident.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "migrations/journal.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/json_output.h"
#include "orchestrator/fleet.h"
#include "plans/json_text.h"
#include "plans/manifest.h"
#include "plans/secrets.h"

namespace orchestrate::cli {
namespace {

struct Row {
  std::string env, database, release, image, unfinished;
  std::string error;  // the database could not be read: why
};

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string DescribeRun(const RunRecord& r) {
  return r.kind + " " + (r.from_version.empty() ? "(nothing)" : r.from_version) + " -> " +
         r.to_version + ": " + Name(r.status) + ", " + std::to_string(r.steps_done) + "/" +
         std::to_string(r.step_count) + " steps done (run " + std::to_string(r.id) + ")";
}

// One database of `env`: its release and unfinished run, or why it cannot be read.
Row ReadDatabase(const std::string& env, const std::string& url, const std::string& base_dir,
                 const std::string& password, const std::string& image) {
  Row row{env, RedactUrl(url), "", image, "", ""};
  auto db = OpenDatabase(url, base_dir, password);
  if (!db.ok()) {
    row.error = FirstLine(db.status().message());
    return row;
  }
  Journal journal(**db, NowIso8601);
  auto state = journal.LoadState();
  if (!state.ok()) {
    row.error = FirstLine(state.status().message());
    return row;
  }
  row.release = state->current_version().value_or("(nothing deployed)");
  auto unfinished = journal.UnfinishedRun();
  if (!unfinished.ok())
    row.unfinished = "unknown: " + FirstLine(unfinished.status().message());
  else if (*unfinished)
    row.unfinished = DescribeRun(**unfinished);
  return row;
}

std::vector<Row> ReadEnvironment(const Plan& plan, const Environment& env, const GlobalOptions& g) {
  if (!env.unavailable.empty())
    return {{env.name, "(unknown)", "", "", "", FirstLine(env.unavailable)}};
  std::string image;
  auto deployer = MakeDeployer(env.deployer, &plan.releases);
  if (!deployer.ok()) {
    image = "unknown: " + FirstLine(deployer.status().message());
  } else {
    auto current = (*deployer)->Current();
    image = !current.ok()      ? "unknown: " + FirstLine(current.status().message())
            : current->empty() ? "(nothing)"
                               : *current;
  }
  // This environment's password goes to libpq as a connection parameter of its databases.
  auto password = PasswordOf(env);
  if (!password.ok())
    return {{env.name, RedactUrl(env.database), "", image, "",
             "$" + env.password_env + " (its database password) is not set"}};
  std::vector<std::string> urls;
  if (IsFleet(env)) {
    auto listed = FleetTargets(env, nullptr);
    if (!listed.ok()) return {{env.name, "(fleet)", "", image, "", listed.status().message()}};
    urls = *listed;
    for (const std::string& url : urls)
      for (const std::string& secret : SecretsInUrl(url)) RegisterSecret(secret);
  } else {
    urls.push_back(env.database);
  }
  std::vector<Row> rows;
  for (const auto& url : urls)
    rows.push_back(ReadDatabase(env.name, url, DirName(g.plan_path), *password, image));
  return rows;
}

}  // namespace

int CmdStatusAllEnvs(const GlobalOptions& g) {
  // No environment is the one used ("\n" names none): an unset ${VAR} makes its environment's
  // row say so, and the others are read.
  auto plan = LoadPlanForEnvironment(g.plan_path, EnvironmentLookup(), "\n");
  if (!plan.ok()) return Fail(plan.status());
  std::vector<Row> rows;
  // Every environment's secrets are known before any of their programs runs or database opens.
  for (const auto& [name, env] : plan->environments) RegisterSecretsOf(env);
  for (const auto& [name, env] : plan->environments) {
    auto env_rows = ReadEnvironment(*plan, env, g);
    rows.insert(rows.end(), env_rows.begin(), env_rows.end());
  }
  int unreachable = static_cast<int>(
      std::count_if(rows.begin(), rows.end(), [](const Row& r) { return !r.error.empty(); }));
  if (g.output == OutputFormat::kJson) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : rows)
      arr.push_back(
          {{"environment", r.env},
           {"database", r.database},
           {"reachable", r.error.empty()},
           {"release", r.release.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.release)},
           {"image", r.image},
           {"unfinished_run",
            r.unfinished.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.unfinished)},
           {"error", r.error}});
    PrintJsonDocument({{"app", plan->app}, {"databases", arr}});
    return unreachable > 0 ? 2 : 0;
  }
  std::vector<std::vector<std::string>> table = {
      {"ENVIRONMENT", "DATABASE", "RELEASE", "IMAGE", "UNFINISHED RUN"}};
  for (const auto& r : rows) {  // every cell through Printable: one line per database
    if (!r.error.empty())
      table.push_back(
          {Printable(r.env), Printable(r.database), "unreachable: " + Printable(r.error)});
    else
      table.push_back({Printable(r.env), Printable(r.database), Printable(r.release),
                       Printable(r.image), r.unfinished.empty() ? "-" : Printable(r.unfinished)});
  }
  std::vector<size_t> width(5, 0);
  for (const auto& row : table)
    if (row.size() == 5)
      for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  for (const auto& row : table) {
    for (size_t c = 0; c < row.size(); ++c) {
      std::cout << row[c];
      if (c + 1 < row.size())
        std::cout << std::string(std::max(width[c], row[c].size()) - row[c].size() + 2, ' ');
    }
    std::cout << "\n";
  }
  if (unreachable > 0)
    std::cout << "\n" << unreachable << " database(s) could not be read; the others are as shown\n";
  return unreachable > 0 ? 2 : 0;
}

}  // namespace orchestrate::cli
