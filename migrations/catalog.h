// What the statement analyzer needs to know of a database's schema beyond a statement itself
// (migrations/analysis/analysis.h, SchemaFacts): which table each index belongs to, and the
// foreign keys. `orchestrate sql` reads it once and then follows the plan's steps through it.
#pragma once

#include "migrations/analysis/analysis.h"
#include "migrations/database.h"

namespace orchestrate {

// The indexes and foreign keys of every table outside the system schemas, named as the analyzer
// names them (unqualified when the schema is on the search_path). PostgreSQL only: for SQLite
// (one database-wide lock, nothing to resolve) an empty SchemaFacts with from_catalog false.
// Errors: a failing query (kFailed).
Result<SchemaFacts> ReadSchemaFacts(Database& db);

}  // namespace orchestrate
