#include "orchestrator/shard.h"

#include <cctype>
#include <cstdint>

#include "migrations/database.h"

namespace orchestrate {
namespace {

constexpr int kMaxShards = 4096;

// A non-negative decimal number of at most 4 digits; -1 for anything else.
int SmallNumber(const std::string& text) {
  if (text.empty() || text.size() > 4) return -1;
  int n = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::string Shard::Label() const { return std::to_string(index) + "/" + std::to_string(count); }

Result<Shard> ParseShard(const std::string& text) {
  const std::string form =
      "use I/N: the I-th of N slices of the fleet, I counted from 0 (as JOB_COMPLETION_INDEX "
      "is), 0 <= I < N <= " +
      std::to_string(kMaxShards) + ", e.g. --shard 0/4 ... --shard 3/4";
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return Status::Usage("--shard " + text + ": " + form);
  const int index = SmallNumber(text.substr(0, slash));
  const int count = SmallNumber(text.substr(slash + 1));
  if (index < 0 || count < 0) return Status::Usage("--shard " + text + ": " + form);
  if (count < 1 || count > kMaxShards)
    return Status::Usage("--shard " + text + ": N must be 1 to " + std::to_string(kMaxShards) +
                         "; " + form);
  if (index >= count)
    return Status::Usage("--shard " + text + ": I counts from 0, so the slices of " +
                         std::to_string(count) + " are 0/" + std::to_string(count) + " to " +
                         std::to_string(count - 1) + "/" + std::to_string(count) + "; " + form);
  return Shard{index, count};
}

int ShardOfTarget(const std::string& url, int count) {
  const std::string identity = RedactUrl(url);
  uint64_t h = 14695981039346656037ULL;  // FNV-1a 64
  for (unsigned char c : identity) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  // SplitMix64's finaliser: the low bits of FNV-1a alone vary little between similar names.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return static_cast<int>(h % static_cast<uint64_t>(count));
}

std::vector<std::string> TargetsOfShard(const std::vector<std::string>& urls, const Shard& shard,
                                        std::vector<std::string>* others) {
  std::vector<std::string> mine;
  for (const std::string& url : urls) {
    if (!shard.active() || ShardOfTarget(url, shard.count) == shard.index)
      mine.push_back(url);
    else if (others != nullptr)
      others->push_back(url);
  }
  return mine;
}

}  // namespace orchestrate
