// Which statements commit by themselves: on MySQL/MariaDB every DDL statement (and a few others)
// ends the open transaction and commits itself, so a script that mixes them with DML is not one
// atomic unit there. Pure functions over split statements (migrations/statement_split.h): no
// database, no I/O; thread-safe. The executor asks the Database seam
// (Database::CommitsByItself); validate, which has no database, asks here by dialect.
#pragma once

#include <optional>
#include <string>

#include "migrations/statement_split.h"

namespace orchestrate {

// Whether `statement` (the text of one split statement) commits the transaction by itself on
// `dialect`, judged by its leading words: on kMysql, CREATE, ALTER, DROP, RENAME, TRUNCATE, GRANT,
// REVOKE, LOCK, UNLOCK, ANALYZE, OPTIMIZE, REPAIR, FLUSH, INSTALL, UNINSTALL, CACHE and LOAD INDEX
// (but not CREATE/DROP TEMPORARY TABLE); never on kPostgres and kSqlite, whose DDL is
// transactional.
bool CommitsImplicitly(Dialect dialect, const std::string& statement);

// Where a script mixes statements that commit by themselves with statements that do not (DDL and
// DML), on `dialect`: the 1-based line of the first of each kind. nullopt when it does not (or
// cannot be split: the analysis reports that).
struct MixedStatements {
  int ddl_line = 0, dml_line = 0;
};
std::optional<MixedStatements> MixesDdlAndDml(Dialect dialect, const std::string& script);

}  // namespace orchestrate
