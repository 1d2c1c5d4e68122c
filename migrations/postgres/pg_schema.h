// Internal to the PostgreSQL adapter: reading the user schema from the catalogs.
//
// The user schema is schema `public` minus orchestrate's own state (objects named orchestrate_*)
// and objects owned by extensions.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "plans/status.h"

namespace orchestrate {
namespace pg {

// See Database::DescribeSchema. The lines, in this order:
//   for each table, by name:  table <t>
//                             column <t>.<c> <type> null|not null[ default <expr>]
//                                 [ generated always as (<expr>) stored][ generated ... identity]
//                                 (in column order, so a reordering shows), then, sorted:
//                             constraint <t>.<name> <pg_get_constraintdef>
//                             index <t>.<name> <pg_get_indexdef>
//                             trigger <t>.<name> <pg_get_triggerdef>
//   then, sorted: enum, extension (but plpgsql), function/procedure/aggregate (with the full
//   definition), materialized view, sequence, view lines; indexes and triggers of views also.
// Runs of whitespace are collapsed to one space. Reads everything in one statement (one round trip,
// one snapshot), prepared in the session (PREPARE orchestrate_describe_schema) the first time:
// `*prepared` says whether it was, and is set once it is; one that went (DISCARD ALL) is prepared
// again.
// REQUIRES: no transaction open on `conn`. Throws libpqxx exceptions.
std::vector<std::string> DescribeSchema(pqxx::connection& conn, bool* prepared);

// See Database::UserTables: ordinary and partitioned tables, sorted bytewise.
// REQUIRES: no transaction open on `conn`. Throws libpqxx exceptions.
std::vector<std::string> UserTables(pqxx::connection& conn);

}  // namespace pg
}  // namespace orchestrate
