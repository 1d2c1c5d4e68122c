// Shards: N runners split one fleet (orchestrator/fleet.h) with no coordinator. `--shard I/N`
// runs the I-th of N disjoint slices; every runner computes the same slices from the same list of
// targets, so N processes on N machines (a Kubernetes Indexed Job: I is JOB_COMPLETION_INDEX)
// cover the fleet exactly once between them. Each target's own run lock and journal still guard it
// (two runners given the same slice wait for each other's lock, as two people would).
//
// Why by identity and not by position: the inventory that lists a fleet may list it in another
// order, or with targets added and removed, from one runner to the next. A target's slice depends
// on the target alone (its URL with any password removed, so rotating a password moves nothing):
// FNV-1a 64 of those bytes, mixed by the SplitMix64 finaliser, modulo N. Adding a target never
// moves another one between slices (for the same N).
#pragma once

#include <string>
#include <vector>

#include "plans/status.h"

namespace orchestrate {

struct Shard {
  int index = 0;  // 0-based: 0 <= index < count
  int count = 0;  // 0: no sharding (the whole fleet)

  bool active() const { return count > 0; }
  // "2/4", as given on the command line.
  std::string Label() const;
};

// Parses `--shard I/N` (I counted from 0, as JOB_COMPLETION_INDEX is: 0/4 to 3/4; 1 <= N <= 4096).
// kUsage with the accepted form and range when `text` is anything else.
Result<Shard> ParseShard(const std::string& text);

// The slice (0 <= slice < count) of the target `url`; REQUIRES count >= 1. Stable across runs,
// machines and builds (the function is documented in docs/manifest.md, "Shards").
int ShardOfTarget(const std::string& url, int count);

// The targets of `urls` in `shard`'s slice, in their listed order; all of them when the shard is
// not active. `others`, when given, gets the rest (in order).
std::vector<std::string> TargetsOfShard(const std::vector<std::string>& urls, const Shard& shard,
                                        std::vector<std::string>* others = nullptr);

}  // namespace orchestrate
