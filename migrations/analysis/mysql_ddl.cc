// MySQL/MariaDB statements, after the conservative scanner (sqlite_scanner.cc) has read what the
// dialects share: what only MySQL has is judged here. ALTER TABLE is re-read clause by clause
// (MODIFY, CHANGE, ADD INDEX, DROP FOREIGN KEY, ALGORITHM=, ... that the scanner does not know),
// with the online DDL each clause takes (OnlineDdl in analysis.h); CREATE/DROP INDEX ... ON,
// TRUNCATE, RENAME TABLE and OPTIMIZE TABLE get their tables and effects; and every statement's
// lock is said in MySQL's terms instead of SQLite's one database lock.
//
// The judgement follows MariaDB's "InnoDB Online DDL Operations" pages (MariaDB 10.11, the server
// the tests run) for an ALTER that states neither ALGORITHM nor LOCK. Where the outcome depends on
// what the statement does not show (the column's old type for MODIFY/CHANGE, whether
// foreign_key_checks is off for ADD FOREIGN KEY) the worse outcome is reported, and a clause that
// is not recognised is COPY and not analysable: the verdict errs towards "writes wait".
#include <cctype>
#include <string>
#include <vector>

#include "migrations/analysis/analysis.h"
#include "migrations/analysis/internal.h"
#include "migrations/mysql_tokens.h"

namespace orchestrate {
namespace analysis_internal {
namespace {

using Tok = MysqlToken;

bool Is(const Tok& t, const char* word) { return t.kind == Tok::Kind::kWord && t.upper == word; }
bool IsPunct(const Tok& t, char c) { return t.kind == Tok::Kind::kPunct && t.text[0] == c; }
bool IsNameToken(const Tok& t) {
  return t.kind == Tok::Kind::kWord || t.kind == Tok::Kind::kQuoted;
}

class Reader {
 public:
  Reader(const std::vector<Tok>& t, size_t begin, size_t end) : t_(t), pos_(begin), end_(end) {}
  bool AtEnd() const { return pos_ >= end_; }
  bool Accept(const char* word) {
    if (AtEnd() || !Is(t_[pos_], word)) return false;
    ++pos_;
    return true;
  }
  bool AcceptAll(std::initializer_list<const char*> words) {
    size_t p = pos_;
    for (const char* w : words) {
      if (p >= end_ || !Is(t_[p], w)) return false;
      ++p;
    }
    pos_ = p;
    return true;
  }
  bool Peek(const char* word) const { return !AtEnd() && Is(t_[pos_], word); }
  // A [schema.]name, consumed; "" when the next token is not one.
  std::string Name() {
    if (AtEnd() || !IsNameToken(t_[pos_])) return "";
    std::string name = t_[pos_++].text;
    if (pos_ + 1 < end_ && IsPunct(t_[pos_], '.') && IsNameToken(t_[pos_ + 1])) {
      name += "." + t_[pos_ + 1].text;
      pos_ += 2;
    }
    return name;
  }
  // Whether `word` appears at parenthesis depth 0 from here on.
  bool Has(const char* word) const {
    int depth = 0;
    for (size_t p = pos_; p < end_; ++p) {
      if (IsPunct(t_[p], '(')) ++depth;
      if (IsPunct(t_[p], ')')) --depth;
      if (depth == 0 && Is(t_[p], word)) return true;
    }
    return false;
  }
  // Whether `word` appears anywhere from here on (inside parentheses too).
  bool HasAnywhere(const char* word) const {
    for (size_t p = pos_; p < end_; ++p)
      if (Is(t_[p], word)) return true;
    return false;
  }
  // The next word in upper case, consumed ("" when the next token is not a word).
  std::string Word() {
    if (AtEnd() || t_[pos_].kind != Tok::Kind::kWord) return "";
    return t_[pos_++].upper;
  }
  void Skip() { ++pos_; }
  void SkipEquals() {
    if (!AtEnd() && IsPunct(t_[pos_], '=')) ++pos_;
  }
  size_t pos() const { return pos_; }

 private:
  const std::vector<Tok>& t_;
  size_t pos_, end_;
};

// The online DDL of one ALTER TABLE clause.
struct Judgement {
  DdlAlgorithm algorithm = DdlAlgorithm::kInstant;
  DdlLock lock = DdlLock::kNone;
  std::string why;
};

Judgement Instant(const std::string& why) { return {DdlAlgorithm::kInstant, DdlLock::kNone, why}; }
Judgement Inplace(const std::string& why, DdlLock lock = DdlLock::kNone) {
  return {DdlAlgorithm::kInplace, lock, why};
}
Judgement Copy(const std::string& why) { return {DdlAlgorithm::kCopy, DdlLock::kShared, why}; }

// Keeps the worse of the two (the slower algorithm, the stronger lock) in `into`, with its reason.
void Worsen(OnlineDdl& into, const Judgement& j) {
  const bool worse_algorithm = static_cast<int>(j.algorithm) > static_cast<int>(into.algorithm);
  const bool worse_lock = static_cast<int>(j.lock) > static_cast<int>(into.lock);
  if (worse_algorithm) into.algorithm = j.algorithm;
  if (worse_lock) into.lock = j.lock;
  if ((worse_algorithm || worse_lock || into.why.empty()) && !j.why.empty()) into.why = j.why;
}

DdlAlgorithm AlgorithmNamed(const std::string& word, bool* known) {
  *known = true;
  if (word == "INSTANT") return DdlAlgorithm::kInstant;
  if (word == "INPLACE" || word == "NOCOPY") return DdlAlgorithm::kInplace;
  if (word == "COPY") return DdlAlgorithm::kCopy;
  *known = word == "DEFAULT";
  return DdlAlgorithm::kNotDdl;
}

DdlLock LockNamed(const std::string& word, bool* known) {
  *known = true;
  if (word == "NONE") return DdlLock::kNone;
  if (word == "SHARED") return DdlLock::kShared;
  if (word == "EXCLUSIVE") return DdlLock::kExclusive;
  *known = word == "DEFAULT";
  return DdlLock::kNone;
}

class AlterReader {
 public:
  AlterReader(const std::vector<Tok>& t, StatementAnalysis& out) : t_(t), a_(out) {}

  // ALTER [ONLINE] [IGNORE] TABLE [IF EXISTS] name clause [, clause]...
  void Read() {
    Reader r(t_, 0, t_.size());
    r.Accept("ALTER");
    r.Accept("ONLINE");
    r.Accept("IGNORE");
    if (!r.Accept("TABLE")) return;
    r.AcceptAll({"IF", "EXISTS"});
    table_ = r.Name();
    a_ = Fresh(a_, "ALTER TABLE");
    AddTable(a_, table_);
    a_.online_ddl.algorithm = DdlAlgorithm::kInstant;
    size_t begin = r.pos();
    int depth = 0;
    for (size_t p = begin; p <= t_.size(); ++p) {
      if (p < t_.size() && IsPunct(t_[p], '(')) ++depth;
      if (p < t_.size() && IsPunct(t_[p], ')')) --depth;
      if (p == t_.size() || (depth == 0 && IsPunct(t_[p], ','))) {
        if (p > begin) Clause(begin, p);
        begin = p + 1;
      }
    }
    if (stated_algorithm_) a_.online_ddl.algorithm = algorithm_;
    if (stated_lock_) a_.online_ddl.lock = lock_;
    a_.online_ddl.stated = stated_algorithm_ || stated_lock_;
    if (a_.online_ddl.stated) a_.online_ddl.why = "as the statement states";
    a_.lock = LockOf(a_.online_ddl.lock);
  }

  static StatementAnalysis Fresh(const StatementAnalysis& from, const std::string& kind) {
    StatementAnalysis s;
    s.text = from.text;
    s.line = from.line;
    s.kind = kind;
    return s;
  }

  static LockLevel LockOf(DdlLock lock) {
    switch (lock) {
      case DdlLock::kNone:
        return LockLevel::kShareUpdateExclusive;  // other DDL waits, reads and writes go on
      case DdlLock::kShared:
        return LockLevel::kShare;  // reads go on, writes wait
      case DdlLock::kExclusive:
        break;
    }
    return LockLevel::kAccessExclusive;
  }

 private:
  void Clause(size_t begin, size_t end) {
    Reader r(t_, begin, end);
    const std::string first = r.Word();
    if (first == "ADD") return Add(r);
    if (first == "DROP") return Drop(r);
    if (first == "MODIFY" || first == "CHANGE") {
      r.Accept("COLUMN");
      r.AcceptAll({"IF", "EXISTS"});
      const std::string column = r.Name();
      if (first == "CHANGE") r.Name();  // the new name
      AddDestroys(a_, "may convert or truncate the values of " + table_ + "." + column + " (" +
                          first + " COLUMN changes its definition)");
      return Worsen(a_.online_ddl, Copy(first + " COLUMN " + column +
                                        " (a type change copies the table; its old type is not "
                                        "known here)"));
    }
    if (first == "RENAME") {
      if (r.Accept("COLUMN")) return Worsen(a_.online_ddl, Instant("RENAME COLUMN"));
      if (r.Accept("INDEX") || r.Accept("KEY"))
        return Worsen(a_.online_ddl, Instant("RENAME INDEX"));
      if (!r.Accept("TO")) r.Accept("AS");
      AddTable(a_, r.Name());
      return Worsen(a_.online_ddl, Instant("RENAME TO"));
    }
    if (first == "ALTER") {
      if (r.Accept("INDEX") || r.Accept("KEY"))
        return Worsen(a_.online_ddl, Instant("ALTER INDEX (visibility)"));
      r.Accept("COLUMN");
      r.Name();
      if (r.AcceptAll({"SET", "DEFAULT"}) || r.AcceptAll({"DROP", "DEFAULT"}))
        return Worsen(a_.online_ddl, Instant("ALTER COLUMN ... DEFAULT"));
      return Unknown("ALTER COLUMN form not recognised");
    }
    if (first == "ALGORITHM") {
      r.SkipEquals();
      bool known = false;
      const std::string word = r.Word();
      const DdlAlgorithm stated = AlgorithmNamed(word, &known);
      if (!known) return Unknown("ALGORITHM=" + word + " not recognised");
      if (stated != DdlAlgorithm::kNotDdl) {
        stated_algorithm_ = true;
        algorithm_ = stated;
      }
      return;
    }
    if (first == "LOCK") {
      r.SkipEquals();
      bool known = false;
      const std::string word = r.Word();
      const DdlLock stated = LockNamed(word, &known);
      if (!known) return Unknown("LOCK=" + word + " not recognised");
      if (word != "DEFAULT") {
        stated_lock_ = true;
        lock_ = stated;
      }
      return;
    }
    if (first == "FORCE") return Worsen(a_.online_ddl, Inplace("FORCE rebuilds the table"));
    if (first == "COMMENT" || first == "AUTO_INCREMENT")
      return Worsen(a_.online_ddl, Instant(first + "="));
    if (first == "ENGINE" || first == "CONVERT" || first == "ORDER" || first == "CHARACTER" ||
        first == "CHARSET" || first == "DEFAULT" || first == "COLLATE" || first == "ROW_FORMAT")
      return Worsen(a_.online_ddl, Copy(first + " copies the table"));
    Unknown("ALTER TABLE clause " + first + " not recognised");
  }

  // ADD [COLUMN] ..., ADD INDEX/KEY/UNIQUE/FULLTEXT/SPATIAL/PRIMARY KEY/FOREIGN KEY/CHECK,
  // ADD CONSTRAINT [name] ...
  void Add(Reader& r) {
    if (r.Accept("CONSTRAINT")) {
      if (!r.Peek("PRIMARY") && !r.Peek("UNIQUE") && !r.Peek("FOREIGN") && !r.Peek("CHECK"))
        r.Name();
    }
    if (r.AcceptAll({"PRIMARY", "KEY"}))
      return Worsen(a_.online_ddl, Inplace("ADD PRIMARY KEY rebuilds the table"));
    if (r.Accept("UNIQUE") || r.Accept("INDEX") || r.Accept("KEY"))
      return Worsen(a_.online_ddl, Inplace("ADD INDEX builds the index"));
    if (r.Accept("FULLTEXT") || r.Accept("SPATIAL"))
      return Worsen(
          a_.online_ddl,
          Inplace("a FULLTEXT or SPATIAL index blocks writes while it builds", DdlLock::kShared));
    if (r.AcceptAll({"FOREIGN", "KEY"}))
      return Worsen(a_.online_ddl, Copy("ADD FOREIGN KEY copies the table (INPLACE only with "
                                        "foreign_key_checks off)"));
    if (r.Accept("CHECK"))
      return Worsen(a_.online_ddl, Copy("ADD CHECK copies the table to validate its rows"));
    if (r.Accept("PARTITION") || r.Accept("PERIOD") || r.Accept("SYSTEM"))
      return Unknown("ADD PARTITION/PERIOD/SYSTEM VERSIONING not recognised");
    r.Accept("COLUMN");
    r.AcceptAll({"IF", "NOT", "EXISTS"});
    const std::string column = r.Name();
    if (column.empty()) return Unknown("ADD COLUMN without a column name");
    if (r.HasAnywhere("AUTO_INCREMENT"))
      return Worsen(a_.online_ddl, Copy("ADD COLUMN " + column + " AUTO_INCREMENT"));
    if ((r.Has("AS") || r.Has("GENERATED")) && (r.Has("STORED") || r.Has("PERSISTENT")))
      return Worsen(a_.online_ddl, Copy("ADD COLUMN " + column + " (a stored generated column)"));
    if (r.Has("PRIMARY"))
      return Worsen(a_.online_ddl, Inplace("ADD COLUMN " + column + " PRIMARY KEY"));
    if (r.Has("UNIQUE"))
      return Worsen(a_.online_ddl, Inplace("ADD COLUMN " + column + " UNIQUE builds an index"));
    if (r.Has("REFERENCES"))
      return Worsen(a_.online_ddl, Copy("ADD COLUMN " + column + " REFERENCES (a foreign key)"));
    Worsen(a_.online_ddl, Instant("ADD COLUMN"));
  }

  void Drop(Reader& r) {
    if (r.AcceptAll({"PRIMARY", "KEY"}))
      return Worsen(a_.online_ddl, Copy("DROP PRIMARY KEY without a new one copies the table"));
    if (r.AcceptAll({"FOREIGN", "KEY"})) return Worsen(a_.online_ddl, Inplace("DROP FOREIGN KEY"));
    if (r.Accept("INDEX") || r.Accept("KEY")) return Worsen(a_.online_ddl, Inplace("DROP INDEX"));
    if (r.Accept("CONSTRAINT") || r.Accept("CHECK"))
      return Worsen(a_.online_ddl, Inplace("DROP CONSTRAINT"));
    if (r.Accept("PARTITION")) {
      AddDestroys(a_, "drops partitions of " + table_ + " with their rows");
      return Worsen(a_.online_ddl, Inplace("DROP PARTITION"));
    }
    r.Accept("COLUMN");
    r.AcceptAll({"IF", "EXISTS"});
    const std::string column = r.Name();
    if (column.empty()) return Unknown("DROP without a column name");
    AddDestroys(a_, "drops column " + table_ + "." + column);
    Worsen(a_.online_ddl, Instant("DROP COLUMN"));
  }

  void Unknown(const std::string& why) {
    MarkNotAnalysable(a_, why);
    Worsen(a_.online_ddl, Copy(why));
  }

  const std::vector<Tok>& t_;
  StatementAnalysis& a_;
  std::string table_;
  bool stated_algorithm_ = false, stated_lock_ = false;
  DdlAlgorithm algorithm_ = DdlAlgorithm::kNotDdl;
  DdlLock lock_ = DdlLock::kNone;
};

// CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX [IF NOT EXISTS] name [USING ...] ON table (...) and
// DROP INDEX [IF EXISTS] name ON table: the scanner would take the index for the table (DROP) or
// not know the kind (FULLTEXT).
void Index(const std::vector<Tok>& t, StatementAnalysis& s) {
  Reader r(t, 0, t.size());
  const bool create = r.Accept("CREATE");
  if (!create) r.Accept("DROP");
  r.Accept("ONLINE");
  const bool fulltext = r.Accept("FULLTEXT") || r.Accept("SPATIAL");
  r.Accept("UNIQUE");
  if (!r.Accept("INDEX")) return;
  r.AcceptAll({"IF", "NOT", "EXISTS"});
  r.AcceptAll({"IF", "EXISTS"});
  r.Name();
  while (!r.AtEnd() && !r.Accept("ON")) r.Skip();  // USING BTREE and the like
  const std::string table = r.Name();
  if (table.empty()) return;
  StatementAnalysis out = AlterReader::Fresh(s, create ? "CREATE INDEX" : "DROP INDEX");
  AddTable(out, table);
  out.online_ddl = {DdlAlgorithm::kInplace, fulltext ? DdlLock::kShared : DdlLock::kNone, false,
                    create ? (fulltext ? "a FULLTEXT or SPATIAL index blocks writes while it builds"
                                       : "CREATE INDEX builds the index")
                           : "DROP INDEX"};
  out.lock = AlterReader::LockOf(out.online_ddl.lock);
  s = out;
}

// What a statement of `kind` locks on MySQL, for the statements that are not online DDL.
LockLevel PlainLock(const StatementAnalysis& s) {
  const std::string& kind = s.kind;
  if (kind == "SELECT" || kind == "EXPLAIN") return LockLevel::kAccessShare;
  if (kind == "INSERT" || kind == "REPLACE" || kind == "UPDATE" || kind == "DELETE")
    return LockLevel::kRowExclusive;
  if (kind == "CREATE TABLE" || kind == "CREATE VIEW" || kind == "CREATE TRIGGER")
    return s.tables.size() > 1 ? LockLevel::kAccessShare : LockLevel::kNone;
  if (kind.rfind("BEGIN", 0) == 0 || kind == "COMMIT" || kind == "ROLLBACK" ||
      kind == "SAVEPOINT" || kind == "RELEASE SAVEPOINT" || kind == "SET")
    return LockLevel::kNone;
  return LockLevel::kAccessExclusive;  // DROP, TRUNCATE, RENAME, anything not understood
}

}  // namespace

void RefineMysql(StatementAnalysis& s) {
  const std::vector<Tok> t = TokenizeMysql(s.text);
  if (t.empty()) return;
  Reader r(t, 0, t.size());
  const std::string first = r.Word();
  if (first == "ALTER") {
    Reader alter(t, 1, t.size());
    alter.Accept("ONLINE");
    alter.Accept("IGNORE");
    if (alter.Peek("TABLE")) return AlterReader(t, s).Read();
  }
  if ((first == "CREATE" || first == "DROP") && (r.Has("INDEX") && r.Has("ON"))) {
    Index(t, s);
    if (s.kind == "CREATE INDEX" || s.kind == "DROP INDEX") return;
  }
  if (first == "TRUNCATE") {
    r.Accept("TABLE");
    const std::string table = r.Name();
    s = AlterReader::Fresh(s, "TRUNCATE");
    AddTable(s, table);
    s.deletes_all_rows = true;
    AddDestroys(s, "deletes all rows of " + table + " (TRUNCATE)");
    s.lock = LockLevel::kAccessExclusive;
    return;
  }
  if (first == "RENAME" && r.Accept("TABLE")) {
    s = AlterReader::Fresh(s, "RENAME TABLE");
    // a TO b [, c TO d]...: every name, old and new.
    while (!r.AtEnd()) {
      if (r.Accept("TO") || r.Accept("WAIT") || r.Accept("NOWAIT")) continue;
      const std::string name = r.Name();
      if (name.empty()) {
        r.Skip();
        continue;
      }
      AddTable(s, name);
    }
    s.lock = LockLevel::kAccessExclusive;
    return;
  }
  if (first == "OPTIMIZE" &&
      (r.Accept("TABLE") || r.Accept("NO_WRITE_TO_BINLOG") || r.Accept("LOCAL"))) {
    r.Accept("TABLE");
    const std::string table = r.Name();
    s = AlterReader::Fresh(s, "OPTIMIZE TABLE");
    AddTable(s, table);
    s.online_ddl = {DdlAlgorithm::kInplace, DdlLock::kNone, false,
                    "OPTIMIZE TABLE rebuilds the table"};
    s.lock = AlterReader::LockOf(DdlLock::kNone);
    return;
  }
  if (first == "SET") {
    s = AlterReader::Fresh(s, "SET");  // a session variable: nothing is written
    return;
  }
  if (s.lock == LockLevel::kDatabase || s.lock == LockLevel::kNone) s.lock = PlainLock(s);
}

}  // namespace analysis_internal

const char* Name(DdlAlgorithm algorithm) {
  switch (algorithm) {
    case DdlAlgorithm::kNotDdl:
      return "";
    case DdlAlgorithm::kInstant:
      return "INSTANT";
    case DdlAlgorithm::kInplace:
      return "INPLACE";
    case DdlAlgorithm::kCopy:
      return "COPY";
  }
  return "COPY";
}

const char* Name(DdlLock lock) {
  switch (lock) {
    case DdlLock::kNone:
      return "NONE";
    case DdlLock::kShared:
      return "SHARED";
    case DdlLock::kExclusive:
      return "EXCLUSIVE";
  }
  return "EXCLUSIVE";
}

std::string OnlineDdlText(const OnlineDdl& ddl) {
  if (ddl.algorithm == DdlAlgorithm::kNotDdl) return "";
  return std::string("ALGORITHM=") + Name(ddl.algorithm) + ", LOCK=" + Name(ddl.lock);
}

}  // namespace orchestrate
