#pragma once

#include <string>

namespace orchestrate {

// SHA-256 of `data` as 64 lowercase hex characters.
std::string Sha256Hex(const std::string& data);

}  // namespace orchestrate
