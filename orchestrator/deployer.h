// The Deployer seam: how the running code version (a container image) is read and changed.
// `file` is the embedded default; command, kubectl, helm, ssm and gitops run programs through the
// process runner (deployers/kinds.cc, gitops in deployers/gitops.cc); verify.h wraps any of them
// with the environment's checks.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "orchestrator/process.h"
#include "plans/model.h"
#include "plans/status.h"

namespace orchestrate {

// What an image swap is for. Kinds that fill in the version (command's {version}) or record why
// (gitops writes it into the commit message) need more than the image.
struct SwapContext {
  std::string image;                     // the image to run
  std::string version;                   // the release of `image`; "" when no release has it
  std::string from_image, from_version;  // what runs now; "" when nothing
  std::string app, environment, reason;
  std::string direction;  // "deploy" | "rollback"; "" when unknown
  // Polled while programs run; true stops them (kCancelled). Empty: never.
  std::function<bool()> interrupted;
};

class Deployer {
 public:
  virtual ~Deployer() = default;
  // For plans and logs: "file /srv/shop.image".
  virtual std::string Describe() const = 0;
  // The image running now; "" when nothing was ever deployed.
  virtual Result<std::string> Current() = 0;
  // Points the target at `image`. Idempotent: swapping to the current image is a no-op success.
  virtual Status Swap(const std::string& image) = 0;
  // Swap(swap.image), knowing what the swap is for. The default ignores the rest of the context.
  virtual Status SwapTo(const SwapContext& swap) { return Swap(swap.image); }
  // A swap is made of parts (ssm: put, then trigger; gitops: commit, then push; kubectl: set, then
  // rollout), which the executor journals one by one, so that a resumed run runs exactly the parts
  // not done yet, even when the value is already in place (a failed trigger or a rejected push is
  // run again; a done put or commit is not). Names are short words, stable across versions (they
  // are journaled). Default: one part, "set".
  virtual std::vector<std::string> SwapParts() const { return {"set"}; }
  // Runs one part of SwapParts() for `swap`. Each part is idempotent, so a part interrupted before
  // it was recorded done may run again. Running every part in order is SwapTo(swap).
  virtual Status RunSwapPart(const std::string& part, const SwapContext& swap) {
    if (part != "set") return Status::Invalid("no swap part '" + part + "' in " + Describe());
    return SwapTo(swap);
  }
  // The exact actions SwapTo(swap) takes, one per line, for `plan` and the review script: the argv
  // of each program it runs, shell-quoted, secrets redacted. Deterministic (an approval binds it)
  // and free of machine-specific paths where the kind can avoid them.
  virtual std::vector<std::string> SwapActions(const SwapContext& swap) const {
    return {"point the application at " + swap.image};
  }
  // Runs the environment's checks after a swap took effect (verify.h). OK when there are none;
  // kFailed saying which check failed, how, and how often it was tried.
  virtual Status Verify(const SwapContext& swap) {
    (void)swap;
    return Status::Ok();
  }
  // One line per check Verify runs, for `plan`; empty when there are none.
  virtual std::vector<std::string> VerifyActions() const { return {}; }
};

// Builds the deployer an environment declares. kInvalid for an unknown kind or a bad setting.
// `releases` (the plan's) let kinds that store only a tag or a version (helm, ssm, gitops) report
// the full image of the release it belongs to; without them they report what they store. The
// kinds that run programs run them with `run` (RunChildProcess when empty).
Result<std::unique_ptr<Deployer>> MakeDeployer(const DeployerSpec& spec,
                                               const std::vector<Release>* releases = nullptr,
                                               ProcessRunner run = {});

// The context of a swap step of `plan`: its release's version, what it swaps from, and why.
SwapContext SwapContextFor(const Plan& plan, const std::string& image_from,
                           const std::string& image_to, const std::string& version,
                           const std::string& direction, const std::string& environment,
                           const std::string& reason);

// The tag of an image reference: what follows the last ':' after the last '/' ("" when there is
// none: "registry:5000/shop" has no tag), ignoring a "@sha256:..." digest.
std::string ImageTag(const std::string& image);

// The process kinds (deployers/kinds.cc, deployers/gitops.cc). REQUIRES: spec.kind is one of
// command, kubectl, helm, ssm, gitops.
Result<std::unique_ptr<Deployer>> MakeProcessDeployer(const DeployerSpec& spec,
                                                      const std::vector<Release>* releases,
                                                      ProcessRunner run = {});

// The `file` kind: the image reference lives in one file, replaced atomically (write a temporary
// file, fsync, rename over, fsync the folder) so a crash leaves either the old or the new image.
std::unique_ptr<Deployer> MakeFileDeployer(const std::string& path);

}  // namespace orchestrate
