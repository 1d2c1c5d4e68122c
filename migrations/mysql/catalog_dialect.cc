#include "migrations/mysql/catalog_dialect.h"

namespace orchestrate {
namespace {

class MysqlCatalogDialect final : public CatalogDialect {
 public:
  explicit MysqlCatalogDialect(const Database& db) : db_(db) {}

  Dialect StatementDialect() const override { return Dialect::kMysql; }
  // Table names are case-sensitive on Linux (lower_case_table_names = 0, the default there);
  // column names never are, but a name is matched as the catalog spells it.
  bool FoldsIdentifierCase() const override { return false; }

  // `table` may be qualified with a database ("shop.orders"); otherwise it is the current one's.
  Result<TableDescription> DescribeTable(Transaction& txn,
                                         const std::string& table) const override {
    TableDescription info;
    std::string schema, name = table;
    const std::size_t dot = table.find('.');
    if (dot != std::string::npos) {
      schema = table.substr(0, dot);
      name = table.substr(dot + 1);
    }
    const std::string in_schema = schema.empty() ? "DATABASE()" : "$2";
    std::vector<Value> params = {name};
    if (!schema.empty()) params.push_back(schema);
    auto found = txn.Query(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND "
        "TABLE_NAME = $1 AND TABLE_SCHEMA = " +
            in_schema,
        params);
    if (!found.ok()) return found.status();
    if (found->rows.empty()) return info;
    info.exists = true;
    info.name = found->rows[0][0].value_or(name);
    info.ref = (schema.empty() ? "" : db_.QuoteIdent(schema) + ".") + db_.QuoteIdent(info.name);
    auto cols = txn.Query(
        "SELECT c.COLUMN_NAME, c.COLUMN_TYPE, COALESCE(k.ORDINAL_POSITION, 0), c.IS_NULLABLE, "
        "c.GENERATION_EXPRESSION FROM information_schema.COLUMNS c LEFT JOIN "
        "information_schema.KEY_COLUMN_USAGE k ON k.TABLE_SCHEMA = c.TABLE_SCHEMA AND "
        "k.TABLE_NAME = c.TABLE_NAME AND k.COLUMN_NAME = c.COLUMN_NAME AND k.CONSTRAINT_NAME = "
        "'PRIMARY' WHERE c.TABLE_NAME = $1 AND c.TABLE_SCHEMA = " +
            in_schema + " ORDER BY c.ORDINAL_POSITION",
        params);
    if (!cols.ok()) return cols.status();
    for (const Row& r : cols->rows) {
      CatalogColumn c;
      c.name = r[0].value_or("");
      c.type = r[1].value_or("");
      c.key_position = static_cast<int>(ToLong(r[2]));
      c.not_null = r[3].value_or("") == "NO";
      c.generated = !r[4].value_or("").empty();
      info.columns.push_back(c);
    }
    return info;
  }

  // MySQL has no TRUNCATE ... CASCADE (TRUNCATE of a referenced table fails): `every_action`
  // adds the tables whose keys would refuse it.
  Result<std::vector<ReferencingTable>> ReferencingTables(Transaction& txn,
                                                          const std::string& table,
                                                          bool every_action) const override {
    auto r = txn.Query(
        "SELECT DISTINCT TABLE_NAME, DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS "
        "WHERE CONSTRAINT_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME = $1 AND TABLE_NAME <> $1" +
            std::string(
                every_action ? "" : " AND DELETE_RULE IN ('CASCADE', 'SET NULL', 'SET DEFAULT')"),
        {table});
    if (!r.ok()) return r.status();
    std::vector<ReferencingTable> out;
    for (const Row& row : r->rows) out.push_back({row[0].value_or(""), row[1].value_or("")});
    return out;
  }

  // Exact: InnoDB's TABLE_ROWS is an estimate that may be far off for small tables.
  TableSize EstimateSize(Transaction& txn, const TableDescription& table,
                         const std::vector<std::string>& columns) const override {
    std::vector<std::string> counted = columns;
    if (counted.empty())
      for (const auto& c : table.columns) counted.push_back(c.name);
    std::string sum;
    for (const std::string& c : counted)
      sum += (sum.empty() ? "" : " + ") + std::string("COALESCE(LENGTH(") + db_.QuoteIdent(c) +
             "), 0)";
    if (sum.empty()) sum = "0";
    TableSize size;
    auto n = txn.Query("SELECT COUNT(*), COALESCE(SUM(" + sum + "), 0) FROM " + table.ref);
    if (n.ok() && !n->rows.empty()) {
      size.rows = ToLong(n->rows[0][0]);
      size.bytes = ToLong(n->rows[0][1]);
    }
    return size;
  }

  Result<long> CountChanged(Transaction& txn, const std::string& sql) const override {
    return txn.ExecCount(sql);
  }
  // CREATE TABLE ... SELECT commits by itself, rows and all, whatever becomes of the step: the
  // copy is made empty (that commits) and filled by an INSERT, which commits with the step.
  bool CreateTableAsCountsRows() const override { return false; }
  // InnoDB's AUTO_INCREMENT moves past an explicit value by itself.
  Status AdvanceSequences(Transaction& /*txn*/, const std::string& /*ref*/,
                          const std::vector<std::string>& /*columns*/) const override {
    return Status::Ok();
  }

  std::string StoredText(const std::string& expr) const override {
    return "CAST(" + expr + " AS CHAR)";
  }
  std::string FromStored(const std::string& expr, const std::string& /*type*/) const override {
    return expr;
  }
  // <=> is MySQL's NULL-safe equality.
  std::string KeyEquals(const std::string& lhs, const std::string& rhs,
                        const CatalogColumn* /*column*/) const override {
    return lhs + " <=> " + rhs;
  }
  // MySQL's multi-table UPDATE: the copy joined to the table, the assigned columns qualified
  // (the copy has columns of the same names).
  std::string UpdateFrom(const std::string& target, const std::vector<std::string>& columns,
                         const std::vector<std::string>& values, const std::string& source,
                         const std::string& match) const override {
    std::string set;
    for (size_t i = 0; i < columns.size() && i < values.size(); ++i)
      set += (set.empty() ? "" : ", ") + std::string("t.") + columns[i] + " = " + values[i];
    return "UPDATE " + target + " AS t JOIN " + source + " AS s ON " + match + " SET " + set;
  }
  std::string OverridingGenerated() const override { return ""; }

  std::string CopyNamePrefix() const override { return "orchestrate_snap_"; }
  size_t MaxNameBytes() const override { return 64; }
  std::string CopyRef(const std::string& name) const override { return db_.QuoteIdent(name); }

 private:
  const Database& db_;
};

}  // namespace

std::unique_ptr<CatalogDialect> NewMysqlCatalogDialect(const Database& db) {
  return std::make_unique<MysqlCatalogDialect>(db);
}

}  // namespace orchestrate
