#include "migrations/mysql/url.h"

#include <cctype>
#include <cstdlib>

namespace orchestrate {
namespace mysql {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Percent-decoding; false for a '%' not followed by two hex digits.
bool Decode(const std::string& in, std::string* out) {
  out->clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      *out += in[i];
      continue;
    }
    const int hi = i + 1 < in.size() ? HexValue(in[i + 1]) : -1;
    const int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
    if (hi < 0 || lo < 0) return false;
    *out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

std::size_t SchemeLength(const std::string& url) {
  if (url.rfind("mysql://", 0) == 0) return 8;
  if (url.rfind("mariadb://", 0) == 0) return 10;
  return 0;
}

// The URL's pieces as written (not decoded).
struct Pieces {
  std::string scheme, userinfo, hostport, path, query;
  bool has_userinfo = false;
};

Pieces Cut(const std::string& url) {
  Pieces p;
  const std::size_t scheme = SchemeLength(url);
  p.scheme = url.substr(0, scheme);
  std::string rest = url.substr(scheme);
  const std::size_t q = rest.find('?');
  if (q != std::string::npos) {
    p.query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) p.path = rest.substr(slash + 1);
  const std::size_t at = authority.rfind('@');
  if (at != std::string::npos) {
    p.has_userinfo = true;
    p.userinfo = authority.substr(0, at);
    p.hostport = authority.substr(at + 1);
  } else {
    p.hostport = authority;
  }
  return p;
}

std::string Join(const Pieces& p) {
  return p.scheme + (p.has_userinfo ? p.userinfo + "@" : "") + p.hostport + "/" + p.path +
         (p.query.empty() ? "" : "?" + p.query);
}

const char kUnreadable[] =
    "(a mysql:// URL that cannot be read; not shown, it may hold a password)";

}  // namespace

bool IsMysqlUrl(const std::string& url) { return SchemeLength(url) != 0; }

Result<Url> ParseUrl(const std::string& url) {
  if (!IsMysqlUrl(url)) return Status::Invalid("not a mysql:// or mariadb:// URL");
  const Pieces p = Cut(url);
  Url out;
  auto bad = [&](const std::string& what) {
    return Status::Invalid("cannot open database " + RedactUrl(url) + ": " + what +
                           " (expected mysql://user[:password]@host[:port]/database)");
  };
  if (p.has_userinfo) {
    const std::size_t colon = p.userinfo.find(':');
    if (!Decode(p.userinfo.substr(0, colon), &out.user)) return bad("bad %-escape in the user");
    if (colon != std::string::npos) {
      out.has_password = true;
      if (!Decode(p.userinfo.substr(colon + 1), &out.password))
        return bad("bad %-escape in the password");
    }
  }
  std::string hostport = p.hostport;
  std::string port;
  if (!hostport.empty() && hostport[0] == '[') {
    const std::size_t close = hostport.find(']');
    if (close == std::string::npos) return bad("an unclosed [ in the host");
    out.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size()) {
      if (hostport[close + 1] != ':') return bad("text after the host's ]");
      port = hostport.substr(close + 2);
    }
  } else {
    const std::size_t colon = hostport.rfind(':');
    if (colon != std::string::npos) {
      port = hostport.substr(colon + 1);
      hostport = hostport.substr(0, colon);
    }
    if (!hostport.empty()) out.host = hostport;
  }
  if (!port.empty()) {
    char* end = nullptr;
    const long n = std::strtol(port.c_str(), &end, 10);
    if (*end != '\0' || n < 1 || n > 65535) return bad("the port is not a number in 1..65535");
    out.port = static_cast<unsigned>(n);
  }
  if (!Decode(p.path, &out.database)) return bad("bad %-escape in the database name");
  if (out.database.empty()) return bad("no database name");
  if (out.database.find('/') != std::string::npos) return bad("a '/' in the database name");
  std::size_t start = 0;
  while (start < p.query.size()) {
    std::size_t amp = p.query.find('&', start);
    if (amp == std::string::npos) amp = p.query.size();
    const std::string kv = p.query.substr(start, amp - start);
    start = amp + 1;
    if (kv.empty()) continue;
    const std::size_t eq = kv.find('=');
    const std::string key = kv.substr(0, eq);
    std::string value;
    if (eq == std::string::npos || !Decode(kv.substr(eq + 1), &value))
      return bad("parameter '" + key + "' has no value or a bad %-escape");
    if (key == "socket") {
      out.socket = value;
    } else if (key == "connect_timeout") {
      char* end = nullptr;
      const long n = std::strtol(value.c_str(), &end, 10);
      if (*end != '\0' || n < 1 || n > 3600) return bad("connect_timeout is not 1..3600 seconds");
      out.connect_timeout = static_cast<unsigned>(n);
    } else {
      return bad("unknown parameter '" + key + "' (known: socket, connect_timeout)");
    }
  }
  return out;
}

std::string RedactUrl(const std::string& url) {
  if (!IsMysqlUrl(url)) return kUnreadable;
  Pieces p = Cut(url);
  const std::size_t colon = p.userinfo.find(':');
  if (p.has_userinfo && colon != std::string::npos)
    p.userinfo = p.userinfo.substr(0, colon) + ":***";
  // The query holds no secret (socket, connect_timeout); anything unknown is refused by ParseUrl
  // but shown redacted here all the same.
  if (!p.query.empty() && p.query.find("socket=") != 0 && p.query.find("connect_timeout=") != 0)
    p.query = "...";
  return Join(p);
}

std::vector<std::string> Secrets(const std::string& url) {
  if (!IsMysqlUrl(url)) return {};
  const Pieces p = Cut(url);
  const std::size_t colon = p.userinfo.find(':');
  if (!p.has_userinfo || colon == std::string::npos) return {};
  std::vector<std::string> out = {p.userinfo.substr(colon + 1)};
  std::string decoded;
  if (Decode(out[0], &decoded) && decoded != out[0]) out.push_back(decoded);
  if (out[0].empty()) return {};
  return out;
}

std::string WithDatabase(const std::string& url, const std::string& database) {
  Pieces p = Cut(url);
  std::string encoded;
  for (char c : database) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') {
      encoded += c;
    } else {
      static const char kHex[] = "0123456789ABCDEF";
      encoded += '%';
      encoded += kHex[(static_cast<unsigned char>(c) >> 4) & 15];
      encoded += kHex[static_cast<unsigned char>(c) & 15];
    }
  }
  p.path = encoded;
  return Join(p);
}

}  // namespace mysql
}  // namespace orchestrate
