// Helpers shared by the libFuzzer targets: invariant checks that abort (so libFuzzer records the
// input) instead of silently passing, and a fixed set of variables.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>

#include "plans/expand.h"

namespace orchestrate::fuzz {

// Aborts with `what` when `cond` is false: a broken invariant is a finding, like a crash.
inline void Check(bool cond, const char* what) {
  if (!cond) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

// A fixed set of variables, so that inputs can reach both the set and the unset paths.
inline VarLookup FixedLookup() {
  return [](const std::string& name) -> std::optional<std::string> {
    static const std::map<std::string, std::string> vars = {
        {"STATE_DIR", "/tmp/state"}, {"EMPTY", ""}, {"DB", "sqlite:x.db"}, {"DOLLAR", "$${X}"}};
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace orchestrate::fuzz
