// Helpers shared by the libFuzzer targets: a scratch folder per fuzzing process and invariant
// checks that abort (so libFuzzer records the input) instead of silently passing.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

// A folder under $TMPDIR (default /tmp) made once per process (libFuzzer runs one input at a time
// in a process). Removed at a normal exit; scripts/fuzz removes what a crash leaves.
inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/orchestrate-fuzz.XXXXXX";
    const char* made = mkdtemp(tmpl.data());
    Check(made != nullptr, "mkdtemp");
    return std::string(made);
  }();
  static const bool removed_at_exit = [] {
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    });
    return true;
  }();
  (void)removed_at_exit;
  return dir;
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  Check(static_cast<bool>(out), "writing a scratch file");
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
