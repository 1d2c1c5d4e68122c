// Diesel: migrations/<version>_<name>/up.sql and down.sql. As Diesel reads them, a migration's
// version is its folder name up to the first '_' with every '-' removed (2017-08-31-010203_x has
// the version 20170831010203, the same as 20170831010203_x), and migrations run in the order of
// their versions compared as text, whatever the folder names look like; two folders with one
// version are an error. Folders whose names start with '.' are not migrations. down.sql may be
// missing (`diesel migration generate --no-down`). metadata.toml's `run_in_transaction = false`
// becomes `transactional: false`.
#include <algorithm>
#include <map>
#include <sstream>

#include "orchestrator/importers/internal.h"

namespace orchestrate::importers {
namespace {

bool RunsOutsideTransaction(const std::string& metadata) {
  std::istringstream in(metadata);
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line.substr(0, line.find('#')));
    auto eq = line.find('=');
    if (eq != std::string::npos && Trim(line.substr(0, eq)) == "run_in_transaction" &&
        Trim(line.substr(eq + 1)) == "false")
      return true;
  }
  return false;
}

// The dialect of a Diesel project: its .env's DATABASE_URL (what the Diesel CLI reads), else the
// backend feature its Cargo.toml enables for the diesel crate.
void DetectDialect(const std::string& migrations_dir, Source* src) {
  std::string project = migrations_dir.substr(0, migrations_dir.rfind('/'));
  std::string text;
  std::string env = FindUpwards(project, {".env"}, 3);
  if (!env.empty() && ReadText(env, &text).ok()) {
    std::string url = ConfigValue(text, {"DATABASE_URL"});
    src->dialect = DialectOfUrl(url);
    if (!src->dialect.empty()) {
      src->dialect_source = env + ": DATABASE_URL";
      return;
    }
  }
  std::string cargo = FindUpwards(project, {"Cargo.toml"}, 1);
  if (cargo.empty() || !ReadText(cargo, &text).ok()) return;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.rfind("diesel", 0) != 0 || line.rfind("diesel_", 0) == 0) continue;
    for (const auto& [feature, dialect] : std::vector<std::pair<std::string, std::string>>{
             {"\"postgres\"", "postgresql"}, {"\"sqlite\"", "sqlite"}, {"\"mysql\"", "mysql"}})
      if (line.find(feature) != std::string::npos) {
        src->dialect = dialect;
        src->dialect_source = cargo + ": diesel's feature " + feature;
        return;
      }
  }
}

}  // namespace

std::string DieselVersion(const std::string& folder_name) {
  std::string version;
  for (char c : folder_name.substr(0, folder_name.find('_')))
    if (c != '-') version.push_back(c);
  return version;
}

Result<Source> ReadDiesel(const std::string& project_or_migrations) {
  std::string dir = project_or_migrations;
  if (IsDir(JoinPath(dir, "migrations"))) dir = JoinPath(dir, "migrations");
  auto names = ListDir(dir);
  if (!names.ok()) return names.status();
  Source src;
  src.format = ImportFormat::kDiesel;
  std::map<std::string, SourceMigration> by_version;  // Diesel's order: versions as text
  for (const auto& name : *names) {
    std::string folder = JoinPath(dir, name);
    if (!IsDir(folder) || name[0] == '.') continue;
    auto us = name.find('_');
    if (us == std::string::npos || us == 0) {
      src.notes.push_back(folder + ": skipped: not named VERSION_NAME");
      continue;
    }
    SourceMigration mig;
    mig.name = name;
    mig.id = SanitizeId(name);
    mig.version = DieselVersion(name);
    mig.up = JoinPath(folder, "up.sql");
    mig.origin = folder;
    if (mig.version.empty())
      return Status::Invalid(folder +
                             ": its version (the name before the first '_', without '-') "
                             "is empty: rename the folder");
    if (!IsFile(mig.up))
      return Status::Invalid(folder +
                             ": no up.sql: Diesel needs one in every migration folder; "
                             "add it or remove the folder");
    if (IsFile(JoinPath(folder, "down.sql"))) mig.down = JoinPath(folder, "down.sql");
    std::string metadata;
    if (IsFile(JoinPath(folder, "metadata.toml")) &&
        ReadText(JoinPath(folder, "metadata.toml"), &metadata).ok())
      mig.transactional = !RunsOutsideTransaction(metadata);
    auto [it, inserted] = by_version.emplace(mig.version, mig);
    if (!inserted)
      return Status::Invalid(folder + " and " + it->second.origin +
                             " have the same Diesel version " + mig.version +
                             " (the name before the first '_', without '-'): Diesel would refuse "
                             "them too; rename one");
  }
  if (by_version.empty())
    return Status::Invalid(dir +
                           ": no Diesel migrations (VERSION_NAME/up.sql) here: pass the "
                           "project folder or its migrations/ folder");
  // A timestamp version (2024-01-15-093000, 20240115093000) groups by its day.
  bool dates = std::all_of(by_version.begin(), by_version.end(), [](const auto& entry) {
    return AllDigits(entry.first) && entry.first.size() >= 12;
  });
  DetectDialect(dir, &src);
  for (auto& [version, mig] : by_version) {
    if (dates) mig.prefix = version.substr(0, 8);
    src.migrations.push_back(std::move(mig));
  }
  if (!dates)
    src.no_prefix_reason =
        "Diesel versions group by prefix only when they are timestamps (YYYY-MM-DD-hhmmss or "
        "YYYYMMDDhhmmss: grouped by day): use --group-by N";
  return src;
}

}  // namespace orchestrate::importers
