// Flyway SQL migrations: V<version>__<description>.sql (versioned) and
// U<version>__<description>.sql (undo, a Flyway Teams feature), anywhere under DIR as Flyway scans
// its locations recursively. A version is numbers of any length separated by '.' or '_' (1, 1.1,
// 2_1 == 2.1), compared as Flyway compares them: part by part as numbers (1.2.10 after 1.2.9,
// 001 == 1), a missing part counting as 0 (1.0 == 1). Two versioned files with one version are an
// error naming both. Repeatable (R__) and baseline (B) migrations have no place in an ordered
// rollback plan: they are skipped and reported.
#include <map>
#include <regex>

#include "orchestrator/importers/internal.h"

namespace orchestrate::importers {
namespace {

// A version's parts without leading zeros, and without trailing zero parts (so 1.0 == 1).
struct Version {
  std::vector<std::string> parts;
  bool operator<(const Version& other) const {
    for (size_t i = 0; i < parts.size() || i < other.parts.size(); ++i) {
      int c = CompareWholeNumbers(i < parts.size() ? parts[i] : "0",
                                  i < other.parts.size() ? other.parts[i] : "0");
      if (c != 0) return c < 0;
    }
    return false;
  }
};

Result<Version> ParseVersion(const std::string& text, const std::string& file) {
  Version v;
  std::string part;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '.' || text[i] == '_') {
      if (!AllDigits(part))
        return Status::Invalid(file + ": version '" + text +
                               "' is not numbers separated by '.' or '_': rename the file");
      v.parts.push_back(WithoutLeadingZeros(part));
      part.clear();
    } else {
      part.push_back(text[i]);
    }
  }
  while (v.parts.size() > 1 && v.parts.back() == "0") v.parts.pop_back();
  return v;
}

std::string VersionText(const Version& v) {
  std::string s;
  for (size_t i = 0; i < v.parts.size(); ++i) s += (i ? "." : "") + v.parts[i];
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
  src.format = ImportFormat::kFlyway;
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
      return Status::Invalid(path + " and " + slot + " have the same Flyway version " +
                             VersionText(*version) +
                             ": Flyway versions must be unique (1.0 is 1, 1_1 is 1.1, 01 is 1); "
                             "renumber one");
    slot = path;
    if (kind == "V") e.name = name.substr(0, name.size() - 4);
  }
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
    mig.prefix = version.parts.front();
    mig.version = VersionText(version);
    src.migrations.push_back(std::move(mig));
  }
  // The dialect of flyway.url (flyway.conf) or url (flyway.toml), in the location or above it.
  std::string conf = FindUpwards(dir, {"flyway.conf", "flyway.toml", "conf/flyway.conf"}, 6);
  std::string conf_text;
  if (!conf.empty() && ReadText(conf, &conf_text).ok()) {
    src.dialect = DialectOfUrl(ConfigValue(conf_text, {"flyway.url", "url"}));
    if (!src.dialect.empty()) src.dialect_source = conf + ": url";
  }
  if (src.migrations.empty())
    return Status::Invalid(dir +
                           ": no Flyway migrations (V<version>__name.sql) under this folder: pass "
                           "the migrations location (e.g. src/main/resources/db/migration)");
  return src;
}

}  // namespace orchestrate::importers
