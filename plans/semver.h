#pragma once

#include <optional>
#include <string>
#include <vector>

namespace orchestrate {

// A semantic version (https://semver.org): MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]; a leading "v"
// is accepted. Build metadata is ignored when comparing.
struct SemVer {
  long major = 0, minor = 0, patch = 0;
  std::vector<std::string> prerelease;
};

std::optional<SemVer> ParseSemVer(const std::string& text);
// <0, 0, >0 like strcmp, following semver precedence rules.
int CompareSemVer(const SemVer& a, const SemVer& b);

}  // namespace orchestrate
