#include "orchestrator/review.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>

#include "migrations/analysis/analysis.h"
#include "migrations/catalog.h"
#include "migrations/journal.h"
#include "migrations/ledger.h"
#include "plans/manifest.h"
#include "plans/render.h"
#include "plans/sha256.h"
#include "snapshot/snapshot.h"

namespace orchestrate {
namespace {

// Lines a reviewer sees that do not bind an approval: row estimates change with the data, and
// where things are (database URL, deployer path) changes from machine to machine.
const char* const kVolatilePrefixes[] = {"-- estimate:", "-- where:"};

// Marks the timestamp parameter of state-table statements; rendered as CURRENT_TIMESTAMP.
const char kNowMarker[] = "\x01now";

std::string Literal(const Value& v) {
  if (!v) return "NULL";
  if (*v == kNowMarker) return "CURRENT_TIMESTAMP";
  std::string out = "'";
  for (char c : *v) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// A Transaction that runs nothing: it writes each statement, parameters inlined as literals.
class RenderingTransaction : public Transaction {
 public:
  explicit RenderingTransaction(std::ostream& out) : out_(out) {}
  Status Exec(const std::string& sql, const std::vector<Value>& params) override {
    std::string text;
    for (size_t i = 0; i < sql.size(); ++i) {
      if (sql[i] == '$' && i + 1 < sql.size() &&
          std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
        size_t j = i + 1;
        while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) ++j;
        size_t n = std::stoul(sql.substr(i + 1, j - i - 1));
        if (n == 0 || n > params.size())
          return Status::Failed("statement refers to missing parameter $" + std::to_string(n));
        text += Literal(params[n - 1]);
        i = j - 1;
      } else {
        text += sql[i];
      }
    }
    out_ << text << ";\n";
    return Status::Ok();
  }
  Result<long> ExecCount(const std::string& sql, const std::vector<Value>& params) override {
    ORCH_RETURN_IF_ERROR(Exec(sql, params));
    return 0;
  }
  Status ExecScript(const std::string& script) override {
    out_ << script;
    if (!script.empty() && script.back() != '\n') out_ << "\n";
    return Status::Ok();
  }
  Result<QueryResult> Query(const std::string&, const std::vector<Value>&) override {
    return Status::Failed("the review renderer cannot query");
  }
  Status LimitWaits(double, double) override { return Status::Ok(); }
  Status Commit() override { return Status::Ok(); }

 private:
  std::ostream& out_;
};

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
const char kLedgerBegin[] = "-- ledger chunks (derived from the rows recorded at deploy):";
const char kLedgerEnd[] = "-- end of ledger chunks";

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

Dialect DialectOf(const std::string& name) {
  return name == "sqlite" ? Dialect::kSqlite : Dialect::kPostgres;
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

// What the earlier steps of the plan do to a table, for the "-- estimate:" lines: rendered after
// "-- estimate: TABLE ". See review.h for what is simulated.
using TableFates = std::map<std::string, std::string>;

// The ledger chunk statements with a line each saying what they lock (not bound by the approval,
// as the chunks are not).
void WriteChunkLines(std::ostream& out, const std::vector<std::string>& lines, Dialect dialect,
                     SchemaFacts* facts) {
  for (const auto& line : lines) {
    if (line.rfind("--", 0) != 0 && line != "BEGIN;" && line != "COMMIT;") {
      ScriptAnalysis a = AnalyzeScript(dialect, line, facts);
      for (const auto& st : a.statements) {
        std::string locks = LocksText(st);
        out << "--   chunk statement: " << st.kind << (locks.empty() ? "" : ", " + locks);
        if (dialect == Dialect::kPostgres &&
            (st.kind == "DELETE" || st.kind == "UPDATE" || st.kind == "INSERT"))
          out << "; row locks on the rows it writes";
        out << "\n";
      }
    }
    out << line << "\n";
  }
}

// The rows of each table after a ledger reversal: the rows there now, less those the seed
// inserted, plus those it deleted (rows it updated stay).
// REQUIRES: no transaction of `db` open (the rows are counted in transactions of their own).
void SimulateLedgerReversal(Database& db, const std::vector<LedgerCount>& counts, size_t step,
                            TableFates& fates) {
  std::map<std::string, long> change;
  for (const auto& c : counts) {
    if (c.op == "insert") change[c.table] -= c.rows;
    if (c.op == "delete") change[c.table] += c.rows;
  }
  for (const auto& [table, delta] : change) {
    if (fates.count(table)) continue;  // an earlier step already made its count a guess
    long now = CountRows(db, table, 2);
    if (now < 0) continue;
    long after = std::max(0L, now + delta);
    fates[table] =
        after == 0
            ? "holds 0 rows after step " + std::to_string(step) +
                  " empties it (its seed's ledger reversal; " + std::to_string(now) + " rows now)"
            : "holds about " + std::to_string(after) + " rows after step " + std::to_string(step) +
                  " reverses its seed's rows (" + std::to_string(now) + " now)";
  }
}

// A seed without undo SQL is reversed from its ledger: the chunks' statements as they run, when
// the database can be read; otherwise what will happen.
Status WriteLedgerReversal(std::ostream& out, const Step& s, const Policy& policy, Database* db,
                           SchemaFacts* facts, size_t step, TableFates& fates) {
  out << "--   ledger: the rows seed " << s.id
      << " inserted, updated or deleted are reversed newest first, one transaction per chunk of "
         "up to "
      << policy.batch_rows << " rows; rows changed since the deploy: on_modified "
      << policy.on_modified << "\n";
  if (!db) {
    out << "--   (the chunks' statements are listed when the database can be read)\n";
    return Status::Ok();
  }
  auto txn = db->BeginRead();
  if (!txn.ok()) return txn.status().WithContext("reading the ledger of seed " + s.id);
  auto lines = ReversalScript(*db, **txn, s.id, policy.on_modified, policy.batch_rows);
  if (!lines.ok()) return lines.status().WithContext("reading the ledger of seed " + s.id);
  out << kLedgerBegin << "\n";
  if (lines->empty()) out << "--   the ledger holds no rows for this seed now\n";
  WriteChunkLines(out, *lines, DialectOf(db->Dialect()), facts);
  out << kLedgerEnd << "\n";
  auto counts = CountLedger(*db, **txn, s.id);
  txn->reset();  // the estimates count rows in transactions of their own
  if (counts.ok()) SimulateLedgerReversal(*db, *counts, step, fates);
  return Status::Ok();
}

std::string StepOwner(const Step& s) {
  bool seed = s.kind == StepKind::kRunSeed || s.kind == StepKind::kUndoSeed;
  return (seed ? "seed " : "migration ") + s.id + " (release " + s.release + ")";
}

// What step `step`'s statements do to the tables later steps estimate (see review.h).
void SimulateStep(const ScriptAnalysis& a, size_t step, Database* db, TableFates& fates) {
  const std::string n = std::to_string(step);
  for (const auto& st : a.statements) {
    if (st.tables.empty()) continue;
    const std::string& t = st.tables.front();
    if (st.kind == "CREATE TABLE") {
      fates[t] = "is created by step " + n + " (empty then)";
    } else if (st.kind == "DROP TABLE") {
      for (const auto& d : st.tables) fates[d] = "is dropped by step " + n;
    } else if (st.deletes_all_rows) {
      for (const auto& d : st.kind == "TRUNCATE" ? st.tables : std::vector<std::string>{t})
        fates[d] = "holds 0 rows after step " + n + " empties it";
    } else if (st.kind == "INSERT" || st.kind == "UPDATE" || st.kind == "DELETE" ||
               st.kind == "MERGE" || st.kind == "COPY") {
      auto f = fates.find(t);
      const std::string then = "step " + n + " writes rows";
      if (f == fates.end()) {
        long rows = db ? CountRows(*db, t, 2) : -1;
        if (rows >= 0)
          fates[t] = "holds " + std::to_string(rows) + " rows now; " + then + " (not simulated)";
      } else if (f->second.find(then) == std::string::npos) {
        const size_t at = f->second.find(" (not simulated)");
        f->second = (at == std::string::npos ? f->second : f->second.substr(0, at)) + ", then " +
                    then + " (not simulated)";
      }
    }
  }
}

// One comment line per statement: what it locks and what it destroys; with a database, an
// "-- estimate:" line of the rows in what a destructive statement touches: there now, or as the
// earlier steps of the plan leave it (`fates`).
void WriteAnalysis(std::ostream& out, const ScriptAnalysis& a, Database* db,
                   const TableFates& fates) {
  for (const auto& st : a.statements) {
    out << "--   line " << st.line << ": " << st.kind;
    const std::string locks = LocksText(st);
    if (!locks.empty()) out << ", " << locks;
    if (st.destroys_data) out << "; DESTROYS DATA: " << st.destroys;
    if (st.needs_no_transaction) out << "; cannot run in a transaction";
    out << "\n";
    if (db && st.destroys_data && !st.tables.empty()) {
      auto fate = fates.find(st.tables.front());
      if (fate != fates.end()) {
        out << "-- estimate: " << st.tables.front() << " " << fate->second << "\n";
        continue;
      }
      long rows = CountRows(*db, st.tables.front(), 2);
      if (rows >= 0)
        out << "-- estimate: " << st.tables.front() << " holds " << rows << " rows now\n";
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

Status CheckPlanSql(const RunPlan& run, const std::string& dialect) {
  std::vector<std::string> problems;
  for (size_t i = 0; i < run.steps.size(); ++i) {
    const Step& s = run.steps[i];
    if (s.sql.empty()) continue;
    ScriptAnalysis a = AnalyzeScript(DialectOf(dialect), s.sql);
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

Result<std::string> RenderReviewScript(const RunPlan& run, const ReviewContext& ctx) {
  std::ostringstream out;
  const Plan& plan = *ctx.plan;
  std::string base = DirName(plan.file);
  // The database the script is for: an approval made on one database is refused on another.
  std::string identity = "(not read: no database connection)";
  if (ctx.estimate) {
    auto id = ctx.estimate->Identity();
    if (!id.ok()) return id.status().WithContext("the review script names its database");
    identity = *id;
  }
  out << "-- orchestrate review script: the exact SQL this " << DirectionName(run.direction)
      << " runs, in order.\n"
      << "-- app: " << run.app << "\n"
      << "-- direction: " << DirectionName(run.direction) << "\n"
      << "-- from: " << (run.from_version.empty() ? "(nothing deployed)" : run.from_version) << "\n"
      << "-- to: " << run.to_version << "\n"
      << "-- environment: " << ctx.environment << " (" << ctx.dialect << ")\n"
      << "-- database: " << identity << "\n"
      << "-- plan fingerprint: " << run.fingerprint << "\n"
      << "-- manifest " << RelativeTo(base, plan.file) << " sha256:" << plan.sha256 << "\n";
  for (const auto& rel : plan.releases)
    out << "-- manifest " << RelativeTo(base, rel.file) << " sha256:" << rel.sha256 << "\n";
  out << "-- steps: " << run.steps.size() << "\n";
  out << "-- approval binds every line but the '-- estimate:' and '-- where:' ones; the ledger "
         "chunks, consumed as a rollback runs, are checked one by one with the digest of the data "
         "each writes back, when approved with this file (--approved FILE; --approved sha256:... "
         "does not bind them)\n";
  if (!ctx.deployer.empty()) out << "-- where: deployer " << ctx.deployer << "\n";

  out << "\n-- orchestrate's state tables, created when missing (orchestrate does this itself)\n";
  for (const auto& ddl : Journal::SchemaStatements()) out << ddl << ";\n";

  // The schema the statements run on (indexes, foreign keys: what they lock beyond the relations
  // they name), followed through the steps; and what the steps do to the tables' rows.
  SchemaFacts facts;
  if (ctx.estimate) {
    auto read = ReadSchemaFacts(*ctx.estimate);
    if (!read.ok()) return read.status().WithContext("the review script reads the catalog");
    facts = std::move(*read);
  }
  TableFates fates;

  const size_t total = run.steps.size();
  for (size_t i = 0; i < total; ++i) {
    const Step& s = run.steps[i];
    out << "\n-- step " << i + 1 << " of " << total << ": [" << s.release << "] " << DescribeStep(s)
        << "\n";
    if (s.kind == StepKind::kSwapImage) {
      out << "--   why: " << s.why << "\n";
      out << "--   not SQL: orchestrate's deployer points the application at " << s.image_to
          << " and reads it back to verify" << (ctx.swapper ? ":" : "") << "\n";
      if (ctx.swapper) {
        SwapContext swap = SwapContextFor(plan, s.image_from, s.image_to, s.release,
                                          DirectionName(run.direction), ctx.environment, "");
        for (const auto& line : ctx.swapper->SwapActions(swap)) out << "--     " << line << "\n";
        for (const auto& line : ctx.swapper->VerifyActions())
          out << "--     then verify: " << line << "\n";
      }
      continue;
    }
    if (!s.sql_sha256.empty()) out << "--   sha256: " << s.sql_sha256 << "\n";
    out << "--   transactional: "
        << (s.transactional ? "yes (one transaction with its record)"
                            : "no (runs alone, then its record)")
        << "\n";
    if (!s.note.empty()) out << "--   note: " << s.note << "\n";
    // Analysed once: the locks, what it destroys, and what the snapshot copies first, in the
    // step's transaction (snapshot/snapshot.h).
    ScriptAnalysis analysis;
    if (!s.sql.empty()) {
      analysis = AnalyzeScript(DialectOf(ctx.dialect), s.sql, &facts);
      WriteAnalysis(out, analysis, ctx.estimate, fates);
    }
    if (SnapshotsBefore(plan.policy, s))
      for (const std::string& line : DescribeCaptures(DialectOf(ctx.dialect), analysis))
        out << "--   snapshot: " << line << "\n";
    if (s.kind == StepKind::kUndoSeed && !s.has_undo)
      ORCH_RETURN_IF_ERROR(
          WriteLedgerReversal(out, s, plan.policy, ctx.estimate, &facts, i + 1, fates));
    SimulateStep(analysis, i + 1, ctx.estimate, fates);
    RenderingTransaction txn(out);
    if (!s.transactional && !s.sql.empty()) ORCH_RETURN_IF_ERROR(txn.ExecScript(s.sql));
    out << "BEGIN;\n";
    if (s.transactional && !s.sql.empty()) ORCH_RETURN_IF_ERROR(txn.ExecScript(s.sql));
    ORCH_RETURN_IF_ERROR(Journal::RecordEffectsAt(txn, 0, s, kNowMarker));
    out << "COMMIT;\n";
  }
  if (total == 0) out << "\n-- nothing to do: already at " << run.to_version << "\n";
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

Status CheckApproval(const std::string& approved, bool approved_is_hash,
                     const std::string& current_script) {
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
