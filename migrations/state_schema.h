// orchestrate's state schema: every table (and PostgreSQL schema) that orchestrate keeps in the
// target database, in one place, as numbered versions with the step that upgrades a database from
// each version to the next. Nothing else holds state DDL: the journal, the run lock of both
// adapters and the snapshot catalog ask this module for theirs.
//
// The version is the row key = 'schema_version' of orchestrate_meta.
//   1  What the releases up to fb88fd0 leave: the journal creates orchestrate_meta, _releases,
//      _migrations, _seeds, _runs, _steps, _ledger (and its index orchestrate_ledger_by_seed),
//      _swap_parts and _ledger_restores; the run lock creates orchestrate_lock when first taken;
//      the first snapshot creates orchestrate_snapshot_index, orchestrate_snapshot_counter and,
//      on PostgreSQL, the schema orchestrate_snapshots. Builds before fb88fd0 added _ledger,
//      _ledger_restores (edb0908) and _swap_parts (1253f2b) to version 1 without a bump, and
//      their EnsureSchema created what was missing on every run: a database recorded at 1 may
//      lack them, or the lock table and the snapshot catalog, until first used.
//   2  Every state table exists once EnsureStateSchema returns: the lock table and the snapshot
//      catalog are created with the rest instead of on first use. The step from 1 creates
//      whatever of versions 1 and 2 is missing; no table or column of version 1 changes, so
//      version 1 data is read as it is.
//   3  orchestrate_release_schemas (the schema description each release left when deployed) and
//      orchestrate_schema_checks (where a rollback that reached a release found the live schema
//      different from it): migrations/release_schema.h. The step from 2 creates both; no table
//      of version 2 changes, so a build of version 2 data reads it as it is. Releases deployed
//      before the upgrade have no recorded description until they are deployed again.
//   4  orchestrate_step_statements: how far each step run statement by statement got (the next
//      statement, and a statement that commits by itself started but not recorded done), for
//      engines whose DDL is not transactional (orchestrator/statement_steps.h). The step from 3
//      creates it; no table of version 3 changes.
// A new version appends a step below (state_schema.cc, kVersions) and bumps kStateSchemaVersion.
//
// The DDL is written in SQL that SQLite and PostgreSQL both accept (TEXT, INTEGER, BIGINT); what
// differs by dialect comes from the Database seam (TableExistsQuery, StateNamespaceStatements,
// StateSchemaLockStatements), never from a test of the dialect's name.
#pragma once

#include <string>
#include <vector>

#include "migrations/database.h"

namespace orchestrate {

// The newest state schema version this build knows.
inline constexpr int kStateSchemaVersion = 4;

// Brings the state schema of `db` to kStateSchemaVersion:
//   - at kStateSchemaVersion: reads the version and changes nothing;
//   - no state tables (or orchestrate_meta without a version, as a review script's preamble
//     leaves it): creates every table of the newest version and records it, in ONE transaction;
//   - an older version: upgrades step by step, each step in a transaction of its own that also
//     records the version it reached (an interrupted upgrade resumes at the next step);
//   - a newer version: kNeedsHuman, changing nothing ("use a newer orchestrate").
// Safe when processes race: changes happen under Database::StateSchemaLockStatements (SQLite: the
// write lock), and the version is read again under it, so the second process does nothing.
// REQUIRES: no transaction of `db` is open.
Status EnsureStateSchema(Database& db);

// The version recorded in `db`; 0 when there are no state tables or no version recorded.
Result<int> StateSchemaVersion(Database& db);

// The statements that EnsureStateSchema runs on a database without state tables, in order: the
// CREATE ... IF NOT EXISTS of the newest version, then the INSERT of its version (ON CONFLICT DO
// NOTHING). Each is idempotent. For the review script.
std::vector<std::string> StateSchemaStatements(const Database& db);

// The CREATE TABLE IF NOT EXISTS of orchestrate_lock (its row id = 1 names the run lock's
// holder). The run lock is taken before EnsureStateSchema runs, so it creates its table itself,
// with this statement.
const std::string& LockTableStatement();

// The CREATE ... IF NOT EXISTS of the snapshot catalog (orchestrate_snapshot_index,
// orchestrate_snapshot_counter and the namespace of the copies), in order: a capture runs them in
// its step's transaction, so that it also works on a database that EnsureStateSchema has not seen.
std::vector<std::string> SnapshotCatalogStatements(const Database& db);

// Whether `table` exists (Database::TableExistsQuery), read in `txn`. An error is an error, never
// "no such table".
Result<bool> StateTableExists(Transaction& txn, const Database& db, const std::string& table);

}  // namespace orchestrate
