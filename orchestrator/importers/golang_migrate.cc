// golang-migrate: DIR/{version}_{title}.up.sql and DIR/{version}_{title}.down.sql, where version is
// a 64-bit unsigned number (a sequence such as 0003, or a timestamp such as 20240115093000), and
// migrations run in the order of their numbers (9_x before 10_y; 1_x and 001_y are one version,
// which golang-migrate refuses, and so does the import). A version with only an up file is a
// migration without a down.
#include <map>
#include <regex>

#include "orchestrator/importers/internal.h"

namespace orchestrate::importers {

Result<Source> ReadGolangMigrate(const std::string& dir) {
  auto names = ListDir(dir);
  if (!names.ok()) return names.status();
  static const std::regex kFile(R"(^([0-9]+)_(.*)\.(up|down)\.sql$)");
  struct Pair {
    std::string version, title, up, down;
  };
  std::map<unsigned long long, Pair> by_version;  // ordered by number, as golang-migrate does
  Source src;
  src.format = ImportFormat::kGolangMigrate;
  bool timestamps = true;
  for (const auto& name : *names) {
    std::smatch m;
    if (!std::regex_match(name, m, kFile)) {
      if (EndsWith(name, ".sql"))
        src.notes.push_back(JoinPath(dir, name) +
                            ": skipped: not named VERSION_TITLE.up.sql or VERSION_TITLE.down.sql");
      continue;
    }
    std::string version = m[1], title = m[2], direction = m[3];
    static const std::string kMax = "18446744073709551615";  // the largest uint64
    if (CompareWholeNumbers(version, kMax) > 0)
      return Status::Invalid(JoinPath(dir, name) + ": version " + version +
                             " is too large: golang-migrate versions are 64-bit unsigned numbers");
    Pair& p = by_version[std::stoull(WithoutLeadingZeros(version))];
    std::string& slot = direction == "up" ? p.up : p.down;
    if (!slot.empty())
      return Status::Invalid(JoinPath(dir, name) + ": a second " + direction +
                             " migration for version " + version + " (the other is " + slot +
                             "): golang-migrate allows one per version; remove or renumber one");
    slot = JoinPath(dir, name);
    if (direction == "up" || p.version.empty()) {
      p.version = version;
      p.title = title;
    }
  }
  for (const auto& [number, p] : by_version) {
    if (p.up.empty())
      return Status::Invalid(p.down + ": a down migration without an up migration (" + p.version +
                             "_" + p.title + ".up.sql): add the up file or remove this one");
    SourceMigration mig;
    mig.name = p.version + "_" + p.title;
    mig.id = SanitizeId(mig.name);
    mig.up = p.up;
    mig.down = p.down;
    mig.version = std::to_string(number);
    mig.origin = p.up;
    // A timestamp version (YYYYMMDD...) groups by its day.
    if (p.version.size() >= 12)
      mig.prefix = p.version.substr(0, 8);
    else
      timestamps = false;
    src.migrations.push_back(std::move(mig));
  }
  if (src.migrations.empty())
    return Status::Invalid(dir +
                           ": no golang-migrate migrations (VERSION_TITLE.up.sql) in this folder: "
                           "pass the folder that holds them");
  if (!timestamps) {
    for (auto& mig : src.migrations) mig.prefix.clear();
    src.no_prefix_reason =
        "golang-migrate versions group by prefix only when they are timestamps (YYYYMMDDhhmm...: "
        "grouped by day); these are sequence numbers: use --group-by N";
  }
  return src;
}

}  // namespace orchestrate::importers
