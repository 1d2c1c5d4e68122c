#include "migrations/fingerprint.h"

#include <algorithm>
#include <utility>

#include "plans/sha256.h"

namespace orchestrate {
namespace {

// One row as text that cannot be confused with another row: each value length-prefixed, NULL
// distinct from any string.
std::string EncodeRow(const Row& row) {
  std::string out;
  for (const auto& v : row) {
    if (!v) {
      out += "N;";
    } else {
      out += std::to_string(v->size()) + ":" + *v + ";";
    }
  }
  return out;
}

}  // namespace

Result<Fingerprint> TakeFingerprint(Database& db, double lock_timeout_seconds, size_t keep_rows) {
  Fingerprint fp;
  auto schema = db.DescribeSchema();
  if (!schema.ok()) return schema.status();
  fp.schema = std::move(schema).value();
  std::string joined;
  for (const auto& line : fp.schema) joined += line + "\n";
  fp.schema_sha256 = Sha256Hex(joined);

  auto tables = db.UserTables();
  if (!tables.ok()) return tables.status();
  auto txn = db.BeginRead();
  if (!txn.ok()) return txn.status();
  ORCH_RETURN_IF_ERROR((*txn)->LimitWaits(lock_timeout_seconds, 0));
  std::string all;
  for (const auto& t : *tables) {
    auto rows = (*txn)->Query("SELECT * FROM " + db.QuoteIdent(t));
    if (!rows.ok()) return rows.status().WithContext("reading table " + t);
    std::vector<std::pair<std::string, size_t>> encoded;  // a row's text and its index
    encoded.reserve(rows->rows.size());
    for (size_t i = 0; i < rows->rows.size(); ++i)
      encoded.emplace_back(EncodeRow(rows->rows[i]), i);
    std::sort(encoded.begin(), encoded.end());
    std::string data;
    for (const auto& e : encoded) data += e.first + "\n";
    TableData td{t, static_cast<long>(encoded.size()), Sha256Hex(data), {}, {}};
    if (encoded.size() <= keep_rows) {
      td.columns = rows->columns;
      for (const auto& e : encoded) td.kept.push_back(std::move(rows->rows[e.second]));
    }
    all += td.table + " " + std::to_string(td.rows) + " " + td.sha256 + "\n";
    fp.tables.push_back(std::move(td));
  }
  fp.data_sha256 = Sha256Hex(all);
  return fp;
}

}  // namespace orchestrate
