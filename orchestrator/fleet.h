// Fleets: one environment, many databases (a database per tenant, per shard, per region). A
// deploy or rollback runs the same plan on every target, each with its own connection, run lock
// and journal (each target's state tables are its own), a few at a time.
//
// Why the image is not swapped per target: the deployer belongs to the environment, not to a
// database, so there is one image for the whole fleet. Each target runs the database steps only
// (its plan holds no swap step, so its journal never claims a swap it did not do), and the image
// is swapped once for the environment:
//  - before any target, for a rollback whose crossed releases are all `order: code-first` (the
//    old code runs on the new schema, so it can run while the targets roll back one by one);
//  - after every target is done, for a deploy and for a rollback that crosses a `schema-first`
//    release (the code must not move before all the databases have).
// The deployer is the record of the swap: a re-run asks it what runs and swaps only when needed.
// A re-run resumes only the unfinished targets; the others report nothing to do.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/deployer.h"
#include "orchestrator/executor.h"
#include "orchestrator/gates.h"
#include "orchestrator/process.h"
#include "orchestrator/shard.h"
#include "plans/model.h"
#include "plans/status.h"

namespace orchestrate {

// The target (redacted URL) the calling thread runs a fleet's plan on; "" elsewhere. Log formatting
// shows it, so that the interleaved lines of targets running in parallel can be told apart.
const std::string& FleetTargetOfThisThread();

// Whether the environment declares a fleet (`targets:` or `targets_command:`).
bool IsFleet(const Environment& env);

// The fleet's database URLs: `database:` when set, then `targets:`, then what `targets_command:`
// prints (one URL per line; blank lines and lines starting with '#' are skipped), duplicates
// dropped. kFailed when the command cannot start, fails or prints no URL, naming the
// environment's file:line. `cancelled` stops the command.
// `run` starts the command (empty: RunChildProcess).
Result<std::vector<std::string>> FleetTargets(const Environment& env,
                                              const std::function<bool()>& cancelled,
                                              const ProcessRunner& run = {});

struct FleetRequest {
  // What runs on each target. `confirm` is not used (the caller confirms the whole fleet once);
  // rollback: `target` must name a version (targets may be at different releases, so "previous"
  // would mean different things on each).
  RunRequest run;
  int parallel = 1;        // targets run at once (each on a thread and a connection of its own)
  bool fail_fast = false;  // after the first failure start no new target (running ones finish)
  GateRequest gates;       // rollback: the gates of `orchestrate check`, per target
  DatabaseOpener open;     // opens a target's URL (relative paths, the password: the caller's)
  // --approved DIR: each target runs only what its approved script in DIR says (the file whose
  // "-- database:" line names the target, see ApprovedScriptFor), checked under the target's lock
  // before anything runs there. "" for none.
  std::string approved_dir;
  std::string environment;  // the environment's name (for the review scripts' header)
  // --shard I/N (orchestrator/shard.h): the URLs given to RunFleet are this shard's slice, and
  // `other_shards` the rest of the fleet. An image swap due after the targets (a deploy, a
  // schema-first rollback) is then done by the shard that finds, once its own slice is finished,
  // every target of the other shards at the version too (so the last shard to finish swaps; a
  // re-run of any shard swaps when they all are); until then it reports why it did not.
  Shard shard;
  std::vector<std::string> other_shards;
};

// What happened on one target of a fleet run (the summary table and the JSON report print the
// name).
enum class TargetOutcome {
  kDone,
  kResumed,
  kNothingToDo,
  kPlanned,  // a dry run
  kFailed,
  kNeedsHuman,
  kNotStarted,
};
// "done", "resumed", "nothing to do", "planned", "failed", "needs a human", "not started"
const char* Name(TargetOutcome outcome);
std::optional<TargetOutcome> TargetOutcomeFromName(std::string_view name);  // nullopt: unknown

struct TargetReport {
  std::string target;  // the URL, password redacted
  std::string from, to;
  std::string image;  // what release `to` runs: recorded on the target, else the manifest's
  TargetOutcome outcome = TargetOutcome::kNotStarted;
  Status status;      // why, when not done
  int steps_run = 0;  // by this invocation; a failed target: the steps of its run that are done
  int64_t run_id = 0;
  double seconds = 0;
  // A rollback: the releases reached whose schema differs from the one recorded at their deploy
  // (RunOutcome::schema_drift).
  std::vector<SchemaCheck> schema_drift;
};

struct FleetReport {
  std::string kind;  // deploy | rollback
  std::string environment, to_version;
  int parallel = 1;
  Shard shard;                        // --shard: which slice `targets` are
  size_t fleet_size = 0;              // the whole fleet's targets (all shards)
  std::vector<TargetReport> targets;  // in the order the fleet lists them
  // The environment's image: from -> to, and what was done: swapped | already running |
  // not swapped (why) | would swap (dry run).
  std::string image_from, image_to, image_action;
  Status image_status;
  std::string image_note;  // why it was not swapped yet, when that is no failure (shards)
  double seconds = 0;

  // Ok when every target is done and the image is in place; kNeedsHuman when any target needs a
  // human (that comes first); kFailed when any failed or was not started, or the swap failed;
  // kNothingToDo when no target had anything to do and the image was already in place.
  Status Overall() const;
};

// Runs `request` on every URL, `request.parallel` at a time, and swaps `deployer` (the
// environment's) once, as described at the top. Returns the report whatever the targets' outcomes;
// a non-OK Result only when nothing could start (kUsage for a rollback without a version).
Result<FleetReport> RunFleet(const Plan& plan, const Environment& env,
                             const std::vector<std::string>& urls, Deployer& deployer,
                             const FleetRequest& request);

// The review script (orchestrator/review.h) of one fleet target, as RunFleet runs there: the
// database steps only (the environment's image moves once, apart from the targets). What
// `orchestrate sql` writes for each target of a fleet, and what `--approved DIR` is checked
// against.
Result<std::string> RenderFleetTargetScript(const Plan& plan, const std::string& environment,
                                            Database& db, Direction direction,
                                            const std::string& to_version, bool accept_data_loss);

// Fleets are approved one script per target: the approved script in `dir` (*.sql) whose
// "-- database:" line is `identity` (Database::Identity). kNeedsHuman naming the target when
// there is none, or more than one.
// `render_again` is the command that renders the fleet's scripts into `dir` (RenderAgainCommand).
Result<std::string> ApprovedScriptFor(const std::string& dir, const std::string& identity,
                                      const std::string& render_again);

// The summary table, the image line, a count, and one line per target that is not done.
std::string RenderFleetText(const FleetReport& report);
// The same as one JSON object; `exit_code` is what the command exits with.
std::string RenderFleetJson(const FleetReport& report, int exit_code);

}  // namespace orchestrate
