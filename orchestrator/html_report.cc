// Reports as self-contained HTML pages (html_report.h).
#include "orchestrator/html_report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "orchestrator/review.h"

namespace orchestrate {
namespace {

// One page's style: inline, no fonts to fetch (the system's sans-serif and monospace).
constexpr const char* kStyle = R"css(
body{font-family:sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#1d2330;background:#fff}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccd}
.verdict{padding:.7em 1em;border-radius:6px;font-weight:bold;margin:.8em 0}
.ok{background:#e3f6e6;color:#14532d;border:1px solid #86c895}
.bad{background:#fde8e8;color:#7f1d1d;border:1px solid #e59a9a}
.first{font-family:monospace;font-size:1.05em}
.meta{color:#556}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
th,td{border:1px solid #ccd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f0f2f7}
code,pre{font-family:monospace;font-size:.9em}
pre{background:#f6f7fa;border:1px solid #dde;padding:.5em;overflow-x:auto;white-space:pre-wrap;margin:.3em 0}
.timeline{display:flex;gap:4px;align-items:stretch;margin:.6em 0;flex-wrap:wrap}
.phase{border-radius:5px;padding:.4em .5em;min-width:110px;font-size:.85em;border:1px solid #86c895;background:#e3f6e6}
.phase.failed{border-color:#e59a9a;background:#fde8e8}
.swap{display:block;margin-top:.3em;padding:.1em .3em;border-radius:3px;background:#fff4d6;border:1px solid #e0b84c;font-size:.9em}
.side{display:grid;grid-template-columns:1fr 1fr;gap:.6em}
.side pre{margin:0}
.gone{background:#fde2e2}.new{background:#dff5e3}.changed{background:#fff1c2}
.destroys{color:#7f1d1d;font-weight:bold}
.step{border:1px solid #dde;border-radius:5px;padding:.4em .7em;margin:.5em 0}
.step h3{font-size:1em;margin:.2em 0}
)css";

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

std::string Page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         HtmlEscape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n" + body +
         "</body>\n</html>\n";
}

// A schema description line's object ("column customers.loyalty_points #4 integer" -> "column
// customers.loyalty_points") and table ("customers").
std::string ObjectOf(const std::string& line) {
  size_t first = line.find(' ');
  if (first == std::string::npos) return line;
  size_t second = line.find(' ', first + 1);
  return line.substr(0, second);
}
std::string TableOf(const std::string& line) {
  std::string object = ObjectOf(line);
  size_t space = object.find(' ');
  std::string name = space == std::string::npos ? object : object.substr(space + 1);
  size_t dot = name.find('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

std::string Cell(const Value& v) { return v ? HtmlEscape(*v) : "<i>NULL</i>"; }

// --- the review script, read back step by step ----------------------------------------------

struct StatementView {
  std::string where, kind, locks, destroys, estimate;
  bool no_transaction = false;
};

struct StepView {
  std::string heading;
  std::vector<std::string> details;
  std::vector<StatementView> statements;
  std::vector<std::string> snapshots;
};

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// "line 2: ALTER TABLE, ACCESS EXCLUSIVE lock on customers; DESTROYS DATA: drops column ..."
StatementView ParseStatement(const std::string& where, const std::string& rest) {
  StatementView st;
  st.where = where;
  std::string text = rest;
  const std::string kNoTxn = "; cannot run in a transaction";
  if (size_t p = text.find(kNoTxn); p != std::string::npos) {
    st.no_transaction = true;
    text.erase(p, kNoTxn.size());
  }
  const std::string kDestroys = "; DESTROYS DATA: ";
  if (size_t p = text.find(kDestroys); p != std::string::npos) {
    st.destroys = text.substr(p + kDestroys.size());
    text.resize(p);
  }
  size_t comma = text.find(", ");
  st.kind = text.substr(0, comma);
  if (comma != std::string::npos) st.locks = text.substr(comma + 2);
  return st;
}

std::vector<StepView> ReadSteps(const std::string& script) {
  std::vector<StepView> steps;
  std::istringstream in(script);
  std::string line;
  while (std::getline(in, line)) {
    if (StartsWith(line, "-- step ")) {
      StepView s;
      size_t colon = line.find(": ");
      s.heading = colon == std::string::npos ? line.substr(3) : line.substr(colon + 2);
      steps.push_back(std::move(s));
      continue;
    }
    if (steps.empty()) continue;
    StepView& s = steps.back();
    if (StartsWith(line, "-- estimate: ")) {
      if (!s.statements.empty()) s.statements.back().estimate = line.substr(13);
    } else if (StartsWith(line, "--   line ")) {
      std::string text = line.substr(5);
      size_t colon = text.find(": ");
      s.statements.push_back(ParseStatement(
          text.substr(0, colon), colon == std::string::npos ? "" : text.substr(colon + 2)));
    } else if (StartsWith(line, "--   chunk statement: ")) {
      s.statements.push_back(ParseStatement("ledger chunk", line.substr(22)));
    } else if (StartsWith(line, "--   snapshot: ")) {
      s.snapshots.push_back(line.substr(15));
    } else if (StartsWith(line, "--   ") && !StartsWith(line, "--   sha256: ")) {
      s.details.push_back(line.substr(5));
    }
  }
  return steps;
}

// The steps of `run` with what the review script says of each.
std::string StepsHtml(const RunPlan& run, const std::string& script) {
  std::vector<StepView> views = ReadSteps(script);
  std::ostringstream out;
  for (size_t i = 0; i < run.steps.size(); ++i) {
    const Step& step = run.steps[i];
    const StepView* v = i < views.size() ? &views[i] : nullptr;
    out << "<div class=\"step\" id=\"step-" << i + 1 << "\"><h3>step " << i + 1 << " of "
        << run.steps.size() << ": "
        << HtmlEscape(v ? v->heading : std::string(StepKindName(step.kind)) + " " + step.id)
        << "</h3>\n";
    if (step.kind == StepKind::kSwapImage)
      out << "<span class=\"swap\">image swap: " << HtmlEscape(step.image_from) << " &rarr; "
          << HtmlEscape(step.image_to) << "</span>\n";
    if (v) {
      for (const auto& d : v->details) out << "<div class=\"meta\">" << HtmlEscape(d) << "</div>\n";
      if (!v->statements.empty()) {
        out << "<table class=\"statements\"><tr><th>statement</th><th>kind</th><th>lock "
               "level</th><th>destroys</th><th>estimated rows</th></tr>\n";
        for (const auto& st : v->statements)
          out << "<tr><td>" << HtmlEscape(st.where) << "</td><td>" << HtmlEscape(st.kind)
              << (st.no_transaction ? " (outside a transaction)" : "") << "</td><td>"
              << HtmlEscape(st.locks) << "</td><td class=\"destroys\">" << HtmlEscape(st.destroys)
              << "</td><td>" << HtmlEscape(st.estimate.empty() ? "-" : st.estimate)
              << "</td></tr>\n";
        out << "</table>\n";
      }
      for (const auto& snap : v->snapshots)
        out << "<div>snapshot before it runs: " << HtmlEscape(snap) << "</div>\n";
    }
    if (!step.sql.empty()) out << "<pre class=\"sql\">" << HtmlEscape(step.sql) << "</pre>\n";
    out << "</div>\n";
  }
  return out.str();
}

// What the review script says will be destroyed, step by step.
std::string DestroyedHtml(const RunPlan& run, const std::string& script) {
  std::vector<StepView> views = ReadSteps(script);
  std::ostringstream out;
  bool any = false;
  for (size_t i = 0; i < views.size() && i < run.steps.size(); ++i) {
    for (const auto& st : views[i].statements) {
      if (st.destroys.empty()) continue;
      if (!any)
        out << "<table class=\"destroyed\"><tr><th>step</th><th>release</th><th>from</th>"
               "<th>destroys</th><th>snapshot</th></tr>\n";
      any = true;
      std::string snaps;
      for (const auto& s : views[i].snapshots) snaps += (snaps.empty() ? "" : "; ") + s;
      out << "<tr><td><a href=\"#step-" << i + 1 << "\">" << i + 1 << "</a></td><td>"
          << HtmlEscape(run.steps[i].release) << "</td><td>" << HtmlEscape(run.steps[i].id)
          << "</td><td class=\"destroys\">" << HtmlEscape(st.destroys) << "</td><td>"
          << HtmlEscape(snaps.empty() ? "none" : snaps) << "</td></tr>\n";
    }
  }
  if (any)
    out << "</table>\n";
  else
    out << "<p>Nothing is destroyed.</p>\n";
  return out.str();
}

// --- the rehearsal ---------------------------------------------------------------------------

std::string TimelineHtml(const RehearsalReport& report) {
  double total = 0;
  for (const auto& p : report.phases) total += p.seconds;
  std::ostringstream out;
  out << "<div class=\"timeline\">\n";
  for (size_t i = 0; i < report.phases.size(); ++i) {
    const RehearsalPhase& p = report.phases[i];
    const int grow = total > 0 ? std::max(1, static_cast<int>(100 * p.seconds / total)) : 1;
    out << "<div class=\"phase" << (p.ok ? "" : " failed") << "\" style=\"flex-grow:" << grow
        << "\"><b>" << i + 1 << ". " << HtmlEscape(p.name) << "</b><br>" << (p.ok ? "ok" : "FAILED")
        << ", " << Seconds(p.seconds) << " s";
    for (const auto& w : p.swaps)
      out << "<span class=\"swap\">&#8644; " << HtmlEscape(w) << "</span>";
    out << "</div>\n";
  }
  out << "</div>\n";
  for (const auto& p : report.phases) {
    if (p.ok) continue;
    out << "<h3>" << HtmlEscape(p.name) << ": failed</h3>\n";
    if (!p.error.empty()) out << "<pre>" << HtmlEscape(p.error) << "</pre>\n";
    if (!p.differences.empty()) {
      out << "<ul>\n";
      for (const auto& d : p.differences) out << "<li><code>" << HtmlEscape(d) << "</code></li>\n";
      out << "</ul>\n";
    }
  }
  return out.str();
}

// Each table whose description differs: its lines at V and after the rollback, side by side, the
// lines found on one side only marked.
std::string SchemaHtml(const RehearsalDetail& d) {
  std::set<std::string> before(d.before.schema.begin(), d.before.schema.end());
  std::set<std::string> after(d.after.schema.begin(), d.after.schema.end());
  std::vector<std::string> tables;
  auto note = [&](const std::string& line) {
    std::string t = TableOf(line);
    if (std::find(tables.begin(), tables.end(), t) == tables.end()) tables.push_back(t);
  };
  for (const auto& l : d.before.schema)
    if (!after.count(l)) note(l);
  for (const auto& l : d.after.schema)
    if (!before.count(l)) note(l);
  if (tables.empty()) return "<p>The schema after the rollback is the schema at the start.</p>\n";
  std::ostringstream out;
  for (const auto& t : tables) {
    out << "<h3 class=\"schema-object\">" << HtmlEscape(t) << "</h3>\n<div class=\"side\">\n";
    for (int side = 0; side < 2; ++side) {
      const auto& lines = side == 0 ? d.before.schema : d.after.schema;
      const auto& other = side == 0 ? after : before;
      out << "<div><b>" << (side == 0 ? "before (at the start)" : "after the rollback")
          << "</b><pre>";
      for (const auto& l : lines) {
        if (TableOf(l) != t) continue;
        if (other.count(l))
          out << HtmlEscape(l) << "\n";
        else
          out << "<span class=\"" << (side == 0 ? "gone" : "new") << "\">"
              << (side == 0 ? "- " : "+ ") << HtmlEscape(l) << "</span>\n";
      }
      out << "</pre></div>\n";
    }
    out << "</div>\n";
  }
  return out.str();
}

// One table's rows at V and after the rollback: the columns found on one side only, and the rows
// (on the columns both sides have) found on one side only.
std::string TableDiffHtml(const TableData& a, const TableData& b) {
  std::ostringstream out;
  out << "<h3 class=\"data-table\">" << HtmlEscape(a.table) << "</h3>\n<p>" << a.rows
      << " rows before, " << b.rows << " after the rollback.</p>\n";
  if (a.columns.empty() && a.rows > 0 && b.columns.empty()) {
    out << "<p>Too many rows to show them (over " << RehearsalDetail::kKeptRows
        << "): only the counts and checksums are compared.</p>\n";
    return out.str();
  }
  std::vector<std::string> common, only_before, only_after;
  for (const auto& c : a.columns)
    (std::find(b.columns.begin(), b.columns.end(), c) != b.columns.end() ? common : only_before)
        .push_back(c);
  for (const auto& c : b.columns)
    if (std::find(a.columns.begin(), a.columns.end(), c) == a.columns.end())
      only_after.push_back(c);
  for (const auto& c : only_before)
    out << "<p class=\"differing-column\">column <code>" << HtmlEscape(c)
        << "</code>: before only (gone after the rollback)</p>\n";
  for (const auto& c : only_after)
    out << "<p class=\"differing-column\">column <code>" << HtmlEscape(c)
        << "</code>: after the rollback only (left behind)</p>\n";
  auto index = [](const TableData& t, const std::string& c) {
    return static_cast<size_t>(std::find(t.columns.begin(), t.columns.end(), c) -
                               t.columns.begin());
  };
  auto project = [&](const TableData& t, const Row& r) {
    Row out_row;
    for (const auto& c : common) out_row.push_back(r[index(t, c)]);
    return out_row;
  };
  std::multiset<Row> pa, pb;
  for (const auto& r : a.kept) pa.insert(project(a, r));
  for (const auto& r : b.kept) pb.insert(project(b, r));
  // The rows of `t` whose common values the other side lacks, plus (with columns of one side
  // only) every row, those columns highlighted.
  auto rows_html = [&](const TableData& t, const std::multiset<Row>& other,
                       const std::vector<std::string>& own_only, const char* cls,
                       const std::string& label) {
    std::multiset<Row> left = other;
    std::ostringstream rows;
    int shown = 0;
    for (const auto& r : t.kept) {
      Row p = project(t, r);
      auto it = left.find(p);
      const bool differs = it == left.end();
      if (!differs) left.erase(it);
      if (!differs && own_only.empty()) continue;
      ++shown;
      rows << "<tr" << (differs ? std::string(" class=\"") + cls + "\"" : "") << ">";
      for (const auto& c : t.columns) {
        const bool own = std::find(own_only.begin(), own_only.end(), c) != own_only.end();
        rows << "<td" << (own ? " class=\"changed\"" : "") << ">" << Cell(r[index(t, c)])
             << "</td>";
      }
      rows << "</tr>\n";
    }
    if (shown == 0) return std::string();
    std::ostringstream table;
    table << "<p>" << HtmlEscape(label) << "</p>\n<table class=\"rows\"><tr>";
    for (const auto& c : t.columns) {
      const bool own = std::find(own_only.begin(), own_only.end(), c) != own_only.end();
      table << "<th" << (own ? " class=\"changed\"" : "") << ">" << HtmlEscape(c) << "</th>";
    }
    table << "</tr>\n" << rows.str() << "</table>\n";
    return table.str();
  };
  out << rows_html(a, pb, only_before, "gone", "before (rows missing after the rollback marked)");
  out << rows_html(b, pa, only_after, "new", "after the rollback (rows not there before marked)");
  return out.str();
}

std::string DataHtml(const RehearsalDetail& d) {
  std::ostringstream out;
  bool any = false;
  for (const auto& a : d.before.tables) {
    for (const auto& b : d.after.tables) {
      if (b.table != a.table || (a.rows == b.rows && a.sha256 == b.sha256)) continue;
      any = true;
      out << TableDiffHtml(a, b);
    }
  }
  if (!any) return "<p>Every table that exists on both sides holds the same rows.</p>\n";
  return out.str();
}

std::string SnapshotsHtml(const RehearsalDetail& d) {
  std::ostringstream out;
  out << "<h3>What the rollback destroys</h3>\n"
      << (d.review.empty() ? "<p>No review of the rollback was rendered.</p>\n"
                           : DestroyedHtml(d.rollback, d.review));
  out << "<h3>The snapshots the rehearsal's rollback took</h3>\n";
  if (d.snapshots.empty()) return out.str() + "<p>None.</p>\n";
  out << "<table class=\"snapshots\"><tr><th>id</th><th>step</th><th>release</th><th>from</th>"
         "<th>table</th><th>kind</th><th>columns</th><th>rows</th><th>why</th></tr>\n";
  for (const auto& s : d.snapshots)
    out << "<tr><td>" << s.id << "</td><td>" << s.step << "</td><td>" << HtmlEscape(s.release)
        << "</td><td>" << HtmlEscape(s.source) << "</td><td>" << HtmlEscape(s.table) << "</td><td>"
        << HtmlEscape(s.kind) << "</td><td>" << HtmlEscape(s.columns) << "</td><td>" << s.rows
        << "</td><td>" << HtmlEscape(s.description) << "</td></tr>\n";
  out << "</table>\n";
  return out.str();
}

std::string EachHtml(const RehearsalReport& report) {
  std::ostringstream out;
  out << "<h2 id=\"each\">Every migration (--each)</h2>\n<p>";
  bool first = true;
  for (const auto& [name, count] : VerdictTotals(report)) {
    if (count == 0) continue;
    out << (first ? "" : ", ") << count << " " << HtmlEscape(name);
    first = false;
  }
  out << "</p>\n<table class=\"each\"><tr><th>migration</th><th>release</th><th>verdict</th>"
         "<th>seconds</th><th>what</th></tr>\n";
  for (const auto& m : report.migrations) {
    std::string what = m.error;
    for (const auto& d : m.differences) what += (what.empty() ? "" : "\n") + d;
    out << "<tr" << (m.ok() ? "" : " class=\"gone\"") << "><td>" << HtmlEscape(m.id) << "</td><td>"
        << HtmlEscape(m.release) << "</td><td>" << HtmlEscape(m.verdict) << "</td><td>"
        << Seconds(m.seconds) << "</td><td><pre>" << HtmlEscape(what) << "</pre></td></tr>\n";
  }
  out << "</table>\n";
  return out.str();
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FirstDifference(const RehearsalReport& report) {
  const RehearsalDetail& d = report.detail;
  if (d.compared) {
    std::set<std::string> before(d.before.schema.begin(), d.before.schema.end());
    std::set<std::string> after(d.after.schema.begin(), d.after.schema.end());
    for (const auto& l : d.before.schema)
      if (!after.count(l)) return ObjectOf(l);
    for (const auto& l : d.after.schema)
      if (!before.count(l)) return ObjectOf(l);
    for (const auto& a : d.before.tables)
      for (const auto& b : d.after.tables)
        if (a.table == b.table && (a.rows != b.rows || a.sha256 != b.sha256))
          return "table " + a.table + " (rows)";
  }
  for (const auto& p : report.phases) {
    if (p.ok) continue;
    if (!p.differences.empty()) return p.differences.front();
    return p.name + ": " + p.error;
  }
  for (const auto& m : report.migrations)
    if (!m.ok()) return m.id + ": " + m.verdict;
  return "";
}

std::string RehearsalHtml(const RehearsalReport& report) {
  const std::string title = "Rehearsal of " + report.app + ": " + report.from + " -> " + report.to +
                            " -> " + report.from + " -> " + report.to;
  std::ostringstream body;
  body << "<h1>" << HtmlEscape(title) << "</h1>\n<p class=\"meta\">on a scratch "
       << HtmlEscape(report.dialect) << " database, " << Seconds(report.seconds) << " s</p>\n";
  if (report.ok()) {
    body << "<div class=\"verdict ok\" id=\"verdict\">The rollback round-trips.</div>\n";
  } else {
    body << "<div class=\"verdict bad\" id=\"verdict\">The rollback does NOT round-trip. First "
            "difference: <span class=\"first\" id=\"first-difference\">"
         << HtmlEscape(FirstDifference(report)) << "</span></div>\n";
  }
  body << "<h2 id=\"timeline\">Timeline</h2>\n" << TimelineHtml(report);
  const RehearsalDetail& d = report.detail;
  body << "<h2 id=\"schema\">Schema differences</h2>\n";
  body << (d.compared ? SchemaHtml(d) : "<p>Not compared (an earlier phase failed).</p>\n");
  body << "<h2 id=\"data\">Data differences</h2>\n";
  body << (d.compared ? DataHtml(d) : "<p>Not compared (an earlier phase failed).</p>\n");
  body << "<h2 id=\"destroyed\">Objects destroyed and their snapshots</h2>\n" << SnapshotsHtml(d);
  body << "<h2 id=\"statements\">The rollback's statements</h2>\n";
  if (d.review.empty())
    body << "<p>No review of the rollback was rendered.</p>\n";
  else
    body << "<p class=\"meta\">as <code>orchestrate sql</code> renders the rollback from "
         << HtmlEscape(report.to) << " to " << HtmlEscape(report.from)
         << "; estimates read on the scratch database</p>\n"
         << StepsHtml(d.rollback, d.review);
  if (report.each) body << EachHtml(report);
  return Page(title, body.str());
}

std::string ReviewHtml(const RunPlan& run, const std::string& script) {
  const std::string title =
      std::string("Review of the ") + DirectionName(run.direction) + " of " + run.app + ": " +
      (run.from_version.empty() ? "(nothing)" : run.from_version) + " -> " + run.to_version;
  std::ostringstream body;
  body << "<h1>" << HtmlEscape(title) << "</h1>\n<p class=\"meta\">approval "
       << HtmlEscape(ApprovalHash(script)) << ", " << run.steps.size() << " steps</p>\n";
  body << "<h2 id=\"destroyed\">What is destroyed</h2>\n" << DestroyedHtml(run, script);
  body << "<h2 id=\"statements\">Steps and statements</h2>\n" << StepsHtml(run, script);
  return Page(title, body.str());
}

}  // namespace orchestrate
