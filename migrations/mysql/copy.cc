#include "migrations/mysql/copy.h"

#include <vector>

namespace orchestrate {
namespace mysql {
namespace {

std::string Ident(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += c;
    out += c;
  }
  return out + "`";
}

// `sql` without its "DEFINER=`user`@`host` " clause (a view, trigger or routine would otherwise
// need the SET USER privilege to be created as another user).
std::string WithoutDefiner(std::string sql) {
  const size_t at = sql.find("DEFINER=");
  if (at == std::string::npos) return sql;
  size_t i = at + 8;
  // `user`@`host`, either part possibly unquoted; ends at the first space outside backticks.
  bool quoted = false;
  while (i < sql.size() && (quoted || sql[i] != ' ')) {
    if (sql[i] == '`') quoted = !quoted;
    ++i;
  }
  return sql.erase(at, i + 1 - at);
}

Result<std::vector<Row>> Rows(Session& session, const std::string& sql) {
  QueryResult r;
  ORCH_RETURN_IF_ERROR(session.Run(sql, &r));
  return r.rows;
}

std::string Text(const Row& row, size_t i) { return i < row.size() ? row[i].value_or("") : ""; }

// The CREATE statement in column `column` of `show` (a SHOW CREATE ... of `source`).
Result<std::string> ShowCreate(Session& source, const std::string& show, size_t column) {
  auto rows = Rows(source, show);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return Status::Failed(show + " returned nothing");
  return Text(rows->front(), column);
}

Status Copy(Session& source, Session& target) {
  const std::string here = "TABLE_SCHEMA = DATABASE()";
  auto tables = Rows(source, "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE " +
                                 here + " ORDER BY TABLE_NAME");
  if (!tables.ok()) return tables.status();
  std::vector<std::string> base, views;
  for (const Row& t : *tables) {
    const std::string name = Text(t, 0), type = Text(t, 1);
    if (type == "VIEW") {
      views.push_back(name);
      continue;
    }
    auto create = ShowCreate(source, "SHOW CREATE TABLE " + Ident(name), 1);
    if (!create.ok()) return create.status();
    ORCH_RETURN_IF_ERROR(target.Run(*create).WithContext("copying table " + name));
    if (type == "BASE TABLE") base.push_back(name);
  }
  auto named = Rows(source, "SELECT DATABASE()");
  if (!named.ok()) return named.status();
  if (named->empty()) return Status::Failed("the source has no current database");
  const std::string from = Ident(Text(named->front(), 0));
  // The rows, in one snapshot, before the triggers exist (they would fire on the copy's INSERTs).
  ORCH_RETURN_IF_ERROR(target.Run("START TRANSACTION WITH CONSISTENT SNAPSHOT"));
  for (const std::string& name : base) {
    auto columns = Rows(source, "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE " + here +
                                    " AND TABLE_NAME = " + source.Quote(name) +
                                    " AND EXTRA NOT LIKE '%VIRTUAL GENERATED%' AND EXTRA NOT LIKE "
                                    "'%STORED GENERATED%' ORDER BY ORDINAL_POSITION");
    if (!columns.ok()) return columns.status();
    std::string list;
    for (const Row& c : *columns) list += (list.empty() ? "" : ", ") + Ident(Text(c, 0));
    if (list.empty()) continue;
    const Status copied = target.Run("INSERT INTO " + Ident(name) + " (" + list + ") SELECT " +
                                     list + " FROM " + from + "." + Ident(name));
    if (!copied.ok()) return copied.WithContext("copying the rows of " + name);
  }
  ORCH_RETURN_IF_ERROR(target.Run("COMMIT"));
  // Views, in an order that works: those that read views not created yet wait for a later pass.
  for (size_t left = views.size() + 1; !views.empty() && views.size() < left;) {
    left = views.size();
    std::vector<std::string> later;
    Status last;
    for (const std::string& name : views) {
      auto create = ShowCreate(source, "SHOW CREATE VIEW " + Ident(name), 1);
      if (!create.ok()) return create.status();
      last = target.Run(WithoutDefiner(*create));
      if (!last.ok()) later.push_back(name);
    }
    if (!later.empty() && later.size() == views.size())
      return last.WithContext("copying view " + later.front());
    views = later;
  }
  auto triggers = Rows(source,
                       "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE "
                       "TRIGGER_SCHEMA = DATABASE() ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER");
  if (!triggers.ok()) return triggers.status();
  for (const Row& t : *triggers) {
    auto create = ShowCreate(source, "SHOW CREATE TRIGGER " + Ident(Text(t, 0)), 2);
    if (!create.ok()) return create.status();
    ORCH_RETURN_IF_ERROR(
        target.Run(WithoutDefiner(*create)).WithContext("copying trigger " + Text(t, 0)));
  }
  auto routines = Rows(source,
                       "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE "
                       "ROUTINE_SCHEMA = DATABASE() ORDER BY ROUTINE_NAME");
  if (!routines.ok()) return routines.status();
  for (const Row& r : *routines) {
    const std::string kind = Text(r, 1) == "FUNCTION" ? "FUNCTION" : "PROCEDURE";
    auto create = ShowCreate(source, "SHOW CREATE " + kind + " " + Ident(Text(r, 0)), 2);
    if (!create.ok()) return create.status();
    ORCH_RETURN_IF_ERROR(
        target.Run(WithoutDefiner(*create)).WithContext("copying " + kind + " " + Text(r, 0)));
  }
  return Status::Ok();
}

}  // namespace

Status CopyDatabase(Session& source, Session& target) {
  // As mysqldump restores: a 0 in an AUTO_INCREMENT column stays 0, foreign keys are not checked
  // while tables and rows arrive in name order.
  ORCH_RETURN_IF_ERROR(
      target.Run("SET @orchestrate_sql_mode = @@SESSION.sql_mode, @orchestrate_fk = "
                 "@@SESSION.foreign_key_checks"));
  ORCH_RETURN_IF_ERROR(
      target.Run("SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), "
                 "'NO_AUTO_VALUE_ON_ZERO'), SESSION "
                 "foreign_key_checks = 0"));
  const Status copied = Copy(source, target);
  if (!copied.ok()) (void)target.Run("ROLLBACK");
  const Status reset = target.Run(
      "SET SESSION sql_mode = @orchestrate_sql_mode, SESSION foreign_key_checks = @orchestrate_fk");
  ORCH_RETURN_IF_ERROR(copied);
  return reset;
}

}  // namespace mysql
}  // namespace orchestrate
