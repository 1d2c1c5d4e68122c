// Helpers shared by tests: temporary folders, files, and running the real binary.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace orchestrate::testing {

// A fresh folder under /tmp, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

std::string ReadFileOrDie(const std::string& path);
void WriteFileOrDie(const std::string& path, const std::string& text);  // creates folders
// `cp -a from/. to/`.
void CopyTree(const std::string& from, const std::string& to);

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that killed it, or 0
  std::string out, err;
};

struct ProcessOptions {
  std::map<std::string, std::string> env;  // added to (or overriding) the test's environment
  long file_size_limit = 0;                // RLIMIT_FSIZE in bytes; 0: none
  std::string run_as_user;                 // when root: drop to this user (setuid)
};

// A child started by StartProcess; Wait() collects it.
struct ProcessHandle {
  int pid = -1;
  int out_fd = -1, err_fd = -1;
  std::string out_path, err_path;
};

// Starts argv[0] (a path) with the arguments, stdin from /dev/null, stdout and stderr to
// temporary files.
ProcessHandle StartProcess(const std::vector<std::string>& argv, const ProcessOptions& opts = {});
ProcessResult Wait(ProcessHandle& handle);
// StartProcess then Wait.
ProcessResult RunProcess(const std::vector<std::string>& argv, const ProcessOptions& opts = {});

// Paths set by CMake.
std::string SourceDir();
std::string OrchestrateBin();
std::string FailpointsBin();

}  // namespace orchestrate::testing
