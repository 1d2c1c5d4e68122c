// Capture (migrations/ledger.h: BeginLedgerCapture, EndLedgerCapture), without naming a dialect:
// refuses a seed whose SQL changes the schema, resolves its declared tables in the catalog,
// installs the dialect's capture (LedgerDialect::InstallCapture), and at the end compares the
// schema with what it was before removing the capture, which leaves the recorded rows in
// orchestrate_ledger as chunks.
#include <algorithm>
#include <map>

#include "migrations/analysis/analysis.h"
#include "migrations/ledger.h"
#include "migrations/ledger/chunk.h"
#include "migrations/ledger/dialect.h"

namespace orchestrate {
namespace {

using ledger_internal::CatalogTable;
using ledger_internal::Join;

std::string SeedLabel(const Step& seed) {
  return "seed " + seed.id + " (release " + seed.release + ")";
}

// ---- the catalog --------------------------------------------------------------------------------

Result<LedgerTableInfo> ResolveTable(Database& db, Transaction& txn, const Step& seed,
                                     const LedgerTable& declared) {
  auto found = db.Ledger().FindTable(txn, declared);
  if (!found.ok()) return found.status();
  if (!*found)
    return Status::Invalid(SeedLabel(seed) + " declares table '" + declared.name +
                           "', which does not exist: create it in a migration of this or an "
                           "earlier release, or fix the seed's tables: list");
  CatalogTable& table = **found;
  LedgerTableInfo info;
  info.name = std::move(table.name);
  info.columns = std::move(table.columns);
  info.int_key = table.int_key;
  const std::vector<std::string>& pk = table.primary_key;
  if (!declared.key.empty()) {
    for (const auto& k : declared.key)
      if (std::find(info.columns.begin(), info.columns.end(), k) == info.columns.end())
        return Status::Invalid(SeedLabel(seed) + ": key column '" + k + "' of table '" +
                               declared.name +
                               "' does not exist (columns: " + Join(info.columns, ", ") + ")");
    info.key = declared.key;
  } else if (!pk.empty()) {
    info.key = pk;
  } else {
    return Status::Invalid(
        SeedLabel(seed) + ": table '" + declared.name +
        "' has no primary key, so the ledger cannot find its rows again; declare key columns "
        "that identify a row: tables: [{name: " +
        declared.name + ", key: [column, ...]}]");
  }
  return info;
}

// The schema objects a seed must leave as it found them, by name
// (LedgerDialect::SchemaObjectsQuery).
Result<std::map<std::string, std::string>> SchemaObjects(Database& db, Transaction& txn) {
  auto rows = txn.Query(db.Ledger().SchemaObjectsQuery());
  if (!rows.ok()) return rows.status();
  std::map<std::string, std::string> out;
  for (const auto& r : rows->rows) out[r[0].value_or("")] = r[1].value_or("");
  return out;
}

// What changed between two SchemaObjects, e.g. "table members dropped"; empty when nothing.
std::vector<std::string> SchemaDifferences(const std::map<std::string, std::string>& before,
                                           const std::map<std::string, std::string>& after) {
  std::vector<std::string> out;
  for (const auto& [name, desc] : before) {
    auto it = after.find(name);
    if (it == after.end())
      out.push_back(name + " dropped");
    else if (it->second != desc)
      out.push_back(name + " changed");
  }
  for (const auto& [name, desc] : after)
    if (!before.count(name)) out.push_back(name + " created");
  return out;
}

// At the end of the seed: kInvalid naming what changed when the schema is not as the seed found
// it (cap.schema_before).
Status CheckSchemaUnchanged(Database& db, Transaction& txn, const LedgerCapture& cap) {
  auto schema = SchemaObjects(db, txn);
  if (!schema.ok()) return schema.status();
  std::vector<std::string> changed = SchemaDifferences(cap.schema_before, *schema);
  if (changed.empty()) return Status::Ok();
  // The analysis refused every statement it understood that does this: the culprit is one it
  // does not understand.
  std::string opaque;
  for (const auto& st : AnalyzeScript(db.Ledger().StatementDialect(), cap.sql).statements)
    if (!st.analysable)
      opaque += "\n  line " + std::to_string(st.line) + ": " + st.kind + " (" +
                st.text.substr(0, std::min<size_t>(st.text.size(), 60)) +
                (st.text.size() > 60 ? "...)" : ")");
  if (changed.size() > 5) {
    size_t more = changed.size() - 5;
    changed.resize(5);
    changed.push_back("and " + std::to_string(more) + " more");
  }
  return Status::Invalid(
      "seed " + cap.seed_id + " (release " + cap.release +
      ") changed the schema: " + Join(changed, ", ") + "; nothing of the seed was applied." +
      (opaque.empty() ? "" : "\nstatements that can do that:" + opaque) +
      "\na seed may only write rows of the tables it declares: move schema changes into a "
      "migration (if another session changed the schema while the seed ran, run again)");
}

// Installs the dialect's capture, then notes the schema as the seed finds it (with the capture's
// own objects) and refuses schema changes up front where the adapter can (SQLite: an authorizer;
// elsewhere the comparison at the end of the seed catches them).
Status InstallCapture(Database& db, Transaction& txn, LedgerCapture& cap) {
  ORCH_RETURN_IF_ERROR(db.Ledger().InstallCapture(db, txn, cap));
  auto schema = SchemaObjects(db, txn);
  if (!schema.ok()) return schema.status();
  cap.schema_before = std::move(*schema);
  (void)txn.RefuseSchemaChanges(true, "seed " + cap.seed_id + " (release " + cap.release +
                                          ") may only write rows of the tables it declares: "
                                          "move schema changes into a migration");
  return Status::Ok();
}

}  // namespace

Result<LedgerCapture> BeginLedgerCapture(Database& db, Transaction& txn, const Step& seed,
                                         int batch_rows) {
  auto ddl = SchemaChangesInSeed(db.Ledger().StatementDialect(), seed.sql, SeedLabel(seed));
  if (!ddl.empty())
    return Status::Invalid("line " + Join(ddl, "\nline ") + "\nnothing of the seed ran");
  LedgerCapture cap;
  cap.seed_id = seed.id;
  cap.sql = seed.sql;
  cap.release = seed.release;
  cap.batch_rows = std::max(1, batch_rows);
  for (const auto& t : seed.tables) {
    auto info = ResolveTable(db, txn, seed, t);
    if (!info.ok()) return info.status();
    cap.tables.push_back(std::move(*info));
  }
  Status st = InstallCapture(db, txn, cap);
  if (!st.ok()) return st.WithContext("cannot set up the row ledger for " + SeedLabel(seed));
  return cap;
}

Status EndLedgerCapture(Database& db, Transaction& txn, const LedgerCapture& capture) {
  (void)txn.RefuseSchemaChanges(false, "");
  ORCH_RETURN_IF_ERROR(CheckSchemaUnchanged(db, txn, capture));
  return db.Ledger().RemoveCapture(txn, capture);
}

}  // namespace orchestrate
