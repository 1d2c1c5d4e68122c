// The row ledger's SQLite dialect (migrations/ledger/dialect.h): capture by connection-local TEMP
// row triggers that stage full row images (grouped into chunks when the seed ends) and abort
// writes to undeclared tables; recorded rows read with json_each; "unchanged since the deploy" by
// comparing the row image with the recorded one.
#pragma once

#include <memory>

#include "migrations/ledger/dialect.h"

namespace orchestrate {

// The dialect of a SQLite database `db` (used to quote identifiers), which must outlive it.
std::unique_ptr<LedgerDialect> NewSqliteLedgerDialect(const Database& db);

}  // namespace orchestrate
