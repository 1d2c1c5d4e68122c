// Internal to the MySQL/MariaDB adapter: its CatalogDialect (migrations/catalog_dialect.h), read
// from information_schema of the session's current database.
#pragma once

#include <memory>

#include "migrations/catalog_dialect.h"

namespace orchestrate {

std::unique_ptr<CatalogDialect> NewMysqlCatalogDialect(const Database& db);

}  // namespace orchestrate
