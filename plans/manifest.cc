// The manifest parser (manifest.h). Over 500 lines: the plan, release and environment documents
// and the policy share one position-keeping YAML walk and one set of error messages (file:line:col
// and what to do); split, the rules of one key would be far from their errors.
#include "plans/manifest.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>
#include <sstream>

#include "plans/image_ref.h"
#include "plans/input_file.h"
#include "plans/semver.h"
#include "plans/sha256.h"

namespace orchestrate {
namespace {

// Collects diagnostics for one manifest file and offers typed, strict accessors.
class Reader {
 public:
  Reader(std::string file, const VarLookup& lookup, const PlanFiles& files,
         std::vector<std::string>* errors)
      : file_(std::move(file)), lookup_(lookup), files_(files), errors_(errors) {}

  const std::string& file() const { return file_; }
  const VarLookup& lookup() const { return lookup_; }
  const PlanFiles& files() const { return files_; }

  SourcePos Pos(const YAML::Node& node) const {
    SourcePos pos;
    pos.file = file_;
    YAML::Mark m = node.Mark();
    if (!m.is_null()) {
      pos.line = m.line + 1;
      pos.column = m.column + 1;
    }
    return pos;
  }

  void Error(const SourcePos& pos, const std::string& msg) {
    errors_->push_back(pos.str() + ": " + msg);
  }
  void Error(const YAML::Node& node, const std::string& msg) { Error(Pos(node), msg); }

  // Checks that `node` is a map whose keys are all in `allowed` (and not repeated), and that every
  // key in `required` is present. Returns false when `node` is not a map.
  bool CheckMap(const YAML::Node& node, const std::string& what,
                const std::vector<std::string>& allowed, const std::vector<std::string>& required) {
    if (!node.IsMap()) {
      Error(node, what + " must be a mapping of keys to values");
      return false;
    }
    std::set<std::string> seen;
    for (const auto& kv : node) {
      std::string key = kv.first.Scalar();
      if (!seen.insert(key).second) {
        Error(kv.first, "duplicate key '" + key + "' in " + what + ": keep only one");
        continue;
      }
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        Error(kv.first, "unknown key '" + key + "' in " + what + " (allowed: " + list + ")");
      }
    }
    for (const auto& r : required) {
      if (!seen.count(r)) Error(node, what + " is missing the required key '" + r + "'");
    }
    return true;
  }

  // A scalar string with ${VAR} expansion. Returns false (and records why) when absent handling is
  // up to the caller: `present` tells whether the key exists.
  bool String(const YAML::Node& map, const std::string& key, std::string* out, bool expand = true) {
    YAML::Node node = map[key];
    if (!node) return false;
    if (node.IsNull()) {
      // `key:` or `key: ~`. The null value has no useful position of its own: point at the key.
      SourcePos pos = Pos(map);
      for (const auto& kv : map) {
        if (kv.first.Scalar() == key) {
          pos = Pos(kv.first);
          break;
        }
      }
      Error(pos, "'" + key + "' is empty: give it a value");
      return false;
    }
    if (!node.IsScalar()) {
      Error(node, "'" + key + "' must be a single value (a string), not a list or mapping");
      return false;
    }
    return Expand(node, node.Scalar(), out, expand);
  }

  bool Expand(const YAML::Node& node, const std::string& raw, std::string* out, bool expand) {
    if (!expand) {
      *out = raw;
      return true;
    }
    size_t offset = 0;
    auto r = ExpandVars(raw, lookup_, &offset);
    if (!r.ok()) {
      SourcePos pos = Pos(node);
      // Point at the '$' when the value is on one line.
      if (raw.find('\n') == std::string::npos) {
        int quote = (node.Tag() == "!") ? 1 : 0;  // "..." or '...' scalars carry the "!" tag
        pos.column += static_cast<int>(offset) + quote;
      }
      Error(pos, r.status().message());
      return false;
    }
    *out = r.value();
    return NoControls(node, *out);
  }

  // A value is text for people and programs: a control character other than a newline or a tab
  // (an escape sequence written as "\e[2J", a carriage return) would rewrite a terminal or forge
  // a line where the value is shown, so it is refused.
  bool NoControls(const YAML::Node& node, const std::string& value) {
    for (size_t i = 0; i < value.size(); ++i) {
      const auto c = static_cast<unsigned char>(value[i]);
      bool c1 =
          c == 0xC2 && i + 1 < value.size() && static_cast<unsigned char>(value[i + 1]) < 0xA0;
      if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f || c1) {
        static const char kHex[] = "0123456789abcdef";
        unsigned char shown = c1 ? static_cast<unsigned char>(value[i + 1]) : c;
        Error(node, std::string("a control character (\\x") + kHex[shown >> 4] + kHex[shown & 0xf] +
                        ") in a value: manifest values may hold newlines and tabs, no other "
                        "control characters; remove it");
        return false;
      }
    }
    return true;
  }

  bool Bool(const YAML::Node& map, const std::string& key, bool* out) {
    YAML::Node node = map[key];
    if (!node) return false;
    std::string s = node.IsScalar() ? node.Scalar() : "";
    if (s == "true" || s == "yes" || s == "on") {
      *out = true;
      return true;
    }
    if (s == "false" || s == "no" || s == "off") {
      *out = false;
      return true;
    }
    Error(node, "'" + key + "' must be true or false");
    return false;
  }

  bool Int(const YAML::Node& map, const std::string& key, long min, long max, long* out) {
    YAML::Node node = map[key];
    if (!node) return false;
    std::string s = node.IsScalar() ? node.Scalar() : "";
    bool digits = !s.empty() && s.size() < 12 && std::all_of(s.begin(), s.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
    if (!digits || std::stol(s) < min || std::stol(s) > max) {
      Error(node, "'" + key + "' must be a whole number from " + std::to_string(min) + " to " +
                      std::to_string(max));
      return false;
    }
    *out = std::stol(s);
    return true;
  }

  bool StringList(const YAML::Node& map, const std::string& key, std::vector<std::string>* out) {
    YAML::Node node = map[key];
    if (!node) return false;
    if (!node.IsSequence()) {
      Error(node, "'" + key + "' must be a list, for example [a, b]");
      return false;
    }
    bool ok = true;
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        Error(item, "each item of '" + key + "' must be a single value");
        ok = false;
        continue;
      }
      std::string v;
      if (Expand(item, item.Scalar(), &v, true))
        out->push_back(v);
      else
        ok = false;
    }
    return ok;
  }

 private:
  std::string file_;
  const VarLookup& lookup_;
  const PlanFiles& files_;
  std::vector<std::string>* errors_;
};

bool ValidId(const std::string& id) {
  if (id.empty() || id.size() > 200) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
      return false;
  return true;
}

// The position of the first NUL byte of `text` read from `path`, or nullopt. A NUL would cut
// the text short wherever it is passed on as a C string (sqlite3_exec, libpq, yaml-cpp).
std::optional<SourcePos> NulAt(const std::string& path, const std::string& text) {
  size_t at = text.find('\0');
  if (at == std::string::npos) return std::nullopt;
  LineCol lc = LineColAt(text, at);
  return SourcePos{path, lc.line, lc.column};
}

// A plan or release manifest must be UTF-8 text (YAML is) without NUL bytes. False, with the
// position of the first offending byte in *errors, when it is not.
bool CheckManifestText(const std::string& path, const std::string& text,
                       std::vector<std::string>* errors) {
  if (auto nul = NulAt(path, text)) {
    errors->push_back(nul->str() +
                      ": a NUL byte: a manifest is text, and a NUL would cut it short; remove it");
    return false;
  }
  size_t bad = InvalidUtf8At(text);
  if (bad != std::string::npos) {
    LineCol lc = LineColAt(text, bad);
    errors->push_back(SourcePos{path, lc.line, lc.column}.str() +
                      ": not valid UTF-8: a manifest must be UTF-8 text; re-save it as UTF-8");
    return false;
  }
  return true;
}

// Counts the documents of a YAML stream (up to two), noting where each starts: yaml-cpp's LoadAll
// never ends on some inputs (a stray ',' at the top level yields empty documents forever), so the
// stream is walked with a cap instead.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    starts.push_back(mark);
    firsts.push_back(mark);
    seen_node_ = false;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnMapEnd() override {}
  std::vector<YAML::Mark> starts;  // where each document starts
  std::vector<YAML::Mark> firsts;  // where its first node is (its start when it has none)

 private:
  void Node(const YAML::Mark& mark) {
    if (!seen_node_ && !firsts.empty()) firsts.back() = mark;
    seen_node_ = true;
  }
  bool seen_node_ = false;
};

std::optional<YAML::Node> LoadYaml(const std::string& path, const std::string& text,
                                   std::vector<std::string>* errors) {
  if (!CheckManifestText(path, text, errors)) return std::nullopt;
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentCounter counter;
    for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
    }
    if (counter.starts.size() > 1) {
      const YAML::Mark& first = counter.starts[0];
      const YAML::Mark& second = counter.starts[1];
      if (second.pos <= first.pos) {
        errors->push_back(SourcePos{path, second.line + 1, second.column + 1}.str() +
                          ": malformed YAML: nothing here starts a mapping (a stray ',' or ']'?)");
        return std::nullopt;
      }
      // One manifest per file: a second document would otherwise be dropped without a word.
      const YAML::Mark& at = counter.firsts[1];
      errors->push_back(SourcePos{path, at.line + 1, at.column + 1}.str() +
                        ": a second YAML document (after '---'): a manifest file holds one "
                        "document; put each release in a file of its own");
      return std::nullopt;
    }
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    SourcePos pos{path, e.mark.line + 1, e.mark.column + 1};
    errors->push_back(pos.str() + ": malformed YAML: " + e.msg);
  } catch (const YAML::Exception& e) {
    errors->push_back(path + ": malformed YAML: " + e.what());
  }
  return std::nullopt;
}

// False, with an error at `node`, when `path` (a file `what` names) does not resolve (symlinks
// and ".." resolved) inside one of `roots`: the plan's folder and policy.allow_outside_paths.
bool CheckConfined(Reader& r, const YAML::Node& node, const std::string& what,
                   const std::string& path, const std::vector<std::string>& roots) {
  std::string resolved = r.files().Resolve(path);
  for (const auto& root : roots)
    if (IsInside(resolved, root)) return true;
  r.Error(node, what + " " + path + " resolves to " + (resolved.empty() ? path : resolved) +
                    ", outside the plan's folder" +
                    (roots.empty() ? std::string() : " " + roots.front()) +
                    (roots.size() > 1 ? " and the folders of policy.allow_outside_paths" : "") +
                    ": move it inside, or list a folder that holds it in "
                    "policy.allow_outside_paths");
  return false;
}

SqlFile ReadSql(Reader& r, const YAML::Node& node, const std::string& value,
                const std::string& base_dir, const std::vector<std::string>& roots) {
  SqlFile f;
  f.path = JoinPlanPath(base_dir, value);
  f.pos = r.Pos(node);
  if (!CheckConfined(r, node, "SQL file", f.path, roots)) return f;
  if (r.files().KindOf(f.path) == PlanFiles::Kind::kMissing) return f;  // see MissingFiles
  std::string err;
  if (!r.files().Read(f.path, &f.text, &err)) {
    r.Error(node, "cannot read " + f.path + ": " + err);
    f.text.clear();
    return f;
  }
  if (auto nul = NulAt(f.path, f.text)) {
    r.Error(*nul, "a NUL byte in SQL (named at " + f.pos.str() +
                      "): it would end the script there, and what follows would silently not "
                      "run; remove it");
    f.text.clear();
    return f;
  }
  f.present = true;
  f.sha256 = Sha256Hex(f.text);
  return f;
}

// `postgresql:`, `sqlite:` and `mysql:` of a migration (keys `up_key`, `down_key`: up and down) or
// seed (sql and undo): the SQL it runs on that kind of database instead of its own.
void ParseDialectSql(Reader& r, const YAML::Node& owner, const std::string& what,
                     const std::string& up_key, const std::string& down_key, const std::string& dir,
                     const std::vector<std::string>& roots,
                     std::map<std::string, DialectSql>* out) {
  for (const std::string& dialect : SqlDialectNames()) {
    const YAML::Node node = owner[dialect];
    if (!node) continue;
    const std::string label = what + "'s " + dialect + " SQL";
    if (!r.CheckMap(node, label, {up_key, down_key}, {})) continue;
    DialectSql sql;
    std::string path;
    if (r.String(node, up_key, &path)) sql.up = ReadSql(r, node[up_key], path, dir, roots);
    if (r.String(node, down_key, &path)) sql.down = ReadSql(r, node[down_key], path, dir, roots);
    if (!node[up_key] && !node[down_key])
      r.Error(node, label + " names no file: give `" + up_key + ":`, `" + down_key +
                        ":` or both (a file not named is the default one)");
    (*out)[dialect] = std::move(sql);
  }
}

void ParseMigrations(Reader& r, const YAML::Node& list, const std::string& dir,
                     const std::vector<std::string>& roots, Release* rel) {
  if (!list.IsSequence()) {
    r.Error(list, "'migrations' must be a list of {id, up, down} entries");
    return;
  }
  for (const auto& m : list) {
    if (!r.CheckMap(
            m, "a migration",
            {"id", "up", "down", "transactional", "description", "postgresql", "sqlite", "mysql"},
            {"id", "up", "down"}))
      continue;
    Migration mig;
    mig.pos = r.Pos(m);
    if (r.String(m, "id", &mig.id, false) && !ValidId(mig.id))
      r.Error(m["id"],
              "migration id '" + mig.id + "' may hold only letters, digits, '_', '-' and '.'");
    std::string up, down;
    if (r.String(m, "up", &up)) mig.up = ReadSql(r, m["up"], up, dir, roots);
    if (r.String(m, "down", &down)) {
      if (down == "irreversible") {
        mig.irreversible = true;
        mig.down.pos = r.Pos(m["down"]);
      } else if (down == "auto") {
        mig.auto_down = true;
        mig.down.pos = r.Pos(m["down"]);
      } else {
        mig.down = ReadSql(r, m["down"], down, dir, roots);
      }
    }
    r.Bool(m, "transactional", &mig.transactional);
    ParseDialectSql(r, m, "migration " + mig.id, "up", "down", dir, roots, &mig.per_dialect);
    for (const auto& [dialect, sql] : mig.per_dialect)
      if (sql.down && (mig.irreversible || mig.auto_down))
        r.Error(m[dialect]["down"],
                "migration " + mig.id +
                    " says down: " + (mig.irreversible ? "irreversible" : "auto") +
                    ", which holds for every dialect: remove its " + dialect + " down");
    if (!mig.per_dialect.empty()) {
      mig.base_up = mig.up;
      mig.base_down = mig.down;
    }
    if (mig.auto_down && !mig.transactional)
      r.Error(m["down"],
              "down: auto needs a transactional migration (the down is generated inside the up's "
              "transaction)");
    rel->migrations.push_back(std::move(mig));
  }
}

// `tables:` of a seed: names, or {name: t, key: [columns]} for a table the ledger cannot key by
// its primary key.
void ParseSeedTables(Reader& r, const YAML::Node& list, Seed* seed) {
  if (!list) return;  // CheckMap reported the missing key
  if (!list.IsSequence() || list.size() == 0) {
    r.Error(list,
            "'tables' must list the tables the seed writes to, for example [countries] or "
            "[{name: audit_log, key: [at, message]}]");
    return;
  }
  for (const auto& item : list) {
    std::string name;
    if (item.IsScalar()) {
      if (!r.Expand(item, item.Scalar(), &name, true)) continue;
    } else if (item.IsMap()) {
      if (!r.CheckMap(item, "a seed table", {"name", "key"}, {"name"})) continue;
      if (!r.String(item, "name", &name)) continue;
      std::vector<std::string> key;
      if (r.StringList(item, "key", &key)) {
        if (key.empty()) {
          r.Error(item["key"], "'key' must name at least one column");
          continue;
        }
        seed->keys[name] = key;
      }
    } else {
      r.Error(item, "each table must be a name or {name: table, key: [columns]}");
      continue;
    }
    if (name.empty()) {
      r.Error(item, "a table name is empty");
      continue;
    }
    if (std::find(seed->tables.begin(), seed->tables.end(), name) != seed->tables.end()) {
      r.Error(item, "table '" + name + "' is listed twice");
      continue;
    }
    seed->tables.push_back(name);
  }
}

void ParseSeeds(Reader& r, const YAML::Node& list, const std::string& dir,
                const std::vector<std::string>& roots, Release* rel) {
  if (!list.IsSequence()) {
    r.Error(list, "'seeds' must be a list of {id, tables, sql} entries");
    return;
  }
  for (const auto& s : list) {
    if (!r.CheckMap(s, "a seed",
                    {"id", "tables", "sql", "undo", "description", "postgresql", "sqlite", "mysql"},
                    {"id", "tables", "sql"}))
      continue;
    Seed seed;
    seed.pos = r.Pos(s);
    if (r.String(s, "id", &seed.id, false) && !ValidId(seed.id))
      r.Error(s["id"], "seed id '" + seed.id + "' may hold only letters, digits, '_', '-' and '.'");
    ParseSeedTables(r, s["tables"], &seed);
    std::string path;
    if (r.String(s, "sql", &path)) seed.sql = ReadSql(r, s["sql"], path, dir, roots);
    if (r.String(s, "undo", &path)) seed.undo = ReadSql(r, s["undo"], path, dir, roots);
    ParseDialectSql(r, s, "seed " + seed.id, "sql", "undo", dir, roots, &seed.per_dialect);
    if (!seed.per_dialect.empty()) {
      seed.base_sql = seed.sql;
      seed.base_undo = seed.undo;
    }
    rel->seeds.push_back(std::move(seed));
  }
}

std::optional<Release> LoadRelease(const std::string& path, const VarLookup& lookup,
                                   const PlanFiles& files, const std::vector<std::string>& roots,
                                   std::vector<std::string>* errors) {
  std::string text, err;
  if (!files.Read(path, &text, &err)) {
    errors->push_back(path + ": cannot read release manifest: " + err);
    return std::nullopt;
  }
  auto root = LoadYaml(path, text, errors);
  if (!root) return std::nullopt;
  Reader r(path, lookup, files, errors);
  Release rel;
  rel.file = path;
  rel.sha256 = Sha256Hex(text);
  rel.pos = r.Pos(*root);
  if (!r.CheckMap(
          *root, "a release manifest",
          {"version", "image", "order", "migrations", "seeds", "not_rolled_back", "description"},
          {"version", "image"}))
    return std::nullopt;
  if (r.String(*root, "version", &rel.version, false)) {
    rel.version_pos = r.Pos((*root)["version"]);
    bool ok = !rel.version.empty() && rel.version.size() <= 100;
    for (char c : rel.version)
      if (!std::isalnum(static_cast<unsigned char>(c)) &&
          std::string("._-+").find(c) == std::string::npos)
        ok = false;
    if (!ok)
      r.Error((*root)["version"],
              "version '" + rel.version + "' may hold only letters, digits, '.', '_', '-' and '+'");
  }
  // `image: !!tag` and `image: ""` parse as an empty string: not an image.
  if (r.String(*root, "image", &rel.image) && rel.image.empty()) {
    r.Error((*root)["image"],
            "'image' is empty: give the container image of this release, e.g. "
            "registry.example.com/shop:1.3.0");
  } else if (!rel.image.empty()) {
    // What deployers hand to kubectl, helm or a script: it must be one image reference, nothing
    // that a tool could read as more (a helm --set-string splits on ',').
    std::string why = ImageReferenceProblem(rel.image);
    if (!why.empty())
      r.Error((*root)["image"], "image '" + rel.image + "' is not an image reference: " + why +
                                    " (expected [registry[:port]/]path[:tag][@digest], e.g. "
                                    "registry.example.com/shop:1.3.0)");
  }
  std::string order;
  if (r.String(*root, "order", &order)) {
    if (auto o = ReleaseOrderFromName(order))
      rel.order = *o;
    else
      r.Error((*root)["order"], "'order' must be code-first or schema-first");
  }
  std::string dir = DirName(path);
  if ((*root)["migrations"]) ParseMigrations(r, (*root)["migrations"], dir, roots, &rel);
  if ((*root)["seeds"]) ParseSeeds(r, (*root)["seeds"], dir, roots, &rel);
  r.StringList(*root, "not_rolled_back", &rel.not_rolled_back);
  return rel;
}

// The keys each deployer kind takes (besides `kind`), which of them are argv lists, and which are
// required. docs/manifest.md describes them.
struct DeployerKeys {
  DeployerKind kind;
  std::vector<std::string> scalars, lists, required;
};

const std::vector<DeployerKeys>& KnownDeployers() {
  static const std::vector<DeployerKeys> kinds = {
      {DeployerKind::kFile, {"path"}, {}, {}},  // its own message for a missing path, below
      {DeployerKind::kCommand, {"timeout"}, {"set", "get", "status", "secret_env"}, {"set"}},
      {DeployerKind::kKubectl,
       {"namespace", "deployment", "container", "context", "timeout"},
       {"secret_env"},
       {"namespace", "deployment", "container"}},
      {DeployerKind::kHelm,
       {"release", "chart", "namespace", "value", "store", "timeout"},
       {"secret_env"},
       {"release", "chart", "namespace"}},
      {DeployerKind::kSsm,
       {"parameter", "region", "store", "timeout"},
       {"trigger", "secret_env"},
       {"parameter"}},
      {DeployerKind::kGitops,
       {"repo", "file", "key", "push", "remote", "branch", "store", "timeout"},
       {"secret_env"},
       {"repo", "file", "key"}},
  };
  return kinds;
}

void ParseDeployer(Reader& r, const YAML::Node& d, const Plan& plan, Environment* env) {
  std::string what = "the deployer of environment '" + env->name + "'";
  DeployerSpec& spec = env->deployer;
  spec.pos = r.Pos(d);
  if (!d.IsMap() || !d["kind"]) {
    r.CheckMap(d, what, {"kind"}, {"kind"});
    return;
  }
  std::string kind;
  if (!r.String(d, "kind", &kind)) return;
  const std::optional<DeployerKind> named = DeployerKindFromName(kind);
  const DeployerKeys* keys = nullptr;
  std::string known;
  for (const auto& k : KnownDeployers()) {
    known += (known.empty() ? "" : ", ") + std::string(Name(k.kind));
    if (named == k.kind) keys = &k;
  }
  if (!keys) {
    r.Error(d["kind"], "unknown deployer kind '" + kind + "' (known: " + known + ")");
    return;
  }
  spec.kind = keys->kind;
  std::vector<std::string> allowed = {"kind"};
  allowed.insert(allowed.end(), keys->scalars.begin(), keys->scalars.end());
  allowed.insert(allowed.end(), keys->lists.begin(), keys->lists.end());
  std::vector<std::string> required = keys->required;
  required.push_back("kind");
  if (!r.CheckMap(d, what + " (kind " + Name(spec.kind) + ")", allowed, required)) return;
  if (spec.kind == DeployerKind::kFile && !d["path"])
    r.Error(d, "a file deployer needs 'path': the file that holds the running image");
  for (const auto& key : keys->scalars) {
    std::string v;
    if (key == "push") {
      bool b = false;
      if (r.Bool(d, key, &b)) spec.settings[key] = b ? "true" : "false";
      continue;
    }
    if (!r.String(d, key, &v)) continue;
    double seconds = 0;
    if (key == "timeout" && (!ParseDuration(v, &seconds) || seconds <= 0))
      r.Error(d[key], "'timeout' must be a duration such as 90s, 5m or 1h");
    else if (key == "store" && v != "tag" && v != "image" && v != "version")
      r.Error(d[key],
              "'store' must be tag (the part after the image's last ':'), image (the whole "
              "reference) or version (the release's version)");
    if ((key == "path" || key == "repo") && !v.empty()) v = JoinPlanPath(DirName(plan.file), v);
    spec.settings[key] = v;
  }
  for (const auto& key : keys->lists) {
    std::vector<std::string> argv;
    if (!r.StringList(d, key, &argv)) continue;
    if (key != "secret_env") {
      auto& templates = spec.templates[key];
      for (const auto& item : d[key]) {
        auto pieces = ExpandTemplate(item.Scalar(), r.lookup());
        if (pieces.ok()) templates.push_back(std::move(pieces).value());
      }
    }
    if (argv.empty() && key != "secret_env")
      r.Error(d[key], "'" + key +
                          "' must hold a program and its arguments, such as [deploy.sh, "
                          "\"{image}\"]");
    spec.lists[key] = argv;
  }
}

// `verify:`: a list of {command: argv | http: URL | version: {command: argv} or {sql: text}},
// each with optional retries, interval and timeout.
void ParseVerify(Reader& r, const YAML::Node& list, Environment* env) {
  if (!list.IsSequence()) {
    r.Error(list,
            "'verify' must be a list of checks, such as [{http: \"https://app/healthz\", "
            "retries: 5}]");
    return;
  }
  for (const auto& item : list) {
    if (!r.CheckMap(item, "a verify check",
                    {"command", "http", "version", "retries", "interval", "timeout"}, {}))
      continue;
    VerifyCheck check;
    check.pos = r.Pos(item);
    int kinds = (item["command"] ? 1 : 0) + (item["http"] ? 1 : 0) + (item["version"] ? 1 : 0);
    if (kinds != 1) {
      r.Error(item, "a verify check needs exactly one of 'command', 'http' or 'version'");
      continue;
    }
    if (item["command"]) {
      check.kind = VerifyCheck::Kind::kCommand;
      if (r.StringList(item, "command", &check.argv) && check.argv.empty())
        r.Error(item["command"], "'command' must hold a program and its arguments");
    } else if (item["http"]) {
      check.kind = VerifyCheck::Kind::kHttp;
      r.String(item, "http", &check.url);
    } else {
      const YAML::Node& v = item["version"];
      if (!r.CheckMap(v, "a version check", {"command", "sql"}, {})) continue;
      if ((v["command"] ? 1 : 0) + (v["sql"] ? 1 : 0) != 1) {
        r.Error(v, "a version check needs exactly one of 'command' (argv) or 'sql' (a query)");
        continue;
      }
      if (v["command"]) {
        check.kind = VerifyCheck::Kind::kVersionCommand;
        if (r.StringList(v, "command", &check.argv) && check.argv.empty())
          r.Error(v["command"], "'command' must hold a program and its arguments");
      } else {
        check.kind = VerifyCheck::Kind::kVersionSql;
        r.String(v, "sql", &check.sql, false);
      }
    }
    long n = 0;
    if (r.Int(item, "retries", 0, 1000, &n)) check.retries = static_cast<int>(n);
    const std::pair<const char*, double*> durations[] = {{"interval", &check.interval_seconds},
                                                         {"timeout", &check.timeout_seconds}};
    for (const auto& [key, field] : durations) {
      std::string s;
      if (r.String(item, key, &s) && (!ParseDuration(s, field) || *field < 0))
        r.Error(item[key], std::string("'") + key + "' must be a duration such as 2s or 1m");
    }
    env->verify.push_back(std::move(check));
  }
}

// `defer`: an unset ${VAR} in an environment goes to its `unavailable`, not to the errors.
void ParseEnvironments(Reader& r, const YAML::Node& envs, Plan* plan, bool defer,
                       std::vector<std::string>* errors) {
  if (!envs.IsMap() || envs.size() == 0) {
    r.Error(envs, "'environments' must map at least one environment name to its settings");
    return;
  }
  std::set<std::string> seen;
  for (const auto& kv : envs) {
    Environment env;
    env.name = kv.first.Scalar();
    env.pos = r.Pos(kv.first);
    if (!seen.insert(env.name).second) {
      r.Error(kv.first, "duplicate environment '" + env.name + "'");
      continue;
    }
    const YAML::Node& e = kv.second;
    const size_t errors_before = errors->size();
    if (!r.CheckMap(
            e, "environment '" + env.name + "'",
            {"database", "deployer", "password_env", "verify", "targets", "targets_command"},
            {"deployer"}))
      continue;
    if (!e["database"] && !e["targets"] && !e["targets_command"])
      r.Error(e, "environment '" + env.name +
                     "' needs 'database' (a URL), or 'targets' / 'targets_command' for a fleet");
    r.String(e, "database", &env.database);
    if (r.StringList(e, "targets", &env.targets) && env.targets.empty())
      r.Error(e["targets"], "'targets' must list at least one database URL");
    if (r.StringList(e, "targets_command", &env.targets_command) && env.targets_command.empty())
      r.Error(e["targets_command"],
              "'targets_command' must hold a program and its arguments, such as "
              "[list-shards.sh, prod]; it prints one database URL per line");
    if (r.String(e, "password_env", &env.password_env, false) && !ValidId(env.password_env))
      r.Error(e["password_env"], "'password_env' must name an environment variable");
    if (e["deployer"]) ParseDeployer(r, e["deployer"], *plan, &env);
    if (e["verify"]) ParseVerify(r, e["verify"], &env);
    if (defer) {
      std::vector<std::string> kept(errors->begin(), errors->begin() + errors_before);
      for (size_t i = errors_before; i < errors->size(); ++i) {
        const std::string& error = (*errors)[i];
        if (error.find(": variable ") != std::string::npos &&
            error.find(" is not set: ") != std::string::npos)
          env.unavailable += (env.unavailable.empty() ? "" : "\n") + error;
        else
          kept.push_back(error);
      }
      *errors = std::move(kept);
    }
    plan->environments[env.name] = env;
    if (plan->default_environment.empty()) plan->default_environment = env.name;
  }
  if (plan->environments.count("local")) plan->default_environment = "local";
}

void ParsePolicy(Reader& r, const YAML::Node& p, Policy* policy) {
  if (!r.CheckMap(
          p, "'policy'",
          {"require_reason", "allow_major", "window_days", "snapshot", "batch_rows", "lock_timeout",
           "lock_retries", "statement_timeout", "run_lock_timeout", "on_modified", "history_days",
           "image_swaps", "allow_outside_paths", "permissions", "keep_preexisting_extensions"},
          {}))
    return;
  if (YAML::Node rules = p["permissions"]) {
    if (!rules.IsSequence()) {
      r.Error(rules,
              "'permissions' must be a list of rules, e.g. [{environments: [prod], actions: "
              "[rollback], role: release_managers}]");
    } else {
      for (const auto& item : rules) {
        if (!r.CheckMap(item, "a permission rule",
                        {"environments", "actions", "role", "users", "groups"}, {}))
          continue;
        PermissionRule rule;
        rule.pos = r.Pos(item);
        r.StringList(item, "environments", &rule.environments);
        r.StringList(item, "actions", &rule.actions);
        r.String(item, "role", &rule.role);
        r.StringList(item, "users", &rule.users);
        r.StringList(item, "groups", &rule.groups);
        for (const auto& a : rule.actions)
          if (a != "deploy" && a != "rollback")
            r.Error(item["actions"],
                    "a permission rule's actions are deploy and rollback, not '" + a + "'");
        if (rule.role.empty() && rule.users.empty() && rule.groups.empty())
          r.Error(item,
                  "a permission rule grants nothing: give it a role (PostgreSQL), users or groups");
        policy->permissions.push_back(std::move(rule));
      }
    }
  }
  r.StringList(p, "allow_outside_paths", &policy->allow_outside_paths);
  r.Bool(p, "require_reason", &policy->require_reason);
  r.Bool(p, "allow_major", &policy->allow_major);
  long n = 0;
  if (r.Int(p, "window_days", 0, 36500, &n)) policy->window_days = static_cast<int>(n);
  if (r.Int(p, "batch_rows", 1, 10000000, &n)) policy->batch_rows = static_cast<int>(n);
  if (r.Int(p, "history_days", 0, 36500, &n)) policy->history_days = static_cast<int>(n);
  r.Bool(p, "keep_preexisting_extensions", &policy->keep_preexisting_extensions);
  std::string s;
  if (r.String(p, "snapshot", &s)) {
    if (auto v = SnapshotPolicyFromName(s))
      policy->snapshot = *v;
    else
      r.Error(p["snapshot"], "'snapshot' must be on-destroy or off");
  }
  if (r.Int(p, "lock_retries", 0, 100, &n)) policy->lock_retries = static_cast<int>(n);
  if (r.String(p, "on_modified", &s)) {
    if (auto v = OnModifiedFromName(s))
      policy->on_modified = *v;
    else
      r.Error(p["on_modified"],
              "'on_modified' must be fail (stop and list the rows), keep (leave rows changed "
              "since the deploy as they are) or revert (give them back their old values anyway)");
  }
  if (r.String(p, "image_swaps", &s)) {
    if (auto v = ImageSwapsFromName(s))
      policy->image_swaps = *v;
    else
      r.Error(p["image_swaps"],
              "'image_swaps' must be per-release (the image moves at every crossed release, on "
              "the side its `order` says) or once (one swap for the whole run)");
  }
  const std::pair<const char*, double*> durations[] = {
      {"lock_timeout", &policy->lock_timeout_seconds},
      {"statement_timeout", &policy->statement_timeout_seconds},
      {"run_lock_timeout", &policy->run_lock_timeout_seconds}};
  for (const auto& [key, field] : durations) {
    if (r.String(p, key, &s) && !ParseDuration(s, field))
      r.Error(p[key], std::string("'") + key + "' must be a duration such as 30s, 500ms or 2m");
  }
}

void CheckUniqueness(Plan* plan, std::vector<std::string>* errors) {
  std::map<std::string, SourcePos> versions, migrations, seeds;
  for (const auto& rel : plan->releases) {
    auto [it, fresh] = versions.emplace(rel.version, rel.pos);
    if (!fresh && !rel.version.empty())
      errors->push_back(rel.pos.str() + ": duplicate version " + rel.version + " (also in " +
                        it->second.file + "): give each release manifest its own version");
    for (const auto& m : rel.migrations) {
      auto [mit, mfresh] = migrations.emplace(m.id, m.pos);
      if (!mfresh && !m.id.empty())
        errors->push_back(m.pos.str() + ": duplicate migration id '" + m.id + "' (first at " +
                          mit->second.str() + "): migration ids must be unique across releases");
    }
    for (const auto& s : rel.seeds) {
      auto [sit, sfresh] = seeds.emplace(s.id, s.pos);
      if (!sfresh && !s.id.empty())
        errors->push_back(s.pos.str() + ": duplicate seed id '" + s.id + "' (first at " +
                          sit->second.str() + "): seed ids must be unique across releases");
    }
  }
}

// Two releases whose versions differ but have equal semantic-version precedence (1.0.0+b1 and
// 1.0.0+b2, v1.0.0 and 1.0.0) have no order of their own: refused, naming both.
void CheckPrecedence(const Plan& plan, std::vector<std::string>* errors) {
  std::vector<std::pair<SemVer, const Release*>> parsed;
  for (const auto& rel : plan.releases)
    if (auto v = ParseSemVer(rel.version)) parsed.emplace_back(*v, &rel);
  std::stable_sort(parsed.begin(), parsed.end(), [](const auto& a, const auto& b) {
    return CompareSemVer(a.first, b.first) < 0;
  });
  for (size_t i = 1; i < parsed.size(); ++i) {
    const Release& a = *parsed[i - 1].second;
    const Release& b = *parsed[i].second;
    if (CompareSemVer(parsed[i - 1].first, parsed[i].first) != 0 || a.version == b.version)
      continue;  // equal strings: CheckUniqueness said so
    errors->push_back(b.version_pos.str() + ": version " + b.version +
                      " has the same precedence as version " + a.version + " at " +
                      a.version_pos.str() +
                      " (build metadata after '+' and a leading 'v' do not order releases): give "
                      "one of them a version of its own");
  }
}

// One diagnostic per line: a line break quoted from the manifest (in a key or a value) is shown as
// "\n", so that no part of a diagnostic can pass for a diagnostic of its own.
std::string OneLine(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else
      out += c;
  }
  return out;
}

void OrderReleases(Plan* plan) {
  std::vector<SemVer> parsed;
  for (const auto& rel : plan->releases) {
    auto v = ParseSemVer(rel.version);
    if (!v) return;  // manifest order
    parsed.push_back(*v);
  }
  plan->versions_are_semver = true;
  std::vector<size_t> idx(plan->releases.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(),
                   [&](size_t a, size_t b) { return CompareSemVer(parsed[a], parsed[b]) < 0; });
  std::vector<Release> sorted;
  for (size_t i : idx) sorted.push_back(std::move(plan->releases[i]));
  plan->releases = std::move(sorted);
}

}  // namespace

bool ParseDuration(const std::string& s, double* seconds) {
  if (s.empty()) return false;
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0) return false;
  double n = std::atof(s.substr(0, i).c_str());
  std::string unit = s.substr(i);
  if (unit == "" || unit == "s")
    *seconds = n;
  else if (unit == "ms")
    *seconds = n / 1000;
  else if (unit == "m")
    *seconds = n * 60;
  else if (unit == "h")
    *seconds = n * 3600;
  else
    return false;
  return true;
}

std::string DirName(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string SourcePos::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

const Release* Plan::FindRelease(const std::string& version) const {
  int i = IndexOf(version);
  return i < 0 ? nullptr : &releases[static_cast<size_t>(i)];
}

int Plan::IndexOf(const std::string& version) const {
  for (size_t i = 0; i < releases.size(); ++i)
    if (releases[i].version == version) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> Plan::MissingFiles() const {
  std::vector<std::string> out;
  auto check = [&](const SqlFile& f, const std::string& what) {
    if (!f.present)
      out.push_back(f.pos.str() + ": " + what + " file " + f.path +
                    " does not exist: fix the path or add the file");
  };
  auto check_own = [&](const std::map<std::string, DialectSql>& own, const std::string& up,
                       const std::string& down) {
    for (const auto& [name, sql] : own) {
      if (sql.up) check(*sql.up, name + " " + up);
      if (sql.down) check(*sql.down, name + " " + down);
    }
  };
  for (const auto& rel : releases) {
    for (const auto& m : rel.migrations) {
      const bool own = !m.per_dialect.empty();
      check(own ? m.base_up : m.up, "up");
      if (!m.irreversible && !m.auto_down) check(own ? m.base_down : m.down, "down");
      check_own(m.per_dialect, "up", "down");
    }
    for (const auto& s : rel.seeds) {
      const bool own = !s.per_dialect.empty();
      check(own ? s.base_sql : s.sql, "seed");
      if (own ? s.base_undo.has_value() : s.undo.has_value())
        check(own ? *s.base_undo : *s.undo, "undo");
      check_own(s.per_dialect, "seed", "undo");
    }
  }
  return out;
}

const std::vector<std::string>& SqlDialectNames() {
  static const std::vector<std::string> names = {"postgresql", "sqlite", "mysql"};
  return names;
}

std::vector<std::string> Plan::DialectsWithOwnSql() const {
  std::set<std::string> named;
  for (const auto& rel : releases) {
    for (const auto& m : rel.migrations)
      for (const auto& kv : m.per_dialect) named.insert(kv.first);
    for (const auto& s : rel.seeds)
      for (const auto& kv : s.per_dialect) named.insert(kv.first);
  }
  std::vector<std::string> out;
  for (const std::string& d : SqlDialectNames())
    if (named.count(d)) out.push_back(d);
  return out;
}

void SelectDialectSql(Plan* plan, const std::string& dialect) {
  plan->sql_dialect = dialect;
  for (auto& rel : plan->releases) {
    for (auto& m : rel.migrations) {
      if (m.per_dialect.empty()) continue;
      auto own = m.per_dialect.find(dialect);
      const bool has = own != m.per_dialect.end();
      m.up = has && own->second.up ? *own->second.up : m.base_up;
      m.down = has && own->second.down ? *own->second.down : m.base_down;
    }
    for (auto& s : rel.seeds) {
      if (s.per_dialect.empty()) continue;
      auto own = s.per_dialect.find(dialect);
      const bool has = own != s.per_dialect.end();
      s.sql = has && own->second.up ? *own->second.up : s.base_sql;
      s.undo = has && own->second.down ? own->second.down : s.base_undo;
    }
  }
}

Result<Plan> LoadPlan(const std::string& plan_path, const VarLookup& lookup) {
  std::string text, err;
  if (!ReadInputFile(plan_path, &text, &err))
    return Status::Invalid(plan_path + ": cannot read the plan: " + err);
  return ParsePlan(text, plan_path, lookup, DiskPlanFiles());
}

Result<Plan> LoadPlanForEnvironment(const std::string& plan_path, const VarLookup& lookup,
                                    const std::string& environment) {
  std::string text, err;
  if (!ReadInputFile(plan_path, &text, &err))
    return Status::Invalid(plan_path + ": cannot read the plan: " + err);
  return ParsePlan(text, plan_path, lookup, DiskPlanFiles(), &environment);
}

Result<Plan> ParsePlan(const std::string& text, const std::string& plan_path,
                       const VarLookup& lookup, const PlanFiles& files,
                       const std::string* defer_for) {
  std::vector<std::string> errors;
  auto root = LoadYaml(plan_path, text, &errors);
  if (!root) return Status::Invalid(errors.front());

  Plan plan;
  plan.file = plan_path;
  plan.sha256 = Sha256Hex(text);
  Reader r(plan_path, lookup, files, &errors);
  if (r.CheckMap(*root, "the plan", {"app", "dialect", "releases", "environments", "policy"},
                 {"app", "releases", "environments"})) {
    if (r.String(*root, "app", &plan.app, false) && !ValidId(plan.app))
      r.Error((*root)["app"],
              "app name '" + plan.app + "' may hold only letters, digits, '_', '-' and '.'");
    if (r.String(*root, "dialect", &plan.dialect, false) && plan.dialect != "postgresql" &&
        plan.dialect != "sqlite" && plan.dialect != "mysql")
      r.Error((*root)["dialect"], "dialect '" + plan.dialect +
                                      "' is not one of postgresql, sqlite, mysql (the dialect "
                                      "the plan's SQL is written in)");
    if ((*root)["environments"]) {
      ParseEnvironments(r, (*root)["environments"], &plan, defer_for != nullptr, &errors);
      // The environment used: its unset variables fail the plan after all.
      if (defer_for != nullptr) {
        auto used =
            plan.environments.find(defer_for->empty() ? plan.default_environment : *defer_for);
        if (used != plan.environments.end() && !used->second.unavailable.empty()) {
          size_t start = 0;
          const std::string& text_of = used->second.unavailable;
          for (size_t nl = text_of.find('\n');; nl = text_of.find('\n', start)) {
            errors.push_back(text_of.substr(start, nl == std::string::npos ? nl : nl - start));
            if (nl == std::string::npos) break;
            start = nl + 1;
          }
        }
      }
    }
    if ((*root)["policy"]) ParsePolicy(r, (*root)["policy"], &plan.policy);

    const YAML::Node& rels = (*root)["releases"];
    std::vector<std::string> manifests;
    std::string dir = DirName(plan_path);
    // Every file the plan names must resolve inside these folders.
    std::vector<std::string> roots = {files.Resolve(dir)};
    for (const auto& extra : plan.policy.allow_outside_paths)
      roots.push_back(files.Resolve(JoinPlanPath(dir, extra)));
    if (rels && rels.IsScalar()) {
      std::string folder;
      if (r.String(*root, "releases", &folder)) {
        std::string path = JoinPlanPath(dir, folder);
        if (files.KindOf(path) != PlanFiles::Kind::kFolder) {
          r.Error(rels, "releases folder " + path + " does not exist: create it or fix the path");
        } else if (CheckConfined(r, rels, "releases folder", path, roots)) {
          manifests = files.ListManifests(path);
          if (manifests.empty())
            r.Error(rels, "releases folder " + path + " holds no .yaml release manifests");
          // A manifest in the folder may be a symlink to elsewhere.
          std::vector<std::string> confined;
          for (const auto& f : manifests)
            if (CheckConfined(r, rels, "release manifest", f, roots)) confined.push_back(f);
          manifests = std::move(confined);
        }
      }
    } else if (rels && rels.IsSequence()) {
      for (const auto& item : rels) {
        std::string f;
        if (item.IsScalar() && r.Expand(item, item.Scalar(), &f, true)) {
          std::string path = JoinPlanPath(dir, f);
          const PlanFiles::Kind kind = files.KindOf(path);
          if (kind == PlanFiles::Kind::kMissing || kind == PlanFiles::Kind::kUnreadable)
            r.Error(item, "release manifest " + path + " does not exist: fix the path");
          else if (kind == PlanFiles::Kind::kFolder)
            r.Error(item, "release manifest " + path +
                              " is a folder: list .yaml files here, or give the folder as "
                              "`releases: folder/`");
          else if (CheckConfined(r, item, "release manifest", path, roots))
            manifests.push_back(path);
        } else if (!item.IsScalar()) {
          r.Error(item, "each item of 'releases' must be a file path");
        }
      }
    } else if (rels) {
      r.Error(rels, "'releases' must be a folder path or a list of manifest files");
    }
    for (const auto& f : manifests) {
      auto rel = LoadRelease(f, lookup, files, roots, &errors);
      if (rel) plan.releases.push_back(std::move(*rel));
    }
  }
  CheckUniqueness(&plan, &errors);
  CheckPrecedence(plan, &errors);
  if (errors.empty() && plan.releases.empty())
    errors.push_back(plan_path + ": the plan lists no release manifests: add at least one");
  if (!errors.empty()) {
    std::string msg;
    for (size_t i = 0; i < errors.size(); ++i) msg += (i ? "\n" : "") + OneLine(errors[i]);
    return Status::Invalid(msg);
  }
  OrderReleases(&plan);
  return plan;
}

}  // namespace orchestrate
