// The heartbeat (orchestrator/heartbeat.h): beats at its interval with the time so far, none for a
// section shorter than one interval; a section's end stops its beats at once, and the next section
// starts its clock again on the same thread.
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
    Heartbeat hb(milliseconds(40));
    Heartbeat::Section section(hb, [&](double s) {
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
    Heartbeat hb(milliseconds(60000));
    Heartbeat::Section section(hb, [&](double) { ++beats; });
  }
  EXPECT_EQ(beats, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(5000));
}

TEST(HeartbeatTest, AZeroIntervalIsOff) {
  std::atomic<int> beats{0};
  {
    Heartbeat hb(milliseconds(0));
    Heartbeat::Section section(hb, [&](double) { ++beats; });
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(beats, 0);
}

// Each section's beats count from its own start; an ended section gets no beat, even while the
// heartbeat lives on; a section's end waits for its beat in progress (which may use the caller's
// locals).
TEST(HeartbeatTest, SectionsOneAfterAnotherEachStartTheirOwnClock) {
  Heartbeat hb(milliseconds(30));
  std::atomic<int> first{0};
  std::atomic<bool> in_beat{false};
  std::atomic<bool> overlapped{false};
  {
    Heartbeat::Section section(hb, [&](double) {
      in_beat = true;
      std::this_thread::sleep_for(milliseconds(20));  // a slow beat: the end must wait for it
      ++first;
      in_beat = false;
    });
    for (int i = 0; i < 500 && first == 0; ++i) std::this_thread::sleep_for(milliseconds(10));
  }
  if (in_beat) overlapped = true;
  const int first_total = first;
  ASSERT_GE(first_total, 1);
  EXPECT_FALSE(overlapped);

  std::mutex mu;
  std::vector<double> second;
  const auto begun = std::chrono::steady_clock::now();
  {
    Heartbeat::Section section(hb, [&](double s) {
      std::lock_guard<std::mutex> lock(mu);
      second.push_back(s);
    });
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!second.empty()) break;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
  }
  // The first section got nothing after its end; the second counts from its own start (one
  // interval, not the heartbeat's age).
  const double since_begun =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();
  EXPECT_EQ(first, first_total);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_FALSE(second.empty());
  EXPECT_GE(second[0], 0.029);
  EXPECT_LE(second[0], since_begun);
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
