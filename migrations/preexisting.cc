#include "migrations/preexisting.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "migrations/statement_split.h"

namespace orchestrate {
namespace {

// A token of a statement, as far as the forms read here need: words (lower-cased), "quoted"
// identifiers (as written inside the quotes), and single characters.
struct Token {
  enum class Kind { kWord, kQuoted, kChar };
  Kind kind = Kind::kChar;
  std::string text;
};

// The tokens of `sql`, without whitespace and comments; nullopt for what this scanner does not
// read (a string literal, a dollar quote, an unterminated quote or comment).
std::optional<std::vector<Token>> Lex(const std::string& sql) {
  std::vector<Token> out;
  size_t i = 0;
  const size_t n = sql.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(sql[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      int depth = 0;
      do {
        if (i + 1 < n && sql[i] == '/' && sql[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (i + 1 < n && sql[i] == '*' && sql[i + 1] == '/') {
          --depth;
          i += 2;
        } else if (i < n) {
          ++i;
        } else {
          return std::nullopt;
        }
      } while (depth > 0);
    } else if (c == '"') {
      std::string name;
      ++i;
      for (;;) {
        if (i >= n) return std::nullopt;
        if (sql[i] == '"') {
          if (i + 1 < n && sql[i + 1] == '"') {
            name += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        name += sql[i++];
      }
      out.push_back({Token::Kind::kQuoted, name});
    } else if (std::isalpha(c) || c == '_' || c >= 0x80) {
      std::string word;
      while (i < n) {
        const unsigned char w = static_cast<unsigned char>(sql[i]);
        if (!(std::isalnum(w) || w == '_' || w == '$' || w >= 0x80)) break;
        word += static_cast<char>(std::tolower(w));
        ++i;
      }
      out.push_back({Token::Kind::kWord, word});
    } else if (c == '\'' || c == '$') {
      return std::nullopt;
    } else {
      out.push_back({Token::Kind::kChar, std::string(1, static_cast<char>(c))});
      ++i;
    }
  }
  return out;
}

// Reads tokens left to right.
class Reader {
 public:
  explicit Reader(const std::vector<Token>& tokens) : t_(tokens) {}
  bool Word(const char* w) {
    if (i_ < t_.size() && t_[i_].kind == Token::Kind::kWord && t_[i_].text == w) {
      ++i_;
      return true;
    }
    return false;
  }
  bool Char(char c) {
    if (i_ < t_.size() && t_[i_].kind == Token::Kind::kChar && t_[i_].text[0] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  // One of `words`, or "".
  std::string OneOf(const std::vector<const char*>& words) {
    for (const char* w : words)
      if (Word(w)) return w;
    return "";
  }
  // A name, optionally schema-qualified, as the catalog spells it ("public." left out).
  std::optional<std::string> Name() {
    auto part = [&]() -> std::optional<std::string> {
      if (i_ >= t_.size() || t_[i_].kind == Token::Kind::kChar) return std::nullopt;
      return t_[i_++].text;
    };
    auto first = part();
    if (!first) return std::nullopt;
    if (!Char('.')) return first;
    auto second = part();
    if (!second) return std::nullopt;
    return *first == "public" ? *second : *first + "." + *second;
  }
  bool AtEnd() const { return i_ == t_.size(); }

 private:
  const std::vector<Token>& t_;
  size_t i_ = 0;
};

// A `DROP` statement of objects this file knows.
struct Drop {
  std::string kind;
  bool concurrently = false, if_exists = false;
  std::vector<std::string> names;
  std::string behavior;  // "cascade", "restrict" or ""
};

std::optional<Drop> ReadDrop(const std::string& statement) {
  auto tokens = Lex(statement);
  if (!tokens) return std::nullopt;
  Reader r(*tokens);
  Drop d;
  if (!r.Word("drop")) return std::nullopt;
  d.kind = r.OneOf({"extension", "table", "index", "sequence", "schema"});
  if (d.kind.empty()) return std::nullopt;
  d.concurrently = d.kind == "index" && r.Word("concurrently");
  if (r.Word("if")) {
    if (!r.Word("exists")) return std::nullopt;
    d.if_exists = true;
  }
  do {
    auto name = r.Name();
    if (!name) return std::nullopt;
    d.names.push_back(*name);
  } while (r.Char(','));
  d.behavior = r.OneOf({"cascade", "restrict"});
  if (!r.AtEnd()) return std::nullopt;
  return d;
}

// The object a `CREATE ... IF NOT EXISTS` statement names, or nullopt.
std::optional<PreexistingObject> ReadCreateIfNotExists(const std::string& statement) {
  auto tokens = Lex(statement);
  if (!tokens) return std::nullopt;
  Reader r(*tokens);
  if (!r.Word("create")) return std::nullopt;
  const bool unique = r.Word("unique");
  const bool unlogged = !unique && r.Word("unlogged");
  std::string kind = r.OneOf({"extension", "table", "index", "sequence", "schema"});
  if (kind.empty() || (unique && kind != "index") ||
      (unlogged && kind != "table" && kind != "sequence"))
    return std::nullopt;
  if (kind == "index") r.Word("concurrently");
  if (!(r.Word("if") && r.Word("not") && r.Word("exists"))) return std::nullopt;
  auto name = r.Name();
  if (!name) return std::nullopt;
  return PreexistingObject{kind, *name};
}

std::string QuoteName(const std::string& name) {
  auto quote_part = [](const std::string& part) {
    bool plain = !part.empty() && !std::isdigit(static_cast<unsigned char>(part[0]));
    for (char c : part)
      if (!(std::islower(static_cast<unsigned char>(c)) ||
            std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
        plain = false;
    if (plain) return part;
    std::string q = "\"";
    for (char c : part) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  size_t dot = name.find('.');
  if (dot == std::string::npos) return quote_part(name);
  return quote_part(name.substr(0, dot)) + "." + quote_part(name.substr(dot + 1));
}

}  // namespace

std::vector<PreexistingObject> IfNotExistsObjects(const std::string& up) {
  std::vector<PreexistingObject> out;
  ScriptSplit split = SplitScript(Dialect::kPostgres, up);
  if (!split.ok) return out;
  for (const auto& st : split.statements) {
    auto object = ReadCreateIfNotExists(st.text);
    if (object && std::find(out.begin(), out.end(), *object) == out.end()) out.push_back(*object);
  }
  return out;
}

Result<std::vector<PreexistingObject>> FindPreexisting(const Database& db, Transaction& txn,
                                                       const std::string& up) {
  std::vector<PreexistingObject> out;
  if (db.Kind() != Dialect::kPostgres) return out;
  for (const auto& o : IfNotExistsObjects(up)) {
    Result<QueryResult> r = Status::Ok();
    if (o.kind == "extension") {
      r = txn.Query("SELECT extname::text FROM pg_extension WHERE extname = $1", {o.name});
    } else if (o.kind == "schema") {
      r = txn.Query("SELECT nspname::text FROM pg_namespace WHERE nspname = $1", {o.name});
    } else {
      r = txn.Query("SELECT to_regclass($1)::text", {QuoteName(o.name)});
    }
    if (!r.ok()) return r.status().WithContext("looking for " + o.kind + " " + o.name);
    if (!r->rows.empty() && !r->rows[0].empty() && r->rows[0][0]) out.push_back(o);
  }
  return out;
}

std::string DownKeeping(const std::string& down, const std::vector<PreexistingObject>& kept,
                        std::vector<PreexistingObject>* dropped) {
  if (kept.empty()) return down;
  ScriptSplit split = SplitScript(Dialect::kPostgres, down);
  if (!split.ok) return down;
  std::string out;
  size_t copied = 0;
  for (const auto& st : split.statements) {
    auto drop = ReadDrop(st.text);
    if (!drop) continue;
    std::vector<std::string> keep, others;
    for (const auto& name : drop->names) {
      PreexistingObject o{drop->kind, name};
      if (std::find(kept.begin(), kept.end(), o) != kept.end()) {
        keep.push_back(name);
        if (std::find(dropped->begin(), dropped->end(), o) == dropped->end()) dropped->push_back(o);
      } else {
        others.push_back(name);
      }
    }
    if (keep.empty()) continue;
    std::string kept_list;
    for (const auto& k : keep) kept_list += (kept_list.empty() ? "" : ", ") + k;
    // The statement's line breaks stay, so the lines after it keep their numbers.
    std::string breaks(static_cast<size_t>(std::count(st.text.begin(), st.text.end(), '\n')), '\n');
    std::string replacement;
    if (!others.empty()) {
      auto upper = [](std::string w) {
        for (char& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return w;
      };
      replacement = "DROP " + upper(drop->kind) + (drop->concurrently ? " CONCURRENTLY" : "") +
                    (drop->if_exists ? " IF EXISTS" : "");
      for (size_t i = 0; i < others.size(); ++i)
        replacement += (i ? ", " : " ") + QuoteName(others[i]);
      if (!drop->behavior.empty()) replacement += " " + upper(drop->behavior);
      replacement += " ";
    }
    replacement += "/* kept by orchestrate: " + drop->kind + " " + kept_list +
                   " existed before the up (policy keep_preexisting_extensions)" + breaks + " */";
    out += down.substr(copied, st.offset - copied) + replacement;
    copied = st.offset + st.text.size();
  }
  if (copied == 0) return down;
  return out + down.substr(copied);
}

std::string DescribeObjects(const std::vector<PreexistingObject>& objects) {
  std::string out;
  for (const auto& o : objects) out += (out.empty() ? "" : ", ") + o.kind + " " + o.name;
  return out;
}

}  // namespace orchestrate
