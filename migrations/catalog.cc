#include "migrations/catalog.h"

#include <sstream>
#include <string>

namespace orchestrate {
namespace {

// One row per index ('i': table, index) and per foreign key ('f': table, name, referenced table,
// ON DELETE action, columns comma-separated), outside the system schemas; regclass::text names a
// relation as the analyzer does (schema-qualified only when its schema is not on the search_path).
const char kFacts[] =
    "WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', "
    "'information_schema') AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp%') "
    "SELECT 'i', i.indrelid::regclass::text, i.indexrelid::regclass::text, '', '', '' FROM "
    "pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN ns ON ns.oid = t.relnamespace "
    "UNION ALL SELECT 'f', c.conrelid::regclass::text, c.conname::text, "
    "c.confrelid::regclass::text, c.confdeltype::text, (SELECT string_agg(a.attname::text, ',' "
    "ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.conrelid AND a.attnum = ANY "
    "(c.conkey)) FROM pg_constraint c JOIN ns ON ns.oid = c.connamespace WHERE c.contype = 'f' "
    "ORDER BY 1, 2, 3";

}  // namespace

Result<SchemaFacts> ReadSchemaFacts(Database& db) {
  SchemaFacts facts;
  if (db.Dialect() != "postgresql") return facts;
  auto txn = db.BeginRead();
  if (!txn.ok()) return txn.status().WithContext("reading the catalog's indexes and foreign keys");
  auto rows = (*txn)->Query(kFacts);
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
