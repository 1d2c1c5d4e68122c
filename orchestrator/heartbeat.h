// Feedback while one long call blocks: while a Heartbeat::Section exists, `beat` is called every
// `interval` (the executor's "still running after 12 s" lines, issue 19). The first beat comes
// after one interval, so a call shorter than that prints nothing. One thread serves every section
// of a Heartbeat in turn (a run's steps), started with the first section: a section costs a lock,
// not a thread. A section's end waits for a beat in progress, never for a sleep.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace orchestrate {

class Heartbeat {
 public:
  // An interval <= 0 disables the heartbeat: sections then do nothing.
  explicit Heartbeat(std::chrono::milliseconds interval);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  // `beat(seconds)` gets the time since the section began. Sections of one Heartbeat do not
  // overlap.
  class Section {
   public:
    Section(Heartbeat& heartbeat, std::function<void(double seconds)> beat);
    ~Section();
    Section(const Section&) = delete;
    Section& operator=(const Section&) = delete;

   private:
    Heartbeat& heartbeat_;
  };

 private:
  void Loop();

  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool beating_ = false;              // a beat is being called, outside the lock
  std::function<void(double)> beat_;  // of the current section; empty between sections
  std::chrono::steady_clock::time_point started_;
  uint64_t section_ = 0;  // counts sections: a new one restarts the clock
  std::thread thread_;
};

// The heartbeat interval: ORCHESTRATE_HEARTBEAT_SECONDS (a number of seconds; 0 turns it off),
// else 5 s.
std::chrono::milliseconds HeartbeatInterval();

}  // namespace orchestrate
