// Shards end to end (orchestrator/shard.h): N processes of the real binary, started at once with
// `--shard I/N`, split one fleet with no coordinator beyond the targets' own locks. Every database
// is finished exactly once; a shard killed part way is finished by running that shard again; the
// image moves once, by the shard that finishes last.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "migrations/database.h"
#include "migrations/journal.h"
#include "tests/support/pg.h"
#include "tests/support/test_util.h"

namespace orchestrate::testing {
namespace {

constexpr const char* kImage100 = "registry.example.com/shop:1.0.0";
constexpr const char* kImage130 = "registry.example.com/shop:1.3.0";

class ShardTest : public ::testing::Test {
 protected:
  void SetUp() override { CopyTree(SourceDir() + "/samples/shop", dir_ / "shop"); }

  // plan.yaml whose environment `fleet` lists `urls` through a targets_command (an inventory).
  // `deployer`: the fleet's, as a flow mapping; "" for a file deployer writing fleet.image.
  std::string WritePlan(const std::vector<std::string>& urls, const std::string& deployer = "") {
    std::string list;
    for (const auto& u : urls) list += u + "\n";
    WriteFileOrDie(dir_ / "targets.txt", list);
    std::string plan = dir_ / "shop/plan.yaml";
    WriteFileOrDie(plan,
                   "app: shop\nreleases: releases/\nenvironments:\n"
                   "  fleet:\n"
                   "    targets_command: [cat, \"" +
                       (dir_ / "targets.txt") +
                       "\"]\n"
                       "    deployer: " +
                       (deployer.empty() ? "{kind: file, path: \"" + (dir_ / "fleet.image") + "\"}"
                                         : deployer) +
                       "\n"
                       "  single:\n"
                       "    database: sqlite:" +
                       (dir_ / "single.db") +
                       "\n"
                       "    deployer: {kind: file, path: \"" +
                       (dir_ / "single.image") +
                       "\"}\n"
                       "policy: {require_reason: true, lock_timeout: 30s}\n");
    return plan;
  }

  std::vector<std::string> Args(const std::string& bin, std::vector<std::string> args) {
    args.insert(args.begin(), bin);
    return args;
  }

  ProcessResult Run(std::vector<std::string> args) {
    return RunProcess(Args(OrchestrateBin(), std::move(args)));
  }

  // `plan --shard I/N`: the slice as the binary computes it.
  std::vector<std::string> Slice(const std::string& plan, int index, int count) {
    auto r = Run({"plan", plan, "--env", "fleet", "--shard",
                  std::to_string(index) + "/" + std::to_string(count), "--output", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code != 0) return {};
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["shard"], std::to_string(index) + "/" + std::to_string(count));
    return j["targets"].get<std::vector<std::string>>();
  }

  std::string Image() {
    std::string image = ReadFileOrDie(dir_ / "fleet.image");
    while (!image.empty() && image.back() == '\n') image.pop_back();
    return image;
  }

  // Every run recorded in the database at `url`, newest first.
  static std::vector<RunRecord> Runs(const std::string& url) {
    auto db = OpenDatabase(url, "/");
    EXPECT_TRUE(db.ok()) << url << ": " << db.status().message();
    if (!db.ok()) return {};
    auto runs = Journal(**db, [] { return std::string("2026-01-01T00:00:00Z"); }).History(0);
    EXPECT_TRUE(runs.ok()) << url << ": " << runs.status().message();
    return runs.ok() ? *runs : std::vector<RunRecord>{};
  }

  static std::string CurrentVersion(const std::string& url) {
    auto db = OpenDatabase(url, "/");
    if (!db.ok()) return "unreadable: " + db.status().message();
    auto state = Journal(**db, [] { return std::string(); }).LoadState();
    if (!state.ok()) return "unreadable: " + state.status().message();
    return state->current_version().value_or("(nothing)");
  }

  // The runs of `kind` in `url`: exactly one, done, started by the shard `shard` ("2/4").
  static void ExpectRunOnceByShard(const std::string& url, const std::string& kind,
                                   const std::string& shard) {
    int found = 0;
    for (const RunRecord& r : Runs(url)) {
      if (r.kind != kind) continue;
      ++found;
      EXPECT_EQ(r.status, RunStatus::kDone) << url << " run " << r.id;
      EXPECT_EQ(r.steps_done, r.step_count) << url << " run " << r.id;
      EXPECT_NE(r.command.find("--shard " + shard), std::string::npos)
          << url << ": run " << r.id << " was started by `" << r.command << "`, not shard "
          << shard;
    }
    EXPECT_EQ(found, 1) << url << ": " << found << " " << kind << " runs, not exactly one";
  }

  TempDir dir_;
};

// The 4-shard test of issue 20: 200 SQLite databases at 1.3.0, four shard processes at once, one
// of them killed (SIGKILL) as it starts its 20th target while another of its targets runs; then
// that shard alone again.
TEST_F(ShardTest, FourShardsOver200DatabasesFinishEachExactlyOnceAndAKilledShardIsFinishedAgain) {
  // One database deployed to 1.3.0 by the binary, copied: 200 targets at 1.3.0 in seconds.
  std::string seed_url = "sqlite:" + (dir_ / "seed.db");
  std::vector<std::string> urls;
  for (int i = 1; i <= 200; ++i)
    urls.push_back("sqlite:" + (dir_ / ("tenants/tenant-" + std::to_string(i) + ".db")));
  std::string plan = WritePlan(urls);
  auto d = Run({"deploy", plan, "--env", "fleet", "--database", seed_url, "--yes", "-q"});
  ASSERT_EQ(d.exit_code, 0) << d.out << d.err;
  std::filesystem::create_directories(dir_ / "tenants");
  for (int i = 1; i <= 200; ++i)
    std::filesystem::copy_file(dir_ / "seed.db",
                               dir_ / ("tenants/tenant-" + std::to_string(i) + ".db"));
  WriteFileOrDie(dir_ / "fleet.image", std::string(kImage130) + "\n");

  // The slices, as `plan --shard` lists them: disjoint, and together the fleet.
  std::map<std::string, std::string> shard_of;  // redacted URL -> "I/4"
  std::vector<std::vector<std::string>> slices;
  for (int i = 0; i < 4; ++i) {
    slices.push_back(Slice(plan, i, 4));
    EXPECT_GE(slices.back().size(), 25u) << "shard " << i;  // 20 targets at least: see below
    for (const auto& url : slices.back())
      EXPECT_TRUE(shard_of.emplace(url, std::to_string(i) + "/4").second) << url << " twice";
  }
  ASSERT_EQ(shard_of.size(), urls.size());

  // All four at once; shard 2 is the failpoint build, killed as it starts its 20th target.
  std::vector<ProcessHandle> running;
  for (int i = 0; i < 4; ++i) {
    ProcessOptions opts;
    if (i == 2) opts.env["ORCHESTRATE_FAILPOINT"] = "before-target:20";
    running.push_back(StartProcess(
        Args(i == 2 ? FailpointsBin() : OrchestrateBin(),
             {"rollback", plan, "--env", "fleet", "--to", "1.0.0", "--reason", "shard test",
              "--shard", std::to_string(i) + "/4", "--parallel", "2", "--yes", "--output", "json"}),
        opts));
  }
  std::vector<ProcessResult> results;
  for (auto& h : running) results.push_back(Wait(h));
  ASSERT_EQ(results[2].signal, SIGKILL) << results[2].out << results[2].err;
  for (int i : {0, 1, 3}) {
    ASSERT_EQ(results[i].exit_code, 0) << "shard " << i << results[i].out << results[i].err;
    auto report = nlohmann::json::parse(results[i].out);
    EXPECT_EQ(report["shard"], std::to_string(i) + "/4");
    EXPECT_EQ(report["fleet_size"], 200);
    ASSERT_EQ(report["targets"].size(), slices[i].size());
    for (const auto& t : report["targets"]) {
      EXPECT_EQ(shard_of[t["target"]], std::to_string(i) + "/4") << t;
      EXPECT_EQ(t["outcome"], "done") << t;
    }
    // 1.2.0 is schema-first: the image waits for every target; shard 2's are not all there.
    EXPECT_EQ(report["image"]["action"], "not swapped") << report["image"];
  }
  EXPECT_EQ(Image(), kImage130);

  // Shard 2 got part way: its first targets are at 1.0.0, at most one was left mid-run (its
  // step's transaction rolled back), the rest untouched; no other shard touched them.
  int done = 0, untouched = 0;
  for (const auto& url : slices[2]) {
    const std::string at = CurrentVersion(url);
    bool unfinished = false;
    for (const RunRecord& r : Runs(url)) unfinished = unfinished || r.unfinished();
    if (at == "1.0.0" && !unfinished) ++done;
    if (at == "1.3.0" && Runs(url).size() == 1) ++untouched;  // only the seed's deploy
  }
  EXPECT_GE(done, 17);
  EXPECT_LE(done, 19);
  EXPECT_GE(untouched, static_cast<int>(slices[2].size()) - 20);
  EXPECT_LT(done + untouched, static_cast<int>(slices[2].size()) + 1);

  // The killed shard again (the same command, the real binary): it finishes its own targets, and
  // as the last to finish it swaps the fleet's image.
  auto again = Run({"rollback", plan, "--env", "fleet", "--to", "1.0.0", "--reason", "shard test",
                    "--shard", "2/4", "--parallel", "2", "--yes", "--output", "json"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  auto report = nlohmann::json::parse(again.out);
  ASSERT_EQ(report["targets"].size(), slices[2].size());
  int resumed = 0, idle = 0;
  for (const auto& t : report["targets"]) {
    EXPECT_EQ(shard_of[t["target"]], "2/4") << t;
    if (t["outcome"] == "resumed") ++resumed;
    if (t["outcome"] == "nothing-to-do") ++idle;
  }
  EXPECT_EQ(idle, done);
  EXPECT_LE(resumed, 2);
  EXPECT_EQ(report["image"]["action"], "swapped") << report["image"];
  EXPECT_EQ(Image(), kImage100);

  // Every database: at 1.0.0, rolled back by exactly one run, of its own shard.
  for (const auto& url : urls) {
    EXPECT_EQ(CurrentVersion(url), "1.0.0") << url;
    ExpectRunOnceByShard(url, "rollback", shard_of[RedactUrl(url)]);
  }
}

// The same on PostgreSQL, deploy and rollback, three shards at once each time.
TEST_F(ShardTest, ThreeShardsDeployAndRollBackPostgresDatabasesAndTheLastSwapsTheImage) {
  ORCH_REQUIRE_PG(first);
  std::vector<std::string> urls = {first};
  for (int i = 1; i < 12; ++i) urls.push_back(FreshPgDatabase());
  for (const auto& u : urls) ASSERT_FALSE(u.empty());
  // A swap that takes a second: shards that finish within it would both swap, but for the run
  // lock the shards hold to swap (the second finds the image already running).
  const std::string image_file = dir_ / "fleet.image";
  WriteFileOrDie(image_file, kImage100);
  std::string plan = WritePlan(urls, "{kind: command, set: [sh, -c, \"sleep 1; echo {image} >> " +
                                         (dir_ / "swaps.log") + "; printf %s {image} > " +
                                         image_file + "\"], get: [cat, \"" + image_file + "\"]}");
  std::map<std::string, std::string> shard_of;
  for (int i = 0; i < 3; ++i)
    for (const auto& url : Slice(plan, i, 3)) shard_of[url] = std::to_string(i) + "/3";
  ASSERT_EQ(shard_of.size(), urls.size());

  const std::vector<std::vector<std::string>> commands = {
      {"deploy", plan, "--env", "fleet", "--to", "1.3.0"},
      {"rollback", plan, "--env", "fleet", "--to", "1.0.0", "--reason", "shard test"}};
  for (const auto& command : commands) {
    std::vector<ProcessHandle> running;
    for (int i = 0; i < 3; ++i) {
      auto args = command;
      args.insert(args.end(), {"--shard", std::to_string(i) + "/3", "--parallel", "2", "--yes",
                               "--output", "json"});
      running.push_back(StartProcess(Args(OrchestrateBin(), args)));
    }
    int swapped = 0;
    for (auto& h : running) {
      auto r = Wait(h);
      ASSERT_EQ(r.exit_code, 0) << command[0] << ": " << r.out << r.err;
      auto report = nlohmann::json::parse(r.out);
      for (const auto& t : report["targets"]) {
        EXPECT_EQ(shard_of[t["target"]], report["shard"]) << t;
        EXPECT_EQ(t["outcome"], "done") << t;
      }
      // Each shard swapped, found the image swapped by another that finished with it, or says
      // which targets of the others it did not wait for.
      if (report["image"]["action"] == "swapped") {
        ++swapped;
      } else if (report["image"]["action"] != "already running") {
        EXPECT_NE(report["image"]["note"].get<std::string>().find("of the other shards"),
                  std::string::npos)
            << report["image"];
      }
    }
    // Exactly one swaps: the last to finish, or the first of two finishing together.
    EXPECT_EQ(swapped, 1) << command[0];
    EXPECT_EQ(Image(), command[0] == "deploy" ? kImage130 : kImage100);
  }
  EXPECT_EQ(ReadFileOrDie(dir_ / "swaps.log"),
            std::string(kImage130) + "\n" + kImage100 + "\n");  // one swap each way
  for (const auto& url : urls) {
    EXPECT_EQ(CurrentVersion(url), "1.0.0") << RedactUrl(url);
    ExpectRunOnceByShard(url, "deploy", shard_of[RedactUrl(url)]);
    ExpectRunOnceByShard(url, "rollback", shard_of[RedactUrl(url)]);
  }

  // status --all-envs --shard: that slice of the fleet, nothing else.
  auto status = Run({"status", plan, "--all-envs", "--shard", "1/3", "--output", "json"});
  ASSERT_EQ(status.exit_code, 0) << status.out << status.err;
  auto j = nlohmann::json::parse(status.out);
  EXPECT_EQ(j["shard"], "1/3");
  size_t in_slice = 0;
  for (const auto& [url, shard] : shard_of) in_slice += shard == "1/3" ? 1 : 0;
  ASSERT_EQ(j["databases"].size(), in_slice) << j;
  for (const auto& row : j["databases"]) {
    EXPECT_EQ(shard_of[row["database"]], "1/3") << row;
    EXPECT_EQ(row["release"], "1.0.0") << row;
  }
}

// samples/kubernetes/fleet-rollback-shards.yaml: its container's shell script, run as Kubernetes
// would run the 4 pods of the Indexed Job (JOB_COMPLETION_INDEX 0 to 3, the manifest's env), splits
// a fleet of 24 SQLite databases; a pod run again for a finished slice succeeds.
TEST_F(ShardTest, TheSampleIndexedJobSplitsAFleetByJobCompletionIndex) {
  YAML::Node job = YAML::LoadFile(SourceDir() + "/samples/kubernetes/fleet-rollback-shards.yaml");
  ASSERT_EQ(job["kind"].as<std::string>(), "Job");
  ASSERT_EQ(job["spec"]["completionMode"].as<std::string>(), "Indexed");
  const int completions = job["spec"]["completions"].as<int>();
  ASSERT_EQ(completions, 4);
  YAML::Node container = job["spec"]["template"]["spec"]["containers"][0];
  ASSERT_EQ(container["command"].as<std::vector<std::string>>(),
            (std::vector<std::string>{"/bin/sh", "-c"}));
  const std::string script = container["args"][0].as<std::string>();
  EXPECT_NE(script.find("--shard \"$JOB_COMPLETION_INDEX/$SHARDS\""), std::string::npos) << script;
  ProcessOptions pod;
  for (const auto& e : container["env"])
    if (e["value"]) pod.env[e["name"].as<std::string>()] = e["value"].as<std::string>();
  ASSERT_EQ(pod.env["SHARDS"], std::to_string(completions));
  // 3 (needs a human) and 64 (usage) fail the index at once; 2 is retried.
  std::set<int> fail_index;
  for (const auto& rule : job["spec"]["podFailurePolicy"]["rules"])
    if (rule["action"].as<std::string>() == "FailIndex")
      for (const auto& v : rule["onExitCodes"]["values"]) fail_index.insert(v.as<int>());
  EXPECT_EQ(fail_index, (std::set<int>{3, 64}));

  // The fleet: 24 copies of a database at 1.3.0; the plan and environment replace the image's.
  std::vector<std::string> urls;
  for (int i = 1; i <= 24; ++i)
    urls.push_back("sqlite:" + (dir_ / ("tenants/t" + std::to_string(i) + ".db")));
  std::string plan = WritePlan(urls);
  ASSERT_EQ(Run({"deploy", plan, "--env", "fleet", "--database", "sqlite:" + (dir_ / "seed.db"),
                 "--yes", "-q"})
                .exit_code,
            0);
  std::filesystem::create_directories(dir_ / "tenants");
  for (int i = 1; i <= 24; ++i)
    std::filesystem::copy_file(dir_ / "seed.db", dir_ / ("tenants/t" + std::to_string(i) + ".db"));
  WriteFileOrDie(dir_ / "fleet.image", std::string(kImage130) + "\n");
  pod.env["ORCHESTRATE_PLAN"] = plan;
  pod.env["ORCHESTRATE_ENV"] = "fleet";
  const char* path = std::getenv("PATH");
  pod.env["PATH"] = std::filesystem::path(OrchestrateBin()).parent_path().string() + ":" +
                    (path != nullptr ? path : "/usr/bin:/bin");
  const std::string to = pod.env["ROLLBACK_TO"];
  ASSERT_EQ(to, "1.2.0");

  std::vector<ProcessHandle> pods;
  for (int i = 0; i < completions; ++i) {
    ProcessOptions opts = pod;
    opts.env["JOB_COMPLETION_INDEX"] = std::to_string(i);
    pods.push_back(StartProcess({"/bin/sh", "-c", script}, opts));
  }
  for (auto& h : pods) {
    auto r = Wait(h);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  std::map<std::string, std::string> shard_of;
  for (int i = 0; i < completions; ++i)
    for (const auto& url : Slice(plan, i, completions))
      shard_of[url] = std::to_string(i) + "/" + std::to_string(completions);
  for (const auto& url : urls) {
    EXPECT_EQ(CurrentVersion(url), to) << url;
    ExpectRunOnceByShard(url, "rollback", shard_of[RedactUrl(url)]);
  }
  // 1.3.0 is code-first: the image went back before the targets (by whichever pod came first).
  EXPECT_EQ(Image(), "registry.example.com/shop:1.2.0");

  // A pod of a finished slice run again (a retry after its node vanished): nothing to do, success.
  ProcessOptions again = pod;
  again.env["JOB_COMPLETION_INDEX"] = "1";
  auto r = RunProcess({"/bin/sh", "-c", script}, again);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("nothing to do"), std::string::npos) << r.out;
}

TEST_F(ShardTest, AShardOfOneDatabaseOrOutOfRangeIsAUsageError) {
  std::string plan = WritePlan({"sqlite:" + (dir_ / "a.db"), "sqlite:" + (dir_ / "b.db")});
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"rollback", plan, "--env", "fleet", "--to", "1.0.0", "--shard", "4/4"}, "0/4 to 3/4"},
      {{"deploy", plan, "--env", "fleet", "--shard", "1"}, "use I/N"},
      {{"deploy", plan, "--env", "fleet", "--shard", "0/0"}, "N must be 1"},
      {{"deploy", plan, "--env", "single", "--shard", "0/2", "--yes"}, "is one database"},
      {{"deploy", plan, "--env", "fleet", "--database", "sqlite:" + (dir_ / "a.db"), "--shard",
        "0/2", "--yes"},
       "--database names one database"},
      {{"plan", plan, "--env", "single", "--shard", "0/2"}, "is one database"},
      {{"status", plan, "--env", "fleet", "--shard", "0/2"}, "status --all-envs"},
  };
  for (const Case& c : cases) {
    auto r = Run(c.args);
    EXPECT_EQ(r.exit_code, 64) << c.args[0] << " " << c.args.back() << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  // Nothing was created by any of them.
  EXPECT_FALSE(std::filesystem::exists(dir_ / "a.db"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "single.db"));
  // A slice may be empty (more shards than targets): that shard has nothing to do, and says so.
  int empty_slices = 0;
  for (int i = 0; i < 8; ++i) {
    if (!Slice(plan, i, 8).empty()) continue;
    ++empty_slices;
    auto r = Run({"deploy", plan, "--env", "fleet", "--shard", std::to_string(i) + "/8", "--yes"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("on 0 target(s) of 'fleet' (shard " + std::to_string(i) +
                         "/8: 0 of the "
                         "fleet's 2"),
              std::string::npos)
        << r.out;
  }
  EXPECT_GE(empty_slices, 6);
}

}  // namespace
}  // namespace orchestrate::testing
