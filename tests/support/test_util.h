// Helpers shared by tests: temporary folders, files, and running the real binary.
#pragma once

#include <functional>
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

// Polls `ready` every 10 ms until it holds (returns true) or `seconds` pass (false): a test waits
// on state it can observe (a file, `status`, pg_stat_activity), never for a fixed time.
bool WaitUntil(const std::function<bool()>& ready, double seconds = 60);
// Whether the file `path` exists.
bool FileExists(const std::string& path);

// Processes that race for a run lock, each the failpoint build with ORCHESTRATE_FAILPOINT_GATE
// set to `gate` ("NAME:DIR"): the one that takes the lock stops at NAME holding it (its id in
// DIR/reached). RaceThroughGate starts every argv at once (ProcessOptions `opts`, the gate added),
// waits until one reached the gate and every other process `must_give_up` names has exited, notes
// which processes had exited then, opens the gate (DIR/open) and waits for all. No fixed delay:
// the losers provably met the lock held.
struct GatedRace {
  int winner = -1;                      // index of the process that reached the gate; -1: none
  std::vector<ProcessResult> results;   // by index
  std::vector<bool> exited_while_held;  // had exited while the winner held the lock
};
GatedRace RaceThroughGate(const std::vector<std::vector<std::string>>& argvs,
                          const ProcessOptions& opts, const std::string& gate,
                          const std::function<bool(size_t)>& must_give_up, double seconds = 120);

// Paths set by CMake.
std::string SourceDir();
std::string OrchestrateBin();
std::string FailpointsBin();

}  // namespace orchestrate::testing
