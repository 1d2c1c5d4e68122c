// `down: auto` on PostgreSQL (migrations/auto_down.h): each up statement is parsed with
// libpg_query, the catalog is read before and after it runs, and the inverse is written from the
// two. Over 500 lines on purpose: one table of statement forms, each with its refusal rule and its
// inverse side by side, reads best in one place.
#include "migrations/auto_down.h"

#include <pg_query.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "migrations/analysis/pg_tree.h"
#include "migrations/statement_split.h"

namespace orchestrate {
namespace {

using analysis_internal::Bool;
using analysis_internal::Field;
using analysis_internal::JoinNames;
using analysis_internal::Json;
using analysis_internal::List;
using analysis_internal::RangeVarName;
using analysis_internal::RelationName;
using analysis_internal::Str;
using analysis_internal::Unwrap;

// ---- names
// ---------------------------------------------------------------------------------------

bool IsReserved(const std::string& word) {
  static const std::set<std::string> kReserved = {
      "all",     "and",        "any",    "as",       "asc",    "check",  "column", "constraint",
      "create",  "default",    "desc",   "distinct", "do",     "else",   "end",    "for",
      "foreign", "from",       "grant",  "group",    "having", "in",     "into",   "is",
      "key",     "limit",      "not",    "null",     "offset", "on",     "or",     "order",
      "primary", "references", "select", "table",    "then",   "to",     "union",  "unique",
      "user",    "using",      "when",   "where",    "with",   "window", "value",  "type"};
  return kReserved.count(word) > 0;
}

// One identifier, quoted when PostgreSQL would not read it back as it is.
std::string Ident(const std::string& name) {
  bool plain = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && !IsReserved(name);
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) plain = false;
  if (plain) return name;
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// "schema.name" (parts as the parser folded them) quoted part by part.
std::string QualifiedIdent(const std::string& dotted) {
  std::string out, part;
  for (char c : dotted) {
    if (c == '.') {
      out += Ident(part) + ".";
      part.clear();
    } else {
      part += c;
    }
  }
  return out + Ident(part);
}

std::string Literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// The last part of a dotted name, and the schema part ("" when none).
std::string LastPart(const std::string& dotted) {
  size_t dot = dotted.rfind('.');
  return dot == std::string::npos ? dotted : dotted.substr(dot + 1);
}
std::string SchemaPart(const std::string& dotted) {
  size_t dot = dotted.rfind('.');
  return dot == std::string::npos ? "" : dotted.substr(0, dot);
}
std::string WithoutPublic(const std::string& name) {
  return name.rfind("public.", 0) == 0 ? name.substr(7) : name;
}

// ---- parsing
// -------------------------------------------------------------------------------------

// The statement node of a single statement, or an error message.
bool ParseOne(const std::string& text, Json* stmt, std::string* error) {
  PgQueryParseResult result = pg_query_parse(text.c_str());
  if (result.error != nullptr) {
    *error = result.error->message != nullptr ? result.error->message : "syntax error";
    pg_query_free_parse_result(result);
    return false;
  }
  Json tree = Json::parse(result.parse_tree != nullptr ? result.parse_tree : "", nullptr, false);
  pg_query_free_parse_result(result);
  const Json& stmts = List(tree, "stmts");
  if (stmts.size() != 1) {
    *error = "expected one statement";
    return false;
  }
  *stmt = Field(stmts[0], "stmt");
  return true;
}

const std::set<std::string>& HandledAlterTableCommands() {
  static const std::set<std::string> kHandled = {
      "AT_AddColumn",     "AT_DropColumn",     "AT_AlterColumnType",
      "AT_ColumnDefault", "AT_SetNotNull",     "AT_DropNotNull",
      "AT_AddConstraint", "AT_DropConstraint", "AT_ValidateConstraint"};
  return kHandled;
}

const std::set<std::string>& HandledRenames() {
  static const std::set<std::string> kHandled = {"OBJECT_TABLE",    "OBJECT_COLUMN",
                                                 "OBJECT_INDEX",    "OBJECT_VIEW",
                                                 "OBJECT_SEQUENCE", "OBJECT_TABCONSTRAINT"};
  return kHandled;
}

// Why down: auto does not handle statement `node` ("" when it does). `created` holds the tables
// the statements before it create; a CREATE TABLE adds its table.
std::string RefusalOf(const Json& node, std::set<std::string>* created) {
  auto [type, body_ptr] = Unwrap(node);
  const Json& body = *body_ptr;
  if (type == "CreateStmt") {
    created->insert(WithoutPublic(RangeVarName(Field(body, "relation"))));
    return "";
  }
  if (type == "CreateTableAsStmt") {
    const std::string kind = Str(body, "objtype");
    if (kind != "OBJECT_TABLE" && kind != "OBJECT_MATVIEW") return "not a table";
    created->insert(WithoutPublic(RangeVarName(Field(Field(body, "into"), "rel"))));
    return "";
  }
  if (type == "IndexStmt" || type == "ViewStmt" || type == "CreateExtensionStmt" ||
      type == "CreateSeqStmt" || type == "CreateEnumStmt" || type == "CompositeTypeStmt" ||
      type == "CreateFunctionStmt" || type == "CreateTrigStmt")
    return "";
  if (type == "CreateSchemaStmt")
    return List(body, "schemaElts").empty() ? "" : "CREATE SCHEMA with elements";
  if (type == "CommentStmt") {
    const std::string kind = Str(body, "objtype");
    return kind == "OBJECT_TABLE" || kind == "OBJECT_COLUMN" ? "" : "a comment on a " + kind;
  }
  if (type == "AlterTableStmt") {
    if (Str(body, "objtype") != "OBJECT_TABLE") return "ALTER of a " + Str(body, "objtype");
    for (const Json& c : List(body, "cmds")) {
      const Json& cmd = Field(c, "AlterTableCmd");
      const std::string sub = Str(cmd, "subtype");
      if (!HandledAlterTableCommands().count(sub)) return "the ALTER TABLE action " + sub;
      if (Str(cmd, "behavior") == "DROP_CASCADE") return "a DROP ... CASCADE inside ALTER TABLE";
    }
    return "";
  }
  if (type == "RenameStmt") {
    const std::string kind = Str(body, "renameType");
    return HandledRenames().count(kind) ? "" : "RENAME of a " + kind;
  }
  if (type == "DropStmt") {
    const std::string kind = Str(body, "removeType");
    if (kind != "OBJECT_INDEX" && kind != "OBJECT_VIEW") return "DROP of a " + kind;
    if (Str(body, "behavior") == "DROP_CASCADE") return "DROP ... CASCADE";
    if (Bool(body, "concurrent")) return "DROP INDEX CONCURRENTLY";
    return "";
  }
  if (type == "InsertStmt" || type == "UpdateStmt" || type == "DeleteStmt") {
    const std::string table = WithoutPublic(RelationName(Field(body, "relation")));
    if (created->count(table)) return "";
    return "writes rows of " + table + ", a table this migration did not create";
  }
  return "not handled";
}

// ---- the catalog
// ---------------------------------------------------------------------------------

struct Column {
  int attnum = 0;
  std::string name, type, collation, default_expr;
  bool not_null = false;
  std::string identity, generated;  // pg_attribute.attidentity, attgenerated ("" when none)
  std::string comment;              // col_description ("" when none)
};

// The most rows a table may have for the generated down to put a re-created column back at its
// old position by moving the columns after it (each move rewrites every row).
constexpr long kReorderRowLimit = 100000;

struct TableState {
  bool exists = false;
  std::string ref;  // regclass text: quoted, qualified when not on the search path
  std::vector<Column> columns;
  std::map<std::string, std::pair<std::string, std::string>> constraints;  // name -> (type, def)
  std::map<std::string, std::string> indexes;  // qualified name -> definition (not constraints)
  const Column* Find(int attnum) const {
    for (const auto& c : columns)
      if (c.attnum == attnum) return &c;
    return nullptr;
  }
};

class Catalog {
 public:
  explicit Catalog(Transaction& txn) : txn_(txn) {}

  Result<std::string> One(const std::string& sql, const std::vector<Value>& params) {
    auto r = txn_.Query(sql, params);
    if (!r.ok()) return r.status();
    if (r->rows.empty() || r->rows[0].empty() || !r->rows[0][0]) return std::string();
    return *r->rows[0][0];
  }
  // The relation's regclass text, "" when there is none.
  Result<std::string> Relation(const std::string& dotted) {
    return One("SELECT to_regclass($1)::text", {QualifiedIdent(dotted)});
  }

  Result<TableState> Table(const std::string& dotted) {
    TableState t;
    auto ref = Relation(dotted);
    if (!ref.ok()) return ref.status();
    if (ref->empty()) return t;
    t.exists = true;
    t.ref = *ref;
    auto cols = txn_.Query(
        "SELECT a.attnum::text, a.attname::text, format_type(a.atttypid, a.atttypmod), "
        "CASE WHEN a.attnotnull THEN '1' ELSE '0' END, pg_get_expr(d.adbin, d.adrelid), "
        "NULLIF(a.attidentity::text, ''), NULLIF(a.attgenerated::text, ''), "
        "CASE WHEN a.attcollation <> 0 AND a.attcollation <> ty.typcollation THEN (SELECT "
        "quote_ident(n.nspname) || '.' || quote_ident(c.collname) FROM pg_collation c JOIN "
        "pg_namespace n ON n.oid = c.collnamespace WHERE c.oid = a.attcollation) END, "
        "col_description(a.attrelid, a.attnum) "
        "FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid LEFT JOIN pg_attrdef d ON "
        "d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = $1::regclass AND "
        "a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        {t.ref});
    if (!cols.ok()) return cols.status();
    for (const Row& r : cols->rows) {
      Column c;
      c.attnum = static_cast<int>(ToLong(r[0]));
      c.name = r[1].value_or("");
      c.type = r[2].value_or("");
      c.not_null = r[3].value_or("0") == "1";
      c.default_expr = r[4].value_or("");
      c.identity = r[5].value_or("");
      c.generated = r[6].value_or("");
      c.collation = r[7].value_or("");
      c.comment = r[8].value_or("");
      t.columns.push_back(std::move(c));
    }
    auto cons = txn_.Query(
        "SELECT conname::text, contype::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE "
        "conrelid = $1::regclass",
        {t.ref});
    if (!cons.ok()) return cons.status();
    for (const Row& r : cons->rows)
      t.constraints[r[0].value_or("")] = {r[1].value_or(""), r[2].value_or("")};
    auto idx = txn_.Query(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE "
        "i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE "
        "k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))",
        {t.ref});
    if (!idx.ok()) return idx.status();
    for (const Row& r : idx->rows) t.indexes[r[0].value_or("")] = r[1].value_or("");
    return t;
  }

  // Whether the columns `attnums` of the table `after` (the catalog as it is now) may be moved to
  // the end of their table by the generated down: added again under a temporary name, filled,
  // the old one dropped, the new one renamed (see Reorder). "" when they may, else why not. What
  // dropping them takes along with them (constraints and indexes of the table itself) is added to
  // `dependents` (constraint names, index regclass texts), for the down to create again; anything
  // else that depends on them (a view, a foreign key of another table, an owned sequence, a
  // trigger, a policy, ...) would be lost, so it forbids the move, as do user triggers on the
  // table (the copy's UPDATE would fire them), inheritance and partitioning, and more than
  // kReorderRowLimit rows (the move rewrites every row).
  Result<std::string> WhyNotMovable(const TableState& after, const std::vector<int>& attnums,
                                    std::set<std::string>* dependents) {
    for (const Column& c : after.columns)
      if (std::find(attnums.begin(), attnums.end(), c.attnum) != attnums.end() &&
          (!c.identity.empty() || !c.generated.empty()))
        return "column " + c.name + " after it is an identity or generated column";
    auto table = txn_.Query(
        "SELECT c.relkind::text, EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid OR "
        "inhparent = c.oid)::text, EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = c.oid AND NOT "
        "tgisinternal)::text FROM pg_class c WHERE c.oid = $1::regclass",
        {after.ref});
    if (!table.ok()) return table.status();
    if (table->rows.empty()) return std::string("the table is not in the catalog");
    const Row& t = table->rows[0];
    if (t[0].value_or("") != "r") return std::string("the table is partitioned");
    if (t[1].value_or("") == "true") return std::string("the table has inheritance children");
    if (t[2].value_or("") == "true") return std::string("the table has triggers");
    auto rows = One("SELECT count(*)::text FROM (SELECT 1 FROM " + after.ref + " LIMIT " +
                        std::to_string(kReorderRowLimit + 1) + ") s",
                    {});
    if (!rows.ok()) return rows.status();
    if (ToLong(*rows) > kReorderRowLimit)
      return "the table has more than " + std::to_string(kReorderRowLimit) + " rows";
    std::string list;
    for (int a : attnums) list += std::string(list.empty() ? "" : ",") + std::to_string(a);
    auto deps = txn_.Query(
        "SELECT CASE WHEN d.classid = 'pg_constraint'::regclass AND k.conrelid = d.refobjid THEN "
        "'constraint' WHEN d.classid = 'pg_class'::regclass AND i.indrelid = d.refobjid THEN "
        "'index' WHEN d.classid = 'pg_attrdef'::regclass THEN 'default' ELSE 'other' END, "
        "CASE WHEN k.oid IS NOT NULL THEN k.conname::text WHEN i.indexrelid IS NOT NULL THEN "
        "i.indexrelid::regclass::text ELSE pg_describe_object(d.classid, d.objid, d.objsubid) END "
        "FROM pg_depend d LEFT JOIN pg_constraint k ON d.classid = 'pg_constraint'::regclass AND "
        "k.oid = d.objid LEFT JOIN pg_index i ON d.classid = 'pg_class'::regclass AND "
        "i.indexrelid = d.objid WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = "
        "$1::regclass AND d.refobjsubid = ANY ($2::int[]) AND d.deptype IN ('n', 'a')",
        {after.ref, "{" + list + "}"});
    if (!deps.ok()) return deps.status();
    for (const Row& r : deps->rows) {
      const std::string kind = r[0].value_or(""), name = r[1].value_or("");
      if (kind == "other") return name + " depends on a column after it";
      if (kind != "default") dependents->insert(name);
    }
    return std::string();
  }

  // (signature, definition) of the functions and procedures named `name` outside the system
  // schemas.
  Result<std::map<std::string, std::string>> Functions(const std::string& name) {
    auto r = txn_.Query(
        "SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid) FROM pg_proc p JOIN "
        "pg_namespace n ON n.oid = p.pronamespace WHERE p.proname = $1 AND n.nspname NOT IN "
        "('pg_catalog', 'information_schema')",
        {name});
    if (!r.ok()) return r.status();
    std::map<std::string, std::string> out;
    for (const Row& row : r->rows) out[row[0].value_or("")] = row[1].value_or("");
    return out;
  }

 private:
  Transaction& txn_;
};

// ---- writing the inverse
// ---------------------------------------------------------------------------

std::string ColumnDefinition(const Column& c) {
  std::string out = Ident(c.name) + " " + c.type;
  if (!c.collation.empty()) out += " COLLATE " + c.collation;
  return out;
}

// The copy among `copies` that holds `column`, or nullptr.
const KeptCopy* CopyOf(const std::vector<KeptCopy>& copies, const std::string& column) {
  for (const auto& k : copies) {
    if (k.kind != "columns") continue;
    if (std::find(k.key_columns.begin(), k.key_columns.end(), column) != k.key_columns.end())
      continue;
    if (std::find(k.columns.begin(), k.columns.end(), column) != k.columns.end()) return &k;
  }
  return nullptr;
}

// UPDATE of `column` (of type `type`) of table `after` from the copy, by the copy's key.
std::string RestoreFromCopy(const TableState& after, const Column& column, const KeptCopy& copy) {
  std::string where;
  for (const auto& key : copy.key_columns) {
    std::string type;
    for (const auto& c : after.columns)
      if (c.name == key) type = c.type;
    where += std::string(where.empty() ? "" : " AND ") + "t." + Ident(key) +
             " IS NOT DISTINCT FROM k." + Ident(key) + (type.empty() ? "" : "::" + type);
  }
  return "UPDATE " + after.ref + " AS t SET " + Ident(column.name) + " = k." + Ident(column.name) +
         "::" + column.type + " FROM " + copy.storage_ref + " AS k WHERE " +
         (where.empty() ? "true" : where);
}

// How a re-created column gets its old position back. PostgreSQL adds a column at the end of its
// table only, so when a column is re-created while a later column of its table stayed, the down
// re-creates the columns from the first such one on, in their old order, each at the end: a
// re-created column is added, a column that stayed is moved (added under a temporary name,
// filled from the old one, which is dropped, and renamed), and what the move dropped with it
// (constraints and indexes of the table, defaults, NOT NULL, comments) is created again. Only when
// nothing else depends on the moved columns and the table is small (Catalog::WhyNotMovable);
// otherwise the column lands at the end and the down says so in a warning.
struct Reorder {
  static constexpr size_t kNone = static_cast<size_t>(-1);
  size_t from = kNone;  // index in before.columns of the first column to re-create or move
  std::string why_not;  // non-empty: the columns are not moved, and why
  std::set<std::string> dependents;  // constraints and indexes the moves drop
  bool Moves(size_t index) const { return from != kNone && why_not.empty() && index >= from; }
};

// Index in before.columns of the first column that is re-created while a later one stayed, or
// Reorder::kNone.
size_t FirstOutOfPlace(const TableState& before, const TableState& after) {
  for (size_t i = 0; i < before.columns.size(); ++i) {
    if (after.Find(before.columns[i].attnum)) continue;
    for (size_t j = i + 1; j < before.columns.size(); ++j)
      if (after.Find(before.columns[j].attnum)) return i;
  }
  return Reorder::kNone;
}

// Decides, from the catalog as the statement left it, whether the down moves the columns.
Result<Reorder> PlanReorder(Catalog& cat, const TableState& before, const TableState& after) {
  Reorder r;
  r.from = FirstOutOfPlace(before, after);
  if (r.from == Reorder::kNone) return r;
  std::vector<int> stayed;
  for (size_t i = r.from; i < before.columns.size(); ++i)
    if (after.Find(before.columns[i].attnum)) stayed.push_back(before.columns[i].attnum);
  auto why = cat.WhyNotMovable(after, stayed, &r.dependents);
  if (!why.ok()) return why.status();
  r.why_not = *why;
  return r;
}

// The inverse of an ALTER TABLE from the table before and after it.
Status InvertAlterTable(const TableState& before, const TableState& after,
                        const std::vector<KeptCopy>& copies, const Reorder& reorder,
                        std::vector<std::string>* out, std::vector<std::string>* warnings) {
  const std::string& t = after.ref;
  auto alter = [&](const std::string& what) { out->push_back("ALTER TABLE " + t + " " + what); };
  // Constraints and indexes the statement added or changed go first (foreign keys first of all).
  for (const char* pass : {"f", ""}) {
    for (const auto& [name, con] : after.constraints) {
      auto it = before.constraints.find(name);
      if (it != before.constraints.end() && it->second == con) continue;
      if ((con.first == "f") != (std::string(pass) == "f")) continue;
      alter("DROP CONSTRAINT " + Ident(name));
    }
  }
  for (const auto& [name, def] : after.indexes) {
    auto it = before.indexes.find(name);
    if (it == before.indexes.end() || it->second != def) out->push_back("DROP INDEX " + name);
  }
  for (const auto& c : after.columns)
    if (!before.Find(c.attnum)) alter("DROP COLUMN " + Ident(c.name));
  // The constraints the moves would drop, dropped first (foreign keys first: one of the table on
  // itself would otherwise keep its key's column from being dropped); they come back below.
  if (reorder.Moves(reorder.from)) {
    for (const char* pass : {"f", ""}) {
      for (const auto& [name, con] : after.constraints) {
        auto it = before.constraints.find(name);
        if (it == before.constraints.end() || it->second != con) continue;  // dropped above
        if (!reorder.dependents.count(name) || (con.first == "f") != (std::string(pass) == "f"))
          continue;
        alter("DROP CONSTRAINT " + Ident(name));
      }
    }
  }
  for (size_t i = 0; i < before.columns.size(); ++i) {
    const Column& c = before.columns[i];
    const Column* now = after.Find(c.attnum);
    const bool same = now && now->type == c.type && now->collation == c.collation;
    const bool move = reorder.Moves(i);
    if (same && !move) continue;
    if (!same && (!c.identity.empty() || !c.generated.empty()))
      return Status::Invalid("column " + c.name + " of " + t +
                             " is an identity or generated column: down: auto does not re-create "
                             "or re-type those yet");
    const KeptCopy* copy = CopyOf(copies, c.name);
    if (!now) {
      alter("ADD COLUMN " + ColumnDefinition(c));
      bool later_column_stays = false;
      for (size_t j = i + 1; j < before.columns.size(); ++j)
        if (after.Find(before.columns[j].attnum)) later_column_stays = true;
      if (later_column_stays && !move)
        warnings->push_back("column " + c.name + " of " + t +
                            " is re-created at the end of the table, not at its old position " +
                            std::to_string(i + 1) + " (" + reorder.why_not + ")");
    } else if (!same) {
      if (!now->default_expr.empty()) alter("ALTER COLUMN " + Ident(c.name) + " DROP DEFAULT");
      alter("ALTER COLUMN " + Ident(c.name) + " TYPE " + c.type +
            (c.collation.empty() ? "" : " COLLATE " + c.collation) + " USING " + Ident(c.name) +
            "::" + c.type);
    }
    if (copy) out->push_back(RestoreFromCopy(after, c, *copy));
    if (now && move) {
      // To the end of the table, with its values (its default, NOT NULL, constraints and
      // indexes come back below).
      const std::string moving = Ident(c.name + "__orchestrate_moving");
      alter("ADD COLUMN " + moving + " " + c.type +
            (c.collation.empty() ? "" : " COLLATE " + c.collation));
      out->push_back("UPDATE " + t + " SET " + moving + " = " + Ident(c.name));
      alter("DROP COLUMN " + Ident(c.name));
      alter("RENAME COLUMN " + moving + " TO " + Ident(c.name));
    }
    if ((!now || move) && !c.comment.empty())
      out->push_back("COMMENT ON COLUMN " + t + "." + Ident(c.name) + " IS " + Literal(c.comment));
  }
  // Defaults and nullability, for columns that stayed and for those re-created or moved.
  for (size_t i = 0; i < before.columns.size(); ++i) {
    const Column& c = before.columns[i];
    const Column* now = after.Find(c.attnum);
    const bool recreated =
        !now || now->type != c.type || now->collation != c.collation || reorder.Moves(i);
    const std::string now_default = recreated ? "" : now->default_expr;
    const bool now_not_null = recreated ? false : now->not_null;
    if (c.default_expr != now_default) {
      alter("ALTER COLUMN " + Ident(c.name) +
            (c.default_expr.empty() ? " DROP DEFAULT" : " SET DEFAULT " + c.default_expr));
    }
    if (c.not_null != now_not_null && (now || c.not_null))
      alter("ALTER COLUMN " + Ident(c.name) + (c.not_null ? " SET NOT NULL" : " DROP NOT NULL"));
  }
  // Constraints and indexes the statement dropped (or changed): keys first, foreign keys last.
  for (const char* pass : {"p", "u", "x", "c", "f"}) {
    for (const auto& [name, con] : before.constraints) {
      if (con.first != pass) continue;
      auto it = after.constraints.find(name);
      if (it != after.constraints.end() && it->second == con && !reorder.dependents.count(name))
        continue;
      alter("ADD CONSTRAINT " + Ident(name) + " " + con.second);
    }
  }
  for (const auto& [name, def] : before.indexes) {
    auto it = after.indexes.find(name);
    if (it == after.indexes.end() || it->second != def || reorder.dependents.count(name))
      out->push_back(def);
  }
  return Status::Ok();
}

// ---- one statement
// ---------------------------------------------------------------------------------

struct StatementContext {
  Database& db;
  Transaction& txn;
  Catalog catalog;
  const AutoDownOptions& options;
  const KeepData& keep;
  std::string text;    // the statement
  std::string padded;  // the statement at its line of the script, for error lines
  std::string where;   // "file:line"
  std::vector<std::string> inverse;
  std::vector<std::string> warnings;
};

Status Run(StatementContext& s) {
  Status st = s.txn.ExecScript(s.padded);
  return st.ok() ? st : Status::FromCode(st.code(), s.options.file + ": " + st.message());
}

bool HasCommand(const Json& body, const std::set<std::string>& subtypes) {
  for (const Json& c : List(body, "cmds"))
    if (subtypes.count(Str(Field(c, "AlterTableCmd"), "subtype"))) return true;
  return false;
}

// Runs the statement and writes its inverse into s.inverse.
Status RunAndInvert(StatementContext& s, const Json& node) {
  auto [type, body_ptr] = Unwrap(node);
  const Json& body = *body_ptr;
  Catalog& cat = s.catalog;

  // Relations that the statement creates unless they exist (CREATE ... IF NOT EXISTS).
  auto creates_relation = [&](const std::string& name, const std::string& drop_kind,
                              bool if_not_exists) -> Status {
    auto before = cat.Relation(name);
    if (!before.ok()) return before.status();
    ORCH_RETURN_IF_ERROR(Run(s));
    if (!before->empty() && if_not_exists) {
      s.warnings.push_back(drop_kind + " " + *before +
                           " existed before the up (IF NOT EXISTS): the down keeps it");
      return Status::Ok();
    }
    auto after = cat.Relation(name);
    if (!after.ok()) return after.status();
    s.inverse.push_back("DROP " + drop_kind + " " + *after);
    return Status::Ok();
  };

  if (type == "CreateStmt")
    return creates_relation(RangeVarName(Field(body, "relation")), "TABLE",
                            Bool(body, "if_not_exists"));
  if (type == "CreateTableAsStmt")
    return creates_relation(
        RangeVarName(Field(Field(body, "into"), "rel")),
        Str(body, "objtype") == "OBJECT_MATVIEW" ? "MATERIALIZED VIEW" : "TABLE",
        Bool(body, "if_not_exists"));
  if (type == "CreateSeqStmt")
    return creates_relation(RangeVarName(Field(body, "sequence")), "SEQUENCE",
                            Bool(body, "if_not_exists"));
  if (type == "ViewStmt") {
    const std::string name = RangeVarName(Field(body, "view"));
    auto ref = cat.Relation(name);
    if (!ref.ok()) return ref.status();
    std::string old_def;
    if (!ref->empty()) {
      auto def = cat.One("SELECT pg_get_viewdef($1::regclass, true)", {*ref});
      if (!def.ok()) return def.status();
      old_def = *def;
    }
    ORCH_RETURN_IF_ERROR(Run(s));
    auto after = cat.Relation(name);
    if (!after.ok()) return after.status();
    s.inverse.push_back("DROP VIEW " + *after);
    if (!ref->empty()) {
      std::string def = old_def;
      while (!def.empty() && (def.back() == ';' || def.back() == '\n' || def.back() == ' '))
        def.pop_back();
      s.inverse.push_back("CREATE VIEW " + *ref + " AS\n" + def);
    }
    return Status::Ok();
  }
  if (type == "IndexStmt" || type == "AlterTableStmt") {
    const std::string table = RangeVarName(Field(body, "relation"));
    auto before = cat.Table(table);
    if (!before.ok()) return before.status();
    std::vector<KeptCopy> copies;
    if (type == "AlterTableStmt" && before->exists &&
        HasCommand(body, {"AT_DropColumn", "AT_AlterColumnType"})) {
      auto kept = s.keep(s.txn, s.text);
      if (!kept.ok()) return kept.status();
      copies = std::move(kept).value();
    }
    ORCH_RETURN_IF_ERROR(Run(s));
    auto after = cat.Table(table);
    if (!after.ok()) return after.status();
    if (!before->exists || !after->exists) return Status::Ok();  // IF EXISTS of nothing
    auto reorder = PlanReorder(cat, *before, *after);
    if (!reorder.ok()) return reorder.status();
    std::vector<std::string> inverse;
    ORCH_RETURN_IF_ERROR(
        InvertAlterTable(*before, *after, copies, *reorder, &inverse, &s.warnings));
    s.inverse.insert(s.inverse.end(), inverse.begin(), inverse.end());
    return Status::Ok();
  }
  if (type == "CreateExtensionStmt") {
    const std::string name = Str(body, "extname");
    auto existed = cat.One("SELECT extname::text FROM pg_extension WHERE extname = $1", {name});
    if (!existed.ok()) return existed.status();
    ORCH_RETURN_IF_ERROR(Run(s));
    if (existed->empty()) {
      s.inverse.push_back("DROP EXTENSION " + Ident(name));
    } else if (s.options.keep_preexisting_extensions) {
      s.warnings.push_back("extension " + name +
                           " was installed before the up: the down keeps it (policy "
                           "keep_preexisting_extensions)");
    } else {
      s.inverse.push_back("DROP EXTENSION " + Ident(name));
      s.warnings.push_back("extension " + name +
                           " was installed before the up, and the down drops it (policy "
                           "keep_preexisting_extensions: false)");
    }
    return Status::Ok();
  }
  if (type == "CreateEnumStmt" || type == "CompositeTypeStmt") {
    const std::string name = type == "CreateEnumStmt" ? JoinNames(List(body, "typeName"))
                                                      : RangeVarName(Field(body, "typevar"));
    ORCH_RETURN_IF_ERROR(Run(s));
    auto ref = cat.One("SELECT to_regtype($1)::text", {QualifiedIdent(name)});
    if (!ref.ok()) return ref.status();
    s.inverse.push_back("DROP TYPE " + *ref);
    return Status::Ok();
  }
  if (type == "CreateSchemaStmt") {
    const std::string name = Str(body, "schemaname");
    auto existed = cat.One("SELECT nspname::text FROM pg_namespace WHERE nspname = $1", {name});
    if (!existed.ok()) return existed.status();
    ORCH_RETURN_IF_ERROR(Run(s));
    if (existed->empty()) s.inverse.push_back("DROP SCHEMA " + Ident(name));
    return Status::Ok();
  }
  if (type == "CreateFunctionStmt") {
    const std::string name = LastPart(JoinNames(List(body, "funcname")));
    auto before = cat.Functions(name);
    if (!before.ok()) return before.status();
    ORCH_RETURN_IF_ERROR(Run(s));
    auto after = cat.Functions(name);
    if (!after.ok()) return after.status();
    for (const auto& [sig, def] : *after) {
      auto it = before->find(sig);
      if (it == before->end()) {
        s.inverse.push_back("DROP ROUTINE " + sig);
      } else if (it->second != def) {
        std::string old = it->second;
        while (!old.empty() && (old.back() == '\n' || old.back() == ' ')) old.pop_back();
        s.inverse.push_back(old);
      }
    }
    return Status::Ok();
  }
  if (type == "CreateTrigStmt") {
    const std::string table = RangeVarName(Field(body, "relation"));
    const std::string name = Str(body, "trigname");
    auto ref = cat.Relation(table);
    if (!ref.ok()) return ref.status();
    const std::string find =
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = to_regclass($1) AND "
        "tgname = $2";
    auto old = cat.One(find, {QualifiedIdent(table), name});
    if (!old.ok()) return old.status();
    ORCH_RETURN_IF_ERROR(Run(s));
    auto after = cat.Relation(table);
    if (!after.ok()) return after.status();
    s.inverse.push_back("DROP TRIGGER " + Ident(name) + " ON " + *after);
    if (!old->empty()) s.inverse.push_back(*old);
    return Status::Ok();
  }
  if (type == "CommentStmt") {
    const bool column = Str(body, "objtype") == "OBJECT_COLUMN";
    const Json& object = Field(body, "object");
    const std::string dotted = JoinNames(List(Field(object, "List"), "items"));
    const std::string table = column ? SchemaPart(dotted) : dotted;
    const std::string col = column ? LastPart(dotted) : "";
    auto ref = cat.Relation(table);
    if (!ref.ok()) return ref.status();
    auto old = column ? cat.One(
                            "SELECT col_description($1::regclass, attnum) FROM pg_attribute "
                            "WHERE attrelid = $1::regclass AND attname = $2",
                            {*ref, col})
                      : cat.One("SELECT obj_description($1::regclass, 'pg_class')", {*ref});
    if (!old.ok()) return old.status();
    ORCH_RETURN_IF_ERROR(Run(s));
    s.inverse.push_back("COMMENT ON " + std::string(column ? "COLUMN " : "TABLE ") + *ref +
                        (column ? "." + Ident(col) : "") + " IS " +
                        (old->empty() ? "NULL" : Literal(*old)));
    return Status::Ok();
  }
  if (type == "RenameStmt") {
    const std::string kind = Str(body, "renameType");
    const std::string relation = RangeVarName(Field(body, "relation"));
    const std::string newname = Str(body, "newname");
    ORCH_RETURN_IF_ERROR(Run(s));
    if (kind == "OBJECT_COLUMN" || kind == "OBJECT_TABCONSTRAINT") {
      auto ref = cat.Relation(relation);
      if (!ref.ok()) return ref.status();
      s.inverse.push_back("ALTER TABLE " + *ref + " RENAME " +
                          (kind == "OBJECT_COLUMN" ? "COLUMN " : "CONSTRAINT ") + Ident(newname) +
                          " TO " + Ident(Str(body, "subname")));
      return Status::Ok();
    }
    const std::string schema = SchemaPart(relation);
    auto ref = cat.Relation(schema.empty() ? newname : schema + "." + newname);
    if (!ref.ok()) return ref.status();
    const char* what = kind == "OBJECT_INDEX"      ? "INDEX"
                       : kind == "OBJECT_VIEW"     ? "VIEW"
                       : kind == "OBJECT_SEQUENCE" ? "SEQUENCE"
                                                   : "TABLE";
    s.inverse.push_back(std::string("ALTER ") + what + " " + *ref + " RENAME TO " +
                        Ident(Str(Field(body, "relation"), "relname")));
    return Status::Ok();
  }
  if (type == "DropStmt") {
    const bool index = Str(body, "removeType") == "OBJECT_INDEX";
    std::vector<std::string> recreate;
    for (const Json& o : List(body, "objects")) {
      const std::string name = JoinNames(List(Field(o, "List"), "items"));
      auto ref = cat.Relation(name);
      if (!ref.ok()) return ref.status();
      if (ref->empty()) continue;  // IF EXISTS of nothing
      auto def = index ? cat.One("SELECT pg_get_indexdef($1::regclass)", {*ref})
                       : cat.One("SELECT pg_get_viewdef($1::regclass, true)", {*ref});
      if (!def.ok()) return def.status();
      std::string d = *def;
      while (!d.empty() && (d.back() == ';' || d.back() == '\n' || d.back() == ' ')) d.pop_back();
      recreate.push_back(index ? d : "CREATE VIEW " + *ref + " AS\n" + d);
    }
    ORCH_RETURN_IF_ERROR(Run(s));
    s.inverse.insert(s.inverse.end(), recreate.begin(), recreate.end());
    return Status::Ok();
  }
  // Rows written into a table this migration created: the table's own inverse drops them.
  return Run(s);
}

}  // namespace

bool IsGeneratedDown(const std::string& down_sql) {
  return down_sql.rfind(kGeneratedDownHeader, 0) == 0;
}

std::vector<std::string> GeneratedDownWarnings(const std::string& down_sql) {
  std::vector<std::string> out;
  if (!IsGeneratedDown(down_sql)) return out;
  size_t start = 0;
  const std::string prefix = kGeneratedDownWarning;
  while (start < down_sql.size()) {
    size_t end = down_sql.find('\n', start);
    if (end == std::string::npos) end = down_sql.size();
    std::string line = down_sql.substr(start, end - start);
    if (line.rfind(prefix, 0) == 0) out.push_back(line.substr(prefix.size()));
    start = end + 1;
  }
  return out;
}

std::vector<std::string> AutoDownRefusals(const std::string& up) {
  std::vector<std::string> out;
  const ScriptSplit split = SplitScript(Dialect::kPostgres, up);
  if (!split.ok) {
    out.push_back(std::to_string(split.error_line) + ":" + std::to_string(split.error_column) +
                  ": " + split.error);
    return out;
  }
  std::set<std::string> created;
  for (const SqlStatement& statement : split.statements) {
    const LineColumn lc = LineColumnAt(up, statement.offset);
    const std::string at = std::to_string(lc.line) + ":" + std::to_string(lc.column) + ": ";
    Json node;
    std::string error;
    if (!ParseOne(statement.text, &node, &error)) {
      out.push_back(at + error);
      continue;
    }
    std::string why = RefusalOf(node, &created);
    if (why.empty()) continue;
    std::string kind = Unwrap(node).first;
    out.push_back(at + kind + ": down: auto does not handle this statement (" + why +
                  "): write a down file for this migration, or split the statement out");
  }
  return out;
}

Result<std::string> RunUpWithAutoDown(Database& db, Transaction& txn, const std::string& up,
                                      const AutoDownOptions& options, const KeepData& keep) {
  const ScriptSplit split = SplitScript(Dialect::kPostgres, up);
  if (!split.ok) return Status::Invalid(options.file + ": " + split.error);
  std::vector<std::vector<std::string>> inverses;
  std::vector<std::string> headers, warnings;
  for (const SqlStatement& statement : split.statements) {
    Json node;
    std::string error;
    if (!ParseOne(statement.text, &node, &error))
      return Status::Invalid(options.file + ":" + std::to_string(statement.line) + ": " + error);
    StatementContext s{
        db,
        txn,
        Catalog(txn),
        options,
        keep,
        statement.text,
        std::string(static_cast<size_t>(std::max(statement.line - 1, 0)), '\n') + statement.text,
        options.file + ":" + std::to_string(statement.line),
        {},
        {}};
    Status st = RunAndInvert(s, node);
    if (!st.ok()) {
      if (st.code() == Code::kInvalid) return st.WithContext(s.where);
      return st;
    }
    std::string first_line = statement.text.substr(0, statement.text.find('\n'));
    if (first_line.size() > 70) first_line = first_line.substr(0, 67) + "...";
    headers.push_back("-- undoes line " + std::to_string(statement.line) + ": " + first_line);
    inverses.push_back(std::move(s.inverse));
    for (auto& w : s.warnings) warnings.push_back(std::move(w));
  }
  std::string down = std::string(kGeneratedDownHeader) + " when migration " + options.migration_id +
                     " was deployed, from " + options.file + "\n";
  for (const auto& w : warnings) down += kGeneratedDownWarning + w + "\n";
  for (size_t i = inverses.size(); i-- > 0;) {
    if (inverses[i].empty()) continue;
    down += "\n" + headers[i] + "\n";
    for (const auto& statement : inverses[i]) down += statement + ";\n";
  }
  return down;
}

}  // namespace orchestrate
