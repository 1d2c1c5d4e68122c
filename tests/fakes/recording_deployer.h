// A Deployer held in memory that records every call made to it, in order, so that a test asserts
// the sequence an executor drives (the Sqitch engine tests' idea), and that fails a chosen call
// once when asked.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "orchestrator/deployer.h"

namespace orchestrate::fakes {

class RecordingDeployer : public Deployer {
 public:
  // `parts`: what SwapParts() says; the part named "set" (or the first, if none is) changes the
  // image, the others only take note. `image`: what runs at first ("" for nothing).
  explicit RecordingDeployer(std::vector<std::string> parts = {"set"}, std::string image = "");

  // Each call, one line: "Current -> IMAGE", "SwapParts", "Swap IMAGE", "SwapTo IMAGE",
  // "RunSwapPart PART IMAGE", "Verify IMAGE". A failed call ends in " (failed)".
  const std::vector<std::string>& calls() const { return calls_; }
  // calls() without the Current and SwapParts lines: what changed or checked the target.
  std::vector<std::string> Actions() const;
  // The images the target was pointed at, in order.
  const std::vector<std::string>& swaps() const { return swaps_; }
  const std::string& image() const { return image_; }
  void Clear() { calls_.clear(), swaps_.clear(); }

  // The next call whose line starts with `call` (such as "RunSwapPart set" or "Verify") fails
  // with kFailed "injected deployer failure", changing nothing.
  void FailNext(const std::string& call) { fail_next_.push_back(call); }

  std::string Describe() const override { return "recording"; }
  Result<std::string> Current() override;
  Status Swap(const std::string& image) override;
  Status SwapTo(const SwapContext& swap) override;
  std::vector<std::string> SwapParts() const override;
  Status RunSwapPart(const std::string& part, const SwapContext& swap) override;
  Status Verify(const SwapContext& swap) override;

 private:
  // Records `line`; false (and records it failed) when a FailNext matches it.
  bool Record(const std::string& line);
  void Point(const std::string& image);

  std::vector<std::string> parts_;
  std::string image_;
  mutable std::vector<std::string> calls_;  // SwapParts() is const, yet a call
  std::vector<std::string> swaps_, fail_next_;
};

}  // namespace orchestrate::fakes
