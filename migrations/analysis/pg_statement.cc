// One PostgreSQL statement's parse tree -> its StatementAnalysis (see pg_tree.h).
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
// - DROP INDEX / DROP TRIGGER / DROP POLICY / DROP RULE report ACCESS EXCLUSIVE; REINDEX reports
//   ACCESS EXCLUSIVE (on the indexes it rebuilds) as the documentation's table does.
#include <string>
#include <utility>

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

class StatementAnalyzer {
 public:
  explicit StatementAnalyzer(StatementAnalysis& out) : a_(out) {}

  void Analyze(const Json& stmt) {
    auto [type, body] = Unwrap(stmt);
    Dispatch(type, *body);
    if (a_.kind.empty()) a_.kind = LeadingKeywords(a_.text, 2);
  }

 private:
  void Kind(const std::string& kind) {
    if (a_.kind.empty()) a_.kind = kind;
  }
  void Table(const std::string& name) { AddTable(a_, name); }
  void Lock(LockLevel level) { RaiseLock(a_, level); }
  void Destroys(const std::string& what) { AddDestroys(a_, what); }

  // The tables a query reads: listed after the target, locked ACCESS SHARE.
  void ReadTables(const Json& node) {
    for (const std::string& t : RelationsIn(node)) {
      Table(t);
      Lock(LockLevel::kAccessShare);
    }
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
      return Table(RelationName(Field(body, "relation")));
    }
    if (type == "RefreshMatViewStmt") {
      Kind("REFRESH MATERIALIZED VIEW");
      Lock(Bool(body, "concurrent") ? LockLevel::kExclusive : LockLevel::kAccessExclusive);
      return Table(RelationName(Field(body, "relation")));
    }
    if (type == "CreateTrigStmt") {
      Kind("CREATE TRIGGER");
      Lock(LockLevel::kShareRowExclusive);
      return Table(RelationName(Field(body, "relation")));
    }
    if (type == "CreatePolicyStmt" || type == "AlterPolicyStmt") {
      Kind(type == "CreatePolicyStmt" ? "CREATE POLICY" : "ALTER POLICY");
      Lock(LockLevel::kAccessExclusive);
      return Table(RelationName(Field(body, "table")));
    }
    if (type == "RuleStmt") {
      Kind("CREATE RULE");
      Lock(LockLevel::kAccessExclusive);
      return Table(RelationName(Field(body, "relation")));
    }
    if (type == "CreateStatsStmt") {
      Kind("CREATE STATISTICS");
      Lock(LockLevel::kShareUpdateExclusive);
      for (const Json& r : List(body, "relations")) Table(RelationName(r));
      return;
    }
    if (type == "CreateSeqStmt") {
      Kind("CREATE SEQUENCE");
      return Table(RelationName(Field(body, "sequence")));
    }
    if (type == "AlterSeqStmt") {
      Kind("ALTER SEQUENCE");
      Lock(LockLevel::kShareRowExclusive);
      return Table(RelationName(Field(body, "sequence")));
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
    if (!List(body, "lockingClause").empty() && !a_.tables.empty()) Lock(LockLevel::kRowShare);
  }

  void Insert(const Json& body) {
    Kind("INSERT");
    const std::string target = RelationName(Field(body, "relation"));
    Table(target);
    Lock(LockLevel::kRowExclusive);
    if (Str(Field(body, "onConflictClause"), "action") == "ONCONFLICT_UPDATE") {
      Destroys("updates rows of " + target + " on conflict (upsert)");
    }
    ModifyingCtes(body);
    ReadTables(body);
  }

  void Update(const Json& body) {
    Kind("UPDATE");
    const std::string target = RelationName(Field(body, "relation"));
    Table(target);
    Lock(LockLevel::kRowExclusive);
    Destroys("updates rows of " + target +
             (Field(body, "whereClause").is_null() ? " (all rows, no WHERE)" : " matching WHERE"));
    ModifyingCtes(body);
    ReadTables(body);
  }

  void Delete(const Json& body) {
    Kind("DELETE");
    const std::string target = RelationName(Field(body, "relation"));
    Table(target);
    Lock(LockLevel::kRowExclusive);
    Destroys("deletes rows of " + target +
             (Field(body, "whereClause").is_null() ? " (all rows, no WHERE)" : " matching WHERE"));
    ModifyingCtes(body);
    ReadTables(body);
  }

  void Merge(const Json& body) {
    Kind("MERGE");
    const std::string target = RelationName(Field(body, "relation"));
    Table(target);
    Lock(LockLevel::kRowExclusive);
    for (const Json& w : List(body, "mergeWhenClauses")) {
      const std::string cmd = Str(Body(w, "MergeWhenClause"), "commandType");
      if (cmd == "CMD_UPDATE") Destroys("updates rows of " + target + " (MERGE WHEN MATCHED)");
      if (cmd == "CMD_DELETE") Destroys("deletes rows of " + target + " (MERGE WHEN MATCHED)");
    }
    ModifyingCtes(body);
    ReadTables(body);
  }

  // A FOREIGN KEY constraint locks the referenced table SHARE ROW EXCLUSIVE (it adds triggers).
  void ForeignKeys(const Json& constraints) {
    for (const Json& c : constraints) {
      const Json& con = Body(c, "Constraint");
      if (Str(con, "contype") != "CONSTR_FOREIGN") continue;
      Table(RelationName(Field(con, "pktable")));
      Lock(LockLevel::kShareRowExclusive);
    }
  }

  void CreateTable(const Json& body) {
    Kind("CREATE TABLE");
    Table(RelationName(Field(body, "relation")));
    for (const Json& parent : List(body, "inhRelations")) {
      Table(RelationName(parent));
      Lock(Field(body, "partbound").is_null() ? LockLevel::kShareUpdateExclusive
                                              : LockLevel::kAccessExclusive);
    }
    for (const Json& elt : List(body, "tableElts")) {
      auto [type, e] = Unwrap(elt);
      if (type == "Constraint") ForeignKeys(Json::array({elt}));
      if (type == "ColumnDef") ForeignKeys(List(*e, "constraints"));
      if (type == "TableLikeClause") {
        Table(RelationName(Field(*e, "relation")));
        Lock(LockLevel::kAccessShare);
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
    Table(RelationName(Field(body, "view")));
    if (Bool(body, "replace")) Lock(LockLevel::kAccessExclusive);
    ReadTables(Field(body, "query"));
  }

  void CreateIndex(const Json& body) {
    Kind("CREATE INDEX");
    Table(RelationName(Field(body, "relation")));
    if (Bool(body, "concurrent")) {
      Lock(LockLevel::kShareUpdateExclusive);
      a_.needs_no_transaction = true;
    } else {
      Lock(LockLevel::kShare);
    }
  }

  void Drop(const Json& body) {
    const std::string type = Str(body, "removeType");
    const bool cascade = Str(body, "behavior") == "DROP_CASCADE";
    Kind("DROP " + ObjectTypeName(type));
    const Json& objects = List(body, "objects");
    if (type == "OBJECT_TRIGGER" || type == "OBJECT_POLICY" || type == "OBJECT_RULE") {
      for (const Json& o : objects) Table(ObjectName(o, 1));  // [schema.]table.name
      Lock(LockLevel::kAccessExclusive);
      return;
    }
    if (type == "OBJECT_INDEX" && Bool(body, "concurrent")) {
      for (const Json& o : objects) Table(ObjectName(o));
      Lock(LockLevel::kShareUpdateExclusive);
      a_.needs_no_transaction = true;
      return;
    }
    if (IsRelationType(type)) {
      Lock(LockLevel::kAccessExclusive);
      for (const Json& o : objects) {
        const std::string name = ObjectName(o);
        Table(name);
        if (type == "OBJECT_TABLE") Destroys("drops table " + name);
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
          ForeignKeys(Json::array({def}));
        }
      } else if (sub == "AT_AddColumn") {
        ForeignKeys(List(Body(def, "ColumnDef"), "constraints"));
      } else if (sub == "AT_AttachPartition") {
        // SHARE UPDATE EXCLUSIVE on the parent, ACCESS EXCLUSIVE on the partition attached.
        Table(RelationName(Field(Body(def, "PartitionCmd"), "name")));
      } else if (sub == "AT_DetachPartition") {
        const Json& part = Body(def, "PartitionCmd");
        Table(RelationName(Field(part, "name")));
        if (Bool(part, "concurrent")) {
          level = LockLevel::kShareUpdateExclusive;
          a_.needs_no_transaction = true;
        }
      } else if (sub == "AT_DropColumn" && objtype != "OBJECT_FOREIGN_TABLE") {
        // (A foreign table's rows live on the remote server: dropping its column loses nothing.)
        const char* what = objtype == "OBJECT_TYPE" ? "drops attribute " : "drops column ";
        Destroys(what + target + "." + Str(cmd, "name"));
      } else if (sub == "AT_AlterColumnType") {
        const Json& column = Body(def, "ColumnDef");
        if (!IsWideningTypeChange(column)) {
          Destroys("changes the type of column " + target + "." + Str(cmd, "name") + " to " +
                   TypeNameText(Field(column, "typeName")) + " (values may be lost or altered)");
        }
      }
      Lock(level);
    }
  }

  void Rename(const Json& body) {
    const std::string type = Str(body, "renameType");
    const bool on_relation =
        type == "OBJECT_COLUMN" || type == "OBJECT_TABCONSTRAINT" || type == "OBJECT_ATTRIBUTE";
    Kind("ALTER " + ObjectTypeName(on_relation ? Str(body, "relationType") : type));
    const std::string relation = RelationName(Field(body, "relation"));
    if (relation.empty()) return;  // a function, schema, type, ...: no table lock
    Table(relation);
    // ALTER INDEX ... RENAME takes SHARE UPDATE EXCLUSIVE (PostgreSQL 12+); every other rename
    // of a relation, column, constraint, trigger, policy or rule takes ACCESS EXCLUSIVE.
    Lock(type == "OBJECT_INDEX" ? LockLevel::kShareUpdateExclusive : LockLevel::kAccessExclusive);
  }

  void AlterObjectSchema(const Json& body) {
    const std::string type = Str(body, "objectType");
    Kind("ALTER " + ObjectTypeName(type));
    if (IsRelationType(type)) {
      Table(RelationName(Field(body, "relation")));
      Lock(LockLevel::kAccessExclusive);
    }
  }

  void Truncate(const Json& body) {
    Kind("TRUNCATE");
    Lock(LockLevel::kAccessExclusive);
    const bool cascade = Str(body, "behavior") == "DROP_CASCADE";
    for (const Json& r : List(body, "relations")) {
      const std::string name = RelationName(r);
      Table(name);
      Destroys("truncates " + name + (cascade ? " and every table referencing it (CASCADE)" : ""));
    }
  }

  void Vacuum(const Json& body) {
    const bool vacuum = Bool(body, "is_vacuumcmd");
    Kind(vacuum ? "VACUUM" : "ANALYZE");
    if (vacuum) a_.needs_no_transaction = true;
    Lock(vacuum && HasOption(List(body, "options"), "full") ? LockLevel::kAccessExclusive
                                                            : LockLevel::kShareUpdateExclusive);
    for (const Json& r : List(body, "rels")) {
      Table(RelationName(Field(Body(r, "VacuumRelation"), "relation")));
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
    if (HasOption(List(body, "params"), "concurrently")) {
      Lock(LockLevel::kShareUpdateExclusive);
      a_.needs_no_transaction = true;
    } else {
      Lock(LockLevel::kAccessExclusive);
    }
  }

  // EXPLAIN plans its statement (taking the same locks); only EXPLAIN ANALYZE runs it.
  void Explain(const Json& body) {
    const bool analyze = HasOption(List(body, "options"), "analyze");
    Kind(analyze ? "EXPLAIN ANALYZE" : "EXPLAIN");
    StatementAnalysis inner;
    StatementAnalyzer(inner).Analyze(Field(body, "query"));
    for (const std::string& t : inner.tables) Table(t);
    Lock(inner.lock);
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
    Lock(m >= 1 && m <= 8 ? kModes[m] : LockLevel::kAccessExclusive);
    for (const Json& r : List(body, "relations")) Table(RelationName(r));
  }

  void Copy(const Json& body) {
    Kind("COPY");
    if (Bool(body, "is_program")) {
      MarkNotAnalysable(a_, "COPY ... PROGRAM runs a command on the server");
    }
    if (!Field(body, "relation").is_null()) {
      Table(RelationName(Field(body, "relation")));
      Lock(Bool(body, "is_from") ? LockLevel::kRowExclusive : LockLevel::kAccessShare);
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
    Table(table);
    Lock(LockLevel::kShareUpdateExclusive);
  }

  StatementAnalysis& a_;
};

}  // namespace

void AnalyzePgStatement(const Json& stmt, StatementAnalysis& out) {
  StatementAnalyzer(out).Analyze(stmt);
}

}  // namespace analysis_internal
}  // namespace orchestrate
