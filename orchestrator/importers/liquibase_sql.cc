// Liquibase "formatted SQL" changelogs: a file starting with `--liquibase formatted sql`, split
// into changesets by `--changeset author:id [attribute:value ...]` lines. A changeset's `--rollback
// SQL` lines (any number, joined in order) or a `/* liquibase rollback ... */` block give its
// rollback;
// `--rollback not required` and `--rollback empty` say that nothing needs undoing; a changeset with
// no rollback at all cannot be rolled back (Liquibase does not generate rollbacks for SQL). A
// folder is read like Liquibase's includeAll: every formatted changelog under it, in path order.
//
// The SQL lives inside the changelog, so it cannot be referenced in place: the reader returns it as
// text and the writer puts it under OUT/sql/.
#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "orchestrator/importers/internal.h"

namespace orchestrate::importers {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsFormattedChangelog(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty()) continue;
    static const std::regex kHeader(R"(^--\s*liquibase\s+formatted\s+sql\b.*)", std::regex::icase);
    return std::regex_match(line, kHeader);
  }
  return false;
}

Status Collect(const std::string& dir, std::vector<std::string>* files) {
  auto names = ListDir(dir);
  if (!names.ok()) return names.status();
  for (const auto& name : *names) {
    std::string path = JoinPath(dir, name);
    if (IsDir(path))
      ORCH_RETURN_IF_ERROR(Collect(path, files));
    else if (EndsWith(name, ".sql"))
      files->push_back(path);
  }
  return Status::Ok();
}

struct Changeset {
  std::string author, id, attributes;
  int line = 0;
  std::vector<std::string> body;
  std::vector<std::string> rollback;
  bool has_rollback = false;
};

std::string Joined(const std::vector<std::string>& lines) {
  size_t b = 0, e = lines.size();
  while (b < e && Trim(lines[b]).empty()) ++b;
  while (e > b && Trim(lines[e - 1]).empty()) --e;
  std::string out;
  for (size_t i = b; i < e; ++i) out += lines[i] + "\n";
  return out;
}

std::vector<Changeset> Parse(const std::string& text) {
  static const std::regex kChangeset(R"(^--\s*changeset\s+([^:\s]+):(\S+)(.*)$)",
                                     std::regex::icase);
  static const std::regex kRollback(R"(^--\s*rollback\b\s?(.*)$)", std::regex::icase);
  static const std::regex kBlockStart(R"(^/\*\s*liquibase\s+rollback\b(.*)$)", std::regex::icase);
  std::vector<Changeset> out;
  std::istringstream in(text);
  std::string line;
  bool in_block = false;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string t = Trim(line);
    std::smatch m;
    if (in_block) {
      auto end = t.find("*/");
      std::string part = end == std::string::npos ? line : line.substr(0, line.find("*/"));
      if (!Trim(part).empty()) out.back().rollback.push_back(part);
      if (end != std::string::npos) in_block = false;
      continue;
    }
    if (std::regex_match(t, m, kChangeset)) {
      out.push_back({m[1], m[2], m[3], n, {}, {}, false});
      continue;
    }
    if (out.empty()) continue;  // the header and comments before the first changeset
    if (std::regex_match(t, m, kRollback)) {
      out.back().has_rollback = true;
      if (!Trim(m[1]).empty()) out.back().rollback.push_back(m[1]);
      continue;
    }
    if (std::regex_match(t, m, kBlockStart)) {
      out.back().has_rollback = true;
      std::string rest = m[1];
      auto end = rest.find("*/");
      if (!Trim(rest.substr(0, end)).empty()) out.back().rollback.push_back(rest.substr(0, end));
      in_block = end == std::string::npos;
      continue;
    }
    out.back().body.push_back(line);
  }
  return out;
}

}  // namespace

Result<Source> ReadLiquibaseSql(const std::string& path) {
  std::vector<std::string> files;
  bool single = IsFile(path);
  if (single) {
    files.push_back(path);
  } else {
    ORCH_RETURN_IF_ERROR(Collect(path, &files));
    // includeAll orders by the whole path ("x-y.sql" before "x/1.sql"), not folder by folder.
    std::sort(files.begin(), files.end());
  }
  Source src;
  src.format = ImportFormat::kLiquibaseSql;
  std::set<std::string> ids;
  std::map<std::string, std::string> declared;  // file + author:id -> where (Liquibase's identity)
  for (const auto& file : files) {
    std::string text;
    ORCH_RETURN_IF_ERROR(ReadText(file, &text));
    if (!IsFormattedChangelog(text)) {
      if (single)
        return Status::Invalid(file +
                               ":1: not a formatted SQL changelog: its first line must be "
                               "`--liquibase formatted sql`");
      src.notes.push_back(file + ": skipped: no `--liquibase formatted sql` header");
      continue;
    }
    std::string rel = single ? file.substr(file.rfind('/') + 1) : file.substr(path.size() + 1);
    for (auto& cs : Parse(text)) {
      std::string where = file + ":" + std::to_string(cs.line);
      auto [seen, fresh] = declared.emplace(file + "\n" + cs.author + ":" + cs.id, where);
      if (!fresh)
        return Status::Invalid(where + " and " + seen->second + " both declare changeset " +
                               cs.author + ":" + cs.id +
                               ": Liquibase refuses duplicate changesets in one changelog; "
                               "rename one");
      SourceMigration mig;
      mig.name = cs.author + ":" + cs.id;
      mig.origin = where;
      mig.prefix = rel;
      mig.id = SanitizeId(cs.id);
      if (ids.count(mig.id)) mig.id = SanitizeId(cs.author + "." + cs.id);
      ids.insert(mig.id);
      std::string attrs = Lower(cs.attributes);
      if (attrs.find("runintransaction:false") != std::string::npos) mig.transactional = false;
      if (attrs.find("runalways:true") != std::string::npos ||
          attrs.find("runonchange:true") != std::string::npos)
        src.notes.push_back(where + ": changeset " + mig.name +
                            " is runAlways/runOnChange in Liquibase; orchestrate runs it once");
      std::string header = "-- changeset " + mig.name + " from " + rel + ":" +
                           std::to_string(cs.line) + ", written by orchestrate import\n";
      std::string body = Joined(cs.body);
      if (Trim(body).empty())
        return Status::Invalid(where + ": changeset " + mig.name +
                               " holds no SQL: add its statements or remove it");
      mig.up_text = header + body;
      std::string rollback = Joined(cs.rollback);
      std::string word = Lower(Trim(rollback));
      if (!cs.has_rollback) {
        // No rollback: Liquibase cannot roll formatted SQL back either.
      } else if (word == "not required" || word == "empty" || word.empty()) {
        mig.down_text = header + "-- Nothing to undo: the changelog says `--rollback " +
                        (word.empty() ? "empty" : word) + "`.\n";
      } else if (word.rfind("changesetid:", 0) == 0) {
        src.notes.push_back(where + ": changeset " + mig.name +
                            " rolls back by running another changeset; imported as irreversible: "
                            "write its rollback SQL inline to make it reversible");
      } else {
        mig.down_text = header + rollback;
      }
      src.migrations.push_back(std::move(mig));
    }
  }
  // The dialect of liquibase.properties' url, next to the changelog or above it.
  std::string props =
      FindUpwards(single ? path.substr(0, path.rfind('/')) : path, {"liquibase.properties"}, 6);
  std::string props_text;
  if (!props.empty() && ReadText(props, &props_text).ok()) {
    src.dialect = DialectOfUrl(ConfigValue(props_text, {"url", "liquibase.command.url"}));
    if (!src.dialect.empty()) src.dialect_source = props + ": url";
  }
  if (src.migrations.empty())
    return Status::Invalid(path +
                           ": no changesets found (`--changeset author:id` lines in a "
                           "`--liquibase formatted sql` changelog)");
  return src;
}

}  // namespace orchestrate::importers
