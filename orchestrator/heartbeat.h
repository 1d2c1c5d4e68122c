// Feedback while one long call blocks: a thread that calls `beat` every `interval` until the
// Heartbeat is destroyed (the executor's "still running after 12 s" lines, issue 19). The first
// beat comes after one interval, so a call shorter than that prints nothing. Destruction wakes the
// thread and joins it at once (no sleep to finish).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace orchestrate {

class Heartbeat {
 public:
  // `beat(seconds)` gets the time since construction. An interval <= 0 disables the heartbeat.
  Heartbeat(std::chrono::milliseconds interval, std::function<void(double seconds)> beat);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

 private:
  void Loop();

  const std::chrono::milliseconds interval_;
  const std::function<void(double)> beat_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// The heartbeat interval: ORCHESTRATE_HEARTBEAT_SECONDS (a number of seconds; 0 turns it off),
// else 5 s.
std::chrono::milliseconds HeartbeatInterval();

}  // namespace orchestrate
