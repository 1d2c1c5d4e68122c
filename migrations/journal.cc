#include "migrations/journal.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "migrations/preexisting.h"
#include "migrations/state_schema.h"
#include "plans/render.h"
#include "plans/secrets.h"

namespace orchestrate {

namespace {
// The orchestrate_meta key of a migration's preexisting objects: this prefix and its id.
constexpr char kPreexistingKey[] = "preexisting:";
// The key of what the run `run_id` found when it applied migration `id`.
std::string PreexistingKey(const std::string& id, int64_t run_id) {
  return kPreexistingKey + id + "@" + std::to_string(run_id);
}
}  // namespace
namespace {

const char kRunColumns[] =
    "r.id, r.kind, r.app, r.environment, r.fingerprint, r.from_version, r.to_version, r.actor, "
    "r.host, r.pid, r.reason, r.command, r.status, r.started_at, r.finished_at, r.error, "
    "r.step_count, (SELECT COUNT(*) FROM orchestrate_steps s WHERE s.run_id = r.id AND s.status = "
    "'done')";

std::string S(const Value& v) { return v.value_or(""); }
long L(const Value& v) { return ToLong(v); }

RunRecord ToRun(const Row& r) {
  RunRecord run;
  run.id = L(r[0]);
  run.kind = S(r[1]);
  run.app = S(r[2]);
  run.environment = S(r[3]);
  run.fingerprint = S(r[4]);
  run.from_version = S(r[5]);
  run.to_version = S(r[6]);
  run.actor = S(r[7]);
  run.host = S(r[8]);
  run.pid = L(r[9]);
  run.reason = S(r[10]);
  run.command = S(r[11]);
  // A status this build does not know (written by a newer one) is shown as failed: unfinished,
  // so nothing starts beside it and a human looks.
  run.status = RunStatusFromName(S(r[12])).value_or(RunStatus::kFailed);
  run.started_at = S(r[13]);
  run.finished_at = S(r[14]);
  run.error = S(r[15]);
  run.step_count = static_cast<int>(L(r[16]));
  run.steps_done = static_cast<int>(L(r[17]));
  return run;
}

Value Opt(const std::string& s) { return s.empty() ? Value() : Value(s); }
// Free text that may quote a secret (an error, a command line, a reason): stored masked.
Value Masked(const std::string& s) { return Opt(MaskSecrets(s)); }

}  // namespace

namespace {
constexpr std::pair<RunStatus, const char*> kRunStatuses[] = {
    {RunStatus::kRunning, "running"},         {RunStatus::kFailed, "failed"},
    {RunStatus::kInterrupted, "interrupted"}, {RunStatus::kDone, "done"},
    {RunStatus::kAbandoned, "abandoned"},     {RunStatus::kSuperseded, "superseded"}};
constexpr std::pair<StepStatus, const char*> kStepStatuses[] = {{StepStatus::kPending, "pending"},
                                                                {StepStatus::kStarted, "started"},
                                                                {StepStatus::kDone, "done"},
                                                                {StepStatus::kFailed, "failed"}};
}  // namespace

const char* Name(RunStatus status) {
  for (const auto& [s, name] : kRunStatuses)
    if (s == status) return name;
  return "failed";
}

const char* Name(StepStatus status) {
  for (const auto& [s, name] : kStepStatuses)
    if (s == status) return name;
  return "failed";
}

std::optional<RunStatus> RunStatusFromName(const std::string& name) {
  for (const auto& [s, n] : kRunStatuses)
    if (name == n) return s;
  return std::nullopt;
}

std::optional<StepStatus> StepStatusFromName(const std::string& name) {
  for (const auto& [s, n] : kStepStatuses)
    if (name == n) return s;
  return std::nullopt;
}

std::string NowIso8601() {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

Journal::Journal(Database& db, std::function<std::string()> now) : db_(db), now_(std::move(now)) {}

namespace {
// Asks the catalog, so that an error (permissions, a lost connection) is not taken for "no
// state tables" and reported as nothing deployed.
Result<bool> HasSchemaIn(Transaction& txn, const Database& db) {
  auto has = StateTableExists(txn, db, "orchestrate_meta");
  if (!has.ok()) return has.status().WithContext("looking for orchestrate's state tables");
  return has;
}
}  // namespace

Result<bool> Journal::HasSchema() {
  auto txn = db_.BeginRead();
  if (!txn.ok()) return txn.status();
  return HasSchemaIn(**txn, db_);
}

std::vector<std::string> Journal::SchemaStatements(const Database& db) {
  return StateSchemaStatements(db);
}

Status Journal::EnsureSchema() { return EnsureStateSchema(db_); }

Result<CurrentState> Journal::LoadState() {
  auto txn = db_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto has = HasSchemaIn(**txn, db_);
  if (!has.ok()) return has.status();
  if (!*has) return CurrentState();
  return LoadStateIn(**txn);
}

Result<Journal::StateAndRun> Journal::LoadStateAndUnfinishedRun() {
  StateAndRun out;
  auto txn = db_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto has = HasSchemaIn(**txn, db_);
  if (!has.ok()) return has.status();
  if (!*has) return out;
  auto state = LoadStateIn(**txn);
  if (!state.ok()) return state.status();
  out.state = std::move(*state);
  auto run = UnfinishedRunIn(**txn);
  if (!run.ok()) return run.status();
  out.unfinished = std::move(*run);
  return out;
}

Result<CurrentState> Journal::LoadStateIn(Transaction& txn) {
  CurrentState state;
  auto rel = txn.Query(
      "SELECT version, image, release_order, seq, deployed_at FROM orchestrate_releases ORDER BY "
      "seq");
  if (!rel.ok()) return rel.status();
  for (const auto& r : rel->rows)
    state.releases.push_back({S(r[0]), S(r[1]), S(r[2]), L(r[3]), S(r[4])});
  auto mig = txn.Query(
      "SELECT release, id, up_sql, up_sha256, down_sql, down_sha256, irreversible, transactional, "
      "seq, applied_at, run_id FROM orchestrate_migrations ORDER BY seq");
  if (!mig.ok()) return mig.status();
  std::map<std::string, size_t> applied_by;  // PreexistingKey -> index in state.migrations
  for (const auto& r : mig->rows) {
    AppliedMigration m;
    m.release = S(r[0]);
    m.id = S(r[1]);
    m.up_sql = S(r[2]);
    m.up_sha256 = S(r[3]);
    m.down_sql = S(r[4]);
    m.down_sha256 = S(r[5]);
    m.irreversible = L(r[6]) != 0;
    m.transactional = L(r[7]) != 0;
    m.seq = L(r[8]);
    m.applied_at = S(r[9]);
    applied_by[PreexistingKey(m.id, L(r[10]))] = state.migrations.size();
    state.migrations.push_back(std::move(m));
  }
  // What the ups' `CREATE ... IF NOT EXISTS` found already there, and the downs without their
  // drops of it (migrations/preexisting.h).
  auto pre = txn.Query("SELECT key, value FROM orchestrate_meta WHERE key LIKE $1",
                       {std::string(kPreexistingKey) + "%"});
  if (!pre.ok()) return pre.status();
  for (const auto& r : pre->rows) {
    auto found = applied_by.find(S(r[0]));
    if (found == applied_by.end()) continue;  // of a deploy rolled back since
    AppliedMigration* m = &state.migrations[found->second];
    auto list = nlohmann::json::parse(S(r[1]), nullptr, /*allow_exceptions=*/false);
    if (!list.is_array()) continue;
    for (const auto& o : list)
      if (o.is_object() && o.value("kind", "") != "" && o.value("name", "") != "")
        m->preexisting.push_back({o.value("kind", ""), o.value("name", "")});
    std::string keeping = DownKeeping(m->down_sql, m->preexisting, &m->dropped_preexisting);
    if (!m->dropped_preexisting.empty()) m->down_sql_keeping_preexisting = std::move(keeping);
  }
  auto seeds = txn.Query(
      "SELECT release, id, sql_sha256, has_undo, undo_sql, seq, applied_at FROM orchestrate_seeds "
      "ORDER BY seq");
  if (!seeds.ok()) return seeds.status();
  for (const auto& r : seeds->rows) {
    AppliedSeed s;
    s.release = S(r[0]);
    s.id = S(r[1]);
    s.sql_sha256 = S(r[2]);
    s.has_undo = L(r[3]) != 0;
    s.undo_sql = S(r[4]);
    s.seq = L(r[5]);
    s.applied_at = S(r[6]);
    state.seeds.push_back(std::move(s));
  }
  return state;
}

Result<Journal::Glance> Journal::Look() {
  Glance glance;
  {
    // First as one statement, assuming the state tables and a run exist (a fleet's databases):
    // one round trip with its BEGIN, one for the end. Else (or on any error) as below.
    auto txn = db_.BeginRead();
    if (!txn.ok()) return txn.status();
    auto r = (*txn)->Query(std::string("SELECT ") + kRunColumns +
                           ", (SELECT version FROM orchestrate_releases ORDER BY seq DESC LIMIT 1)"
                           " FROM orchestrate_runs r ORDER BY r.id DESC LIMIT 1");
    if (r.ok() && !r->rows.empty()) {
      const Row& row = r->rows[0];
      if (row.back()) glance.current_version = S(row.back());
      if (ToRun(row).unfinished()) glance.unfinished = ToRun(row);
      return glance;
    }
  }
  auto txn = db_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto has = StateTableExists(**txn, db_, "orchestrate_meta");
  if (!has.ok()) return has.status().WithContext("looking for orchestrate's state tables");
  if (!*has) return glance;
  auto rel = (*txn)->Query("SELECT version FROM orchestrate_releases ORDER BY seq DESC LIMIT 1");
  if (!rel.ok()) return rel.status();
  if (!rel->rows.empty()) glance.current_version = S(rel->rows[0][0]);
  auto r = (*txn)->Query(std::string("SELECT ") + kRunColumns +
                         " FROM orchestrate_runs r ORDER BY r.id DESC LIMIT 1");
  if (!r.ok()) return r.status();
  if (!r->rows.empty() && ToRun(r->rows[0]).unfinished()) glance.unfinished = ToRun(r->rows[0]);
  return glance;
}

Result<std::optional<RunRecord>> Journal::UnfinishedRun() {
  auto txn = db_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto has = HasSchemaIn(**txn, db_);
  if (!has.ok()) return has.status();
  if (!*has) return std::optional<RunRecord>();
  return UnfinishedRunIn(**txn);
}

Result<std::optional<RunRecord>> Journal::UnfinishedRunIn(Transaction& txn) {
  auto r = txn.Query(std::string("SELECT ") + kRunColumns +
                     " FROM orchestrate_runs r ORDER BY r.id DESC LIMIT 1");
  if (!r.ok()) return r.status();
  // Only the newest run can be unfinished: every run starts after the one before it ended.
  if (r->rows.empty() || !ToRun(r->rows[0]).unfinished()) return std::optional<RunRecord>();
  return std::optional<RunRecord>(ToRun(r->rows[0]));
}

Result<int64_t> Journal::NextRunId() {
  auto txn = db_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto next = (*txn)->Query("SELECT COALESCE(MAX(id), 0) + 1 FROM orchestrate_runs");
  if (!next.ok()) return next.status();
  return static_cast<int64_t>(L(next->rows[0][0]));
}

Result<int64_t> Journal::StartRun(const RunPlan& plan, const RunMeta& meta, int64_t supersedes) {
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  Transaction& t = **txn;
  auto next = t.Query("SELECT COALESCE(MAX(id), 0) + 1 FROM orchestrate_runs");
  if (!next.ok()) return next.status();
  int64_t id = L(next->rows[0][0]);
  ORCH_RETURN_IF_ERROR(RecordRun(t, id, plan, meta, supersedes));
  ORCH_RETURN_IF_ERROR(t.Commit());
  return id;
}

Status Journal::RecordRun(Transaction& t, int64_t id, const RunPlan& plan, const RunMeta& meta,
                          int64_t supersedes, const std::string& at) {
  std::string sid = std::to_string(id);
  const std::string started = at.empty() ? now_() : at;
  ORCH_RETURN_IF_ERROR(t.ExecAtCommit(
      "INSERT INTO orchestrate_runs (id, kind, app, environment, fingerprint, from_version, "
      "to_version, actor, host, pid, reason, command, status, started_at, step_count) VALUES ($1, "
      "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'running', $13, $14)",
      {sid, DirectionName(plan.direction), plan.app, Opt(meta.environment), plan.fingerprint,
       Opt(plan.from_version), plan.to_version, meta.actor, Opt(meta.host),
       std::to_string(meta.pid), Masked(meta.reason), Masked(meta.command), started,
       std::to_string(plan.steps.size())}));
  // The steps, a few hundred rows per INSERT (one statement each is slow on the server for a
  // plan of hundreds of steps; SQLite allows 32,766 parameters per statement).
  constexpr size_t kRowsPerInsert = 200;
  for (size_t first = 0; first < plan.steps.size(); first += kRowsPerInsert) {
    std::string sql =
        "INSERT INTO orchestrate_steps (run_id, n, kind, release, ref, status, attempts, spec) "
        "VALUES ";
    std::vector<Value> params;
    for (size_t i = first; i < std::min(plan.steps.size(), first + kRowsPerInsert); ++i) {
      const Step& s = plan.steps[i];
      const size_t p = params.size();
      auto arg = [&](size_t k) { return "$" + std::to_string(p + k); };
      sql += std::string(i == first ? "" : ", ") + "(" + arg(1) + ", " + arg(2) + ", " + arg(3) +
             ", " + arg(4) + ", " + arg(5) + ", 'pending', 0, " + arg(6) + ")";
      params.insert(params.end(), {sid, std::to_string(i + 1), StepKindName(s.kind), s.release,
                                   Opt(s.id), StepToJson(s)});
    }
    ORCH_RETURN_IF_ERROR(t.ExecAtCommit(sql, params));
  }
  if (supersedes > 0)
    ORCH_RETURN_IF_ERROR(t.ExecAtCommit(
        "UPDATE orchestrate_runs SET status = 'superseded', finished_at = $1, error = $2 WHERE "
        "id = $3",
        {now_(), "superseded by run " + sid, std::to_string(supersedes)}));
  return Status::Ok();
}

Result<std::vector<StepRecord>> Journal::LoadSteps(int64_t run_id) {
  auto txn = db_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto r = (*txn)->Query(
      "SELECT n, status, attempts, started_at, finished_at, error, spec FROM orchestrate_steps "
      "WHERE run_id = $1 ORDER BY n",
      {std::to_string(run_id)});
  if (!r.ok()) return r.status();
  std::vector<StepRecord> out;
  for (const auto& row : r->rows) {
    StepRecord rec;
    rec.n = static_cast<int>(L(row[0]));
    rec.status = StepStatusFromName(S(row[1])).value_or(StepStatus::kFailed);
    rec.attempts = static_cast<int>(L(row[2]));
    rec.started_at = S(row[3]);
    rec.finished_at = S(row[4]);
    rec.error = S(row[5]);
    auto step = StepFromJson(S(row[6]));
    if (!step.ok())
      return step.status().WithContext("run " + std::to_string(run_id) + " step " +
                                       std::to_string(rec.n));
    rec.step = std::move(step).value();
    out.push_back(std::move(rec));
  }
  return out;
}

Result<std::vector<RunRecord>> Journal::History(int limit) {
  auto txn = db_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto has = HasSchemaIn(**txn, db_);
  if (!has.ok()) return has.status();
  if (!*has) return std::vector<RunRecord>();
  std::string sql =
      std::string("SELECT ") + kRunColumns + " FROM orchestrate_runs r ORDER BY r.id DESC";
  if (limit > 0) sql += " LIMIT " + std::to_string(limit);
  auto r = (*txn)->Query(sql);
  if (!r.ok()) return r.status();
  std::vector<RunRecord> out;
  for (const auto& row : r->rows) out.push_back(ToRun(row));
  return out;
}

Status Journal::RecordPreexisting(Transaction& txn, int64_t run_id, const std::string& migration_id,
                                  const std::vector<PreexistingObject>& objects) {
  // Nothing to write in the common case (no statement, no round trip). The key names the run that
  // applied the migration, so what an earlier deploy of it recorded (rolled back since) is never
  // read for this one; it is removed here when there is something to write.
  if (objects.empty()) return Status::Ok();
  ORCH_RETURN_IF_ERROR(txn.ExecAtCommit("DELETE FROM orchestrate_meta WHERE key LIKE $1",
                                        {kPreexistingKey + migration_id + "@%"}));
  const std::string key = PreexistingKey(migration_id, run_id);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& o : objects) list.push_back({{"kind", o.kind}, {"name", o.name}});
  return txn.ExecAtCommit("INSERT INTO orchestrate_meta (key, value) VALUES ($1, $2)",
                          {key, list.dump()});
}

Status Journal::RecordEffects(Transaction& txn, int64_t run_id, const Step& s) {
  return RecordEffectsAt(txn, run_id, s, now_());
}

Status Journal::RecordEffectsAt(Transaction& txn, int64_t run_id, const Step& s,
                                const std::string& now) {
  std::string run = std::to_string(run_id);
  switch (s.kind) {
    case StepKind::kApplyMigration:
      return txn.ExecAtCommit(
          "INSERT INTO orchestrate_migrations (id, release, seq, up_sql, up_sha256, down_sql, "
          "down_sha256, irreversible, transactional, applied_at, run_id) VALUES ($1, $2, (SELECT "
          "COALESCE(MAX(seq), 0) + 1 FROM orchestrate_migrations), $3, $4, $5, $6, $7, $8, $9, "
          "$10)",
          {s.id, s.release, s.sql, s.sql_sha256, s.irreversible ? Value() : Value(s.down_sql),
           s.irreversible ? Value() : Value(s.down_sha256), s.irreversible ? "1" : "0",
           s.transactional ? "1" : "0", now, run});
    case StepKind::kRevertMigration:
      return txn.ExecAtCommit("DELETE FROM orchestrate_migrations WHERE id = $1", {s.id});
    case StepKind::kRunSeed:
      return txn.ExecAtCommit(
          "INSERT INTO orchestrate_seeds (id, release, seq, sql_sha256, has_undo, undo_sql, "
          "applied_at, run_id) VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM "
          "orchestrate_seeds), $3, $4, $5, $6, $7)",
          {s.id, s.release, s.sql_sha256, s.has_undo ? "1" : "0",
           s.has_undo ? Value(s.down_sql) : Value(), now, run});
    case StepKind::kUndoSeed:
      // An undo: SQL wins over the ledger; its recorded rows are dropped with the seed.
      ORCH_RETURN_IF_ERROR(
          txn.ExecAtCommit("DELETE FROM orchestrate_ledger WHERE seed_id = $1", {s.id}));
      return txn.ExecAtCommit("DELETE FROM orchestrate_seeds WHERE id = $1", {s.id});
    case StepKind::kRecordRelease:
      return txn.ExecAtCommit(
          "INSERT INTO orchestrate_releases (version, seq, image, release_order, deployed_at, "
          "run_id) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM orchestrate_releases), $2, "
          "$3, $4, $5)",
          {s.release, s.image_to, s.order, now, run});
    case StepKind::kForgetRelease:
      return txn.ExecAtCommit("DELETE FROM orchestrate_releases WHERE version = $1", {s.release});
    case StepKind::kSwapImage:
      return Status::Ok();  // the deployer holds this state
  }
  return Status::Ok();
}

Status Journal::MarkStep(Transaction& txn, int64_t run_id, int n, StepStatus status,
                         const std::string& error) {
  return MarkStepAt(txn, run_id, n, status, now_(), error);
}

Status Journal::MarkStepAt(Transaction& txn, int64_t run_id, int n, StepStatus status,
                           const std::string& now, const std::string& error) {
  if (status == StepStatus::kStarted)
    return txn.ExecAtCommit(
        "UPDATE orchestrate_steps SET status = $1, attempts = attempts + 1, started_at = $2, "
        "error = NULL WHERE run_id = $3 AND n = $4",
        {Name(status), now, std::to_string(run_id), std::to_string(n)});
  return txn.ExecAtCommit(
      "UPDATE orchestrate_steps SET status = $1, finished_at = $2, error = $3, started_at = "
      "COALESCE(started_at, $4), attempts = CASE WHEN status = 'started' THEN attempts ELSE "
      "attempts + 1 END WHERE run_id = $5 AND n = $6",
      {Name(status), now, Masked(error), now, std::to_string(run_id), std::to_string(n)});
}

Status Journal::MarkStepNow(int64_t run_id, int n, StepStatus status, const std::string& error) {
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  ORCH_RETURN_IF_ERROR(MarkStep(**txn, run_id, n, status, error));
  return (*txn)->Commit();
}

Status Journal::ReopenRun(int64_t run_id) {
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  ORCH_RETURN_IF_ERROR((*txn)->Exec(
      "UPDATE orchestrate_runs SET status = 'running', error = NULL, finished_at = NULL WHERE id "
      "= $1",
      {std::to_string(run_id)}));
  return (*txn)->Commit();
}

Status Journal::FinishRunIn(Transaction& txn, int64_t run_id, RunStatus status,
                            const std::string& error) {
  return txn.ExecAtCommit(
      "UPDATE orchestrate_runs SET status = $1, finished_at = $2, error = $3 WHERE id = $4",
      {Name(status), now_(), Masked(error), std::to_string(run_id)});
}

Status Journal::FinishRun(int64_t run_id, RunStatus status, const std::string& error) {
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  ORCH_RETURN_IF_ERROR((*txn)->Exec(
      "UPDATE orchestrate_runs SET status = $1, finished_at = $2, error = $3 WHERE id = $4",
      {Name(status), now_(), Masked(error), std::to_string(run_id)}));
  return (*txn)->Commit();
}

Result<std::set<std::string>> Journal::SwapPartsDone(int64_t run_id, int n) {
  auto txn = db_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto r = (*txn)->Query(
      "SELECT part FROM orchestrate_swap_parts WHERE run_id = $1 AND n = $2 AND status = 'done'",
      {std::to_string(run_id), std::to_string(n)});
  if (!r.ok()) return r.status();
  std::set<std::string> out;
  for (const auto& row : r->rows) out.insert(S(row[0]));
  return out;
}

Status Journal::MarkSwapPart(int64_t run_id, int n, const std::string& part, StepStatus status,
                             const std::string& error) {
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  ORCH_RETURN_IF_ERROR(MarkSwapPartAt(**txn, run_id, n, part, status, now_(), error));
  return (*txn)->Commit();
}

Status Journal::MarkSwapPartAt(Transaction& txn, int64_t run_id, int n, const std::string& part,
                               StepStatus status, const std::string& at, const std::string& error) {
  return txn.ExecAtCommit(
      "INSERT INTO orchestrate_swap_parts (run_id, n, part, status, at, error) VALUES ($1, $2, $3, "
      "$4, $5, $6) ON CONFLICT (run_id, n, part) DO UPDATE SET status = EXCLUDED.status, at = "
      "EXCLUDED.at, error = EXCLUDED.error",
      {std::to_string(run_id), std::to_string(n), part, Name(status), at, Opt(error)});
}

Result<std::optional<Journal::StatementMark>> Journal::StatementProgress(int64_t run_id, int n) {
  auto txn = db_.BeginRead();
  if (!txn.ok()) return txn.status();
  auto r = (*txn)->Query(
      "SELECT next_statement, in_flight FROM orchestrate_step_statements WHERE run_id = $1 AND n = "
      "$2",
      {std::to_string(run_id), std::to_string(n)});
  if (!r.ok()) return r.status();
  if (r->rows.empty()) return std::optional<StatementMark>();
  StatementMark mark;
  mark.next = static_cast<int>(ToLong(r->rows[0][0]));
  mark.in_flight = r->rows[0][1] ? static_cast<int>(ToLong(r->rows[0][1])) : -1;
  return std::optional<StatementMark>(mark);
}

Status Journal::MarkStatements(Transaction& txn, int64_t run_id, int n, const StatementMark& mark) {
  return txn.ExecAtCommit(
      "INSERT INTO orchestrate_step_statements (run_id, n, next_statement, in_flight, at) VALUES "
      "($1, $2, $3, $4, $5) ON CONFLICT (run_id, n) DO UPDATE SET next_statement = "
      "EXCLUDED.next_statement, in_flight = EXCLUDED.in_flight, at = EXCLUDED.at",
      {std::to_string(run_id), std::to_string(n), std::to_string(mark.next),
       mark.in_flight < 0 ? Value() : Value(std::to_string(mark.in_flight)), now_()});
}

Result<long> Journal::PruneFinishedRuns(const std::string& cutoff) {
  // ISO-8601 UTC text in one fixed format: comparing the strings compares the times.
  const std::string finished =
      "status IN ('done', 'abandoned', 'superseded') AND finished_at IS NOT NULL AND "
      "finished_at < $1";
  auto txn = db_.Begin();
  if (!txn.ok()) return txn.status();
  for (const char* table : {"orchestrate_steps", "orchestrate_swap_parts",
                            "orchestrate_schema_checks", "orchestrate_step_statements"})
    ORCH_RETURN_IF_ERROR((*txn)->Exec(
        std::string("DELETE FROM ") + table +
            " WHERE run_id IN (SELECT id FROM orchestrate_runs WHERE " + finished + ")",
        {cutoff}));
  auto runs = (*txn)->ExecCount("DELETE FROM orchestrate_runs WHERE " + finished, {cutoff});
  if (!runs.ok()) return runs.status();
  ORCH_RETURN_IF_ERROR((*txn)->Commit());
  return *runs;
}

}  // namespace orchestrate
