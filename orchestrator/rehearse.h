// Rehearsals: prove on a scratch database that a release rolls back to exactly what was there.
//
// The scratch database is created and dropped by the rehearsal (SQLite: a file in a temporary
// folder; PostgreSQL: a new database on the environment's server), never the environment's own, and
// the image swaps go to a file in the temporary folder. Phases, each on fresh connections so that
// nothing that lives only in a session (temporary tables, settings) can carry over:
//   deploy V; fingerprint (schema and every table's rows); deploy W; roll back to V; fingerprint
//   and compare; deploy W again.
// With `each`, every migration between V and W (oldest first) is also run up, down and compared on
// its own, on a scratch database of its own that starts at V, and gets a verdict
// (MigrationVerdict). The run goes on past a failing or drifting down: the scratch database is
// rebuilt to the state before that migration (its newest checkpoint, then the ups since), its up is
// applied, and the next migration follows. Checkpoints are copies of the scratch database taken
// every kCheckpointEvery migrations (PostgreSQL: CREATE DATABASE ... TEMPLATE; SQLite: a copy of
// the file), so a rebuild replays a few ups instead of deploying from nothing; MySQL/MariaDB
// cannot copy a database, so there a rebuild empties the scratch database, deploys V again and
// replays the ups since V (slower, the same state). Seeds are not part
// of `each` (the whole rehearsal covers them).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "migrations/database.h"
#include "migrations/fingerprint.h"
#include "plans/model.h"
#include "plans/planner.h"
#include "plans/status.h"

namespace orchestrate {

struct RehearseOptions {
  std::string from, to;     // V and W; "" for the release before the newest and the newest
  bool each = false;        // also rehearse every migration on its own
  std::string scratch_url;  // an existing scratch database to use instead of creating one
  std::string server_url;   // the environment's database URL: which dialect and server to use
  DatabaseOpener open;      // opens the server's and the scratch database's URLs
  // Also keep what a report for people shows (RehearsalReport::detail): the fingerprints' small
  // tables row by row, the rollback's review script and the snapshots it took. --report sets it.
  bool detail = false;
};

struct RehearsalPhase {
  std::string name;  // "deploy 1.2.0", "compare after rollback to 1.2.0", "migration 0007 ..."
  bool ok = true;
  double seconds = 0;
  std::string error;                     // why the phase failed to run
  std::vector<std::string> differences;  // what did not round-trip
  // The image swaps the phase's run made: "step N: FROM -> TO (why)".
  std::vector<std::string> swaps;
};

// How often --each copies its scratch database (in migrations rehearsed).
inline constexpr int kCheckpointEvery = 25;

// One migration's verdict in --each.
struct MigrationVerdict {
  std::string release, id, down_path;
  std::string up_sha256, down_sha256;  // of the files rehearsed (the down's: what a deploy stores)
  // "clean": up, down and compare found the state before; "column order only": the same objects
  // and rows, but a table's columns in another order; "drift": anything else differs (or the up
  // could not run again after the down); "down error": the down failed; "up error": the up
  // failed, so nothing after it was reached; "skipped": irreversible or no down file (its up ran);
  // "not reached": after an up error or a rebuild that failed.
  std::string verdict;
  std::string error;                     // down error, up error: the message
  std::vector<std::string> differences;  // column order only, drift: what differs
  double seconds = 0;
  bool ok() const { return verdict == "clean" || verdict == "skipped"; }
};

// A snapshot the rehearsal's rollback took (snapshots list, on the scratch database).
struct RehearsalSnapshot {
  long id = 0;
  int step = 0;
  std::string release, source, table, kind, columns, description;
  long rows = 0;
};

// With RehearseOptions::detail: what the HTML report shows beyond the phases.
struct RehearsalDetail {
  bool compared = false;      // the compare phase ran: before/after are set
  Fingerprint before, after;  // at V, and after the rollback (tables of up to kKeptRows rows kept)
  RunPlan rollback;           // the rollback's plan, as previewed on the scratch database at W
  std::string review;         // its review script (`orchestrate sql`), estimates included
  std::vector<RehearsalSnapshot> snapshots;  // taken by the rollback, oldest first
  static constexpr size_t kKeptRows = 500;
};

struct RehearsalReport {
  std::string app, dialect, from, to, scratch;
  std::vector<RehearsalPhase> phases;
  bool each = false;
  std::vector<MigrationVerdict> migrations;  // --each, oldest first
  int checkpoints = 0, rebuilds = 0;         // --each: copies taken, rebuilds after a failure
  double seconds = 0;
  RehearsalDetail detail;  // RehearseOptions::detail only
  bool ok() const;
};

// The verdicts of a report, in the order "clean", "column order only", "drift", "down error",
// "up error", "skipped", "not reached", each with its count (zeros included).
std::vector<std::pair<std::string, int>> VerdictTotals(const RehearsalReport& report);

// Runs the rehearsal. An error Status only when the rehearsal could not be set up (no scratch
// database, bad versions); what fails during it is in the report.
Result<RehearsalReport> Rehearse(const Plan& plan, const RehearseOptions& options);

// The report for people (terminal), as Markdown, and as JUnit XML for CI systems.
std::string RehearsalText(const RehearsalReport& report);
std::string RehearsalMarkdown(const RehearsalReport& report);
std::string RehearsalJUnit(const RehearsalReport& report);
// The report as JSON (what `rehearse --output json` prints and --report DIR writes as
// rehearsal.json; `check --rehearsal FILE` reads its "migrations").
std::string RehearsalJson(const RehearsalReport& report);

}  // namespace orchestrate
