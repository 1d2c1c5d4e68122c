// The heartbeat thread (orchestrator/heartbeat.h): beats at its interval with the time so far,
// none for a call shorter than one interval, and stops at once when destroyed.
#include "orchestrator/heartbeat.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace orchestrate {
namespace {

using std::chrono::milliseconds;

TEST(HeartbeatTest, BeatsEveryIntervalWithTheTimeSoFar) {
  std::mutex mu;
  std::vector<double> beats;
  {
    Heartbeat hb(milliseconds(40), [&](double s) {
      std::lock_guard<std::mutex> lock(mu);
      beats.push_back(s);
    });
    // Waits on what the beats say, not on a sleep of a guessed length.
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (beats.size() >= 3) break;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
  }
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_GE(beats.size(), 3u);
  EXPECT_GE(beats[0], 0.039);
  for (size_t i = 1; i < beats.size(); ++i) EXPECT_GT(beats[i], beats[i - 1]);
}

TEST(HeartbeatTest, AShortCallGetsNoBeatAndDestructionDoesNotWaitForTheInterval) {
  std::atomic<int> beats{0};
  auto start = std::chrono::steady_clock::now();
  {
    Heartbeat hb(milliseconds(60000), [&](double) { ++beats; });
  }
  EXPECT_EQ(beats, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(5000));
}

TEST(HeartbeatTest, AZeroIntervalIsOff) {
  std::atomic<int> beats{0};
  {
    Heartbeat hb(milliseconds(0), [&](double) { ++beats; });
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(beats, 0);
}

TEST(HeartbeatTest, TheIntervalComesFromTheEnvironment) {
  unsetenv("ORCHESTRATE_HEARTBEAT_SECONDS");
  EXPECT_EQ(HeartbeatInterval(), milliseconds(5000));
  setenv("ORCHESTRATE_HEARTBEAT_SECONDS", "0.25", 1);
  EXPECT_EQ(HeartbeatInterval(), milliseconds(250));
  setenv("ORCHESTRATE_HEARTBEAT_SECONDS", "0", 1);
  EXPECT_EQ(HeartbeatInterval(), milliseconds(0));
  setenv("ORCHESTRATE_HEARTBEAT_SECONDS", "soon", 1);
  EXPECT_EQ(HeartbeatInterval(), milliseconds(5000));
  unsetenv("ORCHESTRATE_HEARTBEAT_SECONDS");
}

}  // namespace
}  // namespace orchestrate
