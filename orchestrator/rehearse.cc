#include "orchestrator/rehearse.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <sstream>

#include "migrations/database.h"
#include "migrations/fingerprint.h"
#include "orchestrator/deployer.h"
#include "orchestrator/executor.h"

namespace orchestrate {
namespace {

namespace fs = std::filesystem;

bool IsSqliteUrl(const std::string& url) { return url.rfind("sqlite:", 0) == 0; }

// The scratch database: created for the rehearsal and dropped after it (unless given).
class Scratch {
 public:
  ~Scratch() {
    if (!drop_name_.empty()) {
      auto server = open_(server_url_);
      Status st = server.ok() ? (*server)->ExecScriptNoTransaction(
                                    "DROP DATABASE IF EXISTS " + (*server)->QuoteIdent(drop_name_))
                              : server.status();
      if (!st.ok())
        spdlog::warn("could not drop the scratch database {}: {}", drop_name_, st.message());
    }
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }

  Status Create(const RehearseOptions& o) {
    server_url_ = o.server_url;
    open_ = o.open;
    std::string templ = (fs::temp_directory_path() / "orchestrate-rehearse.XXXXXX").string();
    if (!mkdtemp(templ.data())) return Status::Failed("cannot create a temporary folder");
    dir_ = templ;
    if (!o.scratch_url.empty()) {
      url_ = o.scratch_url;
      return Status::Ok();
    }
    if (IsSqliteUrl(o.server_url)) {
      url_ = "sqlite:" + dir_ + "/scratch.db";
      return Status::Ok();
    }
    auto server = o.open(o.server_url);
    if (!server.ok())
      return server.status().WithContext(
          "cannot reach the environment's server to create a scratch database (or pass "
          "--scratch URL)");
    std::string name = "orchestrate_rehearse_" + std::to_string(getpid()) + "_" +
                       std::to_string(static_cast<long>(std::time(nullptr)));
    Status st =
        (*server)->ExecScriptNoTransaction("CREATE DATABASE " + (*server)->QuoteIdent(name));
    if (!st.ok())
      return st.WithContext("cannot create the scratch database " + name +
                            " (the user needs CREATEDB, or pass --scratch URL)");
    drop_name_ = name;
    url_ = UrlWithDatabase(o.server_url, name);
    return Status::Ok();
  }

  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }
  Result<std::unique_ptr<Database>> Open() const { return open_(url_); }

 private:
  std::string server_url_, dir_, url_, drop_name_;
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

 private:
  const Plan& plan_;
  const Scratch& scratch_;
  RehearsalReport* report_;
  std::vector<std::string> swaps_;  // of the phase running (Run), moved into it by Phase
};

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
  return std::all_of(phases.begin(), phases.end(), [](const RehearsalPhase& p) { return p.ok; });
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
  report.dialect = IsSqliteUrl(scratch.url()) ? "sqlite" : "postgresql";
  auto start = std::chrono::steady_clock::now();
  Rehearsal r(plan, scratch, &report);

  Fingerprint before;
  bool ok = r.Phase("deploy " + from, [&](Database& db) {
    return r.Run(db, Direction::kDeploy, from);
  }) && r.Phase("fingerprint at " + from, [&](Database& db) {
    auto f = TakeFingerprint(db);
    if (!f.ok()) return f.status();
    before = *f;
    return Status::Ok();
  }) && r.Phase("deploy " + to, [&](Database& db) {
    return r.Run(db, Direction::kDeploy, to);
  }) && r.Phase("roll back to " + from, [&](Database& db) {
    return r.Run(db, Direction::kRollback, from);
  });
  if (ok) {
    std::vector<std::string> diffs;
    r.Phase(
        "compare with " + from + " after the rollback",
        [&](Database& db) {
          auto f = TakeFingerprint(db);
          if (!f.ok()) return f.status();
          diffs = Compare(before, *f, "after the rollback");
          return Status::Ok();
        },
        &diffs);
    r.Phase("deploy " + to + " again",
            [&](Database& db) { return r.Run(db, Direction::kDeploy, to); });
  }

  if (o.each) {
    // On a scratch database of its own at `from`, every migration on its own: up, down, compare;
    // then up again to go on.
    Scratch each_scratch;
    ORCH_RETURN_IF_ERROR(each_scratch.Create(o));
    Rehearsal e(plan, each_scratch, &report);
    ok = e.Phase("deploy " + from + " for --each",
                 [&](Database& db) { return e.Run(db, Direction::kDeploy, from); });
    for (int i = from_index + 1; ok && i <= to_index; ++i) {
      for (const Migration& m : plan.releases[static_cast<size_t>(i)].migrations) {
        if (m.irreversible || !m.up.present || !m.down.present) continue;
        auto exec = [&](Database& db, const std::string& sql) -> Status {
          if (!m.transactional) return db.ExecScriptNoTransaction(sql);
          auto txn = db.Begin();
          if (!txn.ok()) return txn.status();
          ORCH_RETURN_IF_ERROR((*txn)->ExecScript(sql));
          return (*txn)->Commit();
        };
        Fingerprint at;
        std::vector<std::string> diffs;
        bool fine = e.Phase(
            "migration " + m.id + " (" + plan.releases[static_cast<size_t>(i)].version +
                "): up, down, compare",
            [&](Database& db) {
              auto f = TakeFingerprint(db);
              if (!f.ok()) return f.status();
              at = *f;
              ORCH_RETURN_IF_ERROR(exec(db, m.up.text).WithContext("up"));
              ORCH_RETURN_IF_ERROR(exec(db, m.down.text).WithContext("down " + m.down.path));
              auto g = TakeFingerprint(db);
              if (!g.ok()) return g.status();
              diffs = Compare(at, *g, "after " + m.down.path);
              return exec(db, m.up.text).WithContext("up again");
            },
            &diffs);
        if (!fine && diffs.empty()) ok = false;  // could not run: the rest would not mean much
      }
    }
  }
  report.seconds = Since(start);
  return report;
}

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
  return out.str();
}

std::string RehearsalJUnit(const RehearsalReport& report) {
  int failures = 0;
  for (const auto& p : report.phases) failures += p.ok ? 0 : 1;
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuite name=\"orchestrate rehearse " << XmlEscape(report.app) << " "
      << XmlEscape(report.from) << " -&gt; " << XmlEscape(report.to) << "\" tests=\""
      << report.phases.size() << "\" failures=\"" << failures << "\" time=\""
      << Seconds(report.seconds) << "\">\n";
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
  out << "</testsuite>\n";
  return out.str();
}

}  // namespace orchestrate
