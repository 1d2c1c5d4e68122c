// Internal to the MySQL/MariaDB adapter: orchestrate's own SQL, as MySQL must read it.
//
// The journal, the state schema and the snapshot catalog are written once, in SQL that SQLite and
// PostgreSQL both accept (migrations/state_schema.h): $1, $2, ... parameters, columns named
// `release` and `key` (reserved words in MySQL), ON CONFLICT upserts, and TEXT key columns. This
// translates such a statement, token by token (never by pattern over the raw text, so that quoted
// strings are left alone), into MySQL:
//   - $n becomes the n-th parameter as a literal, escaped by `quote` (NULL for a NULL value);
//   - a '...' string (standard quoting: '' is a quote, a backslash is itself) gets each backslash
//     doubled, since MySQL reads backslash escapes in strings;
//   - the bare identifiers release and key are quoted with backticks (not KEY after PRIMARY,
//     FOREIGN, UNIQUE or DUPLICATE, where it is the keyword);
//   - CAST(x AS TEXT) becomes CAST(x AS CHAR);
//   - an UPDATE's assignments are reordered so that each reads the old values, as in SQLite and
//     PostgreSQL (MySQL assigns left to right: SET a = 1, b = a gives b the new a);
//   - INSERT ... ON CONFLICT DO NOTHING becomes INSERT IGNORE ...;
//     ON CONFLICT (cols) DO UPDATE SET a = EXCLUDED.a becomes ON DUPLICATE KEY UPDATE a =
//     VALUES(a);
//   - with `ddl` (a CREATE TABLE of the state schema): TEXT key columns (in the PRIMARY KEY, or
//     named *_id, which the state indexes) become VARCHAR(255), and the table is InnoDB, utf8mb4.
// User migrations never go through this: they run as written (Transaction::ExecScript).
// Pure; thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "migrations/database.h"
#include "plans/status.h"

namespace orchestrate {
namespace mysql {

// The translation described above; kInvalid when a $n has no parameter.
Result<std::string> ToMysql(const std::string& sql, const std::vector<Value>& params,
                            const std::function<std::string(const std::string&)>& quote,
                            bool ddl = false);

}  // namespace mysql
}  // namespace orchestrate
