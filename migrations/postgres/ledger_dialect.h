// The row ledger's PostgreSQL dialect (migrations/ledger/dialect.h): capture by statement-level
// AFTER triggers with transition tables (a plpgsql function per table, built here), "unchanged
// since the deploy" by the row's xmin, inserted rows with one integer key recorded as ranges and
// reversed in slices. Uses the Database seam only (no libpqxx).
#pragma once

#include <memory>

#include "migrations/ledger/dialect.h"

namespace orchestrate {

// The dialect of a PostgreSQL database `db` (used to quote identifiers), which must outlive it.
std::unique_ptr<LedgerDialect> NewPostgresLedgerDialect(const Database& db);

}  // namespace orchestrate
