#include "migrations/catalog.h"

#include <sstream>
#include <string>

namespace orchestrate {

Result<SchemaFacts> ReadSchemaFacts(Database& db) {
  SchemaFacts facts;
  const std::string query = db.SchemaFactsQuery();
  if (query.empty()) return facts;  // nothing to resolve (SQLite: one database-wide lock)
  auto txn = db.BeginRead();
  if (!txn.ok()) return txn.status().WithContext("reading the catalog's indexes and foreign keys");
  auto rows = (*txn)->Query(query);
  if (!rows.ok())
    return rows.status().WithContext("reading the catalog's indexes and foreign keys");
  for (const auto& r : rows->rows) {
    auto at = [&](size_t i) { return i < r.size() ? r[i].value_or("") : std::string(); };
    if (at(0) == "i") {
      facts.index_table[at(2)] = at(1);
      continue;
    }
    ForeignKey fk;
    fk.table = at(1);
    fk.name = at(2);
    fk.referenced = at(3);
    fk.on_delete = at(4).empty() ? 'a' : at(4)[0];
    std::istringstream columns(at(5));
    for (std::string c; std::getline(columns, c, ',');) fk.columns.push_back(c);
    facts.foreign_keys.push_back(std::move(fk));
  }
  facts.from_catalog = true;
  return facts;
}

}  // namespace orchestrate
