// Internal to the MySQL/MariaDB adapter: a copy of a database into another on the same server,
// for Database::RecordingCopy (a review script is recorded on it, since DDL commits by itself and
// no transaction of the database itself can hold the run).
//
// What is copied: every table (with its columns, indexes, foreign keys, AUTO_INCREMENT position
// and rows; generated columns are computed again), sequences (their definition, not their
// position), views, triggers, procedures and functions, with any DEFINER clause dropped (the copy
// belongs to the user who makes it). Events are not copied (they would run on the copy). The rows
// are read in one consistent snapshot of InnoDB; the definitions just before, so a schema change
// made on the source meanwhile may be missed (the recording then differs from the run, and the
// approval that compares the two catches it).
#pragma once

#include <string>

#include "migrations/mysql/session.h"

namespace orchestrate {
namespace mysql {

// Copies the current database of `source` into the current database of `target` (empty, on the
// same server). The definitions are read on `source`, where names in its own database come
// unqualified, and run on `target`, where they then name the copy's objects. `target`'s
// sql_mode and foreign_key_checks are as before when it returns.
Status CopyDatabase(Session& source, Session& target);

}  // namespace mysql
}  // namespace orchestrate
