#include "tests/fakes/recording_deployer.h"

#include <algorithm>

namespace orchestrate::fakes {

RecordingDeployer::RecordingDeployer(std::vector<std::string> parts, std::string image)
    : parts_(std::move(parts)), image_(std::move(image)) {}

std::vector<std::string> RecordingDeployer::Actions() const {
  std::vector<std::string> out;
  for (const auto& c : calls_)
    if (c.rfind("Current", 0) != 0 && c != "SwapParts") out.push_back(c);
  return out;
}

bool RecordingDeployer::Record(const std::string& line) {
  auto it = std::find_if(fail_next_.begin(), fail_next_.end(),
                         [&](const std::string& call) { return line.rfind(call, 0) == 0; });
  if (it == fail_next_.end()) {
    calls_.push_back(line);
    return true;
  }
  fail_next_.erase(it);
  calls_.push_back(line + " (failed)");
  return false;
}

void RecordingDeployer::Point(const std::string& image) {
  image_ = image;
  swaps_.push_back(image);
}

Result<std::string> RecordingDeployer::Current() {
  if (!Record("Current -> " + image_)) return Status::Failed("injected deployer failure");
  return image_;
}

Status RecordingDeployer::Swap(const std::string& image) {
  if (!Record("Swap " + image)) return Status::Failed("injected deployer failure");
  Point(image);
  return Status::Ok();
}

Status RecordingDeployer::SwapTo(const SwapContext& swap) {
  if (!Record("SwapTo " + swap.image)) return Status::Failed("injected deployer failure");
  Point(swap.image);
  return Status::Ok();
}

std::vector<std::string> RecordingDeployer::SwapParts() const {
  calls_.push_back("SwapParts");
  return parts_;
}

Status RecordingDeployer::RunSwapPart(const std::string& part, const SwapContext& swap) {
  if (std::find(parts_.begin(), parts_.end(), part) == parts_.end())
    return Status::Invalid("no swap part '" + part + "' in " + Describe());
  if (!Record("RunSwapPart " + part + " " + swap.image))
    return Status::Failed("injected deployer failure");
  const bool sets = std::find(parts_.begin(), parts_.end(), "set") != parts_.end()
                        ? part == "set"
                        : part == parts_.front();
  if (sets) Point(swap.image);
  return Status::Ok();
}

Status RecordingDeployer::Verify(const SwapContext& swap) {
  if (!Record("Verify " + swap.image)) return Status::Failed("injected deployer failure");
  return Status::Ok();
}

}  // namespace orchestrate::fakes
