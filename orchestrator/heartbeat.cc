#include "orchestrator/heartbeat.h"

#include <cstdlib>
#include <string>
#include <utility>

namespace orchestrate {

Heartbeat::Heartbeat(std::chrono::milliseconds interval, std::function<void(double)> beat)
    : interval_(interval), beat_(std::move(beat)) {
  if (interval_.count() > 0 && beat_) thread_ = std::thread([this] { Loop(); });
}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Heartbeat::Loop() {
  auto next = started_ + interval_;
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_until(lock, next, [this] { return stop_; })) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    lock.unlock();
    beat_(seconds);
    lock.lock();
    next += interval_;
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
