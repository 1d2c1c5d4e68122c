// Rehearsals (rehearse.h). Over 500 lines: the scratch database, the before/after fingerprint
// comparison, the --each walk and the report renderers (text, Markdown, JUnit, JSON) all read one
// RehearsalReport; the renderers are the part to move out when one of them grows.
#include "orchestrator/rehearse.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <sstream>

#include "migrations/auto_down.h"
#include "migrations/database.h"
#include "migrations/journal.h"
#include "migrations/release_schema.h"
#include "orchestrator/deployer.h"
#include "orchestrator/executor.h"
#include "orchestrator/review.h"
#include "plans/json_text.h"
#include "snapshot/snapshot.h"

namespace orchestrate {
namespace {

namespace fs = std::filesystem;

bool IsSqliteUrl(const std::string& url) { return url.rfind("sqlite:", 0) == 0; }

// The scratch database: created for the rehearsal and dropped after it (unless given).
class Scratch {
 public:
  ~Scratch() {
    for (const std::string& name : {drop_name_, checkpoint_name_}) {
      if (name.empty()) continue;
      Status st = OnServer("DROP DATABASE IF EXISTS ", name);
      if (!st.ok()) spdlog::warn("could not drop the scratch database {}: {}", name, st.message());
    }
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  // A scratch database: the one given (--scratch), unless `own`; else a file in a temporary
  // folder (SQLite) or a new database on the server of the given or the environment's URL.
  Status Create(const RehearseOptions& o, bool own = false) {
    server_url_ = o.scratch_url.empty() || !own ? o.server_url : o.scratch_url;
    open_ = o.open;
    std::string templ = (fs::temp_directory_path() / "orchestrate-rehearse.XXXXXX").string();
    if (!mkdtemp(templ.data())) return Status::Failed("cannot create a temporary folder");
    dir_ = templ;
    if (!o.scratch_url.empty() && !own) {
      url_ = o.scratch_url;
      return Status::Ok();
    }
    if (IsSqliteUrl(server_url_)) {
      url_ = "sqlite:" + dir_ + "/scratch.db";
      return Status::Ok();
    }
    static int created = 0;  // two scratch databases of one process in one second differ
    std::string name = "orchestrate_rehearse_" + std::to_string(getpid()) + "_" +
                       std::to_string(static_cast<long>(std::time(nullptr))) + "_" +
                       std::to_string(++created);
    Status st = OnServer("CREATE DATABASE ", name);
    if (!st.ok())
      return st.WithContext("cannot create the scratch database " + name +
                            " (the user needs CREATEDB, or pass --scratch URL)");
    drop_name_ = name;
    spdlog::info("rehearse: on the scratch database {} (dropped afterwards)", name);
    url_ = UrlWithDatabase(server_url_, name);
    return Status::Ok();
  }

  // Copies the scratch database as it is now (PostgreSQL: CREATE DATABASE ... TEMPLATE; SQLite:
  // the file). REQUIRES: a scratch of its own (Create(o, true)), no connection to it open.
  Status SaveCheckpoint() {
    if (drop_name_.empty()) return CopyFile(SqlitePath(), SqlitePath() + ".checkpoint");
    if (checkpoint_name_.empty()) checkpoint_name_ = drop_name_ + "_ckpt";
    ORCH_RETURN_IF_ERROR(OnServer("DROP DATABASE IF EXISTS ", checkpoint_name_));
    return OnServer("CREATE DATABASE ", checkpoint_name_, drop_name_);
  }

  // Puts the last checkpoint back. REQUIRES: as SaveCheckpoint, and a checkpoint saved.
  Status RestoreCheckpoint() {
    if (drop_name_.empty()) return CopyFile(SqlitePath() + ".checkpoint", SqlitePath());
    ORCH_RETURN_IF_ERROR(OnServer("DROP DATABASE IF EXISTS ", drop_name_));
    return OnServer("CREATE DATABASE ", drop_name_, checkpoint_name_);
  }

  // Whether SaveCheckpoint can copy this scratch database: PostgreSQL copies a database
  // (TEMPLATE) and SQLite a file; MySQL/MariaDB has no such copy, so its --each rebuilds start
  // from an emptied scratch database (Empty) deployed again.
  bool Copies() const { return drop_name_.empty() || DialectOfUrl(url_) != Dialect::kMysql; }

  // Drops and creates the scratch database again. REQUIRES: as SaveCheckpoint.
  Status Empty() {
    ORCH_RETURN_IF_ERROR(OnServer("DROP DATABASE IF EXISTS ", drop_name_));
    return OnServer("CREATE DATABASE ", drop_name_);
  }

  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }
  Result<std::unique_ptr<Database>> Open() const { return open_(url_); }

 private:
  // `sql` + the quoted `name` (+ " TEMPLATE " + the quoted `template_name`), on the server,
  // outside a transaction.
  Status OnServer(const std::string& sql, const std::string& name,
                  const std::string& template_name = "") {
    auto server = open_(server_url_);
    if (!server.ok())
      return server.status().WithContext(
          "cannot reach the server of the scratch database (or pass --scratch URL)");
    const Database& d = **server;
    return (*server)->ExecScriptNoTransaction(
        sql + d.QuoteIdent(name) +
        (template_name.empty() ? "" : " TEMPLATE " + d.QuoteIdent(template_name)));
  }

  std::string SqlitePath() const { return url_.substr(std::string("sqlite:").size()); }

  // Copies a SQLite database file (with no connection open its WAL is checkpointed into it; a
  // leftover -wal/-shm of the destination would be replayed over it, so it goes).
  static Status CopyFile(const std::string& from, const std::string& to) {
    std::error_code ec;
    for (const char* suffix : {"-wal", "-shm"}) fs::remove(to + suffix, ec);
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) return Status::Failed("cannot copy " + from + " to " + to + ": " + ec.message());
    for (const char* suffix : {"-wal", "-shm"}) {
      if (!fs::exists(from + suffix)) continue;
      fs::copy_file(from + suffix, to + suffix, fs::copy_options::overwrite_existing, ec);
      if (ec) return Status::Failed("cannot copy " + from + suffix + ": " + ec.message());
    }
    return Status::Ok();
  }

  std::string server_url_, dir_, url_, drop_name_, checkpoint_name_;
  DatabaseOpener open_;
};

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What differs between the fingerprint before (`a`) and after (`b`).
std::vector<std::string> Compare(const Fingerprint& a, const Fingerprint& b,
                                 const std::string& when) {
  std::vector<std::string> out;
  std::set<std::string> sa(a.schema.begin(), a.schema.end()), sb(b.schema.begin(), b.schema.end());
  for (const auto& line : a.schema)
    if (!sb.count(line)) out.push_back("missing " + when + ": " + line);
  for (const auto& line : b.schema)
    if (!sa.count(line)) out.push_back("extra " + when + ": " + line);
  auto find = [](const Fingerprint& f, const std::string& t) -> const TableData* {
    for (const auto& d : f.tables)
      if (d.table == t) return &d;
    return nullptr;
  };
  for (const auto& ta : a.tables) {
    const TableData* tb = find(b, ta.table);
    if (!tb) continue;  // reported as a missing table above
    if (ta.rows != tb->rows)
      out.push_back("table " + ta.table + ": " + std::to_string(ta.rows) + " rows before, " +
                    std::to_string(tb->rows) + " " + when);
    else if (ta.sha256 != tb->sha256)
      out.push_back("table " + ta.table + ": same " + std::to_string(ta.rows) +
                    " rows but different values " + when + " (data checksum " +
                    ta.sha256.substr(0, 12) + " -> " + tb->sha256.substr(0, 12) + ")");
  }
  return out;
}

class Rehearsal {
 public:
  Rehearsal(const Plan& plan, const Scratch& scratch, RehearsalReport* report)
      : plan_(plan), scratch_(scratch), report_(report) {}

  // Runs `body` as a phase on a fresh connection; false when it failed.
  bool Phase(const std::string& name, const std::function<Status(Database&)>& body,
             std::vector<std::string>* differences = nullptr) {
    RehearsalPhase phase;
    phase.name = name;
    auto start = std::chrono::steady_clock::now();
    spdlog::info("rehearse: {}", name);
    auto db = scratch_.Open();
    Status st = db.ok() ? body(**db) : db.status();
    phase.seconds = Since(start);
    if (!st.ok()) {
      phase.ok = false;
      phase.error = st.message();
    }
    if (differences && !differences->empty()) {
      phase.ok = false;
      phase.differences = *differences;
    }
    phase.swaps = std::move(swaps_);
    swaps_.clear();
    report_->phases.push_back(phase);
    return phase.ok;
  }

  Status Run(Database& db, Direction direction, const std::string& target) {
    auto deployer = MakeFileDeployer(scratch_.dir() + "/image");
    Executor executor(plan_, db, *deployer);
    RunRequest req;
    req.direction = direction;
    req.target = target;
    req.meta = {"rehearse", "", static_cast<long>(getpid()), "rehearsal", "rehearse", "scratch"};
    req.lock_timeout_seconds = 10;
    req.step_lock_timeout_seconds = plan_.policy.lock_timeout_seconds;
    req.statement_timeout_seconds = plan_.policy.statement_timeout_seconds;
    req.lock_retries = plan_.policy.lock_retries;
    req.accept_data_loss = false;
    auto out = executor.Run(req);
    if (!out.ok() && out.status().code() != Code::kNothingToDo) return out.status();
    if (out.ok()) {
      for (size_t i = 0; i < out->plan.steps.size(); ++i) {
        const Step& s = out->plan.steps[i];
        if (s.kind != StepKind::kSwapImage) continue;
        swaps_.push_back("step " + std::to_string(i + 1) + ": image " +
                         (s.image_from.empty() ? "(none)" : s.image_from) + " -> " + s.image_to +
                         " (" + s.why + ")");
      }
    }
    return Status::Ok();
  }

  // RehearseOptions::detail, before the rollback to `target`: its plan and review script, as
  // `orchestrate sql` renders them on the scratch database. A failure is logged, not reported: the
  // rollback that follows shows what is wrong.
  // On a connection of its own, so that the rollback phase's time is the rollback's.
  void Review(const std::string& target) {
    auto opened = scratch_.Open();
    if (!opened.ok()) {
      spdlog::warn("rehearse: cannot review the rollback: {}", opened.status().message());
      return;
    }
    Database& db = **opened;
    auto deployer = MakeFileDeployer(scratch_.dir() + "/image");
    Executor executor(plan_, db, *deployer);
    RunRequest req;
    req.direction = Direction::kRollback;
    req.target = target;
    auto run = executor.Preview(req);
    if (!run.ok()) {
      spdlog::warn("rehearse: cannot preview the rollback: {}", run.status().message());
      return;
    }
    ReviewContext ctx;
    ctx.plan = &plan_;
    ctx.environment = "rehearsal";
    ctx.dialect = db.Kind();
    ctx.deployer = deployer->Describe();
    ctx.swapper = deployer.get();
    ctx.estimate = &db;
    auto script = RenderReviewScript(*run, ctx);
    if (!script.ok()) {
      spdlog::warn("rehearse: cannot render the rollback's review: {}", script.status().message());
      return;
    }
    report_->detail.rollback = std::move(run).value();
    report_->detail.review = std::move(script).value();
  }

  // RehearseOptions::detail, after the rollback: the snapshots it took, oldest first.
  void ListSnapshots(Database& db) {
    auto list = Snapshots(db, NowIso8601).List();
    if (!list.ok()) {
      spdlog::warn("rehearse: cannot list the snapshots: {}", list.status().message());
      return;
    }
    for (auto it = list->rbegin(); it != list->rend(); ++it) {
      std::string columns;
      for (const auto& c : it->columns) columns += (columns.empty() ? "" : ", ") + c;
      report_->detail.snapshots.push_back({it->id, it->from.step, it->from.release, it->from.source,
                                           it->table, Name(it->kind), columns, it->description,
                                           it->rows});
    }
  }

 private:
  const Plan& plan_;
  const Scratch& scratch_;
  RehearsalReport* report_;
  std::vector<std::string> swaps_;  // of the phase running (Run), moved into it by Phase
};

// The verdict of a down that ran: clean, column order only or drift, with what differs.
void Judge(const Fingerprint& before, const Fingerprint& after, const std::string& when,
           MigrationVerdict* v) {
  std::vector<std::string> diffs = Compare(before, after, when);
  if (diffs.empty() && before.schema == after.schema) {
    v->verdict = "clean";
    return;
  }
  std::multiset<std::string> a, b;
  for (const auto& line : before.schema) a.insert(WithoutColumnPosition(line));
  for (const auto& line : after.schema) b.insert(WithoutColumnPosition(line));
  if (a == b && before.data_sha256 == after.data_sha256) {
    v->verdict = "column order only";
    for (const auto& change : ColumnOrderChanges(before.schema, after.schema))
      v->differences.push_back(change + " " + when);
    return;
  }
  v->verdict = "drift";
  v->differences = std::move(diffs);
}

// A migration's script in a transaction of its own, or outside one (`transactional: false`).
Status ExecMigrationSql(Database& db, const Migration& m, const std::string& sql) {
  if (!m.transactional) return db.ExecScriptNoTransaction(sql);
  auto txn = db.Begin();
  if (!txn.ok()) return txn.status();
  ORCH_RETURN_IF_ERROR((*txn)->ExecScript(sql));
  return (*txn)->Commit();
}

// Runs the up of a `down: auto` migration in a transaction of its own, as a deploy does, and
// gives its generated down (the values it destroys copied as snapshots, for the down to restore).
Status GenerateDown(Database& db, const Plan& plan, const Migration& m, const std::string& release,
                    std::string* down) {
  AutoDownOptions options;
  options.migration_id = m.id;
  options.file = m.up.path;
  options.keep_preexisting_extensions = plan.policy.keep_preexisting_extensions;
  auto txn = db.Begin();
  if (!txn.ok()) return txn.status();
  auto generated =
      RunUpGeneratingDown(db, **txn, m.up.text, options, {0, 0, release, m.id}, NowIso8601);
  if (!generated.ok()) return generated.status();
  ORCH_RETURN_IF_ERROR((*txn)->Commit());
  *down = std::move(generated).value();
  return Status::Ok();
}

struct EachItem {
  const Migration* m;
  std::string release;
};

// --each: see rehearse.h.
Status RehearseEach(const Plan& plan, const RehearseOptions& o, int from_index, int to_index,
                    RehearsalReport* report) {
  report->each = true;
  std::vector<EachItem> items;
  for (int i = from_index + 1; i <= to_index; ++i)
    for (const Migration& m : plan.releases[static_cast<size_t>(i)].migrations)
      items.push_back({&m, plan.releases[static_cast<size_t>(i)].version});
  Scratch scratch;
  ORCH_RETURN_IF_ERROR(scratch.Create(o, /*own=*/true));
  Rehearsal e(plan, scratch, report);
  const std::string from = plan.releases[static_cast<size_t>(from_index)].version;
  bool ready = e.Phase("deploy " + from + " for --each",
                       [&](Database& db) { return e.Run(db, Direction::kDeploy, from); });
  size_t checkpoint_at = 0;  // the checkpoint is the state before items[checkpoint_at]
  const bool copies = scratch.Copies();
  if (ready && copies) {
    Status st = scratch.SaveCheckpoint();
    if (st.ok()) {
      ++report->checkpoints;
    } else {
      RehearsalPhase phase;
      phase.name = "checkpoint of the --each scratch database at " + from;
      phase.ok = ready = false;
      phase.error = st.message();
      report->phases.push_back(std::move(phase));
    }
  }
  auto not_reached = [&](size_t k) {
    for (; k < items.size(); ++k) {
      MigrationVerdict v;
      v.release = items[k].release;
      v.id = items[k].m->id;
      v.down_path = items[k].m->down.path;
      v.verdict = "not reached";
      report->migrations.push_back(std::move(v));
    }
  };
  if (!ready) {
    not_reached(0);
    return Status::Ok();
  }
  for (size_t k = 0; k < items.size(); ++k) {
    const Migration& m = *items[k].m;
    if (copies && k - checkpoint_at >= static_cast<size_t>(kCheckpointEvery)) {
      Status st = scratch.SaveCheckpoint();  // no connection is open between migrations
      if (st.ok()) {
        checkpoint_at = k;
        ++report->checkpoints;
      } else {
        spdlog::warn("rehearse --each: could not take a checkpoint: {}", st.message());
      }
    }
    MigrationVerdict v;
    v.release = items[k].release;
    v.id = m.id;
    v.down_path = m.down.path;
    v.up_sha256 = m.up.sha256;
    v.down_sha256 = m.down.present ? m.down.sha256 : "";
    auto started = std::chrono::steady_clock::now();
    spdlog::info("rehearse --each: {} ({}/{})", m.id, k + 1, items.size());
    {
      auto opened = scratch.Open();
      if (!opened.ok()) return opened.status();
      Database& db = **opened;
      // A `down: auto` migration's down is generated as a deploy generates it: while its up runs.
      const bool generated = m.auto_down && m.up.present && m.transactional;
      const bool reversible = !m.irreversible && m.up.present && (m.down.present || generated);
      Fingerprint before;
      Status st = Status::Ok();
      if (reversible) {
        auto f = TakeFingerprint(db);
        if (!f.ok()) return f.status().WithContext("rehearse --each, before " + m.id);
        before = std::move(f).value();
      }
      std::string down_sql = m.down.present ? m.down.text : "";
      if (generated) {
        st = GenerateDown(db, plan, m, items[k].release, &down_sql);
        if (st.ok()) v.down_path = "generated by down: auto";
      } else {
        st = m.up.present ? ExecMigrationSql(db, m, m.up.text) : Status::Ok();
      }
      if (!st.ok()) {
        v.verdict = "up error";
        v.error = st.message();
      } else if (!reversible) {
        v.verdict = "skipped";
        v.error = m.irreversible ? "irreversible" : "no down file";
      } else if (Status down = ExecMigrationSql(db, m, down_sql); !down.ok()) {
        v.verdict = "down error";
        v.error = down.message();
      } else {
        auto after = TakeFingerprint(db);
        if (!after.ok()) return after.status().WithContext("rehearse --each, after " + m.id);
        Judge(before, *after, "after " + v.down_path, &v);
        if (v.verdict == "clean") {
          Status again = ExecMigrationSql(db, m, m.up.text);
          if (!again.ok()) {
            v.verdict = "drift";
            v.error = "the up does not run again after the down: " + again.message();
          }
        }
      }
    }
    v.seconds = Since(started);
    const std::string verdict = v.verdict;
    report->migrations.push_back(std::move(v));
    if (verdict == "up error") {
      not_reached(k + 1);
      break;
    }
    if (verdict == "clean" || verdict == "skipped") continue;
    // Rebuild the state after this migration's up: the checkpoint, then the ups since.
    ++report->rebuilds;
    Status rebuilt = copies ? scratch.RestoreCheckpoint() : scratch.Empty();
    if (rebuilt.ok()) {
      auto opened = scratch.Open();
      rebuilt = opened.status();
      if (rebuilt.ok() && !copies)
        rebuilt =
            e.Run(**opened, Direction::kDeploy, from).WithContext("deploying " + from + " again");
      for (size_t j = checkpoint_at; rebuilt.ok() && j <= k; ++j)
        if (items[j].m->up.present)
          rebuilt = ExecMigrationSql(**opened, *items[j].m, items[j].m->up.text)
                        .WithContext("replaying the up of " + items[j].m->id);
    }
    if (!rebuilt.ok()) {
      RehearsalPhase phase;
      phase.name = "rebuild the --each scratch database after " + m.id;
      phase.ok = false;
      phase.error = rebuilt.message();
      report->phases.push_back(std::move(phase));
      not_reached(k + 1);
      break;
    }
  }
  return Status::Ok();
}

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Seconds(double s) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(3);
  out << s;
  return out.str();
}

}  // namespace

bool RehearsalReport::ok() const {
  return std::all_of(phases.begin(), phases.end(), [](const RehearsalPhase& p) { return p.ok; }) &&
         std::all_of(migrations.begin(), migrations.end(),
                     [](const MigrationVerdict& m) { return m.ok(); });
}

std::vector<std::pair<std::string, int>> VerdictTotals(const RehearsalReport& report) {
  std::vector<std::pair<std::string, int>> out = {
      {"clean", 0},    {"column order only", 0}, {"drift", 0},      {"down error", 0},
      {"up error", 0}, {"skipped", 0},           {"not reached", 0}};
  for (const MigrationVerdict& m : report.migrations)
    for (auto& [name, count] : out)
      if (name == m.verdict) ++count;
  return out;
}

Result<RehearsalReport> Rehearse(const Plan& plan, const RehearseOptions& o) {
  if (plan.releases.empty()) return Status::Invalid("the plan has no releases to rehearse");
  std::string to = o.to.empty() ? plan.releases.back().version : o.to;
  int to_index = plan.IndexOf(to);
  if (to_index < 0) return Status::Invalid("--to " + to + ": no release has this version");
  std::string from = o.from;
  if (from.empty()) {
    if (to_index == 0)
      return Status::Invalid("nothing to roll back to: " + to +
                             " is the first release (pass --to a later one)");
    from = plan.releases[static_cast<size_t>(to_index - 1)].version;
  }
  int from_index = plan.IndexOf(from);
  if (from_index < 0) return Status::Invalid("--from " + from + ": no release has this version");
  if (from_index >= to_index)
    return Status::Invalid("--from " + from + " must be older than --to " + to);

  Scratch scratch;
  ORCH_RETURN_IF_ERROR(scratch.Create(o));
  RehearsalReport report;
  report.app = plan.app;
  report.from = from;
  report.to = to;
  report.scratch = RedactUrl(scratch.url());
  report.dialect = DialectName(DialectOfUrl(scratch.url()));
  auto start = std::chrono::steady_clock::now();
  Rehearsal r(plan, scratch, &report);

  const size_t keep_rows = o.detail ? RehearsalDetail::kKeptRows : 0;
  Fingerprint before;
  bool ok = r.Phase("deploy " + from, [&](Database& db) {
    return r.Run(db, Direction::kDeploy, from);
  }) && r.Phase("fingerprint at " + from, [&](Database& db) {
    auto f = TakeFingerprint(db, 0, keep_rows);
    if (!f.ok()) return f.status();
    before = *f;
    return Status::Ok();
  }) && r.Phase("deploy " + to, [&](Database& db) { return r.Run(db, Direction::kDeploy, to); });
  if (ok && o.detail) r.Review(from);
  ok = ok && r.Phase("roll back to " + from, [&](Database& db) {
    Status st = r.Run(db, Direction::kRollback, from);
    if (o.detail) r.ListSnapshots(db);
    return st;
  });
  if (ok) {
    std::vector<std::string> diffs;
    r.Phase(
        "compare with " + from + " after the rollback",
        [&](Database& db) {
          auto f = TakeFingerprint(db, 0, keep_rows);
          if (!f.ok()) return f.status();
          diffs = Compare(before, *f, "after the rollback");
          if (o.detail) {
            report.detail.compared = true;
            report.detail.before = before;
            report.detail.after = std::move(f).value();
          }
          return Status::Ok();
        },
        &diffs);
    r.Phase("deploy " + to + " again",
            [&](Database& db) { return r.Run(db, Direction::kDeploy, to); });
  }

  if (o.each) ORCH_RETURN_IF_ERROR(RehearseEach(plan, o, from_index, to_index, &report));
  report.seconds = Since(start);
  return report;
}

namespace {

// "300 migrations: 297 clean, 2 drift, 1 down error (13 checkpoints, 3 rebuilds)"; zero counts
// left out.
std::string TotalsLine(const RehearsalReport& report) {
  std::string out = std::to_string(report.migrations.size()) + " migrations:";
  bool first = true;
  for (const auto& [name, count] : VerdictTotals(report)) {
    if (count == 0) continue;
    out += std::string(first ? " " : ", ") + std::to_string(count) + " " + name;
    first = false;
  }
  return out + " (" + std::to_string(report.checkpoints) + " checkpoints, " +
         std::to_string(report.rebuilds) + " rebuilds)";
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string RehearsalText(const RehearsalReport& report) {
  std::ostringstream out;
  out << "rehearse " << report.app << ": " << report.from << " -> " << report.to << " -> "
      << report.from << " -> " << report.to << " on a scratch " << report.dialect << " database\n";
  for (const auto& p : report.phases) {
    out << (p.ok ? "  ok    " : "  FAIL  ") << p.name << " (" << Seconds(p.seconds) << " s)\n";
    if (!p.error.empty()) out << "        " << p.error << "\n";
    for (const auto& d : p.differences) out << "        " << d << "\n";
    for (const auto& w : p.swaps) out << "        swap " << w << "\n";
  }
  if (report.each) {
    out << "--each, every migration up, down, compare: " << TotalsLine(report) << "\n";
    for (const auto& m : report.migrations) {
      std::string label = m.ok() ? m.verdict : Upper(m.verdict);
      label.resize(std::max<size_t>(label.size() + 1, 19), ' ');
      out << "  " << label << m.id << " (" << m.release << ", " << Seconds(m.seconds) << " s)\n";
      if (!m.error.empty()) out << "        " << m.error << "\n";
      for (const auto& d : m.differences) out << "        " << d << "\n";
    }
  }
  out << (report.ok() ? "the rollback round-trips" : "the rollback does NOT round-trip") << " ("
      << Seconds(report.seconds) << " s)\n";
  return out.str();
}

std::string RehearsalMarkdown(const RehearsalReport& report) {
  std::ostringstream out;
  out << "# Rehearsal of " << report.app << ": " << report.from << " -> " << report.to << " -> "
      << report.from << " -> " << report.to << "\n\n"
      << "Result: **" << (report.ok() ? "round-trips" : "does not round-trip") << "** on a scratch "
      << report.dialect << " database, " << Seconds(report.seconds) << " s.\n\n"
      << "| phase | result | seconds |\n|---|---|---|\n";
  for (const auto& p : report.phases)
    out << "| " << p.name << " | " << (p.ok ? "ok" : "**FAILED**") << " | " << Seconds(p.seconds)
        << " |\n";
  bool any_swap = false;
  for (const auto& p : report.phases) {
    for (const auto& w : p.swaps) {
      if (!any_swap) out << "\n## Image swaps\n\n";
      any_swap = true;
      out << "- " << p.name << ", " << w << "\n";
    }
  }
  for (const auto& p : report.phases) {
    if (p.ok) continue;
    out << "\n## " << p.name << "\n\n";
    if (!p.error.empty()) out << "```\n" << p.error << "\n```\n";
    for (const auto& d : p.differences) out << "- " << d << "\n";
  }
  if (report.each) {
    out << "\n## Every migration (--each)\n\n"
        << TotalsLine(report) << "\n\n"
        << "| migration | release | verdict | seconds |\n|---|---|---|---|\n";
    for (const auto& m : report.migrations)
      out << "| " << m.id << " | " << m.release << " | "
          << (m.ok() ? m.verdict : "**" + m.verdict + "**") << " | " << Seconds(m.seconds)
          << " |\n";
    for (const auto& m : report.migrations) {
      if (m.ok()) continue;
      out << "\n### " << m.id << " (" << m.release << "): " << m.verdict << "\n\n";
      if (!m.down_path.empty()) out << "Down file: `" << m.down_path << "`\n\n";
      if (!m.error.empty()) out << "```\n" << m.error << "\n```\n";
      if (!m.differences.empty()) {
        out << "```\n";
        for (const auto& d : m.differences) out << d << "\n";
        out << "```\n";
      }
    }
  }
  return out.str();
}

std::string RehearsalJUnit(const RehearsalReport& report) {
  int failures = 0, skipped = 0;
  for (const auto& p : report.phases) failures += p.ok ? 0 : 1;
  for (const auto& m : report.migrations) {
    failures += m.ok() ? 0 : 1;
    skipped += m.verdict == "skipped" ? 1 : 0;
  }
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuite name=\"orchestrate rehearse " << XmlEscape(report.app) << " "
      << XmlEscape(report.from) << " -&gt; " << XmlEscape(report.to) << "\" tests=\""
      << report.phases.size() + report.migrations.size() << "\" failures=\"" << failures
      << "\" skipped=\"" << skipped << "\" time=\"" << Seconds(report.seconds) << "\">\n";
  for (const auto& p : report.phases) {
    out << "  <testcase classname=\"rehearse." << XmlEscape(report.app) << "\" name=\""
        << XmlEscape(p.name) << "\" time=\"" << Seconds(p.seconds) << "\"";
    if (p.ok) {
      out << "/>\n";
      continue;
    }
    std::string detail = p.error;
    for (const auto& d : p.differences) detail += (detail.empty() ? "" : "\n") + d;
    out << ">\n    <failure message=\""
        << XmlEscape(p.error.empty() ? "does not round-trip" : p.error) << "\">"
        << XmlEscape(detail) << "</failure>\n  </testcase>\n";
  }
  for (const auto& m : report.migrations) {
    out << "  <testcase classname=\"rehearse." << XmlEscape(report.app) << ".each\" name=\""
        << XmlEscape(m.id + " (" + m.release + ")") << "\" time=\"" << Seconds(m.seconds) << "\">";
    if (m.verdict == "skipped") {
      out << "<skipped message=\"" << XmlEscape(m.error) << "\"/>";
    } else if (!m.ok()) {
      std::string detail = m.error;
      for (const auto& d : m.differences) detail += (detail.empty() ? "" : "\n") + d;
      out << "\n    <failure message=\"" << XmlEscape(m.verdict) << "\">" << XmlEscape(detail)
          << "</failure>\n  ";
    }
    out << "</testcase>\n";
  }
  out << "</testsuite>\n";
  return out.str();
}

std::string RehearsalJson(const RehearsalReport& report) {
  nlohmann::json phases = nlohmann::json::array();
  for (const auto& p : report.phases)
    phases.push_back({{"name", p.name},
                      {"ok", p.ok},
                      {"seconds", p.seconds},
                      {"error", p.error},
                      {"differences", p.differences},
                      {"swaps", p.swaps}});
  nlohmann::json j = {{"app", report.app}, {"from", report.from},
                      {"to", report.to},   {"dialect", report.dialect},
                      {"ok", report.ok()}, {"seconds", report.seconds},
                      {"phases", phases}};
  if (report.each) {
    nlohmann::json migrations = nlohmann::json::array();
    for (const auto& m : report.migrations)
      migrations.push_back({{"id", m.id},
                            {"release", m.release},
                            {"verdict", m.verdict},
                            {"ok", m.ok()},
                            {"down", m.down_path},
                            {"up_sha256", m.up_sha256},
                            {"down_sha256", m.down_sha256},
                            {"error", m.error},
                            {"differences", m.differences},
                            {"seconds", m.seconds}});
    nlohmann::json totals = nlohmann::json::object();
    for (const auto& [name, count] : VerdictTotals(report)) totals[name] = count;
    j["migrations"] = migrations;
    j["totals"] = totals;
    j["checkpoints"] = report.checkpoints;
    j["rebuilds"] = report.rebuilds;
  }
  return JsonText(j, 2);
}

}  // namespace orchestrate
