#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "orchestrator/deployer.h"
#include "plans/manifest.h"

namespace orchestrate {
namespace {

Status MakeDirs(const std::string& dir) {
  if (dir.empty() || dir == "." || dir == "/") return Status::Ok();
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) return Status::Ok();
  ORCH_RETURN_IF_ERROR(MakeDirs(DirName(dir)));
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return Status::Failed("cannot create folder " + dir + ": " + std::strerror(errno));
  return Status::Ok();
}

class FileDeployer : public Deployer {
 public:
  explicit FileDeployer(std::string path) : path_(std::move(path)) {}

  std::string Describe() const override { return "file " + path_; }

  // Without the path, which differs from machine to machine (the review script's "-- where:" line
  // names it).
  std::vector<std::string> SwapActions(const SwapContext& swap) const override {
    return {"write " + swap.image +
            " into the deployer's image file (a new file renamed over the old one)"};
  }

  Result<std::string> Current() override {
    std::ifstream in(path_);
    if (!in) {
      if (errno == ENOENT) return std::string();
      return Status::Failed("cannot read " + path_ + ": " + std::strerror(errno));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
  }

  Status Swap(const std::string& image) override {
    auto fail = [&](const std::string& what) {
      return Status::Failed("file deployer: cannot " + what + " " + path_ + ": " +
                            std::strerror(errno));
    };
    ORCH_RETURN_IF_ERROR(MakeDirs(DirName(path_)));
    std::string tmp = path_ + ".tmp." + std::to_string(getpid());
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail("write");
    std::string data = image + "\n";
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t n = write(fd, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        int saved = errno;
        close(fd);
        unlink(tmp.c_str());
        errno = saved;
        return fail("write");
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    if (fsync(fd) != 0) {
      int saved = errno;
      close(fd);
      unlink(tmp.c_str());
      errno = saved;
      return fail("sync");
    }
    close(fd);
    if (rename(tmp.c_str(), path_.c_str()) != 0) {
      int saved = errno;
      unlink(tmp.c_str());
      errno = saved;
      return fail("replace");
    }
    int dfd = open(DirName(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      fsync(dfd);
      close(dfd);
    }
    return Status::Ok();
  }

 private:
  std::string path_;
};

}  // namespace

std::unique_ptr<Deployer> MakeFileDeployer(const std::string& path) {
  return std::make_unique<FileDeployer>(path);
}

Result<std::unique_ptr<Deployer>> MakeDeployer(const DeployerSpec& spec,
                                               const std::vector<Release>* releases,
                                               ProcessRunner run) {
  if (spec.kind == DeployerKind::kFile) {
    auto it = spec.settings.find("path");
    if (it == spec.settings.end() || it->second.empty())
      return Status::Invalid(spec.pos.str() + ": a file deployer needs 'path'");
    return MakeFileDeployer(it->second);
  }
  return MakeProcessDeployer(spec, releases, std::move(run));
}

}  // namespace orchestrate
