#include "plans/plan_files.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "plans/input_file.h"

namespace orchestrate {
namespace {

bool IsManifestName(const std::string& name) {
  auto ends = [&](const std::string& suf) {
    return name.size() > suf.size() && name.compare(name.size() - suf.size(), suf.size(), suf) == 0;
  };
  return !name.empty() && name[0] != '.' && (ends(".yaml") || ends(".yml"));
}

class DiskFiles : public PlanFiles {
 public:
  Kind KindOf(const std::string& path) const override {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return errno == ENOENT ? Kind::kMissing : Kind::kUnreadable;
    return S_ISDIR(st.st_mode) ? Kind::kFolder : Kind::kFile;
  }
  bool Read(const std::string& path, std::string* out, std::string* error) const override {
    return ReadInputFile(path, out, error);
  }
  std::vector<std::string> ListManifests(const std::string& folder) const override {
    std::vector<std::string> files;
    if (DIR* d = opendir(folder.c_str())) {
      while (dirent* e = readdir(d))
        if (IsManifestName(e->d_name)) files.push_back(JoinPlanPath(folder, e->d_name));
      closedir(d);
    }
    std::sort(files.begin(), files.end());
    return files;
  }
  std::string Resolve(const std::string& path) const override { return ResolvedPath(path); }
};

// The folder part of a resolved path ("/" for "/x").
std::string ParentOf(const std::string& resolved) {
  auto slash = resolved.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : resolved.substr(0, slash);
}

}  // namespace

std::string JoinPlanPath(const std::string& dir, const std::string& rel) {
  if (!rel.empty() && rel[0] == '/') return rel;
  if (dir.empty() || dir == ".") return rel;
  return dir.back() == '/' ? dir + rel : dir + "/" + rel;
}

const PlanFiles& DiskPlanFiles() {
  static const DiskFiles disk;
  return disk;
}

std::string MemoryPlanFiles::Resolve(const std::string& path) const {
  if (path.empty()) return "";
  std::string normal =
      std::filesystem::path(path[0] == '/' ? path : "/" + path).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

void MemoryPlanFiles::Add(const std::string& path, const std::string& text) {
  std::string resolved = Resolve(path);
  files_[resolved] = text;
  AddFolder(ParentOf(resolved));
}

void MemoryPlanFiles::AddFolder(const std::string& path) {
  for (std::string dir = Resolve(path);; dir = ParentOf(dir)) {
    folders_.insert(dir);
    if (dir == "/") break;
  }
}

PlanFiles::Kind MemoryPlanFiles::KindOf(const std::string& path) const {
  std::string resolved = Resolve(path);
  if (files_.count(resolved)) return Kind::kFile;
  if (folders_.count(resolved)) return Kind::kFolder;
  return Kind::kMissing;
}

bool MemoryPlanFiles::Read(const std::string& path, std::string* out, std::string* error) const {
  std::string resolved = Resolve(path);
  auto it = files_.find(resolved);
  if (it != files_.end() && it->second.size() <= kMaxInputFileBytes) {
    *out = it->second;
    return true;
  }
  if (it != files_.end())
    *error = "is larger than " + std::to_string(kMaxInputFileBytes >> 20) +
             " MiB, the limit for a plan, release manifest or SQL file";
  else if (folders_.count(resolved))
    *error = "is a folder, not a file";
  else
    *error = std::strerror(ENOENT);
  return false;
}

std::vector<std::string> MemoryPlanFiles::ListManifests(const std::string& folder) const {
  std::vector<std::string> out;
  const std::string dir = Resolve(folder);
  const std::string prefix = dir == "/" ? "/" : dir + "/";
  for (auto it = files_.lower_bound(prefix); it != files_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    std::string name = it->first.substr(prefix.size());
    if (name.find('/') == std::string::npos && IsManifestName(name))
      out.push_back(JoinPlanPath(folder, name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace orchestrate
