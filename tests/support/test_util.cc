#include "tests/support/test_util.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace orchestrate::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/orchestrate-test.XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
  chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  std::string cmd = "rm -rf '" + path_ + "'";
  if (std::system(cmd.c_str()) != 0) {
    // Leave it; a test failure message is more useful than a throw from a destructor.
  }
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileOrDie(const std::string& path, const std::string& text) {
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::string cmd = "mkdir -p '" + path.substr(0, slash) + "'";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("mkdir failed for " + path);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << text;
}

void CopyTree(const std::string& from, const std::string& to) {
  std::string cmd = "mkdir -p '" + to + "' && cp -a '" + from + "/.' '" + to + "/'";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("copy failed: " + cmd);
}

namespace {

std::string Drain(int fd) {
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return out;
}

}  // namespace

ProcessHandle StartProcess(const std::vector<std::string>& argv, const ProcessOptions& opts) {
  // Output goes to temporary files, so a chatty child cannot block on a full pipe.
  char out_tmpl[] = "/tmp/orchestrate-out.XXXXXX";
  char err_tmpl[] = "/tmp/orchestrate-err.XXXXXX";
  ProcessHandle h;
  h.out_fd = mkstemp(out_tmpl);
  h.err_fd = mkstemp(err_tmpl);
  h.out_path = out_tmpl;
  h.err_path = err_tmpl;
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(h.out_fd, 1);
    dup2(h.err_fd, 2);
    for (const auto& kv : opts.env) setenv(kv.first.c_str(), kv.second.c_str(), 1);
    if (opts.file_size_limit > 0) {
      signal(SIGXFSZ, SIG_IGN);  // writes past the limit fail with EFBIG, like a full disk
      rlimit rl{static_cast<rlim_t>(opts.file_size_limit),
                static_cast<rlim_t>(opts.file_size_limit)};
      setrlimit(RLIMIT_FSIZE, &rl);
    }
    if (!opts.run_as_user.empty() && getuid() == 0) {
      passwd* pw = getpwnam(opts.run_as_user.c_str());
      if (pw == nullptr || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) _exit(126);
      setenv("USER", opts.run_as_user.c_str(), 1);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  h.pid = pid;
  return h;
}

ProcessResult Wait(ProcessHandle& h) {
  int status = 0;
  while (waitpid(h.pid, &status, 0) < 0 && errno == EINTR) {
  }
  ProcessResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  lseek(h.out_fd, 0, SEEK_SET);
  lseek(h.err_fd, 0, SEEK_SET);
  r.out = Drain(h.out_fd);
  r.err = Drain(h.err_fd);
  close(h.out_fd);
  close(h.err_fd);
  unlink(h.out_path.c_str());
  unlink(h.err_path.c_str());
  h.pid = -1;
  return r;
}

ProcessResult RunProcess(const std::vector<std::string>& argv, const ProcessOptions& opts) {
  ProcessHandle h = StartProcess(argv, opts);
  return Wait(h);
}

std::string SourceDir() { return ORCHESTRATE_SOURCE_DIR; }
std::string OrchestrateBin() { return ORCHESTRATE_BIN; }
std::string FailpointsBin() { return ORCHESTRATE_FAILPOINTS_BIN; }

bool WaitUntil(const std::function<bool()>& ready, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  while (!ready()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

bool FileExists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

GatedRace RaceThroughGate(const std::vector<std::vector<std::string>>& argvs,
                          const ProcessOptions& opts, const std::string& gate,
                          const std::function<bool(size_t)>& must_give_up, double seconds) {
  const std::string dir = gate.substr(gate.rfind(':') + 1);
  mkdir(dir.c_str(), 0755);
  ProcessOptions gated = opts;
  gated.env["ORCHESTRATE_FAILPOINT_GATE"] = gate;
  const size_t n = argvs.size();
  std::vector<ProcessHandle> handles;
  for (const auto& argv : argvs) handles.push_back(StartProcess(argv, gated));
  std::vector<int> pids;  // read here while the waiters' Wait() changes the handles
  for (const auto& h : handles) pids.push_back(h.pid);
  GatedRace race;
  race.results.resize(n);
  std::unique_ptr<std::atomic<bool>[]> exited(new std::atomic<bool>[n]);
  for (size_t i = 0; i < n; ++i) exited[i] = false;
  std::vector<std::thread> waiters;
  for (size_t i = 0; i < n; ++i)
    waiters.emplace_back([&, i] {
      race.results[i] = Wait(handles[i]);
      exited[i] = true;
    });
  const std::string reached = dir + "/reached";
  if (WaitUntil([&] { return FileExists(reached); }, seconds)) {
    const int pid = std::atoi(ReadFileOrDie(reached).c_str());
    for (size_t i = 0; i < n; ++i)
      if (pids[i] == pid) race.winner = static_cast<int>(i);
    WaitUntil(
        [&] {
          for (size_t i = 0; i < n; ++i)
            if (static_cast<int>(i) != race.winner && must_give_up(i) && !exited[i]) return false;
          return true;
        },
        seconds);
  }
  for (size_t i = 0; i < n; ++i) race.exited_while_held.push_back(exited[i]);
  WriteFileOrDie(dir + "/open", "");
  for (auto& w : waiters) w.join();
  return race;
}

}  // namespace orchestrate::testing
