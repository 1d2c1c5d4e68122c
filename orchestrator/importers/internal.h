// Shared by the importers: what a reader makes of a tool's files, and small file-system helpers.
// Not part of the module's surface (see importers.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plans/status.h"

namespace orchestrate::importers {

// One migration as the tool defines it.
struct SourceMigration {
  std::string id;    // a valid orchestrate migration id, unique within the import
  std::string name;  // as the tool shows it ("3_add_loans", "V1.1__x", "alice:3"), for humans
  std::string up;    // absolute path of the up script; empty when up_text holds the SQL
  std::string down;  // absolute path of the down script; empty when there is none (see down_text)
  // SQL that lives inside another file (liquibase-sql): written under OUT/sql/ by the writer.
  std::optional<std::string> up_text, down_text;
  bool transactional = true;
  // The tool's own whole-number version when it has one (golang-migrate, flyway "V7", diesel's
  // digits); the writer turns it into the release version 0.0.N.
  std::optional<long> number;
  // The --group-by prefix key; empty when the format has no prefix rule.
  std::string prefix;
  std::string origin;  // where it is declared, for messages: "sqitch.plan:7", a file path
};

struct Source {
  std::string format;
  std::string app;                          // a suggested app name (sqitch's %project), or empty
  std::vector<SourceMigration> migrations;  // in the order the tool applies them
  bool has_tags = false;                    // the format has tags (sqitch)
  std::map<size_t, std::string> tags;       // index of the last migration a tag covers -> tag(s)
  // When the format has no --group-by prefix rule for these migrations: why, and what to use.
  std::string no_prefix_reason;
  std::vector<std::string> notes;
};

Result<Source> ReadGolangMigrate(const std::string& dir);
Result<Source> ReadFlyway(const std::string& dir);
Result<Source> ReadSqitch(const std::string& dir);
Result<Source> ReadDiesel(const std::string& dir);
Result<Source> ReadLiquibaseSql(const std::string& path);

// ---- helpers (common.cc) -----------------------------------------------------------------------

bool IsDir(const std::string& path);
bool IsFile(const std::string& path);
std::string JoinPath(const std::string& dir, const std::string& name);
// The names in `dir` (no "." or ".."), sorted byte-wise. kFailed when it cannot be read.
Result<std::vector<std::string>> ListDir(const std::string& dir);
Status ReadText(const std::string& path, std::string* text);
// The absolute, symlink-free path; empty when it does not exist.
std::string RealPath(const std::string& path);
// `to` relative to the folder `from` (both absolute and canonical), e.g. "../../db/1_x.up.sql".
std::string RelativePath(const std::string& from, const std::string& to);
// `text` with every character an orchestrate id may not hold replaced by '_'.
std::string SanitizeId(const std::string& text);
// The number `digits` spells (leading zeros allowed), or nullopt when it is not all digits or
// too long for a semantic version's number (15 digits).
std::optional<long> WholeNumber(const std::string& digits);
bool EndsWith(const std::string& s, const std::string& suffix);
std::string Trim(const std::string& s);

}  // namespace orchestrate::importers
