// The embedded default: SQLite through SOCI. SOCI opens and owns the session; statements run
// through the native handle SOCI exposes, because SOCI's SQLite backend runs only the first
// statement of a multi-statement string and maps TIMESTAMP columns to std::tm (losing the exact
// stored text, which fingerprints need).
#pragma once

#include <memory>
#include <string>

#include "migrations/database.h"

namespace orchestrate {

// Opens (creating if needed) the SQLite database at `path`, with foreign keys enforced and a busy
// timeout so that concurrent writers wait rather than fail. kFailed when it cannot be opened.
Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path);

}  // namespace orchestrate
