#include "orchestrator/check.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <functional>
#include <map>
#include <set>

#include "migrations/analysis/analysis.h"
#include "migrations/auto_down.h"
#include "migrations/journal.h"
#include "migrations/ledger.h"
#include "migrations/preexisting.h"
#include "migrations/statement_commits.h"
#include "migrations/statement_split.h"
#include "orchestrator/review.h"
#include "plans/names.h"
#include "plans/semver.h"

namespace orchestrate {
namespace {

bool ParseIso(const std::string& s, std::time_t* out) {
  std::tm tm{};
  if (s.size() < 19 || !strptime(s.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return false;
  *out = timegm(&tm);
  return true;
}

}  // namespace

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kGo:
      return "GO";
    case Verdict::kGoWithWarnings:
      return "GO WITH WARNINGS";
    case Verdict::kNoGo:
      return "NO-GO";
  }
  return "?";
}

namespace {
constexpr std::pair<CheckLevel, const char*> kCheckLevels[] = {
    {CheckLevel::kNoGo, "no-go"}, {CheckLevel::kWarning, "warning"}, {CheckLevel::kInfo, "info"}};
}  // namespace

const char* Name(CheckLevel level) { return NameIn(kCheckLevels, level, "info"); }
std::optional<CheckLevel> CheckLevelFromName(std::string_view name) {
  return FromNameIn(kCheckLevels, name);
}

double DaysBetween(const std::string& a, const std::string& b) {
  std::time_t ta, tb;
  if (!ParseIso(a, &ta) || !ParseIso(b, &tb)) return -1;
  return std::difftime(tb, ta) / 86400.0;
}

// A table the rollback drops may be referenced by a foreign key from a table the rollback leaves
// alone (created by hand, or by a release still deployed), or read by such a view: PostgreSQL
// refuses the DROP TABLE, SQLite leaves references to nothing or a view that fails. Tables the
// rollback's SQL mentions at all are assumed to be handled by it (their key dropped or changed
// first); a DROP ... CASCADE drops the keys itself.
Status CheckWhatReadsDroppedTables(Database& db, const RunPlan& run,
                                   const std::vector<ScriptAnalysis>& analyses,
                                   const std::function<void(std::string)>& nogo) {
  auto norm = [](std::string name) {
    std::string out;
    for (char c : name)
      if (c != '"') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (out.rfind("public.", 0) == 0) out = out.substr(7);
    return out;
  };
  std::set<std::string> mentioned;
  std::vector<std::pair<std::string, std::string>> dropped;  // table, "step n, migration id"
  for (size_t i = 0; i < run.steps.size(); ++i) {
    const Step& s = run.steps[i];
    if (s.sql.empty()) continue;
    for (const auto& st : analyses[i].statements) {
      for (const auto& t : st.tables) mentioned.insert(norm(t));
      bool cascade = st.text.find("CASCADE") != std::string::npos ||
                     st.text.find("cascade") != std::string::npos;
      if (st.kind == "DROP TABLE" && !cascade)
        for (const auto& t : st.tables)
          dropped.emplace_back(t, "step " + std::to_string(i + 1) + ", migration " + s.id);
    }
  }
  if (dropped.empty()) return Status::Ok();
  auto txn = db.BeginRead();
  if (!txn.ok()) return txn.status();
  // (dropped table, referencing table, constraint) for every dropped table: one query on
  // PostgreSQL (a rollback may drop hundreds of tables), one per table on SQLite (no round trips).
  std::vector<std::string> names;
  for (const auto& entry : dropped) names.push_back(entry.first);
  auto found = db.ForeignKeysInto(**txn, names);
  if (!found.ok()) return found.status();
  const std::vector<std::array<std::string, 3>>& refs = *found;
  for (const auto& [table, where] : dropped) {
    for (const auto& [to, from, name] : refs) {
      if (to != table || mentioned.count(norm(from))) continue;
      nogo(where + " drops table " + table + ", but table " + from +
           ", which this rollback does not touch, references it (" + name +
           "): PostgreSQL refuses the DROP and SQLite would leave references to nothing. Drop "
           "or change that foreign key first");
    }
  }
  auto views = db.ViewsReading(**txn, names);
  if (!views.ok()) return views.status();
  for (const auto& [table, where] : dropped) {
    for (const auto& [read, view] : *views) {
      if (read != table || mentioned.count(norm(view))) continue;
      nogo(where + " drops table " + table + ", but view " + view +
           ", which this rollback does not touch, reads it: PostgreSQL refuses the DROP and "
           "SQLite would leave a view that fails when queried. Drop or change that view first");
    }
  }
  return Status::Ok();
}

// A rollback that drops an extension drops it for the whole database: also for objects outside
// the releases rolled back (a column of one of its types, an index using its operators), which
// go with it (CASCADE) or make the DROP fail. Said for each extension that is installed, with its
// version, whatever the release's up did (orchestrate does not yet record whether the up created
// it).
Status CheckDroppedExtensions(Database& db, const RunPlan& run,
                              const std::vector<ScriptAnalysis>& analyses,
                              const std::function<void(std::string)>& warn) {
  std::vector<std::pair<size_t, const StatementAnalysis*>> drops;
  for (size_t i = 0; i < run.steps.size(); ++i)
    for (const auto& st : analyses[i].statements)
      if (!st.drops_extensions.empty()) drops.emplace_back(i, &st);
  if (drops.empty()) return Status::Ok();
  auto txn = db.BeginRead();
  if (!txn.ok()) return txn.status();
  auto installed = db.Extensions(**txn);
  if (!installed.ok()) return installed.status();
  for (const auto& [i, st] : drops) {
    const Step& s = run.steps[i];
    for (const std::string& ext : st->drops_extensions) {
      for (const auto& [name, version] : *installed) {
        if (name != ext) continue;
        warn("step " + std::to_string(i + 1) + " [" + s.release + "] migration " + s.id +
             ", line " + std::to_string(st->line) + ": drops extension " + ext + " (installed, " +
             "version " + version +
             ") for the whole database: whatever else uses it, also "
             "outside the releases rolled back, goes with it or makes the DROP fail. Keep the "
             "DROP only if the release's up created the extension");
      }
    }
  }
  return Status::Ok();
}

CheckOptions CheckOptionsFor(const std::string& target, bool allow_major, bool accept_data_loss,
                             bool allow_outside_window) {
  CheckOptions options;
  options.target = target;
  options.allow_major = allow_major;
  options.accept_data_loss = accept_data_loss;
  options.allow_outside_window = allow_outside_window;
  options.now = NowIso8601();
  return options;
}

Result<CheckResult> CheckRollback(const Plan& plan, Database& db, Deployer& deployer,
                                  const CheckOptions& options) {
  CheckResult out;
  auto nogo = [&](std::string text) {
    out.reasons.push_back({CheckLevel::kNoGo, std::move(text)});
  };
  auto warn = [&](std::string text) {
    out.reasons.push_back({CheckLevel::kWarning, std::move(text)});
  };
  auto info = [&](std::string text) {
    out.reasons.push_back({CheckLevel::kInfo, std::move(text)});
  };

  Result<CurrentState> state =
      options.state ? Result<CurrentState>(*options.state) : Journal(db, NowIso8601).LoadState();
  if (!state.ok()) return state.status();
  auto image = deployer.Current();
  if (!image.ok()) return image.status();
  auto run = PlanRollback(plan, *state, options.target, *image, options.accept_data_loss);
  if (!run.ok()) {
    if (run.status().code() != Code::kNeedsHuman) return run.status();
    nogo(run.status().message());  // drift, an irreversible migration
    out.verdict = Verdict::kNoGo;
    return out;
  }
  out.planned = true;
  out.from = run->from_version;
  out.to = run->to_version;
  if (run->empty()) return Status::NothingToDo("nothing to do: already at " + run->to_version);

  // What is crossed.
  std::vector<std::string> releases;
  int migrations = 0, seeds = 0;
  for (const auto& s : run->steps) {
    if (s.kind == StepKind::kForgetRelease) releases.push_back(s.release);
    if (s.kind == StepKind::kRevertMigration) ++migrations;
    if (s.kind == StepKind::kUndoSeed) ++seeds;
  }
  std::string list;
  for (const auto& r : releases) list += (list.empty() ? "" : ", ") + r;
  info("crosses " + std::to_string(releases.size()) + " release(s) (" + list +
       "): " + std::to_string(migrations) + " down-migration(s), " + std::to_string(seeds) +
       " seed(s) to undo, " + std::to_string(run->steps.size()) + " steps");
  for (size_t i = 0; i < run->steps.size(); ++i) {
    const Step& s = run->steps[i];
    if (s.kind != StepKind::kSwapImage) continue;
    info("step " + std::to_string(i + 1) + " swaps the image " +
         (s.image_from.empty() ? "(none)" : s.image_from) + " -> " + s.image_to + ": " + s.why);
  }

  // Major version.
  auto from = ParseSemVer(run->from_version);
  auto to = ParseSemVer(run->to_version);
  if (from && to && from->major != to->major) {
    std::string text =
        "crosses a major version (" + run->from_version + " -> " + run->to_version + ")";
    if (options.allow_major || plan.policy.allow_major)
      warn(text + ": allowed by " +
           std::string(options.allow_major ? "--allow-major" : "policy.allow_major"));
    else
      nogo(text + ": pass --allow-major if the older major really runs on this data");
  }

  // The window.
  if (plan.policy.window_days > 0) {
    for (const auto& r : state->releases) {
      if (r.version != run->to_version) continue;
      double days = DaysBetween(r.deployed_at, options.now);
      if (days <= plan.policy.window_days) continue;
      std::string text =
          "the target " + r.version + " was deployed " + std::to_string(static_cast<int>(days)) +
          " days ago, beyond policy.window_days (" + std::to_string(plan.policy.window_days) +
          "): data written since may not fit it";
      if (options.allow_outside_window)
        warn(text + "; allowed by --allow-outside-window");
      else
        nogo(text +
             ". If the old release really runs on today's data, pass "
             "--allow-outside-window (recorded with the run)");
    }
  }

  // The SQL itself.
  Status sql = CheckPlanSql(*run, db.Kind());
  if (!sql.ok()) nogo(sql.message());

  // Seeds: what the ledger holds, and (when simulating) whether reversing it would stop at rows
  // changed since the deploy or referenced by rows of other tables. One transaction for all
  // seeds, in rollback order, never committed; after the first conflict the rest is not judged.
  // The ledger counts are read first, in one query whose read ends before the simulation: the
  // simulation keeps one transaction open on the connection, and no other may start beside it.
  std::vector<int64_t> ledger_rows(run->steps.size(), 0);
  if (std::any_of(run->steps.begin(), run->steps.end(),
                  [](const Step& s) { return s.kind == StepKind::kUndoSeed; })) {
    auto read = db.BeginRead();
    if (!read.ok()) return read.status();
    auto by_seed = LedgerRowsBySeed(db, **read);
    if (!by_seed.ok()) return by_seed.status();
    for (size_t i = 0; i < run->steps.size(); ++i)
      if (run->steps[i].kind == StepKind::kUndoSeed) {
        auto found = by_seed->find(run->steps[i].id);
        if (found != by_seed->end()) ledger_rows[i] = found->second;
      }
  }
  std::unique_ptr<Transaction> simulation;
  bool simulation_stopped = false;
  auto judge_seed = [&](const std::string& where, const Step& s, int64_t rows) -> Status {
    std::string seed = where + "seed " + s.id;
    if (s.has_undo) return Status::Ok();
    if (rows == 0) {
      warn(seed +
           " has no undo SQL and no rows in the ledger (deployed before the ledger, or it "
           "changed nothing): the rows it wrote stay");
      return Status::Ok();
    }
    info(seed + ": the ledger reverses " + std::to_string(rows) + " row(s)");
    if (!options.simulate_ledger || simulation_stopped) return Status::Ok();
    if (!simulation) {
      auto txn = db.Begin();
      if (!txn.ok()) return txn.status();
      simulation = std::move(*txn);
      ORCH_RETURN_IF_ERROR(simulation->LimitWaits(plan.policy.lock_timeout_seconds, 0));
    }
    int64_t reversed = 0;
    Status st = SimulateReversal(db, *simulation, s.id, plan.policy.on_modified,
                                 plan.policy.batch_rows, &reversed);
    if (!st.ok()) {
      nogo(seed + ": " + st.message());
      simulation_stopped = true;
    }
    return Status::Ok();
  };

  for (size_t i = 0; i < run->steps.size(); ++i) {
    const Step& s = run->steps[i];
    if (s.kind == StepKind::kUndoSeed)
      ORCH_RETURN_IF_ERROR(
          judge_seed("step " + std::to_string(i + 1) + " [" + s.release + "] ", s, ledger_rows[i]));
  }
  simulation.reset();  // rolled back; the counts below read the database as it is

  const Dialect dialect = db.Kind();
  std::vector<ScriptAnalysis> analyses(run->steps.size());  // each step's SQL, analysed once
  for (size_t i = 0; i < run->steps.size(); ++i)
    if (!run->steps[i].sql.empty()) analyses[i] = AnalyzeScript(dialect, run->steps[i].sql);
  ORCH_RETURN_IF_ERROR(CheckWhatReadsDroppedTables(db, *run, analyses, nogo));
  ORCH_RETURN_IF_ERROR(CheckDroppedExtensions(db, *run, analyses, warn));
  // The up SQL of each applied migration, to tell an empty down that undoes nothing from one
  // that has nothing to undo.
  std::map<std::pair<std::string, std::string>, const std::string*> up_of;
  for (const auto& m : state->migrations) up_of[{m.release, m.id}] = &m.up_sql;
  auto has_statements = [&](const std::string& script) {
    ScriptSplit split = SplitScript(dialect, script);
    return !split.ok || !split.statements.empty();
  };
  for (size_t i = 0; i < run->steps.size(); ++i) {
    const Step& s = run->steps[i];
    std::string where = "step " + std::to_string(i + 1) + " [" + s.release + "] ";
    bool keeps_drops = false;
    if (s.kind == StepKind::kRevertMigration)
      for (const auto& m : state->migrations)
        if (m.id == s.id && !m.dropped_preexisting.empty() && (keeps_drops = true))
          warn(where + "migration " + s.id + ": its down drops " +
               DescribeObjects(m.dropped_preexisting) +
               ", which its up's CREATE ... IF NOT EXISTS found already there (the release did "
               "not create it): " +
               (plan.policy.keep_preexisting_extensions
                    ? "the rollback keeps it (policy keep_preexisting_extensions)"
                    : "the rollback drops it anyway (keep_preexisting_extensions: false)"));
    if (s.kind == StepKind::kRevertMigration && IsGeneratedDown(s.sql))
      for (const auto& w : GeneratedDownWarnings(s.sql))
        warn(where + "migration " + s.id + " (generated down, down: auto): " + w);
    if (s.kind == StepKind::kRevertMigration && !s.irreversible && !IsGeneratedDown(s.sql) &&
        !keeps_drops && !has_statements(s.sql)) {
      auto up = up_of.find({s.release, s.id});
      if (up != up_of.end() && has_statements(*up->second))
        warn(where + "migration " + s.id +
             ": its down script is empty but its up script is not, so the rollback leaves what "
             "the up changed (`validate --strict` refuses such a plan; write the down, or mark "
             "it `down: irreversible`)");
    }
    if (s.kind == StepKind::kRevertMigration && s.irreversible)
      warn(where + "migration " + s.id + " is irreversible: its changes stay (--accept-data-loss)");
    if (!s.transactional && s.kind != StepKind::kSwapImage)
      warn(where + "migration " + s.id +
           " runs outside a transaction: if interrupted, a human "
           "decides with `orchestrate force`");
    if (s.sql.empty()) continue;
    if (db.DdlCommitsByItself() && s.transactional &&
        (s.kind == StepKind::kApplyMigration || s.kind == StepKind::kRevertMigration)) {
      if (auto mixed = MixesDdlAndDml(dialect, s.sql)) {
        std::string file = "migration " + s.id;  // the file it came from, when the plan names it
        for (const auto& rel : plan.releases)
          for (const auto& m : rel.migrations)
            if (rel.version == s.release && m.id == s.id)
              file = (s.kind == StepKind::kApplyMigration ? m.up : m.down).path;
        warn(where + file + ":" + std::to_string(mixed->ddl_line) + ": migration " + s.id +
             " mixes DDL (line " + std::to_string(mixed->ddl_line) + ") and DML (line " +
             std::to_string(mixed->dml_line) +
             "), which is not atomic on MySQL/MariaDB: each DDL statement commits by itself; "
             "it runs statement by statement with a checkpoint after each");
      }
    }
    for (const auto& st : analyses[i].statements) {
      if (st.online_ddl.lock != DdlLock::kNone && !st.tables.empty()) {
        // MySQL/MariaDB: a table copy (or a FULLTEXT index build) that blocks writes.
        long rows = options.count_rows
                        ? CountRows(db, st.tables.front(), plan.policy.lock_timeout_seconds)
                        : -1;
        warn(where + (s.kind == StepKind::kUndoSeed ? "seed " : "migration ") + s.id + ", line " +
             std::to_string(st.line) + ": " + st.kind + " " + st.tables.front() + " takes " +
             OnlineDdlText(st.online_ddl) + " (" + st.online_ddl.why + "): writes to " +
             st.tables.front() + " wait until it ends" +
             (rows >= 0 ? " (" + std::to_string(rows) + " rows now)" : ""));
      }
      if (!st.destroys_data) continue;
      long rows = st.tables.empty() || !options.count_rows
                      ? -1
                      : CountRows(db, st.tables.front(), plan.policy.lock_timeout_seconds);
      warn(where + (s.kind == StepKind::kUndoSeed ? "seed " : "migration ") + s.id + ", line " +
           std::to_string(st.line) + ": " + st.destroys +
           (rows >= 0 ? " (" + std::to_string(rows) + " rows in " + st.tables.front() + " now)"
                      : "") +
           (plan.policy.snapshot == SnapshotPolicy::kOnDestroy && !st.tables.empty()
                ? "; a snapshot captures it first (`orchestrate snapshots`)"
                : "; no snapshot captures it"));
    }
  }
  for (const auto& item : run->not_rolled_back) warn("not rolled back: " + item);
  if (!options.rehearsal_source.empty()) {
    // The downs of this rollback as the rehearsal found them.
    int clean = 0, absent = 0, other = 0, downs = 0;
    for (size_t i = 0; i < run->steps.size(); ++i) {
      const Step& s = run->steps[i];
      if (s.kind != StepKind::kRevertMigration || s.irreversible) continue;
      ++downs;
      auto it = options.rehearsed.find(s.id);
      if (it == options.rehearsed.end() || it->second.verdict == "not reached") {
        ++absent;
        continue;
      }
      const auto& r = it->second;
      if (r.down_sha256 != s.sql_sha256) {
        ++other;
        info("step " + std::to_string(i + 1) + " [" + s.release + "] migration " + s.id +
             ": the rehearsal " + options.rehearsal_source +
             " rehearsed another down file than the one stored in the database: its verdict (" +
             r.verdict + ") does not apply");
        continue;
      }
      if (r.verdict == "clean" || r.verdict == "skipped") {
        ++clean;
        continue;
      }
      warn("step " + std::to_string(i + 1) + " [" + s.release + "] migration " + s.id +
           ": its down did not round-trip in the rehearsal " + options.rehearsal_source + " (" +
           r.verdict + (r.detail.empty() ? "" : ": " + r.detail) +
           "): the rollback would leave a schema release " + s.release +
           "'s predecessor never had");
    }
    info("rehearsal " + options.rehearsal_source + ": " + std::to_string(clean) + " of the " +
         std::to_string(downs) + " down(s) of this rollback rehearsed clean, " +
         std::to_string(absent) + " not rehearsed, " + std::to_string(other) +
         " rehearsed with another down file");
  }

  out.verdict = Verdict::kGo;
  for (const auto& r : out.reasons) {
    if (r.level == CheckLevel::kNoGo) out.verdict = Verdict::kNoGo;
    if (r.level == CheckLevel::kWarning && out.verdict == Verdict::kGo)
      out.verdict = Verdict::kGoWithWarnings;
  }
  return out;
}

}  // namespace orchestrate
