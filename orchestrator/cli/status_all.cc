// `orchestrate status PLAN --all-envs`: for every environment of the plan (every database of a
// fleet), the release its database runs, the image its deployer reports and any unfinished run. An
// environment that cannot be reached is a line saying so, not the end of the report: this is what
// an operator looks at first in an incident. The databases are read 16 at a time, each in one read
// transaction, so that a fleet of 1,000 answers in seconds; `--shard I/N` lists one slice of each
// fleet (orchestrator/shard.h) and leaves out the environments of one database.
#include <algorithm>
#include <atomic>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

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
  auto glance = Journal(**db, NowIso8601).Look();
  if (!glance.ok()) {
    row.error = FirstLine(glance.status().message());
    return row;
  }
  row.release = glance->current_version.value_or("(nothing deployed)");
  if (glance->unfinished) row.unfinished = DescribeRun(*glance->unfinished);
  return row;
}

// Databases read at once: a fleet of 1,000 targets is read in seconds (connecting dominates), with
// few enough connections for any server.
constexpr size_t kReaders = 16;

// ReadDatabase on every (url, env) job, kReaders at a time; the rows in the jobs' order.
struct ReadJob {
  std::string env, url, password, image;
};
std::vector<Row> ReadAll(const std::vector<ReadJob>& jobs, const std::string& base_dir) {
  std::vector<Row> rows(jobs.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < jobs.size(); i = next.fetch_add(1)) {
      const ReadJob& j = jobs[i];
      rows[i] = ReadDatabase(j.env, j.url, base_dir, j.password, j.image);
    }
  };
  std::vector<std::thread> readers;
  for (size_t r = 1; r < std::min(kReaders, jobs.size()); ++r) readers.emplace_back(work);
  work();
  for (auto& t : readers) t.join();
  return rows;
}

// The databases of `env` to read (into `jobs`), or the row saying why they cannot be listed.
std::vector<Row> ListEnvironment(const Plan& plan, const Environment& env, const GlobalOptions& g,
                                 std::vector<ReadJob>* jobs) {
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
    urls = TargetsOfShard(*listed, g.shard);  // --shard: this slice only
    for (const std::string& url : urls)
      for (const std::string& secret : SecretsInUrl(url)) RegisterSecret(secret);
  } else if (g.shard.active()) {
    return {};  // one database: no slice of a fleet
  } else {
    urls.push_back(env.database);
  }
  for (const auto& url : urls) jobs->push_back({env.name, url, *password, image});
  return {};
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
  // Listed in order (an environment that cannot be listed is its one row), then read in parallel.
  std::vector<std::pair<std::vector<Row>, std::vector<ReadJob>>> listed;
  for (const auto& [name, env] : plan->environments) {
    std::vector<ReadJob> jobs;
    auto unlisted = ListEnvironment(*plan, env, g, &jobs);
    listed.emplace_back(std::move(unlisted), std::move(jobs));
  }
  std::vector<ReadJob> all;
  for (const auto& [unlisted, jobs] : listed) all.insert(all.end(), jobs.begin(), jobs.end());
  std::vector<Row> read = ReadAll(all, DirName(g.plan_path));
  size_t at = 0;
  for (const auto& [unlisted, jobs] : listed) {
    rows.insert(rows.end(), unlisted.begin(), unlisted.end());
    for (size_t k = 0; k < jobs.size(); ++k) rows.push_back(std::move(read[at++]));
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
    nlohmann::json j = {{"app", plan->app}, {"databases", arr}};
    if (g.shard.active()) j["shard"] = g.shard.Label();
    PrintJsonDocument(j);
    return unreachable > 0 ? 2 : 0;
  }
  if (g.shard.active())
    std::cout << "shard " << g.shard.Label() << ": the " << rows.size()
              << " database(s) of the fleets' slice " << g.shard.index << " of " << g.shard.count
              << " (environments of one database are not listed)\n\n";
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
