// Internal to the MySQL/MariaDB adapter: its LedgerDialect (migrations/ledger/dialect.h). The row
// ledger is not built for MySQL/MariaDB yet (row triggers writing to the ledger within the seed's
// transaction: issue 17): finding a seed's tables and installing its capture fail with
// kNotYetOnMysql, so that a seed with `tables:` is refused before it runs, never run without its
// ledger. The SQL builders are never reached after that refusal; they return a statement that
// fails with the same message, should they be.
#pragma once

#include <memory>

#include "migrations/ledger/dialect.h"

namespace orchestrate {

std::unique_ptr<LedgerDialect> NewMysqlLedgerDialect(const Database& db);

}  // namespace orchestrate
