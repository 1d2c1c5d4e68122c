// Where the plan loader finds the files a plan names: its release manifests, the folder that holds
// them and the SQL files they reference. LoadPlan reads them from the disk (DiskPlanFiles);
// ParsePlan takes the files as a parameter, so that tests and fuzzers give a plan and its releases
// from memory (MemoryPlanFiles) without writing a file per case.
//
// Paths are the loader's: a file a manifest names is joined to the folder of the manifest that
// names it ("releases/../sql/a.up.sql"), and every path is checked to resolve inside the plan's
// folder (Resolve) before it is read.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace orchestrate {

class PlanFiles {
 public:
  // What a path names. kUnreadable: asking failed for another reason than "nothing there" (a
  // folder on the way that may not be searched): reading it says why.
  enum class Kind { kMissing, kUnreadable, kFile, kFolder };

  virtual ~PlanFiles() = default;
  // What `path` names, symlinks followed. kFile for anything that is not a folder (a FIFO or a
  // device too: Read refuses those).
  virtual Kind KindOf(const std::string& path) const = 0;
  // ReadInputFile's contract (plans/input_file.h): the regular file `path` into *out, or false
  // with *error a phrase such as "is a folder, not a file".
  virtual bool Read(const std::string& path, std::string* out, std::string* error) const = 0;
  // The release manifests in `folder`: its entries ending in .yaml or .yml, not starting with '.',
  // each as JoinPlanPath(folder, name), sorted. Empty when the folder holds none or cannot be read.
  virtual std::vector<std::string> ListManifests(const std::string& folder) const = 0;
  // ResolvedPath's contract (plans/input_file.h): the absolute path `path` really names, "." and
  // ".." removed; "" when it cannot be resolved.
  virtual std::string Resolve(const std::string& path) const = 0;
};

// `rel` taken from the folder `dir`: `rel` itself when it is absolute or `dir` is "" or ".".
std::string JoinPlanPath(const std::string& dir, const std::string& rel);

// The real file system. Thread-safe; lives for the whole process.
const PlanFiles& DiskPlanFiles();

// Files held in memory, for tests and fuzzers. Paths are resolved lexically: a relative path is
// taken from "/" (so "plan.yaml" and "/plan.yaml" are one file), "." and ".." are removed, and
// ".." of "/" is "/". A folder exists when a file lies under it or AddFolder made it. There are
// no symlinks, FIFOs or devices. Not thread-safe while being changed; const use is.
class MemoryPlanFiles : public PlanFiles {
 public:
  // Adds (or replaces) the file `path` with `text`; the folders above it exist from then on.
  void Add(const std::string& path, const std::string& text);
  // Makes an empty folder.
  void AddFolder(const std::string& path);

  Kind KindOf(const std::string& path) const override;
  bool Read(const std::string& path, std::string* out, std::string* error) const override;
  std::vector<std::string> ListManifests(const std::string& folder) const override;
  std::string Resolve(const std::string& path) const override;

 private:
  std::map<std::string, std::string> files_;  // resolved path -> text
  std::set<std::string> folders_;             // resolved paths, every folder above each file
};

}  // namespace orchestrate
