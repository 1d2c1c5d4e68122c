// The catalog's PostgreSQL dialect (migrations/catalog_dialect.h): tables described from
// pg_attribute and pg_index through to_regclass, sizes from pg_class statistics, copies in the
// schema orchestrate_snapshots, stored values cast back to their column's type. Uses the Database
// seam only (no libpqxx).
#pragma once

#include <memory>

#include "migrations/catalog_dialect.h"

namespace orchestrate {

// The dialect of a PostgreSQL database `db` (used to quote identifiers), which must outlive it.
std::unique_ptr<CatalogDialect> NewPostgresCatalogDialect(const Database& db);

}  // namespace orchestrate
