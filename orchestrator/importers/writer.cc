// The common half of `orchestrate import`: groups what a reader found into releases, names them,
// and writes plan.yaml and the release manifests.
//
// Release versions are 0.0.N, for every format: semantic versions (so the plan orders them by
// version, whatever the file names) with one major version, so a rollback between them never
// counts as crossing a major. N is the position, in the tool's own order, of the newest migration
// in the release (1, 2, 3, ...), so `rollback --to 0.0.N` means "back to where the tool's N-th
// migration left the schema". The tool's own version stays visible in the migration ids (the
// file or folder names) and in each release's description.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>

#include "migrations/auto_down.h"
#include "migrations/statement_split.h"
#include "orchestrator/importers/importers.h"
#include "orchestrator/importers/internal.h"
#include "plans/image_ref.h"
#include "plans/manifest.h"
#include "plans/names.h"

namespace orchestrate {
namespace {

using importers::Source;
using importers::SourceMigration;

struct Group {
  size_t first = 0, last = 0;  // migration indexes, inclusive
  std::string description;
  std::string version;
};

// A double-quoted YAML scalar. `$` is doubled because orchestrate expands ${VAR} in paths.
std::string Quote(const std::string& s, bool expanded) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '$' && expanded) out += '$';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// An id as a plain YAML scalar when YAML would read it as text anyway, else quoted (so that other
// YAML readers, such as schema validators, do not see "1" or "1.10" as numbers or "yes" as true).
std::string PlainOrQuoted(const std::string& id) {
  static const std::set<std::string> kWords = {"true", "false", "yes", "no", "on",
                                               "off",  "null",  "y",   "n"};
  std::string lower;
  for (char c : id) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!id.empty() && std::isalpha(static_cast<unsigned char>(id[0])) && !kWords.count(lower))
    return id;
  return Quote(id, false);
}

Status MakeDirs(const std::string& path) {
  std::string cur;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    cur = path.substr(0, pos);
    if (cur.empty() || importers::IsDir(cur)) continue;
    if (mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
      return Status::Failed("cannot create folder " + cur + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Status WriteFile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Failed("cannot write " + tmp + ": " + std::strerror(errno));
    out << text;
    out.close();
    if (!out) return Status::Failed("cannot write " + tmp + ": " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::Failed("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

Result<Source> Read(ImportFormat format, const std::string& dir) {
  switch (format) {
    case ImportFormat::kGolangMigrate:
      return importers::ReadGolangMigrate(dir);
    case ImportFormat::kFlyway:
      return importers::ReadFlyway(dir);
    case ImportFormat::kSqitch:
      return importers::ReadSqitch(dir);
    case ImportFormat::kDiesel:
      return importers::ReadDiesel(dir);
    case ImportFormat::kLiquibaseSql:
      break;
  }
  return importers::ReadLiquibaseSql(dir);
}

// What a --group-by prefix key is, for release descriptions (see docs/import.md).
std::string PrefixLabel(ImportFormat format) {
  if (format == ImportFormat::kFlyway) return " version ";
  if (format == ImportFormat::kLiquibaseSql) return " changelog ";
  return " day ";
}

Result<std::vector<Group>> GroupMigrations(const Source& src, const std::string& group_by) {
  std::vector<Group> groups;
  const auto& migs = src.migrations;
  if (group_by.empty()) {
    for (size_t i = 0; i < migs.size(); ++i)
      groups.push_back({i, i, Name(src.format) + std::string(" ") + migs[i].name, ""});
    return groups;
  }
  if (group_by == "tag") {
    if (!src.has_tags)
      return Status::Usage("--group-by tag: " + std::string(Name(src.format)) +
                           " has no tags (only sqitch does): use --group-by prefix or N");
    size_t first = 0;
    for (const auto& [last, tag] : src.tags) {
      groups.push_back({first, last, "sqitch tag " + tag, ""});
      first = last + 1;
    }
    if (first < migs.size())
      groups.push_back({first, migs.size() - 1,
                        src.tags.empty() ? "sqitch changes (the plan has no tags)"
                                         : "sqitch changes after the last tag",
                        ""});
    return groups;
  }
  if (group_by == "prefix") {
    if (!src.no_prefix_reason.empty())
      return Status::Usage("--group-by prefix: " + src.no_prefix_reason);
    for (size_t i = 0; i < migs.size(); ++i) {
      if (!groups.empty() && migs[groups.back().first].prefix == migs[i].prefix)
        groups.back().last = i;
      else
        groups.push_back({i, i, Name(src.format) + PrefixLabel(src.format) + migs[i].prefix, ""});
    }
    return groups;
  }
  auto n = importers::WholeNumber(group_by);
  if (!n || *n < 1 || *n > 100000)
    return Status::Usage("--group-by " + group_by +
                         ": use tag, prefix, or a whole number N of migrations per release");
  for (size_t i = 0; i < migs.size(); i += static_cast<size_t>(*n)) {
    size_t last = std::min(migs.size(), i + static_cast<size_t>(*n)) - 1;
    groups.push_back({i, last,
                      Name(src.format) + std::string(" ") + migs[i].name +
                          (last > i ? " .. " + migs[last].name : ""),
                      ""});
  }
  return groups;
}

// See the comment at the top of the file. Also names the tool's versions in each description.
void NameVersions(const Source& src, std::vector<Group>* groups) {
  for (auto& g : *groups) {
    g.version = "0.0." + std::to_string(g.last + 1);
    const std::string& first = src.migrations[g.first].version;
    const std::string& last = src.migrations[g.last].version;
    if (last.empty()) continue;
    g.description +=
        g.first == g.last || first.empty()
            ? " (" + std::string(Name(src.format)) + " version " + last + ")"
            : " (" + std::string(Name(src.format)) + " versions " + first + " .. " + last + ")";
  }
}

// The placeholder image of an imported release: APP:VERSION, with APP lowercased (an image path
// holds no uppercase letters), else "app" when APP still is no image name.
// What a migration's `down:` becomes: the tool's script, `auto` or `irreversible`, and why.
struct DownChoice {
  enum class Kind { kScript, kAuto, kIrreversible };
  Kind kind = Kind::kScript;
  std::string why;   // the manifest line's comment (kAuto, kIrreversible)
  std::string note;  // for the import's notes, when the user has something to do
};

// A migration without a down script, or whose down script has no statement while its up has one
// (golang-migrate and Diesel projects ship empty down files), gets `down: auto` where the
// generator can write the down at deploy: a PostgreSQL plan, a migration that runs in a
// transaction, an up whose every statement is a handled form (AutoDownRefusals). Otherwise a
// missing down is `irreversible`, and an empty one stays the tool's file (`validate` warns of it).
Result<DownChoice> ChooseDown(const importers::SourceMigration& m, ImportFormat format,
                              const std::string& dialect_name) {
  auto text_of = [](const std::optional<std::string>& text, const std::string& path,
                    std::string* out) -> Status {
    if (text) {
      *out = *text;
      return Status::Ok();
    }
    return importers::ReadText(path, out);
  };
  const Dialect dialect = DialectFromName(dialect_name).value_or(Dialect::kSqlite);
  auto has_statements = [&](const std::string& sql) {
    ScriptSplit split = SplitScript(dialect, sql);
    return !split.ok || !split.statements.empty();
  };
  const bool missing = m.down.empty() && !m.down_text;
  std::string up, down;
  ORCH_RETURN_IF_ERROR(text_of(m.up_text, m.up, &up));
  if (!missing) {
    ORCH_RETURN_IF_ERROR(text_of(m.down_text, m.down, &down));
    if (has_statements(down) || !has_statements(up)) return DownChoice{};
  }
  const std::string why = missing ? std::string(Name(format)) + " has no down script for " + m.name
                                  : m.name + "'s down script is empty";
  if (dialect == Dialect::kPostgres && m.transactional) {
    std::vector<std::string> refusals = AutoDownRefusals(up);
    if (refusals.empty())
      return DownChoice{DownChoice::Kind::kAuto,
                        why + ": orchestrate writes the down at deploy (docs/manifest.md)", ""};
    const std::string file = m.up.empty() ? m.origin : m.up;
    const std::string unhandled = "down: auto does not handle " + file + ":" + refusals.front();
    if (missing)
      return DownChoice{
          DownChoice::Kind::kIrreversible, why + "; " + unhandled,
          m.id + " is irreversible: " + why + ", and " + unhandled + ": write its down script"};
    return DownChoice{
        DownChoice::Kind::kScript, "",
        m.id + " keeps its empty down script: " + unhandled + ": write its down script"};
  }
  if (missing) return DownChoice{DownChoice::Kind::kIrreversible, why, ""};
  return DownChoice{};
}

std::string PlaceholderImage(const std::string& app, const std::string& version) {
  std::string name = app;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!ImageReferenceProblem(name + ":" + version).empty()) name = "app";
  return name + ":" + version;
}

std::string DefaultApp(const Source& src, const std::string& dir) {
  if (!src.app.empty()) return importers::SanitizeId(src.app);
  // The first folder name, going up from DIR, that says more than "where migrations live".
  static const std::set<std::string> kGeneric = {
      "migrations", "migration", "db",  "database", "sql",    "changelog", "changelogs", "changes",
      "resources",  "main",      "src", "schema",   "deploy", "liquibase", "flyway"};
  std::string d = dir;
  while (d.size() > 1) {
    auto slash = d.rfind('/');
    std::string name = d.substr(slash + 1);
    if (!name.empty() && !kGeneric.count(name) && name.find('.') == std::string::npos)
      return importers::SanitizeId(name);
    if (slash == 0 || slash == std::string::npos) break;
    d = d.substr(0, slash);
  }
  return "app";
}

}  // namespace

namespace {
constexpr std::pair<ImportFormat, const char*> kImportFormats[] = {
    {ImportFormat::kGolangMigrate, "golang-migrate"},
    {ImportFormat::kFlyway, "flyway"},
    {ImportFormat::kSqitch, "sqitch"},
    {ImportFormat::kDiesel, "diesel"},
    {ImportFormat::kLiquibaseSql, "liquibase-sql"}};
}  // namespace

const char* Name(ImportFormat format) { return NameIn(kImportFormats, format, "golang-migrate"); }
std::optional<ImportFormat> ImportFormatFromName(std::string_view name) {
  return FromNameIn(kImportFormats, name);
}

const std::vector<std::string>& ImportDialects() {
  static const std::vector<std::string> kDialects = {"postgresql", "sqlite", "mysql"};
  return kDialects;
}

Result<ImportReport> Import(const ImportOptions& o) {
  const auto& dialects = ImportDialects();
  if (!o.dialect.empty() &&
      std::find(dialects.begin(), dialects.end(), o.dialect) == dialects.end())
    return Status::Usage("--dialect " + o.dialect + ": use postgresql, sqlite or mysql");
  const std::optional<ImportFormat> format = ImportFormatFromName(o.format);
  if (!format)
    return Status::Usage("unknown format '" + o.format +
                         "': use golang-migrate, flyway, sqitch, diesel or liquibase-sql");
  if (o.out.empty()) return Status::Usage("-o OUT is required: the folder to write plan.yaml to");
  std::string dir = importers::RealPath(o.dir);
  if (dir.empty())
    return Status::Invalid(o.dir + " does not exist: pass the " + o.format +
                           " project or migrations folder");
  if (!importers::IsDir(dir) &&
      !(*format == ImportFormat::kLiquibaseSql || *format == ImportFormat::kSqitch))
    return Status::Invalid(o.dir + " is not a folder: pass the folder holding the migrations");

  auto src = Read(*format, dir);
  if (!src.ok()) return src.status();
  std::string dialect = o.dialect, dialect_source = "--dialect";
  if (dialect.empty() && !src->dialect.empty()) {
    dialect = src->dialect;
    dialect_source = src->dialect_source;
  } else if (dialect.empty()) {
    dialect = "sqlite";
    dialect_source = "assumed";
    src->notes.push_back(
        "dialect sqlite assumed: nothing in the " + o.format +
        " project names its database; pass --dialect postgresql (or mysql) if its SQL is "
        "written for another");
  }
  ORCH_RETURN_IF_ERROR(importers::ResolveTransactions(&*src, dialect));
  std::set<std::string> ids;
  for (const auto& m : src->migrations)
    if (!ids.insert(m.id).second)
      return Status::Invalid(m.origin + ": two migrations would both get the id '" + m.id +
                             "': rename one of them");
  auto groups = GroupMigrations(*src, o.group_by);
  if (!groups.ok()) return groups.status();
  NameVersions(*src, &*groups);

  ImportReport report;
  report.app = o.app.empty() ? DefaultApp(*src, dir) : o.app;
  if (importers::SanitizeId(report.app) != report.app || report.app.empty())
    return Status::Usage("--app " + o.app + ": use letters, digits, '_', '-' and '.' only");
  report.notes = src->notes;
  report.dialect = dialect;
  report.dialect_source = dialect_source;

  // What already exists under OUT.
  std::string out = o.out;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  std::string releases_dir = importers::JoinPath(out, "releases");
  std::string sql_dir = importers::JoinPath(out, "sql");
  report.plan_file = importers::JoinPath(out, "plan.yaml");
  std::vector<std::string> stale;
  if (importers::IsDir(releases_dir)) {
    auto names = importers::ListDir(releases_dir);
    if (!names.ok()) return names.status();
    for (const auto& n : *names)
      if (importers::EndsWith(n, ".yaml") || importers::EndsWith(n, ".yml"))
        stale.push_back(importers::JoinPath(releases_dir, n));
  }
  if (!o.force && (importers::IsFile(report.plan_file) || !stale.empty()))
    return Status::Invalid(
        (importers::IsFile(report.plan_file) ? report.plan_file : releases_dir) +
        " already exists: pass --force to replace the plan and its release manifests, or choose "
        "another -o folder");
  ORCH_RETURN_IF_ERROR(MakeDirs(releases_dir));
  std::string real_releases = importers::RealPath(releases_dir);
  std::string real_sql_dir = importers::RealPath(out) + "/sql";
  // The tool's files must not live where the import writes (or removes) files.
  for (const std::string& mine : {real_releases, real_sql_dir})
    if (dir == mine || dir.rfind(mine + "/", 0) == 0)
      return Status::Usage(o.dir + " is inside " + mine +
                           ", where orchestrate import writes files: choose another -o folder");
  for (const auto& f : stale) {
    if (std::remove(f.c_str()) != 0)
      return Status::Failed("cannot remove " + f + ": " + std::strerror(errno));
    report.removed.push_back(f);
  }

  // Migrations whose SQL is not a file of its own (liquibase-sql) are written under OUT/sql/.
  auto path_of = [&](const SourceMigration& m, size_t index, bool up) -> Result<std::string> {
    const std::optional<std::string>& text = up ? m.up_text : m.down_text;
    if (!text) return importers::RelativePath(real_releases, up ? m.up : m.down);
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%04zu_", index + 1);
    std::string name = prefix + m.id + (up ? ".up.sql" : ".down.sql");
    ORCH_RETURN_IF_ERROR(MakeDirs(sql_dir));
    std::string file = importers::JoinPath(sql_dir, name);
    ORCH_RETURN_IF_ERROR(WriteFile(file, *text));
    report.written.push_back(file);
    return "../sql/" + name;
  };

  for (const auto& g : *groups) {
    std::string text = "# Imported by `orchestrate import " + o.format + "`.\n";
    bool generated = false;
    for (size_t i = g.first; i <= g.last; ++i)
      generated |= src->migrations[i].up_text || src->migrations[i].down_text;
    text +=
        !generated
            ? "# The SQL files are the originals, referenced in place (paths are relative to "
              "this file).\n"
        : *format == ImportFormat::kLiquibaseSql
            ? "# The changelog's SQL was written to ../sql/ (it cannot be referenced in "
              "place); edit the\n# changelog and import again rather than editing those files.\n"
            : "# Scripts under ../sql/ are the originals without their BEGIN/COMMIT wrapper (the "
              "step runs in a\n# transaction); edit the originals and import again rather than "
              "those files.\n";
    text +=
        "# Set `image` to the container image this release ships, so a rollback swaps the "
        "code back too.\n";
    text += "version: " + g.version + "\n";
    text += "image: " + Quote(PlaceholderImage(report.app, g.version), true) + "\n";
    text += "description: " + Quote(g.description, false) + "\n";
    text += "migrations:\n";
    for (size_t i = g.first; i <= g.last; ++i) {
      const auto& m = src->migrations[i];
      auto up = path_of(m, i, true);
      if (!up.ok()) return up.status();
      text += "  - id: " + PlainOrQuoted(m.id) + "\n";
      text += "    up: " + Quote(*up, true) + "\n";
      auto choice = ChooseDown(m, src->format, dialect);
      if (!choice.ok()) return choice.status();
      if (!choice->note.empty()) report.notes.push_back(choice->note);
      if (choice->kind == DownChoice::Kind::kAuto) {
        text += "    down: auto  # " + choice->why + "\n";
        ++report.auto_down;
      } else if (choice->kind == DownChoice::Kind::kIrreversible) {
        text += "    down: irreversible  # " + choice->why + "\n";
        ++report.irreversible;
      } else {
        auto down = path_of(m, i, false);
        if (!down.ok()) return down.status();
        text += "    down: " + Quote(*down, true) + "\n";
      }
      if (!m.transactional) text += "    transactional: false\n";
      ++report.migrations;
    }
    std::string file = importers::JoinPath(releases_dir, g.version + ".yaml");
    ORCH_RETURN_IF_ERROR(WriteFile(file, text));
    report.written.push_back(file);
    report.versions.push_back(g.version);
  }

  const std::string& app = report.app;
  std::string plan =
      "# orchestrate plan imported from " + o.format + " (" + o.dir + ") by\n#   " +
      (o.command_line.empty() ? "orchestrate import " + o.format + " " + o.dir + " -o " + o.out
                              : o.command_line) +
      "\n#\n"
      "# Before using it beyond this machine:\n"
      "# - set `image` in every release manifest under releases/ (each holds a placeholder);\n"
      "# - add your real environments (staging, production) next to `local`, each with its\n"
      "#   database URL (keep passwords out: use password_env) and its deployer;\n"
      "# - releases are named 0.0.N, N the position of their newest migration in " +
      o.format +
      "'s order;\n#   merge migrations into fewer releases with\n"
      "#   `orchestrate import ... --group-by tag|prefix|N --force`, or by editing releases/.\n"
      "# Check it with `orchestrate validate plan.yaml`. Reference: docs/manifest.md.\n"
      "app: " +
      app +
      "\n"
      "# The SQL's dialect (" +
      (dialect_source == "assumed" ? std::string("assumed: nothing in the project names it")
                                   : "from " + dialect_source) +
      "): `validate` analyses the scripts in it.\n"
      "dialect: " +
      dialect +
      "\n"
      "releases: releases/\n"
      "environments:\n";
  if (dialect == "sqlite")
    plan +=
        "  # The embedded SQLite database, and a file standing in for the running image: try\n"
        "  # `orchestrate deploy plan.yaml` and `orchestrate rollback plan.yaml --to VERSION` "
        "here.\n"
        "  local:\n"
        "    database: sqlite:${STATE_DIR:-.orchestrate}/" +
        app +
        ".db\n"
        "    deployer: {kind: file, path: \"${STATE_DIR:-.orchestrate}/" +
        app + ".image\"}\n";
  else
    plan += "  # A " + dialect +
            " database of your own (DATABASE_URL, else the default below; keep passwords\n"
            "  # out: use password_env), and a file standing in for the running image.\n"
            "  local:\n"
            "    database: \"${DATABASE_URL:-" +
            (dialect == "mysql" ? "mysql://localhost:3306/" : "postgresql://localhost:5432/") +
            app +
            "}\"\n"
            "    deployer: {kind: file, path: \"${STATE_DIR:-.orchestrate}/" +
            app + ".image\"}\n";
  // The SQL files are referenced in place: when they live outside OUT, the plan must say that
  // their folder may be read (files a plan names are confined to its folder otherwise).
  std::string real_out = importers::RealPath(out);
  std::string source_root = importers::IsDir(dir) ? dir : DirName(dir);
  if (!real_out.empty() && source_root != real_out && source_root.rfind(real_out + "/", 0) != 0)
    plan +=
        "policy:\n"
        "  # The migrations are the originals, outside this folder: let the plan read them.\n"
        "  allow_outside_paths: [" +
        Quote(source_root, true) + "]\n";
  ORCH_RETURN_IF_ERROR(WriteFile(report.plan_file, plan));
  report.written.push_back(report.plan_file);
  return report;
}

}  // namespace orchestrate
