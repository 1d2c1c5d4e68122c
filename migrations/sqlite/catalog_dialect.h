// The catalog's SQLite dialect (migrations/catalog_dialect.h): tables described from sqlite_master
// and pragma_table_info, names compared without case, sizes counted, copies as plain
// orchestrate_snap_* tables, NULL-safe comparison by IS.
#pragma once

#include <memory>

#include "migrations/catalog_dialect.h"

namespace orchestrate {

// The dialect of a SQLite database `db` (used to quote identifiers), which must outlive it.
std::unique_ptr<CatalogDialect> NewSqliteCatalogDialect(const Database& db);

}  // namespace orchestrate
