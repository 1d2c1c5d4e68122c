// Shared by the importers: what a reader makes of a tool's files, and small file-system helpers.
// Not part of the module's surface (see importers.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/importers/importers.h"  // ImportFormat
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
  // The tool's own version as the tool reads it ("20170831010203" for Diesel's
  // 2017-08-31-010203_x, "1.2.10" for Flyway's V1_2_10__x, "3" for golang-migrate's 0003_x);
  // empty when the tool has none (sqitch, liquibase-sql). Shown in the release's description.
  std::string version;
  // The --group-by prefix key; empty when the format has no prefix rule.
  std::string prefix;
  std::string origin;  // where it is declared, for messages: "sqitch.plan:7", a file path
};

struct Source {
  ImportFormat format = ImportFormat::kGolangMigrate;
  std::string app;                          // a suggested app name (sqitch's %project), or empty
  std::vector<SourceMigration> migrations;  // in the order the tool applies them
  bool has_tags = false;                    // the format has tags (sqitch)
  std::map<size_t, std::string> tags;       // index of the last migration a tag covers -> tag(s)
  // When the format has no --group-by prefix rule for these migrations: why, and what to use.
  std::string no_prefix_reason;
  std::vector<std::string> notes;
  // The SQL dialect the tool's own configuration names ("postgresql", "sqlite", "mysql"), and
  // where it says so ("sqitch.conf: engine = pg"); empty when nothing says.
  std::string dialect, dialect_source;
};

Result<Source> ReadGolangMigrate(const std::string& dir);
Result<Source> ReadFlyway(const std::string& dir);
Result<Source> ReadSqitch(const std::string& dir);
Result<Source> ReadDiesel(const std::string& dir);
// Diesel's version of a migration folder: its name up to the first '_', without '-'.
std::string DieselVersion(const std::string& folder_name);
Result<Source> ReadLiquibaseSql(const std::string& path);

// Decides, script by script, how each migration runs (transactions.cc). A script wrapped in one
// transaction of its own (its first statement BEGIN, its last COMMIT, each alone on its line):
// sqitch, whose templates write the wrapper, gets the script without it (the two lines become
// comments, so line numbers stay; the writer puts it under OUT/sql/) and stays transactional; the
// other formats, whose files are referenced in place, get `transactional: false`. A script
// without a wrapper that holds a statement that cannot run in a transaction (CREATE INDEX
// CONCURRENTLY, VACUUM, ALTER TYPE ... ADD VALUE, ...: analysed in `dialect`; "mysql" is not
// analysed) gets `transactional: false`. Adds one note per kind of change. kFailed when a script
// cannot be read.
Status ResolveTransactions(Source* src, const std::string& dialect);

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
// True when `text` is one or more ASCII digits.
bool AllDigits(const std::string& text);
// `digits` without its leading zeros ("0" when all are zeros). REQUIRES: AllDigits(digits).
std::string WithoutLeadingZeros(const std::string& digits);
// Compares two whole numbers of any length written in decimal (leading zeros allowed), as numbers:
// negative, zero or positive. REQUIRES: AllDigits of both.
int CompareWholeNumbers(const std::string& a, const std::string& b);
// The dialect a database URL names: "postgresql" (postgres://, postgresql://, jdbc:postgresql:),
// "mysql" (mysql://, mariadb://, jdbc:mysql:, jdbc:mariadb:), "sqlite" (sqlite:, jdbc:sqlite:,
// file:, or a plain file path), else "".
std::string DialectOfUrl(const std::string& url);
// The value of the first `key = value` or `key: value` line of `text` whose key is one of `keys`
// (quotes around the value removed; `#` comment lines skipped), else "".
std::string ConfigValue(const std::string& text, const std::vector<std::string>& keys);
// Looks for each of `names` in `dir` and in the folders above it (at most `levels` of them), the
// nearest first: the first file found, or "".
std::string FindUpwards(const std::string& dir, const std::vector<std::string>& names, int levels);
bool EndsWith(const std::string& s, const std::string& suffix);
std::string Trim(const std::string& s);

}  // namespace orchestrate::importers
