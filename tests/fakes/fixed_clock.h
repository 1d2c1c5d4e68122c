// A clock for Executor's and Journal's `now`: it says the time it was set to, in the ISO-8601 UTC
// form NowIso8601 gives ("2026-01-02T03:04:05.000Z"), until it is set or advanced.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace orchestrate::fakes {

class FixedClock {
 public:
  // REQUIRES: `now` in the form "YYYY-MM-DDTHH:MM:SS.mmmZ".
  explicit FixedClock(std::string now = "2026-01-01T00:00:00.000Z");

  const std::string& now() const { return *now_; }
  void Set(const std::string& now) { *now_ = now; }
  // Moves the time `seconds` on (or back, when negative).
  void Advance(long seconds);
  // For Executor(plan, db, deployer, clock.Function()): reads this clock's time at each call,
  // also after Set or Advance; usable after the clock is gone.
  std::function<std::string()> Function() const;

 private:
  std::shared_ptr<std::string> now_;
};

}  // namespace orchestrate::fakes
