// The one file that includes Boost.Process (slow to compile, and its exceptions stop here).
// Boost launches the child (PATH lookup, environment, pipes, closing inherited descriptors); the
// wait is ours, with poll(2) on both pipes and waitid(WNOWAIT) on the child, because the child
// must stay unreaped (a zombie) until its process group has been killed: its pid is the group id,
// and a reaped pid may be reused by an unrelated process that a late kill(-pgid) would hit.
#include "orchestrator/process.h"

#include <boost/process.hpp>
#include <boost/process/extend.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "orchestrator/command_line.h"
#include "plans/secrets.h"

namespace orchestrate {
namespace {

namespace bp = boost::process;
using Clock = std::chrono::steady_clock;

// After the child itself exits, how long whatever it left behind may keep the pipes open before
// its process group is stopped too.
constexpr auto kDrainAfterExit = std::chrono::seconds(2);
// After SIGKILL to the group, how long to wait for the pipes to close before giving up on them (a
// process that left the group with setsid may still hold them).
constexpr auto kAfterKill = std::chrono::seconds(1);

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(std::max(0.0, std::min(s, 7 * 24 * 3600.0))));
}

// The first and the last `keep` bytes of a stream.
class Capture {
 public:
  explicit Capture(size_t keep) : keep_(keep) {}

  void Add(const char* p, size_t n) {
    total_ += n;
    size_t room = keep_ > head_.size() ? keep_ - head_.size() : 0;
    size_t take = std::min(n, room);
    head_.append(p, take);
    tail_.append(p + take, n - take);
    if (tail_.size() > 2 * keep_ + 4096) tail_.erase(0, tail_.size() - keep_);
  }

  size_t total() const { return total_; }

  std::string Text(const std::vector<std::string>& secrets) const {
    std::string tail = tail_.size() > keep_ ? tail_.substr(tail_.size() - keep_) : tail_;
    size_t cut = total_ - head_.size() - tail.size();
    if (cut == 0) return Redact(head_ + tail, secrets);
    // A secret that straddles the cut would be half on each side, where neither half matches:
    // drop a trailing piece of the head that begins a secret and a leading piece of the tail that
    // ends one.
    std::string head = Redact(head_, secrets);
    tail = Redact(tail, secrets);
    size_t drop_head = 0, drop_tail = 0;
    for (const auto& s : secrets) {
      for (size_t k = std::min(s.size() - 1, head.size()); k > 0 && !s.empty(); --k)
        if (head.compare(head.size() - k, k, s, 0, k) == 0) {
          drop_head = std::max(drop_head, k);
          break;
        }
      for (size_t k = std::min(s.size() - 1, tail.size()); k > 0 && !s.empty(); --k)
        if (tail.compare(0, k, s, s.size() - k, k) == 0) {
          drop_tail = std::max(drop_tail, k);
          break;
        }
    }
    head.resize(head.size() - drop_head);
    tail.erase(0, drop_tail);
    return head + "\n[orchestrate cut " + std::to_string(cut + drop_head + drop_tail) +
           " bytes here: the first and last " + std::to_string(keep_) + " are kept]\n" + tail;
  }

 private:
  size_t keep_;
  size_t total_ = 0;
  std::string head_, tail_;
};

bool Executable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// The program to exec for argv[0]: a path as given, or the first executable of that name on PATH
// (the child's PATH, which `extra_env` may set).
Result<std::string> Resolve(const ProcessRequest& req, const std::string& shown) {
  const std::string& name = req.argv[0];
  if (name.find('/') != std::string::npos) {
    if (Executable(name)) return name;
    return Status::Failed(
        "cannot run `" + shown + "`: " + name + " " +
        (access(name.c_str(), F_OK) == 0 ? "is not an executable file" : "does not exist") +
        ": check the path");
  }
  auto it = req.extra_env.find("PATH");
  const char* env_path = std::getenv("PATH");
  std::string path = it != req.extra_env.end() ? it->second : env_path ? env_path : "";
  std::vector<bp::filesystem::path> dirs;
  size_t start = 0;
  for (;;) {
    size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? colon : colon - start);
    dirs.emplace_back(dir.empty() ? "." : dir);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  auto found = bp::search_path(name, dirs);
  if (!found.empty() && Executable(found.string())) return found.string();
  return Status::Failed("cannot run `" + shown + "`: no executable '" + name + "' on PATH (" +
                        path + "): install it, or give its full path");
}

// Whether the child has exited, leaving it unreaped.
bool Exited(pid_t pid) {
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0)
    return errno == ECHILD;  // already reaped: nothing to wait for
  return info.si_pid == pid;
}

// Closes descriptors 3 and up except `keep`. Runs in the forked child: no allocation.
void CloseInheritedDescriptors(const std::vector<int>& keep) {
  unsigned first = 3;
  int kept[4];
  size_t n = 0;
  for (int fd : keep)
    if (fd >= 3 && n < 4) kept[n++] = fd;
  // Insertion sort: at most four values, and GCC's -O2 array-bounds check misfires on std::sort
  // over a local array.
  for (size_t i = 1; i < n; ++i)
    for (size_t j = i; j > 0 && kept[j - 1] > kept[j]; --j) std::swap(kept[j - 1], kept[j]);
  for (size_t i = 0; i <= n; ++i) {
    unsigned last = i < n ? static_cast<unsigned>(kept[i]) - 1 : ~0U;
    if (last >= first && close_range(first, last, 0) != 0) {
      rlimit lim;
      unsigned max = getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < 65536
                         ? static_cast<unsigned>(lim.rlim_cur)
                         : 65536;
      for (unsigned fd = first; fd <= std::min(last, max); ++fd) close(static_cast<int>(fd));
    }
    if (i < n) first = static_cast<unsigned>(kept[i]) + 1;
  }
}

// Reads what is available; closes and forgets the descriptor at end of file.
void Drain(int* fd, Capture* cap) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n > 0) {
      cap->Add(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    close(*fd);  // end of file, or an error that will not go away
    *fd = -1;
    return;
  }
}

}  // namespace

std::string Redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    if (s.empty()) continue;
    for (size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + 3))
      text.replace(at, s.size(), "***");
  }
  return text;
}

std::string ShowArgv(const std::vector<std::string>& argv,
                     const std::vector<std::string>& secrets) {
  std::vector<std::string> all = secrets;
  const std::vector<std::string> registered = RegisteredSecrets();
  all.insert(all.end(), registered.begin(), registered.end());
  std::string out;
  for (const auto& arg : argv) {
    // Masked before quoting: quoting would change how a secret holding a quote is spelled.
    const std::string a = Redact(arg, all);
    out += (out.empty() ? "" : " ") + ShellQuote(a, true);
  }
  return Redact(out, all);
}

std::string ProcessReport::Outcome() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3gs", seconds);
  if (timed_out) return std::string("timed out (stopped after ") + buf + ")";
  if (cancelled) return std::string("stopped on request after ") + buf;
  if (signal != 0)
    return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "exited with " + std::to_string(exit_code);
}

std::string ProcessReport::Tail(size_t max_chars) const {
  const std::string& s = err.find_first_not_of(" \t\r\n") != std::string::npos ? err : out;
  size_t end = s.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  std::string t = s.substr(0, end + 1);
  return t.size() > max_chars ? "..." + t.substr(t.size() - max_chars) : t;
}

Result<ProcessReport> RunChildProcess(const ProcessRequest& req) {
  ProcessReport rep;
  std::vector<std::string> secrets = req.secrets;
  const std::vector<std::string> registered = RegisteredSecrets();
  rep.shown = ShowArgv(req.argv, secrets);
  if (!req.keep_registered_secrets)
    secrets.insert(secrets.end(), registered.begin(), registered.end());
  if (req.argv.empty() || req.argv[0].empty())
    return Status::Invalid("no program to run: the command is empty");
  auto exe = Resolve(req, rep.shown);
  if (!exe.ok()) return exe.status();

  auto started = Clock::now();
  pid_t pid = -1;
  int fds[2] = {-1, -1};
  std::unique_ptr<bp::child> child;
  try {
    bp::pipe out_pipe, err_pipe;
    bp::environment env = boost::this_process::environment();
    for (const auto& [k, v] : req.extra_env) env[k] = v;
    // No database password for children, whatever asked for it (plans/secrets.h).
    for (const std::string& name : VariablesWithheldFromChildren()) env.erase(name);
    std::vector<std::string> args(req.argv.begin() + 1, req.argv.end());
    std::error_code ec;
    child = std::make_unique<bp::child>(
        bp::exe = *exe, bp::args = args, bp::std_in<bp::null, bp::std_out> out_pipe,
        bp::std_err > err_pipe, env,
        bp::start_dir = req.working_dir.empty() ? std::string(".") : req.working_dir,
        // In the child, before exec (async-signal-safe calls only): lead a process group of its
        // own, so the whole tree can be stopped at the timeout; and inherit no descriptor beyond
        // stdin, stdout and stderr (a database connection, the other pipe's read end) except
        // Boost's own exec-error pipe. Last, so that the pipes are already on 1 and 2.
        bp::extend::on_exec_setup =
            [](auto& exec) {
              setpgid(0, 0);
              CloseInheritedDescriptors(exec.get_used_handles());
            },
        ec);
    if (ec) {
      return Status::Failed("cannot run `" + rep.shown + "`: " + ec.message() +
                            (req.working_dir.empty() ? "" : " (in " + req.working_dir + ")"));
    }
    pid = child->id();
    // Take the read ends over from Boost: this function closes them.
    fds[0] = out_pipe.native_source();
    fds[1] = err_pipe.native_source();
    out_pipe.assign_source(-1);
    err_pipe.assign_source(-1);
  } catch (const std::exception& e) {
    if (child && child->valid() && child->running()) {
      kill(-child->id(), SIGKILL);
      std::error_code ignored;
      child->wait(ignored);
    }
    return Status::Failed("cannot run `" + rep.shown + "`: " + e.what());
  }
  for (int fd : fds) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);

  Capture caps[2] = {Capture(req.keep_bytes), Capture(req.keep_bytes)};
  const auto deadline = started + Seconds(req.timeout_seconds);
  const auto grace = Seconds(req.kill_grace_seconds);
  bool exited = false;
  Clock::time_point exited_at, term_at, kill_at;
  bool termed = false, killed = false;
  for (;;) {
    if (!exited && Exited(pid)) {
      exited = true;
      exited_at = Clock::now();
    }
    if (exited && fds[0] < 0 && fds[1] < 0) break;
    auto now = Clock::now();
    // The child overran its time, or it is gone and what it left behind keeps the pipes open.
    auto stop_at = exited ? std::min(deadline, exited_at + kDrainAfterExit) : deadline;
    bool cancel = !termed && !exited && req.cancelled && req.cancelled();
    if (!termed && (now >= stop_at || cancel)) {
      if (cancel)
        rep.cancelled = true;
      else if (!exited)
        rep.timed_out = true;
      kill(-pid, SIGTERM);
      termed = true;
      term_at = now;
    }
    if (termed && !killed && now >= term_at + grace) {
      kill(-pid, SIGKILL);
      killed = true;
      kill_at = now;
    }
    if (killed && exited && now >= kill_at + kAfterKill) {
      // Something that left the process group still holds the pipes: stop reading.
      for (int& fd : fds)
        if (fd >= 0) {
          close(fd);
          fd = -1;
        }
      break;
    }
    pollfd pfds[2];
    nfds_t n = 0;
    for (int fd : fds)
      if (fd >= 0) pfds[n++] = {fd, POLLIN, 0};
    // No SIGCHLD handler (it would be process-wide), so the child's exit is polled for.
    int wait_ms = n == 0 ? 5 : 50;
    if (poll(pfds, n, wait_ms) < 0 && errno != EINTR) break;  // cannot happen with valid fds
    for (int i = 0; i < 2; ++i)
      if (fds[i] >= 0) Drain(&fds[i], &caps[i]);
  }
  for (int fd : fds)
    if (fd >= 0) close(fd);
  // Whatever is left of the group: background work of a child that exited, or (poll failed) the
  // child itself. The child is not reaped yet, so the group id cannot belong to anyone else.
  kill(-pid, SIGKILL);
  std::error_code ec;
  child->wait(ec);
  int status = child->native_exit_code();
  if (WIFEXITED(status)) rep.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) rep.signal = WTERMSIG(status);
  rep.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  rep.out = caps[0].Text(secrets);
  rep.err = caps[1].Text(secrets);
  rep.out_bytes = caps[0].total();
  rep.err_bytes = caps[1].total();
  return rep;
}

}  // namespace orchestrate
