// Flyway SQL migrations: V<version>__<description>.sql (versioned) and
// U<version>__<description>.sql (undo, a Flyway Teams feature), anywhere under DIR as Flyway scans
// its locations recursively. A version is numbers separated by '.' or '_' (1, 1.1, 2_1 == 2.1),
// compared part by part with trailing zeros ignored (1.0 == 1). Repeatable (R__) and baseline (B)
// migrations have no place in an ordered rollback plan: they are skipped and reported.
#include <map>
#include <regex>

#include "orchestrator/importers/internal.h"

namespace orchestrate::importers {
namespace {

using Version = std::vector<long>;

Result<Version> ParseVersion(const std::string& text, const std::string& file) {
  Version v;
  std::string part;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '.' || text[i] == '_') {
      auto n = WholeNumber(part);
      if (!n)
        return Status::Invalid(file + ": version '" + text +
                               "' is not numbers separated by '.' or '_': rename the file");
      v.push_back(*n);
      part.clear();
    } else {
      part.push_back(text[i]);
    }
  }
  while (v.size() > 1 && v.back() == 0) v.pop_back();
  return v;
}

std::string VersionText(const Version& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "." : "") + std::to_string(v[i]);
  return s;
}

Status Scan(const std::string& dir, std::vector<std::string>* files) {
  auto names = ListDir(dir);
  if (!names.ok()) return names.status();
  for (const auto& name : *names) {
    std::string path = JoinPath(dir, name);
    if (IsDir(path)) {
      ORCH_RETURN_IF_ERROR(Scan(path, files));
    } else if (EndsWith(name, ".sql")) {
      files->push_back(path);
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Source> ReadFlyway(const std::string& dir) {
  std::vector<std::string> files;
  ORCH_RETURN_IF_ERROR(Scan(dir, &files));
  static const std::regex kFile(R"(^([VUBR])([0-9._]*)__(.+)\.sql$)");
  struct Entry {
    std::string name, v, u;  // the versioned file's stem and both paths
  };
  std::map<Version, Entry> by_version;
  Source src;
  src.format = "flyway";
  for (const auto& path : files) {
    std::string name = path.substr(path.rfind('/') + 1);
    std::smatch m;
    if (!std::regex_match(name, m, kFile)) {
      src.notes.push_back(path + ": skipped: not a Flyway migration name (V<version>__name.sql)");
      continue;
    }
    std::string kind = m[1];
    if (kind == "R" || kind == "B") {
      src.notes.push_back(path + ": skipped: " +
                          (kind == "R" ? "repeatable migrations re-run whenever they change"
                                       : "baseline migrations replace history") +
                          "; an ordered rollback plan cannot hold them");
      continue;
    }
    auto version = ParseVersion(m[2], path);
    if (!version.ok()) return version.status();
    Entry& e = by_version[*version];
    std::string& slot = kind == "V" ? e.v : e.u;
    if (!slot.empty())
      return Status::Invalid(path + ": version " + VersionText(*version) + " is also used by " +
                             slot + ": Flyway versions must be unique; renumber one");
    slot = path;
    if (kind == "V") e.name = name.substr(0, name.size() - 4);
  }
  bool single_parts = true;
  for (const auto& [version, e] : by_version) {
    if (e.v.empty())
      return Status::Invalid(e.u + ": an undo migration for version " + VersionText(version) +
                             " that has no versioned migration (V" + VersionText(version) +
                             "__...sql): add it or remove the undo file");
    SourceMigration mig;
    mig.name = e.name;
    mig.id = SanitizeId(e.name);
    mig.up = e.v;
    mig.down = e.u;
    mig.origin = e.v;
    mig.prefix = std::to_string(version.front());
    if (version.size() == 1)
      mig.number = version.front();
    else
      single_parts = false;
    src.migrations.push_back(std::move(mig));
  }
  // Release versions follow Flyway's own numbers only when every version is a single number.
  if (!single_parts)
    for (auto& mig : src.migrations) mig.number.reset();
  if (src.migrations.empty())
    return Status::Invalid(dir +
                           ": no Flyway migrations (V<version>__name.sql) under this folder: pass "
                           "the migrations location (e.g. src/main/resources/db/migration)");
  return src;
}

}  // namespace orchestrate::importers
