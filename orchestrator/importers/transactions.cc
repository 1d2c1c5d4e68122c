// How each imported migration runs: inside the step's transaction or not (see internal.h).
#include <cctype>
#include <set>
#include <sstream>

#include "migrations/analysis/analysis.h"
#include "orchestrator/importers/internal.h"

namespace orchestrate::importers {
namespace {

// A line as a statement keyword sequence: upper case, without a `--` comment, the ';' that ends
// it and runs of blanks.
std::string Normalized(const std::string& line) {
  std::string out;
  for (char c : line.substr(0, line.find("--"))) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  while (!out.empty() && (out.back() == ';' || out.back() == ' ')) out.pop_back();
  return out;
}

// The script with a BEGIN ... COMMIT wrapper turned into comments, or nullopt without one. A
// trigger's BEGIN ... END is no wrapper: it is not the script's first statement.
std::optional<std::string> WithoutWrapper(const std::string& sql) {
  std::vector<std::string> lines;
  std::istringstream in(sql);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  size_t first = lines.size(), last = lines.size();
  for (size_t i = 0; i < lines.size(); ++i)
    if (!Normalized(lines[i]).empty()) {
      if (first == lines.size()) first = i;
      last = i;
    }
  static const std::set<std::string> kBegin = {
      "BEGIN",           "BEGIN TRANSACTION", "BEGIN WORK",    "START TRANSACTION",
      "BEGIN IMMEDIATE", "BEGIN EXCLUSIVE",   "BEGIN DEFERRED"};
  static const std::set<std::string> kCommit = {"COMMIT", "COMMIT TRANSACTION", "COMMIT WORK",
                                                "END", "END TRANSACTION"};
  if (first == lines.size() || first == last || !kBegin.count(Normalized(lines[first])) ||
      !kCommit.count(Normalized(lines[last])))
    return std::nullopt;
  const std::string why = "  -- (removed by orchestrate import: the step runs in a transaction)";
  lines[first] = "-- " + lines[first] + why;
  lines[last] = "-- " + lines[last] + why;
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// The first statement of `sql` that cannot run inside a transaction, as "KIND (line N)", or "".
std::string NoTransactionStatement(const std::string& sql, const std::string& dialect) {
  if (dialect != "postgresql" && dialect != "sqlite") return "";
  ScriptAnalysis a =
      AnalyzeScript(dialect == "postgresql" ? Dialect::kPostgres : Dialect::kSqlite, sql);
  if (!a.ok) return "";  // `validate` reports the parse error
  for (const auto& st : a.statements) {
    // ALTER TYPE ... ADD VALUE cannot run in a transaction before PostgreSQL 12, and the value it
    // adds cannot be used in the transaction that adds it on any version.
    bool add_value =
        st.kind == "ALTER TYPE" && Normalized(st.text).find(" ADD VALUE") != std::string::npos;
    if (st.needs_no_transaction || add_value)
      return (add_value ? std::string("ALTER TYPE ... ADD VALUE") : st.kind) + " (line " +
             std::to_string(st.line) + ")";
  }
  return "";
}

}  // namespace

Status ResolveTransactions(Source* src, const std::string& dialect) {
  const bool strip = src->format == ImportFormat::kSqitch;
  std::vector<std::string> stripped;
  std::string wrapped, outside;
  for (auto& m : src->migrations) {
    std::string why_outside;
    bool own_transaction = false;
    for (bool up : {true, false}) {
      const std::string& path = up ? m.up : m.down;
      std::optional<std::string>& text = up ? m.up_text : m.down_text;
      std::string sql;
      if (text) {
        sql = *text;
      } else if (!path.empty()) {
        ORCH_RETURN_IF_ERROR(ReadText(path, &sql));
      } else {
        continue;
      }
      if (auto without = WithoutWrapper(sql)) {
        if (strip && !text) {
          text = *without;
          if (stripped.empty() || stripped.back() != m.id) stripped.push_back(m.id);
        } else {
          own_transaction = true;
        }
        continue;
      }
      std::string st = NoTransactionStatement(sql, dialect);
      if (!st.empty() && why_outside.empty())
        why_outside = m.id + " (" + st + (up ? "" : " of its down") + ")";
    }
    if (own_transaction && m.transactional) {
      m.transactional = false;
      wrapped += (wrapped.empty() ? "" : ", ") + m.id;
    } else if (!why_outside.empty() && m.transactional) {
      m.transactional = false;
      outside += (outside.empty() ? "" : ", ") + why_outside;
    }
  }
  if (!stripped.empty()) {
    std::string ids;
    for (const auto& id : stripped) ids += (ids.empty() ? "" : ", ") + id;
    src->notes.push_back(
        "these changes' scripts wrap themselves in BEGIN/COMMIT (as Sqitch's templates write "
        "them): they were written to sql/ with those two lines commented out, and each runs "
        "inside its step's transaction (edit the originals and import again rather than those "
        "copies): " +
        ids);
  }
  if (!wrapped.empty())
    src->notes.push_back(
        "these migrations wrap their scripts in BEGIN/COMMIT, which cannot run inside the "
        "transaction orchestrate gives each step, so they are imported as `transactional: false` "
        "(an interrupted step needs `orchestrate force`, and what their down scripts drop is not "
        "snapshotted): " +
        wrapped +
        ". Remove BEGIN/COMMIT from their scripts and that line to make each step atomic.");
  if (!outside.empty())
    src->notes.push_back(
        "these migrations hold a statement that cannot run inside a transaction, so they are "
        "imported as `transactional: false`: " +
        outside);
  return Status::Ok();
}

}  // namespace orchestrate::importers
