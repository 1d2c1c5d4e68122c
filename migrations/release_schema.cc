#include "migrations/release_schema.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "migrations/state_schema.h"
#include "plans/sha256.h"

namespace orchestrate {
namespace {

// Lines are stored as a JSON array: a line may hold any character (a default's text).
std::string ToJson(const std::vector<std::string>& lines) { return nlohmann::json(lines).dump(); }

Result<std::vector<std::string>> FromJson(const std::string& text, const std::string& what) {
  try {
    return nlohmann::json::parse(text).get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return Status::Failed(what + " is not a JSON array of lines: " + e.what());
  }
}

std::string Sha256OfLines(const std::vector<std::string>& lines) {
  std::string joined;
  for (const auto& line : lines) joined += line + "\n";
  return Sha256Hex(joined);
}

// "column t.c text null" -> ("t.c", "column"): what the line describes, for ordering a diff.
std::pair<std::string, std::string> ObjectOf(const std::string& line) {
  const size_t kind_end = line.find(' ');
  if (kind_end == std::string::npos) return {line, ""};
  const size_t name_end = line.find(' ', kind_end + 1);
  return {line.substr(kind_end + 1,
                      name_end == std::string::npos ? std::string::npos : name_end - kind_end - 1),
          line.substr(0, kind_end)};
}

Result<bool> HasTable(Database& db, Transaction& txn, const std::string& table) {
  return StateTableExists(txn, db, table);
}

}  // namespace

Status RecordReleaseSchema(Database& db, const std::string& version, int64_t run_id,
                           const std::string& now) {
  auto lines = db.DescribeSchema();
  if (!lines.ok()) return lines.status().WithContext("describing the schema of " + version);
  auto txn = db.Begin();
  if (!txn.ok()) return txn.status();
  ORCH_RETURN_IF_ERROR(WriteReleaseSchema(**txn, version, *lines, run_id, now));
  return (*txn)->Commit();
}

Status WriteReleaseSchema(Transaction& txn, const std::string& version,
                          const std::vector<std::string>& lines, int64_t run_id,
                          const std::string& now) {
  return txn.ExecAtCommit(
      "INSERT INTO orchestrate_release_schemas (version, schema_text, schema_sha256, "
      "recorded_at, run_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO UPDATE SET "
      "schema_text = EXCLUDED.schema_text, schema_sha256 = EXCLUDED.schema_sha256, recorded_at "
      "= EXCLUDED.recorded_at, run_id = EXCLUDED.run_id",
      {version, ToJson(lines), Sha256OfLines(lines), now, std::to_string(run_id)});
}

Result<std::optional<RecordedSchema>> LoadReleaseSchema(Database& db, const std::string& version) {
  auto txn = db.BeginRead();
  if (!txn.ok()) return txn.status();
  auto has = HasTable(db, **txn, "orchestrate_release_schemas");
  if (!has.ok()) return has.status();
  if (!*has) return std::optional<RecordedSchema>();
  auto r = (*txn)->Query(
      "SELECT schema_text, schema_sha256, recorded_at, run_id FROM orchestrate_release_schemas "
      "WHERE version = $1",
      {version});
  if (!r.ok()) return r.status().WithContext("reading the recorded schema of " + version);
  if (r->rows.empty()) return std::optional<RecordedSchema>();
  const Row& row = r->rows[0];
  auto lines = FromJson(row[0].value_or(""), "the recorded schema of " + version);
  if (!lines.ok()) return lines.status();
  RecordedSchema out;
  out.version = version;
  out.lines = std::move(lines).value();
  out.sha256 = row[1].value_or("");
  out.recorded_at = row[2].value_or("");
  out.run_id = ToLong(row[3]);
  return std::optional<RecordedSchema>(std::move(out));
}

std::string WithoutColumnPosition(const std::string& line) {
  if (line.rfind("column ", 0) != 0) return line;
  const size_t hash = line.find(" #");
  if (hash == std::string::npos) return line;
  const size_t end = line.find(' ', hash + 2);
  return line.substr(0, hash) + (end == std::string::npos ? "" : line.substr(end));
}

std::vector<std::string> ColumnOrderChanges(const std::vector<std::string>& before,
                                            const std::vector<std::string>& after) {
  // Each table's columns in the order the description lists them: "t" -> "a, b, c".
  auto orders = [](const std::vector<std::string>& schema) {
    std::map<std::string, std::string> out;
    for (const auto& line : schema) {
      if (line.rfind("column ", 0) != 0) continue;
      const std::string qualified = ObjectOf(line).first;
      const size_t dot = qualified.find('.');
      if (dot == std::string::npos) continue;
      std::string& cols = out[qualified.substr(0, dot)];
      cols += (cols.empty() ? "" : ", ") + qualified.substr(dot + 1);
    }
    return out;
  };
  const auto was = orders(before), now = orders(after);
  std::vector<std::string> out;
  for (const auto& [table, cols] : was) {
    auto it = now.find(table);
    if (it == now.end() || it->second == cols) continue;
    // The same columns in another order (a column added or dropped shows as a line of its own).
    auto sorted = [](std::string list) {
      std::vector<std::string> names;
      size_t start = 0;
      for (size_t comma; (comma = list.find(", ", start)) != std::string::npos; start = comma + 2)
        names.push_back(list.substr(start, comma - start));
      names.push_back(list.substr(start));
      std::sort(names.begin(), names.end());
      return names;
    };
    if (sorted(cols) == sorted(it->second))
      out.push_back("column order of " + table + ": (" + cols + ") -> (" + it->second + ")");
  }
  return out;
}

std::vector<std::string> SchemaDiff(const std::vector<std::string>& recorded,
                                    const std::vector<std::string>& live) {
  std::multiset<std::string> a, b;
  for (const auto& line : recorded) a.insert(WithoutColumnPosition(line));
  for (const auto& line : live) b.insert(WithoutColumnPosition(line));
  // (object, kind, 0 for "-" or 1 for "+", line): a changed object's "-" and "+" lines stand
  // together, the recorded one first. Lines without a column's position: a reordering is told
  // once, below, rather than as every column that moved.
  std::vector<std::tuple<std::string, std::string, int, std::string>> out;
  for (const auto& line : a)
    if (!b.count(line)) {
      auto [object, kind] = ObjectOf(line);
      out.emplace_back(object, kind, 0, line);
    }
  for (const auto& line : b)
    if (!a.count(line)) {
      auto [object, kind] = ObjectOf(line);
      out.emplace_back(object, kind, 1, line);
    }
  std::sort(out.begin(), out.end());
  std::vector<std::string> lines;
  lines.reserve(out.size());
  for (const auto& [object, kind, sign, line] : out)
    lines.push_back((sign == 0 ? "- " : "+ ") + line);
  for (const auto& change : ColumnOrderChanges(recorded, live)) lines.push_back("~ " + change);
  return lines;
}

Result<std::optional<std::vector<std::string>>> CompareWithRecorded(Database& db,
                                                                    const std::string& version) {
  using Out = std::optional<std::vector<std::string>>;
  auto recorded = LoadReleaseSchema(db, version);
  if (!recorded.ok()) return recorded.status();
  if (!*recorded) return Out();
  auto live = db.DescribeSchema();
  if (!live.ok()) return live.status().WithContext("describing the schema");
  return Out(SchemaDiff((*recorded)->lines, *live));
}

Result<std::optional<std::vector<std::string>>> CompareCurrentWithRecorded(
    Database& db, std::optional<std::string>* current) {
  using Out = std::optional<std::vector<std::string>>;
  current->reset();
  std::optional<std::string> text, sha;
  {
    auto txn = db.BeginRead();
    if (!txn.ok()) return txn.status();
    auto r = (*txn)->Query(
        "SELECT r.version, s.schema_text, s.schema_sha256 FROM (SELECT version FROM "
        "orchestrate_releases ORDER BY seq DESC LIMIT 1) r LEFT JOIN orchestrate_release_schemas "
        "s ON s.version = r.version");
    if (!r.ok()) return r.status().WithContext("reading the current release's recorded schema");
    if (r->rows.empty()) return Out();  // nothing deployed
    *current = r->rows[0][0];
    text = r->rows[0][1];
    sha = r->rows[0][2];
  }
  if (!*current || !text) return Out();
  auto live = db.DescribeSchema();
  if (!live.ok()) return live.status().WithContext("describing the schema");
  if (sha && *sha == Sha256OfLines(*live)) return Out(std::vector<std::string>());
  auto lines = FromJson(*text, "the recorded schema of " + **current);
  if (!lines.ok()) return lines.status();
  return Out(SchemaDiff(*lines, *live));
}

Status RecordSchemaCheck(Database& db, const SchemaCheck& check) {
  auto txn = db.Begin();
  if (!txn.ok()) return txn.status();
  ORCH_RETURN_IF_ERROR((*txn)->Exec(
      "INSERT INTO orchestrate_schema_checks (run_id, release, checked_at, differences) VALUES "
      "($1, $2, $3, $4) ON CONFLICT (run_id, release) DO UPDATE SET checked_at = "
      "EXCLUDED.checked_at, differences = EXCLUDED.differences",
      {std::to_string(check.run_id), check.release, check.checked_at, ToJson(check.differences)}));
  return (*txn)->Commit();
}

Result<std::vector<SchemaCheck>> LoadSchemaChecks(Database& db) {
  std::vector<SchemaCheck> out;
  auto txn = db.BeginRead();
  if (!txn.ok()) return txn.status();
  auto has = HasTable(db, **txn, "orchestrate_schema_checks");
  if (!has.ok()) return has.status();
  if (!*has) return out;
  auto r = (*txn)->Query(
      "SELECT run_id, release, checked_at, differences FROM orchestrate_schema_checks ORDER BY "
      "run_id, release");
  if (!r.ok()) return r.status().WithContext("reading the schema checks");
  for (const Row& row : r->rows) {
    SchemaCheck c;
    c.run_id = ToLong(row[0]);
    c.release = row[1].value_or("");
    c.checked_at = row[2].value_or("");
    auto diffs = FromJson(row[3].value_or(""), "a schema check of run " + std::to_string(c.run_id));
    if (!diffs.ok()) return diffs.status();
    c.differences = std::move(diffs).value();
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace orchestrate
