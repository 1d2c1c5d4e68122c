// Internal to the MySQL/MariaDB adapter: the user schema as information_schema describes it, for
// Database::DescribeSchema and Database::UserTables. Everything of the session's current database
// but orchestrate's own tables (orchestrate_*).
#pragma once

#include <string>
#include <vector>

#include "migrations/mysql/session.h"

namespace orchestrate {
namespace mysql {

// Lines "table T", "column T.C <type> [not null] [default D] [auto_increment] [generated E]",
// "primary key T (a,b)", "index T.I [unique] (a,b)", "foreign key T.N (a) -> R (b) on delete X on
// update Y", "view V <definition>", "trigger T.N <timing> <event> <statement>"; sorted. Names in a
// view's definition lose their database qualifier, so that equal schemas in two databases
// describe equally.
Result<std::vector<std::string>> DescribeSchema(Session& session);

// The base tables, sorted.
Result<std::vector<std::string>> UserTables(Session& session);

}  // namespace mysql
}  // namespace orchestrate
