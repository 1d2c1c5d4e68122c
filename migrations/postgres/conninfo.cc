#include "migrations/postgres/conninfo.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>

namespace orchestrate::pg {
namespace {

constexpr const char* kUnparsable = "(a connection string libpq cannot parse: not shown)";
constexpr const char* kAmbiguous =
    "(a URI with an '@' after its user:password@: not shown; percent-encode '@' as %40 and '/' "
    "as %2F in a password)";

// The options libpq sets from a connection string: keyword -> value.
using Options = std::map<std::string, std::string>;

// Where a secret value is written in a connection string: [begin, end).
struct Span {
  size_t begin = 0, end = 0;
};

// libpq's message with what it quotes hidden: what it could not read, sometimes the whole string,
// so possibly a password, which may itself hold '"'. So everything from the first quoted
// fragment to the last '"' goes; a single quoted character (the '=' it expected) stays.
std::string HideQuoted(const std::string& message) {
  std::string out;
  size_t at = 0;
  while (at < message.size()) {
    const size_t open = message.find('"', at);
    if (open == std::string::npos) {
      out += message.substr(at);
      break;
    }
    out += message.substr(at, open - at);
    if (open + 2 < message.size() && message[open + 2] == '"') {
      out += message.substr(open, 3);
      at = open + 3;
      continue;
    }
    out += "\"...\"";
    at = message.rfind('"') + 1;  // at least open + 1
  }
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

// Parses `conninfo` with libpq. On failure returns false with libpq's message in *error.
bool Parse(const std::string& conninfo, Options* options, std::string* error) {
  char* message = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &message);
  if (parsed == nullptr) {
    *error = message != nullptr ? HideQuoted(message) : "out of memory";
    PQfreemem(message);
    return false;
  }
  for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o)
    if (o->val != nullptr) (*options)[o->keyword] = o->val;
  PQconninfoFree(parsed);
  return true;
}

// The keywords whose values libpq hides (its "*" display flag): password, sslpassword.
const std::set<std::string>& SecretKeywords() {
  static const std::set<std::string>* keywords = [] {
    auto* out = new std::set<std::string>();
    char* message = nullptr;
    PQconninfoOption* all = PQconninfoParse("", &message);
    PQfreemem(message);
    if (all != nullptr) {
      for (PQconninfoOption* o = all; o->keyword != nullptr; ++o)
        if (o->dispchar != nullptr && o->dispchar[0] == '*') out->insert(o->keyword);
      PQconninfoFree(all);
    }
    out->insert("password");  // whatever this libpq says
    return out;
  }();
  return *keywords;
}

bool IsSecret(const std::string& keyword) { return SecretKeywords().count(keyword) > 0; }

// libpq's uri_prefix_length: the URI designators it knows (case-sensitive).
size_t UriPrefixLength(const std::string& s) {
  for (const char* prefix : {"postgresql://", "postgres://"}) {
    const std::string p = prefix;
    if (s.compare(0, p.size(), p) == 0) return p.size();
  }
  return 0;
}

std::string PercentDecoded(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Where a URI's user info ends, following libpq's conninfo_uri_parse_options: at the first '@'
// met before any '/' (the position after it), else nowhere (`prefix`).
size_t UserInfoEnd(const std::string& s, size_t prefix) {
  size_t p = prefix;
  while (p < s.size() && s[p] != '@' && s[p] != '/') ++p;
  return p < s.size() && s[p] == '@' ? p + 1 : prefix;
}

// Whether `s` is a URI with an '@' after its user info and before its query, which libpq reads
// as part of a host or database name but was most likely meant as part of a password (an
// unencoded '@' or '/' in it).
bool IsAmbiguousUri(const std::string& s) {
  const size_t prefix = UriPrefixLength(s);
  if (prefix == 0) return false;
  const size_t after = UserInfoEnd(s, prefix);
  const size_t at = s.find('@', after);
  return at != std::string::npos && at < s.find('?', after);
}

// The spans of the values of the keys `wanted` says yes to, in a URI's user info (the password:
// what follows its first ':') and query (the first '?' after the user info starts it; pairs
// key=value separated by '&'), as libpq reads them.
std::vector<Span> UriSpans(const std::string& s, size_t prefix,
                           const std::function<bool(const std::string&)>& wanted) {
  std::vector<Span> spans;
  const size_t n = s.size();
  const size_t after = UserInfoEnd(s, prefix);
  if (after > prefix && wanted("password")) {
    size_t colon = prefix;
    while (colon < after - 1 && s[colon] != ':') ++colon;
    if (colon + 1 < after - 1) spans.push_back({colon + 1, after - 1});
  }
  const size_t query = std::min(s.find('?', after), n);
  for (size_t k = query + 1; k < n;) {
    const size_t amp = std::min(s.find('&', k), n);
    const size_t eq = s.find('=', k);
    if (eq < amp && wanted(PercentDecoded(s.substr(k, eq - k)))) spans.push_back({eq + 1, amp});
    k = amp + 1;
  }
  return spans;
}

// The spans of the values of the keys `wanted` says yes to, in key=value pairs, following
// libpq's conninfo_parse: a key ends at '=' or white space; white space may surround '='; a value
// is 'quoted' (backslash escapes) or runs to the next white space (backslash escapes the next
// character, a space too).
std::vector<Span> KeyValueSpans(const std::string& s,
                                const std::function<bool(const std::string&)>& wanted) {
  std::vector<Span> spans;
  const size_t n = s.size();
  auto space = [&](size_t i) { return std::isspace(static_cast<unsigned char>(s[i])) != 0; };
  size_t i = 0;
  while (i < n) {
    while (i < n && space(i)) ++i;
    if (i >= n) break;
    const size_t key_begin = i;
    while (i < n && s[i] != '=' && !space(i)) ++i;
    const std::string key = s.substr(key_begin, i - key_begin);
    while (i < n && space(i)) ++i;
    if (i >= n || s[i] != '=') break;  // libpq refuses it: nothing is shown anyway
    ++i;
    while (i < n && space(i)) ++i;
    const size_t value_begin = i;
    if (i < n && s[i] == '\'') {
      for (++i; i < n; ++i) {
        if (s[i] == '\\') {
          ++i;
        } else if (s[i] == '\'') {
          ++i;
          break;
        }
      }
    } else {
      for (; i < n && !space(i); ++i)
        if (s[i] == '\\') ++i;
    }
    i = std::min(i, n);
    if (wanted(key)) spans.push_back({value_begin, i});
  }
  return spans;
}

// The spans of the secret values in `s`, a URI or key=value pairs.
std::vector<Span> SecretSpans(const std::string& s) {
  const size_t prefix = UriPrefixLength(s);
  return prefix > 0 ? UriSpans(s, prefix, IsSecret) : KeyValueSpans(s, IsSecret);
}

// `value` quoted for key=value pairs.
std::string Quoted(const std::string& value) {
  std::string out = "'";
  for (const char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// Key=value pairs setting `options`; secret values replaced by "***" when `redact`.
std::string KeyValues(const Options& options, bool redact) {
  std::string out;
  for (const auto& [keyword, value] : options)
    out += (out.empty() ? "" : " ") + keyword + "=" +
           (redact && IsSecret(keyword) ? std::string("***") : Quoted(value));
  return out;
}

// Whether libpq reads `conninfo` as `expected`.
bool Reads(const std::string& conninfo, const Options& expected) {
  Options read;
  std::string ignored;
  return Parse(conninfo, &read, &ignored) && read == expected;
}

}  // namespace

std::string RedactConninfo(const std::string& conninfo) {
  Options options;
  std::string error;
  if (!Parse(conninfo, &options, &error)) return kUnparsable;
  if (IsAmbiguousUri(conninfo)) return kAmbiguous;
  std::vector<Span> spans = SecretSpans(conninfo);
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin > b.begin; });
  std::string out = conninfo;
  for (const Span& span : spans) out.replace(span.begin, span.end - span.begin, "***");
  // Shown as written only when libpq reads it as the same options; else as key=value pairs.
  Options expected = options;
  for (auto& [keyword, value] : expected)
    if (IsSecret(keyword)) value = "***";
  return Reads(out, expected) ? out : KeyValues(options, true);
}

std::vector<std::string> ConninfoSecrets(const std::string& conninfo) {
  Options options;
  std::string error;
  if (!Parse(conninfo, &options, &error)) return {};
  std::vector<std::string> out;
  for (const auto& [keyword, value] : options)
    if (IsSecret(keyword) && !value.empty()) out.push_back(value);
  for (const Span& span : SecretSpans(conninfo)) {
    std::string written = conninfo.substr(span.begin, span.end - span.begin);
    if (written.size() >= 2 && written.front() == '\'' && written.back() == '\'')
      out.push_back(written.substr(1, written.size() - 2));
    out.push_back(written);
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const std::string& s) { return s.empty(); }),
            out.end());
  return out;
}

Status CheckConninfo(const std::string& conninfo) {
  Options options;
  std::string error;
  if (!Parse(conninfo, &options, &error))
    return Status::Invalid("invalid PostgreSQL URL " + std::string(kUnparsable) + ": " + error +
                           " (expected postgresql://user@host:port/dbname or key=value pairs)");
  if (IsAmbiguousUri(conninfo))
    return Status::Invalid(
        "invalid PostgreSQL URL " + std::string(kAmbiguous) +
        ": libpq would read what follows the first '@' as the host or database, and so most "
        "likely a piece of the password");
  return Status::Ok();
}

Result<std::string> ConninfoWithPassword(const std::string& conninfo, const std::string& password) {
  ORCH_RETURN_IF_ERROR(CheckConninfo(conninfo));
  Options options;
  std::string error;
  if (!Parse(conninfo, &options, &error)) return Status::Invalid(error);
  if (options.count("password") == 0 && !password.empty()) options["password"] = password;
  return KeyValues(options, false);
}

std::string ConninfoWithDatabase(const std::string& conninfo, const std::string& dbname) {
  Options options;
  std::string error;
  // When libpq cannot parse it, the same edit is made unchecked: opening it says why, redacted.
  const bool parsed = Parse(conninfo, &options, &error);
  Options expected = options;
  expected["dbname"] = dbname;
  const bool plain = !dbname.empty() && std::all_of(dbname.begin(), dbname.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
  if (parsed && !plain) return KeyValues(expected, false);
  const size_t prefix = UriPrefixLength(conninfo);
  auto is_dbname = [](const std::string& key) { return key == "dbname"; };
  const std::vector<Span> spans =
      prefix > 0 ? UriSpans(conninfo, prefix, is_dbname) : KeyValueSpans(conninfo, is_dbname);
  std::string out = conninfo;
  if (!spans.empty()) {  // the last one wins in libpq
    out.replace(spans.back().begin, spans.back().end - spans.back().begin, dbname);
  } else if (prefix > 0) {
    // The path: after the host (which ends at the first '/' or '?' after the user info), to '?'.
    const size_t host_end =
        std::min(conninfo.find_first_of("/?", UserInfoEnd(conninfo, prefix)), conninfo.size());
    const size_t path_end = host_end < conninfo.size() && conninfo[host_end] == '/'
                                ? std::min(conninfo.find('?', host_end), conninfo.size())
                                : host_end;
    out = conninfo.substr(0, host_end) + "/" + dbname + conninfo.substr(path_end);
  } else {
    out = conninfo + " dbname=" + dbname;
  }
  return !parsed || Reads(out, expected) ? out : KeyValues(expected, false);
}

}  // namespace orchestrate::pg
