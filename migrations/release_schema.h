// The schema each release left, recorded so that a rollback can tell whether it really got back
// to it. After a deploy step records a release (StepKind::kRecordRelease), the executor records
// the description of the user schema (Database::DescribeSchema, one object per line) as that
// release's; after a rollback step forgets a release and another becomes current, it compares the
// live description with the one recorded for the current release, and records any difference
// (orchestrate_schema_checks) for `history`. `status` compares the live schema the same way.
//
// Tables (state schema version 3, migrations/state_schema.h): orchestrate_release_schemas and
// orchestrate_schema_checks. A release deployed by a build before version 3 has no description
// until it is deployed again: nothing to compare with (Load returns nullopt).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "migrations/database.h"

namespace orchestrate {

struct RecordedSchema {
  std::string version;
  std::vector<std::string> lines;  // Database::DescribeSchema() when it was recorded
  std::string sha256;              // over the lines, each followed by "\n"
  std::string recorded_at;         // ISO-8601 UTC
  int64_t run_id = 0;              // the deploy run that recorded it
};

// Describes the live schema and records it as `version`'s, replacing an older description of
// the same release, in a transaction of its own.
// REQUIRES: no transaction of `db` is open; the state schema is at version 3 or newer.
Status RecordReleaseSchema(Database& db, const std::string& version, int64_t run_id,
                           const std::string& now);
// The write of RecordReleaseSchema for `lines` (Database::DescribeSchema, read before), inside
// `txn` (ExecAtCommit): it rides in the transaction of the next step to commit.
Status WriteReleaseSchema(Transaction& txn, const std::string& version,
                          const std::vector<std::string>& lines, int64_t run_id,
                          const std::string& now);

// The description recorded for `version`; nullopt when none is (or the table does not exist).
Result<std::optional<RecordedSchema>> LoadReleaseSchema(Database& db, const std::string& version);

// The differences between a recorded description and the live one, readable as a diff: one line
// per object that differs, "- LINE" for what the recorded state has and the live one does not,
// "+ LINE" for the reverse (column lines without their position), ordered by the object's name
// so that a changed object's two lines stand together; then "~ column order of T: (a, b) -> (b, a)"
// for each table whose columns are the same but in another order (a column's position, which
// SQLite's lines carry, is not compared otherwise). Empty when they are the same.
std::vector<std::string> SchemaDiff(const std::vector<std::string>& recorded,
                                    const std::vector<std::string>& live);

// A description line without a column's position ("column t.c #3 integer" -> "column t.c
// integer"); other lines as they are.
std::string WithoutColumnPosition(const std::string& line);

// "column order of T: (a, b) -> (b, a)" for each table of both descriptions whose columns are
// listed in another order.
std::vector<std::string> ColumnOrderChanges(const std::vector<std::string>& before,
                                            const std::vector<std::string>& after);

// The live schema compared with the one recorded for `version`: nullopt when nothing is recorded
// for it, else the differences (empty: the same).
Result<std::optional<std::vector<std::string>>> CompareWithRecorded(Database& db,
                                                                    const std::string& version);

// The same for the release the journal holds as current (the newest of orchestrate_releases),
// read with its recorded description in one query: `current` is set to that release, nullopt
// when none is deployed (then nothing is compared, nullopt). A recorded description whose
// SHA-256 is the live one's is the same without being parsed.
// REQUIRES: the state tables exist (inside a run).
Result<std::optional<std::vector<std::string>>> CompareCurrentWithRecorded(
    Database& db, std::optional<std::string>* current);

// A rollback step that reached `release` and found its schema different from the recorded one.
struct SchemaCheck {
  int64_t run_id = 0;
  std::string release, checked_at;
  std::vector<std::string> differences;  // SchemaDiff
};

// Records `check` (replacing one of the same run and release), in a transaction of its own.
Status RecordSchemaCheck(Database& db, const SchemaCheck& check);

// Every recorded check, by run id then release; empty when the table does not exist.
Result<std::vector<SchemaCheck>> LoadSchemaChecks(Database& db);

}  // namespace orchestrate
