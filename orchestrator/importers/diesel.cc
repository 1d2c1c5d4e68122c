// Diesel: migrations/<version>_<name>/up.sql and down.sql, applied in version order (the version is
// everything before the first '_', usually a timestamp such as 2024-01-15-093000). down.sql may be
// missing (`diesel migration generate --no-down`). metadata.toml's `run_in_transaction = false`
// becomes `transactional: false`.
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

}  // namespace

Result<Source> ReadDiesel(const std::string& project_or_migrations) {
  std::string dir = project_or_migrations;
  if (IsDir(JoinPath(dir, "migrations"))) dir = JoinPath(dir, "migrations");
  auto names = ListDir(dir);
  if (!names.ok()) return names.status();
  Source src;
  src.format = "diesel";
  bool dates = true;
  for (const auto& name : *names) {
    std::string folder = JoinPath(dir, name);
    if (!IsDir(folder)) continue;
    auto us = name.find('_');
    if (us == std::string::npos || us == 0) {
      src.notes.push_back(folder + ": skipped: not named VERSION_NAME");
      continue;
    }
    SourceMigration mig;
    mig.name = name;
    mig.id = SanitizeId(name);
    mig.up = JoinPath(folder, "up.sql");
    mig.origin = folder;
    if (!IsFile(mig.up))
      return Status::Invalid(folder +
                             ": no up.sql: Diesel needs one in every migration folder; "
                             "add it or remove the folder");
    if (IsFile(JoinPath(folder, "down.sql"))) mig.down = JoinPath(folder, "down.sql");
    std::string metadata;
    if (IsFile(JoinPath(folder, "metadata.toml")) &&
        ReadText(JoinPath(folder, "metadata.toml"), &metadata).ok())
      mig.transactional = !RunsOutsideTransaction(metadata);
    std::string digits;
    for (char c : name.substr(0, us))
      if (c != '-') digits.push_back(c);
    mig.number = WholeNumber(digits);
    // A timestamp version (2024-01-15-093000) groups by its day.
    if (mig.number && digits.size() >= 12)
      mig.prefix = digits.substr(0, 8);
    else
      dates = false;
    src.migrations.push_back(std::move(mig));
  }
  if (src.migrations.empty())
    return Status::Invalid(dir +
                           ": no Diesel migrations (VERSION_NAME/up.sql) here: pass the "
                           "project folder or its migrations/ folder");
  if (!dates) {
    for (auto& mig : src.migrations) mig.prefix.clear();
    src.no_prefix_reason =
        "Diesel versions group by prefix only when they are timestamps (YYYY-MM-DD-hhmmss: "
        "grouped by day): use --group-by N";
  }
  return src;
}

}  // namespace orchestrate::importers
