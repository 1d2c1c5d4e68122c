#include "plans/image_ref.h"

#include <cctype>
#include <vector>

namespace orchestrate {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t at = s.find(sep); at != std::string::npos; at = s.find(sep, start)) {
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
  out.push_back(s.substr(start));
  return out;
}

// path-component := [a-z0-9]+ ( ( '.' | '_' | '__' | '-'+ ) [a-z0-9]+ )*
bool PathComponent(const std::string& c) {
  size_t i = 0;
  auto alnums = [&] {
    size_t start = i;
    while (i < c.size() && IsLowerAlnum(c[i])) ++i;
    return i > start;
  };
  if (!alnums()) return false;
  while (i < c.size()) {
    if (c[i] == '.') {
      ++i;
    } else if (c[i] == '_') {
      ++i;
      if (i < c.size() && c[i] == '_') ++i;
    } else if (c[i] == '-') {
      while (i < c.size() && c[i] == '-') ++i;
    } else {
      return false;
    }
    if (!alnums()) return false;
  }
  return true;
}

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool DomainComponent(const std::string& c) {
  if (c.empty() || !IsAlnum(c.front()) || !IsAlnum(c.back())) return false;
  for (char ch : c)
    if (!IsAlnum(ch) && ch != '-') return false;
  return true;
}

// host[:port], host a domain name, an IPv4 address (a domain name too) or [IPv6].
bool Domain(const std::string& d) {
  std::string host = d;
  if (!host.empty() && host[0] == '[') {
    size_t close = host.find(']');
    if (close == std::string::npos || close == 1) return false;
    for (size_t i = 1; i < close; ++i)
      if (!std::isxdigit(static_cast<unsigned char>(host[i])) && host[i] != ':') return false;
    host = host.substr(close + 1);
    if (host.empty()) return true;
    if (host[0] != ':') return false;
  } else {
    size_t colon = host.find(':');
    std::string name = host.substr(0, colon);
    for (const auto& c : Split(name, '.'))
      if (!DomainComponent(c)) return false;
    if (colon == std::string::npos) return true;
    host = host.substr(colon);
  }
  std::string port = host.substr(1);
  if (port.empty()) return false;
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool TagChar(char c) { return IsAlnum(c) || c == '_' || c == '.' || c == '-'; }

std::string DigestProblem(const std::string& digest) {
  size_t colon = digest.find(':');
  if (colon == std::string::npos || colon == 0)
    return "the digest '" + digest + "' must be algorithm:hex, such as sha256:<64 hex digits>";
  std::string algorithm = digest.substr(0, colon), hex = digest.substr(colon + 1);
  // algorithm := [A-Za-z][A-Za-z0-9]* ( [+._-] [A-Za-z][A-Za-z0-9]* )*
  bool start = true;
  for (char c : algorithm) {
    bool sep = c == '+' || c == '.' || c == '_' || c == '-';
    if (start ? !std::isalpha(static_cast<unsigned char>(c)) : !(IsAlnum(c) || sep))
      return "the digest algorithm '" + algorithm + "' is not valid";
    start = sep;
  }
  if (start) return "the digest algorithm '" + algorithm + "' is not valid";
  if (hex.size() < 32) return "the digest '" + digest + "' has fewer than 32 hex digits";
  for (char c : hex)
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return "the digest '" + digest + "' may hold only hex digits after the ':'";
  return "";
}

}  // namespace

std::string ImageReferenceProblem(const std::string& image) {
  if (image.empty()) return "it is empty";
  std::string rest = image;
  size_t at = rest.find('@');
  if (at != std::string::npos) {
    std::string why = DigestProblem(rest.substr(at + 1));
    if (!why.empty()) return why;
    rest.erase(at);
  }
  // The tag follows the last ':' that comes after the last '/' (a ':' before it is a port).
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    std::string tag = rest.substr(colon + 1);
    if (tag.empty()) return "the ':' is not followed by a tag";
    if (tag.size() > 128) return "the tag is longer than 128 characters";
    bool ok = tag[0] != '.' && tag[0] != '-';
    for (char c : tag) ok = ok && TagChar(c);
    if (!ok)
      return "the tag '" + tag +
             "' may hold only letters, digits, '_', '.' and '-', and must not start with '.' or "
             "'-'";
    rest.erase(colon);
  }
  if (rest.empty()) return "it has no name before the tag or digest";
  if (rest.size() > 255) return "the name is longer than 255 characters";
  std::vector<std::string> parts = Split(rest, '/');
  size_t first = 0;
  // The first part is a registry when more follow and it looks like a host: a '.', a ':' (port),
  // "localhost", or an uppercase letter (which a path never holds).
  const std::string& p0 = parts[0];
  bool has_upper = false;
  for (char c : p0) has_upper = has_upper || std::isupper(static_cast<unsigned char>(c));
  if (parts.size() > 1 &&
      (p0.find_first_of(".:[") != std::string::npos || p0 == "localhost" || has_upper)) {
    if (!Domain(p0)) return "the registry '" + p0 + "' is not a host name or host:port";
    first = 1;
  }
  for (size_t i = first; i < parts.size(); ++i)
    if (!PathComponent(parts[i]))
      return "the path component '" + parts[i] +
             "' may hold only lowercase letters and digits, joined by '.', '_', '__' or '-'";
  return "";
}

}  // namespace orchestrate
