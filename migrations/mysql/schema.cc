#include "migrations/mysql/schema.h"

#include <algorithm>

namespace orchestrate {
namespace mysql {
namespace {

// Leaves out orchestrate's own tables ('_' is a LIKE wildcard: escaped).
const char kNotState[] = " NOT LIKE 'orchestrate\\_%'";

std::string S(const Value& v) { return v.value_or(""); }

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

}  // namespace

Result<std::vector<std::string>> DescribeSchema(Session& session) {
  std::vector<std::string> out;
  QueryResult r;
  ORCH_RETURN_IF_ERROR(session.Run(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
      "TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME" +
          std::string(kNotState),
      &r));
  for (const Row& row : r.rows) out.push_back("table " + S(row[0]));
  ORCH_RETURN_IF_ERROR(session.Run(
      "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE, c.COLUMN_DEFAULT, "
      "c.EXTRA, c.GENERATION_EXPRESSION FROM information_schema.COLUMNS c JOIN "
      "information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = "
      "c.TABLE_NAME WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' AND "
      "c.TABLE_NAME" +
          std::string(kNotState),
      &r));
  for (const Row& row : r.rows) {
    std::string line = "column " + S(row[0]) + "." + S(row[1]) + " " + S(row[2]);
    if (S(row[3]) == "NO") line += " not null";
    if (row[4]) line += " default " + *row[4];
    const std::string extra = S(row[5]);
    if (extra.find("auto_increment") != std::string::npos) line += " auto_increment";
    if (!S(row[6]).empty()) line += " generated " + S(row[6]);
    out.push_back(line);
  }
  ORCH_RETURN_IF_ERROR(session.Run(
      "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX "
      "SEPARATOR ',') FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND "
      "TABLE_NAME" +
          std::string(kNotState) + " GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE",
      &r));
  for (const Row& row : r.rows) {
    if (S(row[1]) == "PRIMARY") {
      out.push_back("primary key " + S(row[0]) + " (" + S(row[3]) + ")");
    } else {
      out.push_back("index " + S(row[0]) + "." + S(row[1]) + (S(row[2]) == "0" ? " unique" : "") +
                    " (" + S(row[3]) + ")");
    }
  }
  ORCH_RETURN_IF_ERROR(session.Run(
      "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, GROUP_CONCAT(k.COLUMN_NAME ORDER BY "
      "k.ORDINAL_POSITION SEPARATOR ','), k.REFERENCED_TABLE_NAME, GROUP_CONCAT("
      "k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ','), rc.DELETE_RULE, "
      "rc.UPDATE_RULE FROM information_schema.KEY_COLUMN_USAGE k JOIN "
      "information_schema.REFERENTIAL_CONSTRAINTS rc ON rc.CONSTRAINT_SCHEMA = "
      "k.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND rc.TABLE_NAME = "
      "k.TABLE_NAME WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL AND "
      "k.TABLE_NAME" +
          std::string(kNotState) +
          " GROUP BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.REFERENCED_TABLE_NAME, rc.DELETE_RULE, "
          "rc.UPDATE_RULE",
      &r));
  for (const Row& row : r.rows)
    out.push_back("foreign key " + S(row[0]) + "." + S(row[1]) + " (" + S(row[2]) + ") -> " +
                  S(row[3]) + " (" + S(row[4]) + ") on delete " + S(row[5]) + " on update " +
                  S(row[6]));
  // CHECK constraints (MariaDB names a column-level one after its column, per table: matched on
  // the table too; its CHECK_CONSTRAINTS has TABLE_NAME). Backquotes are left out of the clause.
  ORCH_RETURN_IF_ERROR(session.Run(
      "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
      "WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME" +
          std::string(kNotState),
      &r));
  for (const Row& row : r.rows)
    out.push_back("check " + S(row[0]) + "." + S(row[1]) + " CHECK (" +
                  ReplaceAll(S(row[2]), "`", "") + ")");
  QueryResult db;
  ORCH_RETURN_IF_ERROR(session.Run("SELECT DATABASE()", &db));
  const std::string qualifier = "`" + ReplaceAll(S(db.rows.at(0)[0]), "`", "``") + "`.";
  ORCH_RETURN_IF_ERROR(session.Run(
      "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = "
      "DATABASE()",
      &r));
  for (const Row& row : r.rows)
    out.push_back("view " + S(row[0]) + " " + ReplaceAll(S(row[1]), qualifier, ""));
  ORCH_RETURN_IF_ERROR(session.Run(
      "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, "
      "ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND "
      "EVENT_OBJECT_TABLE" +
          std::string(kNotState) + " AND TRIGGER_NAME" + kNotState,
      &r));
  // (The row ledger's triggers, orchestrate_ledger_*, exist only while a seed runs, or after a
  // crash until the next seed: they are orchestrate's, not the schema's.)
  for (const Row& row : r.rows)
    out.push_back("trigger " + S(row[0]) + "." + S(row[1]) + " " + S(row[2]) + " " + S(row[3]) +
                  " " + ReplaceAll(S(row[4]), qualifier, ""));
  for (std::string& line : out) std::replace(line.begin(), line.end(), '\n', ' ');
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<std::string>> UserTables(Session& session) {
  QueryResult r;
  ORCH_RETURN_IF_ERROR(session.Run(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
      "TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME" +
          std::string(kNotState),
      &r));
  std::vector<std::string> out;
  for (const Row& row : r.rows) out.push_back(S(row[0]));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace mysql
}  // namespace orchestrate
