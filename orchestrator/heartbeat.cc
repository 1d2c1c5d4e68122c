#include "orchestrator/heartbeat.h"

#include <cstdlib>
#include <string>
#include <utility>

namespace orchestrate {

Heartbeat::Heartbeat(std::chrono::milliseconds interval) : interval_(interval) {}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Heartbeat::Section::Section(Heartbeat& heartbeat, std::function<void(double)> beat)
    : heartbeat_(heartbeat) {
  if (heartbeat_.interval_.count() <= 0 || !beat) return;
  {
    std::lock_guard<std::mutex> lock(heartbeat_.mu_);
    heartbeat_.beat_ = std::move(beat);
    heartbeat_.started_ = std::chrono::steady_clock::now();
    ++heartbeat_.section_;
  }
  if (!heartbeat_.thread_.joinable())
    heartbeat_.thread_ = std::thread([h = &heartbeat_] { h->Loop(); });
  else
    heartbeat_.cv_.notify_all();
}

Heartbeat::Section::~Section() {
  if (heartbeat_.interval_.count() <= 0) return;
  std::unique_lock<std::mutex> lock(heartbeat_.mu_);
  // The beat may use what the section's caller is about to destroy: it has returned first.
  heartbeat_.cv_.wait(lock, [this] { return !heartbeat_.beating_; });
  heartbeat_.beat_ = nullptr;
  ++heartbeat_.section_;
  lock.unlock();
  heartbeat_.cv_.notify_all();
}

void Heartbeat::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (!beat_) {
      cv_.wait(lock, [this] { return stop_ || beat_; });
      continue;
    }
    const uint64_t section = section_;
    auto next = started_ + interval_;
    while (!cv_.wait_until(lock, next, [&] { return stop_ || section_ != section; })) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      const std::function<void(double)> beat = beat_;
      beating_ = true;
      lock.unlock();
      beat(seconds);
      lock.lock();
      beating_ = false;
      cv_.notify_all();  // a section's end may wait for this beat
      next += interval_;
    }
  }
}

std::chrono::milliseconds HeartbeatInterval() {
  const char* env = std::getenv("ORCHESTRATE_HEARTBEAT_SECONDS");
  if (!env || !*env) return std::chrono::milliseconds(5000);
  char* end = nullptr;
  const double seconds = std::strtod(env, &end);
  if (end == env || *end != '\0' || seconds < 0) return std::chrono::milliseconds(5000);
  return std::chrono::milliseconds(static_cast<long>(seconds * 1000));
}

}  // namespace orchestrate
