// Statement-level checkpoints (statement_steps.h).
#include "orchestrator/statement_steps.h"

#include <spdlog/spdlog.h>

#include <utility>
#include <vector>

#include "migrations/statement_split.h"

namespace orchestrate {
namespace {

using Mark = Journal::StatementMark;

// The statements of the step's script (the split is ok: RunsByStatement checked it).
std::vector<SqlStatement> StatementsOf(const Database& db, const Step& step) {
  ScriptSplit split = SplitScript(db.Kind(), step.sql);
  return split.ok ? std::move(split.statements) : std::vector<SqlStatement>();
}

// Statement `i` alone, preceded by as many newlines as put it on its line of the script: an
// error names the line of the script, as a whole script's would.
std::string OnItsLine(const SqlStatement& statement) {
  return std::string(static_cast<std::size_t>(statement.line > 0 ? statement.line - 1 : 0), '\n') +
         statement.text;
}

std::string Numbered(int i, int count) {
  return "statement " + std::to_string(i + 1) + " of " + std::to_string(count);
}

class Runner {
 public:
  explicit Runner(const StatementStep& s)
      : s_(s),
        statements_(StatementsOf(s.db, s.step)),
        count_(static_cast<int>(statements_.size())) {}

  Status Run() {
    for (const SqlStatement& st : statements_)
      if (IsTransactionControl(st.text))
        return Status::Invalid("migration " + s_.step.id + ", line " + std::to_string(st.line) +
                               ": transaction control is not allowed in a migration that "
                               "orchestrate runs in a transaction: remove it, or mark the step "
                               "transactional: false");
    auto progress = s_.never_started ? Result<std::optional<Mark>>(std::optional<Mark>())
                                     : s_.journal.StatementProgress(s_.run_id, s_.n);
    if (!progress.ok()) return progress.status();
    committed_ = progress->has_value();
    Mark mark = progress->value_or(Mark{});
    if (mark.in_flight >= 0) {
      auto decided = DecideInFlight(mark.in_flight);
      if (!decided.ok()) return decided.status();
      mark = *decided;
      if (mark.next >= count_) return Ok();  // the in-flight statement was the last: recorded
    }
    int i = mark.next;
    if (i > 0)
      spdlog::info("{}: resuming at {} (the statements before it are done)", s_.label,
                   Numbered(i, count_));
    while (i < count_) {
      if (s_.interrupted && s_.interrupted()) return Status::Cancelled("interrupted");
      if (s_.db.CommitsByItself(statements_[static_cast<std::size_t>(i)].text)) {
        ORCH_RETURN_IF_ERROR(RunDdl(i));
        ++i;
      } else {
        int j = i;
        while (j < count_ && !s_.db.CommitsByItself(statements_[static_cast<std::size_t>(j)].text))
          ++j;
        ORCH_RETURN_IF_ERROR(RunDml(i, j));
        i = j;
      }
    }
    return Ok();
  }

 private:
  static Status Ok() { return Status::Ok(); }

  // A transaction with the step's wait limits.
  Result<std::unique_ptr<Transaction>> Begin() {
    auto txn = s_.db.Begin();
    if (!txn.ok()) return txn.status();
    ORCH_RETURN_IF_ERROR((*txn)->LimitWaits(s_.lock_timeout_seconds, s_.statement_timeout_seconds));
    return txn;
  }

  // In `txn`: the mark, the step 'started' with the first part, and with the last part the
  // step's effects and done mark.
  Status Record(Transaction& txn, const Mark& mark) {
    if (!committed_)
      ORCH_RETURN_IF_ERROR(s_.journal.MarkStep(txn, s_.run_id, s_.n, StepStatus::kStarted));
    ORCH_RETURN_IF_ERROR(s_.journal.MarkStatements(txn, s_.run_id, s_.n, mark));
    if (mark.next < count_ || mark.in_flight >= 0) return Ok();
    ORCH_RETURN_IF_ERROR(s_.journal.RecordEffects(txn, s_.run_id, s_.step));
    return s_.journal.MarkStep(txn, s_.run_id, s_.n, StepStatus::kDone);
  }

  std::string Where(int i) const {
    return "migration " + s_.step.id + ", " + Numbered(i, count_) + " (line " +
           std::to_string(statements_[static_cast<std::size_t>(i)].line) + ")";
  }

  // A failure at statement `i`: kFailed while nothing of the step is committed, else kNeedsHuman
  // saying where it resumes.
  Status Failure(int i, const Status& st, const std::string& resumes) const {
    std::string message = st.message();
    const std::string line =
        "line " + std::to_string(statements_[static_cast<std::size_t>(i)].line) + ": ";
    if (message.rfind(line, 0) == 0) message = message.substr(line.size());  // Where says it
    message = Where(i) + ": " + message;
    if (!committed_) return Status::FromCode(st.code(), message);
    message +=
        "\n  MySQL/MariaDB commits each DDL statement by itself, so this migration is "
        "applied statement by statement: the statements before " +
        Numbered(i, count_) + " are committed and recorded. " + resumes;
    // A lock wait is retried (policy lock_retries): running the step again resumes here.
    if (st.code() == Code::kLockTimeout) return Status::LockTimeout(message);
    return Status::NeedsHuman(message);
  }

  // Statements [i, j), none of which commits by itself, and their checkpoint in one transaction.
  Status RunDml(int i, int j) {
    const std::string again =
        "This statement's transaction was rolled back: fix the cause, then run the same command "
        "again; it resumes at this statement.";
    auto txn = Begin();
    if (!txn.ok()) return Failure(i, txn.status(), again);
    for (int k = i; k < j; ++k) {
      Status st = (*txn)->ExecScript(OnItsLine(statements_[static_cast<std::size_t>(k)]));
      if (!st.ok()) return Failure(k, st, again);
    }
    Status st = Record(**txn, Mark{j, -1});
    if (!st.ok()) return Failure(i, st, again);
    if (j == count_)
      s_.point(FailpointKind::kBeforeCommit, std::to_string(s_.n));
    else
      s_.point(FailpointKind::kBeforeStatementsCommit,
               std::to_string(s_.n) + ":" + std::to_string(j));
    if (s_.interrupted && s_.interrupted()) return Status::Cancelled("interrupted");
    st = (*txn)->Commit();
    if (!st.ok()) return Failure(i, st, again);
    committed_ = true;
    return Ok();
  }

  // Statement `i`, which commits by itself, between its "started" and "done" records.
  Status RunDdl(int i) {
    const std::string at = std::to_string(s_.n) + ":" + std::to_string(i + 1);
    s_.point(FailpointKind::kBeforeDdlStarted, at);
    {
      // Only the journal is written here: no wait limits to set and put back.
      auto txn = s_.db.Begin();
      if (!txn.ok()) return Failure(i, txn.status(), "Run the same command again.");
      Status st = Record(**txn, Mark{i, i});
      if (st.ok()) st = (*txn)->Commit();
      if (!st.ok()) return Failure(i, st, "Run the same command again.");
      committed_ = true;
    }
    s_.point(FailpointKind::kBeforeDdl, at);
    const std::string decided =
        "Whether it took effect is read from the catalog when the same command runs again: it "
        "resumes after it if it did, runs it again if it did not, and asks you if the catalog "
        "cannot tell.";
    auto txn = Begin();
    if (!txn.ok()) return Failure(i, txn.status(), decided);
    Status st = (*txn)->ExecScript(OnItsLine(statements_[static_cast<std::size_t>(i)]));
    if (!st.ok()) return Failure(i, st, decided);
    s_.point(FailpointKind::kAfterDdl, at);
    st = Record(**txn, Mark{i + 1, -1});
    if (!st.ok()) return Failure(i, st, decided);
    if (i + 1 == count_) s_.point(FailpointKind::kBeforeCommit, std::to_string(s_.n));
    st = (*txn)->Commit();
    if (!st.ok()) return Failure(i, st, decided);
    s_.point(FailpointKind::kAfterDdlDone, at);
    return Ok();
  }

  // Statement `i` was started and not recorded done: the catalog decides. Returns the mark to go
  // on from (recorded when the statement took effect).
  Result<Mark> DecideInFlight(int i) {
    const SqlStatement& statement = statements_[static_cast<std::size_t>(i)];
    auto effect = s_.db.EffectInCatalog(statement.text);
    if (!effect.ok())
      return effect.status().WithContext("reading whether " + Where(i) + " took effect");
    using Verdict = StatementEffect::Verdict;
    if (effect->verdict == Verdict::kApplied) {
      spdlog::info(
          "{}: {} was interrupted in flight; the catalog shows it took effect ({}): it "
          "is not run again",
          s_.label, Where(i), effect->why);
      const Mark done{i + 1, -1};
      auto txn = Begin();
      if (!txn.ok()) return txn.status();
      ORCH_RETURN_IF_ERROR(Record(**txn, done));
      if (i + 1 == count_) s_.point(FailpointKind::kBeforeCommit, std::to_string(s_.n));
      ORCH_RETURN_IF_ERROR((*txn)->Commit());
      return done;
    }
    if (effect->verdict == Verdict::kNotApplied) {
      spdlog::info(
          "{}: {} was interrupted in flight; the catalog shows it did not take effect "
          "({}): it runs again",
          s_.label, Where(i), effect->why);
      return Mark{i, -1};
    }
    auto force = [&](const char* mark) {
      return s_.how.Command("force", {"--step", std::to_string(s_.n), "--statement",
                                      std::to_string(i + 1), "--mark", mark});
    };
    const std::string note = s_.how.Note();
    return Status::NeedsHuman(
        Where(i) +
        " was interrupted while it ran, and whether it took effect cannot be read from "
        "the catalog (" +
        effect->why + "). The statements before it are done. The statement:\n" + statement.text +
        "\ncheck it, then run `" + force("done") + "` (it took effect) or `" + force("pending") +
        "` (it did not; it runs again), then the same command again" +
        (note.empty() ? "" : "\n(" + note + ")"));
  }

  const StatementStep& s_;
  std::vector<SqlStatement> statements_;
  int count_;
  bool committed_ = false;  // some part of the step is committed (its row is 'started')
};

}  // namespace

bool RunsByStatement(const Database& db, const Step& step) {
  if (!db.DdlCommitsByItself() || !step.transactional || step.sql.empty()) return false;
  if (step.kind != StepKind::kApplyMigration && step.kind != StepKind::kRevertMigration)
    return false;
  const ScriptSplit split = SplitScript(db.Kind(), step.sql);
  if (!split.ok) return false;
  for (const SqlStatement& statement : split.statements)
    if (db.CommitsByItself(statement.text)) return true;
  return false;
}

Status RunByStatement(const StatementStep& s) { return Runner(s).Run(); }

Status ForceStatement(Database& db, Journal& journal, int64_t run_id, const StepRecord& rec,
                      int statement, bool done, const std::string& by) {
  const std::string step = "step " + std::to_string(rec.n);
  if (!RunsByStatement(db, rec.step))
    return Status::Usage(step + " does not run statement by statement: use --step " +
                         std::to_string(rec.n) + " --mark done|pending without --statement");
  const int count = static_cast<int>(StatementsOf(db, rec.step).size());
  auto progress = journal.StatementProgress(run_id, rec.n);
  if (!progress.ok()) return progress.status();
  const Mark mark = progress->value_or(Mark{});
  const int stopped = mark.in_flight >= 0 ? mark.in_flight : mark.next;  // 0-based
  if (statement != stopped + 1)
    return Status::Usage(step + " stopped at statement " + std::to_string(stopped + 1) + " of " +
                         std::to_string(count) + ", not " + std::to_string(statement));
  const Mark now = done ? Mark{statement, -1} : Mark{statement - 1, -1};
  auto txn = db.Begin();
  if (!txn.ok()) return txn.status();
  ORCH_RETURN_IF_ERROR(journal.MarkStatements(**txn, run_id, rec.n, now));
  if (now.next >= count) {
    ORCH_RETURN_IF_ERROR(journal.RecordEffects(**txn, run_id, rec.step));
    ORCH_RETURN_IF_ERROR(journal.MarkStep(**txn, run_id, rec.n, StepStatus::kDone,
                                          "last statement marked done by " + by));
  }
  return (*txn)->Commit();
}

}  // namespace orchestrate
