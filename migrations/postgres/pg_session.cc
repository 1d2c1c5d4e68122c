#include "migrations/postgres/pg_session.h"

#include <cctype>

namespace orchestrate {
namespace pg {
namespace {

constexpr std::size_t kExcerptBytes = 200;

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

bool HasPrefix(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

// libpq's "ERROR:  message\nDETAIL:  ...\nHINT:  ...\nLINE 1: ...\n   ^" as "ERROR: message
// (SQLSTATE 42703)" followed by the DETAIL, HINT and CONTEXT lines, indented. The LINE and caret
// lines are dropped: their positions are relative to one statement, not to the script.
std::string FormatServerMessage(const std::string& what, const std::string& sqlstate) {
  const std::vector<std::string> lines = SplitLines(what);
  std::string out = OneLine(lines.front());
  if (!sqlstate.empty()) out += " (SQLSTATE " + sqlstate + ")";
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (HasPrefix(lines[i], "DETAIL:") || HasPrefix(lines[i], "HINT:") ||
        HasPrefix(lines[i], "CONTEXT:")) {
      out += "\n  " + OneLine(lines[i]);
    }
  }
  return out;
}

// `status` with its code and a new message.
Status WithMessage(const Status& status, std::string message) {
  return Status::FromCode(status.code(), std::move(message));
}

// The first kExcerptBytes bytes of the statement on one line, not cutting a UTF-8 sequence.
std::string Excerpt(const std::string& statement) {
  std::string text = OneLine(statement);
  if (text.size() <= kExcerptBytes) return text;
  std::size_t cut = kExcerptBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

}  // namespace

Session::Session(const std::string& url) : conn(url) {
  // Scripts and values are UTF-8 whatever the server uses. libpq knows the encoding the session
  // started with (the database's, unless the connection string or PGCLIENTENCODING says another):
  // a SET, and its round trip, only when that is not UTF-8 already.
  if (conn.get_client_encoding() != "UTF8") conn.set_client_encoding("UTF8");
}

Status CurrentExceptionStatus() {
  try {
    throw;
  } catch (const pqxx::in_doubt_error& e) {
    return Status::NeedsHuman(
        "the outcome of COMMIT is unknown (the connection was lost while committing); inspect "
        "the database before retrying: " +
        OneLine(e.what()));
  } catch (const pqxx::sql_error& e) {
    // lock_not_available (lock_timeout expired) and deadlock_detected are worth a retry.
    if (e.sqlstate() == "55P03" || e.sqlstate() == "40P01")
      return Status::LockTimeout(FormatServerMessage(e.what(), e.sqlstate()));
    return Status::Failed(FormatServerMessage(e.what(), e.sqlstate()));
  } catch (const std::exception& e) {
    return Status::Failed(OneLine(e.what()));
  } catch (...) {
    return Status::Failed("unknown error in the PostgreSQL adapter");
  }
}

pqxx::result ExecParams(pqxx::transaction_base& tx, const std::string& sql,
                        const std::vector<Value>& params) {
  // libpqxx 6.4 takes a run-time number of parameters as a range; a null pointer is NULL.
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Value& param : params) values.push_back(param ? param->c_str() : nullptr);
  return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(values));
}

QueryResult ToQueryResult(const pqxx::result& result) {
  QueryResult out;
  const auto columns = result.columns();
  for (pqxx::row::size_type c = 0; c < columns; ++c) out.columns.push_back(result.column_name(c));
  out.rows.reserve(result.size());
  for (const pqxx::row& row : result) {
    Row values;
    values.reserve(columns);
    for (const pqxx::field& field : row) {
      values.push_back(field.is_null() ? Value() : Value(std::string(field.c_str(), field.size())));
    }
    out.rows.push_back(std::move(values));
  }
  return out;
}

Result<std::vector<SqlStatement>> SplitStatements(const std::string& script) {
  ScriptSplit split = SplitScript(Dialect::kPostgres, script);
  if (!split.ok) return Status::Failed(SplitErrorMessage(split) + " (nothing of the script ran)");
  return std::move(split.statements);
}

Status RunStatements(pqxx::transaction_base& tx, const std::vector<SqlStatement>& statements,
                     const std::string& first_prefix) {
  bool first = true;
  for (const SqlStatement& statement : statements) {
    const Status status = Guard([&] {
      if (first && !first_prefix.empty()) {
        tx.exec(first_prefix + statement.text);
      } else {
        tx.exec(statement.text);
      }
    });
    first = false;
    if (!status.ok()) {
      return WithMessage(status, "line " + std::to_string(statement.line) + ": " +
                                     status.message() +
                                     "\n  statement: " + Excerpt(statement.text));
    }
  }
  return Status::Ok();
}

std::string InlineParams(pqxx::transaction_base& tx, const std::string& sql,
                         const std::vector<Value>& params) {
  std::string out;
  out.reserve(sql.size() + 16 * params.size());
  std::size_t i = 0;
  auto copy_until = [&](char close) {  // copies through the closing quote (a doubled one stays in)
    out += sql[i++];
    while (i < sql.size()) {
      out += sql[i];
      if (sql[i++] == close) return;
    }
  };
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      copy_until(c);
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      copy_until('\n');
    } else if (c == '$' && i + 1 < sql.size() &&
               std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      std::size_t end = i + 1;
      while (end < sql.size() && std::isdigit(static_cast<unsigned char>(sql[end]))) ++end;
      const unsigned long n = std::stoul(sql.substr(i + 1, end - i - 1));
      if (n == 0 || n > params.size())
        throw pqxx::argument_error("parameter $" + std::to_string(n) + " is not given");
      const Value& value = params[n - 1];
      out += value ? tx.quote(*value) : std::string("NULL");
      i = end;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

std::string OneLine(const std::string& text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      out += c;
      space = false;
    }
  }
  return out;
}

}  // namespace pg
}  // namespace orchestrate
