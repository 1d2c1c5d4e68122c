// From a script's analysis to the tables and columns a snapshot must copy. The analyzer describes
// what a statement destroys in words ("drops column orders.item_count"; clauses joined by "; "),
// naming tables exactly as it lists them in `tables`, so a clause is attributed to the longest
// listed table it names. A clause that names none of them falls back to the whole of every table
// the statement mentions: copying too much is safe, copying too little is not.
#include <algorithm>

#include "snapshot/internal.h"

namespace orchestrate::snapshot_internal {
namespace {

constexpr const char* kColumnClauses[] = {"drops column ", "changes the type of column "};

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Where `table` appears in `clause` as a name (after a space; followed by '.', ' ' or the end),
// or npos.
size_t FindName(const std::string& clause, const std::string& table, bool column) {
  for (size_t pos = clause.find(table); pos != std::string::npos;
       pos = clause.find(table, pos + 1)) {
    if (pos == 0 || clause[pos - 1] != ' ') continue;
    size_t end = pos + table.size();
    char next = end < clause.size() ? clause[end] : '\0';
    if (column ? next == '.' : (next == '\0' || next == ' ')) return pos;
  }
  return std::string::npos;
}

struct Merged {
  std::vector<Target> targets;

  Target& For(const std::string& table, SnapshotKind kind) {
    for (Target& t : targets)
      if (t.table == table && (t.kind != SnapshotKind::kNone || kind == SnapshotKind::kNone))
        return t;
    targets.push_back({table, kind, {}, ""});
    return targets.back();
  }
  void Describe(Target& t, const std::string& what) {
    if (t.description.find(what) != std::string::npos) return;
    t.description += (t.description.empty() ? "" : "; ") + what;
  }
  Target& Whole(const std::string& table, const std::string& what) {
    Target& t = For(table, SnapshotKind::kTable);
    t.kind = SnapshotKind::kTable;  // covers any column capture of the same table
    t.columns.clear();
    Describe(t, what);
    return t;
  }
  void Column(const std::string& table, const std::string& column, const std::string& what) {
    Target& t = For(table, SnapshotKind::kColumns);
    if (t.kind == SnapshotKind::kColumns &&
        std::find(t.columns.begin(), t.columns.end(), column) == t.columns.end())
      t.columns.push_back(column);
    Describe(t, what);
  }
  void Nothing(const std::string& what) { Describe(For("", SnapshotKind::kNone), what); }
};

}  // namespace

std::vector<Target> TargetsOf(Dialect dialect, const std::string& sql) {
  return TargetsOf(dialect, AnalyzeScript(dialect, sql));
}

std::vector<Target> TargetsOf(Dialect dialect, const ScriptAnalysis& a) {
  Merged m;
  if (!a.ok) {
    m.Nothing("the script could not be analysed (line " + std::to_string(a.error_line) + ": " +
              a.error + ")");
    return m.targets;
  }
  for (const StatementAnalysis& st : a.statements) {
    if (!st.destroys_data) continue;
    const std::string line = "line " + std::to_string(st.line) + ": ";
    auto whole_of_every_table = [&](const std::string& what) {
      if (st.tables.empty()) return m.Nothing(line + what + " (names no table to copy)");
      for (const std::string& t : st.tables) m.Whole(t, line + what).deletes_rows = true;
    };
    if (!st.analysable) {
      whole_of_every_table(st.destroys);
      continue;
    }
    for (const std::string& clause : Split(st.destroys, ';')) {
      std::string what = clause;
      while (!what.empty() && what.front() == ' ') what.erase(0, 1);
      bool column = false;
      for (const char* p : kColumnClauses) column = column || StartsWith(what, p);
      const std::string* best = nullptr;
      size_t best_pos = std::string::npos;
      for (const std::string& t : st.tables) {
        size_t pos = FindName(what, t, column);
        if (pos != std::string::npos && (!best || t.size() > best->size())) {
          best = &t;
          best_pos = pos;
        }
      }
      if (!best) {
        whole_of_every_table(what);
        continue;
      }
      if (!column) {
        Target& t = m.Whole(*best, line + what);
        bool drop = StartsWith(what, "drops table");
        t.deletes_rows = t.deletes_rows || (!StartsWith(what, "updates rows") &&
                                            (!drop || dialect == Dialect::kSqlite));
        t.truncate_cascade = t.truncate_cascade || (StartsWith(what, "truncates") &&
                                                    what.find("(CASCADE)") != std::string::npos);
        continue;
      }
      std::string name = what.substr(best_pos + best->size() + 1);
      size_t to = name.find(" to ");  // "changes the type of column t.c to varchar(5) (...)"
      if (StartsWith(what, "changes the type") && to != std::string::npos) name.resize(to);
      m.Column(*best, name, line + what);
    }
  }
  return m.targets;
}

}  // namespace orchestrate::snapshot_internal
