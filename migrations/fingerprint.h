// Schema and data fingerprints of the user tables of a database (the orchestrate_* state tables
// excluded): what tests and rehearsals compare to prove that a rollback round-trips.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "migrations/database.h"

namespace orchestrate {

struct TableData {
  std::string table;
  long rows = 0;
  std::string sha256;  // over the sorted rows
  // With TakeFingerprint(..., keep_rows) and at most keep_rows rows: the table's columns and its
  // rows, sorted as encoded (for reports that show which rows differ); empty otherwise.
  std::vector<std::string> columns;
  std::vector<Row> kept;
};

struct Fingerprint {
  std::vector<std::string> schema;  // Database::DescribeSchema()
  std::string schema_sha256;
  std::vector<TableData> tables;
  std::string data_sha256;  // over every table's name, row count and checksum
};

// Reads the schema and every user table. Row order does not matter; values are compared as text.
// A table locked by someone else for longer than `lock_timeout_seconds` (0: wait) fails the read
// (kLockTimeout) rather than queueing behind production traffic. A table of at most `keep_rows`
// rows also keeps them (TableData::kept).
Result<Fingerprint> TakeFingerprint(Database& db, double lock_timeout_seconds = 0,
                                    size_t keep_rows = 0);

}  // namespace orchestrate
