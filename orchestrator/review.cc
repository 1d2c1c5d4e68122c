#include "orchestrator/review.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "migrations/analysis/analysis.h"
#include "migrations/catalog.h"
#include "migrations/journal.h"
#include "migrations/ledger.h"
#include "migrations/ledger/dialect.h"
#include "orchestrator/executor.h"
#include "orchestrator/script_recorder.h"
#include "plans/manifest.h"
#include "plans/render.h"
#include "plans/sha256.h"
#include "snapshot/snapshot.h"

namespace orchestrate {
namespace {

// Lines a reviewer sees that do not bind an approval: row estimates change with the data, and
// where things are (database URL, deployer path) changes from machine to machine.
const char* const kVolatilePrefixes[] = {"-- estimate:", "-- where:"};

std::string RelativeTo(const std::string& dir, const std::string& path) {
  if (!dir.empty() && path.rfind(dir + "/", 0) == 0) return path.substr(dir.size() + 1);
  return path;
}

bool IsVolatile(const std::string& line) {
  for (const char* p : kVolatilePrefixes)
    if (line.rfind(p, 0) == 0) return true;
  return false;
}

// The ledger's chunk statements are derived from the rows recorded at deploy and are consumed as
// the reversal runs, so a resumed run lists fewer: they sit between these markers and are not
// bound by the approval (the step, its seed and the on_modified policy are).
// The header line of a script that resumes an unfinished run, and the line after the last step.
const char kResumesPrefix[] = "-- resumes run ";
const char kLockReleased[] = "-- the run lock released";

const std::string kLedgerBegin = std::string("-- ") + kLedgerScriptBegin;
const std::string kLedgerEnd = std::string("-- ") + kLedgerScriptEnd;

// A binding line with its 1-based line number in the script.
struct NumberedLine {
  size_t number;
  std::string text;
};

std::vector<NumberedLine> NumberedBindingLines(const std::string& script) {
  std::vector<NumberedLine> lines;
  std::istringstream in(script);
  std::string line;
  bool in_ledger = false;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line == kLedgerBegin) in_ledger = true;
    if (!in_ledger && !IsVolatile(line)) lines.push_back({number, line});
    if (line == kLedgerEnd) in_ledger = false;
  }
  return lines;
}

std::vector<std::string> BindingLines(const std::string& script) {
  std::vector<std::string> lines;
  for (auto& l : NumberedBindingLines(script)) lines.push_back(std::move(l.text));
  return lines;
}

// A unified diff of the binding lines, numbered as in each script (the approved file is the one
// the DBA holds): hunks with two lines of context, at most `max_lines` lines. Empty when the
// middle part that differs is too large to compare line by line (over 4M line pairs).
std::string UnifiedDiff(const std::vector<NumberedLine>& a, const std::vector<NumberedLine>& b,
                        size_t max_lines) {
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre].text == b[pre].text) ++pre;
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre &&
         a[a.size() - 1 - suf].text == b[b.size() - 1 - suf].text)
    ++suf;
  const size_t n = a.size() - pre - suf, m = b.size() - pre - suf;
  if (n * m > 4000000) return "";
  // Longest common subsequence of the middle parts, then the edit script: ' ', '-', '+'.
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = a[pre + i].text == b[pre + j].text ? lcs[i + 1][j + 1] + 1
                                                     : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  struct Edit {
    char op;
    size_t ai, bi;  // indexes into a and b (of the line, or where it would be)
  };
  std::vector<Edit> edits;
  for (size_t k = 0; k < pre; ++k) edits.push_back({' ', k, k});
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[pre + i].text == b[pre + j].text) {
      edits.push_back({' ', pre + i++, pre + j++});
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      edits.push_back({'+', pre + i, pre + j++});
    } else {
      edits.push_back({'-', pre + i++, pre + j});
    }
  }
  for (size_t k = 0; k < suf; ++k) edits.push_back({' ', pre + n + k, pre + m + k});
  // Hunks: runs of changes at most three unchanged lines apart, with two lines of context.
  auto number = [](const std::vector<NumberedLine>& v, size_t idx) {
    return idx < v.size() ? v[idx].number : (v.empty() ? 1 : v.back().number + 1);
  };
  std::string out;
  size_t lines = 0;
  for (size_t k = 0; k < edits.size() && lines < max_lines; ++k) {
    if (edits[k].op == ' ') continue;
    size_t last = k;  // the last change of this hunk
    for (size_t e = k + 1; e < edits.size() && e <= last + 4; ++e)
      if (edits[e].op != ' ') last = e;
    const size_t start = k >= 2 ? k - 2 : 0, end = std::min(edits.size(), last + 3);
    size_t a_count = 0, b_count = 0;
    for (size_t e = start; e < end; ++e) {
      if (edits[e].op != '+') ++a_count;
      if (edits[e].op != '-') ++b_count;
    }
    out += "\n  @@ -" + std::to_string(number(a, edits[start].ai)) + "," + std::to_string(a_count) +
           " +" + std::to_string(number(b, edits[start].bi)) + "," + std::to_string(b_count) +
           " @@";
    for (size_t e = start; e < end && lines < max_lines; ++e, ++lines) {
      const std::string& text = edits[e].op == '+' ? b[edits[e].bi].text : a[edits[e].ai].text;
      out += "\n  " + std::string(1, edits[e].op) + text.substr(0, 160);
    }
    k = end - 1;
  }
  if (lines >= max_lines) out += "\n  ... (more differences: render the script and diff it)";
  return out;
}

// The value of a "-- key: value" header line, or "".
std::string HeaderValue(const std::vector<std::string>& lines, const std::string& key) {
  std::string prefix = "-- " + key + ": ";
  for (const auto& l : lines)
    if (l.rfind(prefix, 0) == 0) return l.substr(prefix.size());
  return "";
}

// "ACCESS EXCLUSIVE lock on orders, shipping_methods + ROW SHARE lock on customers (foreign key
// checks, when rows are written)": the statement's locks per relation, strongest first; "" when
// it takes none. Without per-relation locks (SQLite, a statement whose relations the analyzer
// cannot name), its strongest lock on all of its tables.
std::string LocksText(const StatementAnalysis& st) {
  if (st.locks.empty()) {
    if (st.lock == LockLevel::kNone) return "";
    std::string text = std::string(LockLevelName(st.lock)) + " lock";
    for (size_t i = 0; i < st.tables.size(); ++i) text += (i ? ", " : " on ") + st.tables[i];
    return text;
  }
  std::vector<RelationLock> locks = st.locks;
  std::stable_sort(locks.begin(), locks.end(), [](const RelationLock& a, const RelationLock& b) {
    if (a.when_rows_written != b.when_rows_written) return b.when_rows_written;
    return static_cast<int>(a.mode) > static_cast<int>(b.mode);
  });
  std::string text;
  for (size_t i = 0; i < locks.size(); ++i) {
    const RelationLock& l = locks[i];
    const bool same = i > 0 && locks[i - 1].mode == l.mode &&
                      locks[i - 1].when_rows_written == l.when_rows_written;
    if (same) {
      text += ", ";
    } else {
      if (i > 0) text += locks[i - 1].when_rows_written ? " (foreign key checks) + " : " + ";
      text += std::string(LockLevelName(l.mode)) + " lock on ";
    }
    text += l.relation.empty() ? l.unknown : l.relation;
  }
  if (locks.back().when_rows_written) text += " (foreign key checks, when rows are written)";
  return text;
}

std::string StepOwner(const Step& s) {
  bool seed = s.kind == StepKind::kRunSeed || s.kind == StepKind::kUndoSeed;
  return (seed ? "seed " : "migration ") + s.id + " (release " + s.release + ")";
}

// One comment line per statement: what it locks and what it destroys; with a database, an
// "-- estimate:" line of the rows in what a destructive statement touches (in a recording, as the
// earlier steps left the table).
void WriteAnalysis(std::ostream& out, const ScriptAnalysis& a, Database* db) {
  for (const auto& st : a.statements) {
    out << "--   line " << st.line << ": " << st.kind;
    const std::string locks = LocksText(st);
    if (!locks.empty()) out << ", " << locks;
    if (st.destroys_data) out << "; DESTROYS DATA: " << st.destroys;
    if (st.needs_no_transaction) out << "; cannot run in a transaction";
    out << "\n";
    if (db && st.destroys_data && !st.tables.empty()) {
      long rows = CountRows(*db, st.tables.front(), 2);
      if (rows >= 0)
        out << "-- estimate: " << st.tables.front() << " holds " << rows
            << " rows when the step starts\n";
    }
  }
}

}  // namespace

long CountRows(Database& db, const std::string& table, double lock_timeout_seconds) {
  auto txn = db.BeginRead();
  if (!txn.ok()) return -1;
  if (!(*txn)->LimitWaits(lock_timeout_seconds, lock_timeout_seconds * 4).ok()) return -1;
  auto r = (*txn)->Query("SELECT COUNT(*) FROM " + db.QuoteIdent(table));
  if (!r.ok() || r->rows.empty()) return -1;
  return ToLong(r->rows[0][0]);
}

Status CheckPlanSql(const RunPlan& run, Dialect dialect) {
  std::vector<std::string> problems;
  for (size_t i = 0; i < run.steps.size(); ++i) {
    const Step& s = run.steps[i];
    if (s.sql.empty()) continue;
    ScriptAnalysis a = AnalyzeScript(dialect, s.sql);
    std::string where = "step " + std::to_string(i + 1) + ", " + StepOwner(s);
    if (!a.ok) {
      problems.push_back(where + ", line " + std::to_string(a.error_line) + ":" +
                         std::to_string(a.error_column) + ": " + a.error);
      continue;
    }
    if (!s.transactional) continue;
    for (const auto& st : a.statements)
      if (st.needs_no_transaction)
        problems.push_back(where + ", line " + std::to_string(st.line) + ": " + st.kind +
                           " cannot run inside a transaction: mark the migration transactional: "
                           "false (it then runs alone, with started/done records)");
  }
  if (problems.empty()) return Status::Ok();
  std::string msg = "the SQL of this " + std::string(DirectionName(run.direction)) +
                    " cannot run as planned; nothing was changed:";
  for (const auto& p : problems) msg += "\n  " + p;
  return Status::Invalid(msg);
}

namespace {

std::string SqlText(const std::string& s) { return ScriptLiteral(s, Database::ScriptClient()); }

// "'a', 'b'" (an IN list), or "NULL" for none (IN (NULL) matches nothing).
std::string InList(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + SqlText(v);
  return out.empty() ? "NULL" : out;
}

// The first column of every row of `sql`, read through `db`.
Result<std::vector<std::string>> Column(Database& db, const std::string& sql) {
  auto txn = db.BeginRead();
  if (!txn.ok()) return txn.status();
  auto rows = (*txn)->Query(sql);
  if (!rows.ok()) return rows.status();
  std::vector<std::string> out;
  for (const auto& r : rows->rows) out.push_back(r.empty() ? "" : r[0].value_or(""));
  return out;
}

// The guards that stop a script run by hand, before it changes anything, when the database is not
// in the state the script was recorded in: another run since, an unfinished run, other releases,
// migrations or seeds (or their checksums) than recorded.
Result<std::vector<std::string>> StateGuards(Database& db, bool resumed) {
  std::vector<std::string> out;
  auto has = Journal(db, NowIso8601).HasSchema();
  if (!has.ok()) return has.status();
  const std::string changed =
      "the database is not as it was when this script was rendered (render it again with "
      "`orchestrate sql` and have it reviewed); nothing was changed: ";
  if (!*has) {
    out.push_back(
        db.GuardStatement("SELECT id FROM orchestrate_runs", changed + "runs were recorded since"));
    return out;
  }
  auto newest = Column(db, "SELECT COALESCE(MAX(id), 0) FROM orchestrate_runs");
  if (!newest.ok()) return newest.status();
  const std::string run = newest->empty() ? "0" : newest->front();
  out.push_back(db.GuardStatement(
      "SELECT MAX(id) FROM orchestrate_runs HAVING COALESCE(MAX(id), 0) <> " + run,
      changed + "the newest run is no longer run " + run));
  if (resumed) {
    auto done = Column(db, "SELECT count(*) FROM orchestrate_steps WHERE run_id = " + run +
                               " AND status = 'done'");
    if (!done.ok()) return done.status();
    out.push_back(db.GuardStatement("SELECT count(*) FROM orchestrate_steps WHERE run_id = " + run +
                                        " AND status = 'done' HAVING count(*) <> " +
                                        (done->empty() ? "0" : done->front()),
                                    changed + "run " + run + " has other steps done"));
  } else {
    out.push_back(db.GuardStatement(
        "SELECT id, status FROM orchestrate_runs WHERE status IN ('running', 'failed', "
        "'interrupted')",
        changed + "an unfinished run is in the way (`orchestrate status` shows it)"));
  }
  struct Table {
    const char* name;
    const char* row;  // the row as text, as the guard compares it
    const char* what;
  };
  const Table tables[] = {
      {"orchestrate_releases", "version || ':' || seq", "the releases deployed differ"},
      {"orchestrate_migrations",
       "id || ':' || up_sha256 || ':' || COALESCE(down_sha256, '-') || ':' || irreversible",
       "the migrations applied (or their checksums) differ"},
      {"orchestrate_seeds", "id || ':' || sql_sha256 || ':' || COALESCE(undo_sql, '-')",
       "the seeds applied differ"}};
  for (const Table& t : tables) {
    auto rows = Column(db, std::string("SELECT ") + t.row + " FROM " + t.name);
    if (!rows.ok()) return rows.status();
    std::sort(rows->begin(), rows->end());
    out.push_back(db.GuardStatement(std::string("SELECT ") + t.row + " FROM " + t.name + " WHERE " +
                                        t.row + " NOT IN (" + InList(*rows) + ")",
                                    changed + t.what));
    out.push_back(db.GuardStatement(std::string("SELECT count(*) FROM ") + t.name +
                                        " HAVING count(*) <> " + std::to_string(rows->size()),
                                    changed + t.what));
  }
  return out;
}

// The comment lines in front of step n: what it is, what each statement locks and destroys, the
// snapshots taken first, the ledger chunks that follow. `db` reads the database as the steps
// before left it (in a recording), for the estimates.
void WriteStepHeader(std::ostream& out, int n, int total, const Step& s, const ReviewContext& ctx,
                     Database& db) {
  const Plan& plan = *ctx.plan;
  out << "\n-- step " << n << " of " << total << ": [" << s.release << "] " << DescribeStep(s)
      << "\n";
  if (s.kind == StepKind::kSwapImage) {
    out << "--   why: " << s.why << "\n";
    out << "--   not SQL: orchestrate's deployer points the application at " << s.image_to
        << " and reads it back to verify" << (ctx.swapper ? ":" : "") << "\n";
    if (ctx.swapper) {
      SwapContext swap = SwapContextFor(plan, s.image_from, s.image_to, s.release,
                                        DirectionName(ctx.direction), ctx.environment, "");
      for (const auto& line : ctx.swapper->SwapActions(swap)) out << "--     " << line << "\n";
      for (const auto& line : ctx.swapper->VerifyActions())
        out << "--     then verify: " << line << "\n";
    }
    out << "--   run by hand, the script stops here for you to do it (psql waits for Enter unless "
           "run with -v orchestrate_unattended=1)\n";
    return;
  }
  if (!s.sql_sha256.empty()) out << "--   sha256: " << s.sql_sha256 << "\n";
  out << "--   transactional: "
      << (s.transactional ? "yes (one transaction with its record)"
                          : "no (runs alone, then its record)")
      << "\n";
  if (!s.note.empty()) out << "--   note: " << s.note << "\n";
  // The statements are analysed against the catalog as the steps before left it (what an index
  // belongs to, the foreign keys: what they lock beyond the relations they name).
  ScriptAnalysis analysis;
  if (!s.sql.empty()) {
    auto facts = ReadSchemaFacts(db);
    SchemaFacts none;
    analysis = AnalyzeScript(db.Kind(), s.sql, facts.ok() ? &*facts : &none);
    if (s.kind == StepKind::kRunSeed && db.Ledger().CapturesPerStatement()) {
      // The ledger's capture triggers (migrations/ledger.h) append each statement's rows to
      // orchestrate_ledger when it writes any.
      for (auto& st : analysis.statements) {
        if (st.kind != "INSERT" && st.kind != "UPDATE" && st.kind != "DELETE" && st.kind != "MERGE")
          continue;
        if (st.locks.empty())
          for (const auto& t : st.tables) st.locks.push_back({t, "", st.lock, false});
        st.locks.push_back({"orchestrate_ledger", "", LockLevel::kRowExclusive, false});
      }
    }
    WriteAnalysis(out, analysis, &db);
  }
  if (SnapshotsBefore(plan.policy, s))
    for (const std::string& line : DescribeCaptures(db.Kind(), analysis))
      out << "--   snapshot: " << line << "\n";
  if (s.kind == StepKind::kUndoSeed && !s.has_undo) {
    out << "--   ledger: the rows seed " << s.id
        << " inserted, updated or deleted are reversed newest first, one transaction per chunk "
           "of up to "
        << plan.policy.batch_rows << " rows; rows changed since the deploy: on_modified "
        << plan.policy.on_modified << "\n";
    out << kLedgerBegin << "\n";
  }
}

// In a ledger reversal, the line in front of each statement saying what it locks (the chunks are
// not bound by the approval, nor are these lines).
std::string ChunkStatementLine(const std::string& sql, Dialect dialect, bool locks_rows,
                               SchemaFacts* facts) {
  // A copy: the analysis follows what a statement changes in the schema (a chunk changes none).
  SchemaFacts mine = *facts;
  ScriptAnalysis a = AnalyzeScript(dialect, sql, &mine);
  std::string out;
  for (const auto& st : a.statements) {
    std::string locks = LocksText(st);
    out += "--   chunk statement: " + st.kind + (locks.empty() ? "" : ", " + locks);
    if (locks_rows && (st.kind == "DELETE" || st.kind == "UPDATE" || st.kind == "INSERT"))
      out += "; row locks on the rows it writes";
    out += "\n";
  }
  return out;
}

}  // namespace

Result<std::string> RenderReviewScript(const RunPlan& run, const ReviewContext& ctx) {
  if (!ctx.estimate || !ctx.swapper)
    return Status::Failed("the review script is a recording of the run: it needs the database");
  std::ostringstream out;
  const Plan& plan = *ctx.plan;
  std::string base = DirName(plan.file);
  auto identity = ctx.estimate->Identity();
  if (!identity.ok()) return identity.status().WithContext("the review script names its database");
  const Database::ScriptClient client = ctx.estimate->ScriptClientOf();

  // The run, recorded: everything it sends, in one transaction of the database that is rolled back.
  std::ostringstream body;
  RecordingDatabase rec(*ctx.estimate, body);
  ORCH_RETURN_IF_ERROR(
      rec.Open(plan.policy.lock_timeout_seconds > 0 ? plan.policy.lock_timeout_seconds : 10));
  auto current = ctx.swapper->Current();
  if (!current.ok()) return current.status().WithContext("the review script reads the image");
  RecordingDeployer deployer(*ctx.swapper, *current, rec);
  Executor executor(plan, rec, deployer, [] { return std::string(kMarkerNow); });
  RunRequest req;
  req.direction = run.direction;
  req.target = run.to_version;
  req.accept_data_loss = ctx.accept_data_loss;
  req.step_lock_timeout_seconds = plan.policy.lock_timeout_seconds;
  req.statement_timeout_seconds = plan.policy.statement_timeout_seconds;
  req.recording = true;
  req.meta = {kMarkerActor, kMarkerHost, 0, kMarkerReason, kMarkerCommand, ctx.environment};
  ReviewContext step_ctx = ctx;
  step_ctx.direction = run.direction;
  req.before_step = [&](int n, int total, const Step& s) {
    WriteStepHeader(body, n, total, s, step_ctx, rec);
    if (s.kind == StepKind::kUndoSeed && !s.has_undo) {
      // The foreign keys into the seed's tables: deleting a referenced row locks the referencing
      // table too.
      auto read = ReadSchemaFacts(rec);
      auto facts = std::make_shared<SchemaFacts>(read.ok() ? std::move(*read) : SchemaFacts());
      rec.AnnotateStatements(
          [facts, dialect = rec.Kind(), locks_rows = rec.LocksRows()](const std::string& sql) {
            return ChunkStatementLine(sql, dialect, locks_rows, facts.get());
          });
    }
  };
  // Read before the recording changes anything (in its transaction).
  Result<std::vector<std::string>> guards = std::vector<std::string>();
  Result<RunOutcome> outcome = RunOutcome();
  {
    const auto level = spdlog::get_level();
    spdlog::set_level(spdlog::level::off);  // the run's own log lines are not the script's
    auto preview = executor.Preview(req);
    bool resumed = false;
    if (preview.ok()) {
      auto unfinished = Journal(rec, NowIso8601).UnfinishedRun();
      resumed = unfinished.ok() && unfinished->has_value();
    }
    guards = StateGuards(rec, resumed);
    if (guards.ok() && !run.steps.empty()) outcome = executor.Run(req);
    spdlog::set_level(level);
  }
  rec.Close();
  if (!guards.ok()) return guards.status().WithContext("reading the state the script guards");
  if (!outcome.ok())
    return Status::FromCode(
        outcome.status().code(),
        "rendering the review script runs the " + std::string(DirectionName(run.direction)) +
            " in a transaction that is rolled back, and it stopped: " + outcome.status().message());

  out << "-- orchestrate review script: the exact SQL this " << DirectionName(run.direction)
      << " runs, in order, recorded from a run that was rolled back.\n"
      << "-- app: " << run.app << "\n"
      << "-- direction: " << DirectionName(run.direction) << "\n"
      << "-- from: " << (run.from_version.empty() ? "(nothing deployed)" : run.from_version) << "\n"
      << "-- to: " << run.to_version << "\n"
      << "-- environment: " << ctx.environment << " (" << ctx.dialect << ")\n"
      << "-- database: " << *identity << "\n"
      << "-- plan fingerprint: " << run.fingerprint << "\n"
      << "-- manifest " << RelativeTo(base, plan.file) << " sha256:" << plan.sha256 << "\n";
  for (const auto& rel : plan.releases)
    out << "-- manifest " << RelativeTo(base, rel.file) << " sha256:" << rel.sha256 << "\n";
  out << "-- steps: " << run.steps.size() << "\n";
  if (outcome->resumed)
    out << kResumesPrefix << outcome->run_id << ": the steps done are not repeated\n";
  out << "-- approval binds every line but the '-- estimate:' and '-- where:' ones; the ledger "
         "chunks, consumed as a rollback runs, are checked one by one with the digest of the data "
         "each writes back, when approved with this file (--approved FILE; --approved sha256:... "
         "does not bind them)\n";
  if (!ctx.deployer.empty()) out << "-- where: deployer " << ctx.deployer << "\n";
  out << "-- run it by hand with " << client.how_to_run << ": it does what `orchestrate "
      << DirectionName(run.direction)
      << "` does to the database, and records the run as orchestrate would\n";
  if (run.steps.empty()) {
    out << "\n-- nothing to do: already at " << run.to_version << "\n";
    return out.str();
  }
  out << "\n" << client.preamble << "\n";
  const Database::ScriptLock lock = ctx.estimate->ScriptRunLock();
  out << "\n-- the run lock, held until the end of the script (orchestrate waits for it "
         "meanwhile)\n";
  for (const auto& sql : lock.take) out << sql << ";\n";
  out << "\n-- the database is as it was when this script was rendered\n";
  for (const auto& ddl : Journal::SchemaStatements(*ctx.estimate)) {
    const bool taken = std::find(lock.take.begin(), lock.take.end(), ddl) != lock.take.end();
    if (ddl.rfind("CREATE ", 0) == 0 && !taken) out << ddl << ";\n";  // the run records the rest
  }
  out << "BEGIN;\n";
  for (const auto& sql : *guards) out << sql << ";\n";
  out << "COMMIT;\n";
  out << "\n-- the run, as orchestrate runs it\n" << body.str();
  out << "\n" << kLockReleased << "\n";
  for (const auto& sql : lock.release) out << sql << ";\n";
  return out.str();
}

std::string ApprovalHash(const std::string& script) {
  std::string canon;
  for (const auto& line : BindingLines(script)) canon += line + "\n";
  return "sha256:" + Sha256Hex(canon);
}

// The "-- ledger chunk" lines of a script: each names a chunk and the digest of its recorded data.
std::set<std::string> LedgerChunkLines(const std::string& script) {
  std::set<std::string> out;
  std::istringstream in(script);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("-- ledger chunk ", 0) == 0) out.insert(line);
  return out;
}

namespace {

// The binding lines of each step of a script, by the step's header line ("-- step n of N: ...");
// a step runs to the next one, or to the release of the run lock.
std::map<std::string, std::vector<std::string>> StepBlocks(const std::string& script) {
  std::map<std::string, std::vector<std::string>> out;
  std::vector<std::string>* block = nullptr;
  for (const std::string& line : BindingLines(script)) {
    if (line.rfind("-- step ", 0) == 0 && line.find(" of ") != std::string::npos) {
      block = &out[line];
      continue;
    }
    if (line == kLockReleased) block = nullptr;
    if (block) block->push_back(line);
  }
  return out;
}

// A resumed run records other bookkeeping than the run it resumes (it reopens the run instead of
// starting it) and only the steps not done: it matches an approval when each of its steps is, line
// for line, that step of the approved script, and the header says the same plan and database.
Status CheckResumedApproval(const std::string& approved, bool approved_is_hash,
                            const std::string& current_script) {
  if (approved_is_hash)
    return Status::NeedsHuman(
        "the SQL about to run differs from what was approved as far as a hash can tell: this run "
        "resumes an earlier one, whose remaining steps can be checked against the approved script "
        "itself (--approved FILE), not its hash");
  auto a = BindingLines(approved);
  auto b = BindingLines(current_script);
  const char* const keys[] = {"app",      "direction",       "from", "to", "environment",
                              "database", "plan fingerprint"};
  for (const char* key : keys)
    if (HeaderValue(a, key) != HeaderValue(b, key))
      return Status::NeedsHuman(
          "the SQL about to run differs from what was approved: " + std::string(key) +
          ": approved " + HeaderValue(a, key) + ", now " + HeaderValue(b, key) +
          "\nrender the new SQL with `orchestrate sql` and have it reviewed");
  const auto held = StepBlocks(approved);
  for (const auto& [header, lines] : StepBlocks(current_script)) {
    auto it = held.find(header);
    if (it == held.end() || it->second != lines)
      return Status::NeedsHuman(
          "the SQL about to run differs from what was approved: `" + header.substr(3) + "` " +
          (it == held.end() ? "is not in the approved script" : "is not as approved") +
          " (this run resumes an earlier one; its remaining steps must be those approved)\n"
          "render the new SQL with `orchestrate sql` and have it reviewed");
  }
  const std::set<std::string> seen = LedgerChunkLines(approved);
  for (const std::string& line : LedgerChunkLines(current_script))
    if (!seen.count(line))
      return Status::NeedsHuman(
          "the row ledger changed since the review: `" + line.substr(3) +
          "` is not in the approved script (its recorded rows were edited, or it is new); "
          "render the new SQL with `orchestrate sql` and have it reviewed");
  return Status::Ok();
}

}  // namespace

Status CheckApproval(const std::string& approved, bool approved_is_hash,
                     const std::string& current_script) {
  if (current_script.find(std::string("\n") + kResumesPrefix) != std::string::npos)
    return CheckResumedApproval(approved, approved_is_hash, current_script);
  std::string current_hash = ApprovalHash(current_script);
  std::string approved_hash = approved_is_hash ? approved : ApprovalHash(approved);
  if (approved_hash == current_hash) {
    // The ledger chunks are consumed as the reversal runs (a resumed run lists fewer), so they are
    // checked one by one: each chunk about to run, with the digest of the rows it writes back,
    // must be one the reviewer saw.
    if (approved_is_hash) return Status::Ok();
    const std::set<std::string> seen = LedgerChunkLines(approved);
    for (const std::string& line : LedgerChunkLines(current_script))
      if (!seen.count(line))
        return Status::NeedsHuman(
            "the row ledger changed since the review: `" + line.substr(3) +
            "` is not in the approved script (its recorded rows were edited, or it is new); "
            "render the new SQL with `orchestrate sql` and have it reviewed");
    return Status::Ok();
  }
  std::string msg = "the SQL about to run differs from what was approved (approved " +
                    approved_hash + ", now " + current_hash + ")";
  if (approved_is_hash)
    return Status::NeedsHuman(msg +
                              "; render it with `orchestrate sql` and have it reviewed again");
  auto a = BindingLines(approved);
  auto b = BindingLines(current_script);
  const char* const keys[] = {"app",      "direction",       "from", "to", "environment",
                              "database", "plan fingerprint"};
  for (const char* key : keys) {
    std::string x = HeaderValue(a, key), y = HeaderValue(b, key);
    if (x != y) msg += "\n  " + std::string(key) + ": approved " + x + ", now " + y;
  }
  // What changed, as a unified diff numbered as the approved file the DBA holds (-) and the
  // script rendered now (+).
  std::string diff =
      UnifiedDiff(NumberedBindingLines(approved), NumberedBindingLines(current_script), 40);
  msg += diff.empty() ? "\n  (too many differences to list: render the script and diff it)"
                      : "\n  --- approved\n  +++ now" + diff;
  return Status::NeedsHuman(msg +
                            "\nrender the new SQL with `orchestrate sql` and have it reviewed");
}

}  // namespace orchestrate
