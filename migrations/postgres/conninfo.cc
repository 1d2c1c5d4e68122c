#include "migrations/postgres/conninfo.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
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

// What libpq's message quotes ("..."): what it could not read, sometimes the whole string, so
// possibly a password. Single characters (the '=' it expected) stay.
std::string HideQuoted(const std::string& message) {
  std::string out;
  size_t at = 0;
  while (at < message.size()) {
    const size_t open = message.find('"', at);
    const size_t close = open == std::string::npos ? open : message.find('"', open + 1);
    if (close == std::string::npos) {
      out += message.substr(at);
      break;
    }
    out += message.substr(at, open - at);
    out += close - open == 2 ? message.substr(open, 3) : std::string("\"...\"");
    at = close + 1;
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

// The spans of secret values in a URI, following libpq's conninfo_uri_parse_options: the user
// info ends at the first '@' met before any '/', the password is what follows its first ':'; the
// query starts at the first '?' after the user info and holds '&'-separated key=value pairs.
// *ambiguous: an '@' after the user info and before the query, which libpq reads as part of a
// host or database name but was most likely meant as part of a password.
std::vector<Span> UriSecretSpans(const std::string& s, size_t prefix, bool* ambiguous) {
  std::vector<Span> spans;
  const size_t n = s.size();
  size_t p = prefix;
  while (p < n && s[p] != '@' && s[p] != '/') ++p;
  size_t after = prefix;
  if (p < n && s[p] == '@') {
    size_t colon = prefix;
    while (colon < p && s[colon] != ':') ++colon;
    if (colon + 1 < p) spans.push_back({colon + 1, p});
    after = p + 1;
  }
  const size_t query = std::min(s.find('?', after), n);
  const size_t at = s.find('@', after);
  *ambiguous = at != std::string::npos && at < query;
  for (size_t k = query + 1; k < n;) {
    const size_t amp = std::min(s.find('&', k), n);
    const size_t eq = s.find('=', k);
    if (eq < amp && IsSecret(PercentDecoded(s.substr(k, eq - k)))) spans.push_back({eq + 1, amp});
    k = amp + 1;
  }
  return spans;
}

// The spans of secret values in key=value pairs, following libpq's conninfo_parse: a key ends at
// '=' or white space; white space may surround '='; a value is 'quoted' (backslash escapes) or
// runs to the next white space (backslash escapes the next character, a space too).
std::vector<Span> KeyValueSecretSpans(const std::string& s) {
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
    if (IsSecret(key)) spans.push_back({value_begin, i});
  }
  return spans;
}

std::vector<Span> SecretSpans(const std::string& s, bool* ambiguous) {
  *ambiguous = false;
  const size_t prefix = UriPrefixLength(s);
  return prefix > 0 ? UriSecretSpans(s, prefix, ambiguous) : KeyValueSecretSpans(s);
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

// Whether `redacted` sets the options of `original`, with "***" for each secret.
bool SameButSecrets(const Options& original, const std::string& redacted) {
  Options shown;
  std::string ignored;
  if (!Parse(redacted, &shown, &ignored)) return false;
  Options expected = original;
  for (auto& [keyword, value] : expected)
    if (IsSecret(keyword)) value = "***";
  return shown == expected;
}

}  // namespace

std::string RedactConninfo(const std::string& conninfo) {
  Options options;
  std::string error;
  if (!Parse(conninfo, &options, &error)) return kUnparsable;
  bool ambiguous = false;
  std::vector<Span> spans = SecretSpans(conninfo, &ambiguous);
  if (ambiguous) return kAmbiguous;
  std::string out = conninfo;
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin > b.begin; });
  for (const Span& span : spans) out.replace(span.begin, span.end - span.begin, "***");
  // Shown as written only when libpq reads it as the same options; else as key=value pairs.
  return SameButSecrets(options, out) ? out : KeyValues(options, true);
}

std::vector<std::string> ConninfoSecrets(const std::string& conninfo) {
  Options options;
  std::string error;
  if (!Parse(conninfo, &options, &error)) return {};
  std::vector<std::string> out;
  for (const auto& [keyword, value] : options)
    if (IsSecret(keyword) && !value.empty()) out.push_back(value);
  bool ambiguous = false;
  for (const Span& span : SecretSpans(conninfo, &ambiguous)) {
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
  bool ambiguous = false;
  (void)SecretSpans(conninfo, &ambiguous);
  if (ambiguous)
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

}  // namespace orchestrate::pg
