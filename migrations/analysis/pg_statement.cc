// One PostgreSQL statement's parse tree -> its StatementAnalysis (see pg_tree.h). Over 500 lines:
// one dispatch over the statement node kinds with their lock levels, kept together so the lock
// table below reads as one list next to the documentation it follows.
//
// Lock levels follow the PostgreSQL documentation ("Explicit Locking", table-level lock modes, and
// the lock notes of ALTER TABLE) and, for ALTER TABLE subcommands, AlterTableGetLockLevel in
// src/backend/commands/tablecmds.c. A statement reports the strongest lock it takes on any
// relation in its `tables`. Choices where the documentation leaves room:
// - SELECT, CREATE VIEW, CREATE TABLE AS and CREATE MATERIALIZED VIEW report ACCESS SHARE (the
//   lock their query takes on the tables it reads), or NONE when they read no table;
//   CREATE OR REPLACE VIEW reports ACCESS EXCLUSIVE (on the view it replaces).
// - CREATE TABLE reports NONE, except SHARE ROW EXCLUSIVE when it declares foreign keys (on the
//   referenced tables), SHARE UPDATE EXCLUSIVE for INHERITS and ACCESS EXCLUSIVE for PARTITION OF
//   (on the parent).
// - ATTACH PARTITION reports ACCESS EXCLUSIVE: SHARE UPDATE EXCLUSIVE on the parent, but ACCESS
//   EXCLUSIVE on the partition being attached.
// - DROP TRIGGER / DROP POLICY / DROP RULE report ACCESS EXCLUSIVE; REINDEX reports ACCESS
//   EXCLUSIVE (on the indexes it rebuilds) as the documentation's table does.
// Per relation (StatementAnalysis::locks), measured with pg_locks on PostgreSQL 15 (and checked
// for the sample application by tests/e2e/locks_test.cc):
// - DROP INDEX takes ACCESS EXCLUSIVE on the index and on its table (CONCURRENTLY: SHARE UPDATE
//   EXCLUSIVE on both); the table comes from SchemaFacts, else it is reported unknown.
// - A foreign key added (CREATE TABLE, ADD COLUMN ... REFERENCES, ADD CONSTRAINT) takes SHARE ROW
//   EXCLUSIVE on the referenced table; one dropped (DROP TABLE, DROP COLUMN, DROP CONSTRAINT)
//   takes ACCESS EXCLUSIVE there, where PostgreSQL drops the key's triggers.
// - DML fires the foreign keys' triggers for each row it writes: an INSERT (an UPDATE of a key's
//   columns) takes ROW SHARE on the referenced table, a DELETE takes ROW SHARE (NO ACTION,
//   RESTRICT) or ROW EXCLUSIVE (CASCADE, SET NULL/DEFAULT) on the referencing table. Not modelled:
//   an UPDATE of referenced key columns, and the triggers a user defined.
//
// Over 500 lines: one table of rules per statement kind, kept together so that the lock rules,
// which must agree with each other, are read in one place.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "migrations/analysis/analysis.h"
#include "migrations/analysis/internal.h"
#include "migrations/analysis/pg_tree.h"

namespace orchestrate {
namespace analysis_internal {
namespace {

// ALTER TABLE ... SET/RESET (options): SHARE UPDATE EXCLUSIVE when every option is one that
// PostgreSQL changes under that lock (fillfactor, the vacuum and autovacuum knobs,
// parallel_workers, toast_tuple_target; also under the toast. namespace), ACCESS EXCLUSIVE
// otherwise.
LockLevel RelOptionsLock(const Json& def) {
  const Json& items = List(Body(def, "List"), "items");
  if (items.empty()) return LockLevel::kAccessExclusive;
  for (const Json& o : items) {
    const std::string name = Str(Body(o, "DefElem"), "defname");
    const bool light = name == "fillfactor" || name == "toast_tuple_target" ||
                       name == "parallel_workers" || name == "vacuum_index_cleanup" ||
                       name == "vacuum_truncate" || name == "log_autovacuum_min_duration" ||
                       name.rfind("autovacuum_", 0) == 0;
    if (!light) return LockLevel::kAccessExclusive;
  }
  return LockLevel::kShareUpdateExclusive;
}

// A column type change that cannot lose data: to text, or to varchar without a length, with no
// USING expression.
bool IsWideningTypeChange(const Json& column_def) {
  if (!Field(column_def, "raw_default").is_null()) return false;  // USING ...
  const Json& type = Field(column_def, "typeName");
  if (!List(type, "arrayBounds").empty() || !List(type, "typmods").empty()) return false;
  const Json& names = List(type, "names");
  if (names.empty()) return false;
  const std::string last = Str(Body(names.back(), "String"), "sval");
  if (names.size() == 1) return last == "text" || last == "varchar";
  return names.size() == 2 && Str(Body(names[0], "String"), "sval") == "pg_catalog" &&
         (last == "text" || last == "varchar");
}

std::string TypeNameText(const Json& type) {
  const Json& names = List(type, "names");
  std::string out;
  for (const Json& n : names) {
    const std::string part = Str(Body(n, "String"), "sval");
    if (part == "pg_catalog" && names.size() > 1) continue;
    if (!out.empty()) out += '.';
    out += part;
  }
  return out;
}

// The column names of a list of String nodes (a constraint's fk_attrs).
std::vector<std::string> Names(const Json& list) {
  std::vector<std::string> out;
  for (const Json& n : list) out.push_back(Str(Body(n, "String"), "sval"));
  return out;
}

// pg_constraint.confdeltype from a Constraint's fk_del_action ("a" when absent).
char DeleteAction(const Json& con) {
  const std::string action = Str(con, "fk_del_action");
  return action.empty() ? 'a' : action[0];
}

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  for (const std::string& e : v)
    if (e == x) return true;
  return false;
}

class StatementAnalyzer {
 public:
  StatementAnalyzer(StatementAnalysis& out, SchemaFacts* facts) : a_(out), facts_(facts) {}

  void Analyze(const Json& stmt) {
    auto [type, body] = Unwrap(stmt);
    Dispatch(type, *body);
    if (a_.kind.empty()) a_.kind = LeadingKeywords(a_.text, 2);
    // The statement's target first, then the relations in the order the statement met them.
    if (!a_.tables.empty()) {
      std::stable_partition(a_.locks.begin(), a_.locks.end(),
                            [&](const RelationLock& l) { return l.relation == a_.tables.front(); });
    }
  }

 private:
  void Kind(const std::string& kind) {
    if (a_.kind.empty()) a_.kind = kind;
  }
  void Table(const std::string& name) { AddTable(a_, name); }
  void Lock(LockLevel level) { RaiseLock(a_, level); }
  // `relation` is one of the statement's tables and is locked in `mode`.
  void LockOn(const std::string& relation, LockLevel mode) {
    Table(relation);
    LockRelation(a_, relation, mode);
  }
  // A lock the schema implies (a foreign key, an index's table): in `locks` only.
  void LockImplied(const std::string& relation, LockLevel mode, bool when_rows_written = false) {
    LockRelation(a_, relation, mode, when_rows_written);
  }
  void LockUnknown(LockLevel mode, const std::string& what) {
    LockRelation(a_, "", mode, false, what);
  }

  // ---- what the schema implies (SchemaFacts) ----
  // Whether the foreign keys of `table` are known: the catalog was read, or its definition seen.
  bool KnowsForeignKeysOf(const std::string& table) const {
    return facts_ != nullptr && (facts_->from_catalog || facts_->tables_seen.count(table) > 0);
  }
  // The foreign keys of `table` that `pred` selects, removed from the facts: dropping them (with
  // their table, column or constraint) takes ACCESS EXCLUSIVE on the referenced table, where
  // PostgreSQL drops the key's triggers (measured on PostgreSQL 15).
  // Returns how many there were.
  template <typename Pred>
  size_t DropForeignKeys(const std::string& table, Pred pred) {
    if (facts_ == nullptr) return 0;
    size_t dropped = 0;
    auto& fks = facts_->foreign_keys;
    for (auto it = fks.begin(); it != fks.end();) {
      if (it->table == table && pred(*it)) {
        if (it->referenced != table) LockImplied(it->referenced, LockLevel::kAccessExclusive);
        it = fks.erase(it);
        ++dropped;
      } else {
        ++it;
      }
    }
    return dropped;
  }
  void ForgetRelation(const std::string& name) {
    if (facts_ == nullptr) return;
    facts_->tables_seen.erase(name);
    facts_->index_table.erase(name);
    for (auto it = facts_->index_table.begin(); it != facts_->index_table.end();) {
      it = it->second == name ? facts_->index_table.erase(it) : std::next(it);
    }
  }
  // Rows written into `table` make its foreign keys check the referenced tables (ROW SHARE);
  // `columns` empty: every key (INSERT), else only keys over one of these columns (UPDATE SET).
  void ForeignKeyChecks(const std::string& table, const std::vector<std::string>& columns) {
    if (facts_ == nullptr) return;
    for (const ForeignKey& fk : facts_->foreign_keys) {
      if (fk.table != table || fk.referenced == table) continue;
      bool hit = columns.empty();
      for (const std::string& c : fk.columns) hit = hit || Contains(columns, c);
      if (hit) LockImplied(fk.referenced, LockLevel::kRowShare, true);
    }
  }
  // Rows deleted from `table` make the keys that reference it act on their tables.
  void ReferencingActions(const std::string& table) {
    if (facts_ == nullptr) return;
    for (const ForeignKey& fk : facts_->foreign_keys) {
      if (fk.referenced != table || fk.table == table) continue;
      const bool writes = fk.on_delete == 'c' || fk.on_delete == 'n' || fk.on_delete == 'd';
      LockImplied(fk.table, writes ? LockLevel::kRowExclusive : LockLevel::kRowShare, true);
    }
  }
  void Destroys(const std::string& what) { AddDestroys(a_, what); }

  // The tables a query reads: listed after the target, locked ACCESS SHARE.
  void ReadTables(const Json& node) {
    for (const std::string& t : RelationsIn(node)) LockOn(t, LockLevel::kAccessShare);
  }

  // Data-modifying statements in WITH (WITH d AS (DELETE ...) SELECT ...).
  void ModifyingCtes(const Json& body) {
    for (const Json& cte : List(Field(body, "withClause"), "ctes")) {
      const Json& query = Field(Body(cte, "CommonTableExpr"), "ctequery");
      auto [type, inner] = Unwrap(query);
      if (type == "InsertStmt" || type == "UpdateStmt" || type == "DeleteStmt" ||
          type == "MergeStmt") {
        Dispatch(type, *inner);
      }
    }
  }

  void Dispatch(const std::string& type, const Json& body) {
    if (type == "SelectStmt") return Select(body);
    if (type == "InsertStmt") return Insert(body);
    if (type == "UpdateStmt") return Update(body);
    if (type == "DeleteStmt") return Delete(body);
    if (type == "MergeStmt") return Merge(body);
    if (type == "CreateStmt") return CreateTable(body);
    if (type == "CreateTableAsStmt") return CreateTableAs(body);
    if (type == "ViewStmt") return CreateView(body);
    if (type == "IndexStmt") return CreateIndex(body);
    if (type == "DropStmt") return Drop(body);
    if (type == "AlterTableStmt") return AlterTable(body);
    if (type == "RenameStmt") return Rename(body);
    if (type == "TruncateStmt") return Truncate(body);
    if (type == "VacuumStmt") return Vacuum(body);
    if (type == "ReindexStmt") return Reindex(body);
    if (type == "ExplainStmt") return Explain(body);
    if (type == "TransactionStmt") return Transaction(body);
    if (type == "LockStmt") return LockTable(body);
    if (type == "CopyStmt") return Copy(body);
    if (type == "CommentStmt") return Comment(body);
    if (type == "AlterObjectSchemaStmt") return AlterObjectSchema(body);
    if (type == "DropdbStmt") {
      Kind("DROP DATABASE");
      a_.needs_no_transaction = true;
      Lock(LockLevel::kAccessExclusive);
      return Destroys("drops database " + Str(body, "dbname"));
    }
    if (type == "ClusterStmt") {
      Kind("CLUSTER");
      Lock(LockLevel::kAccessExclusive);
      if (Field(body, "relation").is_null()) a_.needs_no_transaction = true;  // every table
      return LockOn(RelationName(Field(body, "relation")), LockLevel::kAccessExclusive);
    }
    if (type == "RefreshMatViewStmt") {
      Kind("REFRESH MATERIALIZED VIEW");
      return LockOn(RelationName(Field(body, "relation")),
                    Bool(body, "concurrent") ? LockLevel::kExclusive : LockLevel::kAccessExclusive);
    }
    if (type == "CreateTrigStmt") {
      Kind("CREATE TRIGGER");
      return LockOn(RelationName(Field(body, "relation")), LockLevel::kShareRowExclusive);
    }
    if (type == "CreatePolicyStmt" || type == "AlterPolicyStmt") {
      Kind(type == "CreatePolicyStmt" ? "CREATE POLICY" : "ALTER POLICY");
      return LockOn(RelationName(Field(body, "table")), LockLevel::kAccessExclusive);
    }
    if (type == "RuleStmt") {
      Kind("CREATE RULE");
      return LockOn(RelationName(Field(body, "relation")), LockLevel::kAccessExclusive);
    }
    if (type == "CreateStatsStmt") {
      Kind("CREATE STATISTICS");
      for (const Json& r : List(body, "relations")) {
        LockOn(RelationName(r), LockLevel::kShareUpdateExclusive);
      }
      return;
    }
    if (type == "CreateSeqStmt") {
      Kind("CREATE SEQUENCE");
      return Table(RelationName(Field(body, "sequence")));
    }
    if (type == "AlterSeqStmt") {
      Kind("ALTER SEQUENCE");
      return LockOn(RelationName(Field(body, "sequence")), LockLevel::kShareRowExclusive);
    }
    if (type == "DoStmt") {
      Kind("DO");
      return MarkNotAnalysable(a_, "runs a DO block: its effects are not analysed");
    }
    if (type == "CallStmt") {
      Kind("CALL");
      return MarkNotAnalysable(a_, "calls a procedure: its effects are not analysed");
    }
    if (type == "ExecuteStmt") {
      Kind("EXECUTE");
      return MarkNotAnalysable(a_, "executes a prepared statement: its effects are not analysed");
    }
    if (type == "CreatedbStmt") {
      Kind("CREATE DATABASE");
      a_.needs_no_transaction = true;
      return;
    }
    if (type == "AlterSystemStmt") {
      Kind("ALTER SYSTEM");
      a_.needs_no_transaction = true;
      return;
    }
    if (type == "CreateTableSpaceStmt" || type == "DropTableSpaceStmt") {
      Kind(type == "CreateTableSpaceStmt" ? "CREATE TABLESPACE" : "DROP TABLESPACE");
      a_.needs_no_transaction = true;
      return;
    }
    if (type == "CreateSubscriptionStmt" || type == "DropSubscriptionStmt") {
      // Conservative: both refuse a transaction block when they create or drop a replication slot.
      Kind(type == "CreateSubscriptionStmt" ? "CREATE SUBSCRIPTION" : "DROP SUBSCRIPTION");
      a_.needs_no_transaction = true;
      return;
    }
    if (type == "AlterDatabaseStmt") {
      Kind("ALTER DATABASE");
      if (HasOption(List(body, "options"), "tablespace")) a_.needs_no_transaction = true;
      return;
    }
    if (type == "AlterDomainStmt") {
      Kind("ALTER DOMAIN");
      // Adding a constraint or NOT NULL checks every column of the domain under a SHARE lock.
      const std::string sub = Str(body, "subtype");
      if (sub == "C" || sub == "N" || sub == "V") Lock(LockLevel::kShare);
      return;
    }
    if (type == "PrepareStmt" || type == "DeclareCursorStmt") {
      Kind(type == "PrepareStmt" ? "PREPARE" : "DECLARE");
      return ReadTables(Field(body, "query"));
    }
    if (type == "CreateFunctionStmt") {
      return Kind(Bool(body, "is_procedure") ? "CREATE PROCEDURE" : "CREATE FUNCTION");
    }
    if (type == "GrantStmt" || type == "GrantRoleStmt") {
      return Kind(Bool(body, "is_grant") ? "GRANT" : "REVOKE");
    }
    if (type == "VariableSetStmt") {
      const std::string k = Str(body, "kind");
      return Kind(k == "VAR_RESET" || k == "VAR_RESET_ALL" ? "RESET" : "SET");
    }
    if (type == "DefineStmt") return Kind("CREATE " + ObjectTypeName(Str(body, "kind")));
    if (type == "AlterOwnerStmt") return Kind("ALTER " + ObjectTypeName(Str(body, "objectType")));
    if (type == "CreateRoleStmt") {
      return Kind(Str(body, "stmt_type") == "ROLESTMT_USER" ? "CREATE USER" : "CREATE ROLE");
    }
    // Statements that take no lock on a table and destroy no data.
    static const std::pair<const char*, const char*> kHarmless[] = {
        {"CreateSchemaStmt", "CREATE SCHEMA"},
        {"CreateEnumStmt", "CREATE TYPE"},
        {"CompositeTypeStmt", "CREATE TYPE"},
        {"CreateRangeStmt", "CREATE TYPE"},
        {"AlterEnumStmt", "ALTER TYPE"},
        {"CreateDomainStmt", "CREATE DOMAIN"},
        {"CreateExtensionStmt", "CREATE EXTENSION"},
        {"AlterExtensionStmt", "ALTER EXTENSION"},
        {"AlterFunctionStmt", "ALTER FUNCTION"},
        {"AlterRoleStmt", "ALTER ROLE"},
        {"AlterRoleSetStmt", "ALTER ROLE"},
        {"DropRoleStmt", "DROP ROLE"},
        {"AlterDefaultPrivilegesStmt", "ALTER DEFAULT PRIVILEGES"},
        {"AlterDatabaseSetStmt", "ALTER DATABASE"},
        {"VariableShowStmt", "SHOW"},
        {"CreateCastStmt", "CREATE CAST"},
        {"CreateEventTrigStmt", "CREATE EVENT TRIGGER"},
        {"CreatePublicationStmt", "CREATE PUBLICATION"},
        {"AlterPublicationStmt", "ALTER PUBLICATION"},
        {"CreateFdwStmt", "CREATE FOREIGN DATA WRAPPER"},
        {"CreateForeignServerStmt", "CREATE SERVER"},
        {"CreateUserMappingStmt", "CREATE USER MAPPING"},
        {"ImportForeignSchemaStmt", "IMPORT FOREIGN SCHEMA"},
        {"NotifyStmt", "NOTIFY"},
        {"ListenStmt", "LISTEN"},
        {"UnlistenStmt", "UNLISTEN"},
        {"DiscardStmt", "DISCARD"},
        {"CheckPointStmt", "CHECKPOINT"},
        {"DeallocateStmt", "DEALLOCATE"},
        {"ClosePortalStmt", "CLOSE"},
        {"FetchStmt", "FETCH"},
        {"ConstraintsSetStmt", "SET CONSTRAINTS"},
    };
    for (const auto& [node, kind] : kHarmless) {
      if (type == node) return Kind(kind);
    }
    if (type == "CreateForeignTableStmt") {
      Kind("CREATE FOREIGN TABLE");
      return Table(RelationName(Field(Field(body, "base"), "relation")));
    }
    MarkNotAnalysable(a_, "statement not analysed (" + type + ")");
  }

  void Select(const Json& body) {
    const bool into = !Field(body, "intoClause").is_null();
    Kind(into ? "SELECT INTO" : "SELECT");
    if (into) Table(RelationName(Field(Field(body, "intoClause"), "rel")));
    ModifyingCtes(body);
    ReadTables(body);
    if (!List(body, "lockingClause").empty()) {
      for (const std::string& t : a_.tables) LockOn(t, LockLevel::kRowShare);
    }
  }

  void Insert(const Json& body) {
    Kind("INSERT");
    const std::string target = RelationName(Field(body, "relation"));
    LockOn(target, LockLevel::kRowExclusive);
    ForeignKeyChecks(target, {});
    if (Str(Field(body, "onConflictClause"), "action") == "ONCONFLICT_UPDATE") {
      Destroys("updates rows of " + target + " on conflict (upsert)");
    }
    ModifyingCtes(body);
    ReadTables(body);
  }

  void Update(const Json& body) {
    Kind("UPDATE");
    const std::string target = RelationName(Field(body, "relation"));
    LockOn(target, LockLevel::kRowExclusive);
    std::vector<std::string> set;
    for (const Json& t : List(body, "targetList")) set.push_back(Str(Body(t, "ResTarget"), "name"));
    ForeignKeyChecks(target, set);
    Destroys("updates rows of " + target +
             (Field(body, "whereClause").is_null() ? " (all rows, no WHERE)" : " matching WHERE"));
    ModifyingCtes(body);
    ReadTables(body);
  }

  void Delete(const Json& body) {
    Kind("DELETE");
    const std::string target = RelationName(Field(body, "relation"));
    LockOn(target, LockLevel::kRowExclusive);
    ReferencingActions(target);
    a_.deletes_all_rows = Field(body, "whereClause").is_null();
    Destroys("deletes rows of " + target +
             (Field(body, "whereClause").is_null() ? " (all rows, no WHERE)" : " matching WHERE"));
    ModifyingCtes(body);
    ReadTables(body);
  }

  void Merge(const Json& body) {
    Kind("MERGE");
    const std::string target = RelationName(Field(body, "relation"));
    LockOn(target, LockLevel::kRowExclusive);
    for (const Json& w : List(body, "mergeWhenClauses")) {
      const std::string cmd = Str(Body(w, "MergeWhenClause"), "commandType");
      if (cmd == "CMD_UPDATE") Destroys("updates rows of " + target + " (MERGE WHEN MATCHED)");
      if (cmd == "CMD_DELETE") Destroys("deletes rows of " + target + " (MERGE WHEN MATCHED)");
    }
    ModifyingCtes(body);
    ReadTables(body);
  }

  // A FOREIGN KEY constraint of `table` locks the referenced table SHARE ROW EXCLUSIVE (it adds
  // triggers there) and is added to the facts; `column` names the column a column constraint is
  // declared on (its fk_attrs are empty then).
  void ForeignKeys(const Json& constraints, const std::string& table, const std::string& column) {
    for (const Json& c : constraints) {
      const Json& con = Body(c, "Constraint");
      if (Str(con, "contype") != "CONSTR_FOREIGN") continue;
      const std::string referenced = RelationName(Field(con, "pktable"));
      if (referenced != table) LockOn(referenced, LockLevel::kShareRowExclusive);
      if (facts_ == nullptr) continue;
      std::vector<std::string> columns = Names(List(con, "fk_attrs"));
      if (columns.empty() && !column.empty()) columns.push_back(column);
      facts_->foreign_keys.push_back(
          {table, Str(con, "conname"), columns, referenced, DeleteAction(con)});
    }
  }

  void CreateTable(const Json& body) {
    Kind("CREATE TABLE");
    const std::string table = RelationName(Field(body, "relation"));
    Table(table);
    if (facts_ != nullptr) facts_->tables_seen.insert(table);
    for (const Json& parent : List(body, "inhRelations")) {
      LockOn(RelationName(parent), Field(body, "partbound").is_null()
                                       ? LockLevel::kShareUpdateExclusive
                                       : LockLevel::kAccessExclusive);
    }
    for (const Json& elt : List(body, "tableElts")) {
      auto [type, e] = Unwrap(elt);
      if (type == "Constraint") ForeignKeys(Json::array({elt}), table, "");
      if (type == "ColumnDef") ForeignKeys(List(*e, "constraints"), table, Str(*e, "colname"));
      if (type == "TableLikeClause") {
        LockOn(RelationName(Field(*e, "relation")), LockLevel::kAccessShare);
      }
    }
  }

  void CreateTableAs(const Json& body) {
    Kind(Str(body, "objtype") == "OBJECT_MATVIEW" ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS");
    Table(RelationName(Field(Field(body, "into"), "rel")));
    ReadTables(Field(body, "query"));
  }

  void CreateView(const Json& body) {
    Kind("CREATE VIEW");
    const std::string view = RelationName(Field(body, "view"));
    Table(view);
    // OR REPLACE locks the view it replaces (when there is one: the review cannot tell).
    if (Bool(body, "replace")) LockOn(view, LockLevel::kAccessExclusive);
    ReadTables(Field(body, "query"));
  }

  void CreateIndex(const Json& body) {
    Kind("CREATE INDEX");
    const std::string table = RelationName(Field(body, "relation"));
    if (Bool(body, "concurrent")) {
      LockOn(table, LockLevel::kShareUpdateExclusive);
      a_.needs_no_transaction = true;
    } else {
      LockOn(table, LockLevel::kShare);
    }
    const std::string name = Str(body, "idxname");
    if (facts_ != nullptr && !name.empty()) {
      // An index lives in its table's schema.
      const size_t dot = table.rfind('.');
      facts_->index_table[dot == std::string::npos ? name : table.substr(0, dot + 1) + name] =
          table;
    }
  }

  void Drop(const Json& body) {
    const std::string type = Str(body, "removeType");
    const bool cascade = Str(body, "behavior") == "DROP_CASCADE";
    Kind("DROP " + ObjectTypeName(type));
    const Json& objects = List(body, "objects");
    if (type == "OBJECT_EXTENSION")
      for (const Json& o : objects) a_.drops_extensions.push_back(ObjectName(o));
    if (type == "OBJECT_TRIGGER" || type == "OBJECT_POLICY" || type == "OBJECT_RULE") {
      // [schema.]table.name
      for (const Json& o : objects) LockOn(ObjectName(o, 1), LockLevel::kAccessExclusive);
      return;
    }
    if (type == "OBJECT_INDEX") {
      // DROP INDEX locks the index's table as strongly as the index (SHARE UPDATE EXCLUSIVE
      // with CONCURRENTLY, which cannot run in a transaction).
      const bool concurrent = Bool(body, "concurrent");
      const LockLevel mode =
          concurrent ? LockLevel::kShareUpdateExclusive : LockLevel::kAccessExclusive;
      a_.needs_no_transaction = concurrent;
      for (const Json& o : objects) {
        const std::string index = ObjectName(o);
        LockOn(index, mode);
        std::string table;
        if (facts_ != nullptr) {
          auto it = facts_->index_table.find(index);
          if (it != facts_->index_table.end()) {
            table = it->second;
            facts_->index_table.erase(it);
          }
        }
        if (!table.empty()) {
          LockImplied(table, mode);
        } else {
          LockUnknown(mode, "the table of index " + index);
        }
      }
      return;
    }
    if (IsRelationType(type)) {
      for (const Json& o : objects) {
        const std::string name = ObjectName(o);
        LockOn(name, LockLevel::kAccessExclusive);
        if (type != "OBJECT_TABLE" && type != "OBJECT_FOREIGN_TABLE") {
          ForgetRelation(name);
          continue;
        }
        if (type == "OBJECT_TABLE") Destroys("drops table " + name);
        // Its foreign keys go with it, and their triggers on the tables they reference.
        if (DropForeignKeys(name, [](const ForeignKey&) { return true; }) == 0 &&
            !KnowsForeignKeysOf(name)) {
          LockUnknown(LockLevel::kAccessExclusive,
                      "the tables the foreign keys of " + name + " reference, if any");
        }
        if (cascade && facts_ != nullptr) {
          // The keys that referenced it go too (their tables are locked to drop the triggers).
          auto& fks = facts_->foreign_keys;
          for (auto it = fks.begin(); it != fks.end();) {
            if (it->referenced == name) {
              LockImplied(it->table, LockLevel::kAccessExclusive);
              it = fks.erase(it);
            } else {
              ++it;
            }
          }
        }
        ForgetRelation(name);
      }
      return;
    }
    if (type == "OBJECT_SCHEMA") {
      for (const Json& o : objects) {
        if (!cascade) continue;  // RESTRICT: only an empty schema can be dropped
        Lock(LockLevel::kAccessExclusive);
        Destroys("drops schema " + ObjectName(o) + " and every table in it (CASCADE)");
      }
      return;
    }
    // Types, domains, extensions, functions, ...: with CASCADE they take the columns and tables
    // that depend on them along (DROP TYPE mood CASCADE drops every column of type mood).
    if (cascade && type != "OBJECT_STATISTIC_EXT" && type != "OBJECT_PUBLICATION") {
      Lock(LockLevel::kAccessExclusive);
      for (const Json& o : objects) {
        Destroys("drops " + Lower(ObjectTypeName(type)) + " " + ObjectName(o) +
                 " and the columns or tables that depend on it (CASCADE)");
      }
    }
  }

  void AlterTable(const Json& body) {
    const std::string objtype = Str(body, "objtype");
    Kind("ALTER " + ObjectTypeName(objtype.empty() ? "OBJECT_TABLE" : objtype));
    const std::string target = RelationName(Field(body, "relation"));
    Table(target);
    for (const Json& c : List(body, "cmds")) {
      const Json& cmd = Body(c, "AlterTableCmd");
      const std::string sub = Str(cmd, "subtype");
      const Json& def = Field(cmd, "def");
      LockLevel level = LockLevel::kAccessExclusive;
      if (sub == "AT_SetStatistics" || sub == "AT_ClusterOn" || sub == "AT_DropCluster" ||
          sub == "AT_SetOptions" || sub == "AT_ResetOptions" || sub == "AT_ValidateConstraint" ||
          sub == "AT_DetachPartitionFinalize") {
        level = LockLevel::kShareUpdateExclusive;
      } else if (sub.rfind("AT_EnableTrig", 0) == 0 || sub.rfind("AT_DisableTrig", 0) == 0 ||
                 sub == "AT_EnableAlwaysTrig" || sub == "AT_EnableReplicaTrig") {
        level = LockLevel::kShareRowExclusive;
      } else if (sub == "AT_SetRelOptions" || sub == "AT_ResetRelOptions") {
        level = RelOptionsLock(def);
      } else if (sub == "AT_AddConstraint") {
        const Json& con = Body(def, "Constraint");
        if (Str(con, "contype") == "CONSTR_FOREIGN") {
          level = LockLevel::kShareRowExclusive;
          ForeignKeys(Json::array({def}), target, "");
        }
      } else if (sub == "AT_AddColumn") {
        const Json& column = Body(def, "ColumnDef");
        ForeignKeys(List(column, "constraints"), target, Str(column, "colname"));
      } else if (sub == "AT_AttachPartition") {
        // SHARE UPDATE EXCLUSIVE on the parent, ACCESS EXCLUSIVE on the partition attached.
        level = LockLevel::kShareUpdateExclusive;
        LockOn(RelationName(Field(Body(def, "PartitionCmd"), "name")), LockLevel::kAccessExclusive);
      } else if (sub == "AT_DetachPartition") {
        const Json& part = Body(def, "PartitionCmd");
        if (Bool(part, "concurrent")) {
          level = LockLevel::kShareUpdateExclusive;
          a_.needs_no_transaction = true;
        }
        LockOn(RelationName(Field(part, "name")), level);
      } else if (sub == "AT_DropConstraint") {
        // A foreign key's triggers on the referenced table go with it.
        const std::string name = Str(cmd, "name");
        if (DropForeignKeys(target, [&](const ForeignKey& fk) { return fk.name == name; }) == 0 &&
            !KnowsForeignKeysOf(target)) {
          LockUnknown(LockLevel::kAccessExclusive,
                      "the table constraint " + name + " references, if it is a foreign key");
        }
      } else if (sub == "AT_DropColumn") {
        // Foreign keys over the column go with it.
        const std::string column = Str(cmd, "name");
        if (DropForeignKeys(
                target, [&](const ForeignKey& fk) { return Contains(fk.columns, column); }) == 0 &&
            !KnowsForeignKeysOf(target) && objtype != "OBJECT_TYPE") {
          LockUnknown(LockLevel::kAccessExclusive, "the table a foreign key over " + target + "." +
                                                       column + " references, if any");
        }
        // (A foreign table's rows live on the remote server: dropping its column loses nothing.)
        if (objtype != "OBJECT_FOREIGN_TABLE") {
          const char* what = objtype == "OBJECT_TYPE" ? "drops attribute " : "drops column ";
          Destroys(what + target + "." + column);
        }
      } else if (sub == "AT_AlterColumnType") {
        const Json& column = Body(def, "ColumnDef");
        if (!IsWideningTypeChange(column)) {
          Destroys("changes the type of column " + target + "." + Str(cmd, "name") + " to " +
                   TypeNameText(Field(column, "typeName")) + " (values may be lost or altered)");
        }
      }
      LockOn(target, level);
    }
  }

  void Rename(const Json& body) {
    const std::string type = Str(body, "renameType");
    const bool on_relation =
        type == "OBJECT_COLUMN" || type == "OBJECT_TABCONSTRAINT" || type == "OBJECT_ATTRIBUTE";
    Kind("ALTER " + ObjectTypeName(on_relation ? Str(body, "relationType") : type));
    const std::string relation = RelationName(Field(body, "relation"));
    if (relation.empty()) return;  // a function, schema, type, ...: no table lock
    // ALTER INDEX ... RENAME takes SHARE UPDATE EXCLUSIVE (PostgreSQL 12+); every other rename
    // of a relation, column, constraint, trigger, policy or rule takes ACCESS EXCLUSIVE.
    LockOn(relation,
           type == "OBJECT_INDEX" ? LockLevel::kShareUpdateExclusive : LockLevel::kAccessExclusive);
    if (facts_ == nullptr || (type != "OBJECT_TABLE" && type != "OBJECT_INDEX")) return;
    // The renamed relation keeps its indexes and keys under its new name.
    const std::string to = Str(body, "newname");
    const size_t dot = relation.rfind('.');
    const std::string renamed = dot == std::string::npos ? to : relation.substr(0, dot + 1) + to;
    if (type == "OBJECT_INDEX") {
      auto it = facts_->index_table.find(relation);
      if (it != facts_->index_table.end()) {
        facts_->index_table[renamed] = it->second;
        facts_->index_table.erase(relation);
      }
      return;
    }
    if (facts_->tables_seen.erase(relation) > 0) facts_->tables_seen.insert(renamed);
    for (auto& [index, table] : facts_->index_table)
      if (table == relation) table = renamed;
    for (ForeignKey& fk : facts_->foreign_keys) {
      if (fk.table == relation) fk.table = renamed;
      if (fk.referenced == relation) fk.referenced = renamed;
    }
  }

  void AlterObjectSchema(const Json& body) {
    const std::string type = Str(body, "objectType");
    Kind("ALTER " + ObjectTypeName(type));
    if (IsRelationType(type))
      LockOn(RelationName(Field(body, "relation")), LockLevel::kAccessExclusive);
  }

  void Truncate(const Json& body) {
    Kind("TRUNCATE");
    Lock(LockLevel::kAccessExclusive);
    const bool cascade = Str(body, "behavior") == "DROP_CASCADE";
    a_.deletes_all_rows = true;
    for (const Json& r : List(body, "relations")) {
      const std::string name = RelationName(r);
      LockOn(name, LockLevel::kAccessExclusive);
      if (cascade) {
        if (facts_ == nullptr) {
          LockUnknown(LockLevel::kAccessExclusive, "the tables that reference " + name);
        } else {
          for (const ForeignKey& fk : facts_->foreign_keys)
            if (fk.referenced == name) LockImplied(fk.table, LockLevel::kAccessExclusive);
        }
      }
      Destroys("truncates " + name + (cascade ? " and every table referencing it (CASCADE)" : ""));
    }
  }

  void Vacuum(const Json& body) {
    const bool vacuum = Bool(body, "is_vacuumcmd");
    Kind(vacuum ? "VACUUM" : "ANALYZE");
    if (vacuum) a_.needs_no_transaction = true;
    const LockLevel mode = vacuum && HasOption(List(body, "options"), "full")
                               ? LockLevel::kAccessExclusive
                               : LockLevel::kShareUpdateExclusive;
    Lock(mode);
    for (const Json& r : List(body, "rels")) {
      LockOn(RelationName(Field(Body(r, "VacuumRelation"), "relation")), mode);
    }
  }

  void Reindex(const Json& body) {
    Kind("REINDEX");
    const std::string kind = Str(body, "kind");
    if (!Field(body, "relation").is_null()) {
      Table(RelationName(Field(body, "relation")));
    } else {
      Table(Str(body, "name"));
    }
    // REINDEX SCHEMA / DATABASE / SYSTEM refuse a transaction block, as does CONCURRENTLY.
    if (kind == "REINDEX_OBJECT_SCHEMA" || kind == "REINDEX_OBJECT_DATABASE" ||
        kind == "REINDEX_OBJECT_SYSTEM") {
      a_.needs_no_transaction = true;
    }
    const bool concurrently = HasOption(List(body, "params"), "concurrently");
    if (concurrently) a_.needs_no_transaction = true;
    const LockLevel mode =
        concurrently ? LockLevel::kShareUpdateExclusive : LockLevel::kAccessExclusive;
    Lock(mode);
    if (kind == "REINDEX_OBJECT_INDEX" || kind == "REINDEX_OBJECT_TABLE") {
      LockOn(a_.tables.empty() ? "" : a_.tables.front(), mode);
    }
  }

  // EXPLAIN plans its statement (taking the same locks); only EXPLAIN ANALYZE runs it.
  void Explain(const Json& body) {
    const bool analyze = HasOption(List(body, "options"), "analyze");
    Kind(analyze ? "EXPLAIN ANALYZE" : "EXPLAIN");
    StatementAnalysis inner;
    // Only EXPLAIN ANALYZE changes the schema (of a CREATE TABLE AS, say): plain EXPLAIN must not
    // teach the facts what never happens.
    StatementAnalyzer(inner, analyze ? facts_ : nullptr).Analyze(Field(body, "query"));
    for (const std::string& t : inner.tables) Table(t);
    Lock(inner.lock);
    for (const RelationLock& l : inner.locks) {
      LockRelation(a_, l.relation, l.mode, l.when_rows_written, l.unknown);
    }
    if (analyze) {
      if (inner.destroys_data) Destroys(inner.destroys);
      a_.analysable = inner.analysable;
    }
  }

  void Transaction(const Json& body) {
    static const std::pair<const char*, const char*> kKinds[] = {
        {"TRANS_STMT_BEGIN", "BEGIN"},
        {"TRANS_STMT_START", "START TRANSACTION"},
        {"TRANS_STMT_COMMIT", "COMMIT"},
        {"TRANS_STMT_ROLLBACK", "ROLLBACK"},
        {"TRANS_STMT_SAVEPOINT", "SAVEPOINT"},
        {"TRANS_STMT_RELEASE", "RELEASE SAVEPOINT"},
        {"TRANS_STMT_ROLLBACK_TO", "ROLLBACK TO SAVEPOINT"},
        {"TRANS_STMT_PREPARE", "PREPARE TRANSACTION"},
        {"TRANS_STMT_COMMIT_PREPARED", "COMMIT PREPARED"},
        {"TRANS_STMT_ROLLBACK_PREPARED", "ROLLBACK PREPARED"},
    };
    const std::string kind = Str(body, "kind");
    for (const auto& [from, to] : kKinds) {
      if (kind == from) return Kind(to);
    }
    Kind("TRANSACTION");
  }

  void LockTable(const Json& body) {
    Kind("LOCK TABLE");
    // The lock modes' numbers in PostgreSQL's lockdefs.h, 1 (AccessShareLock) to 8.
    static const LockLevel kModes[] = {
        LockLevel::kNone,
        LockLevel::kAccessShare,
        LockLevel::kRowShare,
        LockLevel::kRowExclusive,
        LockLevel::kShareUpdateExclusive,
        LockLevel::kShare,
        LockLevel::kShareRowExclusive,
        LockLevel::kExclusive,
        LockLevel::kAccessExclusive,
    };
    const Json& mode = Field(body, "mode");
    const int m = mode.is_number() ? mode.get<int>() : 8;
    const LockLevel level = m >= 1 && m <= 8 ? kModes[m] : LockLevel::kAccessExclusive;
    Lock(level);
    for (const Json& r : List(body, "relations")) LockOn(RelationName(r), level);
  }

  void Copy(const Json& body) {
    Kind("COPY");
    if (Bool(body, "is_program")) {
      MarkNotAnalysable(a_, "COPY ... PROGRAM runs a command on the server");
    }
    if (!Field(body, "relation").is_null()) {
      LockOn(RelationName(Field(body, "relation")),
             Bool(body, "is_from") ? LockLevel::kRowExclusive : LockLevel::kAccessShare);
    }
    ReadTables(Field(body, "query"));
  }

  void Comment(const Json& body) {
    Kind("COMMENT");
    const std::string type = Str(body, "objtype");
    const Json& object = Field(body, "object");
    std::string table;
    if (IsRelationType(type)) {
      table = ObjectName(object);
    } else if (type == "OBJECT_COLUMN" || type == "OBJECT_TRIGGER" || type == "OBJECT_POLICY" ||
               type == "OBJECT_RULE" || type == "OBJECT_TABCONSTRAINT") {
      table = ObjectName(object, 1);
    }
    if (table.empty()) return;
    LockOn(table, LockLevel::kShareUpdateExclusive);
  }

  StatementAnalysis& a_;
  SchemaFacts* facts_;  // may be null
};

}  // namespace

void AnalyzePgStatement(const Json& stmt, StatementAnalysis& out, SchemaFacts* facts) {
  StatementAnalyzer(out, facts).Analyze(stmt);
}

}  // namespace analysis_internal
}  // namespace orchestrate
