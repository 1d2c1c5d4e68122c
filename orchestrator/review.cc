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
#include "migrations/statement_text.h"
#include "orchestrator/executor.h"
#include "orchestrator/review_internal.h"
#include "orchestrator/script_recorder.h"
#include "plans/manifest.h"
#include "plans/render.h"
#include "plans/sha256.h"
#include "snapshot/snapshot.h"

namespace orchestrate {
namespace {

using namespace review_internal;  // NOLINT: the two files' shared constants

std::string RelativeTo(const std::string& dir, const std::string& path) {
  if (!dir.empty() && path.rfind(dir + "/", 0) == 0) return path.substr(dir.size() + 1);
  return path;
}

// "ACCESS EXCLUSIVE lock" (PostgreSQL's names, and SQLite's DATABASE); on MySQL/MariaDB, whose
// analysis grades statements on the same scale, the metadata lock the statement takes: DROP,
// TRUNCATE and RENAME an EXCLUSIVE one, a write SHARED WRITE, a read SHARED READ.
std::string LockName(LockLevel level, Dialect dialect) {
  if (dialect == Dialect::kMysql) {
    switch (level) {
      case LockLevel::kAccessExclusive:
      case LockLevel::kExclusive:
        return "EXCLUSIVE metadata lock";
      case LockLevel::kRowExclusive:
        return "SHARED WRITE metadata lock";
      case LockLevel::kAccessShare:
      case LockLevel::kRowShare:
        return "SHARED READ metadata lock";
      default:
        break;
    }
  }
  return std::string(LockLevelName(level)) + " lock";
}

// The constants review scripts and their approval share (orchestrator/approval.cc).
// "ACCESS EXCLUSIVE lock on orders, shipping_methods + ROW SHARE lock on customers (foreign key
// checks, when rows are written)": the statement's locks per relation, strongest first; "" when
// it takes none. Without per-relation locks (SQLite, a statement whose relations the analyzer
// cannot name), its strongest lock on all of its tables. MySQL/MariaDB's online DDL as
// "ALGORITHM=COPY, LOCK=SHARED on orders", and its other statements' locks as the metadata locks
// MariaDB takes (LockName).
std::string LocksText(const StatementAnalysis& st, Dialect dialect) {
  if (st.online_ddl.algorithm != DdlAlgorithm::kNotDdl) {  // MySQL/MariaDB: its online DDL
    std::string text = OnlineDdlText(st.online_ddl);
    for (size_t i = 0; i < st.tables.size(); ++i) text += (i ? ", " : " on ") + st.tables[i];
    return text;
  }
  if (st.locks.empty()) {
    if (st.lock == LockLevel::kNone) return "";
    std::string text = LockName(st.lock, dialect);
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

// One comment line per statement: what it locks and what it destroys; an "-- estimate:" line of
// the rows in what a destructive statement touches, read on `db` (in a recording, as the earlier
// steps left the table).
void WriteAnalysis(std::ostream& out, const ScriptAnalysis& a, Database& db) {
  for (const auto& st : a.statements) {
    out << "--   line " << st.line << ": " << st.kind;
    const std::string locks = LocksText(st, db.Kind());
    if (!locks.empty()) out << ", " << locks;
    if (st.destroys_data) out << "; DESTROYS DATA: " << st.destroys;
    if (st.needs_no_transaction) out << "; cannot run in a transaction";
    out << "\n";
    if (st.destroys_data && !st.tables.empty()) {
      long rows = CountRows(db, st.tables.front(), 2);
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

// "'a', 'b'" (an IN list, as `db`'s client reads literals), or "NULL" for none (IN (NULL)
// matches nothing).
std::string InList(const Database& db, const std::vector<std::string>& values) {
  const Database::ScriptClient client = db.ScriptClientOf();
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + ScriptLiteral(v, client);
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
    std::string row;  // the row as text, as the guard compares it
    const char* what;
  };
  const Table tables[] = {
      {"orchestrate_releases", db.ConcatSql({"version", "':'", "seq"}),
       "the releases deployed differ"},
      {"orchestrate_migrations",
       db.ConcatSql(
           {"id", "':'", "up_sha256", "':'", "COALESCE(down_sha256, '-')", "':'", "irreversible"}),
       "the migrations applied (or their checksums) differ"},
      {"orchestrate_seeds",
       db.ConcatSql({"id", "':'", "sql_sha256", "':'", "COALESCE(undo_sql, '-')"}),
       "the seeds applied differ"}};
  for (const Table& t : tables) {
    auto rows = Column(db, "SELECT " + t.row + " FROM " + t.name);
    if (!rows.ok()) return rows.status();
    std::sort(rows->begin(), rows->end());
    out.push_back(db.GuardStatement("SELECT " + t.row + " FROM " + t.name + " WHERE " + t.row +
                                        " NOT IN (" + InList(db, *rows) + ")",
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
    WriteAnalysis(out, analysis, db);
  }
  if (SnapshotsBefore(plan.policy, s))
    for (const std::string& line : DescribeCaptures(db.Kind(), analysis))
      out << "--   snapshot: " << line << "\n";
  if (s.kind == StepKind::kUndoSeed && !s.has_undo) {
    out << "--   ledger: the rows seed " << s.id
        << " inserted, updated or deleted are reversed newest first, one transaction per chunk "
           "of up to "
        << plan.policy.batch_rows << " rows; rows changed since the deploy: on_modified "
        << Name(plan.policy.on_modified) << "\n";
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
    std::string locks = LocksText(st, dialect);
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

  // The run, recorded: everything it sends, in one transaction of the database that is rolled
  // back, or on a throwaway copy of it where DDL commits by itself.
  const double lock_timeout =
      plan.policy.lock_timeout_seconds > 0 ? plan.policy.lock_timeout_seconds : 10;
  auto copy = ctx.estimate->RecordingCopy(lock_timeout);
  if (!copy.ok())
    return copy.status().WithContext(
        "the review script is recorded on a copy of the database (DDL commits by itself here)");
  std::ostringstream body;
  RecordingDatabase rec(*copy ? **copy : *ctx.estimate, body);
  if (*copy)
    rec.OpenOnCopy();
  else
    ORCH_RETURN_IF_ERROR(rec.Open(lock_timeout));
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
      << "-- environment: " << ctx.environment << " (" << DialectName(ctx.dialect) << ")\n"
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
  for (const auto& sql : lock.take) out << ScriptStatement(client, sql);
  out << "\n-- the database is as it was when this script was rendered\n";
  for (const auto& ddl : Journal::SchemaStatements(*ctx.estimate)) {
    const bool taken = std::find(lock.take.begin(), lock.take.end(), ddl) != lock.take.end();
    if (ddl.rfind("CREATE ", 0) == 0 && !taken) out << ddl << ";\n";  // the run records the rest
  }
  out << "BEGIN;\n";
  for (const auto& sql : *guards) out << ScriptStatement(client, sql);
  out << "COMMIT;\n";
  out << "\n-- the run, as orchestrate runs it\n" << body.str();
  out << "\n" << kLockReleased << "\n";
  for (const auto& sql : lock.release) out << ScriptStatement(client, sql);
  return out.str();
}

}  // namespace orchestrate
