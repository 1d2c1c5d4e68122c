#include "migrations/mysql/ledger_dialect.h"

namespace orchestrate {
namespace {

const char kRefusal[] = "the row ledger (a seed's `tables:`) is not yet supported on MySQL/MariaDB";

// A statement that fails with the refusal.
std::string Failing() {
  return std::string("SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '") + kRefusal + "'";
}

class MysqlLedgerDialect final : public LedgerDialect {
 public:
  explicit MysqlLedgerDialect(const Database& db) : db_(db) {}

  Dialect StatementDialect() const override { return Dialect::kMysql; }
  std::string QuoteIdent(const std::string& name) const override { return db_.QuoteIdent(name); }
  Result<std::optional<ledger_internal::CatalogTable>> FindTable(
      Transaction& /*txn*/, const LedgerTable& /*declared*/) const override {
    return Status::Failed(kRefusal);
  }
  Result<std::vector<ledger_internal::ForeignKey>> ReferencingKeys(
      Transaction& /*txn*/, const std::string& /*table*/,
      const std::vector<std::string>& /*parent_pk*/) const override {
    return Status::Failed(kRefusal);
  }
  Status InstallCapture(Database& /*db*/, Transaction& /*txn*/,
                        LedgerCapture& /*cap*/) const override {
    return Status::Failed(kRefusal);
  }
  std::string SchemaObjectsQuery() const override { return Failing(); }
  Status RemoveCapture(Transaction& /*txn*/, const LedgerCapture& /*cap*/) const override {
    return Status::Failed(kRefusal);
  }
  std::string RecordedRows(const Chunk& /*c*/, const std::string& /*which*/,
                           const std::string& /*alias*/) const override {
    return Failing();
  }
  std::string RecordedColumn(const std::string& /*alias*/,
                             const std::string& /*col*/) const override {
    return Failing();
  }
  std::string TableRef(const Chunk& /*c*/) const override { return Failing(); }
  std::string AsText(const std::string& expr) const override {
    return "CAST(" + expr + " AS CHAR)";
  }
  std::string JoinOnKey(const ChunkSql& /*q*/, const std::string& /*t*/,
                        const std::string& /*which*/, const std::string& /*r*/) const override {
    return Failing();
  }
  std::string Unchanged(const Chunk& /*c*/, const std::string& /*t*/,
                        const std::string& /*r*/) const override {
    return Failing();
  }
  std::string InsertReversal(const ChunkSql& /*q*/, OnModified /*on_modified*/) const override {
    return Failing();
  }
  std::string UpdateReversal(const ChunkSql& /*q*/, OnModified /*on_modified*/) const override {
    return Failing();
  }
  std::string DeleteReversal(const ChunkSql& /*q*/) const override { return Failing(); }
  std::string DeleteReversalClear(const ChunkSql& /*q*/) const override { return Failing(); }
  std::string ReferencedRows(const ChunkSql& /*q*/, const ledger_internal::ForeignKey& /*fk*/,
                             OnModified /*on_modified*/,
                             const std::string& /*restrict_sql*/) const override {
    return Failing();
  }
  bool SlicesRanges() const override { return false; }
  std::string RecordRestoreSql() const override { return Failing(); }
  bool CapturesPerStatement() const override { return false; }

 private:
  const Database& db_;
};

}  // namespace

std::unique_ptr<LedgerDialect> NewMysqlLedgerDialect(const Database& db) {
  return std::make_unique<MysqlLedgerDialect>(db);
}

}  // namespace orchestrate
