// The Deployer seam: how the running code version (a container image) is read and changed.
// Real kinds (kubectl, helm, ...) come later; `file` is the embedded default.
#pragma once

#include <memory>
#include <string>

#include "plans/model.h"
#include "plans/status.h"

namespace orchestrate {

class Deployer {
 public:
  virtual ~Deployer() = default;
  // For plans and logs: "file /srv/shop.image".
  virtual std::string Describe() const = 0;
  // The image running now; "" when nothing was ever deployed.
  virtual Result<std::string> Current() = 0;
  // Points the target at `image`. Idempotent: swapping to the current image is a no-op success.
  virtual Status Swap(const std::string& image) = 0;
};

// Builds the deployer an environment declares. kInvalid for an unknown kind.
Result<std::unique_ptr<Deployer>> MakeDeployer(const DeployerSpec& spec);

// The `file` kind: the image reference lives in one file, replaced atomically (write a temporary
// file, fsync, rename over, fsync the folder) so a crash leaves either the old or the new image.
std::unique_ptr<Deployer> MakeFileDeployer(const std::string& path);

}  // namespace orchestrate
