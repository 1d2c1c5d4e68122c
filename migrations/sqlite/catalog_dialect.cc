#include "migrations/sqlite/catalog_dialect.h"

namespace orchestrate {
namespace {

class SqliteCatalogDialect final : public CatalogDialect {
 public:
  explicit SqliteCatalogDialect(const Database& db) : db_(db) {}

  Dialect StatementDialect() const override { return Dialect::kSqlite; }
  bool FoldsIdentifierCase() const override { return true; }

  // The table is found without case and named as created; a "main." in front is the database
  // every table of orchestrate's is in.
  Result<TableDescription> DescribeTable(Transaction& txn,
                                         const std::string& table) const override {
    TableDescription info;
    std::string name = table;
    if (TableDescription::SameIdentifier(name.substr(0, 5), "main.", true)) name = name.substr(5);
    auto found = txn.Query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = $1 COLLATE NOCASE", {name});
    if (!found.ok()) return found.status();
    if (found->rows.empty()) return info;
    info.exists = true;
    info.name = found->rows[0][0].value_or(name);
    info.ref = db_.QuoteIdent(info.name);
    // table_info leaves out generated (hidden) columns: they are neither copied nor restored.
    auto cols = txn.Query(
        "SELECT name, type, pk, \"notnull\" FROM pragma_table_info($1) ORDER BY cid", {info.name});
    if (!cols.ok()) return cols.status();
    for (const Row& r : cols->rows) {
      CatalogColumn c;
      c.name = r[0].value_or("");
      c.type = r[1].value_or("");
      c.key_position = static_cast<int>(ToLong(r[2]));
      c.not_null = ToLong(r[3]) != 0;
      info.columns.push_back(c);
    }
    return info;
  }

  // SQLite has no TRUNCATE: `every_action` is not asked for.
  Result<std::vector<ReferencingTable>> ReferencingTables(Transaction& txn,
                                                          const std::string& table,
                                                          bool /*every_action*/) const override {
    auto r = txn.Query(
        "SELECT DISTINCT m.name, f.on_delete FROM sqlite_master m, pragma_foreign_key_list(m.name) "
        "f WHERE m.type = 'table' AND f.\"table\" = $1 COLLATE NOCASE AND m.name <> $1 COLLATE "
        "NOCASE AND f.on_delete IN ('CASCADE', 'SET NULL', 'SET DEFAULT')",
        {table});
    if (!r.ok()) return r.status();
    std::vector<ReferencingTable> out;
    for (const Row& row : r->rows) out.push_back({row[0].value_or(""), row[1].value_or("")});
    return out;
  }

  // No statistics to ask: counts the rows and the bytes of the columns' values.
  TableSize EstimateSize(Transaction& txn, const TableDescription& table,
                         const std::vector<std::string>& columns) const override {
    std::vector<std::string> counted = columns;
    if (counted.empty())
      for (const auto& c : table.columns) counted.push_back(c.name);
    std::string sum;
    for (const std::string& c : counted)
      sum += (sum.empty() ? "" : " + ") + std::string("COALESCE(length(") + db_.QuoteIdent(c) +
             "), 0)";
    TableSize size;
    auto n = txn.Query("SELECT COUNT(*), COALESCE(SUM(" + sum + "), 0) FROM " + table.ref);
    if (n.ok() && !n->rows.empty()) {
      size.rows = ToLong(n->rows[0][0]);
      size.bytes = ToLong(n->rows[0][1]);
    }
    return size;
  }

  Result<long> CountChanged(Transaction& txn, const std::string& sql) const override {
    ORCH_RETURN_IF_ERROR(txn.Exec(sql));
    auto n = txn.Query("SELECT changes()");  // of the last statement on this connection
    if (!n.ok()) return n.status();
    return n->rows.empty() ? 0L : ToLong(n->rows[0][0]);
  }
  bool CreateTableAsCountsRows() const override { return false; }

  // An INTEGER PRIMARY KEY (the rowid) continues from the largest one in the table.
  Status AdvanceSequences(Transaction& /*txn*/, const std::string& /*ref*/,
                          const std::vector<std::string>& /*columns*/) const override {
    return Status::Ok();
  }

  // No column is stored as text (store_as_text is never set): what a cast would be.
  std::string StoredText(const std::string& expr) const override {
    return "CAST(" + expr + " AS TEXT)";
  }
  // A column has an affinity, not a type: the stored value is compared and written as it is.
  std::string FromStored(const std::string& expr, const std::string& /*type*/) const override {
    return expr;
  }
  // IS uses indexes; primary keys other than INTEGER may hold NULLs.
  std::string KeyEquals(const std::string& lhs, const std::string& rhs,
                        const CatalogColumn* /*column*/) const override {
    return lhs + " IS " + rhs;
  }
  std::string OverridingGenerated() const override { return ""; }

  std::string CopyNamePrefix() const override { return "orchestrate_snap_"; }
  size_t MaxNameBytes() const override { return 0; }
  std::string CopyRef(const std::string& name) const override { return db_.QuoteIdent(name); }

 private:
  const Database& db_;
};

}  // namespace

std::unique_ptr<CatalogDialect> NewSqliteCatalogDialect(const Database& db) {
  return std::make_unique<SqliteCatalogDialect>(db);
}

}  // namespace orchestrate
