// Reading libpg_query's JSON parse tree (pg_query_parse's output: the server's raw parse tree,
// node by node). libpg_query omits every field that holds its default (false, 0, NULL, an empty
// list), so every accessor here tolerates an absent field and returns the default.
//
// Node shapes: a field of an abstract Node type holds {"TypeName": {...fields}}, a field of a
// concrete type (RangeVar* relation) holds the fields directly.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "migrations/analysis/analysis.h"

namespace orchestrate {
namespace analysis_internal {

using Json = nlohmann::json;

// A null value (what an absent field reads as).
const Json& Null();
// node[key], or null when `node` is not an object or has no `key`.
const Json& Field(const Json& node, const char* key);
// node[key] as a string, or "" when absent or not a string.
std::string Str(const Json& node, const char* key);
// node[key] as a bool, false when absent.
bool Bool(const Json& node, const char* key);
// The elements of a list field (an empty array when absent).
const Json& List(const Json& node, const char* key);
// A Node as its type and its fields: {"RangeVar": {...}} -> ("RangeVar", &{...}); a bare object
// gives ("", &node).
std::pair<std::string, const Json*> Unwrap(const Json& node);
// The fields of `node` when it is a Node of `type`, null otherwise.
const Json& Body(const Json& node, const char* type);

// "catalog.schema.name" from a RangeVar's fields, each part only when given.
std::string RangeVarName(const Json& rv);
// A relation field, typed RangeVar (bare fields) or a Node (wrapped in {"RangeVar": ...}).
std::string RelationName(const Json& field);
// "a.b.c" from a list of String nodes, without its last `drop_last` elements.
std::string JoinNames(const Json& list, size_t drop_last = 0);
// The name of an object in a DROP/COMMENT object list: a String, a List of Strings (without its
// last `drop_last` elements: "DROP TRIGGER t ON s.orders" lists s, orders, t), a TypeName or an
// ObjectWithArgs.
std::string ObjectName(const Json& node, size_t drop_last = 0);
// "TABLE" from "OBJECT_TABLE", "MATERIALIZED VIEW" from "OBJECT_MATVIEW": the SQL spelling.
std::string ObjectTypeName(const std::string& object_type);
// `text` in ASCII lower case.
std::string Lower(std::string text);
// Relation-like object types (table, view, materialized view, sequence, foreign table, index).
bool IsRelationType(const std::string& object_type);
// A DefElem option is on when it has no argument or a true-ish one (FULL, FULL true, FULL 1).
bool DefElemOn(const Json& def_elem);
// Whether an option list (of DefElem nodes) turns `name` on.
bool HasOption(const Json& options, const char* name);
// Every relation (RangeVar) under `node`, in the order they appear in the statement text, each
// once, without references to CTEs defined under `node`.
std::vector<std::string> RelationsIn(const Json& node);

// One statement's analysis from its Node (RawStmt.stmt); `out.text` is already set (it names
// statements that are not understood). Defined in pg_statement.cc.
// `facts`, when not null, resolves the locks that depend on the schema and receives the statement's
// schema changes.
void AnalyzePgStatement(const Json& stmt, StatementAnalysis& out, SchemaFacts* facts);

}  // namespace analysis_internal
}  // namespace orchestrate
