// `orchestrate validate PLAN`: manifests, files and environments checked without touching any
// database.
#include <algorithm>
#include <cctype>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "migrations/analysis/analysis.h"
#include "migrations/auto_down.h"
#include "migrations/statement_commits.h"
#include "migrations/statement_split.h"
#include "orchestrator/cli/context.h"
#include "orchestrator/cli/json_output.h"

namespace orchestrate::cli {
namespace {

// Parses every SQL file in the environment's dialect: syntax errors, and statements that cannot
// run in a transaction inside a migration that does, as "file:line:col: ..." lines.
std::vector<std::string> AnalyzeFiles(const Plan& plan, Dialect dialect) {
  std::vector<std::string> out;
  auto check = [&](const SqlFile& f, const std::string& what, bool transactional) {
    if (!f.present) return;
    ScriptAnalysis a = AnalyzeScript(dialect, f.text);
    if (!a.ok) {
      out.push_back(f.path + ":" + std::to_string(a.error_line) + ":" +
                    std::to_string(a.error_column) + ": " + what + ": " + a.error);
      return;
    }
    if (!transactional) return;
    for (const auto& st : a.statements)
      if (st.needs_no_transaction)
        out.push_back(f.path + ":" + std::to_string(st.line) + ":1: " + what + ": " + st.kind +
                      " cannot run inside a transaction: mark the migration transactional: false");
  };
  for (const auto& rel : plan.releases) {
    for (const auto& m : rel.migrations) {
      check(m.up, "migration " + m.id + " (up)", m.transactional);
      if (m.auto_down && m.up.present && dialect == Dialect::kPostgres)
        for (const auto& r : AutoDownRefusals(m.up.text))
          out.push_back(m.up.path + ":" + r + " (migration " + m.id + ", down: auto)");
      if (!m.irreversible && !m.auto_down)
        check(m.down, "migration " + m.id + " (down)", m.transactional);
    }
    for (const auto& s : rel.seeds) {
      check(s.sql, "seed " + s.id, true);
      if (s.sql.present)
        for (const auto& p : SchemaChangesInSeed(dialect, s.sql.text, "seed " + s.id))
          out.push_back(s.sql.path + ":" + p);
      if (s.undo) check(*s.undo, "seed " + s.id + " (undo)", true);
    }
  }
  return out;
}

// Migrations run in a transaction that mix statements committing by themselves with others on
// `dialect` (MySQL/MariaDB: DDL and DML): they are not atomic there, as "file:line: ..." lines.
std::vector<std::string> NonAtomicMigrations(const Plan& plan, Dialect dialect) {
  std::vector<std::string> out;
  auto check = [&](const SqlFile& f, const std::string& what) {
    if (!f.present) return;
    auto mixed = MixesDdlAndDml(dialect, f.text);
    if (!mixed) return;
    out.push_back(f.path + ":" + std::to_string(mixed->ddl_line) + ": " + what +
                  " mixes DDL (line " + std::to_string(mixed->ddl_line) + ") and DML (line " +
                  std::to_string(mixed->dml_line) +
                  "), which is not atomic on MySQL/MariaDB: each DDL statement commits by itself. "
                  "orchestrate runs it statement by statement with a checkpoint after each, so a "
                  "failure leaves the statements before it applied");
  };
  for (const auto& rel : plan.releases) {
    for (const auto& m : rel.migrations) {
      if (!m.transactional) continue;
      check(m.up, "migration " + m.id + " (up)");
      if (!m.irreversible) check(m.down, "migration " + m.id + " (down)");
    }
  }
  return out;
}

// A table name as the database would resolve it, for comparing names written differently:
// quotes removed, lower case, without the default schema.
std::string TableKey(const std::string& name) {
  std::string out;
  for (char c : name)
    if (c != '"' && c != '`' && c != '[' && c != ']')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* schema : {"public.", "main."})
    if (out.rfind(schema, 0) == 0) out = out.substr(std::char_traits<char>::length(schema));
  return out;
}

bool ContainsWords(const std::string& text, const std::string& upper_words) {
  std::string upper;
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string collapsed;  // runs of whitespace as one space, so "PRIMARY\n  KEY" matches
  for (char c : upper) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!collapsed.empty() && collapsed.back() != ' ') collapsed += ' ';
    } else {
      collapsed += c;
    }
  }
  return collapsed.find(upper_words) != std::string::npos;
}

// Seeds that write to a table the plan's own migrations create without a primary key and that
// declare no key: columns for it (the ledger could not find its rows again). Tables the plan does
// not create are checked against the database when the seed runs.
std::vector<std::string> SeedKeyProblems(const Plan& plan, Dialect dialect) {
  struct Created {
    bool has_primary_key = false;
    std::string where;  // "migration ID (file:line)"
  };
  std::map<std::string, Created> tables;  // as of the release being walked
  std::vector<std::string> out;
  for (const auto& rel : plan.releases) {
    for (const auto& m : rel.migrations) {
      if (!m.up.present) continue;
      for (const auto& st : AnalyzeScript(dialect, m.up.text).statements) {
        if (st.tables.empty()) continue;
        const std::string table = TableKey(st.tables.front());
        if (st.kind == "CREATE TABLE") {
          if (ContainsWords(st.text, "(LIKE ") || ContainsWords(st.text, " INHERITS")) {
            tables.erase(table);  // its key comes from elsewhere: left to the database check
            continue;
          }
          tables[table] = {
              ContainsWords(st.text, "PRIMARY KEY"),
              "migration " + m.id + " (" + m.up.path + ":" + std::to_string(st.line) + ")"};
        } else if (st.kind == "ALTER TABLE" && ContainsWords(st.text, "PRIMARY KEY")) {
          auto it = tables.find(table);
          if (it != tables.end()) it->second.has_primary_key = true;
        } else if (st.kind == "DROP TABLE") {
          for (const auto& t : st.tables) tables.erase(TableKey(t));
        }
      }
    }
    for (const auto& seed : rel.seeds) {
      for (const auto& name : seed.tables) {
        auto it = tables.find(TableKey(name));
        if (it == tables.end() || it->second.has_primary_key || seed.keys.count(name)) continue;
        out.push_back(seed.pos.str() + ": seed " + seed.id + " writes to table " + name +
                      ", which has no primary key (created by " + it->second.where +
                      "), so the ledger could not find its rows again: declare the columns that "
                      "identify a row, tables: [{name: " +
                      name + ", key: [column, ...]}]");
      }
    }
  }
  return out;
}

// Migrations whose down script has no statement while their up script has one: the rollback
// would leave what the up changed. One line each, naming the migration and the file.
std::vector<std::string> EmptyDowns(const Plan& plan, Dialect dialect) {
  auto has_statements = [&](const std::string& sql) {
    ScriptSplit split = SplitScript(dialect, sql);
    return !split.ok || !split.statements.empty();
  };
  std::vector<std::string> out;
  for (const auto& rel : plan.releases)
    for (const auto& m : rel.migrations)
      if (!m.irreversible && !m.auto_down && m.up.present && m.down.present &&
          !has_statements(m.down.text) && has_statements(m.up.text))
        out.push_back(m.down.path + ": migration " + m.id + " (release " + rel.version +
                      "): the down script is empty but the up script is not, so a rollback "
                      "leaves what the up changed: write the down, or mark it `down: "
                      "irreversible`");
  return out;
}

// "sqlite", "mysql" or "postgresql": the kind of database a URL names.
std::string DialectNameOfUrl(const std::string& url) { return DialectName(DialectOfUrl(url)); }

}  // namespace

int CmdValidate(const GlobalOptions& g, bool strict) {
  auto ctx = LoadContext(g);
  if (!ctx.ok()) return Fail(ctx.status());
  const Plan& plan = ctx->plan;
  auto missing = plan.MissingFiles();
  std::vector<std::string> warnings;
  std::map<Dialect, std::string> dialects;  // dialect -> its name, for the messages
  auto add = [&](Dialect dialect) { dialects[dialect] = DialectName(dialect); };
  // The dialects some migration names SQL of its own for: each is analysed with its own files.
  const std::vector<std::string> own_sql = plan.DialectsWithOwnSql();
  for (const std::string& name : own_sql)
    if (auto dialect = DialectFromName(name)) add(*dialect);
  if (!plan.dialect.empty()) {
    // The plan says what its SQL is written in: that is what it is parsed as, and a database of
    // another kind cannot run it.
    if (auto dialect = DialectFromName(plan.dialect)) add(*dialect);
    auto check_url = [&](const std::string& where, const std::string& url) {
      if (!url.empty() && DialectNameOfUrl(url) != plan.dialect &&
          std::find(own_sql.begin(), own_sql.end(), DialectNameOfUrl(url)) == own_sql.end())
        missing.push_back(where + " is a " + DialectNameOfUrl(url) +
                          " database, but the plan's SQL is " + plan.dialect +
                          " (`dialect: " + plan.dialect + "` in " + plan.file + ")");
    };
    if (!g.database.empty()) {
      check_url("--database", g.database);
    } else {
      for (const auto& [name, env] : plan.environments) {
        check_url("environment " + name, env.database);
        for (const auto& target : env.targets) check_url("a target of environment " + name, target);
      }
    }
    if (DialectFromName(plan.dialect) == Dialect::kMysql)
      warnings.push_back(
          "the SQL is only scanned, not parsed: this build has no MySQL parser (dialect: mysql)");
  } else if (!g.database.empty()) {
    add(DialectOfUrl(g.database));
  } else {
    // Every dialect the plan's environments use: a PostgreSQL migration that does not parse fails
    // validate even when the default environment is SQLite.
    for (const auto& [name, env] : plan.environments) {
      if (!env.database.empty()) add(DialectOfUrl(env.database));
      for (const auto& target : env.targets) add(DialectOfUrl(target));
    }
    if (dialects.empty())
      add(ctx->env.database.empty() ? Dialect::kPostgres : DialectOfUrl(ctx->env.database));
  }
  // The plan with the SQL each dialect runs: its own files where a migration names them (a copy
  // per such dialect, made once), else the plan itself.
  std::map<Dialect, Plan> selected;
  auto plan_for = [&](Dialect dialect, const std::string& name) -> const Plan& {
    if (own_sql.empty()) return plan;
    auto [it, fresh] = selected.try_emplace(dialect, plan);
    if (fresh) SelectDialectSql(&it->second, name);
    return it->second;
  };
  // `dialects` is never empty here: every branch above adds one.
  std::set<std::string> seen;
  for (const auto& [dialect, name] : dialects) {
    const std::string tag = dialects.size() > 1 ? " (" + name + ")" : "";
    const Plan& p = plan_for(dialect, name);
    for (auto& problem : AnalyzeFiles(p, dialect))
      if (seen.insert(problem).second) missing.push_back(problem + tag);
    for (auto& problem : SeedKeyProblems(p, dialect))
      if (seen.insert(problem).second) missing.push_back(problem + tag);
    for (auto& warning : NonAtomicMigrations(p, dialect))
      if (seen.insert(warning).second) warnings.push_back(warning);
  }
  for (const auto& [dialect, name] : dialects) {
    for (auto& problem : EmptyDowns(plan_for(dialect, name), dialect)) {
      if (!seen.insert(problem).second) continue;
      if (strict)
        missing.push_back(problem + " (--strict)");
      else
        warnings.push_back(problem);
    }
  }
  // Building a deployer runs nothing, but checks what the parser cannot (command placeholders).
  for (const auto& [name, env] : plan.environments) {
    // Another environment's unset ${VAR}: only that environment cannot be used.
    if (!env.unavailable.empty()) {
      warnings.push_back("environment " + name +
                         " cannot be used until its variables are set: " + env.unavailable);
      continue;
    }
    auto deployer = MakeDeployer(env.deployer, &plan.releases);
    if (!deployer.ok()) missing.push_back(deployer.status().message());
  }
  for (const auto& w : warnings) StderrLine("warning", "warning: " + w, {{"warning", w}});
  size_t migrations = 0, seeds = 0;
  for (const auto& r : plan.releases) {
    migrations += r.migrations.size();
    seeds += r.seeds.size();
  }
  if (g.output == OutputFormat::kJson) {
    // The problems one per item (the text output's error lists them one per line).
    PrintJsonDocument({{"plan", plan.file},
                       {"app", plan.app},
                       {"outcome", missing.empty() ? "ok" : "invalid"},
                       {"exit_code", missing.empty() ? 0 : ExitCodeFor(Status::Invalid("x"))},
                       {"strict", strict},
                       {"releases", plan.releases.size()},
                       {"first_release", plan.releases.front().version},
                       {"newest_release", plan.releases.back().version},
                       {"ordered_by", plan.versions_are_semver ? "semantic version" : "as listed"},
                       {"migrations", migrations},
                       {"seeds", seeds},
                       {"environments", plan.environments.size()},
                       {"default_environment", plan.default_environment},
                       {"problems", missing},
                       {"warnings", warnings}});
  }
  if (!missing.empty()) {
    std::string msg;
    for (const auto& m : missing) msg += (msg.empty() ? "" : "\n") + m;
    return Fail(Status::Invalid(msg));
  }
  if (g.output == OutputFormat::kJson) return 0;
  std::cout << plan.file << ": ok: app " << plan.app << ", " << plan.releases.size()
            << " releases (" << plan.releases.front().version << " .. "
            << plan.releases.back().version << ", ordered "
            << (plan.versions_are_semver ? "by semantic version" : "as listed") << "), "
            << migrations << " migrations, " << seeds << " seeds, " << plan.environments.size()
            << " environments (default " << plan.default_environment << ")\n";
  return 0;
}

}  // namespace orchestrate::cli
