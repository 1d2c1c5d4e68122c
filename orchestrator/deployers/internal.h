// Shared by the deployer kinds that run programs (command, kubectl, helm, ssm, gitops). Not part of
// the orchestrator's surface: only orchestrator/deployers/ includes it.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/deployer.h"
#include "orchestrator/process.h"

namespace orchestrate::deployers {

class ProcessDeployer : public Deployer {
 public:
  // REQUIRES: spec was validated by the manifest parser (required keys present).
  // Programs run through `run` (RunChildProcess when empty).
  ProcessDeployer(const DeployerSpec& spec, const std::vector<Release>* releases,
                  ProcessRunner run);

  Status Swap(const std::string& image) override { return SwapTo(ContextFor(image)); }
  // Runs every part (DoSwapPart) in order, with swap.interrupted reaching every program.
  Status SwapTo(const SwapContext& swap) final;
  // Runs one part (DoSwapPart) with swap.interrupted reaching every program it runs.
  Status RunSwapPart(const std::string& part, const SwapContext& swap) final;

 protected:
  // One part of the kind's swap (Deployer::SwapParts). REQUIRES: called through RunSwapPart or
  // SwapTo.
  virtual Status DoSwapPart(const std::string& part, const SwapContext& swap) = 0;

  // Runs argv (timeout: the kind's `timeout:` when 0). kFailed naming the command, how it ended
  // and the end of what it printed, unless it exited 0. Output is logged either way.
  Result<ProcessReport> Run(const std::vector<std::string>& argv, double timeout_seconds = 0,
                            const std::string& working_dir = "") const;
  // Run for a command that only reads (Current): logged at debug level, since plan and status
  // call it too.
  Result<ProcessReport> Read(const std::vector<std::string>& argv) const;
  std::string Shown(const std::vector<std::string>& argv) const { return ShowArgv(argv, secrets_); }
  // The image a stored value (an image, a tag or a version) stands for: the release image it
  // matches, else the value itself.
  std::string ImageOf(const std::string& stored) const;
  // What `store` (tag | image | version) keeps for the swap's image.
  Result<std::string> ValueToStore(const SwapContext& swap, const std::string& store) const;
  SwapContext ContextFor(const std::string& image) const;
  std::string Setting(const std::string& key, const std::string& fallback = "") const;
  std::vector<std::string> List(const std::string& key) const;
  // The kind's timeout as a Go duration for kubectl and helm flags: "300s".
  std::string TimeoutFlag() const;
  std::string Where() const { return spec_.pos.str(); }

  DeployerSpec spec_;
  std::vector<std::pair<std::string, std::string>> releases_;  // version, image; oldest first
  std::vector<std::string> secrets_;  // values of the spec's secret_env variables
  double timeout_seconds_ = 300;

 private:
  ProcessRunner run_;
  std::function<bool()> interrupted_;  // of the swap in progress
  Result<ProcessReport> RunLogged(const std::vector<std::string>& argv, double timeout_seconds,
                                  const std::string& working_dir, bool reading) const;
};

// Kind constructors; kInvalid (naming the plan's file:line) for settings they cannot use.
Result<std::unique_ptr<Deployer>> MakeCommandDeployer(const DeployerSpec& spec,
                                                      const std::vector<Release>* releases,
                                                      ProcessRunner run);
std::unique_ptr<Deployer> MakeKubectlDeployer(const DeployerSpec& spec,
                                              const std::vector<Release>* releases,
                                              ProcessRunner run);
std::unique_ptr<Deployer> MakeHelmDeployer(const DeployerSpec& spec,
                                           const std::vector<Release>* releases, ProcessRunner run);
std::unique_ptr<Deployer> MakeSsmDeployer(const DeployerSpec& spec,
                                          const std::vector<Release>* releases, ProcessRunner run);
std::unique_ptr<Deployer> MakeGitopsDeployer(const DeployerSpec& spec,
                                             const std::vector<Release>* releases,
                                             ProcessRunner run);

std::string Trim(const std::string& s);

}  // namespace orchestrate::deployers
