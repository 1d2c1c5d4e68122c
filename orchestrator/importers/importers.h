// `orchestrate import`: turns another migration tool's files into an orchestrate plan (plan.yaml
// and one release manifest per release) that references the tool's SQL files in place, so a team
// can try orchestrate without moving or copying anything.
//
// Formats and what is read (each tool's own layout, nothing else):
//   golang-migrate  DIR/NNN_name.up.sql and NNN_name.down.sql
//   flyway          DIR/**/V<version>__name.sql, optional U<version>__name.sql (undo)
//   sqitch          DIR/sqitch.plan (and sqitch.conf's top_dir), deploy/ and revert/ scripts;
//                   a script wrapped in BEGIN/COMMIT is written to OUT/sql/ without the wrapper
//   diesel          DIR/migrations/<version>_name/up.sql, down.sql (DIR may be migrations/)
//   liquibase-sql   a "formatted SQL" changelog file, or a folder of them; the SQL of each
//                   changeset lives inside the changelog, so it is written to OUT/sql/
//
// A migration without a down script (or with an empty one for an up that does something) becomes
// `down: auto` in a PostgreSQL plan when the generator handles its up, else `down: irreversible`
// (a missing one) or stays as it is (an empty one, which `validate` warns of). Releases are 0.0.N
// for every format, N the position of the release's newest migration in the tool's order
// (docs/import.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plans/status.h"

namespace orchestrate {

struct ImportOptions {
  std::string format;  // as given: the name of an ImportFormat (Import refuses others)
  std::string dir;     // the tool's project or migrations folder (liquibase-sql: or a file)
  std::string out;     // where plan.yaml, releases/ (and sql/) are written; created if needed
  // How migrations become releases: "" one release per migration; "tag" (sqitch tags); "prefix"
  // (see the format's rule in docs/import.md); or a whole number N: N migrations per release.
  std::string group_by;
  std::string app;  // empty: sqitch's %project, else the folder name
  // The SQL's dialect: "postgresql", "sqlite" or "mysql"; empty: what the tool's configuration
  // names (sqitch.conf's engine, flyway.conf/flyway.toml's url, Diesel's .env DATABASE_URL or
  // Cargo.toml feature, liquibase.properties' url), else "sqlite" (and a note says it was assumed).
  std::string dialect;
  bool force = false;        // replace an existing OUT/plan.yaml and OUT/releases/*.yaml
  std::string command_line;  // recorded in the plan's header comment
};

struct ImportReport {
  std::string plan_file;  // OUT/plan.yaml
  std::string app;
  std::vector<std::string> written;   // every file written, plan.yaml last
  std::vector<std::string> removed;   // stale release manifests removed (--force)
  std::vector<std::string> versions;  // release versions, oldest first
  std::string dialect;                // the plan's dialect
  std::string dialect_source;         // why: "--dialect", a config file and key, or "assumed"
  size_t migrations = 0;
  size_t irreversible = 0;
  // Migrations without a down script (or with an empty one) whose down orchestrate writes at
  // deploy (`down: auto`: a PostgreSQL plan, forms the generator handles).
  size_t auto_down = 0;
  // What the user should know: skipped files, settings that could not be carried over.
  std::vector<std::string> notes;
};

// The tools `import` reads (ImportOptions::format names one).
enum class ImportFormat { kGolangMigrate, kFlyway, kSqitch, kDiesel, kLiquibaseSql };
// "golang-migrate", "flyway", "sqitch", "diesel", "liquibase-sql".
const char* Name(ImportFormat format);
std::optional<ImportFormat> ImportFormatFromName(std::string_view name);  // nullopt: unknown

// "postgresql", "sqlite", "mysql".
const std::vector<std::string>& ImportDialects();

// Reads the tool's files and writes the plan. kUsage for a bad format, --dialect or --group-by;
// kInvalid when the tool's files are malformed (naming file:line) or OUT/plan.yaml exists without
// `force`; kFailed on I/O errors. Nothing under OUT is written when reading fails; plan.yaml is
// written last, so an import that fails midway never leaves a plan that looks complete.
Result<ImportReport> Import(const ImportOptions& options);

}  // namespace orchestrate
