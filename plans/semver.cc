#include "plans/semver.h"

#include <cctype>

namespace orchestrate {
namespace {

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool ParseNumber(const std::string& s, long* out) {
  if (!AllDigits(s) || (s.size() > 1 && s[0] == '0') || s.size() > 15) return false;
  *out = std::stol(s);
  return true;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  parts.push_back(cur);
  return parts;
}

}  // namespace

std::optional<SemVer> ParseSemVer(const std::string& input) {
  std::string text = input;
  if (!text.empty() && (text[0] == 'v' || text[0] == 'V')) text.erase(0, 1);
  auto plus = text.find('+');
  if (plus != std::string::npos) {
    // Build metadata: dot-separated, non-empty identifiers of [0-9A-Za-z-]; ignored otherwise.
    for (const auto& id : Split(text.substr(plus + 1), '.')) {
      if (id.empty()) return std::nullopt;
      for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return std::nullopt;
    }
    text.erase(plus);
  }
  std::string pre;
  auto dash = text.find('-');
  if (dash != std::string::npos) {
    pre = text.substr(dash + 1);
    text.erase(dash);
    if (pre.empty()) return std::nullopt;
  }
  auto core = Split(text, '.');
  if (core.size() != 3) return std::nullopt;
  SemVer v;
  if (!ParseNumber(core[0], &v.major) || !ParseNumber(core[1], &v.minor) ||
      !ParseNumber(core[2], &v.patch))
    return std::nullopt;
  if (!pre.empty()) {
    for (const auto& id : Split(pre, '.')) {
      if (id.empty()) return std::nullopt;
      for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return std::nullopt;
      // Numeric identifiers must not have leading zeros (semver item 9).
      if (AllDigits(id) && id.size() > 1 && id[0] == '0') return std::nullopt;
      v.prerelease.push_back(id);
    }
  }
  return v;
}

int CompareSemVer(const SemVer& a, const SemVer& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  // A version without prerelease has higher precedence than one with.
  if (a.prerelease.empty() || b.prerelease.empty()) {
    if (a.prerelease.empty() && b.prerelease.empty()) return 0;
    return a.prerelease.empty() ? 1 : -1;
  }
  for (size_t i = 0; i < a.prerelease.size() && i < b.prerelease.size(); ++i) {
    const auto& x = a.prerelease[i];
    const auto& y = b.prerelease[i];
    bool xn = AllDigits(x), yn = AllDigits(y);
    if (xn && yn) {
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (x != y) return x < y ? -1 : 1;
    } else if (xn != yn) {
      return xn ? -1 : 1;  // numeric identifiers sort before alphanumeric ones
    } else if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  if (a.prerelease.size() == b.prerelease.size()) return 0;
  return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
}

}  // namespace orchestrate
