#include "migrations/ledger/chunk.h"

#include <algorithm>

#include "plans/names.h"

namespace orchestrate {

LedgerDialect::~LedgerDialect() = default;

namespace {
constexpr std::pair<LedgerOp, const char*> kLedgerOps[] = {
    {LedgerOp::kInsert, "insert"}, {LedgerOp::kUpdate, "update"}, {LedgerOp::kDelete, "delete"}};
}  // namespace

const char* Name(LedgerOp op) { return NameIn(kLedgerOps, op, "insert"); }
std::optional<LedgerOp> LedgerOpFromName(std::string_view name) {
  return FromNameIn(kLedgerOps, name);
}

namespace ledger_internal {

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string ChunkSql::Rows(const std::string& which, const std::string& alias) const {
  return d_.RecordedRows(c_, which, alias);
}

std::string ChunkSql::Col(const std::string& alias, const std::string& col) const {
  return d_.RecordedColumn(alias, col);
}

std::string ChunkSql::Table() const { return d_.TableRef(c_); }

std::string ChunkSql::Unchanged(const std::string& t, const std::string& r) const {
  return d_.Unchanged(c_, t, r);
}

std::string ChunkSql::JoinOnKey(const std::string& t, const std::string& which,
                                const std::string& r) const {
  return d_.JoinOnKey(*this, t, which, r);
}

std::string ChunkSql::KeyMatch(const std::string& t, const std::string& r) const {
  std::vector<std::string> parts;
  for (const auto& k : c_.key) parts.push_back(t + "." + d_.QuoteIdent(k) + " = " + Col(r, k));
  return Join(parts, " AND ");
}

std::string ChunkSql::KeyColumns(const std::string& t) const {
  std::vector<std::string> parts;
  for (const auto& k : c_.key) parts.push_back((t.empty() ? "" : t + ".") + d_.QuoteIdent(k));
  return Join(parts, ", ");
}

std::string ChunkSql::KeyTuple(const std::string& t) const { return "(" + KeyColumns(t) + ")"; }

std::string ChunkSql::KeyList(const std::string& t) const {
  std::vector<std::string> parts;
  for (const auto& k : c_.key) parts.push_back(d_.AsText(t + "." + d_.QuoteIdent(k)));
  return Join(parts, ", ");
}

std::string ChunkSql::DeletedKeys(OnModified on_modified) const {
  return "SELECT " + KeyColumns("d") + " FROM " + JoinOnKey("d", "new_rows", "dr") +
         (on_modified == OnModified::kRevert ? "" : " WHERE " + Unchanged("d", "dr"));
}

std::vector<std::string> ChunkSql::OldValueAssignments(const std::string& o) const {
  std::vector<std::string> sets;
  for (const auto& col : c_.columns)
    if (std::find(c_.key.begin(), c_.key.end(), col) == c_.key.end())
      sets.push_back(d_.QuoteIdent(col) + " = " + Col(o, col));
  return sets;
}

std::string ChunkSql::InsertDeletedRows() const {
  std::vector<std::string> cols, vals;
  for (const auto& col : c_.columns) {
    cols.push_back(d_.QuoteIdent(col));
    vals.push_back(Col("o", col));
  }
  return "INSERT INTO " + Table() + " (" + Join(cols, ", ") + ") SELECT " + Join(vals, ", ") +
         " FROM " + Rows("old_rows", "o") + " WHERE NOT EXISTS (SELECT 1 FROM " + Table() +
         " t WHERE " + KeyMatch("t", "o") + ")";
}

// (A correlated subquery would scan the child table once per row when its columns have no index.)
std::string ChunkSql::ReferencedKeys(const ForeignKey& fk, OnModified on_modified,
                                     const std::string& restrict_sql) const {
  std::vector<std::string> child_cols, parent_cols;
  for (size_t i = 0; i < fk.child_cols.size() && i < fk.parent_cols.size(); ++i) {
    child_cols.push_back("ch." + fk.child_cols[i]);
    parent_cols.push_back("p." + fk.parent_cols[i]);
  }
  return "SELECT " + KeyList("p") + " FROM " + JoinOnKey("p", "new_rows", "r") + " WHERE (" +
         Join(parent_cols, ", ") + ") IN (SELECT " + Join(child_cols, ", ") + " FROM " + fk.child +
         " ch" +
         (fk.same_table ? " WHERE " + KeyTuple("ch") + " NOT IN (" + DeletedKeys(on_modified) + ")"
                        : "") +
         ")" + restrict_sql;
}

}  // namespace ledger_internal
}  // namespace orchestrate
