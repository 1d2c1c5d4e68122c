#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "orchestrator/importers/internal.h"

namespace orchestrate::importers {

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

Result<std::vector<std::string>> ListDir(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return Status::Failed("cannot list " + dir + ": " + std::strerror(errno));
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

Status ReadText(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Failed("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  *text = ss.str();
  return Status::Ok();
}

std::string RealPath(const std::string& path) {
  char buf[PATH_MAX];
  if (!realpath(path.c_str(), buf)) return "";
  return buf;
}

std::string RelativePath(const std::string& from, const std::string& to) {
  auto split = [](const std::string& p) {
    std::vector<std::string> parts;
    std::stringstream ss(p);
    std::string part;
    while (std::getline(ss, part, '/'))
      if (!part.empty()) parts.push_back(part);
    return parts;
  };
  auto a = split(from), b = split(to);
  size_t common = 0;
  while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
  std::string rel;
  for (size_t i = common; i < a.size(); ++i) rel += "../";
  for (size_t i = common; i < b.size(); ++i) rel += b[i] + (i + 1 < b.size() ? "/" : "");
  return rel.empty() ? "." : rel;
}

std::string SanitizeId(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') c = '_';
  return out.substr(0, 200);
}

std::optional<long> WholeNumber(const std::string& digits) {
  if (digits.empty()) return std::nullopt;
  if (!std::all_of(digits.begin(), digits.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }))
    return std::nullopt;
  size_t first = digits.find_first_not_of('0');
  std::string significant = first == std::string::npos ? "0" : digits.substr(first);
  if (significant.size() > 15) return std::nullopt;
  return std::stol(significant);
}

bool AllDigits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

std::string WithoutLeadingZeros(const std::string& digits) {
  size_t first = digits.find_first_not_of('0');
  return first == std::string::npos ? "0" : digits.substr(first);
}

int CompareWholeNumbers(const std::string& a, const std::string& b) {
  std::string x = WithoutLeadingZeros(a), y = WithoutLeadingZeros(b);
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  return x.compare(y);
}

std::string DialectOfUrl(const std::string& url) {
  std::string u = Trim(url);
  for (char& c : u) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u.rfind("jdbc:", 0) == 0) u = u.substr(5);
  auto starts = [&](const char* prefix) { return u.rfind(prefix, 0) == 0; };
  if (starts("postgres:") || starts("postgresql:")) return "postgresql";
  if (starts("mysql:") || starts("mariadb:")) return "mysql";
  if (starts("sqlite:") || starts("file:")) return "sqlite";
  if (!u.empty() && u.find("://") == std::string::npos && u.find('$') == std::string::npos)
    return "sqlite";  // Diesel's SQLite DATABASE_URL is a file path
  return "";
}

std::string ConfigValue(const std::string& text, const std::vector<std::string>& keys) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    size_t sep = line.find_first_of("=:");
    if (sep == std::string::npos) continue;
    std::string key = Trim(line.substr(0, sep));
    if (key.rfind("export ", 0) == 0) key = Trim(key.substr(7));
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
    std::string value = Trim(line.substr(sep + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return "";
}

std::string FindUpwards(const std::string& dir, const std::vector<std::string>& names, int levels) {
  std::string d = RealPath(dir);
  for (int i = 0; i <= levels && !d.empty(); ++i) {
    for (const auto& name : names)
      if (IsFile(JoinPath(d, name))) return JoinPath(d, name);
    if (d == "/") break;
    auto slash = d.rfind('/');
    d = slash == 0 ? "/" : d.substr(0, slash);
  }
  return "";
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace orchestrate::importers
