// The planner at scale: a plan of RELEASES releases with MIGRATIONS_PER_RELEASE migrations each
// (default 10,000 x 5 = 50,000), built in memory (no file I/O: what is measured is planning), then
// PlanDeploy and PlanRollback of everything. Prints the times and the peak resident memory. (The
// review script is a recording of the run against a database now, so it is not rendered here:
// bench/migrations and the rehearsal bench time the runs it records.)
//
//   planner_bench [RELEASES] [MIGRATIONS_PER_RELEASE]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "plans/planner.h"
#include "plans/sha256.h"

namespace {

using orchestrate::Migration;
using orchestrate::Plan;
using orchestrate::Release;

orchestrate::SqlFile Sql(const std::string& path, const std::string& text) {
  orchestrate::SqlFile f;
  f.path = path;
  f.present = true;
  f.text = text;
  f.sha256 = orchestrate::Sha256Hex(text);
  return f;
}

double Ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since)
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  int releases = argc > 1 ? std::atoi(argv[1]) : 10000;
  int per = argc > 2 ? std::atoi(argv[2]) : 5;
  Plan plan;
  plan.app = "bench";
  plan.file = "plan.yaml";
  plan.versions_are_semver = true;
  for (int r = 0; r < releases; ++r) {
    Release rel;
    rel.version = "1." + std::to_string(r) + ".0";
    rel.image = "bench:" + rel.version;
    rel.file = "releases/" + rel.version + ".yaml";
    for (int m = 0; m < per; ++m) {
      Migration mig;
      mig.id = "m" + std::to_string(r) + "_" + std::to_string(m);
      mig.up =
          Sql("sql/" + mig.id + ".up.sql", "ALTER TABLE t" + std::to_string(r) + " ADD COLUMN c" +
                                               std::to_string(m) + " INTEGER;\n");
      mig.down =
          Sql("sql/" + mig.id + ".down.sql",
              "ALTER TABLE t" + std::to_string(r) + " DROP COLUMN c" + std::to_string(m) + ";\n");
      rel.migrations.push_back(std::move(mig));
    }
    plan.releases.push_back(std::move(rel));
  }

  auto start = std::chrono::steady_clock::now();
  orchestrate::CurrentState empty;
  auto deploy = orchestrate::PlanDeploy(plan, empty, "", "");
  double plan_ms = Ms(start);
  if (!deploy.ok()) {
    std::fprintf(stderr, "PlanDeploy: %s\n", deploy.status().message().c_str());
    return 1;
  }
  // What the database would say after that deploy, for the rollback of everything.
  orchestrate::CurrentState deployed;
  long seq = 0;
  for (const auto& rel : plan.releases) {
    deployed.releases.push_back(
        {rel.version, rel.image, "code-first", ++seq, "2026-01-01T00:00:00Z"});
    for (const auto& m : rel.migrations) {
      orchestrate::AppliedMigration a;
      a.id = m.id;
      a.release = rel.version;
      a.up_sql = m.up.text;
      a.up_sha256 = m.up.sha256;
      a.down_sql = m.down.text;
      a.down_sha256 = m.down.sha256;
      a.seq = ++seq;
      deployed.migrations.push_back(std::move(a));
    }
  }
  start = std::chrono::steady_clock::now();
  auto rollback = orchestrate::PlanRollback(plan, deployed, plan.releases.front().version,
                                            plan.releases.back().image);
  double rollback_ms = Ms(start);
  if (!rollback.ok()) {
    std::fprintf(stderr, "PlanRollback: %s\n", rollback.status().message().c_str());
    return 1;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "releases %d, migrations %d: deploy plan %zu steps in %.0f ms; rollback plan %zu steps in "
      "%.0f ms; total %.0f ms; peak memory %ld MB\n",
      releases, releases * per, deploy->steps.size(), plan_ms, rollback->steps.size(), rollback_ms,
      plan_ms + rollback_ms, usage.ru_maxrss / 1024);
  return 0;
}
