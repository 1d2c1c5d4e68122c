// Whether a DDL statement took effect (ddl_effect.h). Over 500 lines on purpose: a tokenizer, one
// small parser per statement form and the catalog reads that decide them; each form's facts are
// read next to how its text is parsed.
#include "migrations/mysql/ddl_effect.h"

#include "migrations/mysql_tokens.h"

#include <cctype>
#include <set>
#include <utility>
#include <vector>

namespace orchestrate::mysql {
namespace {

using Token = MysqlToken;

// A cursor over the tokens of a statement (or of one clause of an ALTER).
class Cursor {
 public:
  explicit Cursor(std::vector<Token> tokens) : t_(std::move(tokens)) {}
  bool done() const { return i_ >= t_.size(); }
  bool Is(const char* word, std::size_t ahead = 0) const {
    const std::size_t at = i_ + ahead;
    return at < t_.size() && t_[at].kind == Token::Kind::kWord && t_[at].upper == word;
  }
  bool IsPunct(char c) const {
    return i_ < t_.size() && t_[i_].kind == Token::Kind::kPunct && t_[i_].text[0] == c;
  }
  bool Eat(const char* word) {
    if (!Is(word)) return false;
    ++i_;
    return true;
  }
  bool EatPunct(char c) {
    if (!IsPunct(c)) return false;
    ++i_;
    return true;
  }
  // IF EXISTS / IF NOT EXISTS: whether it was there.
  bool EatIfExists() {
    if (Is("IF") && Is("EXISTS", 1)) {
      i_ += 2;
      return true;
    }
    if (Is("IF") && Is("NOT", 1) && Is("EXISTS", 2)) {
      i_ += 3;
      return true;
    }
    return false;
  }
  bool IsName() const {
    return i_ < t_.size() &&
           (t_[i_].kind == Token::Kind::kWord || t_[i_].kind == Token::Kind::kQuoted);
  }
  // A name; "" when the next token is not one.
  std::string Name() {
    if (!IsName()) return "";
    return t_[i_++].text;
  }
  // [schema.]name into *schema and *name; false when there is none.
  bool QualifiedName(std::string* schema, std::string* name) {
    *schema = "";
    *name = Name();
    if (name->empty()) return false;
    if (IsPunct('.')) {
      ++i_;
      *schema = *name;
      *name = Name();
    }
    return !name->empty();
  }
  // The tokens after the cursor split at top-level commas.
  std::vector<Cursor> SplitAtCommas() {
    std::vector<Cursor> parts(1, Cursor({}));
    int depth = 0;
    for (; i_ < t_.size(); ++i_) {
      const Token& t = t_[i_];
      if (t.kind == Token::Kind::kPunct && (t.text == "(")) ++depth;
      if (t.kind == Token::Kind::kPunct && (t.text == ")")) --depth;
      if (depth == 0 && t.kind == Token::Kind::kPunct && t.text == ",") {
        parts.emplace_back(std::vector<Token>());
        continue;
      }
      parts.back().t_.push_back(t);
    }
    return parts;
  }
  // The next words, for a message.
  std::string Words(std::size_t n = 3) const {
    std::string out;
    for (std::size_t k = i_; k < t_.size() && k < i_ + n; ++k)
      out += (out.empty() ? "" : " ") + t_[k].text;
    return out;
  }
  // Inside the parentheses that start here: the tokens split at top-level commas.
  std::vector<Cursor> Parenthesised() {
    std::vector<Token> inner;
    if (!EatPunct('(')) return {};
    int depth = 1;
    for (; i_ < t_.size(); ++i_) {
      const Token& t = t_[i_];
      if (t.kind == Token::Kind::kPunct && t.text == "(") ++depth;
      if (t.kind == Token::Kind::kPunct && t.text == ")" && --depth == 0) {
        ++i_;
        break;
      }
      inner.push_back(t);
    }
    return Cursor(std::move(inner)).SplitAtCommas();
  }

 private:
  std::vector<Token> t_;
  std::size_t i_ = 0;
};

using Kind = CatalogFact::Kind;

CatalogFact Fact(Kind kind, const std::string& schema, const std::string& table,
                 const std::string& name, bool present) {
  return CatalogFact{kind, schema, table, name, present};
}

// One clause of ALTER TABLE schema.table: its facts appended to *out; false (and *why) when the
// catalog cannot tell it. *guarded: it had IF [NOT] EXISTS.
bool AlterClause(Cursor c, const std::string& schema, const std::string& table,
                 std::vector<CatalogFact>* out, bool* guarded, std::string* why) {
  auto add = [&](Kind kind, const std::string& name, bool present) {
    out->push_back(Fact(kind, schema, table, name, present));
  };
  auto cannot = [&](const std::string& what) {
    *why = what;
    return false;
  };
  *guarded = false;
  if (c.Eat("ALGORITHM") || c.Eat("LOCK")) return true;  // how, not what
  if (c.Eat("ADD")) {
    if (c.Is("PARTITION") || c.Is("PERIOD") || c.Is("SYSTEM"))
      return cannot("ADD " + c.Words(1) + " is not read from the catalog");
    std::string constraint;
    if (c.Eat("CONSTRAINT")) {
      *guarded = c.EatIfExists();
      if (!c.Is("PRIMARY") && !c.Is("UNIQUE") && !c.Is("FOREIGN") && !c.Is("CHECK"))
        constraint = c.Name();
    }
    if (c.Eat("PRIMARY")) {
      add(Kind::kIndex, "PRIMARY", true);
      return true;
    }
    if (c.Is("INDEX") || c.Is("KEY") || c.Is("UNIQUE") || c.Is("FULLTEXT") || c.Is("SPATIAL")) {
      c.Eat("UNIQUE") || c.Eat("FULLTEXT") || c.Eat("SPATIAL");
      c.Eat("INDEX") || c.Eat("KEY");
      *guarded = c.EatIfExists() || *guarded;
      std::string name = c.IsPunct('(') || c.Is("USING") ? "" : c.Name();
      if (name.empty()) name = constraint;
      if (name.empty()) return cannot("an index added without a name is not found by name");
      add(Kind::kIndex, name, true);
      return true;
    }
    if (c.Eat("FOREIGN")) {
      c.Eat("KEY");
      *guarded = c.EatIfExists() || *guarded;
      std::string name = c.IsPunct('(') ? "" : c.Name();
      if (name.empty()) name = constraint;
      if (name.empty()) return cannot("a foreign key added without a name is not found by name");
      add(Kind::kConstraint, name, true);
      return true;
    }
    if (c.Eat("CHECK")) {
      if (constraint.empty()) return cannot("a CHECK added without a name is not found by name");
      add(Kind::kConstraint, constraint, true);
      return true;
    }
    if (!constraint.empty()) return cannot("ADD CONSTRAINT " + constraint + " " + c.Words(1));
    c.Eat("COLUMN");
    *guarded = c.EatIfExists();
    if (c.IsPunct('(')) {
      for (Cursor& column : c.Parenthesised()) {
        const std::string name = column.Name();
        if (name.empty()) return cannot("a column list the catalog check cannot read");
        add(Kind::kColumn, name, true);
      }
      return true;
    }
    const std::string name = c.Name();
    if (name.empty()) return cannot("ADD " + c.Words() + " is not read from the catalog");
    add(Kind::kColumn, name, true);
    return true;
  }
  if (c.Eat("DROP")) {
    if (c.Eat("PRIMARY")) {
      add(Kind::kIndex, "PRIMARY", false);
      return true;
    }
    Kind kind = Kind::kColumn;
    if (c.Eat("INDEX") || c.Eat("KEY")) {
      kind = Kind::kIndex;
    } else if (c.Eat("FOREIGN")) {
      c.Eat("KEY");
      kind = Kind::kConstraint;
    } else if (c.Eat("CONSTRAINT") || c.Eat("CHECK")) {
      kind = Kind::kConstraint;
    } else if (c.Is("PARTITION") || c.Is("PERIOD") || c.Is("SYSTEM")) {
      return cannot("DROP " + c.Words(1) + " is not read from the catalog");
    } else {
      c.Eat("COLUMN");
    }
    *guarded = c.EatIfExists();
    const std::string name = c.Name();
    if (name.empty()) return cannot("DROP " + c.Words() + " is not read from the catalog");
    add(kind, name, false);
    return true;
  }
  if (c.Eat("RENAME")) {
    Kind kind = Kind::kColumn;
    if (c.Eat("INDEX") || c.Eat("KEY")) {
      kind = Kind::kIndex;
    } else if (!c.Eat("COLUMN")) {
      return cannot("RENAME of the table together with other clauses");  // alone: see FactsOf
    }
    const std::string from = c.Name();
    if (!c.Eat("TO")) return cannot("RENAME " + c.Words());
    const std::string to = c.Name();
    if (from.empty() || to.empty()) return cannot("RENAME " + c.Words());
    add(kind, from, false);
    add(kind, to, true);
    return true;
  }
  return cannot("the effect of `" + c.Words() + " ...` is not in the catalog");
}

EffectFacts Undecidable(const std::string& why) {
  EffectFacts out;
  out.undecidable = why;
  return out;
}

EffectFacts AlterTable(Cursor c) {
  c.Eat("ONLINE");
  c.Eat("IGNORE");
  if (!c.Eat("TABLE")) return Undecidable("ALTER " + c.Words(2) + " is not read from the catalog");
  c.EatIfExists();
  std::string schema, table;
  if (!c.QualifiedName(&schema, &table)) return Undecidable("ALTER TABLE without a table name");
  if (c.Eat("NOWAIT")) {
  } else if (c.Eat("WAIT")) {
    c.Name();
  }
  EffectFacts out;
  if (c.Is("RENAME") && !c.Is("COLUMN", 1) && !c.Is("INDEX", 1) && !c.Is("KEY", 1)) {
    c.Eat("RENAME");
    c.Eat("TO") || c.Eat("AS") || c.EatPunct('=');
    std::string to_schema, to;
    if (!c.QualifiedName(&to_schema, &to) || !c.done())
      return Undecidable("RENAME of the table together with other clauses");
    out.facts = {Fact(Kind::kTable, schema, table, "", false),
                 Fact(Kind::kTable, to_schema, to, "", true)};
    return out;
  }
  bool all_guarded = true;
  for (Cursor& clause : c.SplitAtCommas()) {
    bool guarded = false;
    std::string why;
    if (!AlterClause(std::move(clause), schema, table, &out.facts, &guarded, &why))
      return Undecidable(why);
    all_guarded = all_guarded && guarded;
  }
  out.reruns_harmlessly = all_guarded;
  if (out.facts.empty()) return Undecidable("the ALTER changes nothing the catalog check reads");
  return out;
}

// CREATE [OR REPLACE] ... TABLE|VIEW|INDEX.
EffectFacts Create(Cursor c) {
  EffectFacts out;
  const bool replace = c.Is("OR") && c.Is("REPLACE", 1);
  if (replace) {
    c.Eat("OR");
    c.Eat("REPLACE");
  }
  out.reruns_harmlessly = replace;
  out.replaces = replace;
  c.Eat("ONLINE") || c.Eat("OFFLINE");
  const bool index_kind = c.Eat("UNIQUE") || c.Eat("FULLTEXT") || c.Eat("SPATIAL");
  if (c.Eat("INDEX")) {
    out.reruns_harmlessly = c.EatIfExists() || replace;
    const std::string name = c.Name();
    if (c.Eat("USING")) c.Name();
    std::string schema, table;
    if (name.empty() || !c.Eat("ON") || !c.QualifiedName(&schema, &table))
      return Undecidable("CREATE INDEX without an index and table name");
    out.facts.push_back(Fact(Kind::kIndex, schema, table, name, true));
    return out;
  }
  if (index_kind) return Undecidable("CREATE " + c.Words(2) + " is not read from the catalog");
  if (c.Eat("TABLE")) {
    out.reruns_harmlessly = c.EatIfExists() || replace;
    std::string schema, table;
    if (!c.QualifiedName(&schema, &table)) return Undecidable("CREATE TABLE without a name");
    out.facts.push_back(Fact(Kind::kTable, schema, table, "", true));
    return out;
  }
  // A view: ALGORITHM = x, DEFINER = user, SQL SECURITY x come before VIEW.
  for (int k = 0; k < 16 && !c.done() && !c.Is("VIEW") && !c.Is("AS"); ++k) {
    if (c.IsName())
      c.Name();
    else if (!c.EatPunct('=') && !c.EatPunct('@') && !c.EatPunct('(') && !c.EatPunct(')'))
      break;
  }
  if (c.Eat("VIEW")) {
    out.reruns_harmlessly = c.EatIfExists() || replace;
    std::string schema, view;
    if (!c.QualifiedName(&schema, &view)) return Undecidable("CREATE VIEW without a name");
    out.facts.push_back(Fact(Kind::kView, schema, view, "", true));
    return out;
  }
  return Undecidable("this CREATE is not read from the catalog");
}

EffectFacts Drop(Cursor c) {
  EffectFacts out;
  Kind kind = Kind::kTable;
  if (c.Eat("TABLE") || c.Eat("TABLES")) {
  } else if (c.Eat("VIEW")) {
    kind = Kind::kView;
  } else if (c.Eat("INDEX")) {
    c.Eat("ONLINE") || c.Eat("OFFLINE");
    out.reruns_harmlessly = c.EatIfExists();
    const std::string name = c.Name();
    std::string schema, table;
    if (name.empty() || !c.Eat("ON") || !c.QualifiedName(&schema, &table))
      return Undecidable("DROP INDEX without an index and table name");
    out.facts.push_back(Fact(Kind::kIndex, schema, table, name, false));
    return out;
  } else {
    return Undecidable("DROP " + c.Words(1) + " is not read from the catalog");
  }
  out.reruns_harmlessly = c.EatIfExists();
  for (Cursor& item : c.SplitAtCommas()) {
    std::string schema, name;
    if (!item.QualifiedName(&schema, &name))
      return Undecidable("a DROP the catalog check cannot read");
    out.facts.push_back(Fact(kind, schema, name, "", false));
  }
  return out;
}

// RENAME TABLE a TO b, c TO d: a name used twice (a swap through a third name) is undecidable.
EffectFacts Rename(Cursor c) {
  if (!c.Eat("TABLE") && !c.Eat("TABLES"))
    return Undecidable("RENAME " + c.Words(1) + " is not read from the catalog");
  EffectFacts out;
  std::set<std::string> names;
  for (Cursor& pair : c.SplitAtCommas()) {
    std::string from_schema, from, to_schema, to;
    if (!pair.QualifiedName(&from_schema, &from) || !pair.Eat("TO") ||
        !pair.QualifiedName(&to_schema, &to))
      return Undecidable("a RENAME the catalog check cannot read");
    if (!names.insert(from_schema + "." + from).second ||
        !names.insert(to_schema + "." + to).second)
      return Undecidable("a RENAME that uses a name twice (a swap) cannot be read back");
    out.facts.push_back(Fact(Kind::kTable, from_schema, from, "", false));
    out.facts.push_back(Fact(Kind::kTable, to_schema, to, "", true));
  }
  return out;
}

}  // namespace

std::string CatalogFact::str() const {
  const std::string where = (schema.empty() ? "" : schema + ".") + table;
  switch (kind) {
    case Kind::kTable:
      return "table " + where;
    case Kind::kView:
      return "view " + where;
    case Kind::kColumn:
      return "column " + name + " of " + where;
    case Kind::kIndex:
      return "index " + name + " of " + where;
    case Kind::kConstraint:
      return "constraint " + name + " of " + where;
  }
  return where;
}

EffectFacts FactsOf(const std::string& statement) {
  Cursor c(TokenizeMysql(statement));
  if (c.Eat("ALTER")) return AlterTable(std::move(c));
  if (c.Eat("CREATE")) return Create(std::move(c));
  if (c.Eat("DROP")) return Drop(std::move(c));
  if (c.Eat("RENAME")) return Rename(std::move(c));
  return Undecidable("the effect of `" + c.Words(2) + " ...` is not in the catalog");
}

Result<StatementEffect> ReadEffect(Transaction& txn, const std::string& statement) {
  using Verdict = StatementEffect::Verdict;
  const EffectFacts facts = FactsOf(statement);
  if (!facts.undecidable.empty()) return StatementEffect{Verdict::kUndecided, facts.undecidable};
  if (facts.replaces)
    return StatementEffect{
        Verdict::kNotApplied,
        "CREATE OR REPLACE runs again: what it replaces is not told apart from "
        "what it creates, and running it twice leaves what running it once does"};
  auto current = txn.Query("SELECT DATABASE()");
  if (!current.ok()) return current.status();
  const Value database = current->rows.at(0).at(0);
  std::string holds, lacks;  // the facts as the catalog shows them, and those it does not
  int held = 0;
  for (const CatalogFact& f : facts.facts) {
    const Value schema = f.schema.empty() ? database : Value(f.schema);
    // The information_schema view that lists such an object, and what names it there.
    std::string sql = "SELECT 1 FROM information_schema.";
    std::vector<Value> params = {schema, f.table};
    switch (f.kind) {
      case Kind::kTable:
      case Kind::kView:
        sql += std::string("TABLES WHERE TABLE_SCHEMA = $1 AND TABLE_NAME = $2 AND TABLE_TYPE ") +
               (f.kind == Kind::kView ? "= 'VIEW'" : "<> 'VIEW'");
        break;
      case Kind::kColumn:
        sql += "COLUMNS WHERE TABLE_SCHEMA = $1 AND TABLE_NAME = $2 AND COLUMN_NAME = $3";
        params.push_back(f.name);
        break;
      case Kind::kIndex:
        sql += "STATISTICS WHERE TABLE_SCHEMA = $1 AND TABLE_NAME = $2 AND INDEX_NAME = $3";
        params.push_back(f.name);
        break;
      case Kind::kConstraint:
        sql +=
            "TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = $1 AND TABLE_NAME = $2 AND "
            "CONSTRAINT_NAME = $3";
        params.push_back(f.name);
        break;
    }
    auto rows = txn.Query(sql + " LIMIT 1", params);
    if (!rows.ok()) return rows.status().WithContext("reading " + f.str() + " in the catalog");
    const bool exists = !rows->rows.empty();
    const std::string seen = f.str() + (exists ? " exists" : " does not exist");
    if (exists == f.present) {
      ++held;
      holds += (holds.empty() ? "" : ", ") + seen;
    } else {
      lacks += (lacks.empty() ? "" : ", ") + seen;
    }
  }
  const int all = static_cast<int>(facts.facts.size());
  if (held == all) return StatementEffect{Verdict::kApplied, holds};
  if (held == 0) return StatementEffect{Verdict::kNotApplied, lacks};
  if (facts.reruns_harmlessly)
    return StatementEffect{Verdict::kNotApplied, holds + ", but " + lacks +
                                                     "; it runs again harmlessly (IF [NOT] "
                                                     "EXISTS, OR REPLACE)"};
  return StatementEffect{Verdict::kUndecided,
                         "the catalog shows part of it: " + holds + ", but " + lacks};
}

}  // namespace orchestrate::mysql
