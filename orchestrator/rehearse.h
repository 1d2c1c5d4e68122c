// Rehearsals: prove on a scratch database that a release rolls back to exactly what was there.
//
// The scratch database is created and dropped by the rehearsal (SQLite: a file in a temporary
// folder; PostgreSQL: a new database on the environment's server), never the environment's own, and
// the image swaps go to a file in the temporary folder. Phases, each on fresh connections so that
// nothing that lives only in a session (temporary tables, settings) can carry over:
//   deploy V; fingerprint (schema and every table's rows); deploy W; roll back to V; fingerprint
//   and compare; deploy W again. With `each`, every migration between V and W is also run up, down
//   and compared on its own, to point at the broken down file.
#pragma once

#include <string>
#include <vector>

#include "migrations/database.h"
#include "plans/model.h"
#include "plans/status.h"

namespace orchestrate {

struct RehearseOptions {
  std::string from, to;     // V and W; "" for the release before the newest and the newest
  bool each = false;        // also rehearse every migration on its own
  std::string scratch_url;  // an existing scratch database to use instead of creating one
  std::string server_url;   // the environment's database URL: which dialect and server to use
  DatabaseOpener open;      // opens the server's and the scratch database's URLs
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

struct RehearsalReport {
  std::string app, dialect, from, to, scratch;
  std::vector<RehearsalPhase> phases;
  double seconds = 0;
  bool ok() const;
};

// Runs the rehearsal. An error Status only when the rehearsal could not be set up (no scratch
// database, bad versions); what fails during it is in the report.
Result<RehearsalReport> Rehearse(const Plan& plan, const RehearseOptions& options);

// The report for people (terminal), as Markdown, and as JUnit XML for CI systems.
std::string RehearsalText(const RehearsalReport& report);
std::string RehearsalMarkdown(const RehearsalReport& report);
std::string RehearsalJUnit(const RehearsalReport& report);

}  // namespace orchestrate
