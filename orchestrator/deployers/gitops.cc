// `gitops`: the running image is one value in a YAML file of a git work tree that a controller
// (Argo CD, Flux) applies. A swap edits that one value in place (yaml_scalar.h), commits that file
// alone with a message saying what changed and why, and pushes when asked.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "orchestrator/deployers/internal.h"
#include "orchestrator/deployers/yaml_scalar.h"

namespace orchestrate::deployers {
namespace {

class GitopsDeployer : public ProcessDeployer {
 public:
  GitopsDeployer(const DeployerSpec& spec, const std::vector<Release>* releases, ProcessRunner run)
      : ProcessDeployer(spec, releases, std::move(run)),
        repo_(Setting("repo")),
        file_(Setting("file")),
        key_(Setting("key")) {}

  std::string Describe() const override {
    return "gitops " + key_ + " in " + file_ + " of " + repo_ + (Push() ? ", pushed" : "");
  }

  Result<std::string> Current() override {
    auto text = ReadText();
    if (!text.ok()) return text.status();
    auto found = FindYamlScalar(*text, key_, Path());
    if (!found.ok()) return found.status();
    return ImageOf(found->value);
  }

  std::vector<std::string> SwapParts() const override {
    if (Push()) return {"commit", "push"};
    return {"commit"};
  }

  Status DoSwapPart(const std::string& part, const SwapContext& swap) override {
    return part == "push" ? PushAndConfirm() : EditAndCommit(swap);
  }

  std::vector<std::string> SwapActions(const SwapContext& swap) const override {
    auto value = ValueToStore(swap, Store());
    if (!value.ok()) return {"cannot swap: " + value.status().message()};
    std::vector<std::string> lines = {"set " + key_ + " to " + *value + " in " + file_ +
                                          " (that value only; the rest of the file is kept as is)",
                                      "in the repository: " + Shown(CommitArgv(swap))};
    if (Push()) lines.push_back("in the repository: " + Shown(PushArgv()));
    return lines;
  }

 private:
  std::string Path() const { return repo_ + "/" + file_; }
  std::string Store() const { return Setting("store", "tag"); }
  bool Push() const { return Setting("push") == "true"; }

  // git runs in the work tree (not `git -C PATH`), so that the commands shown for review hold no
  // machine-specific path and the approval of a review script holds on another machine.
  Status RunGit(const std::vector<std::string>& argv) const {
    auto r = Run(argv, 0, repo_);
    return r.ok() ? Status::Ok() : r.status();
  }

  // The value edited into the file and committed, once: a file that already holds the value is
  // committed if that edit is not yet (a run killed between the two), else left alone.
  Status EditAndCommit(const SwapContext& swap) {
    auto value = ValueToStore(swap, Store());
    if (!value.ok()) return value.status();
    auto text = ReadText();
    if (!text.ok()) return text.status();
    auto found = FindYamlScalar(*text, key_, Path());
    if (!found.ok()) return found.status();
    auto dirty = Run({"git", "status", "--porcelain", "--", file_}, 0, repo_);
    if (!dirty.ok()) return dirty.status();
    const bool uncommitted = !Trim(dirty->out).empty();
    if (found->value == *value) {
      if (!uncommitted) {
        spdlog::info("gitops deployer: {} is already {} in {}: nothing to commit", key_, *value,
                     Path());
        return Status::Ok();
      }
      return RunGit(CommitArgv(swap));  // edited by an interrupted run, not committed yet
    }
    if (uncommitted)
      return Status::Failed(Path() + " has uncommitted changes (" + Trim(dirty->out) +
                            "): commit or discard them, then run the same command again");
    auto edited = ReplaceYamlScalar(*text, key_, *value, Path());
    if (!edited.ok()) return edited.status();
    ORCH_RETURN_IF_ERROR(WriteText(*edited));
    auto check = FindYamlScalar(*edited, key_, Path());
    if (!check.ok() || check->value != *value) {
      (void)WriteText(*text);
      return Status::Failed(Path() + ": the edited file does not read back " + key_ + " = " +
                            *value + "; it was put back as it was");
    }
    Status committed = RunGit(CommitArgv(swap));
    if (!committed.ok()) (void)WriteText(*text);  // the next attempt starts clean
    return committed;
  }

  // Pushes, then asks the remote: the swap is pushed only when the remote's branch is this
  // commit. A rejected push (the remote moved on) fails saying how to continue; after `git pull
  // --rebase` in the work tree, the same orchestrate command pushes again.
  Status PushAndConfirm() {
    Status pushed = RunGit(PushArgv());
    if (!pushed.ok())
      return pushed.WithContext("the commit is made but not pushed; update the work tree (" +
                                Shown({"git", "pull", "--rebase"}) + " in " + repo_ +
                                ") and run the same orchestrate command again to push it");
    auto head = Run({"git", "rev-parse", "HEAD"}, 0, repo_);
    if (!head.ok()) return head.status();
    auto ref = RemoteRef();
    if (!ref.ok()) return ref.status();
    auto remote = Run({"git", "ls-remote", Setting("remote", "origin"), *ref}, 0, repo_);
    if (!remote.ok())
      return remote.status().WithContext("asking the remote whether it has the push");
    const std::string got = Trim(remote->out).substr(0, Trim(head->out).size());
    if (got != Trim(head->out))
      return Status::Failed("after `" + Shown(PushArgv()) + "`, the remote's " + *ref + " is " +
                            (got.empty() ? std::string("missing") : got.substr(0, 12)) +
                            ", not the commit " + Trim(head->out).substr(0, 12) +
                            ": run the same orchestrate command again");
    return Status::Ok();
  }

  // The remote branch the push updates.
  Result<std::string> RemoteRef() const {
    if (!Setting("branch").empty()) return "refs/heads/" + Setting("branch");
    auto branch = Run({"git", "rev-parse", "--abbrev-ref", "HEAD"}, 0, repo_);
    if (!branch.ok()) return branch.status();
    return "refs/heads/" + Trim(branch->out);
  }

  std::vector<std::string> CommitArgv(const SwapContext& swap) const {
    std::string from = swap.from_version.empty() ? swap.from_image : swap.from_version;
    std::string to = swap.version.empty() ? swap.image : swap.version;
    std::string subject = (swap.app.empty() ? "orchestrate" : swap.app) + ": " +
                          (swap.direction.empty() ? "" : swap.direction + " ") +
                          (from.empty() ? "(none)" : from) + " -> " + to;
    if (!swap.reason.empty()) subject += " (" + swap.reason + ")";
    std::string body = "image: " + (swap.from_image.empty() ? "(none)" : swap.from_image) + " -> " +
                       swap.image + "\n";
    if (!swap.environment.empty()) body += "environment: " + swap.environment + "\n";
    body += "set by orchestrate: " + key_ + " in " + file_;
    return {"git", "commit", "-m", subject + "\n\n" + body, "--", file_};
  }

  std::vector<std::string> PushArgv() const {
    std::string branch = Setting("branch");
    return {"git", "push", Setting("remote", "origin"),
            branch.empty() ? "HEAD" : "HEAD:refs/heads/" + branch};
  }

  Result<std::string> ReadText() const {
    std::ifstream in(Path(), std::ios::binary);
    if (!in)
      return Status::Failed(Where() + ": cannot read " + Path() + ": " + std::strerror(errno) +
                            ": check the deployer's 'repo' and 'file'");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  // A new file renamed over the old one: a crash leaves the old text or the new, never half.
  Status WriteText(const std::string& text) const {
    std::string tmp = Path() + ".orchestrate-tmp." + std::to_string(getpid());
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << text;
      out.close();
      if (!out) {
        std::remove(tmp.c_str());
        return Status::Failed("cannot write " + tmp + ": " + std::strerror(errno));
      }
    }
    if (std::rename(tmp.c_str(), Path().c_str()) != 0) {
      int saved = errno;
      std::remove(tmp.c_str());
      return Status::Failed("cannot replace " + Path() + ": " + std::strerror(saved));
    }
    return Status::Ok();
  }

  std::string repo_, file_, key_;
};

}  // namespace

std::unique_ptr<Deployer> MakeGitopsDeployer(const DeployerSpec& spec,
                                             const std::vector<Release>* releases,
                                             ProcessRunner run) {
  return std::make_unique<GitopsDeployer>(spec, releases, std::move(run));
}

}  // namespace orchestrate::deployers
