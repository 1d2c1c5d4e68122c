// --shard I/N (orchestrator/shard.h): parsing with usage errors, and a slice assignment that is
// disjoint, complete, balanced enough, and a function of the target alone.
#include "orchestrator/shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace orchestrate {
namespace {

TEST(ParseShardTest, TakesIOverNCountedFromZero) {
  auto first = ParseShard("0/4");
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(first->index, 0);
  EXPECT_EQ(first->count, 4);
  EXPECT_TRUE(first->active());
  EXPECT_EQ(first->Label(), "0/4");
  auto last = ParseShard("3/4");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->index, 3);
  auto one = ParseShard("0/1");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->count, 1);
  EXPECT_FALSE(Shard{}.active());
}

TEST(ParseShardTest, RefusesWhatIsNotASliceWithAUsageError) {
  for (const std::string bad : {"4/4", "1", "", "/4", "1/", "-1/4", "a/4", "1/b", "0/0", "1/4/2",
                                " 1/4", "0/5000", "12345/20000", "1.0/4"}) {
    auto parsed = ParseShard(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), Code::kUsage) << bad;
    EXPECT_NE(parsed.status().message().find("I/N"), std::string::npos)
        << bad << ": " << parsed.status().message();
  }
  // One past the end says where I counts from.
  EXPECT_NE(ParseShard("4/4").status().message().find("0/4 to 3/4"), std::string::npos)
      << ParseShard("4/4").status().message();
}

std::vector<std::string> Fleet(int n) {
  std::vector<std::string> urls;
  for (int i = 1; i <= n; ++i)
    urls.push_back("postgresql://app@db.example:5432/tenant_" + std::to_string(i));
  return urls;
}

TEST(ShardOfTargetTest, SlicesAreDisjointCompleteAndRoughlyEven) {
  const std::vector<std::string> fleet = Fleet(200);
  std::multiset<std::string> seen;
  for (int i = 0; i < 4; ++i) {
    std::vector<std::string> others;
    auto mine = TargetsOfShard(fleet, Shard{i, 4}, &others);
    EXPECT_EQ(mine.size() + others.size(), fleet.size());
    // 200 targets in 4 slices: a fair hash keeps every slice well within 30..70.
    EXPECT_GE(mine.size(), 30u) << "slice " << i;
    EXPECT_LE(mine.size(), 70u) << "slice " << i;
    for (const auto& url : mine) {
      EXPECT_EQ(ShardOfTarget(url, 4), i) << url;
      seen.insert(url);
    }
  }
  EXPECT_EQ(seen.size(), fleet.size());
  for (const auto& url : fleet) EXPECT_EQ(seen.count(url), 1u) << url;
  // No sharding: the whole fleet, in order.
  EXPECT_EQ(TargetsOfShard(fleet, Shard{}), fleet);
}

TEST(ShardOfTargetTest, DependsOnTheTargetAloneNotOnItsPlaceOrItsPassword) {
  std::vector<std::string> fleet = Fleet(50);
  std::vector<int> before;
  for (const auto& url : fleet) before.push_back(ShardOfTarget(url, 4));
  // Another order and a new target move no existing target to another slice.
  std::vector<std::string> reordered(fleet.rbegin(), fleet.rend());
  reordered.insert(reordered.begin() + 7, "postgresql://app@db.example:5432/tenant_new");
  for (size_t i = 0; i < fleet.size(); ++i) {
    auto slice = TargetsOfShard(reordered, Shard{before[i], 4});
    EXPECT_NE(std::find(slice.begin(), slice.end(), fleet[i]), slice.end()) << fleet[i];
  }
  // A rotated password is the same target.
  EXPECT_EQ(ShardOfTarget("postgresql://app:old-secret@db.example/tenant_9", 8),
            ShardOfTarget("postgresql://app:new-secret@db.example/tenant_9", 8));
}

TEST(ShardOfTargetTest, IsTheDocumentedFunctionSoEveryBuildAgrees) {
  // FNV-1a 64 of the redacted URL, SplitMix64's finaliser, modulo N (docs/manifest.md, "Shards"):
  // runners of different builds on different machines must put a target in the same slice.
  EXPECT_EQ(ShardOfTarget("sqlite:tenant-1.db", 4), 0);
  EXPECT_EQ(ShardOfTarget("sqlite:tenant-2.db", 4), 3);
  EXPECT_EQ(ShardOfTarget("postgresql://app@db.example:5432/tenant_1", 1000), 763);
  EXPECT_EQ(ShardOfTarget("anything", 1), 0);
}

}  // namespace
}  // namespace orchestrate
