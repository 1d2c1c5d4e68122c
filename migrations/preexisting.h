// Objects a migration's up did not create although it says so (issue 18, "extension ownership"):
// `CREATE EXTENSION IF NOT EXISTS citext` on a database where citext is installed creates nothing,
// and a hand-written down's `DROP EXTENSION citext` would then remove what the release never
// owned, for the whole database. At deploy (PostgreSQL, a migration run in a transaction), before
// the up runs, orchestrate reads which of the objects its `CREATE ... IF NOT EXISTS` statements
// name already exist and records them with the migration (Journal::RecordPreexisting); at rollback,
// under policy keep_preexisting_extensions (the default), the down runs without its drops of those
// objects (DownKeeping), the plan and the review script show that, and `check` warns.
//
// The statements are read by a small scanner of PostgreSQL's lexical rules (words, "quoted"
// identifiers, comments) on the statements of SplitScript: forms it does not recognise are left
// alone, so a drop it cannot read runs as written.
#pragma once

#include <string>
#include <vector>

#include "migrations/database.h"
#include "plans/state.h"

namespace orchestrate {

// The objects the `CREATE EXTENSION|TABLE|INDEX|SEQUENCE|SCHEMA ... IF NOT EXISTS` statements of
// `up` (PostgreSQL) name, in script order, without duplicates. Pure.
std::vector<PreexistingObject> IfNotExistsObjects(const std::string& up);

// Which of IfNotExistsObjects(up) exist now, read in `txn` before the up runs (PostgreSQL; other
// engines: none).
Result<std::vector<PreexistingObject>> FindPreexisting(const Database& db, Transaction& txn,
                                                       const std::string& up);

// `down` without its drops of `kept` objects: a `DROP ...` statement that names only kept objects
// becomes comment lines (the same number of lines, so later line numbers hold), one that names
// others too keeps only those. The kept objects it named are added to `dropped`. `down` unchanged
// when it names none. Pure.
std::string DownKeeping(const std::string& down, const std::vector<PreexistingObject>& kept,
                        std::vector<PreexistingObject>* dropped);

// "extension citext, table audit_log".
std::string DescribeObjects(const std::vector<PreexistingObject>& objects);

}  // namespace orchestrate
